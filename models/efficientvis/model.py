"""EfficientVIS model (paper §3.1) and ``build_model`` (the only reader of the config)."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from efficientvis.backbone import (
    PIXEL_MEAN,
    PIXEL_STD,
    BackboneFPN,
    normalize_images,
    real_frame_features,
)
from efficientvis.config import EfficientVISConfig
from efficientvis.dense_baseline import DenseVIS
from efficientvis.outputs import EfficientVISOutput, StageOutput
from efficientvis.stage import EfficientVISStage
from efficientvis.tracklet_query import TrackletProposal, TrackletQuery

__all__ = ["EfficientVIS", "EfficientVISOutput", "StageOutput", "build_model"]


class EfficientVIS(nn.Module):
    """Backbone+FPN, tracklet query/proposal and M stages with separate weights (spec §2).
    ``reread_stage`` (1-based, 0 = none): that stage starts from the proposals again.

    Call ``model(images, frame_valid, image_sizes, init_queries=None) -> EfficientVISOutput``;
    the same output in train and eval, no loss. T-agnostic (the last clip may be shorter).
    """

    def __init__(self, *, backbone: BackboneFPN, stages: Sequence[EfficientVISStage],
                 num_queries: int, zero_box_deltas: bool = False, reread_stage: int = 0
                 ) -> None:
        super().__init__()
        self.reread_stage = reread_stage      # 1-based; 0 = every stage refines the last boxes
        self.num_queries, self.channels = num_queries, backbone.channels
        self.num_classes = stages[0].num_classes
        self.register_buffer("pixel_mean", torch.tensor(PIXEL_MEAN), persistent=False)
        self.register_buffer("pixel_std", torch.tensor(PIXEL_STD), persistent=False)
        self.backbone = backbone
        self.tracklet_query = TrackletQuery(num_queries, self.channels)
        self.tracklet_proposal = TrackletProposal(num_queries)
        self.stages = nn.ModuleList(stages)   # M stages, separate weights (spec §2)
        self.reset_parameters(zero_box_deltas=zero_box_deltas)

    def reset_parameters(self, *, zero_box_deltas: bool = False) -> None:
        """Xavier-uniform for every stage parameter with dim > 1 (spec §2); whole-frame proposals.
        ``zero_box_deltas``: each stage's last box layer starts at zero, so that it first returns
        its input boxes (config ``box_delta_init="zero"``). Box position embeddings start as the
        identity."""
        for p in self.stages.parameters():
            if p.dim() > 1:
                nn.init.xavier_uniform_(p)
        if zero_box_deltas:
            for stage in self.stages:
                nn.init.zeros_(stage.box_head.deltas.weight)
                nn.init.zeros_(stage.box_head.deltas.bias)
        for stage in self.stages:
            if stage.box_embed is not None:
                stage.box_embed.reset_parameters()                        # identity at init
        self.tracklet_proposal.reset_parameters()

    def initial_queries(self) -> Tensor:
        """q*: (N, C), for re-initialising slots at inference."""
        return self.tracklet_query.initial()

    def forward(self, images: Tensor, frame_valid: Tensor, image_sizes: Tensor,
                init_queries: Tensor | None = None, *, final_masks_only: bool = False
                ) -> EfficientVISOutput:
        """Segment and track every tracklet of a clip batch.

        Args:
            images: (B, T, 3, H_pad, W_pad) RGB 0..255, H_pad and W_pad multiples of 32.
            frame_valid: (B, T) bool, True on real frames.
            image_sizes: (B, 2) int64 (H, W) unpadded size.
            init_queries: (B, N, C) handed-over queries, or None for q*.
            final_masks_only: masks of the last stage only (inference); earlier stages' ``masks``
                are None, everything else is the same.

        Returns:
            ``EfficientVISOutput`` with M ``StageOutput`` and the final queries (B, N, T, C).
        """
        B, T = images.shape[:2]
        x = normalize_images(images, self.pixel_mean, self.pixel_std)      # (B*T, 3, H_pad, W_pad)
        feats = list(real_frame_features(self.backbone, x, frame_valid).values())
        q = self.tracklet_query(B, T, init_queries)                        # (B, N, T, C)
        proposals = self.tracklet_proposal(image_sizes, T)                 # (B, N, T, 4)
        boxes, outputs = proposals, []
        for m, stage in enumerate(self.stages, start=1):
            if m == self.reread_stage:            # re-read the whole frame with informed queries
                boxes = proposals
            with_masks = not final_masks_only or m == len(self.stages)
            q, out = stage(q, boxes, feats, frame_valid, with_masks=with_masks)
            boxes = out.boxes.detach()                                     # spec §2: detached proposals
            outputs.append(out)
        return EfficientVISOutput(tuple(outputs), q)


def build_model(cfg: EfficientVISConfig) -> nn.Module:
    """EfficientVIS or DenseVIS (``cfg.architecture``) with every ablation switch from ``cfg``."""
    if cfg.architecture == "dense":
        return DenseVIS.from_config(cfg)
    stages = [EfficientVISStage(
        channels=cfg.fpn_channels, num_classes=cfg.num_classes, num_heads=cfg.num_heads,
        ffn_dim=cfg.ffn_dim, dynamic_dim=cfg.dynamic_dim, box_roi=cfg.box_roi,
        mask_roi=cfg.mask_roi, mask_out=cfg.mask_out, mask_convs=cfg.mask_convs,
        mask_norm=cfg.mask_norm, sampling_ratio=cfg.sampling_ratio, attention=cfg.attention,
        temporal_tdc=cfg.tdc == "temporal", shared_query=cfg.query == "shared",
        dropout=cfg.dropout, tdc_embed=cfg.tdc_embed,
        box_embed=cfg.box_embed) for _ in range(cfg.num_stages)]
    backbone = BackboneFPN(cfg.backbone, channels=cfg.fpn_channels, pretrained=cfg.pretrained,
                           precision=cfg.backbone_precision)
    return EfficientVIS(backbone=backbone, stages=stages, num_queries=cfg.num_queries,
                        zero_box_deltas=cfg.box_delta_init == "zero",
                        reread_stage=cfg.reread_stage)
