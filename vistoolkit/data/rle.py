"""Per-frame mask conversions between the JSON forms and pycocotools' compressed RLE."""

from __future__ import annotations

import msgspec
import numpy as np
from pycocotools import mask as mask_utils

from vistoolkit.data.records import Segmentation


def counts_text(counts: object) -> object:
    """``counts`` as given, except a ``msgspec.Raw`` span of a JSON string (the evaluator's
    fast loader, ``eval.raw_counts``): its str."""
    return msgspec.json.decode(counts) if type(counts) is msgspec.Raw else counts


def to_rle(seg: Segmentation, height: int, width: int) -> dict | None:
    """Compressed RLE (``counts`` bytes) of one frame's segmentation; None stays None.

    Accepts compressed RLE (``counts`` str, bytes or a ``msgspec.Raw`` JSON string), uncompressed RLE (``counts`` list of int)
    and polygons (list of flat coordinate lists).
    """
    if seg is None:
        return None
    if isinstance(seg, dict):
        counts = seg["counts"]
        if isinstance(counts, list):
            h, w = seg["size"]
            return mask_utils.frPyObjects(seg, h, w)
        counts = counts_text(counts)
        if isinstance(counts, str):
            return {"size": list(seg["size"]), "counts": counts.encode("ascii")}
        return {"size": list(seg["size"]), "counts": counts}
    if isinstance(seg, list):
        if len(seg) == 0:
            return encode(np.zeros((height, width), dtype=np.uint8), as_str=False)
        return mask_utils.merge(mask_utils.frPyObjects(seg, height, width))
    raise TypeError(f"unsupported segmentation type {type(seg).__name__}")


def decode(seg: Segmentation, height: int, width: int) -> np.ndarray:
    """Binary mask (H, W) uint8 of one frame; zeros where the segmentation is None."""
    rle = to_rle(seg, height, width)
    if rle is None:
        return np.zeros((height, width), dtype=np.uint8)
    return mask_utils.decode(rle)


def encode(mask: np.ndarray, *, as_str: bool = True) -> dict:
    """Compressed RLE of a binary mask (H, W); ``counts`` as a UTF-8 str (JSON-ready) by default."""
    rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8, copy=False)))
    if as_str:
        rle["counts"] = rle["counts"].decode("ascii")
    return rle


def encode_stack(masks: np.ndarray) -> list[dict]:
    """Compressed RLEs (counts as str) of binary masks (L, H, W), one batched pycocotools call."""
    if len(masks) == 0:
        return []
    rles = mask_utils.encode(np.asfortranarray(masks.transpose(1, 2, 0).astype(np.uint8)))
    for r in rles:
        r["counts"] = r["counts"].decode("ascii")
    return rles


def area(seg: Segmentation, height: int, width: int) -> int:
    """Foreground pixel count of one frame (0 for None)."""
    rle = to_rle(seg, height, width)
    return 0 if rle is None else int(mask_utils.area(rle))


def bbox(seg: Segmentation, height: int, width: int) -> list[float] | None:
    """[x, y, w, h] of one frame's mask, None for None or an empty mask."""
    rle = to_rle(seg, height, width)
    if rle is None or mask_utils.area(rle) == 0:
        return None
    return [float(v) for v in mask_utils.toBbox(rle)]


def to_json_rle(rle: dict | None) -> dict | None:
    """A compressed RLE with ``counts`` as str, ready for ``json.dump``."""
    if rle is None:
        return None
    counts = rle["counts"]
    if isinstance(counts, bytes):
        counts = counts.decode("ascii")
    return {"size": [int(rle["size"][0]), int(rle["size"][1])], "counts": counts}
