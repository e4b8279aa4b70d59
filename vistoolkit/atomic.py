"""Atomic file output: write to a temporary file beside the target, then rename.

Every file the toolkit writes goes through ``atomic_open``:

* the target appears whole or not at all (a crash, Ctrl-C or SIGTERM removes the temporary
  file; ``vistool`` turns SIGTERM into an exception so that this cleanup runs);
* the temporary file is named ``.NAME.<pid>.<random>.tmp``; one left behind by a process that
  no longer exists (SIGKILL, power loss) is removed the next time NAME is written;
* the file gets the permissions of a plain ``open``: ``0o666`` minus the umask (``mkstemp``
  alone would make every output ``0o600``).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

# mkstemp's random part: 8 characters of [a-z0-9_]
_RANDOM = r"[a-z0-9_]{8}"
_TAGGED = re.compile(rf"(\d+)\.{_RANDOM}")
_UNTAGGED = re.compile(_RANDOM)           # temporary files of versions without the pid
UNTAGGED_STALE_S = 3600.0                 # ... are removed once they are this old


def current_umask() -> int:
    """The process umask (read from /proc where possible; else set and restored)."""
    with contextlib.suppress(OSError, ValueError), \
            open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:               # exists, owned by someone else
        return True
    return True


def stale_temporaries(path: Path | str) -> list[Path]:
    """Temporary files of earlier writes of ``path`` whose process is gone."""
    path = Path(path)
    prefix, out = f".{path.name}.", []
    try:
        entries = list(os.scandir(path.parent))
    except OSError:
        return []
    for entry in entries:
        name = entry.name
        if not (name.startswith(prefix) and name.endswith(".tmp")):
            continue
        middle, stale = name[len(prefix):-len(".tmp")], False
        tagged = _TAGGED.fullmatch(middle)
        if tagged is not None:
            stale = not _alive(int(tagged.group(1)))
        elif _UNTAGGED.fullmatch(middle):
            with contextlib.suppress(OSError):
                stale = time.time() - entry.stat().st_mtime > UNTAGGED_STALE_S
        else:
            continue
        if stale:
            out.append(Path(entry.path))
    return out


@contextlib.contextmanager
def atomic_open(path: Path | str, mode: str = "w", **kwargs: Any) -> Iterator[IO[Any]]:
    """Open a temporary file next to ``path``; on success it replaces ``path``, on error
    (or ``KeyboardInterrupt``) it is removed. Stale temporary files of ``path`` are removed
    first."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for old in stale_temporaries(path):
        with contextlib.suppress(OSError):
            old.unlink()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp",
                               dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~current_umask())
        with os.fdopen(fd, mode, **kwargs) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_text_atomic(path: Path | str, text: str) -> None:
    """Write ``text`` to ``path`` atomically."""
    with atomic_open(path, "w", encoding="utf-8") as handle:
        handle.write(text)


def write_bytes_atomic(path: Path | str, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_open(path, "wb") as handle:
        handle.write(data)


def write_json_atomic(path: Path | str, obj: Any, *, indent: int | None = None) -> None:
    """Serialise ``obj`` as JSON to ``path`` atomically."""
    with atomic_open(path, "w", encoding="utf-8") as handle:
        json.dump(obj, handle, indent=indent)
