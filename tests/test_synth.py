"""Synthetic YouTube-VIS generator: determinism, format validity, promised scene properties."""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image
from pycocotools import mask as mask_utils

from vistoolkit.cli.synth_cmd import synth_command
from vistoolkit.data import load_dataset
from vistoolkit.data.rle import decode
from vistoolkit.data.synth import (
    SHAPES,
    SynthConfig,
    ensure_dataset,
    generate,
    make_annotations,
    plan_video,
)
from vistoolkit.data.synth_render import compose
from vistoolkit.data.ytvis_io import dataset_to_json

SMALL = SynthConfig.preset("small")


def _hashes(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def small_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth_small")
    generate(out, SMALL, progress=False)
    return out


@pytest.fixture(scope="module")
def small_sets(small_dir: Path) -> list:
    return [load_dataset(small_dir / f"{split}.json") for split in ("train", "valid")]


def _centre(box: list[float]) -> np.ndarray:
    return np.array([box[0] + box[2] / 2, box[1] + box[3] / 2])


def test_generate_same_seed_identical_bytes(small_dir: Path, small_sets: list,
                                            tmp_path: Path) -> None:
    generate(tmp_path, SMALL, progress=False)
    first, second = _hashes(small_dir), _hashes(tmp_path)
    assert len(first) == 2 + sum(v.length for ds in small_sets for v in ds.videos)
    assert first == second


def test_generate_small_preset_json_matches_golden_digest(small_dir: Path) -> None:
    """Pinned on the development machine: annotations must be identical on every machine."""
    digests = {s: hashlib.sha256((small_dir / f"{s}.json").read_bytes()).hexdigest()
               for s in ("train", "valid")}
    assert digests == {
        "train": "3ae2311309e8f4525bf8461b6d68d4bf9737aff57a7cc30daf654ff3c6bab120",
        "valid": "9cdc43fe5899dcc65743138f9658c915466c0602c654fbc3c14527da6cbf84bf",
    }


def test_generate_other_seed_differs(small_dir: Path, tmp_path: Path) -> None:
    generate(tmp_path, dataclasses.replace(SMALL, seed=1), progress=False)
    first, second = _hashes(small_dir), _hashes(tmp_path)
    assert first["train.json"] != second["train.json"]
    shared = set(first) & set(second) - {"train.json", "valid.json"}
    assert shared and all(first[k] != second[k] for k in shared)


def test_generate_small_preset_json_valid_and_consistent(small_dir: Path, small_sets: list) -> None:
    for split, ds in zip(("train", "valid"), small_sets, strict=True):
        assert [c.id for c in ds.categories] == list(range(1, 9))
        assert [c.name for c in ds.categories] == list(SHAPES)
        assert len(ds.videos) == {"train": 6, "valid": 3}[split]
        videos = ds.video_index()
        for v in ds.videos:
            assert (v.height, v.width, v.extra["fps"]) == (64, 96, 6)
            assert len(v.file_names) == v.length > 9
            img = Image.open(small_dir / split / "JPEGImages" / v.file_names[-1])
            assert (img.format, img.size, img.mode) == ("JPEG", (96, 64), "RGB")
            assert "exif" not in img.info
        for t in ds.tracks:
            v = videos[t.video_id]
            assert t.iscrowd == 0 and 1 <= t.category_id <= 8
            assert len(t.segmentations) == len(t.bboxes) == len(t.areas) == v.length
            assert any(s is not None for s in t.segmentations)
            for seg, box, area in zip(t.segmentations, t.bboxes, t.areas, strict=True):
                if seg is None:
                    assert box is None and area is None
                    continue
                assert seg["size"] == [64, 96] and isinstance(seg["counts"], str)
                rle = {"size": seg["size"], "counts": seg["counts"].encode("ascii")}
                mask = decode(seg, v.height, v.width)
                assert area == int(mask_utils.area(rle)) == int(mask.sum()) > 0
                assert box == [float(b) for b in mask_utils.toBbox(rle)]
                ys, xs = np.nonzero(mask)
                assert box == [xs.min(), ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1]


def test_make_annotations_equals_written_json(small_dir: Path) -> None:
    ds, images = make_annotations(SMALL, "valid")
    assert images is None
    written = json.loads((small_dir / "valid.json").read_text())
    assert dataset_to_json(ds) == written


def test_make_annotations_video_independent_of_video_count() -> None:
    few, _ = make_annotations(dataclasses.replace(SMALL, num_train_videos=2), "train")
    many, _ = make_annotations(SMALL, "train")
    assert few.videos == many.videos[:2]
    assert few.tracks == many.tracks[: len(few.tracks)]


def test_synth_same_category_instances_differ_in_appearance() -> None:
    ds, images = make_annotations(SMALL, "train", render_images=True)
    pairs = 0
    for vid, tracks in ds.tracks_by_video().items():
        frames = images[vid]                                            # (L, H, W, 3)
        for a, b in itertools.combinations(tracks, 2):
            if a.category_id != b.category_id:
                continue
            both = [t for t, (sa, sb) in enumerate(zip(a.segmentations, b.segmentations,
                                                       strict=True)) if sa and sb]
            if not both:
                continue
            t, (h, w) = both[0], frames.shape[1:3]
            mean_a = frames[t][decode(a.segmentations[t], h, w) > 0].mean(axis=0)
            mean_b = frames[t][decode(b.segmentations[t], h, w) > 0].mean(axis=0)
            assert np.abs(mean_a - mean_b).sum() > 20
            pairs += 1
    assert pairs >= 2


def test_synth_tracks_enter_leave_and_return(small_sets: list) -> None:
    tracks = [t for ds in small_sets for t in ds.tracks]
    present = [[s is not None for s in t.segmentations] for t in tracks]
    assert any(not p[0] and any(p) for p in present)                      # enters late
    assert any(p[0] and not p[-1] for p in present)                       # leaves early
    spans = [p[p.index(True):len(p) - p[::-1].index(True)] for p in present]
    assert any(not all(span) for span in spans)                           # leaves and returns


def test_synth_masks_disjoint_and_occlusion_removes_pixels(small_sets: list) -> None:
    occluded = 0
    for split, ds in zip(("train", "valid"), small_sets, strict=True):
        for v in ds.videos:
            tracks = ds.tracks_by_video()[v.id]
            plan = plan_video(SMALL, split, v.id - 1)
            for t in range(v.length):
                masks = np.stack([decode(tr.segmentations[t], v.height, v.width)
                                  for tr in tracks]) if tracks else np.zeros((0, 1, 1))
                assert masks.sum(axis=0).max(initial=0) <= 1              # no pixel twice
                _layers, visible = compose(plan, t, SMALL.min_visible)
                for lay, vis in visible.values():
                    occluded += int(vis.sum() < lay.full.sum())
    assert occluded >= 10


def test_synth_occluded_instance_area_drops(small_sets: list) -> None:
    """Somewhere an instance loses over a third of its area for one frame, then gets it back."""
    drops = 0
    for ds in small_sets:
        for tr in ds.tracks:
            for a0, a1, a2 in zip(tr.areas[:-2], tr.areas[1:-1], tr.areas[2:], strict=True):
                if a0 and a1 and a2 and a1 < 0.66 * min(a0, a2):
                    drops += 1
    assert drops >= 1


def test_synth_fast_motion_jumps_exceed_quarter_width(small_sets: list) -> None:
    jumps = 0
    for ds in small_sets:
        for tr in ds.tracks:
            width = ds.video_index()[tr.video_id].width
            for b0, b1 in zip(tr.bboxes[:-1], tr.bboxes[1:], strict=True):
                if b0 and b1 and np.abs(_centre(b0) - _centre(b1))[0] > 0.25 * width:
                    jumps += 1
    assert jumps >= 5


def test_synth_val_scale_preset_sizes_and_categories() -> None:
    full = SynthConfig.preset("ytvis2021_val_scale")
    assert (full.num_valid_videos, full.num_categories, full.height, full.width) == (421, 40, 720,
                                                                                       1280)
    ds, _ = make_annotations(dataclasses.replace(full, num_valid_videos=6), "valid")
    assert len(ds.categories) == 40 and ds.categories[8].name == "disc_2"
    sizes = {(v.height, v.width) for v in ds.videos}
    assert sizes <= {(720, 1280), (480, 640), (360, 640), (480, 854)}
    for tr in ds.tracks:
        v = ds.video_index()[tr.video_id]
        assert all(s["size"] == [v.height, v.width] for s in tr.segmentations if s is not None)


def test_synth_config_preset_unknown_raises_and_overrides_apply() -> None:
    with pytest.raises(ValueError, match="unknown preset 'huge'"):
        SynthConfig.preset("huge")
    cfg = SynthConfig.preset("large", seed=7)
    assert (cfg.name, cfg.seed, cfg.height, cfg.width, cfg.max_instances) == ("large", 7, 360, 640,
                                                                              6)
    with pytest.raises(ValueError, match="min_length"):
        SynthConfig.preset("small", min_length=5, max_length=4)


def test_synth_command_writes_files_and_prints_summary(tmp_path: Path) -> None:
    result = CliRunner().invoke(synth_command, [str(tmp_path), "--preset", "small", "--seed", "0",
                                                "--no-progress"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith(f"wrote {tmp_path} (preset small, seed 0, 64x96, 8 categories)")
    assert lines[1].startswith("  train: 6 videos, 74 frames, 17 tracks, 172 masks")
    assert lines[2].startswith("  valid: 3 videos, 46 frames, 9 tracks, 120 masks")
    assert (tmp_path / "train.json").is_file() and (tmp_path / "valid.json").is_file()
    assert (tmp_path / "valid" / "JPEGImages" / "valid0000" / "00000.jpg").is_file()


def test_synth_command_bad_preset_exits_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(synth_command, [str(tmp_path), "--preset", "huge"])
    assert result.exit_code == 2
    assert "Invalid value for '--preset': 'huge' is not one of" in result.output


def test_ensure_dataset_existing_not_regenerated(tmp_path: Path) -> None:
    assert ensure_dataset(tmp_path, "small", progress=False) == tmp_path
    stamp = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file()}
    assert ensure_dataset(tmp_path, "small", progress=False) == tmp_path
    assert {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file()} == stamp
    (tmp_path / "valid.json").unlink()
    ensure_dataset(tmp_path, "small", progress=False)
    assert (tmp_path / "valid.json").is_file()
