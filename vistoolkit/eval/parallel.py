"""The per-video IoU phase, serially or in forked worker processes."""

from __future__ import annotations

import itertools
import multiprocessing as mp
from multiprocessing.connection import Connection

import numpy as np
from tqdm import tqdm

from vistoolkit.eval.tables import VideoItems
from vistoolkit.eval.video_iou import VideoOverlaps, video_overlaps


def _serial(items: tuple[VideoItems, ...], trusted_sizes: bool,
            progress: bool) -> list[VideoOverlaps]:
    return [video_overlaps(it.video, it.gt_tracks, it.preds, trusted_sizes=trusted_sizes)
            for it in tqdm(items, desc="video IoU", unit="video", disable=not progress)]


def _worker(items: tuple[VideoItems, ...], trusted_sizes: bool, conn: Connection) -> None:
    conn.send(_serial(items, trusted_sizes, False))
    conn.close()


def video_overlaps_all(items: tuple[VideoItems, ...], *, trusted_sizes: bool, workers: int = 1,
                       progress: bool = False) -> list[VideoOverlaps]:
    """``video_overlaps`` of every video, in order.

    With ``workers`` > 1 and the ``fork`` start method, videos are split into contiguous
    chunks of similar cost; children inherit the records (nothing is pickled but the results).
    """
    if workers <= 1 or len(items) < 2 or "fork" not in mp.get_all_start_methods():
        return _serial(items, trusted_sizes, progress)
    cost = np.cumsum([max(1, len(it.preds)) * max(1, it.video.length) for it in items])
    edges = np.searchsorted(cost, cost[-1] * np.arange(1, workers) / workers)
    bounds = [0, *sorted({int(e) for e in edges}), len(items)]
    ctx = mp.get_context("fork")
    procs, conns = [], []
    for lo, hi in itertools.pairwise(bounds):
        if hi <= lo:
            continue
        recv, send = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_worker, args=(items[lo:hi], trusted_sizes, send), daemon=True)
        proc.start()
        send.close()
        procs.append(proc)
        conns.append(recv)
    out: list[VideoOverlaps] = []
    for proc, conn in zip(procs, conns):
        out.extend(conn.recv())
        proc.join()
        if proc.exitcode != 0:
            raise RuntimeError(f"IoU worker exited with code {proc.exitcode}")
    return out
