"""Decodability of compressed RLE ``counts`` strings, for many strings at once.

A counts string is decodable for a ``size`` [h, w] when its run lengths add up to h*w. The
pycocotools string format: 6-bit characters from '0', continuation bit 0x20, sign bit 0x10 on the
last character of a number, and every count after the third stored as the difference to the count
two places back. ``rle_counts_totals`` finds the totals at pycocotools' C speed and confirms any
surprise with the exact numpy decoder ``rle_counts_totals_exact``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from pycocotools import mask as mask_utils

_CHUNK_STRINGS = 65536  # strings decoded per numpy batch in the exact decoder
_WINDOW = 8  # characters read for a string's first number (7 hold any 32-bit count)


def rle_counts_totals(strings: Sequence[str | bytes],
                      expected: np.ndarray | None = None) -> np.ndarray:
    """Sum of the decoded run lengths of each compressed RLE ``counts`` string; -1 if malformed.

    A screen at pycocotools' C speed (two batched ``area`` passes, see ``_screen_totals``) finds
    the totals; every string it cannot confirm (or, given ``expected`` (F,), whose total differs from it) is
    decoded exactly by ``rle_counts_totals_exact``. Returns (F,) int64.
    """
    return rle_counts_totals_areas(strings, expected)[0]


def rle_counts_totals_areas(strings: Sequence[str | bytes], expected: np.ndarray | None = None
                            ) -> tuple[np.ndarray, np.ndarray]:
    """``rle_counts_totals`` and, from the same decode, each string's foreground area.

    Returns totals (F,) int64 (-1 if malformed) and areas (F,) int64: pycocotools ``area`` of the
    string, exact wherever the total is confirmed (-1 where the screen could not read it).
    """
    text = [s.decode("latin-1") if type(s) is bytes else s for s in strings]
    totals, areas = _screen_totals(text)                                   # (F,), (F,)
    redo = totals < 0 if expected is None else totals != expected
    suspect = np.flatnonzero(redo)
    if suspect.size:
        totals[suspect] = rle_counts_totals_exact([text[i] for i in suspect.tolist()])
    return totals, areas


def _area(strings: Sequence[str]) -> np.ndarray:
    """Foreground pixels of each counts string (pycocotools ``area``), (F,) int64.

    Batches of 255 (pycocotools 2.0.x with NumPy 2 overflows on more) through dicts that are
    reused, so that no per-string container is allocated.
    """
    out = np.empty(len(strings), dtype=np.int64)
    objs = [{"size": [1, 1], "counts": ""} for _ in range(min(255, len(strings)))]
    for lo in range(0, len(strings), 255):
        chunk = strings[lo:lo + 255]
        for obj, text in zip(objs, chunk):
            obj["counts"] = text
        out[lo:lo + len(chunk)] = mask_utils.area(objs[:len(chunk)])
    return out


def _first_numbers(strings: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Value and character length of the first number of each string, (F,) int64 each.

    Length 0 marks a string whose first number is malformed or longer than ``_WINDOW`` characters.
    """
    window = "".join(s[:_WINDOW].ljust(_WINDOW, "~") for s in strings)
    v = np.frombuffer(window.encode("latin-1", "replace"), dtype=np.uint8).reshape(-1, _WINDOW)
    v = v.astype(np.int64) - 48                                            # (F, W)
    ends = ((v & 0x20) == 0) & (v >= 0) & (v < 64)                         # (F, W) last char
    length = np.where(ends.any(axis=1), ends.argmax(axis=1) + 1, 0)         # (F,)
    pos = np.arange(_WINDOW)                                               # (W,)
    inside = pos[None, :] < length[:, None]                                # (F, W)
    bad = (inside & ((v < 0) | (v > 63))).any(axis=1)
    value = (((v & 0x1F) << (5 * pos)[None, :]) * inside).sum(axis=1)      # (F,)
    last = v[np.arange(len(v)), np.maximum(length - 1, 0)]                 # (F,)
    value = np.where((last & 0x10) != 0, value - (np.int64(1) << (5 * length)), value)
    return value, np.where(bad, 0, length)


def _screen_totals(strings: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Totals and areas from pycocotools ``area``, (F,) int64 each; -1 where not checked.

    For runs [c0, c1, c2, ..] the string ``"00" + s[len(first number):]`` holds the runs
    [0, 0, c1, c2, ..]: every stored difference after the first number still refers to the same
    counts, and the foreground of these runs is the background of the original minus c0. So
    total = area(s) + area(that string) + c0, with c0 decoded from the first few characters.
    """
    out = np.full(len(strings), -1, dtype=np.int64)
    out_area = np.full(len(strings), -1, dtype=np.int64)
    # Only strings that end on a complete number reach C (it would read past the end otherwise).
    ends_ok = np.fromiter((s[-1:] < "P" and s[-1:] >= "0" for s in strings), dtype=bool,
                          count=len(strings))                              # (F,)
    idx = np.flatnonzero(ends_ok)
    if not len(idx):
        return out, out_area
    kept = strings if len(idx) == len(strings) else [strings[i] for i in idx.tolist()]
    totals = np.full(len(kept), -1, dtype=np.int64)
    areas = np.full(len(kept), -1, dtype=np.int64)
    for lo in range(0, len(kept), 4080):  # tail copies stay small and hot in memory
        chunk = kept[lo:lo + 4080]
        first, length = _first_numbers(chunk)
        tails = ["00" + s[n:] for s, n in zip(chunk, length.tolist())]
        fg = _area(chunk)                                                  # (n,)
        part = fg + _area(tails) + first
        totals[lo:lo + len(chunk)] = np.where(length > 0, part, -1)
        areas[lo:lo + len(chunk)] = np.where(length > 0, fg, -1)
    out[idx] = totals
    out_area[idx] = areas
    return out, out_area


def rle_counts_totals_exact(strings: Sequence[str | bytes]) -> np.ndarray:
    """Exact vectorised decode of compressed RLE strings; total per string, -1 if malformed.

    Decodes the pycocotools string format (6-bit chars from '0', continuation bit 0x20, sign bit
    0x10, counts after the third stored as differences to the one two places back) with numpy.
    Malformed: non-ASCII or characters outside '0'..'o', a number that does not end within its
    string or needs more than 7 characters, or a negative run length. Returns (F,) int64.
    """
    out = np.full(len(strings), -1, dtype=np.int64)
    for lo in range(0, len(strings), _CHUNK_STRINGS):
        out[lo:lo + _CHUNK_STRINGS] = _totals_chunk(strings[lo:lo + _CHUNK_STRINGS])
    return out


def _as_ascii(strings: Sequence[str | bytes]) -> tuple[list[bytes], np.ndarray]:
    """ASCII bytes of each string (non-ASCII strings become empty) and a (F,) ok flag."""
    ok = np.ones(len(strings), dtype=bool)
    data: list[bytes] = []
    for i, s in enumerate(strings):
        if isinstance(s, str):
            if not s.isascii():
                ok[i], s = False, ""
            s = s.encode("ascii")
        data.append(s)
    return data, ok


def _totals_chunk(strings: Sequence[str | bytes]) -> np.ndarray:
    data, ok = _as_ascii(strings)
    lens = np.fromiter(map(len, data), dtype=np.int64, count=len(data))  # (F,)
    ok &= lens > 0
    str_end = np.cumsum(lens)                                            # (F,) exclusive ends
    buf = np.frombuffer(b"".join(data), dtype=np.uint8)                  # (n,) all chars
    if buf.size == 0:
        return np.full(len(data), -1, dtype=np.int64)
    v = buf - np.uint8(48)                                               # (n,) wraps below '0'
    is_last = (v & 0x20) == 0                                            # char ends a number
    nonempty = lens > 0
    ok[nonempty] &= is_last[str_end[nonempty] - 1]
    is_last[str_end[nonempty] - 1] = True        # never let a number run into the next string
    bad_char = np.add.reduceat((v > 63).astype(np.int64), (str_end - lens)[nonempty])
    ok[nonempty] &= bad_char == 0
    e = np.flatnonzero(is_last)                                          # (M,) number ends
    s = np.concatenate(([0], e[:-1] + 1))                                # (M,) number starts
    nlen = e - s + 1                                                     # (M,)
    val = (v[s] & 0x1F).astype(np.int64)                                 # (M,)
    for k in range(1, min(int(nlen.max()), 8)):
        sel = np.flatnonzero(nlen > k)
        val[sel] |= (v[s[sel] + k] & 0x1F).astype(np.int64) << (5 * k)
    neg = (v[e] & 0x10) != 0
    val[neg] -= np.int64(1) << (5 * np.minimum(nlen[neg], 8))
    sid = np.searchsorted(str_end, e, side="right")                      # (M,) string of number
    per = np.bincount(sid, minlength=len(data))                          # (F,) numbers per string
    first = np.cumsum(per) - per                                         # (F,) index of first
    k = np.arange(len(e)) - first[sid]                                   # (M,) index in string
    counts = val.copy()                                                  # (M,) decoded runs
    for chain in (k % 2 == 1, (k % 2 == 0) & (k >= 2)):                  # counts[m] += counts[m-2]
        acc = np.cumsum(np.where(chain, val, 0))                         # (M,)
        before = np.concatenate(([0], acc))[first]                       # (F,) acc before string
        counts[chain] = acc[chain] - before[sid[chain]]
    ok &= np.bincount(sid, weights=(nlen > 7) | (counts < 0), minlength=len(data)) == 0
    totals = np.bincount(sid, weights=counts, minlength=len(data))       # (F,) float64, exact < 2^53
    return np.where(ok, totals.astype(np.int64), -1)
