"""Write the fuzz corpus of ``tests/test_fuzz.py`` (``python tests/fuzz/make_corpus.py``).

Every case is a small broken (or, as a control, valid) input and the ``vistool`` command lines
that read it; ``corpus/cases.json`` lists them. Families (issue 16):

* ``json``: JSON-level defects (nesting, huge integers, 1e400 / Infinity / NaN literals, wrong
  top-level or member types, BOM, not UTF-8, truncated, empty);
* ``gt`` / ``pred``: annotation / result records (areas, polygons, bboxes, video fields, ids,
  RLE, scores, lengths) through eval, validate, data stats / split / resample, pack and viz;
* ``clips``: clip-result files (JSON Lines) through the three linkers of ``vistool link``;
* ``frames``: dataset directories for train / infer (corrupt, truncated, empty, directory,
  decompression bomb, wrong size, bad file names, ``../`` and absolute paths, empty split);
* ``cli``: usage errors, overwrite refusal, viz output formats.

A case's ``expect`` is the set of allowed exit codes; ``says`` is a word the error line must contain.
``cases()`` lists the command lines (``tests/test_fuzz.py`` imports it); ``{c}`` stands for the
corpus directory, ``{t}`` for a fresh temporary directory, ``{w}`` for the bundled checkpoint,
``{f}`` for the case's file. ``crash`` cases run in a subprocess (what they probe used to kill
the interpreter with a signal, or hang).
"""

from __future__ import annotations

import copy
import io
import json
import shutil
import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image
from pycocotools import mask as mask_utils

OUT = Path(__file__).resolve().parent / "corpus"
H, W, L = 24, 32, 2


def _rle(y0: int, x0: int, y1: int, x1: int) -> dict:
    m = np.zeros((H, W), dtype=np.uint8)
    m[y0:y1, x0:x1] = 1
    r = mask_utils.encode(np.asfortranarray(m))
    return {"size": [H, W], "counts": r["counts"].decode("ascii")}


BOX = _rle(4, 4, 14, 20)            # 10 x 16 = 160 pixels
POLY = [[4.0, 4.0, 20.0, 4.0, 20.0, 14.0, 4.0, 14.0]]
GT = {
    "info": {"description": "fuzz base"}, "licenses": [],
    "videos": [{"id": 1, "width": W, "height": H, "length": L,
                "file_names": [f"v1/{f:05d}.jpg" for f in range(L)]},
               {"id": 2, "width": W, "height": H, "length": L,
                "file_names": [f"v2/{f:05d}.jpg" for f in range(L)]}],
    "categories": [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}],
    "annotations": [{"id": 1, "video_id": 1, "category_id": 1, "iscrowd": 0,
                     "segmentations": [BOX, BOX], "areas": [160, 160],
                     "bboxes": [[4, 4, 16, 10], [4, 4, 16, 10]]},
                    {"id": 2, "video_id": 2, "category_id": 2, "iscrowd": 0,
                     "segmentations": [BOX, None], "areas": [160, None],
                     "bboxes": [[4, 4, 16, 10], None]}],
}
PRED = [{"video_id": 1, "category_id": 1, "score": 0.9, "segmentations": [BOX, BOX]},
        {"video_id": 2, "category_id": 2, "score": 0.8, "segmentations": [BOX, None]}]

DEEP = "[" * 20_000 + "]" * 20_000
BIG = "1" * 5000                   # beyond Python's 4300-digit int limit
HUGE = 10**400                     # within it, beyond float


def _gt(edit) -> dict:
    gt = copy.deepcopy(GT)
    edit(gt)
    return gt


def _pred(edit) -> list:
    pred = copy.deepcopy(PRED)
    edit(pred)
    return pred


def _set(path: str, value):
    """An edit setting ``path`` ("annotations.0.areas.1") to ``value``."""
    *keys, last = path.split(".")

    def edit(obj):
        for k in keys:
            obj = obj[int(k)] if k.isdigit() else obj[k]
        if last.isdigit():
            obj[int(last)] = value
        else:
            obj[last] = value
    return edit


# Annotation-file cases: name -> JSON object, or raw text (a str) where JSON cannot say it.
# A raw case replaces the marker "@@" inside the JSON of the base with the given text.
GT_CASES: dict[str, object] = {
    "ok": GT,
    "area_nan": ("annotations.0.areas.0", "NaN"),
    "area_infinity": ("annotations.0.areas.0", "Infinity"),
    "area_1e400": ("annotations.0.areas.0", "1e400"),
    "area_5000_digits": ("annotations.0.areas.0", BIG),
    "area_negative": _gt(_set("annotations.0.areas.0", -5)),
    "area_string": _gt(_set("annotations.0.areas.0", "160")),
    "area_huge_int": _gt(_set("annotations.0.areas.0", HUGE)),
    "area_bool": _gt(_set("annotations.0.areas.0", True)),
    "areas_short": _gt(_set("annotations.0.areas", [160])),
    "poly_1e10": _gt(_set("annotations.0.segmentations.0", [[1e10, 4, 20, 4, 20, 14]])),
    "poly_1e308": _gt(_set("annotations.0.segmentations.0", [[1e308, 1e308, 20, 4, 20, 14]])),
    "poly_1e8": _gt(_set("annotations.0.segmentations.0", [[1e8, 4, 20, 4, 20, 1e8]])),
    "poly_huge_int": _gt(_set("annotations.0.segmentations.0", [[HUGE, 4, 20, 4, 20, 14]])),
    "poly_nan": ("annotations.0.segmentations.0", "[[NaN, 4, 20, 4, 20, 14]]"),
    "poly_string": _gt(_set("annotations.0.segmentations.0", [["4", 4, 20, 4, 20, 14]])),
    "poly_odd": _gt(_set("annotations.0.segmentations.0", [[4, 4, 20, 4, 20]])),
    "poly_flat": _gt(_set("annotations.0.segmentations.0", [4, 4, 20, 4, 20, 14])),
    "poly_ok": _gt(_set("annotations.0.segmentations.0", POLY)),
    "bboxes_short": _gt(_set("annotations.0.bboxes", [[4, 4, 16, 10]])),
    "bbox_string": _gt(_set("annotations.0.bboxes.0", "4,4,16,10")),
    "bbox_negative": _gt(_set("annotations.0.bboxes.0", [4, 4, -16, 10])),
    "video_length_1e9": _gt(lambda g: (g["videos"][0].update(length=10**9, file_names=[]),
                                       g.pop("annotations"))),
    "video_length_0": _gt(_set("videos.0.length", 0)),
    "video_length_negative": _gt(_set("videos.0.length", -3)),
    "video_width_0": _gt(_set("videos.0.width", 0)),
    "video_width_huge": _gt(_set("videos.0.width", HUGE)),
    "video_id_string": _gt(_set("videos.0.id", "1")),
    "video_id_float": _gt(_set("videos.0.id", 1.5)),
    "video_id_5000_digits": ("videos.0.id", BIG),
    "videos_not_list": _gt(_set("videos", {"id": 1})),
    "categories_not_list": _gt(_set("categories", "a,b")),
    "annotations_not_list": _gt(_set("annotations", 7)),
    "videos_missing": _gt(lambda g: g.pop("videos")),
    "duplicate_video_ids": _gt(_set("videos.1.id", 1)),
    "annotation_unknown_video": _gt(_set("annotations.1.video_id", 9)),
    "annotation_unknown_category": _gt(_set("annotations.1.category_id", 9)),
    "duplicate_annotation_ids": _gt(_set("annotations.1.id", 1)),
    "no_annotations": _gt(_set("annotations", [])),
    "no_annotations_key": _gt(lambda g: g.pop("annotations")),
    "rle_bad_counts": _gt(_set("annotations.0.segmentations.0", {"size": [H, W],
                                                                  "counts": "0d5"})),
    "rle_non_ascii": _gt(_set("annotations.0.segmentations.0", {"size": [H, W],
                                                                 "counts": "Ü€0"})),
    "rle_size_negative": _gt(_set("annotations.0.segmentations.0", {"size": [-H, W],
                                                                     "counts": BOX["counts"]})),
    "rle_size_string": _gt(_set("annotations.0.segmentations.0", {"size": "24x32",
                                                                   "counts": BOX["counts"]})),
    "rle_counts_int": _gt(_set("annotations.0.segmentations.0", {"size": [H, W], "counts": 5})),
    "rle_counts_list_negative": _gt(_set("annotations.0.segmentations.0",
                                         {"size": [H, W], "counts": [-1, H * W + 1]})),
    "segmentation_string": _gt(_set("annotations.0.segmentations.0", "BOX")),
    "segmentations_short": _gt(_set("annotations.0.segmentations", [BOX])),
    "top_list": [GT],
    "top_string": "__raw__\"videos\"",
    "deep_nesting": ("info", DEEP),
    "empty_file": "__raw__",
    "truncated": "__raw__" + json.dumps(GT)[:200],
    "bom": "__bom__",
    "not_utf8": "__raw_bytes__",
}

PRED_CASES: dict[str, object] = {
    "ok": PRED,
    "score_nan": ("0.score", "NaN"),
    "score_infinity": ("0.score", "-Infinity"),
    "score_5000_digits": ("0.score", BIG),
    "score_2": _pred(_set("0.score", 2)),
    "score_negative": _pred(_set("0.score", -0.5)),
    "score_string": _pred(_set("0.score", "0.9")),
    "score_huge_int": _pred(_set("0.score", HUGE)),
    "score_bool": _pred(_set("0.score", True)),
    "score_missing": _pred(lambda p: p[0].pop("score")),
    "video_id_string": _pred(_set("0.video_id", "1")),
    "unknown_video": _pred(_set("0.video_id", 9)),
    "unknown_category": _pred(_set("0.category_id", 9)),
    "segmentations_short": _pred(_set("0.segmentations", [BOX])),
    "segmentations_not_list": _pred(_set("0.segmentations", BOX)),
    "rle_bad_counts": _pred(_set("0.segmentations.0", {"size": [H, W], "counts": "0d5"})),
    "rle_non_ascii": _pred(_set("0.segmentations.0", {"size": [H, W], "counts": "Ü€0"})),
    "rle_size_negative": _pred(_set("0.segmentations.0", {"size": [-H, W],
                                                          "counts": BOX["counts"]})),
    "rle_size_other": _pred(_set("0.segmentations", [_rle(0, 0, 5, 5) | {"size": [H, W]},
                                                     {"size": [W, H], "counts": "0"}])),
    "rle_counts_list_negative": _pred(_set("0.segmentations.0", {"size": [H, W],
                                                                 "counts": [-1, H * W + 1]})),
    "poly_1e10": _pred(_set("0.segmentations.0", [[1e10, 4, 20, 4, 20, 1e10]])),
    "poly_1e308": _pred(_set("0.segmentations.0", [[1e308, 1e308, 20, 4, 20, 14]])),
    "poly_1e8": _pred(_set("0.segmentations.0", [[1e8, 4, 20, 4, 20, 1e8]])),
    "poly_nan": ("0.segmentations.0", "[[NaN, 4, 20, 4, 20, 14]]"),
    "poly_ok": _pred(_set("0.segmentations.0", POLY)),
    "duplicate": PRED + [PRED[0]],
    "empty_list": [],
    "top_object": {"predictions": PRED},
    "deep_nesting": ("0.extra", DEEP),
    "empty_file": "__raw__",
    "truncated": "__raw__" + json.dumps(PRED)[:150],
    "bom": "__bom__",
    "not_utf8": "__raw_bytes__",
}

CLIP_HEADER = {"format": "vistoolkit-clip-results", "version": 1, "category_ids": [1, 2],
               "clip_length": 2, "stride": 2}
CLIP = {"video_id": 1, "clip_index": 0, "start": 0, "slot": 0, "category_scores": [0.9, 0.1],
        "segmentations": [BOX, BOX], "boxes": [[4, 4, 20, 14], [4, 4, 20, 14]],
        "frame_scores": [0.9, 0.8]}


def _clips(tracklet: object = CLIP, header: object = CLIP_HEADER) -> str:
    video = {"video": {"id": 1, "length": L, "height": H, "width": W}}
    lines = [header if isinstance(header, str) else json.dumps(header), json.dumps(video),
             tracklet if isinstance(tracklet, str) else json.dumps(tracklet)]
    return "__raw__" + "\n".join(lines) + "\n"


def _clip(edit) -> dict:
    out = copy.deepcopy(CLIP)
    edit(out)
    return out


# Clip-result files (JSON Lines) for `vistool link`.
CLIP_CASES: dict[str, object] = {
    "ok": _clips(),
    "score_nan": _clips(json.dumps(CLIP).replace("0.9, 0.1", "NaN, 0.1")),
    "scores_short": _clips(_clip(_set("category_scores", [0.9]))),
    "scores_string": _clips(_clip(_set("category_scores", "0.9"))),
    "frame_scores_short": _clips(_clip(_set("frame_scores", [0.9]))),
    "segmentations_short": _clips(_clip(_set("segmentations", [BOX]))),
    "poly_1e10": _clips(_clip(_set("segmentations.0", [[1e10, 4, 20, 4, 20, 1e10]]))),
    "rle_bad_counts": _clips(_clip(_set("segmentations.0", {"size": [H, W], "counts": "0d5"}))),
    "rle_non_ascii": _clips(_clip(_set("segmentations.0", {"size": [H, W], "counts": "Ü€0"}))),
    "start_negative": _clips(_clip(_set("start", -4))),
    "start_huge": _clips(_clip(_set("start", HUGE))),
    "unknown_video": _clips(_clip(_set("video_id", 9))),
    "boxes_string": _clips(_clip(_set("boxes.0", "box"))),
    "header_missing": "__raw__" + json.dumps(CLIP) + "\n",
    "header_other_format": _clips(header=dict(CLIP_HEADER, format="other")),
    "clip_length_0": _clips(header=dict(CLIP_HEADER, clip_length=0)),
    "deep_nesting": _clips(DEEP),
    "int_5000_digits": _clips(json.dumps(CLIP).replace('"slot": 0', '"slot": ' + BIG)),
    "empty_file": "__raw__",
    "truncated": _clips()[:200],
    "bom": "__raw__\ufeff" + _clips()[len("__raw__"):],
}

# Refused by eval and validate: everything but the controls (and what their notes explain).
# no_annotations(_key): a valid/test split; only eval refuses it
GT_ACCEPTED = {"ok", "poly_ok", "no_annotations", "no_annotations_key"}
PRED_ACCEPTED = {"ok", "poly_ok", "duplicate"}        # duplicate: eval warns, validate refuses
CRASH = {"poly_1e10", "poly_1e308", "rle_bad_counts"}  # segfault / endless iou before checks
SAYS = {"area_negative": "area", "area_string": "area", "area_huge_int": "area",
        "poly_1e10": "segmentation", "poly_1e308": "segmentation",
        "video_length_1e9": "length", "duplicate_video_ids": "video id 1",
        "annotation_unknown_video": "video_id 9", "no_annotations": "no annotations"}


def _text(base: object, case: object) -> bytes:
    """The bytes of one case file."""
    if isinstance(case, tuple):                # (path, raw JSON text at that place)
        path, raw = case
        marked = copy.deepcopy(base)
        _set(path, "@@")(marked)
        return json.dumps(marked).replace('"@@"', raw).encode()
    if case == "__raw_bytes__":               # a latin-1 byte: not UTF-8
        text = json.dumps(base)
        head = '{"n\xe9": 0, ' if text.startswith("{") else '[{"n\xe9": 0}, '
        return (head + text[1:]).encode("latin-1")
    if case == "__bom__":
        return b"\xef\xbb\xbf" + json.dumps(base).encode()
    if isinstance(case, str) and case.startswith("__raw__"):
        return case[len("__raw__"):].encode("utf-8")
    return json.dumps(case).encode()


def _jpeg(size: tuple[int, int], seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 255, size=(size[1], size[0], 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="JPEG", quality=80)
    return buf.getvalue()


def _bomb_png() -> bytes:
    """A 1x1 PNG whose header claims 20000 x 20000 pixels (PIL refuses it as a bomb)."""
    buf = io.BytesIO()
    Image.new("L", (1, 1)).save(buf, format="PNG")
    data = bytearray(buf.getvalue())
    ihdr = struct.pack(">II", 20000, 20000) + bytes(data[24:29])
    data[16:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return bytes(data)


def _frame_dataset(root: Path, videos: list[dict], files: dict[str, bytes | None]) -> None:
    """``root/train.json`` (the base annotations on ``videos``) and its JPEGImages."""
    gt = copy.deepcopy(GT)
    gt["videos"] = videos
    ids = {v.get("id") for v in videos}
    gt["annotations"] = [a for a in gt["annotations"] if a["video_id"] in ids]
    root.mkdir(parents=True)
    (root / "train.json").write_text(json.dumps(gt))
    for name, data in files.items():
        path = root / "train" / "JPEGImages" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if data is None:                       # a directory where a frame should be
            path.mkdir()
            (path / ".keep").write_text("")
        else:
            path.write_bytes(data)


FRAME_CASES = ("ok", "corrupt_jpeg", "truncated_jpeg", "empty_jpeg", "directory", "bomb",
               "wrong_size", "int_file_name", "fewer_file_names", "length_0",
               "duplicate_video_ids", "bad_rle", "dotdot", "absolute", "empty_split")
FRAME_SAYS = {"corrupt_jpeg": "cannot read", "truncated_jpeg": "cannot read",
              "empty_jpeg": "cannot read", "directory": "directory", "bomb": "cannot read",
              "wrong_size": "pixels", "int_file_name": "file name",
              "fewer_file_names": "file_names", "length_0": "frame", "duplicate_video_ids":
              "video id 1", "bad_rle": "RLE", "dotdot": "outside", "absolute": "outside",
              "empty_split": "no training videos"}


def _frames(out: Path) -> None:
    """The dataset directories of ``FRAME_CASES`` under ``out/frames``."""
    good = {f"v1/{f:05d}.jpg": _jpeg((W, H), f) for f in range(L)}
    video = copy.deepcopy(GT["videos"][0])
    first = "v1/00000.jpg"
    cases: dict[str, tuple[list[dict], dict[str, bytes | None]]] = {
        "ok": ([video], good),
        "corrupt_jpeg": ([video], good | {first: b"\xff\xd8\xff\xe0" + bytes(range(256))}),
        "truncated_jpeg": ([video], good | {first: good[first][: len(good[first]) // 2]}),
        "empty_jpeg": ([video], good | {first: b""}),
        "directory": ([video], good | {first: None}),
        "bomb": ([video], good | {first: _bomb_png()}),
        "wrong_size": ([video], good | {first: _jpeg((W + 8, H + 6), 0)}),
        "int_file_name": ([video | {"file_names": [7, "v1/00001.jpg"]}], good),
        "fewer_file_names": ([video | {"file_names": [first]}], good),
        "length_0": ([video | {"length": 0, "file_names": []}], good),
        "duplicate_video_ids": ([video, video], good),
        "bad_rle": ([video], good),
        "dotdot": ([video | {"file_names": ["../../outside.jpg", "v1/00001.jpg"]}], good),
        "absolute": ([video | {"file_names": ["/nonexistent/outside.jpg", "v1/00001.jpg"]}],
                     good),
        "empty_split": ([], {}),
    }
    (out / "frames").mkdir(parents=True)
    (out / "frames" / "outside.jpg").write_bytes(good[first])   # readable, if paths escaped
    assert list(cases) == list(FRAME_CASES)
    for name, (videos, files) in cases.items():
        _frame_dataset(out / "frames" / name, videos, files)
    bad = json.loads((out / "frames" / "bad_rle" / "train.json").read_text())
    bad["annotations"][0]["segmentations"][0] = {"size": [H, W], "counts": "0d5"}
    (out / "frames" / "bad_rle" / "train.json").write_text(json.dumps(bad))


def _commands(kind: str, name: str) -> list[list[str]]:
    """The command lines of one gt / pred case (``{f}``: its file)."""
    gt, pred, img = "{c}/gt/ok.json", "{c}/pred/ok.json", "{c}/images"
    if kind == "gt":
        return [["eval", "{f}", pred], ["validate", "{f}"], ["data", "stats", "{f}"],
                ["data", "split", "{f}", "-o", "{t}/split"],
                ["data", "resample", "{f}", "--fps", "3", "-o", "{t}/r.json"],
                ["viz", "{f}", "--images", img, "-o", "{t}/v.png"]]
    return [["eval", gt, "{f}"], ["eval", gt, "{f}", "--lenient"],
            ["validate", "{f}", "--gt", gt], ["data", "stats", "{f}"],
            ["data", "stats", "{f}", "--gt", gt],
            ["data", "resample", "{f}", "--pred", "--gt", gt, "--fps", "3", "-o", "{t}/r.json"],
            ["pack", "{f}", "-o", "{t}/s.zip"], ["pack", "{f}", "--gt", gt, "-o", "{t}/s.zip"],
            ["viz", gt, "--pred", "{f}", "--images", img, "-o", "{t}/v.png"]]


def _record_cases(kind: str, table: dict, accepted: set) -> list[dict]:
    out = []
    for name in table:
        for args in _commands(kind, name):
            strict = args[0] == "eval" and "--lenient" not in args or args[0] == "validate"
            refuse = strict and name not in accepted and not (
                kind == "pred" and name == "duplicate" and args[0] == "eval")
            if kind == "gt" and name.startswith("no_annotations") and args[0] == "eval":
                refuse = True
            out.append({"family": kind, "name": name, "args": args,
                        "file": f"{{c}}/{kind}/{name}.json",
                        "expect": [2] if refuse else [0, 2],
                        "says": SAYS.get(name, "") if refuse else "",
                        "crash": name in CRASH and args[0] == "eval"})
    return out


def _clip_cases() -> list[dict]:
    gt = "{c}/gt/ok.json"
    commands = [["link", "{f}", "-o", "{t}/l.json"],
                ["link", "{f}", "--gt", gt, "-o", "{t}/l.json"],
                ["link", "{f}", "--method", "motion", "--gt", gt, "-o", "{t}/l.json"],
                ["link", "{f}", "--method", "overlap", "-o", "{t}/l.json"],
                ["link", "{f}", "--sweep", "--gt", gt, "-o", "{t}/l.json"]]
    return [{"family": "clips", "name": name, "args": args, "file": f"{{c}}/clips/{name}.jsonl",
             "expect": [0] if name == "ok" and "overlap" not in args else [0, 2], "says": "",
             "crash": False}
            for name in CLIP_CASES for args in commands]


def _frame_cases(names: list[str]) -> list[dict]:
    out = []
    for name in names:
        data = f"{{c}}/frames/{name}"
        for args in (["train", "--data", data, "--preset", "micro", "--iters", "1",
                      "--threads", "1", "--out", "{t}/run"],
                     ["infer", "--ckpt", "{w}", "--data", data, "--split", "train",
                      "--threads", "1", "-o", "{t}/r.json"],
                     ["viz", f"{data}/train.json", "--images", f"{data}/train/JPEGImages",
                      "-o", "{t}/v.png"]):
            if args[0] == "viz":                   # viz reads the first video only
                expect, says = ([0] if name == "ok" else [2]), ""
            elif name == "empty_split" and args[0] == "infer":
                expect, says = [0, 2], ""
            else:
                expect = [0] if name == "ok" else [2]
                says = FRAME_SAYS.get(name, "")
                if args[0] == "infer" and name == "bad_rle":   # inference reads no masks
                    expect, says = [0], ""
            out.append({"family": "frames", "name": name, "args": args, "file": data,
                        "expect": expect, "says": says, "crash": False})
    return out


def _cli_cases() -> list[dict]:
    gt, pred, img = "{c}/gt/ok.json", "{c}/pred/ok.json", "{c}/images"
    rows = [
        ("usage_unknown_option", ["eval", gt, pred, "--bogus"], [2], "No such option"),
        ("usage_missing_argument", ["eval", gt], [2], "Missing argument"),
        ("usage_bad_float", ["data", "resample", gt, "--fps", "x", "-o", "{t}/r.json"], [2],
         "--fps"),
        ("usage_missing_file", ["validate", "{c}/nonexistent.json"], [2], "does not exist"),
        ("empty_categories", ["eval", gt, pred, "--categories", ""], [2], "--categories"),
        ("eval_json_is_input", ["eval", gt, pred, "--json", pred], [2], "overwrite"),
        ("resample_onto_input", ["data", "resample", gt, "--fps", "3", "-o", gt], [2],
         "overwrite"),
        ("output_is_directory", ["data", "stats", gt, "-o", "{c}/images"], [2], "directory"),
        ("viz_fps_0", ["viz", gt, "--images", img, "-o", "{t}/v.gif", "--fps", "0"], [2],
         "--fps"),
        ("viz_unknown_suffix", ["viz", gt, "--images", img, "-o", "{t}/v.bmp"], [2], "suffix"),
        ("viz_jpg", ["viz", gt, "--images", img, "-o", "{t}/v.jpg"], [0], ""),
        ("train_existing_run", ["train", "--data", "{c}/frames/ok", "--preset", "micro",
                                "--iters", "1", "--out", "{c}/run_dir"], [2], "--resume"),
    ]
    return [{"family": "cli", "name": n, "args": a, "file": "", "expect": e, "says": s,
             "crash": False} for n, a, e, s in rows]


def cases() -> list[dict]:
    """Every command line of the corpus: ``family``, ``name``, ``args``, ``file``, ``expect``
    (allowed exit codes), ``says`` and ``crash``."""
    return (_record_cases("gt", GT_CASES, GT_ACCEPTED)
            + _record_cases("pred", PRED_CASES, PRED_ACCEPTED)
            + _clip_cases() + _frame_cases(list(FRAME_CASES)) + _cli_cases())


def main() -> None:
    if OUT.exists():
        shutil.rmtree(OUT)
    for kind, base, table in (("gt", GT, GT_CASES), ("pred", PRED, PRED_CASES)):
        (OUT / kind).mkdir(parents=True)
        for name, case in table.items():
            (OUT / kind / f"{name}.json").write_bytes(_text(base, case))
    (OUT / "clips").mkdir()
    for name, case in CLIP_CASES.items():
        (OUT / "clips" / f"{name}.jsonl").write_bytes(_text(None, case))
    _frames(OUT)
    for v in GT["videos"]:                      # frames of the base GT, for viz
        for f, name in enumerate(v["file_names"]):
            path = OUT / "images" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(_jpeg((W, H), f))
    (OUT / "run_dir").mkdir()
    (OUT / "run_dir" / "metrics.jsonl").write_text("")
    print(f"{len(cases())} command lines on the files in {OUT}")


if __name__ == "__main__":
    main()
