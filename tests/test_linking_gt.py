"""Ground-truth-assisted linking (``--method gt``): tracklets linked by their ground-truth track."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import box_rle, make_gt
from test_linking_cli import write_clips
from test_linking_handcraft import VIDEO, tracklet

from vistoolkit.cli.main import main
from vistoolkit.data.clip_results import ClipResults
from vistoolkit.data.synth import SynthConfig, make_annotations
from vistoolkit.data.ytvis_io import parse_dataset
from vistoolkit.errors import InputError
from vistoolkit.eval import evaluate
from vistoolkit.linking.gt_link import link_gt
from vistoolkit.linking.link import link_results, link_tracks
from vistoolkit.linking.oracle import oracle_tracklets
from vistoolkit.linking.tracks import video_infos


@pytest.fixture(scope="module")
def small_valid():
    return make_annotations(SynthConfig.preset("small"), "valid")[0]


def gt_of_boxes(*tracks):
    """Video 1 (6 frames of 20x20), one ground-truth track per list of xyxy boxes (None = absent)."""
    return parse_dataset(make_gt([(1, 20, 20, 6)], [
        {"id": i + 1, "video_id": 1, "category_id": 1,
         "segmentations": [None if b is None else box_rle(20, 20, b[1], b[0], b[3], b[2])
                           for b in boxes]}
        for i, boxes in enumerate(tracks)]))


@pytest.mark.parametrize("stride", [4, 2])
def test_ground_truth_crops_with_shuffled_slots_give_the_ground_truth_tracks(small_valid, stride):
    tracklets = oracle_tracklets(small_valid, clip_length=4, stride=stride, seed=3)
    cats = tuple(sorted(c.id for c in small_valid.categories))
    res = ClipResults(cats, 4, stride, tuple(tracklets))
    videos = video_infos(res, small_valid)
    tracks = link_tracks(res, method="gt", videos=videos, gt=small_valid)
    assert sum(len(v) for v in tracks.values()) == len(small_valid.tracks) == 9
    preds = link_results(res, method="gt", videos=videos, gt=small_valid)
    assert evaluate(small_valid, preds).stats["AP"] == pytest.approx(1.0)


def test_tracklet_overlapping_no_track_stays_a_track_of_its_own():
    gt = gt_of_boxes([(2, 2, 8, 8)] * 4 + [None, None])
    on = [(2, 2, 8, 8), (2, 2, 8, 8)]
    far = [(14, 14, 19, 19), (14, 14, 19, 19)]
    clips = [tracklet(0, 5, on), tracklet(0, 1, far), tracklet(2, 0, on)]
    tracks = link_gt(clips, gt.tracks, video=VIDEO)
    assert [[(t.start, t.slot) for t in tr] for tr in tracks] == [[(0, 5), (2, 0)], [(0, 1)]]
    matched = link_gt(clips, gt.tracks, video=VIDEO, keep_unmatched=False)   # gt-matched
    assert [[(t.start, t.slot) for t in tr] for tr in matched] == [[(0, 5), (2, 0)]]


def test_one_tracklet_per_track_and_clip_the_best_one():
    gt = gt_of_boxes([(0, 0, 10, 10)] * 2 + [None] * 4)
    best = tracklet(0, 0, [(0, 0, 10, 10), (0, 0, 10, 10)])
    half = tracklet(0, 1, [(0, 0, 10, 5), (0, 0, 10, 5)])        # summed mask IoU 0.5
    tracks = link_gt([half, best], gt.tracks, video=VIDEO)
    assert tracks == [[best], [half]]                             # the gt track, then the rest


def test_pair_needs_iou_above_threshold():
    gt = gt_of_boxes([(0, 0, 10, 10)] * 4 + [None] * 2)
    half = tracklet(0, 1, [(0, 0, 10, 5), (0, 0, 10, 5)])        # summed mask IoU 0.5
    full = tracklet(2, 0, [(0, 0, 10, 10), (0, 0, 10, 10)])
    assert link_gt([half, full], gt.tracks, video=VIDEO, threshold=0.5 - 1e-6) == [[half, full]]
    assert link_gt([half, full], gt.tracks, video=VIDEO, threshold=0.5) == [[full], [half]]


def test_method_gt_without_ground_truth_raises_input_error():
    res = ClipResults((1, 2), 2, 2, (tracklet(0, 0, [(0, 0, 4, 4), None]),))
    with pytest.raises(InputError, match="--method gt needs --gt"):
        link_results(res, method="gt", videos=video_infos(res))


def test_link_command_gt_without_gt_prints_one_error_line(tmp_path):
    write_clips(tmp_path / "clips.jsonl")
    res = CliRunner().invoke(main, ["link", str(tmp_path / "clips.jsonl"), "--method", "gt",
                                    "-o", str(tmp_path / "r.json")])
    assert res.exit_code == 2
    assert res.output.strip().splitlines() == [
        f"error: {tmp_path / 'clips.jsonl'}: --method gt needs --gt"]
    assert not (tmp_path / "r.json").exists()


def test_link_command_gt_writes_the_linked_track(tmp_path):
    write_clips(tmp_path / "clips.jsonl")        # video 3, 4 frames of 10x10, one box, 2 clips
    gt = make_gt([(3, 10, 10, 4)], [{"id": 1, "video_id": 3, "category_id": 5,
                                     "segmentations": [box_rle(10, 10, 2, 2, 6, 6)] * 4}],
                 categories=(5, 9))
    (tmp_path / "gt.json").write_text(json.dumps(gt))
    out = tmp_path / "results.json"
    res = CliRunner().invoke(main, ["link", str(tmp_path / "clips.jsonl"), "--method", "gt",
                                    "--gt", str(tmp_path / "gt.json"), "--label-mode", "argmax",
                                    "-o", str(out)])
    assert res.exit_code == 0, res.output
    (pred,) = json.loads(out.read_text())
    assert pred["video_id"] == 3 and pred["category_id"] == 5
    assert all(s is not None for s in pred["segmentations"]) and len(pred["segmentations"]) == 4
