"""The one way JSON files come in: ``read_json`` / ``read_json_array`` / ``read_text``, and the
one place that pauses the garbage collector (``gc_paused``).

JSON is parsed by msgspec, strictly (RFC 8259): UTF-8 without a BOM, no ``NaN``/``Infinity``
literals, no number beyond float64 (``1e400``), no integer of thousands of digits. Every I/O,
encoding or syntax problem, such a number and nesting deeper than the interpreter's recursion
limit become one-line ``InputError``s, never a traceback.

``read_json_array`` decodes a top-level array element by element from a memory map and hands
the pages it has read back to the page cache as it goes, so a large result file is never held
twice (as bytes and as objects) at once.
"""

from __future__ import annotations

import contextlib
import gc
import mmap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import msgspec

from vistoolkit.errors import InputError

T = TypeVar("T")

_BOM = b"\xef\xbb\xbf"
_RELEASE_BYTES = 32 << 20   # read_json_array: release the map's pages after this many bytes


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector, restoring its state after.

    Parsing and checking a result file allocate millions of containers while the whole parsed
    file is alive; every collection would traverse all of it (``json.load`` alone runs 2.8x
    slower with the collector on, ``docs/benchmarks.md``). Nesting is harmless.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _open_error(path: Path | str, err: OSError) -> InputError:
    if isinstance(err, FileNotFoundError):
        return InputError("file not found", path=path)
    return InputError(f"cannot read ({err.strerror})", path=path)


def read_text(path: Path | str) -> str:
    """A whole UTF-8 text file.

    Raises:
        InputError: the file is missing, unreadable or not UTF-8.
    """
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except UnicodeDecodeError as err:
        raise InputError(f"not valid JSON ({err})", path=path) from None
    except OSError as err:
        raise _open_error(path, err) from None


def _json_error(path: Path | str, err: Exception, data: bytes | mmap.mmap) -> InputError:
    """The one-line error for a msgspec decode failure of the whole document ``data``."""
    if data[:3] == _BOM:
        return InputError("not valid JSON (Unexpected UTF-8 BOM)", path=path)
    if isinstance(err, RecursionError):
        return InputError("not valid JSON (nested too deeply)", path=path)
    return InputError(f"not valid JSON ({err})", path=path)


def read_json(path: Path | str) -> Any:
    """Parse a JSON file into dicts, lists, str, int, float, bool and None (GC paused).

    Raises:
        InputError: the file is missing or unreadable, or not strict UTF-8 JSON (including a
            number out of range and nesting deeper than the recursion limit).
    """
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as err:
        raise _open_error(path, err) from None
    with gc_paused():
        try:
            return msgspec.json.decode(data)
        except (msgspec.DecodeError, RecursionError) as err:
            raise _json_error(path, err, data) from None


@contextlib.contextmanager
def _mapped(path: Path | str) -> Iterator[mmap.mmap | bytes]:
    """The file as a read-only memory map (bytes when it cannot be mapped, e.g. empty)."""
    try:
        with open(path, "rb") as handle:
            try:
                view: mmap.mmap | bytes = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
            except (ValueError, OSError):     # empty file, pipe, special file
                view = handle.read()
    except OSError as err:
        raise _open_error(path, err) from None
    try:
        yield view
    finally:
        if isinstance(view, mmap.mmap):
            # spans still referenced by an error's traceback keep it open until they are freed
            with contextlib.suppress(BufferError):
                view.close()


def try_decode_mapped(path: Path | str, decoder: msgspec.json.Decoder
                      ) -> tuple[Any, Callable[[], None]] | None:
    """The whole file decoded by ``decoder`` from a memory map (GC paused), and a function that
    hands the map's resident pages back (``release``); None when the file cannot be read or
    decoded (the caller then reads it the strict way, which reports why).

    The map stays open as long as anything decoded borrows it (``msgspec.Raw`` spans), and
    closes when the last of them is freed. Its pages are the page cache's, not copies: after
    ``release()`` they are read again, from the page cache, by whatever reads a span next.
    """
    try:
        with _mapped(path) as view, gc_paused():
            value = decoder.decode(view)
    except (InputError, msgspec.DecodeError, RecursionError):
        return None
    return value, lambda: _release(view)


def _release(view: mmap.mmap | bytes) -> None:
    """Drop the map's resident pages (they stay in the page cache and are re-read on access)."""
    if isinstance(view, mmap.mmap) and hasattr(mmap, "MADV_DONTNEED") and not view.closed:
        view.madvise(mmap.MADV_DONTNEED)


def read_json_array(path: Path | str, decode_item: Callable[[int, msgspec.Raw], T], *,
                    not_array: str) -> list[T]:
    """Decode a file whose top level is a JSON array, one element at a time (GC paused).

    The array is first split into raw element spans (one scan, no objects built), then
    ``decode_item(index, raw)`` decodes each element, typically with a typed
    ``msgspec.json.Decoder``; its ``InputError``s pass through. Pages of the file already
    decoded are released as it goes, so peak memory is the decoded objects plus a few MB.

    Raises:
        InputError: unreadable or not JSON (as ``read_json``), or not an array (``not_array``).
    """
    with _mapped(path) as view, gc_paused():
        try:
            raws = msgspec.json.decode(view, type=list[msgspec.Raw])
        except msgspec.ValidationError:
            raise InputError(not_array, path=path) from None
        except (msgspec.DecodeError, RecursionError) as err:
            raise _json_error(path, err, view) from None
        _release(view)
        out, pending = [], 0
        for i, raw in enumerate(raws):
            out.append(decode_item(i, raw))
            pending += len(raw)
            if pending >= _RELEASE_BYTES:
                _release(view)
                pending = 0
        raws = raw = None   # the spans borrow the map: drop them before it closes
    return out
