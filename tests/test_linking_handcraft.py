"""Hand-craft inter-clip linking (spec §10.1) on hand-built tracklets with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from vistoolkit.data.clip_results import ClipTracklet, VideoInfo
from vistoolkit.data.rle import encode
from vistoolkit.linking.handcraft import affinity, endpoint, link_handcraft

VIDEO = VideoInfo(id=1, length=6, height=20, width=20)


def tracklet(start, slot, boxes, *, scores=(0.9, 0.1), clip_length=2):
    """Tracklet whose masks fill the given xyxy boxes (None = no mask on that frame)."""
    segs = []
    for b in boxes:
        if b is None:
            segs.append(None)
            continue
        m = np.zeros((20, 20), dtype=np.uint8)
        m[b[1]:b[3], b[0]:b[2]] = 1
        segs.append(encode(m))
    return ClipTracklet(1, start // clip_length, start, slot, tuple(scores), tuple(segs),
                        tuple(None if b is None else [float(v) for v in b] for b in boxes),
                        tuple(0.9 if b is not None else 0.0 for b in boxes))


def test_affinity_half_overlap_matches_hand_value():
    a = endpoint(tracklet(0, 0, [(0, 0, 10, 10), (0, 0, 10, 10)]), last=True)
    b = endpoint(tracklet(2, 0, [(0, 0, 10, 5), None]), last=False)
    # box IoU 0.5, mask IoU 0.5, L1 = mean(0, 0, 0, 5/20) = 0.0625, same class
    assert affinity([a], [b], height=20, width=20)[0, 0] == pytest.approx(
        (0.5 + 0.5 + (1 - 0.0625) + 1) / 4)


def test_link_handcraft_same_object_keeps_identity_new_object_starts_track():
    clip0 = [tracklet(0, 0, [(2, 2, 8, 8), (3, 2, 9, 8)])]
    clip1 = [tracklet(2, 4, [(14, 14, 19, 19), (14, 14, 19, 19)], scores=(0.1, 0.8)),
             tracklet(2, 1, [(4, 2, 10, 8), (5, 2, 11, 8)])]
    tracks = link_handcraft(clip0 + clip1, video=VIDEO, threshold=0.5)
    assert [[(t.start, t.slot) for t in tr] for tr in tracks] == [[(0, 0), (2, 1)], [(2, 4)]]


def test_link_handcraft_pair_just_below_threshold_is_not_linked():
    clips = [tracklet(0, 0, [(0, 0, 10, 10), (0, 0, 10, 10)]), tracklet(2, 0, [(0, 0, 10, 5), None])]
    a = (0.5 + 0.5 + (1 - 0.0625) + 1) / 4
    assert len(link_handcraft(clips, video=VIDEO, threshold=a - 1e-6)) == 1
    assert len(link_handcraft(clips, video=VIDEO, threshold=a + 1e-6)) == 2


def test_link_handcraft_uses_last_and_first_non_empty_frames():
    # the track ends (last non-empty frame) at (10,10,16,16); the new tracklet starts there on
    # its second frame; first frames alone (far apart) would not link
    clips = [tracklet(0, 0, [(0, 0, 6, 6), (10, 10, 16, 16)]),
             tracklet(2, 0, [None, (10, 10, 16, 16)])]
    tracks = link_handcraft(clips, video=VIDEO, threshold=0.95)
    assert len(tracks) == 1


def test_link_handcraft_unmatched_track_is_remembered_for_later_clips():
    clips = [tracklet(0, 0, [(2, 2, 8, 8), (2, 2, 8, 8)]),          # object seen in clip 0
             tracklet(2, 0, [(14, 14, 19, 19), (14, 14, 19, 19)], scores=(0.1, 0.9)),
             tracklet(4, 3, [(2, 2, 8, 8), (2, 2, 8, 8)])]          # back in clip 2
    tracks = link_handcraft(clips, video=VIDEO, threshold=0.9)
    assert [[t.start for t in tr] for tr in tracks] == [[0, 4], [2]]


def test_link_handcraft_low_score_tracklet_is_dropped():
    clips = [tracklet(0, 0, [(2, 2, 8, 8), None], scores=(0.01, 0.02))]
    assert link_handcraft(clips, video=VIDEO, threshold=0.5) == []
