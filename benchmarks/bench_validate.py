"""Time ``validate_predictions`` against parsing the same result file, side by side.

Builds a synthetic result file (default 40,000 predictions x 30 frames of 720x1280, real
pycocotools RLE strings, 1 in 5 frames None), then times in one run: ``json.load``, record
``json.load`` with the garbage collector paused, record
parsing (``parse_predictions``), validation without and with the RLE decodability check.

    python benchmarks/bench_validate.py [--preds 40000] [--frames 30]
"""

from __future__ import annotations

import argparse
import gc
import json
import tempfile
import time
from pathlib import Path

import numpy as np
from pycocotools import mask as mask_utils

from vistoolkit.data.records import Category, Dataset, Video
from vistoolkit.data.rle_totals import _area, _first_numbers
from vistoolkit.data.validate import validate_predictions
from vistoolkit.data.ytvis_io import parse_predictions


def _masks(n: int, h: int, w: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    yy, xx = np.ogrid[:h, :w]
    out = []
    for _ in range(n):
        cy, cx, ry, rx = rng.integers(0, h), rng.integers(0, w), rng.integers(20, 150), rng.integers(20, 110)
        m = ((((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2) < 1).astype(np.uint8)
        out.append(mask_utils.encode(np.asfortranarray(m))["counts"].decode("ascii"))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--preds", type=int, default=40000)
    ap.add_argument("--frames", type=int, default=30)
    ap.add_argument("--videos", type=int, default=400)
    args = ap.parse_args()
    h, w = 720, 1280
    strings = _masks(300, h, w, seed=0)
    gt = Dataset(
        videos=tuple(Video(id=v, width=w, height=h, length=args.frames, file_names=())
                     for v in range(1, args.videos + 1)),
        categories=tuple(Category(id=c, name=str(c)) for c in range(1, 41)))
    pick = np.random.default_rng(1).integers(0, len(strings), size=(args.preds, args.frames))
    raw = [{"video_id": 1 + i % args.videos, "category_id": 1 + i % 40, "score": (i % 997) / 997,
            "segmentations": [None if (i + f) % 5 == 0 else
                              {"size": [h, w], "counts": strings[pick[i, f]]}
                              for f in range(args.frames)]} for i in range(args.preds)]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "results.json"
        path.write_text(json.dumps(raw))
        del raw
        size_mb = path.stat().st_size / 1e6
        t0 = time.perf_counter()
        with open(path, "rb") as handle:
            parsed = json.load(handle)
        t_json = time.perf_counter() - t0
        del parsed
        gc.disable()
        t0 = time.perf_counter()
        with open(path, "rb") as handle:
            parsed = json.load(handle)
        t_json_nogc = time.perf_counter() - t0
        gc.enable()
    t0 = time.perf_counter()
    preds = parse_predictions(parsed, path=path)
    t_parse = time.perf_counter() - t0
    times = {}
    for check_rle in (False, True):
        t0 = time.perf_counter()
        problems = validate_predictions(preds, gt, check_rle=check_rle)
        times[check_rle] = time.perf_counter() - t0
        assert not problems, problems[:3]
    strings = [seg["counts"] for p in preds for seg in p.segmentations if seg is not None]
    gc.disable()
    t0 = time.perf_counter()
    _area(strings)
    t1 = time.perf_counter()
    tails = []
    for lo in range(0, len(strings), 4080):
        chunk = strings[lo:lo + 4080]
        _, length = _first_numbers(chunk)
        tails += ["00" + s[n:] for s, n in zip(chunk, length.tolist())]
    t2 = time.perf_counter()
    _area(tails)
    t3 = time.perf_counter()
    gc.enable()
    frames = args.preds * args.frames
    print(f"file: {size_mb:.0f} MB, {args.preds} predictions, {frames} frames")
    print(f"json.load              {t_json:7.2f} s  1.00x")
    print(f"json.load, gc paused   {t_json_nogc:7.2f} s  {t_json_nogc / t_json:.2f}x")
    print(f"parse_predictions      {t_parse:7.2f} s  {t_parse / t_json:.2f}x")
    print(f"validate (no rle)      {times[False]:7.2f} s  {times[False] / t_json:.2f}x")
    print(f"validate (check_rle)   {times[True]:7.2f} s  {times[True] / t_json:.2f}x")
    us = 1e6 / len(strings)
    print(f"RLE check phases per string ({len(strings)} strings): area {(t1 - t0) * us:.2f} us, "
          f"first number + tail {(t2 - t1) * us:.2f} us, area of tails {(t3 - t2) * us:.2f} us")


if __name__ == "__main__":
    main()
