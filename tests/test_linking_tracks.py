"""Assembly of linked tracklets into YouTube-VIS records (spec §8 scores and labels)."""

from __future__ import annotations

import numpy as np
import pytest

from vistoolkit.data.clip_results import ClipResults, ClipTracklet, VideoInfo
from vistoolkit.data.rle import encode
from vistoolkit.errors import InputError
from vistoolkit.linking.link import link_results
from vistoolkit.linking.tracks import (
    assemble_predictions,
    assemble_video,
    track_class_scores,
    video_infos,
)

VIDEO = VideoInfo(id=4, length=5, height=8, width=8)


def part(start, scores, frame_scores, *, slot=0):
    m = np.zeros((8, 8), dtype=np.uint8)
    m[2:5, 2:5] = 1
    n = len(frame_scores)
    return ClipTracklet(4, start // 2, start, slot, tuple(scores), (encode(m),) * n,
                        (None,) * n, tuple(frame_scores))


def test_track_class_scores_average_over_present_frames_only():
    track = [part(0, (0.8, 0.2), (0.9, 0.1)), part(2, (0.2, 0.6), (0.7, 0.8))]
    # present frames: 0 (0.8, 0.2), 2 and 3 (0.2, 0.6) -> mean
    assert track_class_scores(track) == pytest.approx([1.2 / 3, 1.4 / 3])
    assert track_class_scores([part(0, (0.5, 0.1), (0.2, 0.3))]) == pytest.approx([0.5, 0.1])


def test_assemble_video_topk_flattens_track_class_pairs():
    tracks = [[part(0, (0.9, 0.3), (0.9, 0.9))], [part(2, (0.1, 0.6), (0.9, 0.9), slot=1)]]
    preds = assemble_video(4, tracks, video=VIDEO, category_ids=[10, 20], top_k=3)
    assert [(p.category_id, p.score) for p in preds] == [(10, 0.9), (20, 0.6), (20, 0.3)]
    # the first track covers frames 0-1, the second frames 2-3; frame 4 of both is None
    assert preds[0].segmentations[2] is None and preds[1].segmentations[0] is None
    assert preds[0].segmentations[4] is None and preds[1].segmentations[3] is not None
    arg = assemble_video(4, tracks, video=VIDEO, category_ids=[10, 20], label_mode="argmax")
    assert [(p.category_id, p.score) for p in arg] == [(10, 0.9), (20, 0.6)]


def test_assemble_predictions_indexes_records_in_video_order():
    tracks = {7: [[part(0, (0.5, 0.4), (0.9,))]], 4: [[part(0, (0.2, 0.3), (0.9,))]]}
    videos = {4: VIDEO, 7: VideoInfo(7, 2, 8, 8)}
    preds = assemble_predictions(tracks, videos=videos, category_ids=[1, 2], top_k=1)
    assert [(p.video_id, p.index, len(p.segmentations)) for p in preds] == [(4, 0, 5), (7, 1, 2)]


def test_assemble_video_frame_past_video_end_raises_input_error():
    with pytest.raises(InputError, match="past the video's 1 frames"):
        assemble_video(4, [[part(0, (0.5, 0.5), (0.9, 0.9))]], video=VideoInfo(4, 1, 8, 8),
                       category_ids=[1, 2])


def test_video_infos_inferred_from_tracklets_without_video_lines():
    res = ClipResults((1, 2), 2, 2, (part(0, (0.5, 0.5), (0.9, 0.9)),
                                    part(2, (0.5, 0.5), (0.9,))))
    assert video_infos(res) == {4: VideoInfo(4, 3, 8, 8)}


def test_link_results_unknown_method_raises_input_error():
    res = ClipResults((1, 2), 2, 2, (part(0, (0.5, 0.5), (0.9, 0.9)),))
    with pytest.raises(InputError, match="unknown linking method 'kalman'"):
        link_results(res, method="kalman", videos=video_infos(res))
    with pytest.raises(InputError, match="overlap linking needs overlapping clips"):
        link_results(res, method="overlap", videos=video_infos(res))
