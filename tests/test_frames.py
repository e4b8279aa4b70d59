"""``vistoolkit.data.frames``: the frame-list checks and the one frame reader, on each
dataset-directory failure of the fuzz corpus (``tests/fuzz/corpus/frames``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from vistoolkit.data.frames import check_frame_dataset, frame_problems, open_frame
from vistoolkit.data.ytvis_io import load_dataset
from vistoolkit.errors import InputError

FRAMES = Path(__file__).resolve().parent / "fuzz" / "corpus" / "frames"


def _case(name: str):
    root = FRAMES / name
    return root, load_dataset(root / "train.json")


def test_frames_ok_reads_rgb_of_the_video_size() -> None:
    root, ds = _case("ok")
    check_frame_dataset(ds, path=root / "train.json")
    video = ds.videos[0]
    img = open_frame(root / "train" / "JPEGImages", video, 1)
    assert img.mode == "RGB" and img.size == (video.width, video.height)


@pytest.mark.parametrize("name,words", [
    ("corrupt_jpeg", "cannot read the frame image"), ("truncated_jpeg", "cannot read"),
    ("empty_jpeg", "cannot read"), ("directory", "is a directory"),
    ("bomb", "DecompressionBombError"), ("wrong_size", "the annotation says 32x24"),
])
def test_frames_unreadable_frame_is_one_input_error(name: str, words: str) -> None:
    root, ds = _case(name)
    check_frame_dataset(ds, path=root / "train.json")          # the lists are fine
    with pytest.raises(InputError, match=words) as info:
        open_frame(root / "train" / "JPEGImages", ds.videos[0], 0)
    assert "video_id=1 frame 0" in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize("name,words", [
    ("int_file_name", "not a non-empty string"), ("fewer_file_names", "1 file_names for a 2"),
    ("length_0", "frame"), ("dotdot", "outside the image directory"),
    ("absolute", "outside the image directory"), ("duplicate_video_ids", "video id 1 appears"),
    ("bad_rle", "undecodable RLE"),
])
def test_frames_bad_frame_list_refused_before_reading(name: str, words: str) -> None:
    root, ds = _case(name)
    with pytest.raises(InputError, match=words):
        check_frame_dataset(ds, path=root / "train.json")


def test_frames_inference_checks_videos_not_masks() -> None:
    root, ds = _case("bad_rle")
    assert check_frame_dataset(ds, path=root, tracks=False) is ds
    assert frame_problems(_case("dotdot")[1].videos)[0].kind == "frames"
