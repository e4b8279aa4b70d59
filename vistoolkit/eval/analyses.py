"""How the analysis metrics appear in ``vistool eval`` output: unlike the bucket breakdowns
(``length``, ``short-long``: one text table and ``breakdowns.<name>`` records), each has its
own text block and a top-level JSON key (``hota``, ``errors``, ``video_ap``); ``video-curves``
is internal (``vistoolkit.eval.compare``) and appears nowhere.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING

from vistoolkit.eval.metrics.errors import errors_json, format_errors
from vistoolkit.eval.metrics.hota import format_hota, hota_json
from vistoolkit.eval.metrics.video_ap import format_worst_videos, video_ap_json

if TYPE_CHECKING:
    import pandas as pd

# metric name -> (JSON key, to JSON, to text); None: not shown there
FORMS: Mapping[str, tuple[str, Callable[[pd.DataFrame], object] | None,
                          Callable[[pd.DataFrame], str] | None]] = MappingProxyType({
    "hota": ("hota", hota_json, format_hota),
    "errors": ("errors", errors_json, format_errors),
    "video-ap": ("video_ap", video_ap_json, format_worst_videos),
    "video-curves": ("video_curves", None, None),
})


def analyses_json(breakdowns: Mapping[str, pd.DataFrame]) -> dict[str, object]:
    """Top-level JSON entries of the analysis metrics present in ``breakdowns``."""
    return {key: to_json(breakdowns[name]) for name, (key, to_json, _) in FORMS.items()
            if name in breakdowns and to_json is not None}


def analysis_text(name: str, df: pd.DataFrame) -> str | None:
    """The text block of analysis metric ``name`` ("" when it has none); None when ``name``
    is not an analysis metric (a bucket breakdown)."""
    if name not in FORMS:
        return None
    to_text = FORMS[name][2]
    return "" if to_text is None else to_text(df)
