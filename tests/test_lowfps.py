"""Low-FPS study with an injected ground-truth predictor, real resampling and real evaluation."""

from __future__ import annotations

import pytest

from vistoolkit.data.synth import SynthConfig, make_annotations
from vistoolkit.data.ytvis_io import save_dataset
from vistoolkit.errors import InputError
from vistoolkit.studies.lowfps import (
    E2E,
    HANDCRAFT,
    METHODS,
    MOTION,
    GroundTruthPredictor,
    format_lowfps_markdown,
    lowfps_study,
    write_lowfps_reports,
)


@pytest.fixture(scope="module")
def data_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("synth")
    save_dataset(make_annotations(SynthConfig.preset("small"), "valid")[0], root / "valid.json")
    return root


def test_lowfps_study_oracle_e2e_holds_and_motion_degrades(data_root, tmp_path):
    res = lowfps_study(data_root=data_root, fps_list=[6, 1.5], out_dir=tmp_path,
                       predictor=GroundTruthPredictor(data_root))
    assert res.num_frames[6] == 46 and res.num_frames[1.5] == 12   # 16+15+15 -> 4+4+4
    assert res.stats[E2E][6]["AP"] == pytest.approx(1.0)
    assert res.stats[E2E][1.5]["AP"] == pytest.approx(1.0)
    assert res.stats[MOTION][1.5]["AP"] < res.stats[HANDCRAFT][1.5]["AP"]
    assert all(0 <= res.stats[m][f]["AP"] <= 1 for m in METHODS for f in (6, 1.5))
    # identities: ground-truth tracklets handed over end to end keep every identity (AssA 1)
    assert res.stats[E2E][1.5]["AssA"] == pytest.approx(1.0)
    assert res.stats[MOTION][1.5]["AssA"] <= res.stats[E2E][1.5]["AssA"]
    md = format_lowfps_markdown(res)
    assert md.count("\n") == 2 + 3 * 2 and "| ground-truth tracks (upper bound) | 1.5 | 12 | 100.0 |" in md
    paths = write_lowfps_reports(res, tmp_path)
    assert all(p.stat().st_size > 0 for p in paths)
    assert len((tmp_path / "lowfps.csv").read_text().splitlines()) == 1 + 6
    # each tracker's scored predictions are kept (benchmarks/lowfps_evidence.py rereads them)
    from vistoolkit.eval import evaluate
    gt = tmp_path / "fps1.5" / "valid_fps1.5.json"
    for name, method in (("handcraft", HANDCRAFT), ("motion", MOTION)):
        got = evaluate(gt, tmp_path / "fps1.5" / f"{name}.json", allow_empty=True).stats["AP"]
        assert got == pytest.approx(res.stats[method][1.5]["AP"]), name


def test_lowfps_study_rate_above_source_raises_input_error(data_root, tmp_path):
    with pytest.raises(InputError, match="frame rate 12 is outside"):
        lowfps_study(data_root=data_root, fps_list=[12], out_dir=tmp_path,
                     predictor=GroundTruthPredictor(data_root))


def test_study_lowfps_command_bad_rates_print_one_error_line(tmp_path):
    from click.testing import CliRunner

    from vistoolkit.cli.main import main

    ckpt = tmp_path / "model.pt"
    ckpt.write_bytes(b"")
    for fps, line in [("12", "error: frame rate 12 is outside (0, 6]"),
                      ("6,x", "error: --fps must be comma-separated numbers, not '6,x'")]:
        res = CliRunner().invoke(main, ["study", "lowfps", "--fps", fps, "--ckpt", str(ckpt),
                                        "--out", str(tmp_path / "out")])
        assert res.exit_code == 2
        assert res.output.strip().splitlines()[-1] == line




def test_lowfps_study_prints_a_line_per_frame_rate_with_progress(data_root, tmp_path, capsys):
    lowfps_study(data_root=data_root, fps_list=[6, 1.5], out_dir=tmp_path,
                 predictor=GroundTruthPredictor(data_root), progress=True)
    lines = [ln for ln in capsys.readouterr().err.replace("\r", "\n").splitlines()
             if " fps: AP e2e " in ln]
    assert [ln.split(":")[0] for ln in lines] == ["6 fps", "1.5 fps"]
    assert lines[1].startswith("1.5 fps: AP e2e 100.0, hand-craft ")
