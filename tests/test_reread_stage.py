"""``reread_stage``: that stage starts again from the tracklet proposals (the whole frame)
with the previous stage's queries; 0 (the paper) refines the previous stage's boxes."""

from __future__ import annotations

import pytest
import torch
from efficientvis.config import EfficientVISConfig
from efficientvis.model import build_model


def _stage_boxes(reread_stage: int) -> tuple[torch.Tensor, ...]:
    torch.manual_seed(0)
    cfg = EfficientVISConfig.preset("micro", num_stages=3, reread_stage=reread_stage)
    model = build_model(cfg).eval()
    with torch.no_grad():                      # stage 2 returns its input boxes unchanged
        model.stages[1].box_head.deltas.weight.zero_()
        model.stages[1].box_head.deltas.bias.zero_()
        images = torch.rand(1, cfg.clip_length, 3, 64, 64) * 255
        out = model(images, torch.ones(1, cfg.clip_length, dtype=torch.bool),
                    torch.tensor([[64, 64]]))
    return tuple(s.boxes for s in out.stages)


def test_reread_stage_starts_from_the_whole_frame() -> None:
    first, second, _ = _stage_boxes(reread_stage=2)
    whole = torch.tensor([0.0, 0.0, 64.0, 64.0])
    assert not torch.allclose(first, whole.expand_as(first))
    assert torch.allclose(second, whole.expand_as(second))


def test_default_refines_the_previous_boxes() -> None:
    assert EfficientVISConfig.preset("paper").reread_stage == 0
    first, second, _ = _stage_boxes(reread_stage=0)
    assert torch.allclose(second, first)


@pytest.mark.parametrize("bad", [1, 4, -1])
def test_reread_stage_must_follow_the_first(bad: int) -> None:
    with pytest.raises(ValueError, match="reread_stage"):
        EfficientVISConfig.preset("micro", num_stages=3, reread_stage=bad)
