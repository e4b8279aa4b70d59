"""The output layer (``vistoolkit.atomic``): permissions from the umask, temporary files removed
on errors, on SIGTERM and (after a SIGKILL) on the next write."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from vistoolkit.atomic import atomic_open, stale_temporaries, write_text_atomic
from vistoolkit.cli.main import main

FUZZ_GT = Path(__file__).resolve().parent / "fuzz" / "corpus" / "gt" / "ok.json"

# A child that runs `vistool data stats GT -o OUT` but stalls in the middle of writing OUT.
STALLED_WRITE = """
import sys, time
import vistoolkit.atomic as atomic

def stalled_dump(obj, handle, **kwargs):
    handle.write("{")
    handle.flush()
    print("writing", flush=True)
    time.sleep(60)

atomic.json.dump = stalled_dump
from vistoolkit.cli.main import main
main(["data", "stats", sys.argv[1], "-o", sys.argv[2]], prog_name="vistool")
"""


def _temporaries(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


@pytest.mark.parametrize("umask,mode", [(0o022, 0o644), (0o027, 0o640), (0o002, 0o664)])
def test_atomic_write_mode_follows_the_umask(tmp_path: Path, umask: int, mode: int) -> None:
    old = os.umask(umask)
    try:
        write_text_atomic(tmp_path / "a.json", "{}")
        res = CliRunner().invoke(main, ["data", "stats", str(FUZZ_GT), "-o",
                                        str(tmp_path / "s.json")])
    finally:
        os.umask(old)
    assert res.exit_code == 0, res.output
    for name in ("a.json", "s.json"):
        assert (tmp_path / name).stat().st_mode & 0o777 == mode, name


def test_atomic_error_inside_leaves_no_file(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), atomic_open(tmp_path / "x.json") as handle:
        handle.write("partial")
        raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


def test_atomic_stale_temporaries_of_dead_processes_are_removed(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    names = {
        f".x.json.{dead}.abcdefgh.tmp": True,           # its process is gone
        f".x.json.{os.getpid()}.abcdefgh.tmp": False,   # a live writer (this process)
        ".x.json.abcd_fgh.tmp": True,                   # untagged, an hour old
        ".x.json.1234.tmp": False,                      # not a name atomic_open makes
        f".x.json.more.{dead}.abcdefgh.tmp": False,     # another file's (x.json.more)
    }
    for name in names:
        (tmp_path / name).write_text("")
    old = time.time() - 7200
    os.utime(tmp_path / ".x.json.abcd_fgh.tmp", (old, old))
    assert sorted(p.name for p in stale_temporaries(tmp_path / "x.json")) == sorted(
        n for n, stale in names.items() if stale)
    write_text_atomic(tmp_path / "x.json", "{}")
    assert _temporaries(tmp_path) == sorted(n for n, stale in names.items() if not stale)


def _stalled(tmp_path: Path) -> tuple[subprocess.Popen, Path]:
    out = tmp_path / "s.json"
    proc = subprocess.Popen([sys.executable, "-c", STALLED_WRITE, str(FUZZ_GT), str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "writing"
    assert len(_temporaries(tmp_path)) == 1
    return proc, out


def test_atomic_sigterm_removes_the_temporary_file_and_exits_143(tmp_path: Path) -> None:
    proc, out = _stalled(tmp_path)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 143, err
    assert "Traceback" not in err and err.strip() == ""
    assert _temporaries(tmp_path) == [] and not out.exists()


def test_atomic_temporary_left_by_sigkill_is_removed_by_the_next_run(tmp_path: Path) -> None:
    proc, out = _stalled(tmp_path)
    proc.kill()
    proc.communicate(timeout=30)
    assert len(_temporaries(tmp_path)) == 1                   # SIGKILL cannot clean up
    res = CliRunner().invoke(main, ["data", "stats", str(FUZZ_GT), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert _temporaries(tmp_path) == [] and out.is_file()
