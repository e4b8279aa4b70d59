"""YouTube-VIS data layer: records, JSON I/O, validation, resampling, splits, clips (no torch)."""

from vistoolkit.data.records import Category, Dataset, PredTrack, Track, Video
from vistoolkit.data.ytvis_io import (
    load_dataset,
    load_predictions,
    save_dataset,
    save_predictions,
)

__all__ = [
    "Category", "Dataset", "PredTrack", "Track", "Video",
    "load_dataset", "load_predictions", "save_dataset", "save_predictions",
]
