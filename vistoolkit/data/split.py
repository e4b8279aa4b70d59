"""Deterministic train_sub / val_sub split of an annotation file by video.

Recipe (so that two users can check they hold the same split): sort the video ids, permute them
with ``numpy.random.default_rng(seed).permutation``, take the first ``round(val_fraction * n)``
(Python ``round``, at least 1 and at most n-1 when n > 1) as val_sub, the rest as train_sub.
The fingerprint of a split is ``sha256(",".join(str(id) for id in sorted(ids)))`` (hex).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from vistoolkit.data.records import Dataset
from vistoolkit.data.ytvis_io import save_dataset
from vistoolkit.errors import InputError


@dataclass(frozen=True, slots=True)
class Split:
    """The two halves of a split; ``*_ids`` are sorted video ids."""

    train: Dataset
    val: Dataset
    train_ids: tuple[int, ...]
    val_ids: tuple[int, ...]

    @property
    def train_hash(self) -> str:
        return video_ids_hash(self.train_ids)

    @property
    def val_hash(self) -> str:
        return video_ids_hash(self.val_ids)


def video_ids_hash(ids: object) -> str:
    """sha256 hex of the sorted, comma-joined decimal video ids (e.g. ``"3,7,12"``)."""
    text = ",".join(str(i) for i in sorted(ids))  # type: ignore[call-overload]
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def val_count(n: int, val_fraction: float) -> int:
    """Number of val videos: ``round(val_fraction * n)``, clamped to [1, n-1] when n > 1."""
    k = round(val_fraction * n)
    return min(max(k, 1), n - 1) if n > 1 else k


def subset(ds: Dataset, video_ids: set[int]) -> Dataset:
    """The videos in ``video_ids`` (file order) and their tracks; every other field kept."""
    return replace(ds, videos=tuple(v for v in ds.videos if v.id in video_ids),
                   tracks=tuple(t for t in ds.tracks if t.video_id in video_ids))


def split_dataset(ds: Dataset, *, val_fraction: float, seed: int,
                  path: Path | str | None = None) -> Split:
    """Split ``ds`` by video as described in the module docstring.

    Raises:
        InputError: ``val_fraction`` outside (0, 1) or fewer than 2 videos.
    """
    if not 0.0 < val_fraction < 1.0:
        raise InputError(f"--val-fraction must be in (0, 1), got {val_fraction}", path=path)
    ids = sorted(v.id for v in ds.videos)
    if len(ids) < 2:
        raise InputError(f"cannot split {len(ids)} video(s)", path=path, where="videos")
    order = np.random.default_rng(seed).permutation(len(ids))
    shuffled = [ids[i] for i in order]
    k = val_count(len(ids), val_fraction)
    val_ids, train_ids = set(shuffled[:k]), set(shuffled[k:])
    return Split(train=subset(ds, train_ids), val=subset(ds, val_ids),
                 train_ids=tuple(sorted(train_ids)), val_ids=tuple(sorted(val_ids)))


def write_split(split: Split, out_dir: Path | str) -> tuple[Path, Path]:
    """Write ``out_dir/train_sub.json`` and ``out_dir/val_sub.json`` (atomically each)."""
    out_dir = Path(out_dir)
    train_path, val_path = out_dir / "train_sub.json", out_dir / "val_sub.json"
    save_dataset(split.train, train_path)
    save_dataset(split.val, val_path)
    return train_path, val_path
