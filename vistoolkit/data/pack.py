"""Package a result file for the YouTube-VIS server: ``results.json`` at the root of a zip."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

from vistoolkit.atomic import atomic_open
from vistoolkit.data.checked import load_checked_dataset, standalone_problems
from vistoolkit.data.problems import WARNING_KINDS, Problem, raise_first
from vistoolkit.data.validate import validate_predictions
from vistoolkit.data.ytvis_io import load_predictions

ARCNAME = "results.json"


@dataclass(frozen=True, slots=True)
class PackResult:
    """What ``pack_results`` wrote: ``predictions`` records, ``zip_bytes`` on disk."""

    path: Path
    predictions: int
    zip_bytes: int
    json_bytes: int


def pack_results(pred_path: Path | str, out_path: Path | str, *, gt_path: Path | str | None = None,
                 allow_empty: bool = False) -> PackResult:
    """Check ``pred_path`` (structure; everything against ``gt_path`` when given) and zip it.

    The file's bytes go into the archive unchanged as ``results.json``; the zip is written
    atomically, so a failed check or write leaves no output.

    Raises:
        InputError: the result file (or the ground truth) is invalid.
    """
    pred_path, out_path = Path(pred_path), Path(out_path)
    preds = load_predictions(pred_path)
    if gt_path is not None:
        problems = validate_predictions(preds, load_checked_dataset(gt_path), path=pred_path,
                                        allow_empty=allow_empty)
    else:                                   # what can be checked without the ground truth
        problems = [p for p in standalone_problems(preds) if p.kind not in WARNING_KINDS]
        if not preds and not allow_empty:
            problems = [Problem("empty", "the result list is empty", "top level")]
    raise_first(problems, path=pred_path)
    with (atomic_open(out_path, "wb") as handle,
          zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive):
        archive.write(pred_path, arcname=ARCNAME)
    return PackResult(path=out_path, predictions=len(preds), zip_bytes=out_path.stat().st_size,
                      json_bytes=pred_path.stat().st_size)
