"""VisTR-style overlap linking (spec §10.2): accumulated IoU, threshold, merged frames."""

from __future__ import annotations

import numpy as np
import pytest

from vistoolkit.data.clip_results import ClipTracklet, VideoInfo
from vistoolkit.data.rle import decode, encode
from vistoolkit.linking.affinity import overlap_mask_iou
from vistoolkit.linking.overlap import link_overlap
from vistoolkit.linking.tracks import assemble_video


def box_mask(b):
    m = np.zeros((20, 20), dtype=np.uint8)
    m[b[1]:b[3], b[0]:b[2]] = 1
    return encode(m)


def window(start, slot, boxes, *, frame_score=0.9, scores=(0.9, 0.1)):
    segs = tuple(None if b is None else box_mask(b) for b in boxes)
    return ClipTracklet(1, start // 2, start, slot, scores, segs, (None,) * len(boxes),
                        (frame_score,) * len(boxes))


A = (0, 0, 10, 10)    # 100 pixels
B = (10, 10, 20, 20)  # 100 pixels, disjoint from A


def test_overlap_mask_iou_accumulates_sums_not_mean_of_ious():
    # frame 1: identical (inter 100, union 100); frame 2: disjoint (inter 0, union 200)
    assert overlap_mask_iou([box_mask(A), box_mask(A)], [box_mask(A), box_mask(B)]) == \
        pytest.approx(100 / 300)
    assert overlap_mask_iou([None], [None]) == 0.0


def test_link_overlap_matching_windows_form_one_track_and_new_object_another():
    w0 = [window(0, 0, [A, A, A, A])]
    w1 = [window(2, 5, [A, A, A, A]), window(2, 1, [None, None, B, B], scores=(0.2, 0.7))]
    tracks = link_overlap(w0 + w1)
    assert [[(t.start, t.slot) for t in tr] for tr in tracks] == [[(0, 0), (2, 5)], [(2, 1)]]


def test_link_overlap_accumulated_iou_below_half_is_not_linked():
    # per-frame IoUs 1 and 0 (mean 0.5), accumulated 1/3 < 0.5 -> separate tracks
    w0 = [window(0, 0, [A, A, A, A])]
    w1 = [window(2, 0, [A, B, B, B])]
    assert len(link_overlap(w0 + w1)) == 2
    assert len(link_overlap(w0 + w1, iou_threshold=0.3)) == 1


def test_overlap_merged_frames_average_masks_and_scores():
    inner = (0, 0, 10, 8)  # 80 pixels inside A
    w0 = window(0, 0, [A, A, A, A], frame_score=0.9, scores=(0.8, 0.2))
    w1 = window(2, 0, [inner, inner, inner, inner], frame_score=0.6, scores=(0.4, 0.6))
    (track,) = link_overlap([w0, w1])
    video = VideoInfo(1, 6, 20, 20)
    preds = assemble_video(1, [track], video=video, category_ids=[3, 7], top_k=1)
    (pred,) = preds
    # weights 0.9 vs 0.6: pixels only in A get 0.6 > 0.5 -> kept, so frames 2-3 equal A
    assert decode(pred.segmentations[2], 20, 20).sum() == 100
    assert decode(pred.segmentations[4], 20, 20).sum() == 80
    # class scores: mean over 8 present part-frames: (4 * 0.8 + 4 * 0.4) / 8
    assert pred.category_id == 3 and pred.score == pytest.approx(0.6)
    same_weight = window(2, 0, [inner] * 4, frame_score=0.9)
    (pred,) = assemble_video(1, [[w0, same_weight]], video=video, category_ids=[3, 7], top_k=1)
    assert decode(pred.segmentations[2], 20, 20).sum() == 80  # equal weights -> intersection
