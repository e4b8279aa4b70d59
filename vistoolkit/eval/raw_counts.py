"""Result files for the native pass: RLE ``counts`` kept as spans of the file, not str (issue 13).

The evaluator's default path reads every counts string once, in the kernel. Decoding them into
Python str first (1.13M strings, 549M characters on a YouTube-VIS-2021-val-sized file) costs
more than the kernel's decode itself, so ``load_raw_predictions`` decodes the result file in one
msgspec pass with each counts value left as a ``msgspec.Raw`` span of the memory-mapped file,
and the frames become the usual ``{"size", "counts"}`` dicts with that span as ``counts``.

It takes a file only when the strict reader (``data.ytvis_io.load_predictions``) would give the
same records: every entry exactly the four keys, every frame null, a polygon or compressed RLE
whose counts is a plain JSON string (the characters '0'..'o' except the backslash: no escape, no
byte that JSON or UTF-8 would refuse). Anything else (a structure error, extra keys, uncompressed
RLE, an escape) returns None and the caller reads the file the strict way, which reports every
problem exactly as before. The pycocotools fallback never sees raw counts: ``text_counts``
turns them into str first (``check_inputs``' full checks, frames the kernel does not take).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from pathlib import Path

import msgspec

from vistoolkit import _native
from vistoolkit.data.json_io import try_decode_mapped
from vistoolkit.data.records import PredTrack
from vistoolkit.data.rle import counts_text
from vistoolkit.data.schema import RawPredictionEntry


@functools.cache
def _raw_decoder() -> msgspec.json.Decoder:
    return msgspec.json.Decoder(list[RawPredictionEntry])


def load_raw_predictions(path: Path | str
                         ) -> tuple[list[PredTrack], Callable[[], None]] | None:
    """The result file's records with raw counts spans and a function that hands the file's
    resident pages back (``json_io.try_decode_mapped``: called as the native pass goes, the
    file is never all resident at once); None when it is not such a plain file (or the
    extension is not loaded): then read it with ``load_predictions``."""
    if not _native.AVAILABLE:
        return None
    decoded = try_decode_mapped(path, _raw_decoder())
    if decoded is None:
        return None
    entries, release = decoded
    sizes: dict[tuple, list] = {}
    out = []
    for i, e in enumerate(entries):
        if not _native.adopt_raw_frames(e.segmentations, sizes):
            return None
        out.append(PredTrack(video_id=e.video_id, category_id=e.category_id, score=e.score,
                             segmentations=tuple(e.segmentations), index=i, extra={}))
    release()
    return out, release


def text_counts(records: Iterable[PredTrack]) -> None:
    """Replace raw counts spans by their str, in place (the frames stay the same dicts), for
    code that reads counts as str (the full input checks, pycocotools). Records as loaded by
    ``load_raw_predictions`` all have raw counts or none: nothing is scanned past the first
    RLE frame when it has none."""
    first = True
    for p in records:
        for seg in p.segmentations:
            if type(seg) is not dict:
                continue
            counts = seg.get("counts")
            if type(counts) is msgspec.Raw:
                seg["counts"] = counts_text(counts)
            elif first:
                return
            first = False
