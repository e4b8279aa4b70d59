"""Clip windows, per-clip targets and correspondence-pair sampling (vistoolkit.data.clips)."""

from __future__ import annotations

import numpy as np
import pytest

from vistoolkit.data import rle
from vistoolkit.data.clips import (
    category_index,
    clip_targets,
    sample_clip,
    sample_clip_pair,
    split_clips,
)
from vistoolkit.data.records import Category, Track, Video
from vistoolkit.errors import InputError


def _video() -> tuple[Video, list[Track]]:
    """A 5-frame 6x8 video with two tracks: one on frames 0-2, one on frames 2-4."""
    video = Video(id=7, width=8, height=6, length=5, file_names=tuple(f"{i}.jpg" for i in range(5)))
    m = np.zeros((6, 8), np.uint8)
    m[1:3, 2:5] = 1                                   # xywh (2, 1, 3, 2)
    n = np.zeros((6, 8), np.uint8)
    n[0:6, 0:1] = 1                                   # xywh (0, 0, 1, 6)
    a = Track(id=11, video_id=7, category_id=30, segmentations=(rle.encode(m),) * 3 + (None,) * 2,
              bboxes=([2, 1, 3, 2],) * 3 + (None,) * 2)
    b = Track(id=12, video_id=7, category_id=10, segmentations=(None,) * 2 + (rle.encode(n),) * 3,
              bboxes=None)                            # boxes must come from the masks
    return video, [a, b]


def test_split_clips_length10_t4_last_shorter():
    assert split_clips(10, 4) == [range(4), range(4, 8), range(8, 10)]
    assert split_clips(8, 4) == [range(4), range(4, 8)]
    assert split_clips(3, 4) == [range(3)]
    assert split_clips(0, 4) == []


def test_split_clips_bad_clip_length_raises():
    with pytest.raises(ValueError):
        split_clips(5, 0)


def test_category_index_sorted_ids_contiguous():
    assert category_index([Category(30, "b"), Category(10, "a"), Category(20, "c")]) == {
        10: 0, 20: 1, 30: 2}
    assert category_index([5, 1]) == {1: 0, 5: 1}


def test_clip_targets_hand_built_video_values():
    video, tracks = _video()
    cats = {10: 0, 30: 1}                              # K = 2
    out = clip_targets(video, tracks, range(1, 4), cats)
    assert out.track_ids.tolist() == [11, 12]
    assert out.labels.tolist() == [[1, 1, 2], [2, 0, 0]]
    assert out.present.tolist() == [[True, True, False], [False, True, True]]
    np.testing.assert_array_equal(out.boxes[0, 0], [2, 1, 5, 3])      # xywh -> xyxy
    np.testing.assert_array_equal(out.boxes[0, 2], [0, 0, 0, 0])      # absent
    np.testing.assert_array_equal(out.boxes[1, 1], [0, 0, 1, 6])      # from the mask
    assert out.masks.shape == (2, 3, 6, 8) and out.masks.dtype == np.uint8
    assert out.masks[0, 0].sum() == 6 and out.masks[0, 2].sum() == 0
    assert out.masks[1, 0].sum() == 0 and out.masks[1, 2].sum() == 6


def test_clip_targets_absent_track_dropped_unless_keep_absent():
    video, tracks = _video()
    cats = {10: 0, 30: 1}
    out = clip_targets(video, tracks, range(2), cats)
    assert out.track_ids.tolist() == [11]
    kept = clip_targets(video, tracks, range(2), cats, keep_absent=True)
    assert kept.track_ids.tolist() == [11, 12]
    assert kept.labels[1].tolist() == [2, 2] and not kept.present[1].any()


def test_clip_targets_unknown_category_raises_input_error():
    video, tracks = _video()
    with pytest.raises(InputError, match="category_id 30 is not a known category"):
        clip_targets(video, tracks, range(5), {10: 0})


def test_clip_targets_no_tracks_empty_shapes():
    video, _ = _video()
    out = clip_targets(video, [], range(4), {1: 0})
    assert out.labels.shape == (0, 4) and out.masks.shape == (0, 4, 6, 8)
    assert out.boxes.shape == (0, 4, 4) and out.present.shape == (0, 4)


def test_sample_clip_pair_long_video_distinct_aligned_windows():
    for seed in range(50):
        a, b = sample_clip_pair(23, 5, np.random.default_rng(seed))
        assert len(a) == len(b) == 5 and a != b
        assert a.start % 5 == b.start % 5                   # same offset grid
        assert set(a).isdisjoint(b) and a.stop <= 23 and b.stop <= 23


def test_sample_clip_pair_medium_video_overlapping_ends():
    seen = set()
    for seed in range(30):
        pair = sample_clip_pair(7, 5, np.random.default_rng(seed))
        assert set(pair) == {range(5), range(2, 7)}
        seen.add(pair[0].start)
    assert seen == {0, 2}                                   # both orders occur


def test_sample_clip_pair_short_video_single_clip():
    assert sample_clip_pair(5, 5, np.random.default_rng(0)) == (range(5), None)
    assert sample_clip_pair(2, 5, np.random.default_rng(0)) == (range(2), None)


def test_sample_clip_pair_both_orders_occur_and_seed_deterministic():
    pairs = [sample_clip_pair(20, 5, np.random.default_rng(s)) for s in range(40)]
    assert any(a.start < b.start for a, b in pairs) and any(a.start > b.start for a, b in pairs)
    again = [sample_clip_pair(20, 5, np.random.default_rng(s)) for s in range(40)]
    assert pairs == again


def test_sample_clip_pair_adjacent_is_the_next_window_in_time_order():
    starts = set()
    for seed in range(60):
        a, b = sample_clip_pair(23, 5, np.random.default_rng(seed), adjacent=True)
        assert len(a) == len(b) == 5 and b.start == a.stop and b.stop <= 23
        starts.add(a.start)
    assert len(starts) > 3                                  # every window can come first
    for seed in range(10):                                  # medium video: ends in time order
        assert sample_clip_pair(7, 5, np.random.default_rng(seed), adjacent=True) == (
            range(5), range(2, 7))


def test_sample_clip_pair_exactly_2t_uses_both_halves():
    for seed in range(10):
        pair = sample_clip_pair(8, 4, np.random.default_rng(seed))
        assert set(pair) == {range(4), range(4, 8)}


def test_sample_clip_within_video_and_length():
    for seed in range(20):
        r = sample_clip(9, 4, np.random.default_rng(seed))
        assert len(r) == 4 and 0 <= r.start and r.stop <= 9
    assert sample_clip(3, 4, np.random.default_rng(0)) == range(3)


def test_sample_clip_chain_distinct_aligned_windows_and_pair_compatibility():
    from vistoolkit.data.clips import sample_clip_chain
    orders = set()
    for seed in range(30):
        chain = sample_clip_chain(23, 5, np.random.default_rng(seed), clips=3)
        assert len(chain) == 3 and len({w.start for w in chain}) == 3
        assert all(len(w) == 5 and w.start % 5 == chain[0].start % 5 for w in chain)
        orders.add(tuple(np.argsort([w.start for w in chain])))
        # clips=2 draws exactly what sample_clip_pair draws
        assert sample_clip_chain(23, 5, np.random.default_rng(seed), clips=2) == \
            sample_clip_pair(23, 5, np.random.default_rng(seed))
    assert len(orders) > 2                                     # random order
    assert len(sample_clip_chain(12, 5, np.random.default_rng(0), clips=4)) == 2  # 2 windows fit
    assert sample_clip_chain(4, 5, np.random.default_rng(0), clips=3) == (range(4),)


def test_sample_clip_chain_adjacent_is_successive_in_time_order():
    from vistoolkit.data.clips import sample_clip_chain
    for seed in range(20):
        chain = sample_clip_chain(40, 5, np.random.default_rng(seed), clips=4, adjacent=True)
        assert len(chain) == 4
        assert all(b.start == a.stop for a, b in zip(chain, chain[1:]))
