"""Lists of video ids (one id a line), e.g. the long videos of YouTube-VIS 2022."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from vistoolkit.data.json_io import read_text
from vistoolkit.data.records import Dataset
from vistoolkit.errors import InputError


def read_video_ids(path: Path | str) -> tuple[int, ...]:
    """Video ids from a text file: one integer a line; blank lines and ``#`` comments skipped.

    Raises:
        InputError: the file cannot be read or a line is not an integer.
    """
    out = []
    for n, line in enumerate(read_text(path).splitlines(), start=1):
        token = line.split("#", 1)[0].strip()
        if not token:
            continue
        if not token.lstrip("-").isdigit():
            raise InputError(f"expected one video id (an integer), got {token!r}", path=path,
                             where=f"line {n}")
        out.append(int(token))
    return tuple(out)


def resolve_video_ids(ids: Iterable[int] | Path | str, gt: Dataset,
                      gt_path: Path | str | None = None) -> frozenset[int]:
    """The ids given (or read from a file), all of them videos of ``gt``.

    Raises:
        InputError: an id is not a video of the ground truth (the first few are named).
    """
    path = ids if isinstance(ids, (str, Path)) else None
    values = read_video_ids(ids) if path is not None else tuple(int(i) for i in ids)
    known = {v.id for v in gt.videos}
    unknown = sorted(set(values) - known)
    if unknown:
        shown = ", ".join(map(str, unknown[:5])) + (", ..." if len(unknown) > 5 else "")
        gt_name = "the ground truth" if gt_path is None else f"the ground truth {gt_path}"
        raise InputError(f"{len(unknown)} video id(s) not in {gt_name}: {shown}", path=path)
    return frozenset(values)
