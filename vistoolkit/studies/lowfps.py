"""Low-frame-rate study: AP against test frame rate for EfficientVIS and two linking baselines.

The valid split is resampled to each frame rate (frames and ground truth, spec §10 (h)). At every
rate three trackers are scored on the same checkpoint:

* ``EfficientVIS (e2e)``: clip-by-clip inference with query hand-over (no association step);
* ``hand-craft linking``: clips predicted from q*, linked by spec §10.1 (best theta of 0.1..0.9);
* ``motion linking``: the same clips split into per-frame detections, linked frame to frame by
  box IoU and centre distance with a gate (``vistoolkit.linking.motion``).

Each tracker's final predictions are also scored with TrackEval's AssA (HOTA association
accuracy, detection-averaged: the class average counts categories absent from the valid split as
0; ``vistoolkit.eval.analysis``): how well identities are kept, apart from detection.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from tqdm import tqdm

from vistoolkit.atomic import write_json_atomic, write_text_atomic
from vistoolkit.data.clip_results import load_clip_results
from vistoolkit.data.records import Dataset, PredTrack
from vistoolkit.data.synth import ensure_dataset
from vistoolkit.data.ytvis_io import load_dataset, load_predictions, save_predictions
from vistoolkit.errors import InputError
from vistoolkit.eval.analysis import stats_with_hota
from vistoolkit.linking.link import link_results, sweep_handcraft
from vistoolkit.linking.oracle import write_oracle_clip_results
from vistoolkit.linking.tracks import video_infos
from vistoolkit.studies.cells import SOURCE_FPS, link_options, score, valid_annotations
from vistoolkit.studies.table1 import METRICS
from vistoolkit.viz.study_plots import plot_ap_vs_fps

log = logging.getLogger(__name__)

E2E, HANDCRAFT, MOTION = "EfficientVIS (e2e)", "hand-craft linking", "motion linking"
METHODS: tuple[str, ...] = (E2E, HANDCRAFT, MOTION)
COLUMNS: tuple[str, ...] = (*METRICS, "AssA")


def with_assa(stats: Mapping[str, float], gt: Dataset, preds: Sequence[PredTrack]
              ) -> dict[str, float]:
    """``stats`` plus the detection-averaged AssA of ``preds`` (NaN where undefined)."""
    return {**stats, "AssA": stats_with_hota(gt, list(preds), scope="detection_averaged")["AssA"]}


class Predictor(Protocol):
    """Writes predictions for the valid split (``ann_file`` overrides its annotation file).
    Optional attributes: ``e2e_label`` (the end-to-end row's name) and ``link_options`` (the
    ``top_k`` / ``label_mode`` / ``track_nms_iou`` the linking baselines use; default theirs)."""

    def infer_e2e(self, ann_file: Path | None, out_path: Path) -> Path:
        """YouTube-VIS result file of end-to-end inference."""

    def infer_clips(self, ann_file: Path | None, out_path: Path) -> Path:
        """Clip-result file of per-clip inference from q* (non-overlapping clips)."""


@dataclass(frozen=True, slots=True)
class CheckpointPredictor:
    """A ``Predictor`` running a trained EfficientVIS checkpoint."""

    model: Any
    settings: Any                     # efficientvis.engine.inference.InferenceSettings
    data_root: Path
    device: str = "cpu"

    @classmethod
    def load(cls, ckpt: Path, *, data_root: Path, device: str = "cpu") -> CheckpointPredictor:
        """Load ``ckpt`` with ``efficientvis.engine.checkpoint.load_checkpoint``."""
        from efficientvis.engine.checkpoint import load_checkpoint

        loaded = load_checkpoint(ckpt, map_location=device)
        return cls(loaded.model, loaded.settings, Path(data_root), device)

    @property
    def link_options(self) -> dict[str, Any]:
        """How the linking baselines select pairs: as this model's inference does."""
        return link_options(self.settings)

    def infer_e2e(self, ann_file: Path | None, out_path: Path) -> Path:
        from efficientvis.engine.inference import infer_dataset

        return infer_dataset(self.model, self.settings, data_root=self.data_root, split="valid",
                             out_path=out_path, ann_file=ann_file, device=self.device,
                             progress=False)

    def infer_clips(self, ann_file: Path | None, out_path: Path) -> Path:
        from efficientvis.engine.inference import infer_clips

        return infer_clips(self.model, self.settings, data_root=self.data_root, split="valid",
                           out_path=out_path, ann_file=ann_file, device=self.device,
                           progress=False)


@dataclass(frozen=True, slots=True)
class GroundTruthPredictor:
    """A ``Predictor`` that returns the ground truth: whole tracks for e2e, and tracks cut into
    clips of ``clip_length`` with shuffled slots for linking. It scores the linking step alone."""

    data_root: Path
    clip_length: int = 3
    seed: int = 0
    e2e_label: str = "ground-truth tracks (upper bound)"

    def _gt(self, ann_file: Path | None) -> Dataset:
        return load_dataset(ann_file or Path(self.data_root) / "valid.json")

    def infer_e2e(self, ann_file: Path | None, out_path: Path) -> Path:
        preds = [PredTrack(t.video_id, t.category_id, 1.0, t.segmentations)
                 for t in self._gt(ann_file).tracks]
        save_predictions(preds, out_path)
        return Path(out_path)

    def infer_clips(self, ann_file: Path | None, out_path: Path) -> Path:
        return write_oracle_clip_results(self._gt(ann_file), out_path,
                                         clip_length=self.clip_length, seed=self.seed)


@dataclass(frozen=True, slots=True)
class LowFpsResult:
    """Metrics (fractions) per method and frame rate, plus the hand-craft theta per rate."""

    fps: tuple[float, ...]
    stats: Mapping[str, Mapping[float, Mapping[str, float]]]
    theta: Mapping[float, float]
    num_frames: Mapping[float, int]
    e2e_label: str = E2E

    def label(self, method: str) -> str:
        """Display name of a method (the e2e row names what produced it)."""
        return self.e2e_label if method == E2E else method


def bundled_checkpoint() -> Path:
    """The checkpoint shipped with ``efficientvis`` (``InputError`` saying how to make it if
    missing)."""
    from efficientvis.engine.bundled import require_bundled

    return require_bundled()


def check_fps(fps_list: Sequence[float]) -> None:
    """Raise ``InputError`` unless every rate is in (0, source FPS] and there is at least one."""
    if not fps_list:
        raise InputError("no frame rate given")
    bad = [f for f in fps_list if not 0 < f <= SOURCE_FPS]
    if bad:
        raise InputError(f"frame rate {bad[0]:g} is outside (0, {SOURCE_FPS:g}]")


def lowfps_study(*, data_root: Path, fps_list: Sequence[float], out_dir: Path,
                 predictor: Predictor,
                 score_fn: Callable[[Dataset, list[PredTrack]], Mapping[str, float]] = score,
                 motion_options: Mapping[str, Any] | None = None,
                 progress: bool = False) -> LowFpsResult:
    """Score the three trackers at every frame rate of ``fps_list`` (see module docstring).
    ``progress``: a bar on stderr, one step per (frame rate, tracker), and a line per frame
    rate."""
    check_fps(fps_list)
    selection = getattr(predictor, "link_options", {})
    stats: dict[str, dict[float, Mapping[str, float]]] = {m: {} for m in METHODS}
    theta, frames = {}, {}
    bar = tqdm(total=len(METHODS) * len(fps_list), desc="lowfps", unit="step",
               disable=not progress, dynamic_ncols=True)
    for fps in fps_list:
        work = Path(out_dir) / f"fps{fps:g}"
        bar.set_postfix_str(f"{fps:g} fps: {E2E}")
        gt, ann = valid_annotations(data_root, work, fps)
        frames[fps] = sum(v.length for v in gt.videos)
        e2e = load_predictions(predictor.infer_e2e(ann, work / "e2e.json"))
        stats[E2E][fps] = with_assa(score_fn(gt, e2e), gt, e2e)
        bar.update(1)
        bar.set_postfix_str(f"{fps:g} fps: {HANDCRAFT}")
        clips = load_clip_results(predictor.infer_clips(ann, work / "clips.jsonl"))
        sweep = sweep_handcraft(clips, gt, score=score_fn, **selection)
        stats[HANDCRAFT][fps] = with_assa(sweep.best_stats, gt, sweep.best_predictions)
        save_predictions(sweep.best_predictions, work / "handcraft.json")  # best theta's
        theta[fps] = sweep.best_threshold
        bar.update(1)
        bar.set_postfix_str(f"{fps:g} fps: {MOTION}")
        preds = link_results(clips, method="motion", videos=video_infos(clips, gt),
                             **selection, **dict(motion_options or {}))
        stats[MOTION][fps] = with_assa(score_fn(gt, preds), gt, preds)
        save_predictions(preds, work / "motion.json")
        bar.update(1)
        line = (f"{fps:g} fps: AP e2e {100 * stats[E2E][fps]['AP']:.1f}, hand-craft "
                f"{100 * stats[HANDCRAFT][fps]['AP']:.1f} (theta {theta[fps]:g}), motion "
                f"{100 * stats[MOTION][fps]['AP']:.1f}")
        if progress:
            bar.write(line, file=bar.fp)                # a line per finished frame rate
        else:
            log.info(line)
    bar.close()
    return LowFpsResult(tuple(fps_list), stats, theta, frames,
                        e2e_label=getattr(predictor, "e2e_label", E2E))


def format_lowfps_markdown(res: LowFpsResult) -> str:
    """One row per method and frame rate, metrics in percent."""
    lines = ["| method | FPS | valid frames | " + " | ".join(COLUMNS) + " |",
             "|" + "---|" * (3 + len(COLUMNS))]
    for m in METHODS:
        for fps in res.fps:
            cells = " | ".join(f"{100 * res.stats[m][fps][k]:.1f}" for k in COLUMNS)
            name = res.label(m) + (f" (theta {res.theta[fps]:.1f})" if m == HANDCRAFT else "")
            lines.append(f"| {name} | {fps:g} | {res.num_frames[fps]} | {cells} |")
    return "\n".join(lines) + "\n"


def write_lowfps_reports(res: LowFpsResult, out_dir: Path) -> list[Path]:
    """``lowfps.md``, ``lowfps.csv``, ``lowfps.json`` and ``lowfps.png`` (AP against FPS)."""
    out_dir = Path(out_dir)
    rows = [{"method": res.label(m), "fps": fps, "frames": res.num_frames[fps],
             **{k: 100 * res.stats[m][fps][k] for k in COLUMNS}}
            for m in METHODS for fps in res.fps]
    csv_lines = [",".join(rows[0])] + [",".join(f'"{v}"' if isinstance(v, str) else f"{v:g}"
                                                for v in r.values()) for r in rows]
    paths = [out_dir / f"lowfps.{s}" for s in ("md", "csv", "json", "png")]
    write_text_atomic(paths[0], format_lowfps_markdown(res))
    write_text_atomic(paths[1], "\n".join(csv_lines) + "\n")
    write_json_atomic(paths[2], {"rows": rows, "theta": {f"{k:g}": v for k, v in res.theta.items()}},
                      indent=1)
    plot_ap_vs_fps({res.label(m): [(fps, 100 * res.stats[m][fps]["AP"]) for fps in res.fps]
                    for m in METHODS}, paths[3])
    return paths


def run_lowfps(*, fps_list: Sequence[float], out_dir: Path, data_root: Path | None = None,
               ckpt: Path | None = None, device: str = "cpu", oracle: bool = False,
               progress: bool = True) -> tuple[LowFpsResult, list[Path]]:
    """The study with a checkpoint (default: bundled), or with ground-truth tracklets
    (``oracle``), on a dataset (default: synthetic, made in ``out_dir/data`` if missing);
    writes the reports."""
    check_fps(fps_list)
    ckpt = None if oracle else (ckpt or bundled_checkpoint())
    if data_root is None:
        data_root = ensure_dataset(Path(out_dir) / "data", "default", progress=False)
    predictor: Predictor = (GroundTruthPredictor(Path(data_root)) if ckpt is None else
                            CheckpointPredictor.load(ckpt, data_root=data_root, device=device))
    res = lowfps_study(data_root=data_root, fps_list=fps_list, out_dir=out_dir,
                       predictor=predictor, progress=progress)
    return res, write_lowfps_reports(res, out_dir)
