"""Which (track, class) pairs a video reports, and duplicate-track suppression."""

from __future__ import annotations

import numpy as np
import pytest

from vistoolkit.data.clip_results import ClipTracklet, VideoInfo
from vistoolkit.data.rle import encode
from vistoolkit.linking.selection import select_pairs, suppress_duplicates, track_overlaps
from vistoolkit.linking.tracks import assemble_video


def columns(cols: int) -> dict:
    """A 4 x 4 RLE whose mask is columns 0 .. cols-1."""
    mask = np.zeros((4, 4), dtype=np.uint8)
    mask[:, :cols] = 1
    return encode(mask)


def test_track_overlaps_is_the_video_iou_of_the_evaluator():
    a = [columns(2), columns(2), None]                    # 8 px on frames 0, 1
    b = [columns(3), columns(3), None]                    # 12 px on frames 0, 1
    c = [None, columns(2), None]                          # 8 px on frame 1 only
    iou = track_overlaps([a, b, c], height=4, width=4)
    assert iou[0, 1] == pytest.approx(16 / 24) and iou[1, 0] == pytest.approx(16 / 24)
    assert iou[0, 2] == pytest.approx(8 / 16)             # frame 0 adds a's area to the union
    assert np.diag(iou) == pytest.approx([1.0, 1.0, 1.0])


def test_suppress_duplicates_drops_same_class_repeats_only():
    scores = np.array([[0.9, 0.1], [0.8, 0.2], [0.7, 0.3]])
    overlaps = np.array([[1.0, 0.9, 0.0], [0.9, 1.0, 0.0], [0.0, 0.0, 1.0]])
    pairs = [(0, 0), (1, 0), (2, 0), (2, 1), (1, 1), (0, 1)]
    kept = suppress_duplicates(pairs, scores, overlaps, 0.5)
    assert kept == [(0, 0), (2, 0), (2, 1), (1, 1)]       # (1, 0) repeats (0, 0); (0, 1) (1, 1)
    assert suppress_duplicates(pairs, scores, overlaps, 0.95) == pairs


def test_select_pairs_fills_top_k_after_suppression_and_computes_overlaps_only_when_asked():
    scores = np.array([[0.9, 0.1], [0.8, 0.2], [0.1, 0.7]])
    overlaps = np.array([[1.0, 1.0, 0.5], [1.0, 1.0, 0.5], [0.5, 0.5, 1.0]])
    assert select_pairs(scores, top_k=3) == [(0, 0), (1, 0), (2, 1)]
    assert select_pairs(scores, top_k=3, track_nms_iou=0.5,
                        overlaps=lambda: overlaps) == [(0, 0), (2, 1), (1, 1)]
    assert select_pairs(scores, label_mode="argmax", track_nms_iou=0.5,
                        overlaps=lambda: overlaps) == [(0, 0), (2, 1)]
    assert select_pairs(scores, label_mode="argmax") == [(0, 0), (1, 0), (2, 1)]
    with pytest.raises(ValueError, match="needs the tracks' overlaps"):
        select_pairs(scores, track_nms_iou=0.5)
    with pytest.raises(ValueError, match="label_mode"):
        select_pairs(scores, label_mode="best")


def test_assemble_video_drops_a_linked_duplicate_with_track_nms():
    video = VideoInfo(id=1, length=2, height=4, width=4)

    def track(slot: int, scores: tuple) -> list[ClipTracklet]:
        return [ClipTracklet(1, 0, 0, slot, scores, (columns(2), columns(2)), (None, None),
                             (0.9, 0.9))]

    tracks = [track(0, (0.9, 0.1)), track(1, (0.8, 0.2))]  # the same mask twice
    plain = assemble_video(1, tracks, video=video, category_ids=[5, 6], top_k=2)
    assert [(p.category_id, p.score) for p in plain] == pytest.approx([(5, 0.9), (5, 0.8)])
    nms = assemble_video(1, tracks, video=video, category_ids=[5, 6], top_k=2,
                         track_nms_iou=0.5)
    assert [(p.category_id, p.score) for p in nms] == pytest.approx([(5, 0.9), (6, 0.2)])
