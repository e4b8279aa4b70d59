"""DenseVIS: a small VisTR-like frame-wise dense-attention baseline (spec §11, Table 1g)."""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from efficientvis.backbone import (
    PIXEL_MEAN,
    PIXEL_STD,
    BackboneFPN,
    normalize_images,
    real_frame_features,
)
from efficientvis.box_ops import box_cxcywh_to_xyxy
from efficientvis.config import EfficientVISConfig
from efficientvis.outputs import EfficientVISOutput, StageOutput


def sine_position_3d(T: int, H: int, W: int, channels: int, *, device: torch.device | None = None,
                     temperature: float = 10000.0) -> Tensor:
    """Normalised 3D sine encoding (VisTR style): channels split over (t, y, x).

    Returns (T*H*W, channels), token order (t, y, x).
    """
    c_t = c_y = (channels // 3) // 2 * 2
    c_x = channels - c_t - c_y
    parts = []
    for n, c, size in ((0, c_t, T), (1, c_y, H), (2, c_x, W)):
        pos = (torch.arange(size, device=device, dtype=torch.float32) + 0.5) / size * 2 * math.pi
        freq = temperature ** (2 * (torch.arange(c, device=device) // 2) / c)  # (c,)
        enc = pos[:, None] / freq                                            # (size, c)
        enc = torch.stack((enc[:, 0::2].sin(), enc[:, 1::2].cos()), dim=-1).flatten(1)  # (size, c)
        shape = [1, 1, 1, c]
        shape[n] = size
        parts.append(enc.view(shape).expand(T, H, W, c))
    return torch.cat(parts, dim=-1).reshape(T * H * W, channels)            # (T*H*W, channels)


def _mlp(channels: int, out: int, num_layers: int) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i in range(num_layers - 1):
        layers += [nn.Linear(channels, channels), nn.ReLU(inplace=True)]
    return nn.Sequential(*layers, nn.Linear(channels, out))


class DenseVIS(nn.Module):
    """P4 tokens of all T frames + 3D sine PE -> full self-attention encoder -> decoder with T*N
    frame-major learned queries -> per-frame class, box and dot-product stride-4 masks on P2.

    Same inputs and ``EfficientVISOutput`` as EfficientVIS; each decoder layer is one "stage".
    Masks are full-frame logits at stride 4 with ``mask_boxes = (0, 0, W_pad, H_pad)``.
    ``init_queries`` (B, N, C) replace the zero decoder content (DETR tgt) on every frame.
    """

    def __init__(self, *, num_classes: int, backbone: str = "resnet50", pretrained: bool = False,
                 channels: int = 256, num_queries: int = 10, clip_length: int = 36,
                 num_heads: int = 8, ffn_dim: int = 2048, encoder_layers: int = 6,
                 decoder_layers: int = 6, dropout: float = 0.0,
                 backbone_precision: str = "float32") -> None:
        super().__init__()
        self.num_classes, self.num_queries, self.channels = num_classes, num_queries, channels
        self.clip_length = clip_length
        self.register_buffer("pixel_mean", torch.tensor(PIXEL_MEAN), persistent=False)
        self.register_buffer("pixel_std", torch.tensor(PIXEL_STD), persistent=False)
        self.backbone = BackboneFPN(backbone, channels=channels, pretrained=pretrained,
                                    precision=backbone_precision)
        self.input_proj = nn.Conv2d(channels, channels, 1)
        self.mask_proj = nn.Conv2d(channels, channels, 1)
        enc = nn.TransformerEncoderLayer(channels, num_heads, ffn_dim, dropout, batch_first=True)
        self.encoder = nn.TransformerEncoder(enc, encoder_layers, enable_nested_tensor=False)
        self.decoder = nn.ModuleList(
            nn.TransformerDecoderLayer(channels, num_heads, ffn_dim, dropout, batch_first=True)
            for _ in range(decoder_layers))
        self.decoder_norm = nn.LayerNorm(channels)
        self.query_pos = nn.Embedding(clip_length * num_queries, channels)   # frame-major t*N+n
        self.class_head = nn.Linear(channels, num_classes + 1)
        self.box_head = _mlp(channels, 4, 3)
        self.mask_embed = _mlp(channels, channels, 3)

    @classmethod
    def from_config(cls, cfg: EfficientVISConfig) -> DenseVIS:
        """DenseVIS with the backbone, N, T and widths of ``cfg``; M decoder layers."""
        return cls(num_classes=cfg.num_classes, backbone=cfg.backbone, pretrained=cfg.pretrained,
                   channels=cfg.fpn_channels, num_queries=cfg.num_queries,
                   clip_length=cfg.clip_length, num_heads=cfg.num_heads, ffn_dim=cfg.ffn_dim,
                   encoder_layers=cfg.dense_encoder_layers, decoder_layers=cfg.num_stages,
                   dropout=cfg.dropout, backbone_precision=cfg.backbone_precision)

    def initial_queries(self) -> Tensor:
        """Zero decoder content: (N, C)."""
        return self.query_pos.weight.new_zeros(self.num_queries, self.channels)

    def forward(self, images: Tensor, frame_valid: Tensor, image_sizes: Tensor,
                init_queries: Tensor | None = None, *, final_masks_only: bool = False
                ) -> EfficientVISOutput:
        """images: (B, T, 3, H_pad, W_pad) 0..255; frame_valid: (B, T); image_sizes: (B, 2) (H, W);
        init_queries: (B, N, C) or None. Returns ``EfficientVISOutput`` (T <= clip_length).
        ``final_masks_only`` is accepted for EfficientVIS's interface (every layer's masks are
        computed: they come from one dot product)."""
        B, T, _, H_pad, W_pad = images.shape
        N, C = self.num_queries, self.channels
        if T > self.clip_length:
            raise ValueError(f"DenseVIS was built for clips of <= {self.clip_length} frames, got {T}")
        x = normalize_images(images, self.pixel_mean, self.pixel_std)      # (B*T, 3, H_pad, W_pad)
        feats = real_frame_features(self.backbone, x, frame_valid)
        p4 = self.input_proj(feats["p4"])                                   # (B*T, C, h4, w4)
        h4, w4 = p4.shape[-2:]
        src = p4.view(B, T, C, h4 * w4).transpose(2, 3).reshape(B, T * h4 * w4, C)  # (B, T*h4*w4, C)
        src = src + sine_position_3d(T, h4, w4, C, device=src.device).to(src.dtype)
        pad = (~frame_valid)[:, :, None].expand(B, T, h4 * w4).reshape(B, T * h4 * w4)  # (B, T*h4*w4)
        memory = self.encoder(src, src_key_padding_mask=pad)                # (B, T*h4*w4, C)
        content = self.initial_queries()[None].expand(B, N, C) if init_queries is None else init_queries
        tgt = content[:, None].expand(B, T, N, C).reshape(B, T * N, C)      # (B, T*N, C) frame-major
        tgt = tgt + self.query_pos.weight[: T * N][None]                    # (B, T*N, C)
        p2 = self.mask_proj(feats["p2"])                                    # (B*T, C, h2, w2)
        p2 = p2.view(B, T, C, *p2.shape[-2:])                               # (B, T, C, h2, w2)
        hw = image_sizes.to(src.dtype)                                      # (B, 2) (H, W)
        scale = torch.stack((hw[:, 1], hw[:, 0], hw[:, 1], hw[:, 0]), -1)[:, None, None]  # (B,1,1,4)
        full = src.new_tensor([0.0, 0.0, W_pad, H_pad]).expand(B, N, T, 4)  # (B, N, T, 4)
        stages, hs = [], tgt
        for layer in self.decoder:
            hs = layer(hs, memory, memory_key_padding_mask=pad)             # (B, T*N, C)
            h = self.decoder_norm(hs).view(B, T, N, C).transpose(1, 2)      # (B, N, T, C)
            boxes = box_cxcywh_to_xyxy(self.box_head(h).sigmoid()) * scale  # (B, N, T, 4)
            masks = torch.einsum("bntc,btchw->bnthw", self.mask_embed(h), p2)  # (B, N, T, h2, w2)
            stages.append(StageOutput(self.class_head(h), boxes, masks, full))
        queries = self.decoder_norm(hs).view(B, T, N, C).transpose(1, 2)    # (B, N, T, C)
        return EfficientVISOutput(tuple(stages), queries)
