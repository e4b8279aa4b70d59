"""Run a model over a split with ``infer_dataset`` and score it with ``vistoolkit.eval``."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from efficientvis.engine.checkpoint import load_checkpoint
from efficientvis.engine.inference import InferenceSettings, infer_dataset
from vistoolkit.atomic import write_json_atomic
from vistoolkit.data.ytvis_io import load_dataset
from vistoolkit.errors import InputError
from vistoolkit.eval import EvalResult, evaluate
from vistoolkit.provenance import provenance

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ModelEvaluation:
    """Scores of one inference run: the result file, frames processed and inference seconds."""

    result: EvalResult
    predictions: Path
    frames: int
    infer_seconds: float

    @property
    def fps(self) -> float:
        return self.frames / self.infer_seconds if self.infer_seconds > 0 else float("nan")


def evaluate_model(model: nn.Module, settings: InferenceSettings, *, data_root: Path | str,
                   out_path: Path | str, split: str = "valid",
                   ann_file: Path | str | None = None, category_ids: Sequence[int] | None = None,
                   device: str | torch.device = "cpu", progress: bool = True) -> ModelEvaluation:
    """End-to-end inference (query hand-over over the whole video), then official-exact AP/AR
    against ``<split>.json`` (or ``ann_file``)."""
    ann = Path(ann_file) if ann_file is not None else Path(data_root) / f"{split}.json"
    start = time.perf_counter()
    preds = infer_dataset(model, settings, data_root=data_root, split=split, out_path=out_path,
                          ann_file=ann, device=device, progress=progress,
                          category_ids=category_ids)
    seconds = time.perf_counter() - start
    result = evaluate(ann, preds, allow_empty=True)
    frames = sum(v.length for v in load_dataset(ann).videos)
    return ModelEvaluation(result, Path(preds), frames, seconds)


def evaluate_checkpoint(ckpt: Path | str, *, out_dir: Path | str,
                        data_root: Path | str | None = None, split: str = "valid",
                        device: str = "cpu", progress: bool = False) -> ModelEvaluation:
    """``evaluate_model`` for a checkpoint; ``data_root`` defaults to the one it was trained
    on. Writes ``out_dir/results.json`` and ``out_dir/metrics.json`` (the 12 stats)."""
    loaded = load_checkpoint(ckpt, map_location=device)
    raw = loaded.raw
    root = data_root if data_root is not None else raw.get("meta", {}).get("data_root")
    if root is None:
        raise InputError("the checkpoint does not record its dataset; pass data_root", path=ckpt)
    ev = evaluate_model(loaded.model, loaded.settings, data_root=root,
                        out_path=Path(out_dir) / "results.json", split=split,
                        category_ids=loaded.category_ids, device=device, progress=progress)
    write_json_atomic(Path(out_dir) / "metrics.json",
                      {"checkpoint": str(ckpt), "step": raw.get("step"), **ev.result.stats,
                       "provenance": provenance(data=root, checkpoint=ckpt)}, indent=2)
    logger.info("%s: AP %.4f AP50 %.4f", ckpt, ev.result.stats["AP"], ev.result.stats["AP50"])
    return ev
