"""Backbone pre-training on synthetic object crops (``vistool pretrain``) and its hand-over to
``vistool train --init-backbone``."""

from __future__ import annotations

import contextlib
import json
import math
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner
from efficientvis.config import EfficientVISConfig
from efficientvis.crop_pretrain import CropPretrainer, crop_pretrain_loss
from efficientvis.engine.checkpoint import load_backbone, read_checkpoint
from efficientvis.engine.crop_stream import SynthCropStream, held_out_crops
from efficientvis.engine.pretrain import PretrainConfig, pretrain, pretrain_lr_factor
from efficientvis.model import build_model

from vistoolkit.cli.main import main
from vistoolkit.data.synth import SynthConfig

MICRO8 = EfficientVISConfig.preset("micro", num_classes=8)
STREAM = SynthConfig.preset("default", seed=1)
SMALL = PretrainConfig(iters=4, videos_per_batch=2, crops_per_video=3, crop_size=32,
                       probe_every=2, probe_videos=2, probe_crops_per_video=2, ckpt_every=2,
                       warmup_iters=2)

pytestmark = pytest.mark.usefixtures("one_thread")


def test_crop_batches_are_a_function_of_the_step() -> None:
    stream = SynthCropStream(STREAM, size=32, videos_per_batch=2, crops_per_video=3)
    a, b, c = stream.batch(5), stream.batch(5), stream.batch(6)
    assert all(torch.equal(x, y) for x, y in zip(a, b))
    assert not (a.images.shape == c.images.shape and torch.equal(a.images, c.images))
    assert a.images.dtype == torch.uint8 and a.images.shape[1:] == (3, 32, 32)
    assert a.masks.shape == (len(a.labels), 32, 32)
    assert int(a.labels.min()) >= 0 and int(a.labels.max()) < 8


def test_crops_are_centred_on_their_instance() -> None:
    crops = SynthCropStream(STREAM, size=32, videos_per_batch=3, crops_per_video=2, jitter=0,
                            flip=False, color_jitter=False).batch(0)
    centred = 0
    for mask in crops.masks:
        ys, xs = torch.nonzero(mask, as_tuple=True)
        assert len(ys) > 0
        cy, cx = (ys.min() + ys.max()) / 2, (xs.min() + xs.max()) / 2
        centred += bool(abs(cy - 15.5) <= 1.5 and abs(cx - 15.5) <= 1.5)
    assert centred >= 0.7 * len(crops.masks)       # the rest are cut by the frame's border


def test_held_out_crops_come_from_the_valid_split() -> None:
    probe = held_out_crops(SynthConfig.preset("default"), videos=2, crops_per_video=2, size=32)
    train_like = SynthCropStream(SynthConfig.preset("default"), size=32, videos_per_batch=2,
                                 crops_per_video=2, jitter=0, flip=False,
                                 color_jitter=False).batch(0)
    assert not torch.equal(probe.images, train_like.images)


def test_lr_factor_warms_up_then_decays_to_zero() -> None:
    assert pretrain_lr_factor(0, total=100, warmup=10) == pytest.approx(0.1)
    assert pretrain_lr_factor(9, total=100, warmup=10) == pytest.approx(1.0)
    assert pretrain_lr_factor(10, total=100, warmup=10) == pytest.approx(1.0)
    assert pretrain_lr_factor(55, total=100, warmup=10) == pytest.approx(0.5)
    assert pretrain_lr_factor(100, total=100, warmup=10) == pytest.approx(0.0, abs=1e-12)


def test_loss_hand_made_case() -> None:
    logits = torch.tensor([[10.0, -10.0], [-10.0, 10.0]])
    masks = torch.zeros(2, 8, 8)
    masks[:, :4] = 1                                               # top half of each crop
    mask_logits = torch.full((2, 2, 2), -20.0)
    mask_logits[:, 0] = 20.0
    losses = crop_pretrain_loss(logits, mask_logits, torch.tensor([0, 1]), masks)
    assert losses["loss_class"].item() < 1e-6 and losses["loss_mask"].item() < 1e-6
    wrong = crop_pretrain_loss(logits, -mask_logits, torch.tensor([1, 0]), masks)
    assert wrong["loss_class"].item() == pytest.approx(20.0, abs=1e-3)
    assert wrong["loss_mask"].item() == pytest.approx(20.0, abs=1e-3)


class _StopAfter:
    """An ``InterruptHold`` that interrupts after ``n`` checks."""

    def __init__(self, n: int) -> None:
        self.n = n

    def hold(self):
        return contextlib.nullcontext()

    def check(self) -> None:
        self.n -= 1
        if self.n == 0:
            raise KeyboardInterrupt


def test_interrupted_run_resumes_to_the_same_weights(tmp_path: Path) -> None:
    torch.manual_seed(0)
    pretrain(MICRO8, SMALL, tmp_path / "ref", progress=False)
    with pytest.raises(KeyboardInterrupt):
        pretrain(MICRO8, SMALL, tmp_path / "cut", progress=False, interrupts=_StopAfter(3))
    assert read_checkpoint(tmp_path / "cut" / "checkpoint.pt")["step"] == 3
    pretrain(MICRO8, SMALL, tmp_path / "cut", progress=False, resume=True)
    ref = read_checkpoint(tmp_path / "ref" / "backbone.pt")["model"]
    cut = read_checkpoint(tmp_path / "cut" / "backbone.pt")["model"]
    assert ref.keys() == cut.keys()
    for k in ref:
        assert torch.equal(ref[k], cut[k]), k
    rows = [json.loads(x) for x in (tmp_path / "cut" / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [1, 2, 3, 4]
    assert rows[0]["probe/crop_acc"] is None and 0.0 <= rows[1]["probe/crop_acc"] <= 1.0


def test_cli_pretrain_then_train_from_the_frozen_backbone(tmp_path: Path) -> None:
    pre = tmp_path / "pre"
    res = CliRunner().invoke(main, ["pretrain", "--preset", "micro", "--set", "num_classes=8",
                                    "--out", str(pre), "--iters", "2", "--videos", "1",
                                    "--crops-per-video", "2", "--probe-every", "0",
                                    "--threads", "1"])
    assert res.exit_code == 0, res.output
    backbone = pre / "backbone.pt"
    model = build_model(MICRO8)
    load_backbone(model, backbone)
    source = read_checkpoint(backbone)["model"]
    for k, v in model.state_dict().items():
        if k.startswith("backbone."):
            assert torch.equal(v, source[k]), k
    run = tmp_path / "run"
    res = CliRunner().invoke(main, ["train", "--preset", "micro", "--set", "num_classes=8",
                                    "--iters", "1", "--out", str(run), "--threads", "1",
                                    "--init-backbone", str(backbone), "--freeze-backbone"])
    assert res.exit_code == 0, res.output
    trained = read_checkpoint(run / "checkpoint.pt")["model"]
    conv = "backbone.body.stem.0.0.weight"
    assert torch.equal(trained[conv], source[conv])


def test_cli_errors_are_one_line(tmp_path: Path) -> None:
    res = CliRunner().invoke(main, ["train", "--preset", "micro", "--iters", "1", "--out",
                                    str(tmp_path / "r"), "--freeze-backbone"])
    assert res.exit_code == 2 and "--init-backbone" in res.output
    for flags, says in ((["--grow-stages"], "--init-weights"), (["--stream-seed", "0"], "seed 0"),
                        (["--drop-unused-weights"], "--init-weights"),
                        (["--rename-weights", ".a.=.b."], "--init-weights"),
                        (["--rename-weights", "nothing"], "OLD=NEW"),
                        (["--stream-instances", "0,0"], "not all 0"),
                        (["--stream-instances", "1,x"], "comma-separated"),
                        (["--stream-instances", "1", "--data", str(tmp_path)], "no --data"),
                        (["--stream-seed", "2", "--data", str(tmp_path)], "no --data"),
                        (["--ema", "1"], "--ema must lie")):
        res = CliRunner().invoke(main, ["train", "--preset", "micro", "--iters", "1", "--out",
                                        str(tmp_path / "r"), *flags])
        assert res.exit_code == 2 and says in res.output and "Traceback" not in res.output
    res = CliRunner().invoke(main, ["pretrain", "--preset", "micro", "--out",
                                    str(tmp_path / "p"), "--iters", "1"])
    assert res.exit_code == 2 and "categories" in res.output
    done = tmp_path / "done"
    done.mkdir()
    (done / "checkpoint.pt").write_bytes(b"")
    res = CliRunner().invoke(main, ["pretrain", "--preset", "micro", "--set", "num_classes=8",
                                    "--out", str(done), "--iters", "1"])
    assert res.exit_code == 2 and "--resume" in res.output and len(res.output.splitlines()) == 1


def test_pretrainer_shares_the_model_backbone_layout() -> None:
    model_keys = {k for k in build_model(MICRO8).state_dict() if k.startswith("backbone.")}
    pre = CropPretrainer("micro", channels=MICRO8.fpn_channels, num_classes=8)
    assert model_keys == {k for k in pre.state_dict() if k.startswith("backbone.")}
    with torch.no_grad():
        logits, masks = pre(torch.zeros(2, 3, 32, 32))
    assert logits.shape == (2, 8) and masks.shape == (2, 8, 8) and math.isfinite(logits.sum().item())


def test_cli_init_weights_errors_are_one_line(tmp_path: Path) -> None:
    """A file that is not a checkpoint, and a checkpoint of another model: one line, exit 2."""
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"not a checkpoint")
    ref = tmp_path / "ref"
    res = CliRunner().invoke(main, ["train", "--preset", "micro", "--set", "num_classes=8",
                                    "--iters", "1", "--out", str(ref), "--threads", "1"])
    assert res.exit_code == 0, res.output
    for start, overrides, words in ((junk, [], "not a readable torch checkpoint"),
                                    (ref / "checkpoint.pt", ["--set", "num_stages=3"],
                                     "weights do not fit")):
        res = CliRunner().invoke(main, ["train", "--preset", "micro", "--set", "num_classes=8",
                                        *overrides, "--iters", "1", "--threads", "1",
                                        "--out", str(tmp_path / "r"), "--init-weights",
                                        str(start)])
        assert res.exit_code == 2, res.output
        assert words in res.output and len(res.output.strip().splitlines()) == 1, res.output
