"""Fresh synthetic training stream (efficientvis synth_stream) and the training probe."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner
from efficientvis.batch import ClipBatch, ClipTargetTensors, PairBatch
from efficientvis.config import EfficientVISConfig
from efficientvis.engine.checkpoint import read_checkpoint
from efficientvis.engine.probe import handover_counts, matched_counts
from efficientvis.engine.synth_stream import SynthStreamClipDataset
from efficientvis.engine.train import TrainConfig, train
from efficientvis.outputs import EfficientVISOutput, StageOutput

from vistoolkit.cli.main import main
from vistoolkit.data.synth import SynthConfig, generate, iter_videos, synth_video

MICRO = EfficientVISConfig.preset("micro")
STREAM = SynthConfig.preset("default", seed=1)

pytestmark = pytest.mark.usefixtures("one_thread")


def _stream(**kw) -> SynthStreamClipDataset:
    return SynthStreamClipDataset.from_config(STREAM, MICRO, videos_per_epoch=4, **kw)


def test_synth_video_matches_iter_videos_of_the_split() -> None:
    cfg = SynthConfig.preset("small", num_train_videos=3)
    listed = list(iter_videos(cfg, "train"))
    single = synth_video(cfg, "train", 2, first_track_id=listed[2].tracks[0].id)
    assert single.video == listed[2].video
    assert single.tracks == listed[2].tracks


def test_stream_items_are_a_function_of_index_and_epoch() -> None:
    a, b = _stream(flip=True, color_jitter=True), _stream(flip=True, color_jitter=True)
    x, y = a[(1, 5)], b[(1, 5)]
    assert torch.equal(x.frames1, y.frames1) and torch.equal(x.targets1.masks, y.targets1.masks)
    assert a.stream_index(1, 5) == 21
    assert not torch.equal(a[(1, 6)].frames1, x.frames1)      # next epoch: another video


def test_stream_adjacent_pairs_cut_successive_windows() -> None:
    ds = _stream(adjacent_pairs=True)
    for index in range(4):
        first, second = ds.windows(index, 0)
        assert second is not None and second.start == first.stop


def test_stream_never_draws_a_benchmark_video() -> None:
    valid = SynthConfig.preset("default")                   # the seed-0 benchmark
    def key(sv) -> tuple:
        return tuple(s and s["counts"] for t in sv.tracks for s in t.segmentations)

    bench = {key(sv) for split in ("train", "valid") for sv in iter_videos(valid, split)}
    ds = _stream()
    drawn = {key(synth_video(STREAM, "train", ds.stream_index(k % 4, k // 4)))
             for k in range(120)}
    assert len(drawn) == 120 and not drawn & bench


def _run(out: Path, *, resume: bool = False, stop_at: int | None = None) -> Path:
    def on_step(step: int) -> None:
        if step == stop_at:
            raise RuntimeError("stop")

    cfg = TrainConfig(epochs=10**6, max_iters=5, lr=1e-3, warmup_iters=2, lr_drop=0.6,
                      ckpt_every=2, videos_per_epoch=2, flip=True)
    return train(MICRO, cfg, data_root=None, out_dir=out, resume=resume, progress=False,
                 on_step=on_step)


def test_stream_resume_replays_the_same_batches(tmp_path: Path) -> None:
    ref = read_checkpoint(_run(tmp_path / "ref"))["model"]
    with pytest.raises(RuntimeError):
        _run(tmp_path / "cut", stop_at=3)
    resumed = read_checkpoint(_run(tmp_path / "cut", resume=True))
    assert resumed["meta"]["synth_stream"] is True
    for k in ref:
        assert torch.equal(ref[k], resumed["model"][k]), k


def test_probe_matched_counts_hand_made_case() -> None:
    # 1 clip, N = 2 slots, T = 2 frames, K = 2 classes (+ background index 2).
    logits = torch.tensor([[[[5.0, 0, 0], [0, 5.0, 0]],          # slot 0: right, wrong
                            [[0, 0, 5.0], [0, 0, 5.0]]]])        # slot 1: background
    boxes = torch.tensor([[[[0.0, 0, 10, 10], [0, 0, 10, 10]],
                           [[0, 0, 1, 1], [0, 0, 1, 1]]]])
    stage = StageOutput(logits, boxes, torch.zeros(1, 2, 2, 4, 4), boxes)
    target = ClipTargetTensors(
        labels=torch.tensor([[0, 0]]), boxes=torch.tensor([[[0.0, 0, 10, 5], [0, 0, 10, 10]]]),
        masks=torch.zeros(1, 2, 10, 10, dtype=torch.uint8),
        present=torch.tensor([[True, True]]))
    counts = matched_counts(stage, [target], [(torch.tensor([0]), torch.tensor([0]))])
    assert (counts.correct, counts.frames) == (1, 2)
    assert counts.box_iou_sum == pytest.approx(0.5 + 1.0)
    fg = torch.tensor([5.0, 0, 0]).softmax(0)[0].item()                  # slot 0's top score
    bg = torch.tensor([0.0, 0, 5.0]).softmax(0)[0].item()                  # slot 1 (unmatched)
    assert counts.scores() == {"probe_class_acc": 0.5, "probe_box_iou": pytest.approx(0.75),
                               "probe_fg_score": pytest.approx(fg),
                               "probe_fp_score": pytest.approx(bg)}
    absent = target._replace(present=torch.tensor([[True, False]]))
    counts = matched_counts(stage, [absent], [(torch.tensor([0]), torch.tensor([0]))])
    assert (counts.correct, counts.frames, counts.box_iou_sum) == (1, 1, 0.5)
    assert counts.fp_frames == 2                          # unmatched slot 1 on both frames


class _Recorder(torch.nn.Module):
    """Stands in for the model: slot n's box moves with its query's first channel."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[torch.Tensor | None] = []

    def forward(self, images, frame_valid, image_sizes, init_queries=None):
        self.calls.append(init_queries)
        B, T = frame_valid.shape
        q = torch.zeros(B, 2, T, 3) if init_queries is None else init_queries[:, :, None].expand(
            B, 2, T, 3)
        shift = q[..., :1] * 10                                              # (B, N, T, 1)
        boxes = torch.tensor([0.0, 0, 10, 10]).expand(B, 2, T, 4) + shift
        logits = torch.zeros(B, 2, T, 3)
        out_q = torch.arange(2.0)[None, :, None, None].expand(B, 2, T, 3)   # slot n -> query n
        stage = StageOutput(logits, boxes, torch.zeros(B, 2, T, 4, 4), boxes)
        return EfficientVISOutput((stage,), out_q)


def test_probe_handover_counts_score_clip2_on_clip1_slots() -> None:
    def clip(box: list[float]) -> ClipBatch:
        target = ClipTargetTensors(labels=torch.tensor([[0, 0]]),
                                   boxes=torch.tensor([[box, box]]),
                                   masks=torch.zeros(1, 2, 32, 32, dtype=torch.uint8),
                                   present=torch.tensor([[True, True]]))
        return ClipBatch(torch.zeros(1, 2, 3, 32, 32), torch.ones(1, 2, dtype=torch.bool),
                         torch.tensor([[32, 32]]), [target], torch.tensor([1]))

    class _Slot0:                                     # clip 1's assignment: GT 0 -> slot 0
        def __call__(self, stage, targets):
            return [(torch.tensor([0]), torch.tensor([0]))]

    model = _Recorder()
    pair = PairBatch(clip([0.0, 0, 10, 10]), clip([0.0, 0, 10, 10]), torch.tensor([0]))
    counts = handover_counts(model, pair, _Slot0())
    assert model.calls[0] is None and torch.equal(model.calls[1][0, :, 0], torch.tensor([0., 1.]))
    assert (counts.frames, counts.box_iou_sum) == (2, pytest.approx(2.0))   # slot 0 kept its box
    pair = PairBatch(clip([0.0, 0, 10, 10]), clip([10.0, 10, 20, 20]), torch.tensor([0]))
    assert handover_counts(_Recorder(), pair, _Slot0()).box_iou_sum == pytest.approx(0.0)


def test_cli_train_without_data_uses_the_stream_and_logs_the_probe(tmp_path: Path) -> None:
    generate(tmp_path / "bench", SynthConfig.preset("small", num_train_videos=1,
                                                    num_valid_videos=2), progress=False)
    out = tmp_path / "run"
    res = CliRunner().invoke(main, ["train", "--preset", "micro", "--iters", "2",
                                    "--batch-size", "1", "--out", str(out), "--threads", "1",
                                    "--probe-every", "2", "--probe-data", str(tmp_path / "bench"),
                                    "--ema", "0.9"])
    assert res.exit_code == 0, res.output
    rows = [json.loads(x) for x in (out / "metrics.jsonl").read_text().splitlines()]
    assert rows[0]["probe_AP"] is None and 0.0 <= rows[1]["probe_class_acc"] <= 1.0
    assert rows[0]["ema_probe_AP"] is None and 0.0 <= rows[1]["ema_probe_box_iou"] <= 1.0
    assert 0.0 <= rows[1]["probe_AP"] <= 1.0
    assert 0.0 <= rows[1]["probe_handover_iou"] <= 1.0
    assert (out / "probe" / "valid_subset.json").is_file()


def test_stream_chain_items_share_instance_rows_across_clips() -> None:
    ds = _stream(chain_clips=3)
    for index in range(3):
        windows = ds.windows(index, 0)
        assert len(windows) == 3
        s = ds[(index, 0)]
        assert len(s.more) == 1
        if windows[2] is None:
            assert s.more[0] is None
            continue
        frames3, targets3 = s.more[0]
        assert frames3.shape == s.frames1.shape
        rows = s.targets1.labels.shape[0]
        assert targets3.labels.shape[0] == s.targets2.labels.shape[0] == rows
        seen = s.targets1.present.any(1) | s.targets2.present.any(1) | targets3.present.any(1)
        assert bool(seen.all())                               # rows = instances seen anywhere


def test_stream_instances_reweights_stream_videos_only() -> None:
    cfg = TrainConfig(synth_seed=3, stream_instances=(0.0, 0.0, 1.0))
    synth = cfg.stream_synth()
    assert synth.seed == 3 and synth.instance_weights == (0.0, 0.0, 1.0)
    assert all(len(synth_video(synth, "train", i).tracks) == 3 for i in range(6))
    assert TrainConfig(synth_seed=3).stream_synth() == SynthConfig.preset("default", seed=3)
