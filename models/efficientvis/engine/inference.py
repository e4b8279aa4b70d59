"""Clip-by-clip EfficientVIS inference (paper §3.3 Inference, spec §8).

``infer_dataset``: successive non-overlapping windows of T frames (the last one at its true
length); each clip starts from the time-averaged output queries of the previous clip, proposals
are reset every clip, and slots that stay background for ``k_reinit`` clips restart from q* as a
new track. Masks are pasted at the original resolution, thresholded at 0.5 and RLE-encoded clip
by clip; results are streamed to the JSON file video by video, so memory does not grow with
video length. ``infer_clips``: every clip from q* (no hand-over), windows every ``stride``
frames, written as clip-level results for the linking baselines. Both take T, the input size
and these rules as one ``InferenceSettings`` (``InferenceSettings.from_config(cfg)`` or
``load_checkpoint(path).settings``).
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import Tensor, nn
from tqdm import tqdm

from efficientvis.batch import SIZE_DIVISOR
from efficientvis.config import EfficientVISConfig
from efficientvis.engine.dataset import load_frames
from efficientvis.engine.transforms import resized_size
from efficientvis.engine.video_tracks import PredictionStream, VideoTracker, video_predictions
from efficientvis.mask_paste import paste_masks
from efficientvis.tracklet_query import handover_queries
from vistoolkit.data.clip_results import ClipResultWriter, ClipTracklet
from vistoolkit.data.frames import check_frame_dataset
from vistoolkit.data.records import Dataset, Video
from vistoolkit.data.rle import encode_stack
from vistoolkit.data.ytvis_io import load_dataset
from vistoolkit.errors import InputError
from vistoolkit.linking.selection import LABEL_MODES

logger = logging.getLogger(__name__)

PASTE_CHUNK = 8   # frames pasted at once per slot (bounds the float canvas memory)


@dataclass(frozen=True, slots=True, kw_only=True)
class InferenceSettings:
    """How a model is run clip by clip over a video (spec §8); ``from_config`` gives the
    values of a model config, ``replace`` changes some.

    Attributes:
        clip_length: T, frames per clip (the last clip of a video keeps its true length).
        input_short, input_max_long: frame resize rule (spec §9); None leaves that side free.
        tau_bg: a clip is background for a slot if its largest foreground probability is
            below ``tau_bg``.
        k_reinit: background clips in a row after which a slot restarts from q* (new track).
        top_k: (track, class) pairs kept per video with ``label_mode="topk"``.
        label_mode: ``"topk"`` (best pairs of flattened track x class scores) or ``"argmax"``
            (one entry per track, its best class).
        gate_absent_frames: zero a slot's mask on frames where its background probability is
            above 0.5.
        track_nms_iou: drop (track, class) pairs whose track overlaps a better-scored track of
            the same class above this video IoU; None = never (the paper).
    """

    clip_length: int
    input_short: int | None
    input_max_long: int | None
    tau_bg: float
    k_reinit: int
    top_k: int
    label_mode: str
    gate_absent_frames: bool
    track_nms_iou: float | None = None

    def __post_init__(self) -> None:
        for name in ("clip_length", "k_reinit", "top_k", "input_short", "input_max_long"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ValueError(f"{name} must be >= 1, got {value}")
        if self.label_mode not in LABEL_MODES:
            raise ValueError(f"label_mode={self.label_mode!r}; "
                             f"choose from {', '.join(LABEL_MODES)}")
        if self.track_nms_iou is not None and not 0.0 <= self.track_nms_iou <= 1.0:
            raise ValueError(f"track_nms_iou must be None or in [0, 1], got {self.track_nms_iou}")

    @classmethod
    def from_config(cls, cfg: EfficientVISConfig) -> InferenceSettings:
        """The clip length, input size and inference fields of a model config."""
        return cls(clip_length=cfg.clip_length, input_short=cfg.input_short,
                   input_max_long=cfg.input_max_long, tau_bg=cfg.tau_bg, k_reinit=cfg.k_reinit,
                   top_k=cfg.top_k, label_mode=cfg.label_mode,
                   gate_absent_frames=cfg.gate_absent_frames, track_nms_iou=cfg.track_nms_iou)

    def replace(self, **changes: object) -> InferenceSettings:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class ClipPrediction:
    """Final-stage predictions of one clip of T' frames, at the original resolution.

    probs: (N, T', K+1) class probabilities (background last); boxes: (N, T', 4) ``xyxy``
    original pixels; rles: N lists of T' compressed RLEs; queries: (N, C) time-averaged
    output queries (the hand-over).
    """

    probs: np.ndarray
    boxes: np.ndarray
    rles: list[list[dict]]
    queries: Tensor


def _rles(mask_probs: Tensor, boxes: Tensor, height: int, width: int) -> list[dict]:
    """mask_probs: (T', h, w) in ``boxes`` (T', 4) ``xyxy`` original pixels -> T' RLEs."""
    out: list[dict] = []
    for lo in range(0, len(mask_probs), PASTE_CHUNK):
        pasted = paste_masks(mask_probs[lo:lo + PASTE_CHUNK], boxes[lo:lo + PASTE_CHUNK],
                             height, width)                               # (t, H0, W0)
        out.extend(encode_stack((pasted > 0.5).to(torch.uint8).cpu().numpy()))
    return out


@torch.no_grad()
def predict_clip(model: nn.Module, frames: Tensor, video: Video, *,
                 init_queries: Tensor | None, device: torch.device | str,
                 gate_absent_frames: bool = False) -> ClipPrediction:
    """Run one clip and bring its final-stage output to the original resolution.

    Args:
        frames: (T', 3, H', W') uint8 resized frames.
        init_queries: (N, C) handed-over queries or None (q*).
    """
    t, _, h, w = frames.shape
    h_pad = math.ceil(h / SIZE_DIVISOR) * SIZE_DIVISOR
    w_pad = math.ceil(w / SIZE_DIVISOR) * SIZE_DIVISOR
    images = torch.zeros((1, t, 3, h_pad, w_pad), device=device)          # (1, T', 3, Hp, Wp)
    images[0, :, :, :h, :w] = frames.to(device)
    frame_valid = torch.ones((1, t), dtype=torch.bool, device=device)     # (1, T')
    sizes = torch.tensor([[h, w]], device=device)                         # (1, 2)
    init = None if init_queries is None else init_queries[None].to(device)  # (1, N, C)
    out = model(images, frame_valid, sizes, init_queries=init, final_masks_only=True)
    final = out.stages[-1]
    probs = final.logits[0].float().softmax(-1)                           # (N, T', K+1)
    scale = torch.tensor([video.width / w, video.height / h] * 2, device=device)
    boxes = final.boxes[0].float() * scale                                # (N, T', 4) xyxy
    mask_boxes = final.mask_boxes[0].float() * scale                      # (N, T', 4) xyxy
    mask_probs = final.masks[0].float().sigmoid()                         # (N, T', h, w)
    if gate_absent_frames:
        mask_probs = mask_probs * (probs[..., -1] <= 0.5)[..., None, None]
    rles = [_rles(mask_probs[i], mask_boxes[i], video.height, video.width)
            for i in range(probs.shape[0])]
    queries = handover_queries(out.queries, frame_valid)[0]               # (N, C)
    return ClipPrediction(probs.cpu().numpy(), boxes.cpu().numpy(), rles, queries)


def _dataset(data_root: Path, split: str, ann_file: Path | None) -> tuple[Dataset, Path]:
    ann = Path(ann_file) if ann_file is not None else Path(data_root) / f"{split}.json"
    return check_frame_dataset(load_dataset(ann), path=ann, tracks=False), ann


def _category_ids(data: Dataset, ann: Path, num_classes: int,
                  category_ids: Sequence[int] | None) -> list[int]:
    ids = list(category_ids) if category_ids is not None else sorted(c.id for c in data.categories)
    if not ids:
        ids = list(range(1, num_classes + 1))
    if len(ids) != num_classes:
        raise InputError(f"{len(ids)} categories but the model has {num_classes} classes",
                         path=ann)
    return ids


def _check_settings(settings: object) -> None:
    """Inference takes its settings explicitly; there is no preset to fall back on."""
    if not isinstance(settings, InferenceSettings):
        raise TypeError(f"expected InferenceSettings, got {type(settings).__name__}; use "
                        "InferenceSettings.from_config(cfg) or load_checkpoint(path).settings")


def _windows(length: int, clip_length: int, stride: int) -> Iterator[range]:
    """Windows of ``clip_length`` every ``stride`` frames until one reaches the end (last ones
    keep their true length)."""
    for start in range(0, length, stride):
        yield range(start, min(start + clip_length, length))
        if start + clip_length >= length:
            return


def infer_dataset(model: nn.Module, settings: InferenceSettings, *, data_root: Path | str,
                  split: str = "valid", out_path: Path | str, ann_file: Path | str | None = None,
                  device: str | torch.device = "cpu", progress: bool = True,
                  category_ids: Sequence[int] | None = None) -> Path:
    """End-to-end clip-by-clip inference with query hand-over; writes a YouTube-VIS result file.

    Args:
        model: EfficientVIS/DenseVIS (K = ``model.num_classes``); moved to ``device`` and set
            to eval mode.
        settings: T, input size, re-initialisation rule, top-k and label mode.
        data_root: ``<split>.json`` and ``<split>/JPEGImages``; ``ann_file`` overrides the JSON.
        out_path: result JSON (a list of ``video_id, category_id, score, segmentations``).
        category_ids: dataset id per class index (default: sorted ids of the annotation file).
    Returns:
        ``out_path``.
    """
    _check_settings(settings)
    data, ann = _dataset(Path(data_root), split, ann_file)
    num_classes = model.num_classes
    ids = _category_ids(data, ann, num_classes, category_ids)
    model.to(device).eval()
    image_dir = Path(data_root) / split / "JPEGImages"
    q_star = model.initial_queries().detach()                             # (N, C)
    bar = tqdm(total=sum(v.length for v in data.videos), disable=not progress, unit="frame",
               desc="infer", dynamic_ncols=True)
    with bar, PredictionStream(out_path) as stream:      # the bar ends its line on errors too
        for video in data.videos:
            size = resized_size(video.height, video.width, short=settings.input_short,
                                max_long=settings.input_max_long)
            tracker = VideoTracker(q_star, num_classes=num_classes, tau_bg=settings.tau_bg,
                                   k_reinit=settings.k_reinit)
            for window in _windows(video.length, settings.clip_length, settings.clip_length):
                pred = predict_clip(model, load_frames(image_dir, video, window, size), video,
                                    init_queries=tracker.next_queries, device=device,
                                    gate_absent_frames=settings.gate_absent_frames)
                tracker.add_clip(window.start, pred.probs, pred.rles, pred.queries)
                bar.update(len(window))
            for entry in video_predictions(tracker.tracks(), video_id=video.id,
                                           length=video.length, category_ids=ids,
                                           top_k=settings.top_k,
                                           label_mode=settings.label_mode,
                                           track_nms_iou=settings.track_nms_iou):
                stream.add(entry)
    logger.info("%d predictions for %d videos -> %s", stream.count, len(data.videos), out_path)
    return Path(out_path)


def _present_mean(probs: np.ndarray, num_classes: int) -> tuple[float, ...]:
    """probs: (T', K+1) -> (K,) mean p_k over present frames (all frames if none)."""
    present = probs[:, num_classes] < 0.5                                 # (T',)
    rows = probs[present] if present.any() else probs                     # (T'', K+1)
    return tuple(float(x) for x in rows[:, :num_classes].mean(0))


def infer_clips(model: nn.Module, settings: InferenceSettings, *, data_root: Path | str,
                split: str = "valid", out_path: Path | str, ann_file: Path | str | None = None,
                stride: int | None = None, device: str | torch.device = "cpu",
                progress: bool = True, category_ids: Sequence[int] | None = None) -> Path:
    """Every clip from q* (no hand-over), windows of T = ``settings.clip_length`` every
    ``stride`` frames (default T; stride < T overlaps); writes every slot of every clip with
    ``ClipResultWriter``. ``settings``' re-initialisation, top-k and label mode are unused."""
    _check_settings(settings)
    data, ann = _dataset(Path(data_root), split, ann_file)
    num_classes = model.num_classes
    ids = _category_ids(data, ann, num_classes, category_ids)
    stride = settings.clip_length if stride is None else stride
    if stride < 1:
        raise InputError(f"stride must be >= 1, got {stride}")
    model.to(device).eval()
    image_dir = Path(data_root) / split / "JPEGImages"
    bar = tqdm(total=len(data.videos), disable=not progress, unit="video", desc="infer clips",
               dynamic_ncols=True)
    with bar, ClipResultWriter(out_path, category_ids=ids, clip_length=settings.clip_length,
                               stride=stride) as writer:
        for video in data.videos:
            writer.add_video(video.id, length=video.length, height=video.height,
                             width=video.width)
            size = resized_size(video.height, video.width, short=settings.input_short,
                                max_long=settings.input_max_long)
            for c, window in enumerate(_windows(video.length, settings.clip_length, stride)):
                pred = predict_clip(model, load_frames(image_dir, video, window, size), video,
                                    init_queries=None, device=device,
                                    gate_absent_frames=settings.gate_absent_frames)
                for i in range(pred.probs.shape[0]):
                    writer.add(ClipTracklet(
                        video_id=video.id, clip_index=c, start=window.start, slot=i,
                        category_scores=_present_mean(pred.probs[i], num_classes),
                        segmentations=tuple(pred.rles[i]),
                        boxes=tuple([float(x) for x in b] for b in pred.boxes[i]),
                        frame_scores=tuple(float(1 - p) for p in pred.probs[i, :, -1])))
            bar.update(1)
    return Path(out_path)
