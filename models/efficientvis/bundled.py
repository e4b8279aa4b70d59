"""The bundled ``tiny`` checkpoint (model weights only, float16, 24.6 MiB) used by ``vistool demo``.

How it was made (2-core CPU shared with other jobs, ``nice``, ``--threads 1``; the default
synthetic benchmark ``vistool_data/synth`` = ``ensure_dataset(dir, "default", seed=0)``): one run
of 1400 iterations at batch 4 (70 epochs of the 80 training videos), interrupted with SIGTERM
and resumed five times to fit the time available, each segment being::

    vistool train --data vistool_data/synth --preset tiny --out runs/bundled_tiny \
        --batch-size 4 --threads 1 [--resume] --iters N [--lr 4e-4] --ckpt-every C

    it. 0-51     N=1200 C=100            (lr 1e-4)   commit 750f2c6
    it. 51-122   N=600  C=50   --resume  (lr 1e-4)   same training code
    it. 122-259  N=400  C=50   --resume  (lr 1e-4)   same training code
    it. 259-315  N=800  C=50   --resume  (lr 1e-4)   same training code
    it. 315-552  N=1000 C=50   --resume --lr 4e-4    commit 66816c7
    it. 552-1400 N=1400 C=50   --resume --lr 4e-4    commit b6f919f (lr x0.1 from it. 1145)

(``-v`` on the last two segments; OMP_NUM_THREADS=1, ``nice -n 10``.) 63 minutes of wall time
in all; then ``EXPORT_COMMAND``. Valid split, full-video query
hand-over (``vistool demo``): AP 0.1, AP50 0.4, AP75 0.0, AR1 1.7, AR10 1.7 (percent). The
model is far from converged: the class loss only began to fall (2.2 -> 1.0) in the last 400
iterations; see ``docs/model.md``.
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
    "--iters 1400 --lr 4e-4 --batch-size 4 --ckpt-every 50 --threads 1")
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
