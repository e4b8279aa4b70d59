"""The default Table 1 cell runner: train EfficientVIS (or the dense baseline) once per
checkpoint key, then test it with end-to-end inference or a linking baseline.

Layout under the reproduce output directory:

* ``train/<train_key>/`` the trainer's directory (``checkpoint.pt``; with a weight average,
  ``average_int8.pt``, the average exported as the bundled file is, which is what is scored),
  ``done.json`` once training finished, ``curve/<epoch>.json`` per-epoch metrics for Table 1g;
* ``eval/<cell_key>/`` result files, resampled annotation files, the hand-craft sweep (one
  folder ``seed<S>/`` per valid split where the budget scores several);
* ``data/splits/seed<S>/`` the synthetic valid splits of such a budget, shared by all cells.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from vistoolkit.atomic import write_json_atomic
from vistoolkit.data.clip_results import load_clip_results
from vistoolkit.data.json_io import read_json
from vistoolkit.data.records import Dataset, PredTrack
from vistoolkit.data.resample import resample_dataset
from vistoolkit.data.synth import ensure_dataset
from vistoolkit.data.ytvis_io import (
    load_dataset,
    load_predictions,
    save_dataset,
    save_predictions,
)
from vistoolkit.eval import evaluate
from vistoolkit.linking.link import link_results, sweep_handcraft
from vistoolkit.linking.tracks import video_infos
from vistoolkit.provenance import file_sha256
from vistoolkit.studies.records import CellResult, CellSpec, Start
from vistoolkit.studies.table1 import ABLATION_DEFAULTS

log = logging.getLogger(__name__)

SOURCE_FPS = 6.0   # YouTube-VIS and the synthetic benchmark are annotated at 6 FPS
# a joint-attention row continued from a factorised start: its one attention starts from the
# start's spatial one (the temporal one is dropped)
JOINT_RENAMES = ((".attn_s.", ".attn_j."), (".norm_s.", ".norm_j."))


def start_weight_mapping(attention: str, start_attention: str
                         ) -> tuple[tuple[tuple[str, str], ...], bool]:
    """How a start's weights enter a row's model: (renames, drop the unused ones). A row that
    changes the attention drops what it no longer has; a joint row renames the spatial one."""
    if attention == start_attention:
        return (), False
    return (JOINT_RENAMES if attention == "joint" else ()), True


def read_start(path: Path) -> Start:
    """The shared start file of a ``start`` budget (a checkpoint or bundled-format file)."""
    from efficientvis.config import EfficientVISConfig
    from efficientvis.engine.checkpoint import read_checkpoint

    cfg = EfficientVISConfig.from_dict(read_checkpoint(path)["model_config"])
    return Start(path=Path(path).resolve(), digest=file_sha256(path)[:16], preset=cfg.name,
                 switches={k: getattr(cfg, k) for k in ABLATION_DEFAULTS},
                 clip_length=cfg.clip_length)


def score(gt: Dataset, preds: list[PredTrack]) -> dict[str, float]:
    """Official YouTube-VIS metrics as fractions (no predictions: all 0; no GT: NaN)."""
    return dict(evaluate(gt, preds, allow_empty=True).stats)


def valid_gt(data_root: Path, test_fps: float | None) -> Dataset:
    """The valid ground truth, resampled to ``test_fps`` if given."""
    gt = load_dataset(Path(data_root) / "valid.json")
    if test_fps is None or test_fps == SOURCE_FPS:
        return gt
    return resample_dataset(gt, fps=test_fps, src_fps=SOURCE_FPS)


def valid_annotations(data_root: Path, work_dir: Path, test_fps: float | None
                     ) -> tuple[Dataset, Path | None]:
    """The valid ground truth (resampled to ``test_fps`` and saved, if given) and its file."""
    gt = valid_gt(data_root, test_fps)
    if test_fps is None or test_fps == SOURCE_FPS:
        return gt, None
    ann = Path(work_dir) / f"valid_fps{test_fps:g}.json"
    save_dataset(gt, ann)
    return gt, ann


def evaluate_model(model: Any, *, settings: Any, linking: str, data_root: Path,
                   work_dir: Path, test_fps: float | None = None, device: str = "cpu"
                   ) -> tuple[dict[str, float], dict[str, Any]]:
    """Metrics of a trained model on the valid split with one linking scheme.

    ``settings``: the model's ``efficientvis.engine.inference.InferenceSettings``.

    ``e2e`` is the model's own clip-by-clip inference with query hand-over; ``handcraft``
    (best theta of the sweep, spec §10.1) and ``overlap`` (windows with stride T/2, spec §10.2)
    link clips predicted independently from q*. The extras name the scored predictions
    (``predictions``, the best theta's for ``handcraft``) and their ground truth (``gt``), so
    that rows can be compared video by video (``studies.evidence``).
    """
    from efficientvis.engine.inference import infer_clips, infer_dataset  # torch: on use only

    work_dir = Path(work_dir)
    gt, ann = valid_annotations(data_root, work_dir, test_fps)
    common = {"data_root": data_root, "split": "valid", "ann_file": ann, "device": device,
              "progress": False}
    files = {"predictions": str(work_dir / "results.json"),
             "gt": str(ann if ann is not None else Path(data_root) / "valid.json")}
    if linking == "e2e":
        path = infer_dataset(model, settings, out_path=work_dir / "results.json", **common)
        return score(gt, load_predictions(path)), files
    stride = None if linking == "handcraft" else max(1, settings.clip_length // 2)
    selection = link_options(settings)
    clips = load_clip_results(infer_clips(model, settings, out_path=work_dir / "clips.jsonl",
                                          stride=stride, **common))
    if linking == "handcraft":
        sweep = sweep_handcraft(clips, gt, score=score, **selection)
        save_predictions(list(sweep.best_predictions), files["predictions"])
        return dict(sweep.best_stats), {"theta": sweep.best_threshold,
                                        "sweep": [[t, s] for t, s in sweep.rows], **files}
    preds = link_results(clips, method=linking, videos=video_infos(clips, gt), **selection)
    save_predictions(preds, files["predictions"])
    return score(gt, preds), files


def link_options(settings: Any) -> dict[str, Any]:
    """The pair selection of the model's inference (top-k, label mode, duplicate suppression),
    for linking baselines that must report tracks the same way."""
    return {"top_k": settings.top_k, "label_mode": settings.label_mode,
            "track_nms_iou": settings.track_nms_iou}


def _num_classes(data_root: Path) -> int:
    return len(read_json(Path(data_root) / "train.json")["categories"])


def ensure_trained(spec: CellSpec, train_dir: Path, *, resume: bool, progress: bool = False
                   ) -> tuple[Path, list[list[float]]]:
    """The cell's checkpoint (training it unless ``done.json`` exists) and its AP curve
    (``progress``: the training's bar on stderr)."""
    done = train_dir / "done.json"
    if done.is_file():
        info = read_json(done)
        return Path(info["checkpoint"]), info.get("curve", [])
    from efficientvis.config import EfficientVISConfig
    from efficientvis.engine.bundled import BUNDLED_INT8, export_bundled
    from efficientvis.engine.checkpoint import load_checkpoint, read_checkpoint
    from efficientvis.engine.train import TrainConfig, train

    budget = spec.budget
    if spec.start is not None:
        start_cfg = EfficientVISConfig.from_dict(read_checkpoint(spec.start.path)["model_config"])
        model_cfg = start_cfg.replace(**spec.model)
        renames, drop = start_weight_mapping(model_cfg.attention, start_cfg.attention)
        init = {"init_weights": str(spec.start.path), "drop_unused_weights": drop,
                "rename_weights": renames}
    else:
        model_cfg = EfficientVISConfig.preset(spec.preset,
                                              num_classes=_num_classes(spec.data_root),
                                              **spec.model)
        init = {}
    stream = {} if budget.stream_seed is None else {"synth_seed": budget.stream_seed}
    train_cfg = TrainConfig(epochs=budget.epochs, max_iters=budget.max_iters, seed=spec.seed,
                            device=spec.device, batch_size=budget.batch_size, lr=budget.lr,
                            flip=budget.augment, color_jitter=budget.augment,
                            freeze_backbone=budget.freeze_backbone,
                            chain_clips=budget.chain_clips, ema_decay=budget.ema_decay,
                            ckpt_every=max(1, budget.max_iters // 10) if budget.max_iters
                            else 500, **stream, **init)
    curve_dir = train_dir / "curve"

    def on_epoch_end(epoch: int, ckpt: Path) -> None:
        loaded = load_checkpoint(ckpt)
        stats, _ = evaluate_model(loaded.model, settings=loaded.settings, linking="e2e",
                                  data_root=spec.data_root, work_dir=curve_dir / f"e{epoch}",
                                  device=spec.device)
        write_json_atomic(curve_dir / f"{epoch:04d}.json", {"epoch": epoch, "stats": stats})
        log.info("%s epoch %d AP %.4f", spec.train_key, epoch, stats["AP"])

    ckpt = train(model_cfg, train_cfg, data_root=None if budget.stream else spec.data_root,
                 out_dir=train_dir,
                 resume=resume, progress=progress,
                 on_epoch_end=on_epoch_end if spec.curve else None)
    if budget.ema_decay > 0:                       # the weight average is what is scored
        ckpt = export_bundled(ckpt, train_dir / "average_int8.pt", int8=BUNDLED_INT8, ema=True)
    points = [read_json(p) for p in sorted(curve_dir.glob("*.json"))] if spec.curve else []
    curve = [[point["epoch"], point["stats"]["AP"]] for point in points]
    write_json_atomic(done, {"checkpoint": str(ckpt), "curve": curve})
    return Path(ckpt), curve


def run_cell_efficientvis(spec: CellSpec, out_dir: Path, resume: bool, *,
                          progress: bool = False) -> CellResult:
    """Train (or reuse) the cell's checkpoint and evaluate it as the row asks (``progress``:
    the training's bar under the caller's)."""
    from efficientvis.engine.checkpoint import load_checkpoint

    t0 = time.perf_counter()
    ckpt, curve = ensure_trained(spec, Path(out_dir) / "train" / spec.train_key, resume=resume,
                                 progress=progress)
    t_train = time.perf_counter() - t0
    loaded = load_checkpoint(ckpt, map_location=spec.device)
    eval_dir = Path(out_dir) / "eval" / spec.cell_key
    if spec.budget.valid_seeds:
        stats, extra = evaluate_on_splits(loaded, spec, Path(out_dir) / "data" / "splits",
                                          eval_dir)
    else:
        stats, extra = evaluate_model(loaded.model, settings=loaded.settings,
                                      linking=spec.linking, data_root=spec.data_root,
                                      work_dir=eval_dir, test_fps=spec.test_fps,
                                      device=spec.device)
    extra = {**extra, "curve": curve, "train_s": t_train,
             "eval_s": time.perf_counter() - t0 - t_train}
    return CellResult(stats, extra, time.perf_counter() - t0)


def evaluate_on_splits(loaded: Any, spec: CellSpec, splits_dir: Path, eval_dir: Path
                       ) -> tuple[dict[str, float], dict[str, Any]]:
    """A model's metrics on each synthetic valid split of the budget (``valid_seeds``, generated
    once under ``splits_dir``) and their mean; the extras keep each split's metrics and files."""
    per_split: dict[str, dict[str, Any]] = {}
    for seed in spec.budget.valid_seeds:
        root = ensure_dataset(splits_dir / f"seed{seed}", spec.budget.data_preset, seed=seed,
                              progress=False)
        stats, extra = evaluate_model(loaded.model, settings=loaded.settings,
                                      linking=spec.linking, data_root=root,
                                      work_dir=eval_dir / f"seed{seed}",
                                      test_fps=spec.test_fps, device=spec.device)
        per_split[str(seed)] = {"stats": stats, **extra}
    keys = per_split[str(spec.budget.valid_seeds[0])]["stats"]
    mean = {k: sum(float(v["stats"][k]) for v in per_split.values()) / len(per_split)
            for k in keys}
    return mean, {"splits": per_split}
