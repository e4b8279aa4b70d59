"""Box position embedding (config ``box_embed``): identity at init, loads from files without it,
learns when trained."""

from pathlib import Path

import pytest
import torch
from efficientvis.config import EfficientVISConfig
from efficientvis.engine.checkpoint import load_weights, read_checkpoint
from efficientvis.model import build_model

from conftest import train_micro

from vistoolkit.errors import InputError

MICRO = EfficientVISConfig.preset("micro", num_classes=8)

pytestmark = pytest.mark.usefixtures("one_thread")


def _outputs(model: torch.nn.Module) -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(0)
    images = torch.rand(1, 3, 3, 64, 96, generator=gen) * 255
    with torch.no_grad():
        out = model.eval()(images, torch.ones(1, 3, dtype=torch.bool), torch.tensor([[64, 96]]))
    return out.stages[-1].boxes, out.stages[-1].masks


def test_box_embedding_starts_as_identity_on_a_file_without_it(tmp_path: Path) -> None:
    start = train_micro(tmp_path / "start")
    plain, embedded = build_model(MICRO), build_model(MICRO.replace(box_embed=True))
    load_weights(plain, start)
    load_weights(embedded, start)                        # its box_embed tensors keep their init
    assert any(".box_embed." in k for k in embedded.state_dict())
    for a, b in zip(_outputs(plain), _outputs(embedded), strict=True):   # float reordering only
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-3)


def test_other_missing_tensors_still_refused(tmp_path: Path) -> None:
    start = train_micro(tmp_path / "start")
    with pytest.raises(InputError, match="weights do not fit"):
        load_weights(build_model(MICRO.replace(box_embed=True, num_stages=3)), start)


def test_box_embedding_learns_from_a_file_without_it(tmp_path: Path) -> None:
    start = train_micro(tmp_path / "start")
    cell = train_micro(tmp_path / "cell", init_weights=str(start),
                       model_cfg=MICRO.replace(box_embed=True))
    last = [v for k, v in read_checkpoint(cell)["model"].items()
            if ".box_embed.mlp.2.weight" in k]
    assert len(last) == MICRO.num_stages and any(bool(v.abs().sum() > 0) for v in last)
