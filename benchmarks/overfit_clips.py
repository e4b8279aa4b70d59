"""Capacity check: train on one fixed batch of clips and watch its matched box IoU per stage.

Usage: python benchmarks/overfit_clips.py [--iters 250] [--batch 4] [--backbone PATH]
           [--set KEY=VALUE ...] [--threads 1]

A model that cannot fit a handful of clips has a bug or lacks capacity; one that fits them but
stays low on fresh clips is limited by data, optimisation or the recipe. The batch is the first
``--batch`` items of the fresh synthetic stream (the training default), the recipe's input size,
AdamW at ``--lr`` with the training engine's gradient clipping; every 50 iterations it prints,
per stage, matched-slot class accuracy / box IoU on the same batch in eval mode.
"""

from __future__ import annotations

import argparse
import time

import torch
from efficientvis.backbone import freeze_
from efficientvis.config import EfficientVISConfig
from efficientvis.criterion import ClipCriterion
from efficientvis.engine.checkpoint import load_backbone
from efficientvis.engine.dataset import collate_pairs
from efficientvis.engine.probe import matched_counts
from efficientvis.engine.synth_stream import SynthStreamClipDataset
from efficientvis.engine.train import PairStep
from efficientvis.matcher import TrackletMatcher
from efficientvis.model import build_model

from vistoolkit.cli.model_support import model_config
from vistoolkit.data.synth import SynthConfig


def stage_scores(model: torch.nn.Module, clip) -> str:
    """'class accuracy/box IoU' of every stage on ``clip``, slots matched on the last stage."""
    model.eval()
    with torch.no_grad():
        out = model(clip.images, clip.frame_valid, clip.image_sizes)
        matches = TrackletMatcher()(out.stages[-1], clip.targets)
        cells = []
        for stage in out.stages:
            s = matched_counts(stage, clip.targets, matches).scores()
            cells.append(f"{s['probe_class_acc']:.2f}/{s['probe_box_iou']:.3f}")
    model.train()
    return "  ".join(cells)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--iters", type=int, default=250)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--backbone", default=None, help="backbone.pt to start from, kept fixed")
    ap.add_argument("--set", dest="overrides", action="append",
                    default=["input_short=128", "input_max_long=224"])
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    cfg: EfficientVISConfig = model_config("tiny", args.overrides)
    data = SynthStreamClipDataset.from_config(SynthConfig.preset("default", seed=1), cfg)
    cfg = cfg.replace(num_classes=data.num_classes)
    batch = collate_pairs([data[(i, 0)] for i in range(args.batch)])
    model = build_model(cfg)
    if args.backbone:
        load_backbone(model, args.backbone)
        freeze_(model.backbone)
    step = PairStep(model, ClipCriterion.from_config(cfg), cfg)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=1e-4)
    t0 = time.perf_counter()
    print("iteration  seconds  per stage: class accuracy/box IoU")
    for it in range(args.iters + 1):
        if it % 50 == 0 or it == args.iters:
            print(f"{it:9d}  {time.perf_counter() - t0:7.0f}  {stage_scores(model, batch.clip1)}",
                  flush=True)
        if it == args.iters:
            break
        loss, _ = step(batch)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()


if __name__ == "__main__":
    main()
