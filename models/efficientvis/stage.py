"""One EfficientVIS query-video interaction stage (spec §2 pseudo-code)."""

from __future__ import annotations

from contextlib import nullcontext
from functools import partial

import torch
from torch import Tensor, nn

from efficientvis.box_embedding import BoxPositionEmbedding
from efficientvis.box_ops import apply_deltas
from efficientvis.ftsa import FactorisedTemporoSpatialAttention
from efficientvis.heads import BoxHead, ClassHead, MaskHead, QueryUpdate
from efficientvis.outputs import StageOutput
from efficientvis.roi import multilevel_roi_align
from efficientvis.tdc import TemporalDynamicConv
from efficientvis.tracklet_query import handover_queries


class EfficientVISStage(nn.Module):
    """FTSA -> box RoI -> TDC_box -> query update -> class/box heads -> b_new -> mask RoI at
    detached b_new -> TDC_mask -> mask head (Sparse R-CNN / QueryInst order, spec §2, §12.1).

    ``shared_query`` is the Table 1f time-shared query: the query passed on is its time average
    repeated over T (spec §10f); the heads still read per-frame queries. ``box_embed``: the
    queries first get a position embedding of the stage's input boxes (off in the paper).
    """

    def __init__(self, *, channels: int, num_classes: int, num_heads: int, ffn_dim: int,
                 dynamic_dim: int, box_roi: int, mask_roi: int, mask_out: int, mask_convs: int = 4,
                 mask_norm: str = "bn", sampling_ratio: int = 2, attention: str = "ftsa",
                 temporal_tdc: bool = True, shared_query: bool = False, dropout: float = 0.0,
                 tdc_embed: bool = False, box_embed: bool = False) -> None:
        super().__init__()
        self.box_roi, self.mask_roi, self.sampling_ratio = box_roi, mask_roi, sampling_ratio
        self.shared_query, self.num_classes = shared_query, num_classes
        self.box_embed = BoxPositionEmbedding(channels) if box_embed else None
        self.attention = FactorisedTemporoSpatialAttention(channels, num_heads, variant=attention,
                                                           dropout=dropout)
        self.tdc_box = TemporalDynamicConv(channels, dynamic_dim, box_roi, temporal=temporal_tdc,
                                           with_proj=True, embed=tdc_embed)
        self.tdc_mask = TemporalDynamicConv(channels, dynamic_dim, mask_roi, temporal=temporal_tdc,
                                            with_proj=False, embed=tdc_embed)
        self.update = QueryUpdate(channels, ffn_dim, dropout=dropout)
        self.class_head = ClassHead(channels, num_classes)
        self.box_head = BoxHead(channels)
        self.mask_head = MaskHead(channels, roi_size=mask_roi, out_size=mask_out,
                                  num_convs=mask_convs, norm=mask_norm)

    def forward(self, q: Tensor, boxes: Tensor, features: list[Tensor],
                frame_valid: Tensor, *, with_masks: bool = True) -> tuple[Tensor, StageOutput]:
        """One stage.

        Args:
            q: (B, N, T, C) tracklet queries.
            boxes: (B, N, T, 4) ``xyxy`` tracklet proposals (detached).
            features: [P2..P5], P_l: (B*T, C, H/2^l, W/2^l).
            frame_valid: (B, T) bool, True on real frames.
            with_masks: False skips the mask branch (``masks`` is then None): inference reads
                only the last stage's masks, and no stage's queries depend on them.

        Returns:
            Next queries (B, N, T, C) and this stage's ``StageOutput``.
        """
        B, N, T, C = q.shape
        if self.box_embed is not None:                                     # config box_embed
            q = self.box_embed(q, boxes, (4 * features[0].shape[-2], 4 * features[0].shape[-1]))
        q_a = self.attention(q, frame_valid)                               # Eq. 1-2: (B, N, T, C)
        x = multilevel_roi_align(features, boxes, output_size=self.box_roi,
                                 sampling_ratio=self.sampling_ratio)       # (B, N, T, C, Rb, Rb)
        u = self.tdc_box(q_a, x, frame_valid)                              # Eq. 3: (B, N, T, C)
        q_new = self.update(q_a, u)                                        # (B, N, T, C)
        logits = self.class_head(q_new)                                    # (B, N, T, K+1)
        b_new = apply_deltas(self.box_head(q_new), boxes)                  # (B, N, T, 4)
        mask_boxes = b_new.detach()                                        # spec §2: QI detached
        if self.shared_query:                                              # spec §10f
            q_new = handover_queries(q_new, frame_valid)[:, :, None].expand(B, N, T, C)  # (B, N, T, C)
        if not with_masks:
            return q_new, StageOutput(logits, b_new, None, mask_boxes)
        xm = multilevel_roi_align(features, mask_boxes, output_size=self.mask_roi,
                                  sampling_ratio=self.sampling_ratio)      # (B, N, T, C, Rm, Rm)
        on_demand = torch.is_grad_enabled() and self.mask_head.per_sample  # StageOutput.masks_at
        with torch.no_grad() if on_demand else nullcontext():
            om = self.tdc_mask(q_a, xm, frame_valid)                       # Eq. 3: (B, N, T, C, Rm, Rm)
            masks = self._real_frame_masks(om.flatten(0, 2), frame_valid, N)   # (B*N*T, S, S)
        masks_at = partial(self._masks_at, q_a, xm, frame_valid) if on_demand else None
        masks = masks.view(B, N, T, *masks.shape[-2:])                     # (B, N, T, S, S)
        return q_new, StageOutput(logits, b_new, masks, mask_boxes, masks_at)

    def _masks_at(self, q_a: Tensor, xm: Tensor, frame_valid: Tensor, b: Tensor, n: Tensor,
                  t: Tensor) -> Tensor:
        """Mask logits (E, S, S) of entries (b, n, t) with gradient (TDC_mask and mask head run
        for those entries only), 0 on padded frames.

        q_a: (B, N, T, C) queries after FTSA; xm: (B, N, T, C, Rm, Rm) mask RoI features;
        b, n, t: (E,) int64.
        """
        om = self.tdc_mask.at(q_a, xm, frame_valid, b, n, t)              # Eq. 3: (E, C, Rm, Rm)
        out = self.mask_head(om)                                           # (E, S, S)
        return out * frame_valid[b, t][:, None, None].to(out.dtype)       # (E, S, S)

    def _real_frame_masks(self, feats: Tensor, frame_valid: Tensor, num_queries: int) -> Tensor:
        """Mask head on RoIs of real frames only (keeps padding out of BatchNorm statistics).

        feats: (B*N*T, C, Rm, Rm); frame_valid: (B, T). Returns (B*N*T, S, S), 0 on padded frames.
        """
        B, T = frame_valid.shape
        real = frame_valid[:, None, :].expand(B, num_queries, T).reshape(-1)  # (B*N*T,)
        if bool(real.all()):
            return self.mask_head(feats)                                   # (B*N*T, S, S)
        out = self.mask_head(feats[real])                                  # (R, S, S)
        full = out.new_zeros((real.shape[0], *out.shape[1:]))              # (B*N*T, S, S)
        full[real] = out
        return full
