"""Time the native RLE kernel (``vistoolkit._native``) against today's Python path, side by side.

Builds one realistic video (default 100 predictions x 5 GT tracks x 30 frames of 720x1280:
moving ellipses encoded with pycocotools, predictions jittered copies of a GT or distractors,
some frames absent or empty), then times in one run, alternating, best of ``--repeat``:

- kernel: ``rle_video_overlaps`` (decode + validate every string once, all D x G pairs);
- python IoU: ``video_iou.video_overlaps(video, gts, preds)`` (IoU only, nothing validated);
- python eval: what ``vistool eval`` runs today per video: the RLE screen
  ``rle_counts_totals_areas`` of the prediction strings (validation + areas), then
  ``video_overlaps(..., trusted_sizes=True, known=<those areas>)``.

Single-thread timings use process CPU time by default (``--clock wall`` for wall time). Both a
single-category video (every pair needed by both paths) and a mixed-category one (the
Python path computes same-category pairs only; the kernel still does all) are measured, and the
kernel over 8 videos on 1 vs 2 threads (with ``hashlib.sha256`` on threads as a control of what
the machine allows). IoU matrices are checked identical on the pairs used.

    python benchmarks/bench_rle_kernel.py [--preds 100] [--gts 5] [--frames 30] [--repeat 5]
        [--clock cpu|wall]
"""

from __future__ import annotations

import argparse
import hashlib
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from pycocotools import mask as mask_utils

from vistoolkit import _native
from vistoolkit.data.records import PredTrack, Track, Video
from vistoolkit.data.rle_totals import rle_counts_totals_areas
from vistoolkit.eval.known_areas import KnownAreas
from vistoolkit.eval.video_iou import video_overlaps


def _ellipse(h: int, w: int, cy: float, cx: float, ry: float, rx: float) -> str:
    """Compressed counts (str, as in a JSON file) of a filled ellipse, clipped to the frame."""
    m = np.zeros((h, w), dtype=np.uint8)
    y0, y1 = max(0, int(cy - ry)), min(h, int(cy + ry) + 1)
    x0, x1 = max(0, int(cx - rx)), min(w, int(cx + rx) + 1)
    if ry > 0 and rx > 0 and y1 > y0 and x1 > x0:
        yy, xx = np.ogrid[y0:y1, x0:x1]
        m[y0:y1, x0:x1] = ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 <= 1
    return mask_utils.encode(np.asfortranarray(m))["counts"].decode("ascii")


def make_video(n_pred: int, n_gt: int, length: int, h: int, w: int, seed: int
               ) -> tuple[list[list[str | None]], list[list[str | None]]]:
    """(gt_counts (G, L), pred_counts (D, L)) of one synthetic video."""
    rng = np.random.default_rng(seed)
    paths = []
    for _ in range(n_gt):
        start = rng.uniform([100, 150, 40, 40], [h - 100, w - 150, 200, 260])   # cy cx ry rx
        step = rng.uniform([-6, -10, -2, -2], [6, 10, 2, 2])
        first = int(rng.integers(0, 4))
        paths.append((start, step, first))
    gt = [[_ellipse(h, w, *(s + f * v)) if f >= a else None for f in range(length)]
          for s, v, a in paths]
    pred = []
    for d in range(n_pred):
        if d % 4 == 3:                                     # distractor
            s = rng.uniform([50, 50, 10, 10], [h - 50, w - 50, 120, 160])
            v, a = rng.uniform(-8, 8, size=4), 0
        else:
            s, v, a = paths[d % n_gt]
            s = s + rng.normal(0, [15, 20, 10, 12])
        frames = []
        for f in range(length):
            u = rng.random()
            if u < 0.05 or f < a:
                frames.append(None)
            elif u < 0.08:
                frames.append(_ellipse(h, w, 0, 0, 0, 0))  # empty mask
            else:
                cy, cx, ry, rx = s + f * v + rng.normal(0, [3, 3, 2, 2])
                frames.append(_ellipse(h, w, cy, cx, max(ry, 2), max(rx, 2)))
        pred.append(frames)
    return gt, pred


def _records(gt: list, pred: list, h: int, w: int, gt_cat: list[int], pred_cat: list[int]
             ) -> tuple[Video, tuple[Track, ...], tuple[PredTrack, ...]]:
    def seg(c):
        return None if c is None else {"size": [h, w], "counts": c}
    length = max(map(len, gt + pred))
    video = Video(id=1, width=w, height=h, length=length, file_names=())
    gts = tuple(Track(id=j + 1, video_id=1, category_id=gt_cat[j],
                      segmentations=tuple(map(seg, t))) for j, t in enumerate(gt))
    preds = tuple(PredTrack(video_id=1, category_id=pred_cat[i], score=1.0 - i / 1000,
                            segmentations=tuple(map(seg, t)), index=i)
                  for i, t in enumerate(pred))
    return video, gts, preds


def python_eval_path(video: Video, gts: tuple, preds: tuple) -> np.ndarray:
    """Today's evaluator per video: RLE screen of the prediction strings, then the IoU phase
    with the screened areas reused."""
    h, w = video.size
    lengths = [len(p.segmentations) for p in preds]
    start = np.zeros(len(preds) + 1, dtype=np.int64)
    np.cumsum(lengths, out=start[1:])
    flat = [(i, f, s["counts"]) for i, p in enumerate(preds)
            for f, s in enumerate(p.segmentations) if s is not None]
    totals, areas = rle_counts_totals_areas([c for _, _, c in flat],
                                            np.full(len(flat), h * w, dtype=np.int64))
    if (totals != h * w).any():
        raise ValueError("corrupt counts")
    known = np.full(int(start[-1]), -1, dtype=np.int64)
    known[[start[i] + f for i, f, _ in flat]] = areas
    ka = KnownAreas(start, known, {id(p): i for i, p in enumerate(preds)})
    return video_overlaps(video, gts, preds, trusted_sizes=True, known=ka).iou


def _best(fn, repeat: int, clock=time.perf_counter) -> float:
    times = []
    for _ in range(repeat):
        t0 = clock()
        fn()
        times.append(clock() - t0)
    return min(times)


def _scenario(name: str, gt: list, pred: list, h: int, w: int, gt_cat: list[int],
              pred_cat: list[int], repeat: int, clock) -> None:
    video, gts, preds = _records(gt, pred, h, w, gt_cat, pred_cat)
    same = np.array(pred_cat)[:, None] == np.array(gt_cat)[None, :]             # (D, G)
    k = _native.rle_video_overlaps(gt, pred, height=h, width=w).iou
    assert np.array_equal(k[same], video_overlaps(video, gts, preds).iou[same])
    assert np.array_equal(k[same], python_eval_path(video, gts, preds)[same])
    runs = {"kernel": lambda: _native.rle_video_overlaps(gt, pred, height=h, width=w),
            "python IoU": lambda: video_overlaps(video, gts, preds),
            "python eval": lambda: python_eval_path(video, gts, preds)}
    best = {key: float("inf") for key in runs}
    for _ in range(repeat):                      # alternate, so load drifts hit all alike
        for key, fn in runs.items():
            best[key] = min(best[key], _best(fn, 1, clock))
    print(f"\n{name}: {len(pred)} predictions x {len(gt)} GT x {len(gt[0])} frames, "
          f"{h}x{w} ({int(same.sum())} same-category pairs; IoU identical on them)")
    for key, t in best.items():
        ratio = "" if key == "kernel" else f"   {t / best['kernel']:6.1f}x the kernel's time"
        print(f"  {key:12s} {t * 1e3:9.2f} ms{ratio}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preds", type=int, default=100)
    ap.add_argument("--gts", type=int, default=5)
    ap.add_argument("--frames", type=int, default=30)
    ap.add_argument("--height", type=int, default=720)
    ap.add_argument("--width", type=int, default=1280)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--clock", choices=("cpu", "wall"), default="cpu",
                    help="single-thread timings in process CPU time (robust on a loaded "
                         "machine) or wall time; the thread comparison is always wall time")
    args = ap.parse_args()
    clock = time.process_time if args.clock == "cpu" else time.perf_counter
    if not _native.AVAILABLE:
        raise SystemExit("native RLE kernel not built (or VISTOOLKIT_NO_NATIVE set)")
    h, w = args.height, args.width
    t0 = time.perf_counter()
    gt, pred = make_video(args.preds, args.gts, args.frames, h, w, seed=0)
    n_chars = sum(len(c) for t in gt + pred for c in t if c)
    print(f"built in {time.perf_counter() - t0:.1f} s: {n_chars / 1e6:.2f} M counts characters")
    print(f"single-thread timings: best of {args.repeat}, {args.clock} time")
    _scenario("one category", gt, pred, h, w, [1] * args.gts, [1] * args.preds, args.repeat,
              clock)
    gt_cat = [1 + j % 3 for j in range(args.gts)]
    pred_cat = [gt_cat[d % args.gts] if d % 4 != 3 else 1 + d % 7 for d in range(args.preds)]
    _scenario("mixed categories", gt, pred, h, w, gt_cat, pred_cat, args.repeat, clock)

    videos = [make_video(args.preds // 2, args.gts, args.frames, h, w, seed=s)
              for s in range(1, 9)]

    def kernel_all(threads: int) -> None:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(lambda v: _native.rle_video_overlaps(*v, height=h, width=w), videos))
    one, two = _best(lambda: kernel_all(1), args.repeat), _best(lambda: kernel_all(2), args.repeat)
    print(f"\nkernel over {len(videos)} videos ({args.preds // 2} predictions each): "
          f"1 thread {one * 1e3:.1f} ms, 2 threads {two * 1e3:.1f} ms ({one / two:.2f}x)")
    blob = bytes(20_000_000)

    def sha_all(threads: int) -> None:         # control: C code that releases the GIL
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(lambda _: hashlib.sha256(blob).digest(), range(8)))
    one, two = _best(lambda: sha_all(1), args.repeat), _best(lambda: sha_all(2), args.repeat)
    print(f"control, hashlib.sha256 x 8: 1 thread {one * 1e3:.1f} ms, 2 threads "
          f"{two * 1e3:.1f} ms ({one / two:.2f}x: what this machine allows)")


if __name__ == "__main__":
    main()
