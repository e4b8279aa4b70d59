"""The bundled ``tiny`` checkpoint (model weights only, float16) used by ``vistool demo``.

Not trained yet in this revision: see ``TRAIN_COMMAND``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from efficientvis.checkpoint import read_checkpoint, save_checkpoint
from efficientvis.config import EfficientVISConfig
from efficientvis.model import build_model
from vistoolkit.errors import InputError

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
BUNDLED_NAME = "efficientvis_tiny_synth.pt"

TRAIN_COMMAND = (
    "vistool train --data vistool_data/synth --preset tiny --out runs/bundled_tiny "
    "--iters 1200 --batch-size 4 --ckpt-every 100 --threads 1")
EXPORT_COMMAND = (
    "python -c \"from efficientvis.bundled import export_bundled; "
    "export_bundled('runs/bundled_tiny/checkpoint.pt')\"")


def bundled_checkpoint_path() -> Path:
    """Where the bundled checkpoint lives (it may be missing in a source checkout)."""
    return WEIGHTS_DIR / BUNDLED_NAME


def require_bundled() -> Path:
    """The bundled checkpoint; ``InputError`` saying how to make it when it is missing."""
    path = bundled_checkpoint_path()
    if not path.is_file():
        raise InputError(f"bundled checkpoint missing; train it with `{TRAIN_COMMAND}`, then "
                         f"`{EXPORT_COMMAND}` (or run `vistool demo --train`)", path=path)
    return path


def export_bundled(src: Path | str, dst: Path | str | None = None,
                   meta: dict[str, Any] | None = None) -> Path:
    """Copy the model of training checkpoint ``src`` as float16 weights only (a few MB)."""
    raw = read_checkpoint(src)
    cfg = EfficientVISConfig.from_dict(raw["model_config"])
    model = build_model(cfg)
    model.load_state_dict(raw["model"])
    info = {**raw.get("meta", {}), "step": raw.get("step"), **(meta or {})}
    return save_checkpoint(dst or bundled_checkpoint_path(), model=model, model_cfg=cfg,
                           category_ids=raw["category_ids"], meta=info, half=True)
