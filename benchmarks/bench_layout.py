"""Backbone + FPN arithmetic, side by side in one process: memory layout (NCHW against
channels-last) or precision (float32 against bfloat16 autocast, both channels-last).

Usage: python benchmarks/bench_layout.py [--compare layout|precision] [--threads 1]
           [--repeats 5] [--backbone PATH]

Times, alternately for the two variants of the same model (``BackboneFPN.set_channels_last``,
``BackboneFPN.precision``):

* one training step of the CPU recipe: ``tiny`` at 128 x 224, a batch of 4 correspondence pairs
  from the fresh synthetic stream, backbone + FPN fixed (``freeze_``), loss and backward;
* one inference clip (``predict_clip``, T = 4 frames, queries q*).

Prints the median seconds of each (after one warm-up), their ratio, and the loss of each.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from efficientvis.backbone import freeze_
from efficientvis.config import EfficientVISConfig
from efficientvis.correspondence import clip_pair_loss
from efficientvis.criterion import ClipCriterion
from efficientvis.engine.checkpoint import load_backbone
from efficientvis.engine.dataset import collate_pairs
from efficientvis.engine.inference import predict_clip
from efficientvis.engine.synth_stream import SynthStreamClipDataset
from efficientvis.model import build_model

from vistoolkit.data.synth import SynthConfig

# variant name -> (channels_last, precision); the first of each pair is the reference
COMPARISONS = {
    "layout": {"NCHW": (False, "float32"), "channels-last": (True, "float32")},
    "precision": {"float32": (True, "float32"), "bfloat16": (True, "bfloat16")},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compare", choices=sorted(COMPARISONS), default="layout")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--backbone", default=None,
                        help="checkpoint whose backbone + FPN to load (default: random weights)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    cfg = EfficientVISConfig.preset("tiny", input_short=128, input_max_long=224)
    data = SynthStreamClipDataset.from_config(SynthConfig.preset("default", seed=1), cfg, seed=0)
    cfg = cfg.replace(num_classes=data.num_classes)
    batch = collate_pairs([data[(i, 0)] for i in range(4)])
    model, criterion = build_model(cfg), ClipCriterion.from_config(cfg)
    if args.backbone:
        load_backbone(model, args.backbone)
    freeze_(model.backbone)
    variants = COMPARISONS[args.compare]
    sample = data[(0, 0)]
    video = data.video(0, 0)
    times: dict[tuple[str, str], list[float]] = {}
    losses: dict[str, float] = {}
    for i in range(args.repeats + 1):
        for name, (channels_last, precision) in variants.items():
            model.backbone.set_channels_last(channels_last)
            model.backbone.precision = precision
            model.train()
            start = time.perf_counter()
            loss, _ = clip_pair_loss(model, criterion, batch)
            loss.backward()
            step = time.perf_counter() - start
            model.zero_grad(set_to_none=True)
            losses[name] = float(loss.detach())
            model.eval()
            start = time.perf_counter()
            predict_clip(model, sample.frames1, video, init_queries=None, device="cpu")
            infer = time.perf_counter() - start
            if i:                                                         # first = warm-up
                times.setdefault((name, "step"), []).append(step)
                times.setdefault((name, "infer"), []).append(infer)
    print(f"threads={args.threads} repeats={args.repeats} tiny 128x224, batch 4 pairs, "
          f"backbone {'from ' + args.backbone if args.backbone else 'random'}, fixed")
    print(f"| {args.compare} | training step (s) | inference clip (s) |")
    print("|---|---:|---:|")
    med = {k: statistics.median(v) for k, v in times.items()}
    for name in variants:
        print(f"| {name} | {med[(name, 'step')]:.3f} | {med[(name, 'infer')]:.3f} |")
    ref, new = variants
    print(f"| ratio {ref} / {new} | {med[(ref, 'step')] / med[(new, 'step')]:.2f}"
          f" | {med[(ref, 'infer')] / med[(new, 'infer')]:.2f} |")
    print(f"loss {losses[ref]:.5f} ({ref}) against {losses[new]:.5f} ({new})")


if __name__ == "__main__":
    main()
