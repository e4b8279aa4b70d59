"""The model on CUDA: inference agrees with the CPU, AMP training steps and resumes.

Skipped without a CUDA device (CI has none); run on a GPU machine with
``python -m pytest -q tests/test_cuda.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from efficientvis.config import EfficientVISConfig
from efficientvis.engine.bundled import bundled_checkpoint_path
from efficientvis.engine.checkpoint import load_checkpoint, read_checkpoint
from efficientvis.engine.inference import infer_dataset
from efficientvis.engine.train import TrainConfig, train

from vistoolkit.data import rle
from vistoolkit.data.synth import SynthConfig, generate

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


@pytest.fixture()
def full_precision():
    """Plain float32 on CUDA (no TF32 in convolutions or matrix products) while the test runs."""
    before = torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32
    torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = False
    yield
    torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32 = before


@pytest.fixture(scope="module")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default synthetic look (8 categories, 128 x 224), 2 train and 3 valid videos."""
    root = tmp_path_factory.mktemp("synth")
    generate(root, SynthConfig.preset("default", num_train_videos=2, num_valid_videos=3,
                                      min_length=12, max_length=12), progress=False)
    return root


def _mask_iou(a: dict | None, b: dict | None) -> float:
    if a is None or b is None:
        return float(a is None and b is None)
    ma, mb = (rle.decode(x, *x["size"]).astype(bool) for x in (a, b))
    union = np.logical_or(ma, mb).sum()
    return 1.0 if union == 0 else float(np.logical_and(ma, mb).sum() / union)


@pytest.mark.usefixtures("full_precision")
def test_cuda_inference_matches_cpu(synth: Path, tmp_path: Path) -> None:
    path = bundled_checkpoint_path()
    if not path.is_file():
        pytest.skip("bundled checkpoint missing")
    ckpt = load_checkpoint(path)
    files = {}
    for device in ("cpu", "cuda"):
        files[device] = infer_dataset(ckpt.model, ckpt.settings, data_root=synth,
                                      out_path=tmp_path / f"{device}.json", device=device,
                                      category_ids=ckpt.category_ids, progress=False)
    cpu, gpu = (json.loads(files[d].read_text()) for d in ("cpu", "cuda"))
    assert len(cpu) == len(gpu) > 0
    for a, b in zip(cpu, gpu):
        assert (a["video_id"], a["category_id"]) == (b["video_id"], b["category_id"])
        assert a["score"] == pytest.approx(b["score"], abs=1e-3)
        ious = [_mask_iou(x, y) for x, y in zip(a["segmentations"], b["segmentations"])]
        assert min(ious) > 0.97, (a["video_id"], ious)


def test_cuda_amp_training_steps_checkpoints_and_resumes(synth: Path, tmp_path: Path) -> None:
    cfg = TrainConfig(epochs=10**6, max_iters=12, batch_size=2, lr=1e-3, warmup_iters=2,
                      ckpt_every=6, device="cuda", amp=True)
    model_cfg = EfficientVISConfig.preset("micro")

    def stop(step: int) -> None:
        if step == 8:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train(model_cfg, cfg, data_root=synth, out_dir=tmp_path, progress=False, on_step=stop)
    assert read_checkpoint(tmp_path / "checkpoint.pt")["step"] == 8
    ckpt = train(model_cfg, cfg, data_root=synth, out_dir=tmp_path, resume=True, progress=False)
    saved = read_checkpoint(ckpt)
    assert saved["step"] == 12 and saved["scaler"]["scale"] > 0
    assert all(t.device.type == "cpu" for t in saved["model"].values())
    rows = [json.loads(x) for x in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == list(range(1, 13))
    assert all(r["loss"] is not None and np.isfinite(r["loss"]) for r in rows)
    for r, nxt in zip(rows, rows[1:]):           # a skipped update halves the scale
        skipped = r["grad_norm"] is None or not np.isfinite(r["grad_norm"])
        assert nxt["loss_scale"] == (r["loss_scale"] / 2 if skipped else r["loss_scale"])
    loaded = load_checkpoint(ckpt, map_location="cuda")
    assert next(loaded.model.parameters()).device.type == "cuda"
