"""Thread and process policy: train, infer and demo with 1 and 2 torch threads, and training with
DDP over 2 single-thread processes, on a quiet machine and beside one busy process.

Usage: python benchmarks/bench_threads.py [--data vistool_data/synth] [--iters 8]
       [--conditions quiet,busy] [--out bench_out/threads.json]

Every run is a fresh ``vistool`` subprocess. Train: ``tiny`` at the benchmark's native 128 x 224,
batch 4 (DDP: 2 processes x batch 2, the same global batch), on the fresh synthetic stream; the
number is the median seconds per iteration over iterations 3.. (``metrics.jsonl`` ``sec``).
Infer: ``vistool infer`` of the bundled checkpoint on the first 5 valid videos (wall seconds of the
command). Demo: ``vistool demo`` wall seconds (25 valid videos, evaluation included). "busy" starts
one pure-Python spin loop (``while True: pass``) for the duration of the run, as another user's
job would. Ratios are within one condition, runs alternated in one invocation.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

VISTOOL = [sys.executable, "-m", "vistoolkit.cli"]
NATIVE = ["--set", "input_short=128", "--set", "input_max_long=224"]


def _timed(cmd: list[str], env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env=env)
    return time.perf_counter() - start


def _sec_per_iter(run_dir: Path) -> float:
    rows = [json.loads(x) for x in (run_dir / "metrics.jsonl").read_text().splitlines()]
    return statistics.median(r["sec"] for r in rows[2:])


def train_run(tmp: Path, *, threads: int, iters: int, ddp: bool) -> float:
    out = tmp / f"train_{threads}_{ddp}_{time.monotonic_ns()}"
    if ddp:
        cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone",
               "--nproc_per_node", "2", "-m", "vistoolkit.cli", "train", "--batch-size", "2"]
    else:
        cmd = [*VISTOOL, "train", "--batch-size", "4"]
    env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
    _timed([*cmd, "--preset", "tiny", "--iters", str(iters), "--threads", str(threads),
            "--out", str(out), *NATIVE], env)
    return _sec_per_iter(out)


def infer_run(tmp: Path, data: Path, ann: Path, *, threads: int) -> float:
    from efficientvis.engine.bundled import require_bundled

    return _timed([*VISTOOL, "infer", "--ckpt", str(require_bundled()), "--data", str(data),
                   "--ann", str(ann), "-o", str(tmp / "infer.json"), "--threads", str(threads)])


def demo_run(tmp: Path, data: Path, *, threads: int) -> float:
    return _timed([*VISTOOL, "demo", "--data", str(data), "--out", str(tmp / "demo"),
                   "--threads", str(threads)])


def subset(data: Path, out: Path, n: int) -> Path:
    raw = json.loads((data / "valid.json").read_text())
    keep = {v["id"] for v in raw["videos"][:n]}
    raw["videos"] = [v for v in raw["videos"] if v["id"] in keep]
    raw["annotations"] = [a for a in raw["annotations"] if a["video_id"] in keep]
    path = out / "valid_subset.json"
    path.write_text(json.dumps(raw))
    return path


def measure(condition: str, tmp: Path, data: Path, ann: Path, iters: int) -> dict[str, float]:
    spin = None
    if condition == "busy":
        spin = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        res = {}
        for threads in (1, 2):
            res[f"train {threads}t s/it"] = train_run(tmp, threads=threads, iters=iters, ddp=False)
            res[f"infer {threads}t s"] = infer_run(tmp, data, ann, threads=threads)
            res[f"demo {threads}t s"] = demo_run(tmp, data, threads=threads)
        res["train DDP 2x1t s/it"] = train_run(tmp, threads=1, iters=iters, ddp=True)
        return res
    finally:
        if spin is not None:
            spin.kill()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path("vistool_data/synth"))
    ap.add_argument("--iters", type=int, default=8)
    ap.add_argument("--conditions", default="quiet,busy")
    ap.add_argument("--out", type=Path, default=Path("bench_out/threads.json"))
    args = ap.parse_args()
    from vistoolkit.data.synth import ensure_dataset

    data = ensure_dataset(args.data, progress=False)
    results = {"cpus": os.cpu_count(), "load_before": os.getloadavg()}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        ann = subset(data, tmp, 5)
        for condition in args.conditions.split(","):
            results[condition] = measure(condition, tmp, data, ann, args.iters)
            print(condition, json.dumps(results[condition], indent=1), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1))
    print("| run | " + " | ".join(c for c in args.conditions.split(",")) + " |")
    print("|---|" + "---|" * len(args.conditions.split(",")))
    for key in results[args.conditions.split(",")[0]]:
        print(f"| {key} | " + " | ".join(f"{results[c][key]:.2f}"
                                         for c in args.conditions.split(",")) + " |")


if __name__ == "__main__":
    main()
