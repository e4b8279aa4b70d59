"""YouTube-VIS data layer: records, the one way files come in (JSON I/O, annotation, result and
clip-result files), validation, resampling, splits, clips (no torch)."""

from vistoolkit.data.clip_results import load_clip_results
from vistoolkit.data.json_io import gc_paused, read_json
from vistoolkit.data.records import Category, Dataset, PredTrack, Track, Video
from vistoolkit.data.ytvis_io import (
    load_dataset,
    load_gt,
    load_predictions,
    load_preds,
    save_dataset,
    save_predictions,
)

__all__ = [
    "Category", "Dataset", "PredTrack", "Track", "Video",
    "gc_paused", "load_clip_results", "load_dataset", "load_gt", "load_predictions", "load_preds",
    "read_json", "save_dataset", "save_predictions",
]
