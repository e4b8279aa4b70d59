"""vistoolkit.data.split and ``vistool data split``: determinism, disjoint cover, hash recipe."""

from __future__ import annotations

import hashlib
import json

import pytest
from click.testing import CliRunner
from conftest import box_rle, make_gt

from vistoolkit.cli.main import main
from vistoolkit.data.split import split_dataset, val_count, video_ids_hash
from vistoolkit.data.ytvis_io import load_dataset, parse_dataset
from vistoolkit.errors import InputError


def _gt(n: int) -> dict:
    m = box_rle(4, 4, 0, 0, 2, 2)
    return make_gt([(i, 4, 4, 1) for i in range(10, 10 + n)],
                   [{"id": i, "video_id": i, "category_id": 1, "segmentations": [m]}
                    for i in range(10, 10 + n)])


def test_video_ids_hash_recipe_sorted_comma_joined():
    assert video_ids_hash([12, 3, 7]) == hashlib.sha256(b"3,7,12").hexdigest()


@pytest.mark.parametrize("n, frac, expected", [(20, 0.1, 2), (10, 0.25, 2), (3, 0.01, 1),
                                               (2, 0.9, 1), (1, 0.5, 0)])
def test_val_count_rounding_and_clamp(n, frac, expected):
    assert val_count(n, frac) == expected


def test_split_dataset_same_seed_same_split_other_seed_differs():
    ds = parse_dataset(_gt(20))
    a, b = split_dataset(ds, val_fraction=0.2, seed=0), split_dataset(ds, val_fraction=0.2, seed=0)
    c = split_dataset(ds, val_fraction=0.2, seed=1)
    assert a.val_ids == b.val_ids and a.val_hash == b.val_hash
    assert a.val_hash != c.val_hash
    assert len(a.val_ids) == 4 and set(a.val_ids).isdisjoint(a.train_ids)
    assert sorted(a.val_ids + a.train_ids) == list(range(10, 30))


def test_split_dataset_tracks_follow_videos_fields_kept():
    ds = parse_dataset(_gt(10))
    s = split_dataset(ds, val_fraction=0.3, seed=0)
    assert {t.video_id for t in s.val.tracks} == set(s.val_ids)
    assert [v.id for v in s.train.videos] == sorted(s.train_ids)  # file order kept
    assert s.val.categories == ds.categories and s.val.info == ds.info


def test_split_dataset_bad_fraction_raises():
    with pytest.raises(InputError, match=r"--val-fraction must be in \(0, 1\), got 1.5"):
        split_dataset(parse_dataset(_gt(4)), val_fraction=1.5, seed=0)


def test_cli_split_writes_both_prints_hashes(tmp_path, write_json):
    gt = write_json("gt.json", _gt(10))
    res = CliRunner().invoke(main, ["data", "split", str(gt), "--val-fraction", "0.2",
                                    "--seed", "3", "-o", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    train, val = load_dataset(tmp_path / "out/train_sub.json"), load_dataset(tmp_path / "out/val_sub.json")
    tid, vid = sorted(v.id for v in train.videos), sorted(v.id for v in val.videos)
    assert len(vid) == 2 and sorted(tid + vid) == list(range(10, 20))
    assert res.output.splitlines() == [
        f"{tmp_path / 'out/train_sub.json'}: 8 videos, sha256 {video_ids_hash(tid)}",
        f"{tmp_path / 'out/val_sub.json'}: 2 videos, sha256 {video_ids_hash(vid)}"]
    assert json.loads((tmp_path / "out/val_sub.json").read_text())["info"] == {"description": "test"}


def test_cli_split_one_video_error_no_output(tmp_path, write_json):
    gt = write_json("gt.json", _gt(1))
    res = CliRunner().invoke(main, ["data", "split", str(gt), "-o", str(tmp_path / "out")])
    assert res.exit_code == 2
    assert res.stderr == f"error: {gt}: videos: cannot split 1 video(s)\n"
    assert not (tmp_path / "out").exists()
