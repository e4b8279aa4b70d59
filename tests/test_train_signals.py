"""``vistool train`` stopped by SIGTERM (what SLURM sends) or Ctrl-C: exit 143 / 130, quietly,
with a checkpoint of a completed iteration, from which ``--resume`` ends bit-identical to an
uninterrupted run (BatchNorm running statistics included); and the run-directory rules."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner
from efficientvis.engine.checkpoint import read_checkpoint

from vistoolkit.cli.main import main
from vistoolkit.data.synth import SynthConfig, generate

ITERS = 12
STOP_IN = 3   # the iteration during which the child gets SIGTERM

# `vistool train` that sends itself SIGTERM inside iteration STOP_IN, after the optimiser step
# (weights and BatchNorm buffers already updated) and before the iteration is counted: the
# moment a checkpoint must not capture.
SIGNAL_INSIDE_STEP = f"""
import os, signal, sys
import efficientvis.engine.train as engine

calls = []
inner = engine._step

def step(*args, **kwargs):
    out = inner(*args, **kwargs)
    calls.append(1)
    if len(calls) == {STOP_IN}:
        os.kill(os.getpid(), signal.SIGTERM)
    return out

engine._step = step
from vistoolkit.cli.main import main
main(sys.argv[1:], prog_name="vistool")
"""


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("two")
    generate(root, SynthConfig.preset("small", num_train_videos=2, num_valid_videos=1,
                                      num_categories=3, min_length=6, max_length=6),
             progress=False)
    return root


def _args(data: Path, out: Path, *extra: str) -> list[str]:
    return ["train", "--data", str(data), "--preset", "micro", "--iters", str(ITERS),
            "--ckpt-every", "1000", "--threads", "1", "--lr", "1e-3", "--out", str(out), *extra]


@pytest.fixture(scope="module")
def reference(data: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, torch.Tensor]:
    out = tmp_path_factory.mktemp("ref")
    res = CliRunner().invoke(main, _args(data, out))
    assert res.exit_code == 0, res.output
    return read_checkpoint(out / "checkpoint.pt")["model"]


def _interrupted(data: Path, out: Path, signum: int | None, *extra: str) -> tuple[int, str]:
    """Run training in a child; send ``signum`` to its process group (as a terminal or a
    scheduler does: DataLoader workers too) once two iterations are logged (None: the child
    signals itself inside iteration ``STOP_IN``)."""
    code = ["-c", SIGNAL_INSIDE_STEP] if signum is None else ["-m", "vistoolkit.cli"]
    proc = subprocess.Popen([sys.executable, *code, *_args(data, out, *extra)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    if signum is None:
        _, err = proc.communicate(timeout=120)
        return proc.returncode, err
    log = out / "metrics.jsonl"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if log.is_file() and log.read_text().count("\n") >= 2:
            break
        time.sleep(0.05)
    os.killpg(proc.pid, signum)
    _, err = proc.communicate(timeout=120)
    return proc.returncode, err


def _errors(stderr: str) -> list[str]:
    """stderr lines that are not the progress bar."""
    return [x for x in stderr.replace("\r", "\n").splitlines() if x.strip() and "%|" not in x]


def test_train_sigterm_then_resume_is_bit_identical(data: Path, reference, tmp_path: Path
                                                    ) -> None:
    code, err = _interrupted(data, tmp_path, None)
    assert code == 143, err
    assert _errors(err) == [], err
    saved = read_checkpoint(tmp_path / "checkpoint.pt")
    assert saved["step"] == STOP_IN                # the iteration in progress was completed
    rows = (tmp_path / "metrics.jsonl").read_text().splitlines()
    assert json.loads(rows[-1])["step"] >= saved["step"]
    res = CliRunner().invoke(main, _args(data, tmp_path, "--resume"))
    assert res.exit_code == 0, res.output
    resumed = read_checkpoint(tmp_path / "checkpoint.pt")["model"]
    assert any("running_mean" in k for k in resumed)
    assert resumed.keys() == reference.keys()
    for key in reference:
        assert torch.equal(resumed[key], reference[key]), key


@pytest.mark.parametrize("signum,code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_train_with_workers_signal_exits_quietly_with_a_checkpoint(data: Path, tmp_path: Path,
                                                                   signum: int, code: int
                                                                   ) -> None:
    returned, err = _interrupted(data, tmp_path, signum, "--workers", "2")
    assert returned == code, err
    assert _errors(err) == [], err                  # no traceback, no "Aborted!"
    assert read_checkpoint(tmp_path / "checkpoint.pt")["step"] >= 2


def test_train_existing_run_needs_resume(data: Path, tmp_path: Path) -> None:
    (tmp_path / "metrics.jsonl").write_text("")
    res = CliRunner().invoke(main, _args(data, tmp_path))
    assert res.exit_code == 2 and "--resume" in res.stderr, res.output
    assert res.stderr.count("\n") == 1


def test_train_empty_split_exits_2_and_names_no_checkpoint(tmp_path: Path) -> None:
    root = tmp_path / "data"
    root.mkdir()
    (root / "train.json").write_text(json.dumps({"videos": [], "annotations": [],
                                                 "categories": [{"id": 1, "name": "a"}]}))
    res = CliRunner().invoke(main, _args(root, tmp_path / "run"))
    assert res.exit_code == 2 and "no training videos" in res.stderr, res.output
    assert "checkpoint" not in res.stdout
    assert not (tmp_path / "run" / "checkpoint.pt").exists()


def test_train_dataloader_worker_error_is_one_line(tmp_path: Path) -> None:
    """A frame error raised in a DataLoader worker (--workers 1) still ends in one line."""
    root = Path(__file__).resolve().parent / "fuzz" / "corpus" / "frames" / "corrupt_jpeg"
    res = CliRunner().invoke(main, ["train", "--data", str(root), "--preset", "micro",
                                    "--iters", "1", "--threads", "1", "--workers", "1",
                                    "--out", str(tmp_path / "run")])
    assert res.exit_code == 2, res.output
    assert _errors(res.stderr) == [x for x in _errors(res.stderr) if x.startswith("error: ")]
    assert len(_errors(res.stderr)) == 1 and "cannot read the frame image" in res.stderr

