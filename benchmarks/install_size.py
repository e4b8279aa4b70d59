"""Install size of ``pip install vistoolkit`` (no torch) and of ``vistoolkit[model]``.

Usage: python benchmarks/install_size.py

Reads the requirements from ``pyproject.toml``, follows each dependency's own requirements
(``importlib.metadata``, markers evaluated for this interpreter and the extras asked for) and
sums the sizes of the files every distribution of the closure installed (its ``RECORD``, as
found on disk now). Nothing is downloaded: every distribution must already be installed here;
one that is not is listed as missing. vistoolkit itself is counted from the files its wheel
would hold (the packages in ``pyproject.toml`` and the built extension).
"""

from __future__ import annotations

import os
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]


def _requirements(dist: metadata.Distribution, extras: set[str]) -> list[Requirement]:
    out = []
    for text in dist.requires or []:
        req = Requirement(text)
        if req.marker is None or any(req.marker.evaluate({"extra": e}) for e in extras | {""}):
            out.append(req)
    return out


def closure(reqs: list[Requirement]) -> tuple[dict[str, metadata.Distribution], set[str]]:
    """Installed distributions needed by ``reqs`` (by canonical name), and the missing names."""
    found: dict[str, metadata.Distribution] = {}
    missing: set[str] = set()
    todo = [(r, set(r.extras)) for r in reqs]
    seen: set[tuple[str, frozenset]] = set()
    while todo:
        req, extras = todo.pop()
        name = canonicalize_name(req.name)
        if (name, frozenset(extras)) in seen:
            continue
        seen.add((name, frozenset(extras)))
        try:
            dist = metadata.distribution(req.name)
        except metadata.PackageNotFoundError:
            missing.add(name)
            continue
        found[name] = dist
        todo += [(r, set(r.extras)) for r in _requirements(dist, extras)]
    return found, missing


def dist_bytes(dist: metadata.Distribution) -> int:
    total = 0
    for f in dist.files or []:
        path = Path(f.locate())
        if path.is_file() and not path.is_symlink():
            total += path.stat().st_size
    return total


def own_bytes(project: dict) -> int:
    """The files of vistoolkit's wheel: its packages (sources, package data, extension)."""
    dirs = project["tool"]["setuptools"]["package-dir"]
    total = 0
    for top, rel in dirs.items():
        for dirpath, dirnames, files in os.walk(ROOT / rel):
            dirnames[:] = [d for d in dirnames if d != "__pycache__"]
            total += sum((Path(dirpath) / f).stat().st_size for f in files
                         if not f.endswith(".pyc"))
    return total


def main() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    core = [Requirement(r) for r in project["project"]["dependencies"]]
    model = [Requirement(r) for r in project["project"]["optional-dependencies"]["model"]]
    own = own_bytes(project)
    print(f"Python {sys.version.split()[0]}, {sys.platform}; vistoolkit itself: {own / 1e6:.1f} MB")
    print("| install | distributions | MB | missing here |")
    print("|---|---:|---:|---|")
    sizes = {}
    for label, reqs in (("pip install vistoolkit", core),
                        ("pip install 'vistoolkit[model]'", core + model)):
        dists, missing = closure(reqs)
        sizes[label] = (sum(map(dist_bytes, dists.values())) + own) / 1e6
        print(f"| {label} | {len(dists) + 1} | {sizes[label]:.0f} | "
              f"{', '.join(sorted(missing)) or '-'} |")
    dists, _ = closure(core + model)
    core_names = set(closure(core)[0])
    extra = sorted(((dist_bytes(d) / 1e6, n) for n, d in dists.items() if n not in core_names),
                   reverse=True)
    print("\nadded by [model], largest first: "
          + ", ".join(f"{n} {mb:.0f} MB" for mb, n in extra[:8])
          + f" (+{len(extra) - 8} more)" * (len(extra) > 8))


if __name__ == "__main__":
    main()
