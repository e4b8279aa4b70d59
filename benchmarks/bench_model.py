"""Time one training step (clip pair forward + loss + backward) of EfficientVIS variants, side by side.

Usage: nice python benchmarks/bench_model.py [--preset tiny] [--threads 2] [--repeats 5]

Each variant runs a CL pair (B=1, T frames of 96x128, 3 instances): clip 1 from q*, clip 2 from
the handed-over queries, criterion on every stage, then backward. Prints one markdown row per
variant with the median seconds (after one warm-up step) and the ratio to the default model.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from efficientvis.batch import ClipBatch, ClipTargetTensors, PairBatch
from efficientvis.config import EfficientVISConfig
from efficientvis.correspondence import clip_pair_loss
from efficientvis.criterion import ClipCriterion
from efficientvis.model import build_model

VARIANTS: dict[str, dict] = {
    "efficientvis (ftsa, temporal TDC)": {},
    "attention=spatial": {"attention": "spatial"},
    "attention=joint": {"attention": "joint"},
    "tdc=still": {"tdc": "still"},
    "query=shared": {"query": "shared"},
    "architecture=dense": {"architecture": "dense"},
}


def _clip(T: int, H: int, W: int, K: int, gen: torch.Generator) -> ClipBatch:
    images = torch.rand(1, T, 3, H, W, generator=gen) * 255              # (1, T, 3, H, W)
    G = 3
    boxes = torch.tensor([[8.0, 8.0, 40.0, 48.0], [50.0, 20.0, 90.0, 80.0], [60, 5, 120, 40]])
    masks = torch.zeros(G, T, H, W, dtype=torch.uint8)                    # (G, T, H, W)
    for g, (x0, y0, x1, y1) in enumerate(boxes.int().tolist()):
        masks[g, :, y0:y1, x0:x1] = 1
    targets = ClipTargetTensors(torch.arange(G)[:, None].repeat(1, T) % K,
                                boxes[:, None].repeat(1, T, 1), masks,
                                torch.ones(G, T, dtype=torch.bool))
    return ClipBatch(images, torch.ones(1, T, dtype=torch.bool), torch.tensor([[H, W]]),
                     [targets], torch.tensor([0]))


def time_variant(preset: str, overrides: dict, repeats: int, H: int, W: int) -> list[float]:
    torch.manual_seed(0)
    cfg = EfficientVISConfig.preset(preset, **overrides)
    model, criterion = build_model(cfg).train(), ClipCriterion.from_config(cfg)
    gen = torch.Generator().manual_seed(0)
    batch = PairBatch(_clip(cfg.clip_length, H, W, cfg.num_classes, gen),
                      _clip(cfg.clip_length, H, W, cfg.num_classes, gen), torch.tensor([0]))
    times = []
    for i in range(repeats + 1):
        start = time.perf_counter()
        loss, _ = clip_pair_loss(model, criterion, batch)
        loss.backward()
        model.zero_grad(set_to_none=True)
        if i:                                                             # first step = warm-up
            times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="tiny")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--size", default="96x128", help="HxW of the frames")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    H, W = (int(v) for v in args.size.split("x"))
    print(f"preset={args.preset} threads={args.threads} frames={H}x{W} repeats={args.repeats}")
    print("| variant | params (M) | median s / pair step | min s | ratio |")
    print("|---|---:|---:|---:|---:|")
    base = None
    for name, overrides in VARIANTS.items():
        times = time_variant(args.preset, overrides, args.repeats, H, W)
        med = statistics.median(times)
        base = base or med
        params = sum(p.numel() for p in
                     build_model(EfficientVISConfig.preset(args.preset, **overrides)).parameters())
        print(f"| {name} | {params / 1e6:.2f} | {med:.3f} | {min(times):.3f} | {med / base:.2f} |")


if __name__ == "__main__":
    main()
