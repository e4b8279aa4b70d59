"""AP of checkpoints over several synthetic valid splits, and by GT instances per video.

Usage: python benchmarks/split_spread.py CKPT [CKPT ...] [--seeds 0,99,100,101,102]
           [--root vistool_data/splits] [--threads 1] [--clip-length T]
           [--set tau_bg=0.2 --set gate_absent_frames=true ...] [--keep DIR]

Each seed S is the default synthetic benchmark generated with ``--seed S`` (seed 0 is the
standard valid split; other seeds share no video seed with it or with the training stream).
Every checkpoint runs ``vistool infer`` (full-video query hand-over) on every split's 25 valid
videos and is scored by ``vistool eval --breakdown instances``. Prints one Markdown table of AP
per split with the mean and standard deviation over the splits, and one of AP by instances per
video for each checkpoint. A 25-video split is a small sample: compare checkpoints on the same
splits, not against another split's number. ``--keep DIR`` keeps each checkpoint's predictions
as ``DIR/<checkpoint file stem>/seed<S>.json`` (for the per-video bootstrap of
``benchmarks/table1_bootstrap.py``).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import tempfile
from pathlib import Path

import numpy as np
from efficientvis.engine.inference import InferenceSettings

from vistoolkit.cli.model_support import run_inference
from vistoolkit.data.synth import ensure_dataset
from vistoolkit.eval import evaluate

SETTING_FIELDS = {f.name for f in dataclasses.fields(InferenceSettings)}


def split_scores(ckpt: Path, data: Path, *, threads: int, settings: dict,
                 keep: Path | None = None) -> tuple[float, list]:
    """AP and the AP of each instance bucket (percent) of one checkpoint on one split; the
    predictions are written to ``keep`` when given (atomically), else to a temporary file."""
    with tempfile.TemporaryDirectory() as tmp:
        out = keep or Path(tmp) / "pred.json"
        run_inference(ckpt, data=data, split="valid", out=out, ann=None, device="cpu",
                      clips=False, stride=None, threads=threads, settings=settings)
        res = evaluate(data / "valid.json", out, breakdowns=("instances",))
    table = res.breakdowns["instances"]
    return 100 * res.stats["AP"], list(zip(table.bucket, table.n_gt, 100 * table.AP))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("ckpts", nargs="+", type=Path)
    ap.add_argument("--seeds", default="0,99,100,101,102")
    ap.add_argument("--root", type=Path, default=Path("vistool_data/splits"))
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--clip-length", type=int)
    ap.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                    help="an inference setting (InferenceSettings field), e.g. tau_bg=0.2")
    ap.add_argument("--keep", type=Path, metavar="DIR",
                    help="keep the predictions as DIR/<checkpoint stem>/seed<S>.json")
    args = ap.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    settings = {"clip_length": args.clip_length} if args.clip_length else {}
    for item in args.set:
        field, _, value = item.partition("=")
        if field not in SETTING_FIELDS:
            ap.error(f"--set {item!r}: not an inference setting ({', '.join(sorted(SETTING_FIELDS))})")
        try:
            settings[field] = json.loads(value)
        except ValueError:
            ap.error(f"--set {item!r}: VALUE must be JSON (0.2, 1, true, null)")
    splits = {s: ensure_dataset(args.root / f"seed{s}", seed=s, progress=False) for s in seeds}
    header = "| checkpoint | " + " | ".join(f"seed {s}" for s in seeds) + " | mean | std |"
    lines = [header, "|---|" + "---:|" * (len(seeds) + 2)]
    per_ckpt = []
    for ckpt in args.ckpts:
        keep = {s: args.keep / ckpt.stem / f"seed{s}.json" if args.keep else None for s in seeds}
        scores = {s: split_scores(ckpt, d, threads=args.threads, settings=settings, keep=keep[s])
                  for s, d in splits.items()}
        aps = np.array([scores[s][0] for s in seeds])
        lines.append(f"| {ckpt} | " + " | ".join(f"{a:.1f}" for a in aps)
                     + f" | {aps.mean():.1f} | {aps.std(ddof=1) if len(aps) > 1 else 0:.1f} |")
        per_ckpt.append((ckpt, scores))
        print(lines[-1], flush=True)
    print("\nAP over splits\n")
    print("\n".join(lines))
    for ckpt, scores in per_ckpt:
        names = [b for b, _, _ in next(iter(scores.values()))[1]]
        print(f"\nAP by GT instances per video, {ckpt} (GT tracks in brackets)\n")
        print("| split | " + " | ".join(names) + " |")
        print("|---|" + "---:|" * len(names))
        for s in seeds:
            cells = [f"{a:.1f} ({n})" if n else "-" for _, n, a in scores[s][1]]
            print(f"| seed {s} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
