"""Table 1's reference cell trained on another device: C10's cell, for comparing its AP with the
CPU's.

Usage: python benchmarks/gpu_accuracy.py [--device cuda] [--out gpu_out/accuracy]
           [--iters 500] [--splits 10] [--workers 8]

C10 is the bundled file continued 500 iterations on stream seed 8 with the recipe of
``vistool reproduce --budget cpu`` (batch 4, lr 2e-4, flip + colour, frozen backbone + FPN, chains
of three clips, weight average 0.995); on the CPU its three training seeds score 19.5 / 19.0 /
19.6 AP over the ten synthetic valid splits (``docs/results/..._seed8/``). This runs the same
cell (training seed 0) through ``vistool reproduce``'s cell runner on ``--device`` (with AMP on
CUDA), then scores its weight average on the first ``--splits`` of those splits (0, 99-107;
generated first, ``--workers`` at a time). Prints the AP of each split, their mean and the
training and scoring times, and writes them to ``OUT/accuracy.json``.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from table1_manifest import spread_ap

from vistoolkit.atomic import write_json_atomic
from vistoolkit.data.synth import ensure_dataset
from vistoolkit.studies.cells import run_cell_efficientvis
from vistoolkit.studies.reproduce import BUDGETS, cell_specs, resolve_start
from vistoolkit.studies.table1 import TABLE1

C10_STREAM_SEED = 8
C10_DOCS = (Path(__file__).resolve().parents[1] / "docs" / "results" /
            "cpu_recipe_frozen_queries10_finetune_stages3_seed3_ema_seed4_seed5_seed6_still_seed7_seed8")


def cpu_means() -> list[float]:
    """C10's ten-split mean AP per CPU training seed, from its committed score tables (none
    where docs/results is absent)."""
    out = []
    for path in [C10_DOCS / "split_spread.md", *sorted(C10_DOCS.glob("seed*/split_spread.md"))]:
        if path.is_file():
            splits = spread_ap(path)
            out.append(round(sum(v["AP"] for v in splits.values()) / len(splits), 1))
    return out


def _split(args: tuple[Path, str, int]) -> Path:
    root, preset, seed = args
    return ensure_dataset(root / f"seed{seed}", preset, seed=seed, progress=False)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--out", type=Path, default=Path("gpu_out/accuracy"))
    ap.add_argument("--iters", type=int, default=500)
    ap.add_argument("--splits", type=int, default=10)
    ap.add_argument("--workers", type=int, default=8)
    args = ap.parse_args()
    cpu = BUDGETS["cpu"]
    if not 1 <= args.splits <= len(cpu.valid_seeds) or args.iters < 1 or args.workers < 1:
        ap.error(f"--splits takes 1..{len(cpu.valid_seeds)}; --iters and --workers >= 1")
    budget = dataclasses.replace(cpu, stream_seed=C10_STREAM_SEED, max_iters=args.iters,
                                 valid_seeds=cpu.valid_seeds[:args.splits])
    out = args.out.resolve()
    t0 = time.perf_counter()
    with ProcessPoolExecutor(args.workers) as pool:
        list(pool.map(_split, [(out / "data" / "splits", budget.data_preset, s)
                               for s in budget.valid_seeds]))
    t_data = time.perf_counter() - t0
    start = resolve_start(budget, None, "tiny")                  # the bundled file
    table = TABLE1["table1a"]
    (spec,) = cell_specs(table, table.row("ftsa"), seeds=[0], preset="tiny", budget=budget,
                         data_root=out / "data" / "splits" / "seed0", device=args.device,
                         start=start)
    res = run_cell_efficientvis(spec, out, resume=True, progress=True)
    per_split = {s: round(100 * v["stats"]["AP"], 1) for s, v in res.extra["splits"].items()}
    report = {"device": args.device, "iters": args.iters, "splits": per_split,
              "mean_AP": round(100 * res.stats["AP"], 2), "data_s": round(t_data),
              "train_s": round(res.extra["train_s"]), "eval_s": round(res.extra["eval_s"])}
    write_json_atomic(out / "accuracy.json", report, indent=1)
    cpu_seeds = cpu_means()
    beside = f" (CPU seeds: {' / '.join(map(str, cpu_seeds))})" if cpu_seeds else ""
    print("C10's cell on", args.device, "| AP per split", " / ".join(map(str, per_split.values())),
          f"| mean {report['mean_AP']:.2f}{beside} | data {report['data_s']} s, train "
          f"{report['train_s']} s, score {report['eval_s']} s")


if __name__ == "__main__":
    main()
