"""``box_delta_init``: "zero" makes every stage first return its input boxes."""

from __future__ import annotations

import pytest
import torch
from efficientvis.config import EfficientVISConfig
from efficientvis.model import build_model


def test_zero_box_deltas_return_the_proposals() -> None:
    torch.manual_seed(0)
    cfg = EfficientVISConfig.preset("micro", box_delta_init="zero")
    model = build_model(cfg).eval()
    images = torch.rand(1, cfg.clip_length, 3, 64, 64) * 255
    with torch.no_grad():
        out = model(images, torch.ones(1, cfg.clip_length, dtype=torch.bool),
                    torch.tensor([[64, 64]]))
    whole = torch.tensor([0.0, 0.0, 64.0, 64.0])
    for stage in out.stages:
        assert torch.allclose(stage.boxes, whole.expand_as(stage.boxes))


def test_default_is_the_paper_init() -> None:
    assert EfficientVISConfig.preset("paper").box_delta_init == "xavier"
    model = build_model(EfficientVISConfig.preset("micro"))
    assert model.stages[0].box_head.deltas.weight.abs().sum() > 0
    with pytest.raises(ValueError, match="box_delta_init"):
        EfficientVISConfig.preset("micro", box_delta_init="ones")
