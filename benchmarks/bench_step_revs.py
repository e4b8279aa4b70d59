"""Seconds per training step of the CPU recipe at two git revisions of the model, side by side.

Usage: python benchmarks/bench_step_revs.py REV_A REV_B [--rounds 3] [--steps 3] [--threads 1]
       [--weights PATH]

Each revision is checked out into a temporary git worktree; rounds alternate one subprocess per
revision (``efficientvis`` imported from that worktree, ``vistoolkit`` from this checkout), each
timing ``--steps`` training steps after one warm-up: ``tiny`` at 128 x 224, ten queries, a batch
of 4 items of 3 chained clips of the fresh synthetic stream, backbone + FPN fixed, forward, loss,
backward and an AdamW step. Prints the median over all timed steps of each revision and their
ratio.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

STEP = r"""
import sys, time, torch
from efficientvis.backbone import freeze_
from efficientvis.config import EfficientVISConfig
from efficientvis.correspondence import clip_pair_loss
from efficientvis.criterion import ClipCriterion
from efficientvis.engine.checkpoint import load_weights
from efficientvis.engine.dataset import collate_pairs
from efficientvis.engine.synth_stream import SynthStreamClipDataset
from efficientvis.model import build_model
from vistoolkit.data.synth import SynthConfig
steps, threads, weights = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
torch.set_num_threads(threads)
torch.manual_seed(0)
cfg = EfficientVISConfig.preset("tiny", input_short=128, input_max_long=224, num_queries=10)
data = SynthStreamClipDataset.from_config(SynthConfig.preset("default", seed=1), cfg, seed=0,
                                          chain_clips=3)
cfg = cfg.replace(num_classes=data.num_classes)
model, criterion = build_model(cfg).train(), ClipCriterion.from_config(cfg)
if weights:
    load_weights(model, weights)
freeze_(model.backbone)
opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-6)
for i in range(steps + 1):
    batch = collate_pairs([data[(k, 0)] for k in range(4 * i, 4 * i + 4)])
    start = time.perf_counter()
    loss, _ = clip_pair_loss(model, criterion, batch)
    loss.backward()
    opt.step()
    opt.zero_grad(set_to_none=True)
    if i:
        print(time.perf_counter() - start, flush=True)
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("revs", nargs=2)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--weights", default="")
    args = ap.parse_args()
    repo = Path(__file__).resolve().parents[1]
    times: dict[str, list[float]] = {rev: [] for rev in args.revs}
    with tempfile.TemporaryDirectory() as tmp:
        trees = {}
        for i, rev in enumerate(args.revs):
            trees[rev] = Path(tmp) / f"tree{i}"
            subprocess.run(["git", "-C", str(repo), "worktree", "add", "--detach", "-q",
                            str(trees[rev]), rev], check=True)
        try:
            for _ in range(args.rounds):
                for rev, tree in trees.items():
                    env = {**os.environ, "PYTHONPATH": f"{tree / 'models'}{os.pathsep}{repo}"}
                    out = subprocess.run([sys.executable, "-c", STEP, str(args.steps),
                                          str(args.threads), args.weights], env=env, check=True,
                                         capture_output=True, text=True).stdout
                    times[rev] += [float(line) for line in out.split()]
                    print(f"{rev}: {times[rev][-args.steps:]}", file=sys.stderr, flush=True)
        finally:
            for tree in trees.values():
                subprocess.run(["git", "-C", str(repo), "worktree", "remove", "--force",
                                str(tree)], check=False)
    med = {rev: statistics.median(v) for rev, v in times.items()}
    a, b = args.revs
    print(f"threads={args.threads}, {args.rounds} rounds x {args.steps} steps per revision")
    print("| revision | median s / step | min s |\n|---|---:|---:|")
    for rev in args.revs:
        print(f"| {rev} | {med[rev]:.3f} | {min(times[rev]):.3f} |")
    print(f"ratio {a} / {b}: {med[a] / med[b]:.2f}")


if __name__ == "__main__":
    main()
