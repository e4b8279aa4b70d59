"""int8 storage of weight tensors in model-only checkpoints (``int8_weights``)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from efficientvis.config import EfficientVISConfig
from efficientvis.engine.checkpoint import load_checkpoint, read_checkpoint, save_checkpoint
from efficientvis.engine.int8_weights import dequantize_int8, pack_int8, quantize_int8
from efficientvis.model import build_model

from vistoolkit.errors import InputError

MICRO = EfficientVISConfig.preset("micro")


def test_quantize_round_trip_error_is_at_most_half_a_step() -> None:
    torch.manual_seed(0)
    w = torch.randn(6, 4, 3, 3)
    w[2] = 0                                                               # an all-zero channel
    q, scale = quantize_int8(w)
    assert q.dtype == torch.int8 and q.shape == w.shape and scale.shape == (6,)
    assert int(q.abs().max()) == 127 and scale[2] == 0
    err = (dequantize_int8(q, scale) - w).abs().flatten(1).amax(1)
    assert (err <= scale / 2 + 1e-7).all() and err[2] == 0


def test_pack_int8_takes_only_weight_tensors_under_the_prefixes() -> None:
    state = build_model(MICRO).state_dict()
    kept, packed = pack_int8(state, ("backbone.",))
    assert packed and all(k.startswith("backbone.") and state[k].dim() >= 2 for k in packed)
    assert set(kept) | set(packed) == set(state) and not set(kept) & set(packed)
    assert any(k.startswith("backbone.") for k in kept)                   # biases, norms


def test_int8_checkpoint_is_smaller_and_loads_close_to_the_original(tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = build_model(MICRO)
    plain = save_checkpoint(tmp_path / "half.pt", model=model, model_cfg=MICRO,
                            category_ids=[1, 2, 3], half=True)
    small = save_checkpoint(tmp_path / "int8.pt", model=model, model_cfg=MICRO,
                            category_ids=[1, 2, 3], half=True, int8=("backbone.",))
    assert small.stat().st_size < plain.stat().st_size
    raw = read_checkpoint(small)
    assert "int8" not in raw and set(raw["model"]) == set(model.state_dict())
    loaded = load_checkpoint(small).model
    for key, value in model.state_dict().items():
        got = loaded.state_dict()[key]
        if value.is_floating_point():
            step = value.abs().max() / 127 if key.startswith("backbone.") else 1e-3 * value.abs().max()
            assert torch.allclose(got, value, atol=float(step) + 1e-6), key


def test_damaged_int8_record_is_an_input_error(tmp_path: Path) -> None:
    model = build_model(MICRO)
    path = save_checkpoint(tmp_path / "int8.pt", model=model, model_cfg=MICRO,
                           category_ids=[1, 2, 3], int8=("backbone.",))
    raw = torch.load(path, weights_only=True)
    key = next(iter(raw["int8"]))
    raw["int8"][key]["scale"] = torch.ones(1)
    torch.save(raw, path)
    with pytest.raises(InputError, match="damaged checkpoint"):
        read_checkpoint(path)
