"""Frame images of a dataset directory (``<root>/<split>/JPEGImages/<file_name>``): the checks
that reading them relies on, and the one reader (``open_frame``) of training, inference and
``vistool viz``.

Before any frame is read, every video must have ``length`` >= 1 and exactly ``length`` file
names, each a relative path below the image directory (no ``..``, not absolute). A frame is
refused, never resized, when its pixels are not the video's ``width`` x ``height``; a corrupt,
truncated or empty file, a directory, or a decompression bomb is one ``InputError``.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Iterable
from pathlib import Path

from PIL import Image

from vistoolkit.data.checked import TOOL_TOLERATED
from vistoolkit.data.problems import Problem, raise_first
from vistoolkit.data.record_checks import file_name_problem
from vistoolkit.data.records import Dataset, Video
from vistoolkit.data.validate import validate_dataset
from vistoolkit.errors import InputError

# What PIL raises for a file it cannot decode (UnidentifiedImageError and a truncated stream
# are OSErrors); DecompressionBombWarning is turned into an error while a frame is opened.
_DECODE_ERRORS = (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError,
                  Image.DecompressionBombWarning)


def frame_problems(videos: Iterable[Video]) -> list[Problem]:
    """Problems of the videos' frame lists (kind ``frames``), one per video at most."""
    out = []
    for v in videos:
        where = f"video_id={v.id}"
        if v.length < 1:
            out.append(Problem("frames", f"'length' is {v.length}: a video needs frames", where))
        elif len(v.file_names) != v.length:
            out.append(Problem("frames", f"{len(v.file_names)} file_names for a "
                               f"{v.length}-frame video", where))
        else:
            bad = [(f, msg) for f, name in enumerate(v.file_names)
                   if (msg := file_name_problem(name))]
            if bad:
                f, msg = bad[0]
                out.append(Problem("frames", msg, f"{where}, frame {f}"))
    return out


def check_frame_dataset(ds: Dataset, *, path: Path | str | None, tracks: bool = True) -> Dataset:
    """``ds`` if its frames can be read and (``tracks``) its annotations trusted: the problems
    of ``validate_dataset`` outside ``TOOL_TOLERATED`` and ``frame_problems``; else
    ``InputError`` (the first problem). ``tracks`` False (inference) checks the videos only."""
    checked = ds if tracks else dataclasses.replace(ds, tracks=())
    problems = [p for p in validate_dataset(checked) if p.kind not in TOOL_TOLERATED]
    raise_first(problems + frame_problems(ds.videos), path=path)
    return ds


def open_frame(image_dir: Path | str, video: Video, frame: int) -> Image.Image:
    """Frame ``frame`` of ``video`` as a decoded RGB ``PIL.Image`` of the video's size.

    Raises:
        InputError: the file is missing, a directory, not a decodable image, a decompression
            bomb, or not ``video.width`` x ``video.height`` pixels.
    """
    path = Path(image_dir) / video.file_names[frame]
    where = f"video_id={video.id} frame {frame}"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                size = img.size
                rgb = img.convert("RGB") if size == (video.width, video.height) else None
    except FileNotFoundError:
        raise InputError("frame image not found", path=path, where=where) from None
    except IsADirectoryError:
        raise InputError("is a directory, not a frame image", path=path, where=where) from None
    except _DECODE_ERRORS as err:
        raise InputError(f"cannot read the frame image ({type(err).__name__})", path=path,
                         where=where) from None
    if rgb is None:
        raise InputError(f"frame is {size[0]}x{size[1]} pixels, the annotation says "
                         f"{video.width}x{video.height}", path=path, where=where)
    return rgb
