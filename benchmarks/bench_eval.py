"""``vistool eval`` end to end against ``json.load`` of the same file and the official evaluator.

Usage:
    python benchmarks/bench_eval.py [--scale 0.1] [--data DIR] [--official DIR] [--rounds 2]
        [--workers 2] [--skip-reference]

Builds a YouTube-VIS-2021-val sized case (GT from the synthetic generator's
``ytvis2021_val_scale`` preset, 100 predicted tracks per video derived from it: perturbed and
partial GT masks, wrong-category copies, smooth and ragged false positives), writes both JSON
files (``--data DIR`` keeps or reuses them), then runs every row in its own subprocess (honest
peak RSS), ``--rounds`` times, alternating:

- ``json``: ``json.load`` of the result file (garbage collector on, as by default); ``json-nogc``
  the same with the collector paused. The time is that of the call alone.
- ``cli-native`` / ``cli-fallback``: the command ``vistool eval GT PRED --workers N`` as a user
  runs it (interpreter start, imports, loading, checks, evaluation, printing), with the native
  kernel and with ``VISTOOLKIT_NO_NATIVE=1`` (the pycocotools path).
- ``api-native`` / ``api-fallback``: ``vistoolkit.eval.evaluate`` in-process, for its phases.
- ``reference``: the plain per-pair, per-frame loop of ``benchmarks/eval_reference.py``.
- ``official``: ``ytvos.py``/``ytvoseval.py`` from ``--official DIR`` (a scratch copy of the
  official evaluator with the Python 3 / NumPy 2 import fixes); without it the reference loop
  stands in for it in the ratios.

Prints per-row medians (wall s, CPU s incl. children, peak RSS MB), the ratios the targets are
stated in (end to end vs ``json.load``, speed-up and peak RSS vs the official) for each round,
the load average around each round, and the largest difference between the rows' 12 stats.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from pycocotools import mask as mask_utils

sys.path.insert(0, str(Path(__file__).resolve().parent))
from eval_reference import reference_evaluate

PRED_PER_VIDEO = 100


def _ellipse(cx: float, cy: float, ax: float, ay: float, n: int = 24) -> list[float]:
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return np.stack([cx + ax * np.cos(t), cy + ay * np.sin(t)], 1).ravel().tolist()


def _str(rle: dict) -> dict:
    return {"size": [int(rle["size"][0]), int(rle["size"][1])],
            "counts": rle["counts"].decode("ascii")}


def _gt_variants(rng, segs, h, w) -> tuple[list, list]:
    """A close and a partial copy of one GT track (None where the GT is absent)."""
    close, partial = [], []
    for seg in segs:
        if not seg:
            close.append(None)
            partial.append(None)
            continue
        g = {"size": seg["size"], "counts": seg["counts"].encode("ascii")}
        x, y, bw, bh = mask_utils.toBbox(g)
        cx, cy = x + bw / 2, y + bh / 2
        bump, cut = mask_utils.frPyObjects(
            [_ellipse(x + rng.uniform(0, bw), y + rng.uniform(0, bh), bw / 6 + 2, bh / 6 + 2),
             _ellipse(cx + rng.normal(0, bw / 6), cy, bw * 0.45 + 2, bh * 0.6 + 2)], h, w)
        close.append(_str(mask_utils.merge([g, bump], intersect=False)))
        partial.append(_str(mask_utils.merge([g, cut], intersect=True)))
    return close, partial


def _false_positives(rng, n: int, h: int, w: int, length: int) -> list[list]:
    """``n`` moving blobs over ``length`` frames; about a third ragged (several pieces)."""
    start = rng.uniform([0, 0], [w, h], size=(n, 2))
    vel = rng.normal(0, 6, size=(n, 2))
    axes = rng.uniform(30, 210, size=(n, 2)) * (min(h, w) / 720)
    ragged = rng.random(n) < 0.35
    out: list[list] = [[] for _ in range(n)]
    for f in range(length):
        polys, owner = [], []
        for i in range(n):
            cx, cy = start[i] + vel[i] * f
            if ragged[i]:
                for _ in range(6):
                    polys.append(_ellipse(cx + rng.normal(0, axes[i, 0]),
                                          cy + rng.normal(0, axes[i, 1]), axes[i, 0] / 4 + 2,
                                          axes[i, 1] / 5 + 2, 12))
                    owner.append(i)
            else:
                polys.append(_ellipse(cx, cy, axes[i, 0], axes[i, 1]))
                owner.append(i)
        rles = mask_utils.frPyObjects(polys, h, w)
        groups: dict[int, list] = {}
        for i, r in zip(owner, rles):
            groups.setdefault(i, []).append(r)
        for i in range(n):
            absent = rng.random() < 0.05
            out[i].append(None if absent else _str(mask_utils.merge(groups[i])))
    return out


def make_case(scale: float, out_dir: Path, seed: int = 0) -> tuple[Path, Path, dict]:
    """Write ``gt.json`` and ``pred.json`` under ``out_dir``; returns their paths and counts."""
    from vistoolkit.data.synth import SynthConfig, make_annotations
    from vistoolkit.data.ytvis_io import save_dataset

    n_videos = max(2, round(421 * scale))
    ds, _ = make_annotations(SynthConfig.preset("ytvis2021_val_scale", num_valid_videos=n_videos,
                                                seed=seed), "valid")
    rng = np.random.default_rng(seed)
    cats = [c.id for c in ds.categories]
    by_video = ds.tracks_by_video()
    preds = []
    for v in ds.videos:
        mine = []
        for t in by_video[v.id]:
            close, partial = _gt_variants(rng, t.segmentations, v.height, v.width)
            other = int(rng.choice([c for c in cats if c != t.category_id]))
            for segs, cat, a in ((close, t.category_id, 6), (partial, t.category_id, 3),
                                 (close, other, 2)):
                mine.append((cat, segs, rng.beta(a, 2)))
        n_fp = PRED_PER_VIDEO - len(mine)
        for segs in _false_positives(rng, n_fp, v.height, v.width, v.length):
            local = [t.category_id for t in by_video[v.id]] or cats
            cat = int(rng.choice(local)) if rng.random() < 0.5 else int(rng.choice(cats))
            mine.append((cat, segs, rng.beta(2, 5)))
        for cat, segs, score in mine:
            preds.append({"video_id": v.id, "category_id": cat,
                          "score": round(float(score), 6), "segmentations": segs})
    out_dir.mkdir(parents=True, exist_ok=True)
    gt_path, pred_path = out_dir / "gt.json", out_dir / "pred.json"
    save_dataset(ds, gt_path)
    with open(pred_path, "w") as handle:
        json.dump(preds, handle)
    counts = {"videos": len(ds.videos), "frames": sum(v.length for v in ds.videos),
              "gt_tracks": len(ds.tracks), "pred_tracks": len(preds),
              "pred_mb": pred_path.stat().st_size / 1e6}
    return gt_path, pred_path, counts


def _run_official(gt: str, pred: str, official: str) -> tuple[dict, list]:
    import contextlib
    import io

    sys.path.insert(0, official)
    from ytvos import YTVOS
    from ytvoseval import YTVOSeval

    t, clock = time.perf_counter(), {}
    with contextlib.redirect_stdout(io.StringIO()):
        g = YTVOS(gt)
        clock["load_gt"] = time.perf_counter() - t
        t = time.perf_counter()
        d = g.loadRes(pred)
        clock["loadRes"] = time.perf_counter() - t
        e = YTVOSeval(g, d, "segm")
        for phase in ("evaluate", "accumulate", "summarize"):
            t = time.perf_counter()
            getattr(e, phase)()
            clock[phase] = time.perf_counter() - t
    return clock, [float(x) for x in e.stats]


def _child(kind: str, gt: str, pred: str, official: str | None, workers: int) -> dict:
    start = time.perf_counter()
    stats: list = []
    if kind in ("json", "json-nogc"):
        if kind == "json-nogc":
            gc.disable()
        with open(pred, encoding="utf-8") as handle:
            json.load(handle)
        clock = {"json.load": time.perf_counter() - start}
    elif kind.startswith("cli-"):
        env = dict(os.environ, VISTOOLKIT_NO_NATIVE="1" if kind == "cli-fallback" else "0")
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run([sys.executable, "-m", "vistoolkit.cli", "eval", gt, pred,
                            "--workers", str(workers), "--json", f"{tmp}/m.json"], env=env,
                           check=True, capture_output=True)
            clock = {}
            stats = list(json.loads(Path(f"{tmp}/m.json").read_text())["stats"].values())[:12]
    elif kind.startswith("api-"):
        from vistoolkit.eval import evaluate

        imported = time.perf_counter() - start
        res = evaluate(gt, pred, workers=workers, native=kind == "api-native")
        clock, stats = {"import": imported, **res.timings}, list(res.stats_array)
    elif kind == "reference":
        clock, stats = reference_evaluate(gt, pred)
    else:
        clock, stats = _run_official(gt, pred, official)
    total = time.perf_counter() - start
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime
    rss = (kids.ru_maxrss if kind.startswith("cli-") else me.ru_maxrss) / 1024
    if kind.startswith("json"):   # the call alone: not the interpreter start
        total, cpu = clock["json.load"], me.ru_utime + me.ru_stime
    return {"kind": kind, "phases": clock, "total": total, "rss_mb": rss, "cpu": cpu,
            "stats": [-1.0 if x != x else x for x in stats]}


def _spawn(kind: str, gt: Path, pred: Path, official: str | None, workers: int) -> dict:
    cmd = [sys.executable, __file__, "--child", kind, "--gt", str(gt), "--pred", str(pred),
           "--workers", str(workers)] + (["--official", official] if official else [])
    res = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(res.stdout.strip().splitlines()[-1])


def _median(rows: list[dict], key: str) -> float:
    return float(np.median([r[key] for r in rows]))


def _report(rounds: list[dict[str, dict]], loads: list[tuple]) -> None:
    kinds = list(rounds[0])
    print("| row | phases (s, first round) | wall s | CPU s | peak RSS MB |")
    print("|---|---|---:|---:|---:|")
    for k in kinds:
        rows = [r[k] for r in rounds]
        phases = ", ".join(f"{p} {v:.2f}" for p, v in rows[0]["phases"].items())
        print(f"| {k} | {phases} | {_median(rows, 'total'):.2f} | {_median(rows, 'cpu'):.2f} "
              f"| {_median(rows, 'rss_mb'):.0f} |")
    official = "official" if "official" in kinds else "reference"
    print(f"\nratios per round ({official} = "
          + ("the official evaluator, scratch copy)" if official == "official" else
             "the reference loop standing in for the official evaluator)"))
    for i, (r, load) in enumerate(zip(rounds, loads)):
        print(f"round {i + 1} (load average {load[0]:.1f} -> {load[1]:.1f}):")
        for k in ("cli-native", "cli-fallback"):
            if k not in r:
                continue
            ours = r[k]
            print(f"  {k}: {ours['total']:.2f} s = {ours['total'] / r['json']['total']:.2f}x "
                  f"json.load ({r['json']['total']:.2f} s; {ours['total'] / r['json-nogc']['total']:.2f}x "
                  f"with GC paused), {r[official]['total'] / ours['total']:.1f}x faster than "
                  f"{official} ({r[official]['total']:.2f} s), peak RSS {ours['rss_mb']:.0f} MB = "
                  f"{ours['rss_mb'] / r[official]['rss_mb']:.2f}x {official} "
                  f"({r[official]['rss_mb']:.0f} MB)")
        if official == "official" and "reference" in r:
            ref = r["reference"]
            print(f"  reference: {ref['total']:.2f} s, {ref['rss_mb']:.0f} MB")
    base = np.array(rounds[0]["cli-native"]["stats"])
    diffs = {k: max(float(np.max(np.abs(np.array(r[k]["stats"]) - base))) for r in rounds)
             for k in kinds if rounds[0][k]["stats"]}
    print("max |stats - cli-native stats|: " + ", ".join(f"{k} {v:.1e}" for k, v in diffs.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the 421 videos")
    parser.add_argument("--workers", type=int, default=2, help="vistool eval --workers")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--official", help="directory with the official ytvos.py/ytvoseval.py")
    parser.add_argument("--data", type=Path, help="keep (or reuse) gt.json/pred.json here")
    parser.add_argument("--skip-reference", action="store_true")
    parser.add_argument("--skip-api", action="store_true", help="no in-process phase rows")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--gt", help=argparse.SUPPRESS)
    parser.add_argument("--pred", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(args.child, args.gt, args.pred, args.official, args.workers)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        out = args.data or Path(tmp)
        if (out / "pred.json").exists():
            gt, pred = out / "gt.json", out / "pred.json"
            print(f"reusing {out} ({pred.stat().st_size / 1e6:.0f} MB of predictions)")
        else:
            t = time.perf_counter()
            gt, pred, counts = make_case(args.scale, out)
            print(f"generated {counts} in {time.perf_counter() - t:.0f} s")
        kinds = ["json", "json-nogc", "cli-native", "cli-fallback"]
        kinds += [] if args.skip_api else ["api-native", "api-fallback"]
        kinds += [] if args.skip_reference else ["reference"]
        kinds += ["official"] if args.official else []
        if args.skip_reference and not args.official:
            parser.error("the ratios need --official or the reference row")
        rounds, loads = [], []
        for _ in range(args.rounds):
            before = os.getloadavg()[0]
            rounds.append({k: _spawn(k, gt, pred, args.official, args.workers) for k in kinds})
            loads.append((before, os.getloadavg()[0]))
        print(f"{os.cpu_count()} CPUs; workers {args.workers}; rounds {args.rounds}")
        _report(rounds, loads)


if __name__ == "__main__":
    main()
