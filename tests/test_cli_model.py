"""``vistool train`` / ``infer`` / ``demo`` through click's CliRunner (micro, CPU)."""

from __future__ import annotations

import json
from pathlib import Path

import efficientvis.engine.bundled
import pytest
import torch
from click.testing import CliRunner

from vistoolkit.cli.main import main
from vistoolkit.data.clip_results import load_clip_results
from vistoolkit.data.synth import SynthConfig, generate
from vistoolkit.data.ytvis_io import load_predictions


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("small")
    generate(root, SynthConfig.preset("small", num_train_videos=2, num_valid_videos=2,
                                      num_categories=3, min_length=5, max_length=7),
             progress=False)
    return root


@pytest.fixture(scope="module")
def trained(small: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("run")
    res = CliRunner().invoke(main, ["train", "--data", str(small), "--preset", "micro", "--out",
                                    str(out), "--iters", "2", "--threads", "1",
                                    "--augment", "flip", "--augment", "color",
                                    "--augment", "instance-color",
                                    "--set", "multi_scale=true"])
    assert res.exit_code == 0, res.output
    assert res.stdout.startswith(f"checkpoint: {out / 'checkpoint.pt'} (")
    raw = torch.load(out / "checkpoint.pt", map_location="cpu", weights_only=False)
    assert raw["model_config"]["multi_scale"] is True
    assert raw["train_config"]["flip"] is True and raw["train_config"]["color_jitter"] is True
    assert raw["train_config"]["instance_color"] is True
    return out / "checkpoint.pt"


def _invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def test_train_then_infer_writes_loadable_results(small: Path, trained: Path,
                                                  tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    res = _invoke("infer", "--ckpt", str(trained), "--data", str(small), "-o", str(out),
                  "--threads", "1")
    assert res.exit_code == 0, res.output
    preds = load_predictions(out)
    assert {p.video_id for p in preds} == {1, 2}
    assert all(len(p.segmentations) == len(json.loads((small / "valid.json").read_text())
                                             ["videos"][p.video_id - 1]["file_names"])
               for p in preds)


def test_infer_settings_options_replace_the_checkpoint_ones(small: Path, trained: Path,
                                                            tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    res = _invoke("infer", "--ckpt", str(trained), "--data", str(small), "-o", str(out),
                  "--top-k", "1", "--label-mode", "topk", "--threads", "1")
    assert res.exit_code == 0, res.output
    assert sorted(p.video_id for p in load_predictions(out)) == [1, 2]   # one per video


def test_infer_clips_mode_writes_clip_results(small: Path, trained: Path, tmp_path: Path) -> None:
    out = tmp_path / "c.jsonl"
    res = _invoke("infer", "--ckpt", str(trained), "--data", str(small), "-o", str(out),
                  "--clips", "--stride", "2", "--threads", "1")
    assert res.exit_code == 0, res.output
    clips = load_clip_results(out)
    assert (clips.stride, clips.clip_length, clips.category_ids) == (2, 3, (1, 2, 3))
    assert sorted(clips.videos) == [1, 2] and len(clips.tracklets) % 3 == 0


def test_infer_missing_checkpoint_exits_2_one_line(small: Path, tmp_path: Path) -> None:
    missing = tmp_path / "none.pt"
    res = _invoke("infer", "--ckpt", str(missing), "--data", str(small), "-o", "x.json")
    assert res.exit_code == 2
    assert res.stderr == f"error: {missing}: checkpoint not found\n"


def test_infer_bad_checkpoint_exits_2_one_line(small: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.pt"
    bad.write_text("hello")
    res = _invoke("infer", "--ckpt", str(bad), "--data", str(small), "-o", "x.json")
    assert res.exit_code == 2
    assert res.stderr.startswith(f"error: {bad}: not a readable torch checkpoint (")
    assert res.stderr.count("\n") == 1
    torch.save({"format": "something-else"}, bad)
    res = _invoke("infer", "--ckpt", str(bad), "--data", str(small), "-o", "x.json")
    assert res.stderr == (f"error: {bad}: not an EfficientVIS checkpoint "
                          "(no format 'efficientvis-checkpoint')\n")


def test_infer_missing_dataset_exits_2_one_line(trained: Path, tmp_path: Path) -> None:
    res = _invoke("infer", "--ckpt", str(trained), "--data", str(tmp_path), "-o", "x.json")
    assert res.exit_code == 2
    assert res.stderr == f"error: {tmp_path / 'valid.json'}: file not found\n"


def test_train_bad_override_and_missing_data_exit_2(small: Path, tmp_path: Path) -> None:
    res = _invoke("train", "--data", str(small), "--out", str(tmp_path), "--set", "tdc")
    assert (res.exit_code, res.stderr) == (2, "error: --set tdc: expected KEY=VALUE\n")
    res = _invoke("train", "--data", str(small), "--out", str(tmp_path), "--set", "num_stages=x")
    assert res.stderr == "error: --set num_stages=x: expected a int\n"
    res = _invoke("train", "--data", str(tmp_path), "--out", str(tmp_path / "o"))
    assert (res.exit_code, res.stderr) == (
        2, f"error: {tmp_path}: no train.json in the dataset directory\n")
    res = _invoke("train", "--data", str(small), "--out", str(tmp_path), "--chain", "1")
    assert (res.exit_code, res.stderr) == (
        2, "error: --chain must be >= 2 (clip 1 and at least one hand-over), got 1\n")
    res = _invoke("train", "--data", str(small), "--out", str(tmp_path), "--backbone-lr-mult",
                  "0")
    assert (res.exit_code, res.stderr) == (
        2, "error: --backbone-lr-mult must be > 0 (--freeze-backbone keeps it fixed), got 0.0\n")
    res = _invoke("train", "--data", str(small), "--out", str(tmp_path), "--backbone-lr-mult",
                  "0.1", "--freeze-backbone")
    assert (res.exit_code, res.stderr) == (2, "error: --backbone-lr-mult sets the lr of a trained "
                                               "backbone; --freeze-backbone trains none\n")


def test_demo_without_bundled_checkpoint_exits_2_with_hint(monkeypatch: pytest.MonkeyPatch,
                                                           tmp_path: Path) -> None:
    monkeypatch.setattr(efficientvis.engine.bundled, "WEIGHTS_DIR", tmp_path)
    res = _invoke("demo", "--data", str(tmp_path / "synth"))
    assert res.exit_code == 2
    assert res.stderr.count("\n") == 1
    assert res.stderr.startswith(f"error: {tmp_path / 'efficientvis_tiny_synth.pt'}: "
                                 "bundled checkpoint missing; make it with the CPU recipe")
    assert not (tmp_path / "synth").exists()                    # failed before generating


@pytest.mark.parametrize("which", ["bundled", "cpu"])
def test_recipe_is_what_its_train_command_runs(tmp_path: Path, which: str):
    import shlex

    from efficientvis.engine import bundled

    from vistoolkit.cli.model_support import build_configs
    from vistoolkit.cli.train_cmd import train_command

    command = bundled.TRAIN_COMMAND if which == "bundled" else bundled.CPU_RECIPE_COMMAND
    args = shlex.split(command)[2:]                           # drop "vistool train"
    if "--data" in args:
        args[args.index("--data") + 1] = str(tmp_path)        # --data must exist
    if "--init-backbone" in args:                              # the file must exist
        where = tmp_path / bundled.PRETRAINED_BACKBONE
        where.parent.mkdir(parents=True)
        where.write_bytes(b"")
        args[args.index("--init-backbone") + 1] = str(where)
    p = train_command.make_context("train", args).params
    got = build_configs(p["preset"], p["overrides"], epochs=p["epochs"], iters=p["iters"],
                        batch_size=p["batch_size"], lr=p["lr"], ckpt_every=p["ckpt_every"],
                        device=p["device"], seed=p["seed"], workers=p["workers"],
                        augment=p["augment"], probe_every=p["probe_every"],
                        init_backbone=p["init_backbone"], freeze_backbone=p["freeze_backbone"])
    recipe = bundled.bundled_recipe if which == "bundled" else bundled.cpu_recipe
    if which == "bundled":
        assert got == recipe(p["iters"])
    else:
        assert got == recipe(p["iters"], init_backbone=tmp_path / bundled.PRETRAINED_BACKBONE)


@pytest.mark.parametrize("name", ["CHAIN_COMMAND", "FINETUNE_COMMAND", "CONTINUE_COMMAND",
                                  "CONTINUE_AGAIN_COMMAND", "CONTINUE_SEED5_COMMAND",
                                  "CONTINUE_SEED6_STILL_COMMAND",
                                  "CONTINUE_SEED7_STILL_COMMAND"])
def test_later_recipe_steps_are_valid_train_commands(tmp_path: Path, name: str):
    import shlex

    from efficientvis.engine import bundled

    from vistoolkit.cli.train_cmd import train_command

    args = shlex.split(getattr(bundled, name))[2:]             # drop "vistool train"
    start = tmp_path / "checkpoint.pt"
    start.write_bytes(b"")
    args[args.index("--init-weights") + 1] = str(start)       # the file must exist
    p = train_command.make_context("train", args).params
    stream_seed, iters = {"CHAIN_COMMAND": (None, 1000), "FINETUNE_COMMAND": (2, 1000),
                          "CONTINUE_COMMAND": (3, 1000), "CONTINUE_AGAIN_COMMAND": (4, 1000),
                          "CONTINUE_SEED5_COMMAND": (5, 500),
                          "CONTINUE_SEED6_STILL_COMMAND": (6, 500),
                          "CONTINUE_SEED7_STILL_COMMAND": (7, 500)}[name]
    assert (p["chain_clips"], p["iters"], p["freeze_backbone"]) == (3, iters, True)
    assert "num_queries=10" in p["overrides"]
    assert p["stream_seed"] == stream_seed                     # None: the default
    assert p["ema_decay"] == (0.995 if name.startswith("CONTINUE") else 0.0)   # 0: off
    assert ("tdc=still" in p["overrides"]) == name.endswith("_STILL_COMMAND")


def test_default_threads_is_half_the_cores_at_least_one() -> None:
    from vistoolkit.cli.threads import default_threads

    assert [default_threads(c) for c in (1, 2, 3, 16)] == [1, 1, 1, 8]


@pytest.mark.parametrize("command", [["train"], ["infer"], ["demo"], ["reproduce"],
                                     ["study", "lowfps"]])
def test_every_model_command_has_threads(command: list[str]) -> None:
    from click.testing import CliRunner

    from vistoolkit.cli.main import main

    res = CliRunner().invoke(main, [*command, "--help"])
    assert res.exit_code == 0 and "--threads" in res.output
