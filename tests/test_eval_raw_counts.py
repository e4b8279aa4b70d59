"""Raw counts spans (``vistoolkit.eval.raw_counts``, issue 13): the evaluator's default loader
keeps each RLE ``counts`` as a ``msgspec.Raw`` span of the mapped result file. It takes a file
only when the strict reader would give the same records; the kernel reads the spans (a
backslash written as two) exactly as it reads the str; anything else goes the strict way with
the same numbers and the same errors."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import msgspec
import numpy as np
import pytest

from vistoolkit import _native
from vistoolkit.data.rle import to_rle
from vistoolkit.data.ytvis_io import load_predictions
from vistoolkit.errors import InputError
from vistoolkit.eval import evaluate, overlap_phase
from vistoolkit.eval.raw_counts import load_raw_predictions, text_counts

REF = Path(os.environ.get("VISTOOLKIT_YTVIS_REF",
                          Path(__file__).resolve().parent / "data" / "ytvis_ref"))
CASES = ("case01", "case02", "case03", "case04", "case05", "quirk01", "quirk02")
pytestmark = [
    pytest.mark.skipif(not _native.AVAILABLE,
                       reason="native RLE kernel not built or VISTOOLKIT_NO_NATIVE set"),
    pytest.mark.skipif(not (REF / "case05_pred.json").exists(),
                       reason="ytvis_ref fixtures not found"),
]


def _raw(text: str) -> msgspec.Raw:
    """The span a JSON writer gives for the str ``text``."""
    return msgspec.Raw(json.dumps(text).encode())


def _assert_same(a, b) -> None:
    for name in ("stats_array", "precision", "recall", "scores"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    assert a.per_category.equals(b.per_category) and a.per_video.equals(b.per_video)
    assert a.warnings == b.warnings and a.tolerated == b.tolerated


def _write(tmp_path: Path, preds: list, name: str = "pred.json", **dump) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(preds, **dump))
    return path


@pytest.mark.parametrize("case", CASES)
def test_raw_records_equal_strict_records_after_text_counts(case):
    path = REF / f"{case}_pred.json"
    loaded = load_raw_predictions(path)
    assert loaded is not None
    raw, release = loaded
    frames = [s for p in raw for s in p.segmentations if isinstance(s, dict)]
    assert frames and all(type(s["counts"]) is msgspec.Raw for s in frames)
    sizes = {id(s["size"]) for s in frames}
    assert len(sizes) == len({tuple(s["size"]) for s in frames})   # one list per size
    release()
    text_counts(raw)
    assert all(type(s["counts"]) is str for s in frames)
    assert raw == load_predictions(path)


def test_fixture_counts_have_backslashes():
    """Half the strings of a real file have one: the escape is the common case, not an edge."""
    preds = json.loads((REF / "case05_pred.json").read_text())
    counts = [s["counts"] for p in preds for s in p["segmentations"] if s]
    assert sum("\\" in c for c in counts) > len(counts) // 10


@pytest.mark.parametrize("case", CASES)
def test_evaluate_raw_path_equals_strict_records_on_the_kernel(case):
    """The file through raw spans vs the same records with str counts, both on the kernel."""
    gt, pred = REF / f"{case}_gt.json", REF / f"{case}_pred.json"
    lenient = case.startswith("quirk")
    ref = evaluate(gt, load_predictions(pred), lenient=lenient, native=True)
    res = evaluate(gt, pred, lenient=lenient, native=True, workers=2)
    _assert_same(res, ref)


NOT_TAKEN = {
    "extra entry key": lambda p: p[0].update(image_id=3),
    "extra frame key": lambda p: _first_frame(p).update(area=3),
    "uncompressed counts": lambda p: _first_frame(p).update(counts=[0, 1]),
    "size of three": lambda p: _first_frame(p).update(size=[1, 2, 3]),
    "size float": lambda p: _first_frame(p).update(size=[1.0, 2]),
    "counts not a string": lambda p: _first_frame(p).update(counts=5),
    "counts outside the alphabet": lambda p: _first_frame(p).update(counts="ab~"),
    "counts non-ASCII": lambda p: _first_frame(p).update(counts="ab\u00e9"),
    "counts with a newline escape": lambda p: _first_frame(p).update(counts="ab\ncd"),
    "not an object": lambda p: p.append(3),
}


def _first_frame(preds: list) -> dict:
    return next(s for s in preds[-1]["segmentations"] if s)


@pytest.mark.parametrize("name", sorted(NOT_TAKEN))
def test_files_the_strict_reader_must_read_are_not_taken(tmp_path, name):
    preds = json.loads((REF / "case05_pred.json").read_text())
    NOT_TAKEN[name](preds)
    assert load_raw_predictions(_write(tmp_path, preds)) is None


def _outcome(path: Path, **options) -> object:
    try:
        return evaluate(REF / "case05_gt.json", path, **options)
    except InputError as err:
        return str(err)


@pytest.mark.parametrize("name", sorted(NOT_TAKEN))
@pytest.mark.parametrize("lenient", (False, True))
def test_evaluate_not_taken_files_same_outcome_as_without_raw_loader(tmp_path, monkeypatch,
                                                                      name, lenient):
    preds = json.loads((REF / "case05_pred.json").read_text())
    NOT_TAKEN[name](preds)
    path = _write(tmp_path, preds)
    got = _outcome(path, native=True, lenient=lenient)
    monkeypatch.setattr(sys.modules["vistoolkit.eval.evaluate"], "load_raw_predictions",
                        lambda _path: None)
    want = _outcome(path, native=True, lenient=lenient)
    if isinstance(want, str):
        assert got == want
    else:
        _assert_same(got, want)


def test_unicode_escapes_read_the_strict_way_same_numbers(tmp_path):
    """A writer that escapes every character: valid JSON, not a plain span, same numbers."""
    pred = REF / "case05_pred.json"
    path = tmp_path / "pred.json"
    text = json.dumps(json.loads(pred.read_text()))
    escaped = re.sub(r'"counts": "([^"]*)"',
                     lambda m: '"counts": "' + m.group(1).replace("0", "\\u0030") + '"', text)
    path.write_text(escaped)
    assert load_raw_predictions(path) is None
    _assert_same(evaluate(REF / "case05_gt.json", path, native=True),
                 evaluate(REF / "case05_gt.json", pred, native=True))


def test_pretty_printed_file_is_taken(tmp_path):
    preds = json.loads((REF / "case05_pred.json").read_text())
    path = _write(tmp_path, preds, indent=2)
    assert load_raw_predictions(path) is not None
    _assert_same(evaluate(REF / "case05_gt.json", path, native=True),
                 evaluate(REF / "case05_gt.json", REF / "case05_pred.json", native=False))


def test_empty_inputs(tmp_path):
    empty = tmp_path / "empty.json"
    empty.write_text("")
    assert load_raw_predictions(empty) is None
    loaded = load_raw_predictions(_write(tmp_path, [], name="none.json"))
    assert loaded is not None and loaded[0] == []


# ---- the kernel on raw spans --------------------------------------------------------------------

def _frames(case: str = "case05") -> tuple[list[str], int, int]:
    preds = json.loads((REF / f"{case}_pred.json").read_text())
    segs = [s for p in preds for s in p["segmentations"] if s]
    h, w = segs[0]["size"]
    return [s["counts"] for s in segs if s["size"] == [h, w]], h, w


def test_kernel_raw_spans_equal_str():
    counts, h, w = _frames()
    assert any("\\" in c for c in counts)
    tracks = [counts[i:i + 5] for i in range(0, 60, 5)]
    a = _native.rle_video_overlaps(tracks[:4], tracks[4:], height=h, width=w)
    b = _native.rle_video_overlaps([[_raw(c) for c in t] for t in tracks[:4]],
                                   [[{"size": [h, w], "counts": _raw(c)} for c in t]
                                    for t in tracks[4:]], height=h, width=w)
    for name in ("iou", "inter", "union", "det_areas", "gt_areas"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


def _corruptions(good: str) -> list[str]:
    """Malformed strings with backslashes before, at and after the fault (characters JSON
    writes as they are: a span with another escape is never admitted, ``adopt_raw_frames``)."""
    at = good.index("\\")
    return [good + "1", good + "P", good[:at] + "~" + good[at:], good[:at + 1] + "~",
            good[:at + 1], "\\" * 40, good.replace("\\", "\\\\", 1), "\\" + good,
            good[:at] + "{" + good[at:]]


def test_kernel_raw_spans_same_counts_errors_as_str():
    counts, h, w = _frames()
    good = next(c for c in counts if "\\" in c)
    for bad in _corruptions(good):
        messages = []
        for form in (bad, _raw(bad)):
            with pytest.raises(_native.CountsError) as err:
                _native.rle_video_overlaps([[counts[0]]], [[good, form]], height=h, width=w)
            messages.append((str(err.value), err.value.track, err.value.frame))
        assert messages[0] == messages[1], bad


def test_kernel_raw_span_not_a_string_is_another_form():
    with pytest.raises(_native.FrameFormError):
        _native.rle_video_overlaps([], [[msgspec.Raw(b"[1, 2]")]], height=1, width=2)


def test_adopt_shares_sizes_and_refuses_other_forms():
    decode = msgspec.json.Decoder(list[dict[str, msgspec.Raw] | None])
    frames = decode.decode(b'[{"size": [2, 3], "counts": "06"}, null, '
                           b'{"counts": "0\\\\", "size":[ 2 ,3 ]}]')
    cache: dict = {}
    assert _native.adopt_raw_frames(frames, cache)
    assert frames[0]["size"] == [2, 3] and frames[0]["size"] is frames[2]["size"]
    assert bytes(frames[2]["counts"]) == b'"0\\\\"'
    for bad in (b'[{"size": [2, 3], "counts": "0\\u0036"}]',
                b'[{"size": [2.0, 3], "counts": "06"}]',
                b'[{"size": [2, 3, 1], "counts": "06"}]', b'[{"size": [2, 3]}]',
                b'[{"size": [2, 3], "counts": "06", "x": "1"}]',
                b'[{"size": [2, 3], "counts": "0\\n"}]'):
        assert not _native.adopt_raw_frames(decode.decode(bad), {}), bad


# ---- what else reads counts ---------------------------------------------------------------------

def test_to_rle_and_text_counts_read_raw_spans():
    counts, h, w = _frames()
    c = next(c for c in counts if "\\" in c)
    assert to_rle({"size": [h, w], "counts": _raw(c)}, h, w)["counts"] == c.encode()


def test_evaluate_lenient_other_size_frames_equal_pycocotools(tmp_path):
    """A frame of another size: the kernel refuses that video, the full checks and pycocotools
    run on str counts (``text_counts``), same numbers as the fallback."""
    preds = json.loads((REF / "case05_pred.json").read_text())
    for p in preds[:5]:
        seg = next(s for s in p["segmentations"] if s)
        seg["size"] = seg["size"][::-1]     # still h*w pixels: decodable, another size
    path = _write(tmp_path, preds)
    assert load_raw_predictions(path) is not None
    res = evaluate(REF / "case05_gt.json", path, native=True, lenient=True)
    _assert_same(res, evaluate(REF / "case05_gt.json", path, native=False, lenient=True))
    assert res.tolerated.get("size") == 5
    with pytest.raises(InputError) as a:
        evaluate(REF / "case05_gt.json", path, native=True)
    with pytest.raises(InputError) as b:
        evaluate(REF / "case05_gt.json", path, native=False)
    assert str(a.value) == str(b.value)


def test_evaluate_duplicates_and_hota_on_raw_spans(tmp_path):
    preds = json.loads((REF / "case05_pred.json").read_text())
    preds += [dict(preds[3]), dict(preds[9])]
    path = _write(tmp_path, preds)
    res = evaluate(REF / "case05_gt.json", path, native=True, breakdowns=("hota",))
    ref = evaluate(REF / "case05_gt.json", path, native=False, breakdowns=("hota",))
    _assert_same(res, ref)
    assert any("repeat an earlier one" in w for w in res.warnings)
    assert res.breakdowns["hota"].equals(ref.breakdowns["hota"])


def test_native_pass_releases_the_mapped_file_as_it_goes():
    calls = []
    out = list(overlap_phase._releasing(iter(range(40)), 40, lambda: calls.append(1)))
    assert out == list(range(40)) and len(calls) == 40 // (40 // overlap_phase._RELEASES)
