"""Clip-result file: round trip, JSON-object form, atomicity and input errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from vistoolkit.data.clip_results import ClipResultWriter, ClipTracklet, load_clip_results
from vistoolkit.data.rle import encode
from vistoolkit.errors import InputError


def _tracklet(video_id: int = 1, start: int = 0) -> ClipTracklet:
    mask = np.zeros((4, 5), dtype=np.uint8)
    mask[1:3, 1:4] = 1
    return ClipTracklet(video_id=video_id, clip_index=start // 2, start=start, slot=3,
                        category_scores=(0.25, 0.5), segmentations=(encode(mask), None),
                        boxes=([1.0, 1.0, 4.0, 3.0], None), frame_scores=(0.9, 0.1))


def test_clip_results_round_trip_preserves_every_field(tmp_path):
    path = tmp_path / "clips.jsonl"
    with ClipResultWriter(path, category_ids=[3, 7], clip_length=2, stride=2) as w:
        w.add_video(1, length=4, height=4, width=5)
        w.add(_tracklet(start=0))
        w.add(_tracklet(start=2))
    res = load_clip_results(path)
    assert res.category_ids == (3, 7) and res.clip_length == 2 and res.stride == 2
    assert res.tracklets == (_tracklet(start=0), _tracklet(start=2))
    assert res.videos[1].length == 4 and res.videos[1].width == 5
    assert list(res.tracklets[1].frames) == [2, 3]


def test_clip_results_json_object_form_is_read(tmp_path):
    path = tmp_path / "clips.json"
    t = _tracklet()
    obj = {"header": {"format": "vistoolkit-clip-results", "version": 1, "category_ids": [3, 7],
                      "clip_length": 2, "stride": 2},
           "tracklets": [{"video_id": 1, "clip_index": 0, "start": 0, "slot": 3,
                          "category_scores": [0.25, 0.5],
                          "segmentations": list(t.segmentations),
                          "boxes": [[1, 1, 4, 3], None], "frame_scores": [0.9, 0.1]}]}
    path.write_text(json.dumps(obj))
    assert load_clip_results(path).tracklets == (t,)


def test_clip_result_writer_exception_leaves_no_file(tmp_path):
    path = tmp_path / "clips.jsonl"
    with pytest.raises(RuntimeError), ClipResultWriter(path, category_ids=[3, 7], clip_length=2,
                                                        stride=2) as w:
        w.add(_tracklet())
        raise RuntimeError("boom")
    assert not path.exists() and list(tmp_path.iterdir()) == []


def test_load_clip_results_bad_scores_length_raises_input_error(tmp_path):
    path = tmp_path / "clips.jsonl"
    with ClipResultWriter(path, category_ids=[3, 7, 9], clip_length=2, stride=2):
        pass
    line = json.dumps({"video_id": 1, "clip_index": 0, "start": 0, "slot": 0,
                       "category_scores": [0.5], "segmentations": [None],
                       "boxes": [None], "frame_scores": [0.0]})
    path.write_text(path.read_text() + line + "\n")
    with pytest.raises(InputError) as err:
        load_clip_results(path)
    assert str(err.value) == f"{path}: line 2: 'category_scores' must be a list of 3"


def test_load_clip_results_missing_file_and_bad_line_raise_one_line(tmp_path):
    with pytest.raises(InputError) as err:
        load_clip_results(tmp_path / "nope.jsonl")
    assert str(err.value) == f"{tmp_path / 'nope.jsonl'}: file not found"
    path = tmp_path / "clips.jsonl"
    with ClipResultWriter(path, category_ids=[3], clip_length=2, stride=2):
        pass
    path.write_text(path.read_text() + "{oops\n")
    with pytest.raises(InputError, match=r"clips.jsonl: line 2: invalid JSON \("):
        load_clip_results(path)
