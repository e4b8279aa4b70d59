"""Native RLE kernel (``vistoolkit._native``, issue 13): IoU sums bit-identical to the Python
path (``vistoolkit.eval.video_iou``), to pycocotools and to the official IoU matrices; corrupt
counts strings raise ``CountsError`` quickly; threads give identical results.

The kernel tests skip when the extension is not built or ``VISTOOLKIT_NO_NATIVE`` is set; the
fallback-switch test always runs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from pycocotools import mask as mask_utils

from vistoolkit import _native
from vistoolkit.data.records import PredTrack, Track, Video
from vistoolkit.eval.video_iou import video_overlaps

REF = Path(os.environ.get("VISTOOLKIT_YTVIS_REF",
                          Path(__file__).resolve().parent / "data" / "ytvis_ref"))
needs_native = pytest.mark.skipif(not _native.AVAILABLE,
                                  reason="native RLE kernel not built or VISTOOLKIT_NO_NATIVE set")
H, W = 23, 31

# ---- helpers -----------------------------------------------------------------------------------


def _enc(mask: np.ndarray) -> bytes:
    """pycocotools compressed counts of a (h, w) binary mask."""
    return mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))["counts"]


def _numbers(values: list[int]) -> bytes:
    """The counts-string encoding of arbitrary integers (negative allowed), to craft inputs."""
    out = bytearray()
    for i, x in enumerate(values):
        if i > 2:
            x -= values[i - 2]
        more = True
        while more:
            c = x & 0x1F
            x >>= 5
            more = (c & 0x10 and x != -1) or (not c & 0x10 and x != 0)
            out.append(48 + (c | 0x20 if more else c))
    return bytes(out)


def _random_mask(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """(h, w) bool: a union of rectangles and an ellipse, sometimes with speckle."""
    m = np.zeros((h, w), dtype=bool)
    for _ in range(int(rng.integers(1, 4))):
        y0, x0 = rng.integers(0, h), rng.integers(0, w)
        m[y0:y0 + rng.integers(1, h + 1), x0:x0 + rng.integers(1, w + 1)] = True
    yy, xx = np.mgrid[:h, :w]
    cy, cx, ry, rx = rng.uniform(0, h), rng.uniform(0, w), rng.uniform(1, h), rng.uniform(1, w)
    m |= ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 <= 1
    if rng.random() < 0.3:
        m ^= rng.random((h, w)) < 0.05
    return m


def _random_tracks(rng: np.random.Generator, n: int, length: int, h: int, w: int, *,
                   ragged: bool = False) -> list[list[bytes | None]]:
    """n tracks of per-frame counts: some absent, some empty, all-one or all-zero frames."""
    tracks = []
    for _ in range(n):
        frames = []
        for _ in range(length - int(rng.integers(0, 3)) if ragged else length):
            u = rng.random()
            if u < 0.15:
                frames.append(None)
            elif u < 0.2:
                frames.append(_enc(np.zeros((h, w), dtype=bool)))
            elif u < 0.23:
                frames.append(_enc(np.ones((h, w), dtype=bool)))
            else:
                frames.append(_enc(_random_mask(rng, h, w)))
        tracks.append(frames)
    return tracks


def _seg(counts: bytes | None, h: int, w: int) -> dict | None:
    return None if counts is None else {"size": [h, w], "counts": counts}


def _python_path(gt: list, pred: list, h: int, w: int, gt_cat=None, pred_cat=None):
    """``vistoolkit.eval.video_iou.video_overlaps`` on the same counts (category 0 by default:
    every pair is computed)."""
    length = max(map(len, gt + pred), default=0)
    video = Video(id=1, width=w, height=h, length=length, file_names=())
    gts = tuple(Track(id=j + 1, video_id=1, category_id=0 if gt_cat is None else gt_cat[j],
                      segmentations=tuple(_seg(c, h, w) for c in t)) for j, t in enumerate(gt))
    preds = tuple(PredTrack(video_id=1, category_id=0 if pred_cat is None else pred_cat[i],
                            score=0.5, segmentations=tuple(_seg(c, h, w) for c in t), index=i)
                  for i, t in enumerate(pred))
    return video_overlaps(video, gts, preds)


def _official_iou(gt: list, pred: list, h: int, w: int) -> np.ndarray:
    """(D, G) the official ``computeIoU`` formula with pycocotools ``merge``/``area``."""
    out = np.zeros((len(pred), len(gt)))
    for d, dt in enumerate(pred):
        for g, gg in enumerate(gt):
            i = u = 0
            for a, b in zip(dt, gg):
                a, b = _seg(a, h, w), _seg(b, h, w)
                if a and b:
                    i += int(mask_utils.area(mask_utils.merge([a, b], intersect=True)))
                    u += int(mask_utils.area(mask_utils.merge([a, b], intersect=False)))
                elif a or b:
                    u += int(mask_utils.area(a or b))
            out[d, g] = i / u if u > 0 else 0.0
    return out


def _kernel(gt: list, pred: list, h: int = H, w: int = W) -> _native.RleOverlaps:
    return _native.rle_video_overlaps(gt, pred, height=h, width=w)


# ---- equality with the Python path, pycocotools and the official matrices ----------------------


@needs_native
@pytest.mark.parametrize("seed,h,w", [(s, H, W) for s in range(6)] + [(6, 120, 160), (7, 97, 1)])
def test_kernel_random_video_equals_python_path_exactly(seed, h, w):
    rng = np.random.default_rng(seed)
    gt = _random_tracks(rng, 4, 6, h, w, ragged=seed % 2 == 1)
    pred = _random_tracks(rng, 9, 6, h, w, ragged=seed % 2 == 1)
    got, want = _kernel(gt, pred, h, w), _python_path(gt, pred, h, w)
    assert got.iou.dtype == np.float64 and got.iou.shape == (9, 4)
    assert np.array_equal(got.iou, want.iou)
    assert np.array_equal(got.det_avg_area, want.det_avg_area)
    assert np.array_equal(got.det_frames, want.det_frames)
    assert np.array_equal(got.gt_frames, want.gt_frames)
    assert got.zero_union == want.zero_union


@needs_native
@pytest.mark.parametrize("seed", range(3))
def test_kernel_random_video_equals_official_formula_exactly(seed):
    rng = np.random.default_rng(100 + seed)
    gt = _random_tracks(rng, 3, 5, H, W, ragged=True)
    pred = _random_tracks(rng, 5, 5, H, W, ragged=True)
    assert np.array_equal(_kernel(gt, pred).iou, _official_iou(gt, pred, H, W))


@needs_native
def test_kernel_same_category_pairs_equal_python_path_with_categories():
    rng = np.random.default_rng(7)
    gt, pred = _random_tracks(rng, 4, 5, H, W), _random_tracks(rng, 12, 5, H, W)
    gt_cat, pred_cat = np.array([1, 2, 1, 3]), rng.integers(1, 4, size=12)
    want = _python_path(gt, pred, H, W, gt_cat.tolist(), pred_cat.tolist())
    same = pred_cat[:, None] == gt_cat[None, :]                                 # (D, G)
    assert np.array_equal(_kernel(gt, pred).iou[same], want.iou[same])


@needs_native
def test_kernel_with_categories_equals_python_path_on_every_pair():
    """Given categories, cross-category pairs get inter 0 and union |d| + |g|, as the Python
    path computes them: the whole matrices are equal, not only the same-category pairs."""
    rng = np.random.default_rng(8)
    gt, pred = _random_tracks(rng, 4, 5, H, W, ragged=True), _random_tracks(rng, 12, 5, H, W)
    gt_cat, pred_cat = [1, 2, 1, 3], rng.integers(1, 4, size=12).tolist()
    want = _python_path(gt, pred, H, W, gt_cat, pred_cat)
    got = _native.rle_video_overlaps(gt, pred, height=H, width=W, gt_categories=gt_cat,
                                     pred_categories=pred_cat)
    assert np.array_equal(got.iou, want.iou) and got.zero_union == want.zero_union
    cross = np.array(pred_cat)[:, None] != np.array(gt_cat)[None, :]
    assert (got.inter[cross] == 0).all()
    with pytest.raises(ValueError, match="one int per track"):
        _native.rle_video_overlaps(gt, pred, height=H, width=W, gt_categories=gt_cat[:2],
                                   pred_categories=pred_cat)


@needs_native
def test_kernel_single_frame_equals_pycocotools_iou():
    rng = np.random.default_rng(3)
    gt, pred = _random_tracks(rng, 5, 1, H, W), _random_tracks(rng, 8, 1, H, W)
    gt = [t if t[0] is not None else [_enc(_random_mask(rng, H, W))] for t in gt]
    pred = [t if t[0] is not None else [_enc(_random_mask(rng, H, W))] for t in pred]
    want = np.asarray(mask_utils.iou([_seg(t[0], H, W) for t in pred],
                                     [_seg(t[0], H, W) for t in gt], [0] * len(gt)))
    got = _kernel(gt, pred)
    nonzero = got.union > 0   # pycocotools returns 0 early for disjoint boxes, as we do for u=0
    assert np.array_equal(got.iou[nonzero], want[nonzero])


@needs_native
def test_kernel_areas_equal_pycocotools_area():
    rng = np.random.default_rng(11)
    gt, pred = _random_tracks(rng, 3, 7, H, W, ragged=True), _random_tracks(rng, 4, 7, H, W)
    got = _kernel(gt, pred)
    for tracks, areas in ((gt, got.gt_areas), (pred, got.det_areas)):
        for t, frames in enumerate(tracks):
            want = [0 if c is None else int(mask_utils.area(_seg(c, H, W))) for c in frames]
            assert areas[t].tolist() == want + [0] * (areas.shape[1] - len(want))


@needs_native
@pytest.mark.parametrize("case", ("case01", "case02", "case03", "case04", "case05", "quirk02"))
def test_kernel_fixture_equals_official_iou_matrices(case):
    """Every official ``iou_v<vid>_c<cat>`` matrix (rows: score-sorted predictions, cut at 100;
    columns: GT in file order) equals the kernel's, ``==``."""
    if not (REF / f"{case}_gt.json").exists():
        pytest.skip("ytvis_ref fixtures not found")
    gt = json.loads((REF / f"{case}_gt.json").read_text())
    preds = json.loads((REF / f"{case}_pred.json").read_text())
    want = np.load(REF / "official_arrays" / f"{case}.npz")
    sizes = {v["id"]: (v["height"], v["width"]) for v in gt["videos"]}
    checked = 0
    for key in (k for k in want.files if k.startswith("iou_v")):
        vid, cat = (int(x[1:]) for x in key[4:].split("_"))
        h, w = sizes[vid]
        gts = [[None if s is None else mask_utils.frPyObjects(s, h, w)["counts"] if isinstance(
            s["counts"], list) else s["counts"] for s in a["segmentations"]]
            for a in gt["annotations"] if a["video_id"] == vid and a["category_id"] == cat]
        dts = [p for p in preds if p["video_id"] == vid and p["category_id"] == cat]
        dts = sorted(dts, key=lambda p: -p["score"])[:100]                      # stable
        got = _kernel(gts, [[s and s["counts"] for s in p["segmentations"]] for p in dts], h, w)
        assert np.array_equal(got.iou, want[key]), key
        checked += 1
    assert checked > 0


# ---- forms of input, empty and edge cases -------------------------------------------------------


@needs_native
@pytest.mark.parametrize("conv", (lambda c: c.decode("ascii"), bytes, bytearray, memoryview),
                         ids=("str", "bytes", "bytearray", "memoryview"))
def test_kernel_str_and_bytes_like_counts_give_same_result(conv):
    rng = np.random.default_rng(5)
    gt, pred = _random_tracks(rng, 2, 4, H, W), _random_tracks(rng, 3, 4, H, W)
    ref = _kernel(gt, pred)
    got = _kernel([tuple(None if c is None else conv(c) for c in t) for t in gt],
                  [tuple(None if c is None else conv(c) for c in t) for t in pred])
    assert np.array_equal(got.iou, ref.iou) and np.array_equal(got.inter, ref.inter)


@needs_native
def test_kernel_absent_frames_add_other_side_to_union():
    ones, zeros = _enc(np.ones((H, W), bool)), _enc(np.zeros((H, W), bool))
    half = np.zeros((H, W), bool)
    half[:, :10] = True
    got = _kernel([[ones, None, _enc(half)]], [[None, ones, _enc(half)], [zeros, zeros, zeros]])
    n = H * W
    assert got.inter.tolist() == [[10 * H], [0]]
    assert got.union.tolist() == [[n + n + 10 * H], [n + 10 * H]]
    assert got.iou[0, 0] == (10 * H) / (2 * n + 10 * H)
    assert got.det_areas.tolist() == [[0, n, 10 * H], [0, 0, 0]]
    assert got.det_avg_area.tolist() == [(n + 10 * H) / 2, 0.0]
    assert got.det_frames.tolist() == [2, 0] and got.gt_frames.tolist() == [2]


@needs_native
def test_kernel_all_empty_masks_give_zero_iou_and_count_zero_union():
    zeros = _enc(np.zeros((H, W), bool))
    got = _kernel([[zeros, None]], [[zeros, zeros], [None, None]])
    assert got.iou.tolist() == [[0.0], [0.0]] and got.zero_union == 2


@needs_native
def test_kernel_ragged_tracks_use_zip_of_frames():
    ones = _enc(np.ones((H, W), bool))
    got = _kernel([[ones]], [[ones, ones, ones]])
    assert got.inter.tolist() == [[H * W]] and got.union.tolist() == [[H * W]]
    assert got.det_areas.shape == (1, 3) and got.gt_areas.tolist() == [[H * W, 0, 0]]


@needs_native
def test_kernel_no_tracks_returns_empty_shapes():
    ones = _enc(np.ones((H, W), bool))
    got = _kernel([], [[ones]])
    assert got.iou.shape == (1, 0) and got.det_areas.tolist() == [[H * W]]
    got = _kernel([[ones, None]], [])
    assert got.iou.shape == (0, 1) and got.gt_areas.shape == (1, 2) and got.zero_union == 0


@needs_native
@pytest.mark.parametrize("runs,foreground", (
    ([0, 5, 0, 7], [(0, 12)]),                    # zero background runs merge intervals
    ([5, 3, 2, 0, 0, 4], [(5, 8), (10, 14)]),     # zero foreground then zero background
    ([0, 0, 0, 0, 3, 1], [(3, 4)]),
))
def test_kernel_zero_length_runs_are_valid(runs, foreground):
    """Runs of length 0 (pycocotools writes one only first; still valid) decode exactly."""
    counts = _numbers(runs + [H * W - sum(runs)])
    mask = np.zeros(H * W, dtype=bool)                                          # column-major
    for start, end in foreground:
        mask[start:end] = True
    ref = _enc(mask.reshape(W, H).T)
    n = int(mask.sum())
    got = _kernel([[ref], [counts]], [[counts]])
    assert got.inter.tolist() == [[n, n]] and got.union.tolist() == [[n, n]]
    assert got.det_areas.tolist() == [[n]]


def test_numbers_helper_matches_pycocotools_encoding():
    mask = _random_mask(np.random.default_rng(2), H, W)
    px = mask.T.ravel().astype(np.int8)                                          # column-major
    bounds = np.concatenate([[0], np.flatnonzero(np.diff(px)) + 1, [px.size]])
    values = np.diff(bounds).tolist()
    if px[0]:
        values = [0, *values]
    assert _numbers(values) == _enc(mask)


# ---- corrupt counts ------------------------------------------------------------------------------

_GOOD = _enc(np.eye(H, W, dtype=bool))
CORRUPT = {
    "bad_alphabet": (_GOOD[:3] + b"p" + _GOOD[4:], "invalid character"),
    "space": (_GOOD[:2] + b" " + _GOOD[2:], "invalid character"),
    "non_ascii": ("é" + _GOOD.decode(), "invalid character"),
    "nul": (_GOOD[:2] + b"\x00" + _GOOD[2:], "invalid character"),
    "unterminated": (_GOOD + b"P", "unterminated"),
    "short_total": (_enc(np.eye(H, W - 1, dtype=bool)), "sum to"),
    "long_total": (_enc(np.eye(H, W + 1, dtype=bool)), "exceed"),
    "negative_first": (_numbers([-3, H * W + 3]), "negative run"),
    "negative_delta": (_numbers([5, 3, 2, -10, 100]), "negative run"),
    "empty": (b"", "empty"),
    "too_long_number": (b"P" * 13 + b"0", "longer than"),
}


@needs_native
@pytest.mark.parametrize("name", sorted(CORRUPT))
def test_kernel_corrupt_prediction_counts_raise_counts_error(name):
    counts, words = CORRUPT[name]
    pred = [[_GOOD, _GOOD], [_GOOD, _GOOD, _GOOD, counts]]
    with pytest.raises(_native.CountsError, match=words) as info:
        _kernel([[_GOOD]], pred)
    assert isinstance(info.value, ValueError)
    assert str(info.value).startswith("prediction 1, frame 3: ")
    assert (info.value.side, info.value.track, info.value.frame) == ("prediction", 1, 3)


@needs_native
def test_kernel_corrupt_gt_counts_name_gt_track():
    with pytest.raises(_native.CountsError, match=r"^GT track 2, frame 0: unterminated") as info:
        _kernel([[_GOOD], [None], [b"P"]], [[_GOOD]])
    assert (info.value.side, info.value.track, info.value.frame) == ("gt", 2, 0)


@needs_native
@pytest.mark.parametrize("counts", (b"P" * 10_000_000, b"1" * 10_000_000, b"o" * 10_000_000,
                                    b"0" * 10_000_000))
def test_kernel_huge_corrupt_counts_fail_fast(counts):
    start = time.perf_counter()
    with pytest.raises(_native.CountsError):
        _kernel([], [[counts]])
    assert time.perf_counter() - start < 1.0


@needs_native
def test_kernel_str_without_utf8_form_raises_counts_error():
    with pytest.raises(_native.CountsError, match=r"^prediction 0, frame 1: .*not valid text"):
        _kernel([[_GOOD]], [[_GOOD.decode(), "\ud800"]])


@needs_native
def test_kernel_non_counts_frame_raises_type_error():
    with pytest.raises(TypeError, match="prediction 0, frame 1"):
        _kernel([], [[_GOOD, {"counts": _GOOD}]])
    with pytest.raises(TypeError):
        _kernel([], [None])


@needs_native
def test_kernel_segmentation_dicts_equal_bare_counts():
    rng = np.random.default_rng(21)
    gt, pred = _random_tracks(rng, 3, 4, H, W, ragged=True), _random_tracks(rng, 5, 4, H, W)
    as_dicts = [[None if c is None else {"size": [H, W], "counts": c.decode(), "x": 1}
                 for c in t] for t in pred]
    want, got = _kernel(gt, pred), _kernel([[_seg(c, H, W) for c in t] for t in gt], as_dicts)
    assert np.array_equal(got.iou, want.iou) and np.array_equal(got.det_areas, want.det_areas)


@needs_native
@pytest.mark.parametrize("frame", (
    {"size": [W, H], "counts": _GOOD},                      # transposed: same h*w, another size
    {"size": [H, W + 1], "counts": _GOOD},
    {"size": (H, W), "counts": _GOOD},                      # not a list
    {"size": [float(H), W], "counts": _GOOD},               # not exact ints
    {"size": [H, W, 1], "counts": _GOOD},
    {"counts": _GOOD}, {"size": [H, W]}, {"size": [H, W], "counts": None},
    {"size": [H, W], "counts": [H * W]},                    # uncompressed RLE
    [[0.0, 0.0, 3.0, 0.0, 3.0, 2.0]], [], 7,                # polygon, empty polygon, junk
))
def test_kernel_frame_of_another_form_raises_frame_form_error(frame):
    with pytest.raises(_native.FrameFormError, match=r"^prediction 1, frame 2: ") as info:
        _kernel([[_GOOD]], [[_GOOD], [_GOOD, None, frame]])
    assert isinstance(info.value, TypeError)
    assert (info.value.side, info.value.track, info.value.frame) == ("prediction", 1, 2)


@needs_native
def test_kernel_two_character_numbers_decode_like_pycocotools():
    """Runs whose stored values need exactly two characters (|delta| in 16..511), both signs."""
    h, w = 64, 64
    m = np.zeros((h, w), dtype=bool)
    for x in range(w):                                     # run lengths vary by 16..40 per column
        m[(x * 7) % 20:(x * 7) % 20 + 20 + (x * 13) % 25, x] = True
    counts = _enc(m)
    got = _kernel([[counts]], [[counts], [_enc(~m)]], h, w)
    assert got.det_areas[:, 0].tolist() == [int(m.sum()), int((~m).sum())]
    assert got.iou.tolist() == [[1.0], [0.0]]


@needs_native
@pytest.mark.parametrize("size", ((-1, 5), (5, -1), (2**32, 1), (70_000, 70_000), (2**62, 2**62)))
def test_kernel_bad_size_raises_value_error(size):
    with pytest.raises(ValueError, match="invalid mask size"):
        _native.rle_video_overlaps([], [], height=size[0], width=size[1])


def _reference_runs(counts: bytes, n_pix: int) -> list[int] | None:
    """Slow, independent decode of a counts string; None where the kernel must refuse it."""
    runs: list[int] = []
    p = 0
    while p < len(counts):
        x = k = 0
        while True:
            if p == len(counts) or k == 12 or not 48 <= counts[p] <= 111:
                return None
            c = counts[p] - 48
            x |= (c & 0x1F) << (5 * k)
            p, k = p + 1, k + 1
            if not c & 0x20:
                x -= (1 << (5 * k)) if c & 0x10 else 0
                break
        x += runs[-2] if len(runs) > 2 else 0
        if x < 0 or sum(runs) + x > n_pix:
            return None
        runs.append(x)
    return runs if runs and sum(runs) == n_pix else None


@needs_native
def test_kernel_mutated_counts_agree_with_reference_decoder():
    """Random edits of valid strings: refused exactly when the reference decoder refuses, and
    otherwise areas and intersections equal the reference masks'."""
    rng = np.random.default_rng(99)
    h, w = 6, 5
    gt_mask = _random_mask(rng, h, w)
    gt = _enc(gt_mask)
    refused = accepted = 0
    for _ in range(3000):
        s = bytearray(_enc(_random_mask(rng, h, w)))
        for _ in range(int(rng.integers(1, 3))):
            i = int(rng.integers(0, len(s) + 1))
            op, ch = rng.integers(0, 3), int(rng.choice([rng.integers(46, 114), 48, 49, 79]))
            if op == 0 and i < len(s):
                s[i] = ch
            elif op == 1:
                s.insert(i, ch)
            elif i < len(s):
                del s[i]
        runs = _reference_runs(bytes(s), h * w)
        if runs is None:
            with pytest.raises(_native.CountsError):
                _kernel([[gt]], [[bytes(s)]], h, w)
            refused += 1
            continue
        flat = np.repeat(np.arange(len(runs)) % 2 == 1, runs)                    # column-major
        mask = flat.reshape(w, h).T
        got = _kernel([[gt]], [[bytes(s)]], h, w)
        assert got.det_areas.tolist() == [[int(mask.sum())]]
        assert got.inter.tolist() == [[int((mask & gt_mask).sum())]]
        assert got.union.tolist() == [[int((mask | gt_mask).sum())]]
        accepted += 1
    assert refused > 200 and accepted > 200


# ---- threads ---------------------------------------------------------------------------------


@needs_native
def test_kernel_two_threads_equal_serial():
    rng = np.random.default_rng(21)
    videos = [(_random_tracks(rng, 3, 8, 48, 64), _random_tracks(rng, 20, 8, 48, 64))
              for _ in range(12)]
    serial = [_kernel(g, p, 48, 64) for g, p in videos]
    with ThreadPoolExecutor(2) as pool:
        threaded = list(pool.map(lambda v: _kernel(*v, 48, 64), videos * 3))
    for i, got in enumerate(threaded):
        want = serial[i % len(videos)]
        assert np.array_equal(got.iou, want.iou) and np.array_equal(got.union, want.union)
        assert np.array_equal(got.det_areas, want.det_areas)


@needs_native
def test_kernel_releases_gil_during_call():
    """Another Python thread runs while one kernel call (about 0.1 s of decoding) is in flight."""
    from vistoolkit._native import _rle_kernel

    h, w = 360, 640
    stripes = np.zeros((h, w), dtype=bool)
    stripes[::2] = True                                   # one run per pixel: a long decode
    tracks = [[_enc(stripes)] * 40]
    window: list[float] = []

    def work() -> None:
        window.append(time.perf_counter())
        _rle_kernel.video_overlaps(tracks, tracks, h, w)
        window.append(time.perf_counter())

    worker = threading.Thread(target=work)
    stamps = []
    worker.start()
    while worker.is_alive():
        stamps.append(time.perf_counter())
        time.sleep(0.001)
    worker.join()
    inside = [t for t in stamps if window[0] < t < window[1]]
    assert len(inside) >= 2, (window[1] - window[0], len(stamps))


# ---- fallback switch -------------------------------------------------------------------------


def test_no_native_env_disables_kernel_with_explicit_error():
    code = ("import vistoolkit._native as n\n"
            "assert n.AVAILABLE is False and issubclass(n.CountsError, ValueError)\n"
            "try:\n    n.rle_video_overlaps([], [], height=1, width=1)\n"
            "except RuntimeError as e:\n    print('off:', e)\n")
    env = {**os.environ, "VISTOOLKIT_NO_NATIVE": "1"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True).stdout
    assert out.startswith("off: the native RLE kernel is not available")


def test_available_follows_env_and_build():
    env = os.environ.get("VISTOOLKIT_NO_NATIVE", "")
    if env not in ("", "0"):
        assert not _native.AVAILABLE
    else:
        try:
            from vistoolkit._native import _rle_kernel  # noqa: F401
        except ImportError:
            assert not _native.AVAILABLE
        else:
            assert _native.AVAILABLE


# ---- share_sizes -------------------------------------------------------------------------------


@pytest.mark.parametrize("impl", ("c", "python"))
def test_share_sizes_equal_sizes_share_one_list(impl):
    if impl == "c" and not _native.AVAILABLE:
        pytest.skip("native RLE kernel not built or VISTOOLKIT_NO_NATIVE set")
    share = _native._kernel.share_sizes if impl == "c" else _native._share_sizes_python
    frames = [{"size": [4, 6], "counts": "a"}, None, {"size": [4, 6], "counts": "b"},
              [[0.0, 1.0]], {"size": [6, 4], "counts": "c"}, {"size": (4, 6), "counts": "d"},
              {"counts": "e"}, {"size": [4, 6], "counts": "f", "x": 1}]
    before = [dict(f) if isinstance(f, dict) else f for f in frames]
    cache: dict = {(6, 4): [6, 4]}
    share(frames, cache)
    assert frames == before                                   # equal values, same keys
    assert frames[0]["size"] is frames[2]["size"] is frames[7]["size"] is cache[(4, 6)]
    assert frames[4]["size"] is cache[(6, 4)] and frames[5]["size"] == (4, 6)
    more = [{"size": [4, 6], "counts": "g"}]
    share(more, cache)
    assert more[0]["size"] is frames[0]["size"]
