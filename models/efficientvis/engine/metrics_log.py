"""Per-step training metrics in ``metrics.jsonl`` and ``metrics.csv`` (same rows, two formats).

Rows are appended and flushed every step. The CSV columns are fixed by the first row
(``step, epoch, lr, loss, grad_norm, sec`` first); keys a later row adds go to the JSONL only.
A resumed run first drops the rows after its checkpoint, so the logs match an uninterrupted run.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import IO

from vistoolkit.atomic import write_text_atomic
from vistoolkit.viz.training_curves import read_metrics

_FIRST = ("step", "epoch", "lr", "loss", "grad_norm", "sec")


def _clean(value: float) -> float | int | None:
    return None if isinstance(value, float) and not math.isfinite(value) else value


class MetricsLog:
    """Append-only writer of ``<dir>/metrics.jsonl`` and ``<dir>/metrics.csv``."""

    def __init__(self, out_dir: Path | str, *, keep_until: int | None = None) -> None:
        """Open the logs in ``out_dir``; ``keep_until`` = None starts empty, else rows with
        ``step <= keep_until`` are kept (resume)."""
        self.jsonl_path = Path(out_dir) / "metrics.jsonl"
        self.csv_path = Path(out_dir) / "metrics.csv"
        rows = []
        if keep_until is not None and self.jsonl_path.is_file():
            rows = [r for r in read_metrics(self.jsonl_path) if r.get("step", 0) <= keep_until]
        self.columns: list[str] | None = None
        if rows:
            self.columns = self._columns(rows[0])
        write_text_atomic(self.jsonl_path, "".join(json.dumps(r) + "\n" for r in rows))
        write_text_atomic(self.csv_path, self._csv_text(rows))
        self._jsonl: IO[str] = open(self.jsonl_path, "a", encoding="utf-8")  # noqa: SIM115
        self._csv: IO[str] = open(self.csv_path, "a", encoding="utf-8", newline="")  # noqa: SIM115

    @staticmethod
    def _columns(row: Mapping[str, object]) -> list[str]:
        return [k for k in _FIRST if k in row] + sorted(k for k in row if k not in _FIRST)

    def _csv_text(self, rows: list[dict]) -> str:
        if not rows or self.columns is None:
            return ""
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=self.columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
        return buffer.getvalue()

    def write(self, row: Mapping[str, float | int]) -> None:
        """Append one step's row (non-finite floats become null / empty)."""
        row = {k: _clean(v) for k, v in row.items()}
        self._jsonl.write(json.dumps(row) + "\n")
        self._jsonl.flush()
        writer_needs_header = self.columns is None
        if self.columns is None:
            self.columns = self._columns(row)
        writer = csv.DictWriter(self._csv, fieldnames=self.columns, extrasaction="ignore")
        if writer_needs_header:
            writer.writeheader()
        writer.writerow(row)
        self._csv.flush()

    def close(self) -> None:
        self._jsonl.close()
        self._csv.close()

    def __enter__(self) -> MetricsLog:  # noqa: PYI034
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
