"""Library entry points for the analyses beyond AP: HOTA (TrackEval's numbers) and the TIVE
error analysis, from a ground truth and a result file (paths or records).

Each runs the official evaluation once (``vistoolkit.eval.evaluate``; keyword arguments such as
``lenient`` or ``workers`` go through) with the metric asked for::

    from vistoolkit.eval.analysis import hota_scores, stats_with_hota
    hota_scores("valid.json", "results.json")["class_averaged"]["AssA"]
    stats_with_hota(gt, preds)   # the 12 stats plus HOTA, DetA, AssA, LocA (class-averaged)

``stats_with_hota`` has the ``score_fn`` signature of the studies ((GT, predictions) ->
stats), so a study that scores with it reports AssA beside AP.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from vistoolkit.data.records import Dataset, PredTrack
from vistoolkit.eval.evaluate import evaluate
from vistoolkit.eval.metrics.hota import hota_json

Predictions = Path | str | list[PredTrack]
HOTA_KEYS: tuple[str, ...] = ("HOTA", "DetA", "AssA", "LocA")


def hota_scores(gt: Dataset | Path | str, predictions: Predictions,
                **evaluate_options: Any) -> dict:
    """TrackEval's HOTA family: ``{"class_averaged": {...}, "detection_averaged": {...},
    "per_class": {"<category id>": {...}}}`` with HOTA, DetA, AssA, LocA, DetRe, DetPr,
    AssRe, AssPr, OWTA, HOTA(0), LocA(0), HOTALocA(0) as fractions (None where undefined)."""
    result = evaluate(gt, predictions, breakdowns=("hota",), **evaluate_options)
    return hota_json(result.breakdowns["hota"])


def stats_with_hota(gt: Dataset | Path | str, predictions: Predictions, *,
                    scope: str = "class_averaged", **evaluate_options: Any) -> dict[str, float]:
    """The 12 official stats plus ``HOTA``, ``DetA``, ``AssA`` and ``LocA`` of ``scope``
    (``"class_averaged"``, TrackEval's headline row, or ``"detection_averaged"``); one
    evaluation. ``allow_empty`` defaults to True here, as in the studies."""
    evaluate_options.setdefault("allow_empty", True)
    result = evaluate(gt, predictions, breakdowns=("hota",), **evaluate_options)
    row = hota_json(result.breakdowns["hota"])[scope]
    return {**result.stats, **{k: float("nan") if row[k] is None else row[k] for k in HOTA_KEYS}}


def error_analysis(gt: Dataset | Path | str, predictions: Predictions,
                   **evaluate_options: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """TIVE errors on the official AP50 and the per-video AP, from one evaluation.

    Returns:
        errors: ``error, kind, count, AP, dAP`` (``vistoolkit.eval.metrics.errors``).
        videos: ``video_id, n_gt, n_pred, AP, AP50, AP75``, worst first.
    """
    result = evaluate(gt, predictions, breakdowns=("errors", "video-ap"), **evaluate_options)
    return result.breakdowns["errors"], result.breakdowns["video-ap"]

