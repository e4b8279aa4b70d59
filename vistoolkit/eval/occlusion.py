"""OVIS occlusion labels and a track's occlusion score (qjy981010/cocoapi ``oviseval.py``).

OVIS ground truth labels every frame of a track ``no_occlusion``, ``slight_occlusion`` or
``severe_occlusion`` (scores 0, 0.25, 0.75) or null. The OVIS evaluator (``OVISeval._prepare``)
scores a track by the mean of the highest ceil(n/2) scores of its n labelled frames; labels are
read from the ``occlusion`` list alone (a label on a frame without a mask counts, a null label
on a frame with one does not).
"""

from __future__ import annotations

import math
from pathlib import Path

from vistoolkit.data.records import Track
from vistoolkit.errors import InputError
from vistoolkit.eval.tables import EvalTables

OCCLUSION_SCORES: dict[str, float] = {
    "no_occlusion": 0.0, "slight_occlusion": 0.25, "severe_occlusion": 0.75,
}
_EXPECTED = "per-frame labels no_occlusion / slight_occlusion / severe_occlusion or null"


def occlusion_score(labels: list) -> float:
    """Mean of the top ceil(n/2) scores of the n non-null ``labels`` (official ``_prepare``).

    Raises:
        ValueError: no non-null label, or a label that is not one of ``OCCLUSION_SCORES``.
    """
    scores = sorted(OCCLUSION_SCORES[a] for a in labels if a is not None)
    if not scores:
        raise ValueError("no frame has an occlusion label")
    top = scores[-math.ceil(len(scores) / 2):]
    return sum(top) / len(top)          # same float operations as the OVIS evaluator


def track_occlusion_score(track: Track, *, path: Path | str | None = None) -> float:
    """``occlusion_score`` of a GT track's ``occlusion`` field.

    Raises:
        InputError: the field is missing or null, not a list, has no label, or has a label
            other than the three OVIS ones (the OVIS evaluator crashes on each of these).
    """
    where = f"annotation id={track.id} (video_id={track.video_id})"
    labels = track.extra.get("occlusion")
    if labels is None:
        raise InputError(f"no 'occlusion' labels; --protocol ovis needs OVIS ground truth "
                         f"({_EXPECTED})", path=path, where=where)
    if not isinstance(labels, list):
        raise InputError(f"'occlusion' must be a list ({_EXPECTED})", path=path, where=where)
    unknown = [a for a in labels if a is not None and (not isinstance(a, str)
                                                       or a not in OCCLUSION_SCORES)]
    if unknown:
        raise InputError(f"unknown occlusion label {unknown[0]!r} (expected {_EXPECTED})",
                         path=path, where=where)
    if all(a is None for a in labels):
        raise InputError("no frame has an occlusion label (all null or empty): its occlusion "
                         "score is undefined", path=path, where=where)
    return occlusion_score(labels)


def check_occlusion(tables: EvalTables, *, gt_path: Path | str | None) -> None:
    """Every evaluated GT track has usable occlusion labels (``track_occlusion_score``).

    Raises:
        InputError: for the first track without them.
    """
    for item in tables.videos:
        for track in item.gt_tracks:
            track_occlusion_score(track, path=gt_path)
