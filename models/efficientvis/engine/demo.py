"""``vistool demo``: synthetic benchmark -> bundled (or freshly trained) tiny model -> AP/AR."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from efficientvis.engine.bundled import cpu_recipe, require_bundled
from efficientvis.engine.checkpoint import load_checkpoint
from efficientvis.engine.evaluation import ModelEvaluation, evaluate_model
from efficientvis.engine.train import train
from vistoolkit.data.synth import ensure_dataset
from vistoolkit.errors import InputError

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DemoReport:
    """What the demo did: dataset, checkpoint, evaluation and seconds per phase."""

    data_dir: Path
    checkpoint: Path
    evaluation: ModelEvaluation
    seconds: dict[str, float]

    def format(self) -> str:
        """Official 12-line block, the compact AP/AR table and a timing line."""
        ev = self.evaluation
        times = ", ".join(f"{k} {v:.1f} s" for k, v in self.seconds.items())
        return "\n".join([
            f"model: {self.checkpoint}", f"data: {self.data_dir} (valid split)", "",
            ev.result.summary(), "", ev.result.table(), "",
            f"{ev.frames} frames at {ev.fps:.1f} frames/s; {times}"])


def run_demo(*, data_dir: Path | str, out_dir: Path | str, retrain: bool = False,
             train_iters: int = 400, device: str = "cpu", progress: bool = True) -> DemoReport:
    """Generate the default synthetic benchmark if missing, get a model, evaluate on valid.

    Args:
        data_dir: synthetic dataset cache (generated with preset ``default``, seed 0).
        out_dir: results.json, and the training run with ``retrain``.
        retrain: train the tracklet stages of ``tiny`` (its five queries, 1.5x faster per
            iteration than the recipe's ten) anew with the CPU recipe (``cpu_recipe``:
            fresh synthetic videos, never the benchmark's; the bundled checkpoint's crop
            pre-trained backbone + FPN, fixed) for ``train_iters`` iterations instead of using
            the bundled stages.
    Raises:
        InputError: no bundled checkpoint (and not ``retrain``), or a dataset whose categories
            do not fit the checkpoint.
    """
    seconds: dict[str, float] = {}
    bundled = require_bundled()                               # fail before any slow work
    start = time.perf_counter()
    data_dir = ensure_dataset(data_dir, "default", seed=0, progress=progress)
    seconds["data"] = time.perf_counter() - start
    if retrain:
        start = time.perf_counter()
        ckpt = train(*cpu_recipe(train_iters, device, probe_every=0, init_backbone=bundled,
                                 num_queries=5),
                     data_root=None,
                     out_dir=Path(out_dir) / "train", progress=progress)
        seconds["train"] = time.perf_counter() - start
    else:
        ckpt = bundled
    loaded = load_checkpoint(ckpt, map_location=device)
    start = time.perf_counter()
    try:
        ev = evaluate_model(loaded.model, loaded.settings, data_root=data_dir,
                            out_path=Path(out_dir) / "results.json",
                            category_ids=loaded.category_ids, device=device, progress=progress)
    except InputError as err:
        raise InputError(f"{err} (the demo expects the default synthetic benchmark)") from None
    seconds["inference+eval"] = time.perf_counter() - start
    return DemoReport(Path(data_dir), Path(ckpt), ev, seconds)

