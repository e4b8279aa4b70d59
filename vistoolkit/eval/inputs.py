"""Loading and checking the two input files before any number is computed."""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vistoolkit.data.records import Dataset, PredTrack
from vistoolkit.data.validate import (
    LENIENT_KINDS,
    Problem,
    raise_first,
    validate_dataset,
    validate_predictions,
)
from vistoolkit.data.ytvis_io import parse_dataset, parse_predictions
from vistoolkit.errors import InputError

logger = logging.getLogger(__name__)

def read_json_file(path: Path | str) -> Any:
    """Parse a UTF-8 JSON file read as text (one copy of the file in memory, not two);
    errors become one-line ``InputError``s."""
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError:
        raise InputError("file not found", path=path) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise InputError(f"not valid JSON ({err})", path=path) from None


def load_gt(gt: Dataset | Path | str) -> tuple[Dataset, Path | str | None]:
    """A ground-truth ``Dataset`` and its path (None when given in memory)."""
    if isinstance(gt, Dataset):
        return gt, None
    return parse_dataset(read_json_file(gt), path=gt), gt


def load_preds(preds: list[PredTrack] | Path | str) -> tuple[list[PredTrack], Path | str | None]:
    """Predictions in file order and their path (None when given in memory)."""
    if isinstance(preds, (str, Path)):
        return parse_predictions(read_json_file(preds), path=preds), preds
    return list(preds), None


@dataclass(frozen=True, slots=True)
class CheckReport:
    """What ``--lenient`` tolerated: records affected per problem kind, and whether every
    prediction mask has the video's size (then the evaluator skips per-frame size checks)."""

    tolerated: dict[str, int]
    sizes_ok: bool


def _split(problems: list[Problem], lenient: bool) -> tuple[list[Problem], list[Problem]]:
    if not lenient:
        return problems, []
    refused = [p for p in problems if p.kind not in LENIENT_KINDS]
    return refused, [p for p in problems if p.kind in LENIENT_KINDS]


def check_inputs(gt: Dataset, preds: list[PredTrack], *, gt_path: Path | str | None,
                 pred_path: Path | str | None, lenient: bool = False, allow_empty: bool = False,
                 check_rle: bool = True) -> CheckReport:
    """Validate GT and predictions; raise ``InputError`` on the first refused problem.

    By default every problem is refused. With ``lenient``, problems of the kinds the official
    evaluator survives (``length``: zip truncation, ``size``: zero-size merge, and
    ``unknown_category``: dropped) are tolerated and counted.
    """
    refused, tolerated = _split(validate_dataset(gt, check_rle=check_rle), lenient)
    raise_first(refused, path=gt_path)
    pproblems = validate_predictions(preds, gt, path=pred_path, allow_empty=allow_empty,
                                     check_rle=check_rle)
    prefused, ptolerated = _split(pproblems, lenient)
    raise_first(prefused, path=pred_path)
    counts = Counter(p.kind for p in tolerated + ptolerated)
    for kind, n in sorted(counts.items()):
        logger.info("lenient: %d record(s) with %s problems evaluated as officially", n, kind)
    return CheckReport(dict(counts), sizes_ok=not any(p.kind == "size" for p in ptolerated))
