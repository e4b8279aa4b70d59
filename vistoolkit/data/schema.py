"""The structure of the YouTube-VIS / OVIS file formats as msgspec types.

Decoding into these types checks what every record must have on its own (keys, JSON types,
ids that fit int64) and names the bad field: ``Expected `float`, got `str` - at `$[3].score```.
Checks that need other records (ids that exist, the video's size and length, score ranges,
decodable RLE) are ``vistoolkit.data.validate``'s. Result files are decoded straight into
typed frames (compressed RLE ``counts`` kept as str, never decoded here); annotation files are
checked down to their frame lists only, since a GT frame may be a polygon, uncompressed or
compressed RLE, or null.
"""

from __future__ import annotations

from typing import Annotated, Any, TypedDict

import msgspec

from vistoolkit.errors import InputError

Id = Annotated[int, msgspec.Meta(ge=-(2**63), le=2**63 - 1)]   # the evaluator's int64 columns


class RleFrame(TypedDict):
    """A frame as RLE: ``counts`` compressed (str) or uncompressed (run lengths)."""

    size: list[int]
    counts: str | list[int]


# One frame of a result file: RLE, a polygon (flat coordinate lists) or null (absent).
Frame = RleFrame | list[list[int | float]] | None
PREDICTION_KEYS = ("video_id", "category_id", "score", "segmentations")


class PredictionEntry(msgspec.Struct, forbid_unknown_fields=True):
    """One result-file entry with typed frames (the fast path: no other keys)."""

    video_id: Id
    category_id: Id
    score: float
    segmentations: list[Frame]


# A frame as the evaluator's fast loader reads it (``eval.raw_counts``): a compressed-RLE
# object's values are left as raw JSON spans, for the native extension to check and adopt.
RawFrame = dict[str, msgspec.Raw] | list[list[int | float]] | None


class RawPredictionEntry(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """``PredictionEntry`` with ``RawFrame`` frames (the evaluator's fast loader only: an entry
    it cannot take as is, the strict ``PredictionEntry`` decode reads and reports)."""

    video_id: Id
    category_id: Id
    score: float
    segmentations: list[RawFrame]


class PredictionObject(msgspec.Struct):
    """One result entry already in memory: frames as given (``validate`` checks them)."""

    video_id: Id
    category_id: Id
    score: float
    segmentations: list[Any]


class VideoEntry(msgspec.Struct):
    id: Id
    width: int
    height: int
    length: int | msgspec.UnsetType = msgspec.UNSET
    file_names: list[Any] | None = None


class TrackEntry(msgspec.Struct):
    id: Id
    video_id: Id
    category_id: Id
    segmentations: list[Any]
    bboxes: list[Any] | None = None
    areas: list[Any] | None = None
    iscrowd: int = 0


class CategoryEntry(msgspec.Struct):
    id: Id


class AnnotationFile(msgspec.Struct):
    """An annotation file: ``videos`` required, ``annotations``/``categories`` lists or null."""

    videos: list[VideoEntry]
    annotations: list[TrackEntry] | None = None
    categories: list[CategoryEntry] | None = None


def structure_error(err: msgspec.ValidationError, *, path: object, where: str = "",
                    at: str = "$") -> InputError:
    """The one-line ``InputError`` for a msgspec validation error; ``at`` replaces the root
    ``$`` of its field path (``$[3]`` when one array element was decoded alone)."""
    return InputError(str(err).replace("`$", f"`{at}", 1), path=path, where=where)
