"""``vistool link`` end to end on a tiny clip-result file."""

from __future__ import annotations

import json

import numpy as np
from click.testing import CliRunner

from vistoolkit.cli.main import main
from vistoolkit.data.clip_results import ClipResultWriter, ClipTracklet
from vistoolkit.data.rle import encode


def write_clips(path, *, stride=2):
    m = np.zeros((10, 10), dtype=np.uint8)
    m[2:6, 2:6] = 1
    with ClipResultWriter(path, category_ids=[5, 9], clip_length=2, stride=stride) as w:
        w.add_video(3, length=4, height=10, width=10)
        for start in (0, 2):
            w.add(ClipTracklet(3, start // 2, start, 0, (0.7, 0.2), (encode(m), encode(m)),
                               ([2.0, 2.0, 6.0, 6.0], [2.0, 2.0, 6.0, 6.0]), (0.9, 0.9)))


def test_link_command_handcraft_writes_one_full_track(tmp_path):
    write_clips(tmp_path / "clips.jsonl")
    out = tmp_path / "results.json"
    res = CliRunner().invoke(main, ["link", str(tmp_path / "clips.jsonl"), "--method",
                                    "handcraft", "--label-mode", "argmax", "-o", str(out)])
    assert res.exit_code == 0, res.output
    (pred,) = json.loads(out.read_text())
    assert pred["video_id"] == 3 and pred["category_id"] == 5
    assert abs(pred["score"] - 0.7) < 1e-9
    assert all(s is not None for s in pred["segmentations"]) and len(pred["segmentations"]) == 4


def test_link_command_overlap_without_overlap_prints_one_error_line(tmp_path):
    write_clips(tmp_path / "clips.jsonl")
    res = CliRunner().invoke(main, ["link", str(tmp_path / "clips.jsonl"), "--method", "overlap",
                                    "-o", str(tmp_path / "r.json")])
    assert res.exit_code == 2
    assert res.output.strip().splitlines()[-1] == (
        f"error: {tmp_path / 'clips.jsonl'}: header: overlap linking needs overlapping clips, but stride 2 >= clip length 2")


def test_link_command_bad_file_prints_path_and_line(tmp_path):
    bad = tmp_path / "clips.jsonl"
    bad.write_text('{"format": "something-else"}\n')
    res = CliRunner().invoke(main, ["link", str(bad), "-o", str(tmp_path / "r.json")])
    assert res.exit_code == 2
    assert res.output.strip().splitlines()[-1] == (
        f"error: {bad}: header: not a clip-result file (header 'format' is not "
        "'vistoolkit-clip-results')")


def test_link_command_sweep_on_ground_truth_tracklets_finds_perfect_theta(tmp_path):
    from vistoolkit.data.synth import SynthConfig, make_annotations
    from vistoolkit.data.ytvis_io import save_dataset
    from vistoolkit.linking.oracle import write_oracle_clip_results

    ds = make_annotations(SynthConfig.preset("small"), "valid")[0]
    save_dataset(ds, tmp_path / "valid.json")
    write_oracle_clip_results(ds, tmp_path / "clips.jsonl", clip_length=4)
    res = CliRunner().invoke(main, ["link", str(tmp_path / "clips.jsonl"), "--gt",
                                    str(tmp_path / "valid.json"), "--sweep", "-o",
                                    str(tmp_path / "best.json")])
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert lines[1] == " 0.10   100.0   100.0   100.0    66.7   100.0"
    assert lines[9].startswith(" 0.90     7.8")   # theta 0.9 splits almost every track
    assert lines[10] == "best theta 0.10: AP 100.0"
