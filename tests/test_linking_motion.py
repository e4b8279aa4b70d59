"""Motion-based tracking by detection: frame splitting, gate, greedy vs Hungarian."""

from __future__ import annotations

import numpy as np
import pytest

from vistoolkit.data.clip_results import ClipTracklet, VideoInfo
from vistoolkit.data.rle import encode
from vistoolkit.linking.motion import link_motion, motion_affinity, split_frames

VIDEO = VideoInfo(id=1, length=8, height=30, width=40)  # diagonal 50


def det(frame, x, *, slot=0, size=6):
    m = np.zeros((30, 40), dtype=np.uint8)
    m[10:10 + size, x:x + size] = 1
    box = [float(x), 10.0, float(x + size), float(10 + size)]
    return ClipTracklet(1, frame, frame, slot, (0.9,), (encode(m),), (box,), (0.9,))


def test_split_frames_keeps_present_non_empty_frames_only():
    m = np.zeros((30, 40), dtype=np.uint8)
    m[0:4, 0:4] = 1
    t = ClipTracklet(1, 0, 3, 2, (0.8,), (encode(m), None, encode(m)), (None, None, None),
                     (0.9, 0.9, 0.2))
    (d,) = split_frames([t])
    assert d.start == 3 and d.slot == 2 and d.frame_scores == (0.9,)


def test_link_motion_small_steps_form_one_track():
    dets = [det(f, 2 + 2 * f) for f in range(5)]
    tracks = link_motion(dets, video=VIDEO)
    assert [[d.start for d in tr] for tr in tracks] == [[0, 1, 2, 3, 4]]


def test_link_motion_jump_beyond_gate_breaks_the_track():
    # gate = 0.15 * 50 = 7.5 px; the jump at frame 2 is 20 px
    dets = [det(0, 2), det(1, 4), det(2, 24), det(3, 26)]
    tracks = link_motion(dets, video=VIDEO)
    assert [[d.start for d in tr] for tr in tracks] == [[0, 1], [2, 3]]
    # a wider gate keeps it (affinity (0 + 1 - 20/25) / 2 = 0.1 -> needs min_affinity <= 0.1)
    wide = link_motion(dets, video=VIDEO, max_distance=0.5, min_affinity=0.05)
    assert len(wide) == 1


def test_motion_affinity_matches_hand_value():
    prev = np.array([[0.0, 0.0, 10.0, 10.0]])
    cur = np.array([[5.0, 0.0, 15.0, 10.0], [40.0, 0.0, 50.0, 10.0]])
    aff = motion_affinity(prev, cur, gate=10.0)
    assert aff[0, 0] == pytest.approx((50 / 150 + 1 - 5 / 10) / 2)
    assert aff[0, 1] == -np.inf


def test_link_motion_greedy_and_hungarian_differ_when_a_pair_is_gated():
    # gate = 0.26 * 50 = 13 px. Greedy takes the best pair P1-C1 first, leaving P2-C2 (20 px,
    # gated) unlinked; Hungarian links P1-C2 (10 px) and P2-C1 (12 px) instead.
    dets = [det(0, 10, slot=0), det(0, 0, slot=1), det(1, 12, slot=0), det(1, 20, slot=1)]
    opts = {"video": VIDEO, "min_affinity": 0.0, "max_distance": 0.26}

    def xs(tracks):
        return sorted(tuple(d.boxes[0][0] for d in tr) for tr in tracks)

    assert xs(link_motion(dets, **opts)) == [(0.0, 12.0), (10.0, 20.0)]
    assert xs(link_motion(dets, method="greedy", **opts)) == [(0.0,), (10.0, 12.0), (20.0,)]


def test_link_motion_max_age_allows_a_skipped_frame():
    dets = [det(0, 2), det(2, 4)]
    assert len(link_motion(dets, video=VIDEO)) == 2
    assert len(link_motion(dets, video=VIDEO, max_age=2)) == 1
