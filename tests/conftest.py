"""Shared small fixtures: build tiny YouTube-VIS annotation / result JSON in tmp_path."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from vistoolkit.data import rle

REF_DIR = Path(__file__).resolve().parent / "data" / "ytvis_ref"  # copy of the official-evaluator fixtures


def box_mask(h: int, w: int, y0: int, x0: int, y1: int, x1: int) -> np.ndarray:
    """(h, w) uint8 mask, 1 on rows y0:y1 and columns x0:x1."""
    m = np.zeros((h, w), dtype=np.uint8)
    m[y0:y1, x0:x1] = 1
    return m


def box_rle(h: int, w: int, y0: int, x0: int, y1: int, x1: int) -> dict:
    """Compressed RLE (counts as str) of ``box_mask``."""
    return rle.encode(box_mask(h, w, y0, x0, y1, x1))


def make_gt(videos: list[tuple[int, int, int, int]], tracks: list[dict],
            categories: tuple[int, ...] = (1, 2)) -> dict:
    """Annotation JSON. videos: (id, height, width, length); tracks: dicts with at least
    ``id, video_id, category_id, segmentations``; ``areas``/``bboxes``/``iscrowd`` are filled in
    from the masks unless given."""
    vids = {v[0]: v for v in videos}
    anns = []
    for t in tracks:
        _, h, w, _ = vids.get(t["video_id"], (0, 1, 1, 0))
        ann = {"iscrowd": 0, **t}
        ann.setdefault("areas", [None if s is None else rle.area(s, h, w) for s in t["segmentations"]])
        ann.setdefault("bboxes", [None if s is None else rle.bbox(s, h, w) for s in t["segmentations"]])
        anns.append(ann)
    return {
        "info": {"description": "test"}, "licenses": [],
        "videos": [{"id": i, "height": h, "width": w, "length": n,
                    "file_names": [f"v{i}/{f:05d}.jpg" for f in range(n)]} for i, h, w, n in videos],
        "categories": [{"id": c, "name": f"cat{c}", "supercategory": "object"} for c in categories],
        "annotations": anns,
    }


def make_pred(video_id: int, category_id: int, score: float, segmentations: list) -> dict:
    """One result-file entry."""
    return {"video_id": video_id, "category_id": category_id, "score": score,
            "segmentations": segmentations}


@pytest.fixture
def write_json(tmp_path: Path) -> Callable[[str, object], Path]:
    """``write_json(name, obj) -> path`` inside tmp_path."""

    def _write(name: str, obj: object) -> Path:
        path = tmp_path / name
        path.write_text(json.dumps(obj))
        return path

    return _write


@pytest.fixture
def tiny_gt() -> dict:
    """Two videos (2 frames of 4x6, 3 frames of 8x8) with one track each."""
    a = box_rle(4, 6, 0, 0, 2, 3)
    b = box_rle(8, 8, 2, 2, 6, 6)
    return make_gt([(1, 4, 6, 2), (2, 8, 8, 3)], [
        {"id": 1, "video_id": 1, "category_id": 1, "segmentations": [a, a]},
        {"id": 2, "video_id": 2, "category_id": 2, "segmentations": [b, None, b]},
    ])


@pytest.fixture(params=(True, False), ids=("native", "pycocotools"))
def native(request) -> bool:
    """Both evaluation paths, as ``evaluate(..., native=)`` takes them: the native RLE kernel
    (skipped when the extension is not built or ``VISTOOLKIT_NO_NATIVE`` is set) and the
    pycocotools fallback."""
    from vistoolkit import _native

    if request.param and not _native.AVAILABLE:
        pytest.skip("native RLE kernel not built or disabled by VISTOOLKIT_NO_NATIVE")
    return request.param


@pytest.fixture()
def one_thread():
    """Micro models are too small for intra-op threads to pay off; keeps timings stable."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture()
def masks_with_grad() -> Callable:
    """``stage -> (B, N, T, h, w)`` mask logits with gradient on every entry: ``stage.masks``,
    or ``stage.masks_at`` of all entries when the stage computed ``masks`` without gradient."""
    import torch

    def run(stage):
        if stage.masks_at is None:
            return stage.masks
        grid = torch.meshgrid(*(torch.arange(d) for d in stage.masks.shape[:3]), indexing="ij")
        return stage.masks_at(*(i.flatten() for i in grid)).view(stage.masks.shape)

    return run


def train_micro(out: Path, model_cfg=None, **kw) -> Path:
    """Three iterations of ``micro`` (8 classes) on the fresh synthetic stream; the checkpoint."""
    from efficientvis.config import EfficientVISConfig
    from efficientvis.engine.train import TrainConfig, train

    cfg = TrainConfig(epochs=10**6, max_iters=3, lr=1e-3, warmup_iters=1, ckpt_every=10**6,
                      videos_per_epoch=2, **kw)
    model_cfg = model_cfg or EfficientVISConfig.preset("micro", num_classes=8)
    return train(model_cfg, cfg, data_root=None, out_dir=out, progress=False)
