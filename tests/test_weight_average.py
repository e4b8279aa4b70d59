"""Moving average of the trained weights (efficientvis.engine.weight_average, train --ema)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from efficientvis.config import EfficientVISConfig
from efficientvis.engine.bundled import export_bundled
from efficientvis.engine.checkpoint import read_checkpoint
from efficientvis.engine.train import TrainConfig, train
from efficientvis.engine.weight_average import WeightAverage
from torch import nn

from vistoolkit.data.synth import SynthConfig, generate
from vistoolkit.errors import InputError

pytestmark = pytest.mark.usefixtures("one_thread")


def _tiny_net() -> nn.Module:
    net = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2), nn.Linear(2, 1))
    net[2].weight.requires_grad_(False)                  # fixed: not averaged
    return net


def test_average_follows_the_recursion_and_skips_fixed_weights() -> None:
    net = _tiny_net()
    with torch.no_grad():
        net[0].weight.fill_(1.0)
    avg = WeightAverage(net, decay=0.5)
    for value in (3.0, 5.0):                             # 1 -> 2 -> 3.5
        with torch.no_grad():
            net[0].weight.fill_(value)
        avg.update(net)
    assert torch.allclose(avg.average["0.weight"], torch.full((2, 2), 3.5))
    assert "2.weight" not in avg.average and "2.bias" in avg.average
    buffer = net[1].running_mean.clone()
    with avg.swapped_in(net):
        assert torch.equal(net[0].weight, torch.full((2, 2), 3.5))
        assert torch.equal(net[1].running_mean, buffer)              # buffers: the model's
    avg.restart(net)
    assert torch.equal(avg.average["0.weight"], torch.full((2, 2), 5.0))


def test_swapped_in_restores_the_model_and_state_round_trips() -> None:
    net = _tiny_net()
    avg = WeightAverage(net, decay=0.9)
    with torch.no_grad():
        net[0].weight.add_(1.0)
    own = {k: v.clone() for k, v in net.state_dict().items()}
    with avg.swapped_in(net):
        assert torch.equal(net[0].weight, avg.average["0.weight"])
    for k, v in net.state_dict().items():
        assert torch.equal(v, own[k]), k
    other = WeightAverage(_tiny_net(), decay=0.9)
    other.load_state_dict(avg.state_dict())
    assert torch.equal(other.average["0.weight"], avg.average["0.weight"])
    with pytest.raises(ValueError, match="does not fit"):
        other.load_state_dict({"0.weight": torch.zeros(2, 2)})
    with pytest.raises(ValueError, match="decay"):
        WeightAverage(net, decay=1.0)


@pytest.fixture(scope="module")
def one_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("one")
    generate(root, SynthConfig.preset("small", num_train_videos=2, num_valid_videos=1,
                                      num_categories=2, min_length=6, max_length=6),
             progress=False)
    return root


def _run(root: Path, out: Path, *, resume: bool = False, stop_at: int | None = None,
         ema_decay: float = 0.5) -> Path:
    def on_step(step: int) -> None:
        if step == stop_at:
            raise RuntimeError("stop")

    cfg = TrainConfig(epochs=10**6, max_iters=4, lr=1e-3, warmup_iters=1, ckpt_every=2,
                      ema_decay=ema_decay)
    return train(EfficientVISConfig.preset("micro"), cfg, data_root=root, out_dir=out,
                 resume=resume, progress=False, on_step=on_step)


def test_training_keeps_the_average_through_resume_and_exports_it(one_video: Path,
                                                                   tmp_path: Path) -> None:
    ref = read_checkpoint(_run(one_video, tmp_path / "ref"))
    assert ref["ema"].keys() <= ref["model"].keys()
    assert any(not torch.equal(ref["ema"][k], ref["model"][k]) for k in ref["ema"])
    with pytest.raises(RuntimeError):
        _run(one_video, tmp_path / "cut", stop_at=3)     # keeps the step-2 checkpoint
    resumed = read_checkpoint(_run(one_video, tmp_path / "cut", resume=True))
    for k in ref["ema"]:
        assert torch.equal(ref["ema"][k], resumed["ema"][k]), k
    without = read_checkpoint(_run(one_video, tmp_path / "plain_run", ema_decay=0.0))
    assert "ema" not in without                          # the average leaves training as it is
    for k, v in without["model"].items():
        assert torch.equal(ref["model"][k], v), k
    out = export_bundled(tmp_path / "ref" / "checkpoint.pt", tmp_path / "avg.pt", ema=True,
                         half=False)
    exported = read_checkpoint(out)["model"]
    for k, v in ref["ema"].items():
        assert torch.equal(exported[k], v), k
    plain = tmp_path / "plain.pt"
    export_bundled(out, plain, half=False)
    with pytest.raises(InputError, match="no weight average"):
        export_bundled(plain, tmp_path / "x.pt", ema=True)
