"""``SynthConfig``: every setting of the synthetic benchmark generator, with named presets."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any


@dataclass(frozen=True, slots=True)
class SynthConfig:
    """Everything that shapes a synthetic dataset; build one with ``SynthConfig.preset``.

    Sizes are pixels; radii are fractions of the frame's shorter side; probabilities are per
    instance (``enter``/``leave``/``gap``), per frame (``jump``) or per video (``occluder``).
    ``instance_weights[i]`` is the relative frequency of videos with ``i + 1`` instances.
    """

    name: str = "default"
    seed: int = 0
    num_train_videos: int = 80
    num_valid_videos: int = 25
    height: int = 128
    width: int = 224
    other_sizes: tuple[tuple[int, int], ...] = ()
    other_size_prob: float = 0.0
    min_length: int = 18
    max_length: int = 36
    instance_weights: tuple[float, ...] = (0.2, 0.3, 0.3, 0.2)
    num_categories: int = 8
    same_category_prob: float = 0.5
    enter_prob: float = 0.35
    leave_prob: float = 0.35
    gap_prob: float = 0.15
    jump_prob: float = 0.2
    overlap_prob: float = 0.5
    min_radius: float = 0.12
    max_radius: float = 0.24
    scale_change: float = 0.5
    colour_drift: int = 40
    num_distractors: int = 6
    occluder_prob: float = 0.3
    noise: int = 6
    min_visible: float = 0.02
    fps: int = 6
    jpeg_quality: int = 90

    def __post_init__(self) -> None:
        if not 1 <= self.min_length <= self.max_length:
            raise ValueError(f"need 1 <= min_length <= max_length, got {self.min_length}, "
                             f"{self.max_length}")
        if not 1 <= self.num_categories <= 40:
            raise ValueError(f"num_categories must be in 1..40, got {self.num_categories}")
        if not self.instance_weights or min(self.instance_weights) < 0:
            raise ValueError("instance_weights must be non-empty and non-negative")
        if min(self.height, self.width) < 16:
            raise ValueError(f"frames must be at least 16x16, got {self.height}x{self.width}")

    @property
    def max_instances(self) -> int:
        return len(self.instance_weights)

    def num_videos(self, split: str) -> int:
        """Videos in ``split`` ("train" or "valid")."""
        return self.num_train_videos if split == "train" else self.num_valid_videos

    @classmethod
    def preset(cls, name: str = "default", **overrides: Any) -> SynthConfig:
        """A named preset (``PRESETS``) with keyword overrides, e.g. ``preset("small", seed=3)``."""
        if name not in PRESETS:
            raise ValueError(f"unknown preset {name!r}; choose from {', '.join(PRESETS)}")
        return cls(**{"name": name, **PRESETS[name], **overrides})

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields (tuples become lists), in declaration order."""
        return {f.name: _listify(getattr(self, f.name)) for f in dataclasses.fields(self)}


def _listify(x: Any) -> Any:
    return [_listify(v) for v in x] if isinstance(x, tuple) else x


PRESETS: Mapping[str, Mapping[str, Any]] = MappingProxyType({
    "default": MappingProxyType({}),
    "small": MappingProxyType({
        "num_train_videos": 6, "num_valid_videos": 3, "height": 64, "width": 96,
        "min_length": 10, "max_length": 16, "num_distractors": 3}),
    "large": MappingProxyType({
        "num_train_videos": 300, "num_valid_videos": 60, "height": 360, "width": 640,
        "min_length": 18, "max_length": 48, "instance_weights": (0.15, 0.25, 0.25, 0.15, 0.1, 0.1),
        "num_distractors": 12}),
    # Annotation-only stand-in for YouTube-VIS 2021 valid (421 videos, ~28 frames, ~923 tracks).
    "ytvis2021_val_scale": MappingProxyType({
        "num_train_videos": 0, "num_valid_videos": 421, "height": 720, "width": 1280,
        "other_sizes": ((480, 640), (360, 640), (480, 854)), "other_size_prob": 0.3,
        "min_length": 14, "max_length": 42, "num_categories": 40,
        "instance_weights": (0.4, 0.3, 0.15, 0.08, 0.04, 0.03)}),
})
