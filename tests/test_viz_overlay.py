"""vistoolkit.viz.overlay and ``vistool viz``: dedupe, colour matching, drawing, files, errors."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import box_rle, make_gt, make_pred
from PIL import Image

from vistoolkit.cli.main import main
from vistoolkit.cli.viz_cmd import parse_frames
from vistoolkit.data.records import PredTrack
from vistoolkit.data.ytvis_io import parse_dataset
from vistoolkit.viz.overlay import (
    GAP,
    PALETTE,
    blend_mask,
    distinct_predictions,
    match_colours,
)

H, W, L = 16, 20, 3
LEFT = box_rle(H, W, 2, 2, 8, 8)
RIGHT = box_rle(H, W, 4, 12, 12, 18)


def _gt() -> dict:
    return make_gt([(1, H, W, L), (2, H, W, 2)], [
        {"id": 1, "video_id": 1, "category_id": 1, "segmentations": [LEFT, LEFT, None]},
        {"id": 2, "video_id": 1, "category_id": 2, "segmentations": [RIGHT, RIGHT, RIGHT]},
    ])


def _dataset(tmp_path, write_json):
    """GT file ``valid.json`` with frames in ``valid/JPEGImages`` (grey, video 1 only)."""
    gt = write_json("valid.json", _gt())
    for f in range(L):
        path = tmp_path / "valid" / "JPEGImages" / f"v1/{f:05d}.jpg"
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(np.full((H, W, 3), 128, dtype=np.uint8)).save(path)
    return gt


def _pred(score, segs, cat=1, index=0):
    return PredTrack(video_id=1, category_id=cat, score=score, segmentations=tuple(segs),
                     index=index)


def test_distinct_predictions_keeps_best_entry_per_mask_sequence():
    a1 = _pred(0.3, [LEFT] * 3, cat=1, index=0)
    a2 = _pred(0.9, [LEFT] * 3, cat=2, index=1)      # same masks, better label
    b = _pred(0.5, [RIGHT] * 3, index=2)
    c = _pred(0.05, [None, RIGHT, None], index=3)
    assert distinct_predictions([a1, a2, b, c], top=10) == [a2, b, c]
    assert distinct_predictions([a1, a2, b, c], top=1) == [a2]
    assert distinct_predictions([a1, a2, b, c], top=10, min_score=0.1) == [a2, b]


def test_match_colours_follow_ground_truth_track():
    data = parse_dataset(_gt())
    video, gts = data.videos[0], data.tracks_by_video()[1]
    on_right = _pred(0.9, [RIGHT] * 3, cat=1)         # wrong category still matches track 1
    on_left = _pred(0.8, [LEFT, LEFT, None])
    stray = _pred(0.7, [box_rle(H, W, 12, 0, 16, 4)] * 3)
    assert match_colours(video, gts, [on_right, stray, on_left]) == [1, 2, 0]
    assert match_colours(video, gts, [on_right], match_iou=1.01) == [2]
    assert match_colours(video, [], [on_right, stray]) == [0, 1]


def test_blend_mask_fills_inside_and_outlines_border():
    image = np.full((5, 5, 3), 100, dtype=np.uint8)
    mask = np.zeros((5, 5), dtype=np.uint8)
    mask[1:4, 1:4] = 1
    out = blend_mask(image, mask, (200, 0, 0), alpha=0.5)
    assert out[2, 2].tolist() == [150, 50, 50]        # interior: 0.5 * 100 + 0.5 * colour
    assert out[1, 1].tolist() == [200, 0, 0]          # border pixel: the colour itself
    assert out[0, 0].tolist() == [100, 100, 100]      # outside: unchanged
    assert image[2, 2].tolist() == [100, 100, 100]    # input untouched


@pytest.mark.parametrize("spec, sheet, expected", [
    (None, False, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]),
    (None, True, [0, 1, 3, 4, 5, 6, 8, 9]),
    ("2:8:3", True, [2, 5]),
    ("::4", False, [0, 4, 8]),
    ("1,3", True, [1, 3]),
])
def test_parse_frames(spec, sheet, expected):
    assert parse_frames(spec, 10, sheet=sheet) == expected


def test_cli_viz_png_sheet_and_gif(tmp_path, write_json):
    gt = _dataset(tmp_path, write_json)
    pred = write_json("pred.json", [make_pred(1, 2, 0.9, [RIGHT, RIGHT, RIGHT]),
                                    make_pred(1, 1, 0.4, [RIGHT, RIGHT, RIGHT]),
                                    make_pred(2, 1, 0.8, [None, None])])
    png = tmp_path / "out.png"
    res = CliRunner().invoke(main, ["viz", str(gt), "--pred", str(pred), "-o", str(png)])
    assert res.exit_code == 0, res.output
    assert res.output == f"wrote {png} (video 1, 3 frames, 2 GT tracks, 1 predictions)\n"
    sheet = np.asarray(Image.open(png).convert("RGB"))
    assert sheet.shape == (3 * (H + 14), 2 * W + GAP, 3)
    # frame 0's panel, bottom edge of RIGHT (row 11; the tags cover rows 0-10): the
    # prediction (right half) has GT track 2's colour, like the track itself (left half)
    panel = sheet[14:14 + H]
    assert panel[11, W + GAP + 15].tolist() == list(PALETTE[1])
    assert panel[11, 15].tolist() == list(PALETTE[1])
    assert panel[14, 15].tolist() == [128, 128, 128]   # below the mask: the frame
    gif = tmp_path / "out.gif"
    res = CliRunner().invoke(main, ["viz", str(gt), "--pred", str(pred), "--frames", "1:",
                                    "-o", str(gif)])
    assert res.exit_code == 0, res.output
    with Image.open(gif) as im:
        assert (im.n_frames, im.size) == (2, (2 * W + GAP, H))
    res = CliRunner().invoke(main, ["viz", str(gt), "--pred", str(pred), "--frames", "0",
                                    "--scale", "3", "-o", str(png)])
    assert res.exit_code == 0, res.output
    big = np.asarray(Image.open(png).convert("RGB"))[14:]
    assert big.shape == (3 * H, 2 * 3 * W + GAP, 3)
    assert big[3 * 11 + 2, 3 * 15].tolist() == list(PALETTE[1])   # same edge pixel, enlarged


def test_cli_viz_errors_are_one_line_exit2_and_write_nothing(tmp_path, write_json):
    gt = _dataset(tmp_path, write_json)
    out = tmp_path / "out.png"
    cases = [
        (["--video", "7"], f"error: {gt}: video id=7: no such video in the annotation file"),
        (["--video", "2"], "video_id=2 frame 0: frame image not found"),
        (["--pred", str(write_json("short.json", [make_pred(1, 1, 0.5, [LEFT])]))],
         "short.json"),
    ]
    for args, expected in cases:
        res = CliRunner().invoke(main, ["viz", str(gt), *args, "-o", str(out)])
        assert res.exit_code == 2, res.output
        assert expected in res.output and res.output.count("\n") == 1, res.output
        assert not out.exists()
    res = CliRunner().invoke(main, ["viz", str(gt), "--frames", "0:9:x", "-o", str(out)])
    assert res.exit_code == 2 and "--frames" in res.output
