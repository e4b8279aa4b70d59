"""EfficientVISConfig: one frozen config with the presets `paper`, `tiny`, `micro` (spec §0).

Only `build_model(cfg)` (and the `from_config` constructors of the criterion, the dataset and
`efficientvis.engine.inference.InferenceSettings`) read it; modules take explicit keyword
arguments. Every Table 1 ablation switch is a field (spec §10).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

_CHOICES: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "backbone": ("resnet50", "resnet101", "resnet18", "micro"),
    "attention": ("ftsa", "spatial", "temporal", "joint"),
    "tdc": ("temporal", "still"),
    "query": ("disentangled", "shared"),
    "architecture": ("efficientvis", "dense"),
    "mask_norm": ("bn", "gn"),
    "label_mode": ("topk", "argmax"),
    "box_delta_init": ("xavier", "zero"),
    "backbone_precision": ("float32", "bfloat16"),
})


@dataclass(frozen=True)
class EfficientVISConfig:
    """Model, loss-weight and inference settings of EfficientVIS (defaults = `paper`).

    Tensor letters: K = num_classes (background index K), C = fpn_channels, N = num_queries,
    T = clip_length, M = num_stages.
    """

    name: str = "paper"
    # model (spec §1-§5)
    num_classes: int = 40
    backbone: str = "resnet50"
    pretrained: bool = False
    fpn_channels: int = 256
    num_queries: int = 10
    clip_length: int = 36
    num_stages: int = 6
    num_heads: int = 8
    ffn_dim: int = 2048
    dynamic_dim: int = 64
    box_roi: int = 7
    mask_roi: int = 14
    mask_out: int = 28
    mask_convs: int = 4
    mask_norm: str = "bn"
    sampling_ratio: int = 2
    dropout: float = 0.0
    tdc_embed: bool = False
    # each stage adds an embedding of its input boxes to the queries before FTSA (starts as the
    # identity); False = the paper; a CPU-recipe deviation, docs/model.md
    box_embed: bool = False
    # last box-regression layer: "xavier" like every stage weight (spec §2), or "zero" (each
    # stage first returns its input boxes); a CPU-recipe deviation, docs/model.md
    box_delta_init: str = "xavier"
    # 1-based stage that starts again from the tracklet proposals (the whole frame) with the
    # queries of the stage before, instead of refining that stage's boxes; 0 = none (the
    # paper); a CPU-recipe deviation, docs/model.md
    reread_stage: int = 0
    # backbone + FPN arithmetic: "bfloat16" runs them under autocast (about 2x faster on a
    # CPU with AVX512-BF16; features returned as float32); a CPU-recipe option, docs/model.md
    backbone_precision: str = "float32"
    input_short: int = 360
    input_max_long: int = 640
    # Table 1 ablation switches (spec §10)
    attention: str = "ftsa"
    tdc: str = "temporal"
    query: str = "disentangled"
    correspondence_learning: bool = True
    cl_detach: bool = False
    architecture: str = "efficientvis"
    multi_scale: bool = False
    dense_encoder_layers: int = 6
    # loss weights (spec §5-§6)
    class_weight: float = 2.0
    l1_weight: float = 5.0
    giou_weight: float = 2.0
    bce_weight: float = 1.0
    dice_weight: float = 8.0
    eos_coef: float = 0.1
    mask_iou_cost: float = 2.0
    # inference (spec §8)
    tau_bg: float = 0.05
    k_reinit: int = 3
    top_k: int = 10
    label_mode: str = "topk"
    gate_absent_frames: bool = False
    # video IoU above which a (track, class) pair that repeats a better-scored track of the
    # same class is dropped; None = never (the paper); a CPU-recipe deviation, docs/model.md
    track_nms_iou: float | None = None

    def __post_init__(self) -> None:
        for field, choices in _CHOICES.items():
            if getattr(self, field) not in choices:
                raise ValueError(f"{field}={getattr(self, field)!r}; choose from {', '.join(choices)}")
        for field in ("num_classes", "fpn_channels", "num_queries", "clip_length", "num_stages",
                      "num_heads", "ffn_dim", "dynamic_dim", "box_roi", "mask_roi", "mask_out"):
            if getattr(self, field) < 1:
                raise ValueError(f"{field} must be >= 1, got {getattr(self, field)}")
        if self.reread_stage and not 2 <= self.reread_stage <= self.num_stages:
            raise ValueError(f"reread_stage={self.reread_stage} must be 0 or a stage after the "
                             f"first (2..{self.num_stages})")
        if self.track_nms_iou is not None and not 0.0 <= self.track_nms_iou <= 1.0:
            raise ValueError(f"track_nms_iou={self.track_nms_iou} must be None or in [0, 1]")
        if self.fpn_channels % self.num_heads:
            raise ValueError(f"fpn_channels={self.fpn_channels} not divisible by "
                             f"num_heads={self.num_heads}")
        if self.mask_out % self.mask_roi:
            raise ValueError(f"mask_out={self.mask_out} must be a multiple of mask_roi={self.mask_roi}")

    @classmethod
    def preset(cls, name: str = "paper", **overrides: Any) -> EfficientVISConfig:
        """A named preset (``PRESETS``) with keyword overrides, e.g. ``preset("tiny", tdc="still")``."""
        if name not in PRESETS:
            raise ValueError(f"unknown preset {name!r}; choose from {', '.join(PRESETS)}")
        return cls(**{"name": name, **PRESETS[name], **overrides})

    def replace(self, **changes: Any) -> EfficientVISConfig:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields in declaration order (a checkpoint stores this)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> EfficientVISConfig:
        """Inverse of ``to_dict``; unknown keys raise ValueError. Fields that ``d`` lacks (a
        checkpoint older than the field) take the value of the preset named by ``d["name"]``."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise ValueError(f"unknown EfficientVISConfig fields: {', '.join(unknown)}")
        return cls(**{**PRESETS.get(d.get("name", "paper"), {}), **d})


PRESETS: Mapping[str, Mapping[str, Any]] = MappingProxyType({
    # spec §0 `paper`: ResNet-50-FPN 256, N=10, T=36, M=6, h=8, F=2048, D=64, RoI 7/14, mask 28.
    "paper": MappingProxyType({}),
    # spec §0 `tiny`: CPU demo/benchmark; ResNet-18, C=64, N=5, T=4, M=2, 96x128 frames;
    # duplicate tracks suppressed at video IoU 0.5 (docs/model.md).
    "tiny": MappingProxyType({
        "num_classes": 8, "backbone": "resnet18", "fpn_channels": 64, "num_queries": 5,
        "clip_length": 4, "num_stages": 2, "num_heads": 4, "ffn_dim": 256, "dynamic_dim": 16,
        "mask_norm": "gn", "input_short": 96, "input_max_long": 128, "dense_encoder_layers": 2,
        "track_nms_iou": 0.5}),
    # spec §0 `micro`: unit tests; plain 4-stage CNN, C=32, N=3, T=3, M=2, RoI 4/8, mask 16, 64x64.
    "micro": MappingProxyType({
        "num_classes": 3, "backbone": "micro", "fpn_channels": 32, "num_queries": 3,
        "clip_length": 3, "num_stages": 2, "num_heads": 2, "ffn_dim": 64, "dynamic_dim": 8,
        "box_roi": 4, "mask_roi": 8, "mask_out": 16, "mask_norm": "gn",
        "input_short": 64, "input_max_long": 64, "dense_encoder_layers": 1}),
})
