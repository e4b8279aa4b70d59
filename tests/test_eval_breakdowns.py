"""Breakdowns by track length, video length and instances per video on hand-built cases."""

from __future__ import annotations

import numpy as np
import pytest

from vistoolkit.data.records import Category, Dataset, PredTrack, Track, Video
from vistoolkit.data.rle import encode
from vistoolkit.eval import evaluate

H, W = 30, 40
EPS = np.spacing(1)


def _box(y0: int, x0: int, y1: int, x1: int) -> dict:
    m = np.zeros((H, W), dtype=np.uint8)
    m[y0:y1, x0:x1] = 1
    return encode(m)


def _track(tid: int, vid: int, segs: list) -> Track:
    return Track(tid, vid, 1, tuple(segs), areas=tuple(100 if s else None for s in segs))


def test_length_breakdown_buckets_by_non_empty_frames():
    n = 20
    a = [_box(0, 0, 10, 10) if f < 10 else None for f in range(n)]    # 10 frames: bucket 1-16
    b = [_box(15, 15, 25, 25) for _ in range(n)]                       # 20 frames: bucket 17-32
    ds = Dataset((Video(1, W, H, n, tuple(map(str, range(n)))),), (Category(1, "c"),),
                 (_track(1, 1, a), _track(2, 1, b)))
    res = evaluate(ds, [PredTrack(1, 1, 0.9, tuple(a), index=0)], breakdowns=("length",))
    df = res.breakdowns["length"]
    assert df.bucket.tolist() == ["1-16", "17-32", ">32"]
    assert df.n_gt.tolist() == [1, 1, 0]
    assert df.AP[0] == pytest.approx(1 / (1 + EPS), abs=1e-15)
    assert df.AP[1] == 0.0 and np.isnan(df.AP[2])      # no GT of >32 frames
    assert res.stats["AP"] == pytest.approx((51 / 101) / (1 + EPS), abs=1e-15)


def test_short_long_breakdown_equals_evaluating_each_subset():
    short, long_ = 3, 40
    videos = (Video(1, W, H, short, tuple(map(str, range(short)))),
              Video(2, W, H, long_, tuple(map(str, range(long_)))))
    g1 = [_box(0, 0, 10, 10)] * short
    g2 = [_box(5, 5, 20, 20)] * long_
    ds = Dataset(videos, (Category(1, "c"),), (_track(1, 1, g1), _track(2, 2, g2)))
    near = [_box(5, 5, 20, 17)] * long_            # IoU 0.8 with g2
    preds = [PredTrack(1, 1, 0.4, tuple(g1), index=0), PredTrack(2, 1, 0.8, tuple(near), index=1),
             PredTrack(2, 1, 0.9, tuple([_box(20, 25, 30, 40)] * long_), index=2)]
    res = evaluate(ds, preds, breakdowns=("short-long",), long_threshold=36)
    df = res.breakdowns["short-long"]
    assert df.bucket.tolist() == ["short (<=36)", "long (>36)"]
    for row, vids in ((0, (1,)), (1, (2,))):
        alone = evaluate(ds, preds, video_ids=vids)
        assert df.AP[row] == alone.stats["AP"]
        assert df.AP50[row] == alone.stats["AP50"]
        assert df.AR100[row] == alone.stats["AR100"]
    assert df.AP[1] < df.AP[0]


def test_instances_breakdown_equals_evaluating_each_crowding_alone():
    n = 4
    videos = tuple(Video(v, W, H, n, tuple(map(str, range(n)))) for v in (1, 2, 3))
    one = [_box(0, 0, 10, 10)] * n
    left, right = [_box(0, 0, 12, 12)] * n, [_box(15, 20, 28, 38)] * n
    tracks = (_track(1, 1, one), _track(2, 2, left), _track(3, 2, right))
    ds = Dataset(videos, (Category(1, "c"),), tracks)
    shifted = [_box(0, 2, 12, 14)] * n            # IoU 0.71 with `left`
    preds = [PredTrack(1, 1, 0.5, tuple(one), index=0),
             PredTrack(2, 1, 0.9, tuple(shifted), index=1),
             PredTrack(2, 1, 0.7, tuple(right), index=2),
             PredTrack(3, 1, 0.95, tuple(one), index=3)]   # video 3 has no GT: in no bucket
    res = evaluate(ds, preds, breakdowns=("instances",))
    df = res.breakdowns["instances"]
    assert df.bucket.tolist() == ["1", "2", "3", "4-5", ">5"]
    assert df.n_gt.tolist() == [1, 2, 0, 0, 0]
    for row, vids in ((0, (1,)), (1, (2,))):
        alone = evaluate(ds, preds, video_ids=vids)
        assert df.AP[row] == alone.stats["AP"]
        assert df.AP75[row] == alone.stats["AP75"]
        assert df.AR100[row] == alone.stats["AR100"]
    assert df.AP[0] == pytest.approx(1 / (1 + EPS), abs=1e-15)
    assert df.AP[1] < df.AP[0] and np.isnan(df.AP[2:]).all()
    assert res.stats["AP"] < df.AP[0]            # video 3's false positive counts only overall
