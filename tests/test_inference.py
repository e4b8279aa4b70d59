"""Clip-by-clip inference (efficientvis.engine.inference and video_tracks), spec §8."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from efficientvis.config import EfficientVISConfig
from efficientvis.engine.inference import (
    InferenceSettings,
    _windows,
    infer_clips,
    infer_dataset,
)
from efficientvis.engine.video_tracks import (
    PredictionStream,
    VideoTrack,
    update_background,
    video_predictions,
)
from efficientvis.model import EfficientVISOutput, StageOutput
from PIL import Image
from torch import nn

from vistoolkit.data import rle
from vistoolkit.data.clip_results import load_clip_results
from vistoolkit.data.ytvis_io import load_predictions
from vistoolkit.eval import evaluate

H, W, L = 32, 48, 8        # original frames; micro resizes them to 43 x 64 (scale 4/3)
SETTINGS = InferenceSettings.from_config(EfficientVISConfig.preset("micro", k_reinit=2))


class ScriptedModel(nn.Module):
    """Slot 0: class 0 on the left half, slot 1: class 1 on the right half, slot 2: background.
    Output queries = input queries + 1, so the hand-over is checkable; calls are recorded."""

    def __init__(self) -> None:
        super().__init__()
        self.num_classes = 2
        self.q_star = nn.Parameter(torch.arange(12, dtype=torch.float32).view(3, 4))
        self.calls: list[torch.Tensor] = []

    def initial_queries(self) -> torch.Tensor:
        return self.q_star

    def forward(self, images, frame_valid, image_sizes, init_queries=None, final_masks_only=False):
        B, T = images.shape[:2]
        q0 = self.q_star[None] if init_queries is None else init_queries      # (1, N, C)
        self.calls.append(q0[0].detach().clone())
        logits = torch.full((B, 3, T, 3), -10.0)
        logits[:, 0, :, 0] = logits[:, 1, :, 1] = logits[:, 2, :, 2] = 10.0
        h, w = image_sizes[0].tolist()
        boxes = torch.tensor([[0, 0, w / 2, h], [w / 2, 0, w, h], [0, 0, 1, 1]], dtype=torch.float)
        boxes = boxes[None, :, None].expand(B, 3, T, 4)                       # (B, N, T, 4)
        masks = torch.full((B, 3, T, 16, 16), 10.0)
        masks[:, 2] = -10.0
        stage = StageOutput(logits, boxes, masks, boxes)
        queries = (q0 + 1)[:, :, None].expand(B, 3, T, 4)                     # (B, N, T, C)
        return EfficientVISOutput((stage,), queries)


def _write_video_set(root: Path) -> None:
    names = [f"v1/{i:05d}.jpg" for i in range(L)]
    (root / "valid" / "JPEGImages" / "v1").mkdir(parents=True)
    for name in names:
        Image.fromarray(np.full((H, W, 3), 128, np.uint8)).save(root / "valid/JPEGImages" / name)
    left, right = np.zeros((H, W), np.uint8), np.zeros((H, W), np.uint8)
    left[:, : W // 2], right[:, W // 2:] = 1, 1
    anns = [{"id": k + 1, "video_id": 1, "category_id": cat, "iscrowd": 0,
             "segmentations": [rle.encode(m)] * L, "areas": [float(m.sum())] * L,
             "bboxes": [[0.0, 0.0, 1.0, 1.0]] * L}
            for k, (cat, m) in enumerate(((5, left), (7, right)))]
    (root / "valid.json").write_text(json.dumps({
        "videos": [{"id": 1, "width": W, "height": H, "length": L, "file_names": names}],
        "annotations": anns, "categories": [{"id": 7, "name": "b"}, {"id": 5, "name": "a"}]}))


pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture()
def data_root(tmp_path: Path) -> Path:
    _write_video_set(tmp_path)
    return tmp_path


def test_windows_last_clip_true_length() -> None:
    assert [(w.start, w.stop) for w in _windows(8, 3, 3)] == [(0, 3), (3, 6), (6, 8)]
    assert [(w.start, w.stop) for w in _windows(8, 3, 2)] == [(0, 3), (2, 5), (4, 7), (6, 8)]
    assert [(w.start, w.stop) for w in _windows(2, 3, 3)] == [(0, 2)]


def test_update_background_k_clips_in_a_row_reinitialises() -> None:
    count = np.array([0, 1, 2, 2])
    fg_max = np.array([0.01, 0.01, 0.01, 0.9])
    new, reinit = update_background(count, fg_max, tau_bg=0.05, k_reinit=3)
    assert new.tolist() == [1, 2, 0, 0]
    assert reinit.tolist() == [False, False, True, False]


def test_infer_dataset_handover_keeps_identity_and_reinit_starts_new_track(
        data_root: Path, tmp_path: Path) -> None:
    model = ScriptedModel()
    out = infer_dataset(model, SETTINGS, data_root=data_root, out_path=tmp_path / "r.json",
                        progress=False)
    q_star = model.q_star.detach()
    assert len(model.calls) == 3                                  # clips [0,3) [3,6) [6,8)
    torch.testing.assert_close(model.calls[0], q_star)
    torch.testing.assert_close(model.calls[1], q_star + 1)        # time-averaged hand-over
    torch.testing.assert_close(model.calls[2][:2], q_star[:2] + 2)
    torch.testing.assert_close(model.calls[2][2], q_star[2])      # slot 2: background twice
    preds = load_predictions(out)
    present = {(p.category_id, tuple(s is not None for s in p.segmentations)) for p in preds}
    # class index 0 -> category 5 (sorted ids), one track spanning all clips
    best = {p.category_id: p for p in preds if p.score > 0.9}
    assert sorted(best) == [5, 7]
    assert all(s is not None for s in best[5].segmentations)
    left = rle.decode(best[5].segmentations[7], H, W)
    assert left[:, : W // 2].all() and not left[:, W // 2:].any()  # pasted at 32 x 48
    # slot 2 closed after frame 5, new track from frame 6
    assert (5, (True,) * 6 + (False,) * 2) in present
    assert (5, (False,) * 6 + (True,) * 2) in present
    stats = evaluate(data_root / "valid.json", out).stats
    assert stats["AP"] == pytest.approx(1.0)


def test_inference_settings_from_config_takes_its_fields() -> None:
    cfg = EfficientVISConfig.preset("tiny", tau_bg=0.2, top_k=4, label_mode="argmax",
                                    track_nms_iou=0.6)
    s = InferenceSettings.from_config(cfg)
    assert s.track_nms_iou == 0.6
    assert (s.clip_length, s.input_short, s.input_max_long) == (4, 96, 128)
    assert (s.tau_bg, s.k_reinit, s.top_k, s.label_mode, s.gate_absent_frames) == (
        0.2, 3, 4, "argmax", False)
    assert s.replace(top_k=2).top_k == 2 and s.top_k == 4


@pytest.mark.parametrize("change", [{"clip_length": 0}, {"top_k": 0}, {"k_reinit": 0},
                                    {"label_mode": "best"}, {"track_nms_iou": 1.5}])
def test_inference_settings_bad_value_raises_value_error(change: dict) -> None:
    with pytest.raises(ValueError):
        SETTINGS.replace(**change)


def test_infer_dataset_without_settings_raises_no_preset_fallback(data_root: Path,
                                                                  tmp_path: Path) -> None:
    cfg = EfficientVISConfig.preset("micro", num_classes=2)
    with pytest.raises(TypeError, match="expected InferenceSettings, got EfficientVISConfig"):
        infer_dataset(ScriptedModel(), cfg, data_root=data_root, out_path=tmp_path / "r.json")
    assert not (tmp_path / "r.json").exists()


def test_infer_clips_writes_every_slot_of_every_window(data_root: Path, tmp_path: Path) -> None:
    path = infer_clips(ScriptedModel(), SETTINGS, data_root=data_root,
                       out_path=tmp_path / "c.jsonl", stride=2, progress=False)
    res = load_clip_results(path)
    assert len(res.tracklets) == 4 * 3
    t = next(t for t in res.tracklets if t.clip_index == 3 and t.slot == 1)
    assert (t.start, t.length) == (6, 2)
    assert t.boxes[0] == pytest.approx([W / 2, 0, W, H], abs=1e-4)   # original pixels
    assert t.category_scores == pytest.approx((0.0, 1.0), abs=1e-6)
    assert t.frame_scores == pytest.approx((1.0, 1.0), abs=1e-6)


def test_track_scores_mean_over_present_frames() -> None:
    track = VideoTrack(0, 0, 2, num_classes=2)
    probs = np.array([[0.6, 0.2, 0.2], [0.1, 0.1, 0.8], [0.2, 0.6, 0.2]])  # frame 1 absent
    track.add(probs, [{"size": [1, 1], "counts": "1"}] * 3)
    assert track.class_scores() == pytest.approx([0.4, 0.4])
    other = VideoTrack(1, 1, 0, num_classes=2)
    other.add(np.array([[0.1, 0.3, 0.6]]), [None])
    assert other.class_scores() == pytest.approx([0.1, 0.3])          # no present frame
    top = video_predictions([track, other], video_id=3, length=5, category_ids=(10, 20),
                            top_k=3)
    assert [p["category_id"] for p in top] == [10, 20, 20]
    assert [p["score"] for p in top] == pytest.approx([0.4, 0.4, 0.3])
    assert top[0]["segmentations"][:2] == [None, None] and len(top[0]["segmentations"]) == 5
    arg = video_predictions([track, other], video_id=3, length=5, category_ids=(10, 20),
                            label_mode="argmax")
    assert [p["category_id"] for p in arg] == [10, 20]


def _columns_track(track_id: int, start: int, cols: int, frames: int, scores: list) -> VideoTrack:
    """A 4 x 4 track whose mask is columns 0 .. cols-1 on ``frames`` frames from ``start``."""
    mask = np.zeros((4, 4), dtype=np.uint8)
    mask[:, :cols] = 1
    track = VideoTrack(track_id, track_id, start, num_classes=2)
    probs = np.array([[*scores, 0.0]] * frames)                        # always present
    track.add(probs, [rle.encode(mask)] * frames)
    return track


def test_video_predictions_track_nms_fills_top_k_after_suppression() -> None:
    a = _columns_track(0, 0, 2, 2, [0.9, 0.1])
    dup = _columns_track(1, 0, 2, 2, [0.8, 0.2])          # the same mask as a
    other = _columns_track(2, 0, 4, 2, [0.1, 0.7])        # half overlap with a
    plain = video_predictions([a, dup, other], video_id=1, length=2, category_ids=(5, 6),
                              top_k=3)
    assert [(p["category_id"], p["score"]) for p in plain] == pytest.approx(
        [(5, 0.9), (5, 0.8), (6, 0.7)])
    nms = video_predictions([a, dup, other], video_id=1, length=2, category_ids=(5, 6),
                            top_k=3, track_nms_iou=0.5)
    assert [(p["category_id"], p["score"]) for p in nms] == pytest.approx(
        [(5, 0.9), (6, 0.7), (6, 0.2)])                   # dup's class-5 pair dropped, refilled
    arg = video_predictions([a, dup, other], video_id=1, length=2, category_ids=(5, 6),
                            label_mode="argmax", track_nms_iou=0.5)
    assert [(p["category_id"], p["score"]) for p in arg] == pytest.approx([(5, 0.9), (6, 0.7)])


def test_prediction_stream_is_valid_json_and_atomic(tmp_path: Path) -> None:
    with PredictionStream(tmp_path / "empty.json"):
        pass
    assert json.loads((tmp_path / "empty.json").read_text()) == []
    entry = {"video_id": 1, "category_id": 5, "score": 0.5, "segmentations": [None] * L}
    with PredictionStream(tmp_path / "two.json") as stream:
        stream.add(entry)
        stream.add(entry)
    assert [p.score for p in load_predictions(tmp_path / "two.json")] == [0.5, 0.5]
    with pytest.raises(RuntimeError), PredictionStream(tmp_path / "broken.json") as stream:
        stream.add(entry)
        raise RuntimeError("interrupted")
    assert list(tmp_path.glob("*broken*")) == []
