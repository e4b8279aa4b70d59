"""Mask head backward on matched entries only (``StageOutput.masks_at``) against every entry,
side by side in one process.

Usage: python benchmarks/bench_mask_grad.py [--threads 1] [--repeats 5] [--chain 3]
       [--queries 10] [--weights PATH]

One training step of the CPU recipe (``tiny`` at 128 x 224, a batch of 4 items of the fresh
synthetic stream, ``--chain`` clips each, backbone + FPN fixed, loss and backward), alternately
with the mask head run with gradient on the matched (slot, frame) entries only (the default) and
on all of them (``MaskHead.per_sample`` off: the path a batch-statistics norm takes). The
gradient is the same (only matched entries are supervised); prints the median seconds of each
after one warm-up, their ratio, and the loss and largest gradient difference between the two.
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
from efficientvis.engine.checkpoint import load_weights
from efficientvis.engine.dataset import collate_pairs
from efficientvis.engine.synth_stream import SynthStreamClipDataset
from efficientvis.model import build_model

from vistoolkit.data.synth import SynthConfig

MODES = {"matched entries (masks_at)": True, "every entry": False}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--chain", type=int, default=3, help="clips per item (2 = the pair)")
    parser.add_argument("--queries", type=int, default=10)
    parser.add_argument("--weights", default=None,
                        help="checkpoint of the same shape to start from (default: random)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    cfg = EfficientVISConfig.preset("tiny", input_short=128, input_max_long=224,
                                    num_queries=args.queries)
    data = SynthStreamClipDataset.from_config(SynthConfig.preset("default", seed=1), cfg, seed=0,
                                              chain_clips=args.chain)
    cfg = cfg.replace(num_classes=data.num_classes)
    batches = [collate_pairs([data[(i, 0)] for i in range(k, k + 4)]) for k in (0, 4)]
    model, criterion = build_model(cfg).train(), ClipCriterion.from_config(cfg)
    if args.weights:
        load_weights(model, args.weights)
    freeze_(model.backbone)
    times: dict[str, list[float]] = {name: [] for name in MODES}
    losses: dict[str, float] = {}
    grads: dict[str, list[torch.Tensor]] = {}
    for i in range(args.repeats + 1):
        batch = batches[i % len(batches)]
        for name, on_demand in MODES.items():
            for stage in model.stages:
                stage.mask_head.per_sample = on_demand
            start = time.perf_counter()
            loss, _ = clip_pair_loss(model, criterion, batch)
            loss.backward()
            seconds = time.perf_counter() - start
            if i == 0:                                                    # warm-up: compare
                losses[name] = float(loss.detach())
                grads[name] = [p.grad.clone() for p in model.parameters() if p.grad is not None]
            else:
                times[name].append(seconds)
            model.zero_grad(set_to_none=True)
    print(f"threads={args.threads} repeats={args.repeats} tiny 128x224, {args.queries} queries, "
          f"batch 4 items of {args.chain} clips, backbone fixed, "
          f"weights {args.weights or 'random'}")
    print("| mask head backward on | training step (s), median | min (s) |")
    print("|---|---:|---:|")
    med = {name: statistics.median(v) for name, v in times.items()}
    for name, values in times.items():
        print(f"| {name} | {med[name]:.3f} | {min(values):.3f} |")
    fast, full = MODES
    print(f"ratio every entry / matched entries: {med[full] / med[fast]:.2f}")
    worst = max(float((a - b).abs().max() / b.abs().max().clamp(min=1e-12))
                for a, b in zip(grads[fast], grads[full], strict=True))
    print(f"loss {losses[fast]:.5f} against {losses[full]:.5f}; largest gradient difference "
          f"{worst:.1e} of the tensor's largest entry")


if __name__ == "__main__":
    main()
