"""Backbone pre-training on object crops: the synthetic stand-in for ImageNet pre-training.

The paper starts every model from ImageNet weights (spec §1); without them a CPU run has to learn
the object categories and the tracklet machinery at once. ``CropPretrainer`` teaches the same
``BackboneFPN`` the model uses to name the object at the centre of a crop (classification from the
pooled pyramid) and to outline it (a mask predicted from P2), so that the weights it leaves in
``backbone.*`` can start, or stay fixed under, every EfficientVIS run.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from efficientvis.backbone import LEVELS, BackboneFPN


class CropPretrainer(nn.Module):
    """``BackboneFPN`` + a linear classifier on the pooled P2..P5 and a 1x1 mask predictor on P2.

    The backbone sits under the attribute ``backbone``, as in ``EfficientVIS``, so a checkpoint of
    this module loads into the model with ``engine.checkpoint.load_backbone``.
    """

    def __init__(self, backbone: str, *, channels: int, num_classes: int,
                 pretrained: bool = False) -> None:
        super().__init__()
        self.backbone = BackboneFPN(backbone, channels=channels, pretrained=pretrained)
        self.classifier = nn.Linear(len(LEVELS) * channels, num_classes)
        self.mask = nn.Conv2d(channels, 1, 1)

    def forward(self, crops: Tensor) -> tuple[Tensor, Tensor]:
        """crops: (P, 3, S, S) normalised. Returns class logits (P, K) and mask logits
        (P, S/4, S/4) of the centre object."""
        feats = self.backbone(crops)
        pooled = torch.cat([f.mean((2, 3)) for f in feats.values()], dim=1)   # (P, 4C)
        return self.classifier(pooled), self.mask(feats["p2"])[:, 0]


def crop_pretrain_loss(class_logits: Tensor, mask_logits: Tensor, labels: Tensor,
                       masks: Tensor) -> dict[str, Tensor]:
    """Cross-entropy on the crop's category and per-pixel BCE on its centre object's mask.

    class_logits: (P, K); mask_logits: (P, h, w); labels: (P,) long in 0..K-1; masks:
    (P, S, S) {0, 1}, average-pooled to (h, w) soft targets.
    """
    target = F.adaptive_avg_pool2d(masks[:, None].float(), mask_logits.shape[-2:])[:, 0]
    return {"loss_class": F.cross_entropy(class_logits, labels),
            "loss_mask": F.binary_cross_entropy_with_logits(mask_logits, target)}
