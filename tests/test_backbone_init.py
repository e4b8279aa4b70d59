"""Shared backbone start for Table 1 cells: load_backbone, freeze_, with_bn_counters."""

from pathlib import Path

import pytest
import torch
from efficientvis.backbone import freeze_
from efficientvis.config import EfficientVISConfig
from efficientvis.engine.checkpoint import load_backbone, load_checkpoint, read_checkpoint
from torchvision.ops import FrozenBatchNorm2d

from conftest import train_micro

from vistoolkit.errors import InputError

MICRO = EfficientVISConfig.preset("micro", num_classes=8)

pytestmark = pytest.mark.usefixtures("one_thread")


def test_freeze_replaces_batchnorm_and_stops_gradients() -> None:
    bn = torch.nn.BatchNorm2d(4)
    bn.running_mean.fill_(0.5)
    net = freeze_(torch.nn.Sequential(torch.nn.Conv2d(3, 4, 1), bn))
    assert isinstance(net[1], FrozenBatchNorm2d) and net[1].running_mean[0] == 0.5
    assert not any(p.requires_grad for p in net.parameters())


def test_cell_from_shared_frozen_backbone_trains_only_its_stages(tmp_path: Path) -> None:
    start = train_micro(tmp_path / "start")
    ref = {k: v for k, v in read_checkpoint(start)["model"].items() if k.startswith("backbone.")}
    cell = train_micro(tmp_path / "cell", init_backbone=str(start), freeze_backbone=True)
    got = read_checkpoint(cell)["model"]
    for k, v in ref.items():
        if not k.endswith("num_batches_tracked"):
            assert torch.equal(got[k], v), k
    stage = next(k for k in got if k.startswith("stages."))
    assert not torch.equal(got[stage], read_checkpoint(start)["model"][stage])
    assert load_checkpoint(cell).model is not None          # loads into a plain (unfrozen) model


def test_load_backbone_of_another_width_is_an_input_error(tmp_path: Path) -> None:
    start = train_micro(tmp_path / "start")
    from efficientvis.model import build_model

    other = build_model(MICRO.replace(fpn_channels=16, num_heads=2))
    with pytest.raises(InputError, match="backbone does not fit"):
        load_backbone(other, start)


def test_init_weights_starts_from_the_whole_model(tmp_path: Path) -> None:
    from efficientvis.engine.checkpoint import load_weights
    from efficientvis.model import build_model

    start = train_micro(tmp_path / "start")
    stored = read_checkpoint(start)["model"]
    model = build_model(MICRO)
    load_weights(model, start)
    for k, v in model.state_dict().items():
        if not k.endswith("num_batches_tracked"):
            assert torch.equal(v, stored[k]), k
    fine = train_micro(tmp_path / "fine", init_weights=str(start), freeze_backbone=True)
    got = read_checkpoint(fine)["model"]
    assert all(torch.equal(got[k], stored[k]) for k in stored if k.startswith("backbone.")
               and not k.endswith("num_batches_tracked"))
    with pytest.raises(InputError, match="weights do not fit"):
        load_weights(build_model(MICRO.replace(num_stages=3)), start)


def test_grow_stages_copies_the_last_stage_into_the_added_ones(tmp_path: Path) -> None:
    from efficientvis.engine.checkpoint import load_weights
    from efficientvis.model import build_model

    start = train_micro(tmp_path / "start")
    stored = read_checkpoint(start)["model"]
    deeper = build_model(MICRO.replace(num_stages=4))
    load_weights(deeper, start, grow_stages=True)
    state = deeper.state_dict()
    for k, v in state.items():
        if k.endswith("num_batches_tracked"):
            continue
        if k.startswith(("stages.2.", "stages.3.")):
            assert torch.equal(v, stored["stages.1." + k.split(".", 2)[2]]), k
        else:
            assert torch.equal(v, stored[k]), k
    state["stages.3.box_head.deltas.weight"].add_(1.0)                  # copies, not views
    assert not torch.equal(state["stages.2.box_head.deltas.weight"],
                           state["stages.3.box_head.deltas.weight"])
    grown = train_micro(tmp_path / "grown", init_weights=str(start), grow_stages=True,
                        model_cfg=MICRO.replace(num_stages=3))
    assert sum(k.startswith("stages.2.") for k in read_checkpoint(grown)["model"]) > 0


def test_drop_unused_weights_starts_a_model_without_a_removed_module(tmp_path: Path) -> None:
    from efficientvis.engine.checkpoint import load_weights
    from efficientvis.model import build_model

    start = train_micro(tmp_path / "start")                      # FTSA: temporal + spatial
    stored = read_checkpoint(start)["model"]
    spatial = build_model(MICRO.replace(attention="spatial"))
    with pytest.raises(InputError, match="weights do not fit"):
        load_weights(spatial, start)                             # attn_t has no place
    load_weights(spatial, start, drop_unused=True)
    state = spatial.state_dict()
    assert not any(".attn_t." in k for k in state)
    assert all(torch.equal(v, stored[k]) for k, v in state.items()
               if not k.endswith("num_batches_tracked"))
    with pytest.raises(InputError, match="weights do not fit"):  # attn_j is not in the file
        load_weights(build_model(MICRO.replace(attention="joint")), start, drop_unused=True)
    cell = train_micro(tmp_path / "cell", init_weights=str(start), drop_unused_weights=True,
                       model_cfg=MICRO.replace(attention="temporal"))
    assert not any(".attn_s." in k for k in read_checkpoint(cell)["model"])


def test_rename_weights_starts_joint_attention_from_the_spatial_one(tmp_path: Path) -> None:
    from efficientvis.engine.checkpoint import load_weights
    from efficientvis.model import build_model

    start = train_micro(tmp_path / "start")                      # FTSA: temporal + spatial
    stored = read_checkpoint(start)["model"]
    joint = build_model(MICRO.replace(attention="joint"))
    rename = ((".attn_s.", ".attn_j."), (".norm_s.", ".norm_j."))
    load_weights(joint, start, drop_unused=True, rename=rename)
    state = joint.state_dict()
    moved = [k for k in state if ".attn_j." in k or ".norm_j." in k]
    assert moved and all(torch.equal(state[k], stored[k.replace(".attn_j.", ".attn_s.")
                                                   .replace(".norm_j.", ".norm_s.")])
                         for k in moved)
    cell = train_micro(tmp_path / "cell", init_weights=str(start), drop_unused_weights=True,
                       rename_weights=rename, model_cfg=MICRO.replace(attention="joint"))
    assert any(".attn_j." in k for k in read_checkpoint(cell)["model"])
