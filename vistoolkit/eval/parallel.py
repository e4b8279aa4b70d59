"""The per-string and per-video phases (RLE check, mask areas, video IoU), serially or in
forked worker processes.

With ``fork``, children inherit the parsed records copy-on-write; each gets a contiguous chunk
of videos of similar cost, checks the RLE strings of the predictions of those videos, reuses
their areas for the IoU phase and sends back only small arrays.
"""

from __future__ import annotations

import itertools
import multiprocessing as mp
import os
import signal
from dataclasses import dataclass
from multiprocessing.connection import Connection

import numpy as np
from tqdm import tqdm

from vistoolkit.data.rle_totals import rle_counts_totals_areas
from vistoolkit.data.validate import PredictionCheck
from vistoolkit.eval.known_areas import KnownAreas, known_areas
from vistoolkit.eval.tables import VideoItems
from vistoolkit.eval.video_iou import VideoOverlaps, video_overlaps


@dataclass(frozen=True, slots=True)
class ChunkResult:
    """What one chunk sends back: its strings whose totals are wrong, and its overlaps."""

    bad: np.ndarray           # (B,) indices into the collected strings
    bad_totals: np.ndarray    # (B,) their decoded totals (-1: malformed)
    overlaps: list[VideoOverlaps] | None  # None when ``bad`` is non-empty


def resolve_workers(workers: int) -> int:
    """``workers`` processes; 0 means one per available core."""
    if workers < 0:
        raise ValueError(f"workers must be >= 0, got {workers}")
    if workers == 0:
        return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
            os.cpu_count() or 1)
    return workers


def _overlaps(items: tuple[VideoItems, ...], trusted_sizes: bool, known: KnownAreas | None,
              progress: bool) -> list[VideoOverlaps]:
    return [video_overlaps(it.video, it.gt_tracks, it.preds, trusted_sizes=trusted_sizes,
                           known=known)
            for it in tqdm(items, desc="video IoU", unit="video", disable=not progress)]


def _chunk(items: tuple[VideoItems, ...], trusted_sizes: bool, check: PredictionCheck | None,
           strings: np.ndarray | None, known: KnownAreas | None, progress: bool) -> ChunkResult:
    """RLE check of ``strings`` (indices into ``check.strings``), then the chunk's IoUs with
    the areas that check decoded (else ``known``)."""
    empty = np.zeros(0, dtype=np.int64)
    if check is not None and strings is not None and len(strings):
        found = check.strings
        sub = [found.strings[i] for i in strings.tolist()]
        totals, areas = rle_counts_totals_areas(sub, found.expected[strings])
        wrong = np.flatnonzero(totals != found.expected[strings])
        if len(wrong):
            return ChunkResult(strings[wrong], totals[wrong], None)
        known = known_areas(check.records, found, areas, subset=strings)
    return ChunkResult(empty, empty, _overlaps(items, trusted_sizes, known, progress))


def _worker(args: tuple, conn: Connection) -> None:
    # Ctrl-C reaches the whole process group: the parent stops (exit 130) and ends its daemonic
    # children, which must not print a KeyboardInterrupt traceback of their own; SIGTERM ends
    # a child at once (the parent's handler, inherited through fork, would raise here).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    conn.send(_chunk(*args, progress=False))
    conn.close()


def _bounds(items: tuple[VideoItems, ...], workers: int) -> list[int]:
    cost = np.cumsum([max(1, len(it.preds)) * max(1, it.video.length) for it in items])
    edges = np.searchsorted(cost, cost[-1] * np.arange(1, workers) / workers)
    return [0, *sorted({int(e) for e in edges if 0 < e < len(items)}), len(items)]


def _string_chunks(check: PredictionCheck, items: tuple[VideoItems, ...],
                   bounds: list[int]) -> list[np.ndarray]:
    """Indices of the collected strings per chunk, by the video of their record (records of
    videos outside every chunk go to the first)."""
    chunk_of = {it.video.id: c for c, (lo, hi) in enumerate(itertools.pairwise(bounds))
                for it in items[lo:hi]}
    rec_chunk = np.fromiter((chunk_of.get(p.video_id, 0) for p in check.records),
                            dtype=np.int64, count=len(check.records))          # (P,)
    str_chunk = rec_chunk[check.strings.owner]                                  # (F,)
    order = np.argsort(str_chunk, kind="stable")
    return np.split(order, np.searchsorted(str_chunk[order], np.arange(1, len(bounds) - 1)))


def checked_overlaps(items: tuple[VideoItems, ...], *, trusted_sizes: bool,
                     check: PredictionCheck | None = None, known: KnownAreas | None = None,
                     workers: int = 1, progress: bool = False) -> list[ChunkResult]:
    """RLE check of ``check``'s strings (if given) and ``video_overlaps`` of every video.

    Returns one ``ChunkResult`` per chunk, in video order. ``known`` supplies areas decoded
    earlier (serial path). With ``workers`` > 1 and ``fork`` available, chunks run in children.
    """
    workers = resolve_workers(workers)
    parallel = workers > 1 and len(items) > 1 and "fork" in mp.get_all_start_methods()
    bounds = _bounds(items, workers) if parallel and items else [0, len(items)]
    chunks = (_string_chunks(check, items, bounds) if check is not None
              else [None] * (len(bounds) - 1))
    if len(bounds) <= 2:
        return [_chunk(items, trusted_sizes, check, chunks[0], known, progress)]
    ctx = mp.get_context("fork")
    pieces = list(zip(itertools.pairwise(bounds), chunks))
    procs, conns = [], []
    for (lo, hi), strings in pieces[:-1]:          # the last chunk runs in this process
        recv, send = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_worker, args=((items[lo:hi], trusted_sizes, check, strings, known),
                                                 send), daemon=True)
        proc.start()
        send.close()
        procs.append(proc)
        conns.append(recv)
    (lo, hi), strings = pieces[-1]
    own = _chunk(items[lo:hi], trusted_sizes, check, strings, known, progress)
    out = []
    for proc, conn in zip(procs, conns):
        try:
            out.append(conn.recv())
        except EOFError:
            out.append(None)
        proc.join()
        if proc.exitcode != 0 or out[-1] is None:
            raise RuntimeError(f"evaluation worker exited with code {proc.exitcode}")
    return out + [own]
