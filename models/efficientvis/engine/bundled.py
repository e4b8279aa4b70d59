"""The bundled ``tiny`` checkpoint (model weights only: float16, ResNet-18's layer4 as int8;
18 MiB) used by ``vistool demo``.

How it was made (2-core CPU shared with other jobs, ``--threads 1``): the CPU recipe,
``PRETRAIN_COMMAND`` (crop pre-training of backbone + FPN, 2,000 steps, 37 min), then
``CPU_RECIPE_COMMAND`` (ten queries, the paper's N; the tracklet stages on fresh synthetic
videos, that backbone fixed, 3.0 s per iteration) stopped at iteration 2,510 of its 6,000,
then ``CHAIN_COMMAND`` (three clips, two query hand-overs per item; from those weights with a
fresh optimiser; 1,000 iterations, 95 min at 8-9 s per iteration on a slower machine), then
``FINETUNE_COMMAND`` (three stages, the third a copy of the second, for 1,000 more iterations
on videos of another stream seed, 128 min at 7.5-10.5 s per iteration), then
``CONTINUE_COMMAND`` (1,000 more iterations on a third stream seed with a weight average,
143 min; its average exported as the previous bundled file), then ``CONTINUE_AGAIN_COMMAND``
(that file continued 1,000 iterations on a fourth stream seed with a new weight average, 56 min
on a faster machine; its average exported as the previous bundled file), then
``CONTINUE_SEED5_COMMAND`` (500 more iterations on a fifth stream seed, new weight average, 34
min; its average exported as the previous bundled file), then ``CONTINUE_SEED6_STILL_COMMAND``
(500 more iterations on a sixth stream seed with the still-image dynamic conv, ``tdc=still``,
new weight average, 28 min; its average exported as the previous bundled file), then
``CONTINUE_SEED7_STILL_COMMAND`` (500 more iterations on a seventh stream seed, ``tdc=still``,
new weight average, 26 min); the average exported by ``EXPORT_COMMAND``
(``export_bundled(..., int8=BUNDLED_INT8, ema=True)``). Mean of ten synthetic splits 18.8
against the previous file's 17.9, far below the 40 AP bar (``docs/model.md``). The files
bundled before it scored ten-split means 17.9 (without the last step) and 16.9 (without the two
last steps), and AP 14.5 on the valid split (without the three last steps), 14.0 (without
the four last steps), 14.3 (11.7 without suppression; without the five last
steps), 10.1 (without the six last steps), 9.4 (two stages fine-tuned), 8.5 (after
``CHAIN_COMMAND``), 5.7 (five queries, chain from 2,509 to 3,750 iterations) and 3.1 (trained on the 80 training
videos from random initialisation, ``TRAIN_COMMAND``; it memorised its videos).
"""
from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from efficientvis.config import EfficientVISConfig
from efficientvis.engine.checkpoint import read_checkpoint, save_checkpoint, with_bn_counters
from efficientvis.engine.train import TrainConfig
from efficientvis.model import build_model
from vistoolkit.errors import InputError

WEIGHTS_DIR = Path(__file__).resolve().parents[1] / "weights"   # models/efficientvis/weights
BUNDLED_NAME = "efficientvis_tiny_synth.pt"
# ResNet-18's layer4 (16 of the 24.6 MiB of a two-stage float16 file), fixed in the CPU recipe,
# stored as int8 when a model with more stages would not fit in 25 MB
BUNDLED_INT8 = ("backbone.body.layers.3.",)

TRAIN_COMMAND = (
    "vistool train --data vistool_data/synth --preset tiny --out runs/bundled_tiny "
    "--iters 6000 --lr 2e-4 --batch-size 4 --augment flip --augment color "
    "--set input_short=128 --set input_max_long=224")
# The CPU recipe (docs/model.md): pre-train the backbone + FPN on object crops of fresh synthetic
# videos, then train the tracklet stages on the fresh stream with that backbone fixed. The
# second command is the candidate for the next bundled checkpoint.
PRETRAIN_COMMAND = "vistool pretrain --preset tiny --out runs/pretrain --iters 2000 --threads 1"
PRETRAINED_BACKBONE = "runs/pretrain/backbone.pt"
CPU_RECIPE_COMMAND = (
    "vistool train --preset tiny --out runs/cpu_recipe --iters 6000 --lr 2e-4 --batch-size 4 "
    "--augment flip --augment color --set input_short=128 --set input_max_long=224 "
    "--set num_queries=10 "
    f"--probe-every 250 --threads 1 --init-backbone {PRETRAINED_BACKBONE} --freeze-backbone")
CHAIN_COMMAND = (
    "vistool train --preset tiny --out runs/cpu_recipe_chain --iters 1000 --lr 2e-4 "
    "--batch-size 4 --augment flip --augment color --set input_short=128 "
    "--set input_max_long=224 --set num_queries=10 --probe-every 250 --threads 1 "
    "--init-weights runs/cpu_recipe/checkpoint.pt --freeze-backbone --chain 3")
FINETUNE_COMMAND = (
    "vistool train --preset tiny --out runs/cpu_recipe_finetune --iters 1000 --lr 2e-4 "
    "--batch-size 4 --augment flip --augment color --set input_short=128 "
    "--set input_max_long=224 --set num_queries=10 --probe-every 250 --threads 1 "
    "--init-weights runs/cpu_recipe_chain/checkpoint.pt --freeze-backbone --chain 3 "
    "--stream-seed 2 --set num_stages=3 --grow-stages")
CONTINUE_COMMAND = (
    "vistool train --preset tiny --out runs/cpu_recipe_continue --iters 1000 --lr 2e-4 "
    "--batch-size 4 --augment flip --augment color --set input_short=128 "
    "--set input_max_long=224 --set num_queries=10 --set num_stages=3 --probe-every 250 "
    "--threads 1 --init-weights runs/cpu_recipe_finetune/checkpoint.pt --freeze-backbone "
    "--chain 3 --stream-seed 3 --ckpt-every 100 --ema 0.995")
# CONTINUE_COMMAND's average, exported as below, is the start here.
CONTINUE_AGAIN_COMMAND = (
    "vistool train --preset tiny --out runs/cpu_recipe_continue2 --iters 1000 --lr 2e-4 "
    "--batch-size 4 --augment flip --augment color --set input_short=128 "
    "--set input_max_long=224 --set num_queries=10 --set num_stages=3 --probe-every 250 "
    "--threads 1 --init-weights runs/cpu_recipe_continue/bundled.pt --freeze-backbone "
    "--chain 3 --stream-seed 4 --ckpt-every 100 --ema 0.995")
# CONTINUE_AGAIN_COMMAND's average, exported as below, is the start here (500 iterations).
CONTINUE_SEED5_COMMAND = (
    "vistool train --preset tiny --out runs/cpu_recipe_continue3 --iters 500 --lr 2e-4 "
    "--batch-size 4 --augment flip --augment color --set input_short=128 "
    "--set input_max_long=224 --set num_queries=10 --set num_stages=3 --probe-every 250 "
    "--threads 1 --init-weights runs/cpu_recipe_continue2/bundled.pt --freeze-backbone "
    "--chain 3 --stream-seed 5 --ckpt-every 100 --ema 0.995")
# CONTINUE_SEED5_COMMAND's average, exported as below, is the start here; tdc=still (the
# still-image dynamic conv of Table 1b) measured better than the paper's TDC from this start
# (docs/model.md), a CPU-recipe deviation.
CONTINUE_SEED6_STILL_COMMAND = (
    "vistool train --preset tiny --out runs/cpu_recipe_continue4 --iters 500 --lr 2e-4 "
    "--batch-size 4 --augment flip --augment color --set input_short=128 "
    "--set input_max_long=224 --set num_queries=10 --set num_stages=3 --set tdc=still "
    "--probe-every 250 --threads 1 --init-weights runs/cpu_recipe_continue3/bundled.pt "
    "--freeze-backbone --chain 3 --stream-seed 6 --ckpt-every 100 --ema 0.995")
# CONTINUE_SEED6_STILL_COMMAND's average, exported as below, is the start here; kept over
# the previous file by a rule fixed before scoring (two training seeds, ten splits: +0.8 AP,
# 95 % interval [+0.2, +1.4]; docs/model.md).
CONTINUE_SEED7_STILL_COMMAND = (
    "vistool train --preset tiny --out runs/cpu_recipe_continue5 --iters 500 --lr 2e-4 "
    "--batch-size 4 --augment flip --augment color --set input_short=128 "
    "--set input_max_long=224 --set num_queries=10 --set num_stages=3 --set tdc=still "
    "--probe-every 250 --threads 1 --init-weights runs/cpu_recipe_continue4/bundled.pt "
    "--freeze-backbone --chain 3 --stream-seed 7 --ckpt-every 100 --ema 0.995")
EXPORT_COMMAND = (
    "python -c \"from efficientvis.engine.bundled import BUNDLED_INT8, export_bundled; "
    "export_bundled('runs/cpu_recipe_continue5/checkpoint.pt', int8=BUNDLED_INT8, ema=True)\"")


def bundled_recipe(max_iters: int = 6000, device: str = "cpu"
                   ) -> tuple[EfficientVISConfig, TrainConfig]:
    """The training setup of ``TRAIN_COMMAND`` (what ``vistool demo --train`` runs): ``tiny``
    at the synthetic frames' native 128 x 224, flip + colour jitter, lr 2e-4, batch 4."""
    cfg = EfficientVISConfig.preset("tiny", input_short=128, input_max_long=224)
    train_cfg = TrainConfig(epochs=10**9, max_iters=max_iters, batch_size=4, lr=2e-4,
                            ckpt_every=min(500, max_iters), device=device, flip=True,
                            color_jitter=True)
    return cfg, train_cfg


def cpu_recipe(max_iters: int = 6000, device: str = "cpu", probe_every: int = 250,
               init_backbone: Path | str | None = PRETRAINED_BACKBONE, num_queries: int = 10
               ) -> tuple[EfficientVISConfig, TrainConfig]:
    """The training setup of ``CPU_RECIPE_COMMAND``: ``bundled_recipe`` with ``num_queries``
    slots on the fresh synthetic stream (train with ``data_root=None``), probed every
    ``probe_every`` iterations, from the backbone + FPN of checkpoint ``init_backbone`` kept
    fixed (None: from scratch, trained)."""
    cfg, train_cfg = bundled_recipe(max_iters, device)
    cfg = cfg.replace(num_queries=num_queries)
    start = None if init_backbone is None else str(init_backbone)
    return cfg, dataclasses.replace(train_cfg, probe_every=probe_every, init_backbone=start,
                                    freeze_backbone=start is not None)


def bundled_checkpoint_path() -> Path:
    """Where the bundled checkpoint lives (it may be missing in a source checkout)."""
    return WEIGHTS_DIR / BUNDLED_NAME


def require_bundled() -> Path:
    """The bundled checkpoint; ``InputError`` saying how to make it when it is missing."""
    path = bundled_checkpoint_path()
    if not path.is_file():
        raise InputError("bundled checkpoint missing; make it with the CPU recipe of "
                         "docs/model.md (the commands in efficientvis.engine.bundled), then "
                         f"`{EXPORT_COMMAND}` (or run `vistool demo --train`)", path=path)
    return path


def export_bundled(src: Path | str, dst: Path | str | None = None,
                   meta: dict[str, Any] | None = None, int8: Sequence[str] = (), *,
                   ema: bool = False, half: bool = True) -> Path:
    """Copy the model of training checkpoint ``src`` as float16 weights only, the weight tensors
    under the name prefixes ``int8`` (e.g. ``BUNDLED_INT8``) as int8 + per-channel scale.
    ``ema``: the run's weight average (``--ema``) instead of its last weights; ``half=False``
    keeps float32 (a weights-only file for comparisons)."""
    raw = read_checkpoint(src)
    if ema and "ema" not in raw:
        raise InputError("checkpoint holds no weight average (train with --ema)", path=src)
    cfg = EfficientVISConfig.from_dict(raw["model_config"])
    model = build_model(cfg)
    model.load_state_dict(with_bn_counters(model, {**raw["model"], **(raw["ema"] if ema else {})}))
    info = {**raw.get("meta", {}), "step": raw.get("step"), "ema": ema, **(meta or {})}
    return save_checkpoint(dst or bundled_checkpoint_path(), model=model, model_cfg=cfg,
                           category_ids=raw["category_ids"], meta=info, half=half, int8=int8)
