"""``RowTable``: a result table kept as rows, a ``pandas.DataFrame`` only when one is asked for.

Every evaluation computes the per-category and per-video tables, but ``vistool eval`` prints
neither by default and writes them to JSON as plain records, so it need not import pandas
(about 0.2 s of its run on a 2021-val-sized case). ``EvalResult.per_category`` /
``per_video`` build the DataFrame on first use, the same one ``pd.DataFrame(rows, columns)``
gives; ``records`` is what ``records_json`` makes of it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


def json_value(v: object) -> object:
    """NaN as None (``null``), anything else as is."""
    return None if isinstance(v, float) and math.isnan(v) else v


class RowTable:
    """Rows (dicts of Python ints, floats and str) under fixed columns; ``frame()`` is the
    DataFrame of them (built once), ``records()`` the JSON-ready rows (NaN as None)."""

    __slots__ = ("_frame", "columns", "rows")

    def __init__(self, columns: Sequence[str], rows: list[dict[str, Any]]) -> None:
        self.columns = tuple(columns)
        self.rows = rows
        self._frame: pd.DataFrame | None = None

    def frame(self) -> pd.DataFrame:
        if self._frame is None:
            import pandas as pd  # here: `vistool eval` without a table never imports it

            self._frame = pd.DataFrame(self.rows, columns=list(self.columns))
        return self._frame

    def records(self) -> list[dict[str, Any]]:
        return [{k: json_value(row[k]) for k in self.columns} for row in self.rows]

    def __len__(self) -> int:
        return len(self.rows)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RowTable):
            return NotImplemented
        return self.frame().equals(other.frame())

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"RowTable({len(self.rows)} rows x {list(self.columns)})"
