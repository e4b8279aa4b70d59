"""Time ``vistool eval`` against a plain reference loop and, optionally, the official evaluator.

Usage:
    python benchmarks/bench_eval.py [--scale 0.1] [--workers 2] [--official DIR] [--data DIR]

``--workers N`` (N > 1) adds a row ``ours-wN`` (the RLE check and IoU phase in N processes) to
the serial ``ours`` row. Each row also gives CPU seconds (user + system, children included).

Builds a YouTube-VIS-2021-val sized case (GT from the synthetic generator's
``ytvis2021_val_scale`` preset, 100 predicted tracks per video derived from it: perturbed and
partial GT masks, wrong-category copies, smooth and ragged false positives), writes both JSON
files, then runs each evaluator in its own subprocess (honest peak RSS) and prints per-phase
seconds, speed ratios, peak memory and the largest difference between the stats.
``--official DIR`` names a directory holding the official ``ytvos.py`` and ``ytvoseval.py``
(made importable on Python 3 / NumPy 2); without it that row is skipped.
"""

from __future__ import annotations

import argparse
import gc
import json
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
    elif kind.startswith("ours"):
        from vistoolkit.eval import evaluate

        imported = time.perf_counter() - start
        res = evaluate(gt, pred, workers=int(kind[6:]) if kind.startswith("ours-w") else 1)
        clock, stats = {"import": imported, **res.timings}, list(res.stats_array)
    elif kind == "reference":
        clock, stats = reference_evaluate(gt, pred)
    else:
        clock, stats = _run_official(gt, pred, official)
    total = time.perf_counter() - start
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime
    rss = max(me.ru_maxrss, kids.ru_maxrss) / 1024
    return {"kind": kind, "phases": clock, "total": total, "rss_mb": rss, "cpu": cpu,
            "stats": stats}


def _spawn(kind: str, gt: Path, pred: Path, official: str | None, workers: int) -> dict:
    cmd = [sys.executable, __file__, "--child", kind, "--gt", str(gt), "--pred", str(pred),
           "--workers", str(workers)] + (["--official", official] if official else [])
    res = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(res.stdout.strip().splitlines()[-1])


_CORE = {"ours": ("tables", "iou", "rle+iou", "match_accumulate"),
         "official": ("evaluate", "accumulate"), "reference": ("areas", "iou_match", "accumulate")}


def _report(rows: list[dict]) -> None:
    base = {r["kind"]: r for r in rows}
    print("| evaluator | phases (s) | total s | CPU s | peak RSS MB |")
    print("|---|---|---:|---:|---:|")
    for r in rows:
        phases = ", ".join(f"{k} {v:.2f}" for k, v in r["phases"].items())
        print(f"| {r['kind']} | {phases} | {r['total']:.2f} | {r['cpu']:.2f} | {r['rss_mb']:.0f} |")
    ours = base["ours"]
    core = {k: sum(base[k]["phases"].get(p, 0.0) for p in ph) for k, ph in _CORE.items()
            if k in base}
    parse = base["json"]["phases"]["json.load"]
    nogc = base["json-nogc"]["phases"]["json.load"]
    print()
    for r in rows:
        if r["kind"].startswith("ours"):
            c = sum(r["phases"].get(p, 0.0) for p in _CORE["ours"])
            same = float(np.max(np.abs(np.array(r["stats"]) - np.array(ours["stats"]))))
            print(f"{r['kind']}: evaluate+accumulate ({' + '.join(_CORE['ours'])}) {c:.2f} s; "
                  f"end-to-end {r['total']:.2f} s = {r['total'] / parse:.2f}x json.load "
                  f"({parse:.2f} s), {r['total'] / nogc:.2f}x json.load with GC paused "
                  f"({nogc:.2f} s); max |stats diff| vs serial {same:.1e}")
    for other in ("reference", "official"):
        if other in base:
            o = base[other]
            diff = float(np.max(np.abs(np.array(o["stats"]) - np.array(ours["stats"]))))
            print(f"{other}: end-to-end {o['total']:.2f} s = {o['total'] / ours['total']:.1f}x ours; "
                  f"evaluate+accumulate ({' + '.join(_CORE[other])}) {core[other]:.2f} s = "
                  f"{core[other] / core['ours']:.1f}x ours; peak RSS {o['rss_mb']:.0f} MB vs ours "
                  f"{ours['rss_mb']:.0f} MB; max |stats diff| {diff:.1e}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the 421 videos")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--official", help="directory with the official ytvos.py/ytvoseval.py")
    parser.add_argument("--data", type=Path, help="keep (or reuse) gt.json/pred.json here")
    parser.add_argument("--skip-reference", action="store_true")
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
            print(f"reusing {out}")
        else:
            t = time.perf_counter()
            gt, pred, counts = make_case(args.scale, out)
            print(f"generated {counts} in {time.perf_counter() - t:.0f} s")
        kinds = ["json", "json-nogc", "ours"] + ([f"ours-w{args.workers}"] if args.workers > 1
                                                 else [])
        kinds += [] if args.skip_reference else ["reference"]
        kinds += ["official"] if args.official else []
        rows = [_spawn(k, gt, pred, args.official, args.workers) for k in kinds]
        _report(rows)


if __name__ == "__main__":
    main()
