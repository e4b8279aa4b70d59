"""Correspondence learning step on clip pairs (efficientvis.correspondence)."""

from __future__ import annotations

import json
import socket
from datetime import timedelta
from pathlib import Path
from typing import NamedTuple

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from efficientvis.batch import ClipBatch, ClipTargetTensors, PairBatch
from efficientvis.config import EfficientVISConfig
from efficientvis.correspondence import assignment_agreement, clip_pair_loss, present_only
from efficientvis.criterion import ClipCriterion
from efficientvis.engine.dataset import YTVISClipDataset, collate_pairs
from efficientvis.matcher import TrackletMatcher
from efficientvis.model import build_model
from efficientvis.tracklet_query import handover_queries
from torch import Tensor, nn

from vistoolkit.data.synth import SynthConfig, generate

N, C, K, M, HW = 3, 4, 2, 2, 32


class FakeStage(NamedTuple):
    logits: Tensor
    boxes: Tensor
    masks: Tensor
    mask_boxes: Tensor
    masks_at: object = None   # StageOutput.masks_at: None = index `masks`


class FakeOutput(NamedTuple):
    stages: tuple
    queries: Tensor


class FakeModel(nn.Module):
    """Deterministic stand-in with the contract's call signature; records its inputs/outputs."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.q_star = nn.Parameter(torch.randn(N, C))
        self.update = nn.ModuleList(nn.Linear(C, C) for _ in range(M))
        self.cls = nn.ModuleList(nn.Linear(C, K + 1) for _ in range(M))
        self.box = nn.ModuleList(nn.Linear(C, 4) for _ in range(M))
        self.mask = nn.ModuleList(nn.Linear(C, 64) for _ in range(M))
        self.inits: list[Tensor | None] = []
        self.outputs: list[FakeOutput] = []

    def forward(self, images, frame_valid, image_sizes, init_queries=None):
        self.inits.append(init_queries)
        b, t = images.shape[:2]
        init = self.q_star.expand(b, N, C) if init_queries is None else init_queries
        feat = images.mean((2, 3, 4)) / 255                                # (B, T)
        q = init[:, :, None, :] + feat[:, None, :, None]                    # (B, N, T, C)
        stages = []
        for s in range(M):
            q = q + torch.tanh(self.update[s](q))
            raw = torch.sigmoid(self.box[s](q)) * HW / 2
            boxes = torch.cat([raw[..., :2], raw[..., :2] + raw[..., 2:] + 1], -1)
            stages.append(FakeStage(self.cls[s](q), boxes,
                                    self.mask[s](q).view(b, N, t, 8, 8), boxes.detach()))
        out = FakeOutput(tuple(stages), q)
        self.outputs.append(out)
        return out


class CountingMatcher(TrackletMatcher):
    """Records the instance counts of every per-stage matching it performs."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[list[int]] = []

    def match_stages(self, stages, targets):
        self.calls.extend([[t.labels.shape[0] for t in targets]] * len(stages))
        return super().match_stages(stages, targets)


def _targets(present: list[list[bool]], labels: list[int]) -> ClipTargetTensors:
    pres = torch.tensor(present)                                         # (G, T)
    g, t = pres.shape
    boxes = torch.tensor([[2.0 + 6 * i, 3.0, 12.0 + 6 * i, 15.0] for i in range(g)])
    boxes = boxes[:, None].repeat(1, t, 1) * pres[..., None]             # (G, T, 4)
    masks = torch.zeros((g, t, HW, HW), dtype=torch.uint8)
    for i in range(g):
        masks[i, pres[i], 3:15, 2 + 6 * i:12 + 6 * i] = 1
    lab = torch.where(pres, torch.tensor(labels)[:, None], K)
    return ClipTargetTensors(lab, boxes, masks, pres)


def _clip(targets: list[ClipTargetTensors], shade: float) -> ClipBatch:
    b, t = len(targets), max(x.labels.shape[1] for x in targets)
    images = torch.full((b, t, 3, HW, HW), shade) + torch.arange(t).view(1, t, 1, 1, 1) * 10
    valid = torch.tensor([[i < x.labels.shape[1] for i in range(t)] for x in targets])
    return ClipBatch(images, valid, torch.tensor([[HW, HW]] * b), targets, torch.arange(b))


def _batch() -> PairBatch:
    """Video 0 has a pair (instance 1 only in clip 2); video 1 is a single clip."""
    t1 = [_targets([[True, True, False], [False, False, False]], [0, 1]),
          _targets([[True, False]], [1])]
    t2 = [_targets([[False, True, True], [True, True, True]], [0, 1])]
    return PairBatch(_clip(t1, 50.0), _clip(t2, 90.0), torch.tensor([0]))


def _criterion() -> ClipCriterion:
    return ClipCriterion(CountingMatcher(), num_classes=K)


def test_clip_pair_loss_clip2_reuses_clip1_last_stage_assignment():
    model, crit, batch = FakeModel(), _criterion(), _batch()
    loss, stats = clip_pair_loss(model, crit, batch, correspondence=True)
    assert crit.matcher.calls == [[2, 1]] * M                            # clip 1 only, per stage
    out1 = model.outputs[0]
    last = crit.matcher(out1.stages[-1], batch.clip1.targets)
    q2 = handover_queries(out1.queries, batch.clip1.frame_valid)[batch.pair_index]
    torch.testing.assert_close(model.inits[1], q2)
    expected = crit(model.outputs[1], batch.clip2.targets, indices=[last[0]])
    for key, value in expected.items():
        assert abs(stats[f"clip2/{key}"] - float(value.detach())) < 1e-5
    torch.testing.assert_close(float(loss.detach()), stats["clip1/loss"] + stats["clip2/loss"])
    assert stats["loss"] == float(loss.detach())


def test_clip_pair_loss_gradient_flows_through_handover_unless_detached():
    model, batch = FakeModel(), _batch()
    clip_pair_loss(model, _criterion(), batch, correspondence=True, detach=False)
    q2, q_final1 = model.inits[1], model.outputs[0].queries
    assert q2.requires_grad
    (grad,) = torch.autograd.grad(model.outputs[1].stages[-1].logits.sum(), q_final1,
                                  retain_graph=True)
    assert grad.abs().sum() > 0                                          # clip 2 -> clip 1
    model_d = FakeModel()
    clip_pair_loss(model_d, _criterion(), batch, correspondence=True, detach=True)
    assert not model_d.inits[1].requires_grad
    assert model_d.outputs[1].stages[-1].logits.grad_fn is not None


def test_clip_pair_loss_detach_changes_only_the_handover_gradient():
    grads = []
    for detach in (False, True):
        model = FakeModel()
        loss, _ = clip_pair_loss(model, _criterion(), _batch(), correspondence=True,
                                 detach=detach)
        loss.backward()
        grads.append((model.q_star.grad.clone(), model.cls[-1].weight.grad.clone()))
    assert not torch.allclose(grads[0][0], grads[1][0])                  # q* via clip 2
    assert grads[0][1].abs().sum() > 0 and grads[1][1].abs().sum() > 0


def test_clip_pair_loss_without_cl_trains_clips_independently_from_q_star():
    model, crit, batch = FakeModel(), _criterion(), _batch()
    _, stats = clip_pair_loss(model, crit, batch, correspondence=False)
    assert model.inits == [None, None]
    # Clip 1 loses the instance absent from it; clip 2 keeps both (present in clip 2).
    assert crit.matcher.calls == [[1, 1]] * M + [[2]] * M
    assert {"clip1/loss", "clip2/loss", "loss"} <= set(stats)


def test_clip_pair_loss_single_clip_batch_runs_clip1_only():
    model, crit, batch = FakeModel(), _criterion(), _batch()
    single = PairBatch(batch.clip1, None, torch.zeros(0, dtype=torch.long))
    loss, stats = clip_pair_loss(model, crit, single, correspondence=True)
    assert len(model.inits) == 1 and not any(k.startswith("clip2/") for k in stats)
    assert stats["loss"] == float(loss.detach()) == stats["clip1/loss"]


def test_clip_pair_loss_defaults_hand_over_queries_to_clip2():
    model, crit = FakeModel(), _criterion()
    clip_pair_loss(model, crit, _batch())
    assert model.inits[0] is None and model.inits[1] is not None
    assert model.inits[1].requires_grad                                 # detach=False


def test_present_only_drops_rows_absent_from_the_clip():
    t = _targets([[True, False], [False, False]], [0, 1])
    (out,) = present_only([t])
    assert out.labels.tolist() == [[0, K]] and out.masks.shape == (1, 2, HW, HW)


def test_assignment_agreement_fraction_of_same_slots():
    a = [(torch.tensor([0, 2]), torch.tensor([1, 0]))]                  # gt1 -> 0, gt0 -> 2
    b = [(torch.tensor([1, 2]), torch.tensor([1, 0]))]                  # gt1 -> 1, gt0 -> 2
    assert assignment_agreement(a, a) == 1.0
    assert assignment_agreement(a, b) == 0.5



@pytest.mark.parametrize("architecture", ["efficientvis", "dense"])
def test_clip_pair_loss_micro_model_on_synthetic_pairs_loss_decreases(tmp_path: Path,
                                                                      architecture: str,
                                                                      one_thread: None):
    generate(tmp_path, SynthConfig.preset("small", num_train_videos=2, num_valid_videos=1,
                                          height=64, width=64, min_length=7, max_length=8,
                                          num_categories=3), progress=False)
    cfg = EfficientVISConfig.preset("micro", num_classes=3, architecture=architecture)
    ds = YTVISClipDataset.from_config(tmp_path, cfg, seed=0)
    batch = collate_pairs([ds[(i, 0)] for i in range(len(ds))])
    assert batch.clip2 is not None and len(batch.pair_index) == 2      # 7-8 frames > T = 3
    torch.manual_seed(0)
    model, criterion = build_model(cfg), ClipCriterion.from_config(cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    history = []
    for _ in range(30):
        loss, stats = clip_pair_loss(model, criterion, batch)
        opt.zero_grad()
        loss.backward()
        opt.step()
        history.append(float(loss.detach()))
    assert all(torch.isfinite(torch.tensor(history)))
    assert sum(history[-5:]) < 0.6 * sum(history[:5])
    assert stats["clip2/loss"] > 0 and f"clip2/loss_dice_s{cfg.num_stages - 1}" in stats


def test_masks_on_demand_give_the_full_mask_loss_and_gradient(tmp_path: Path, one_thread: None):
    """Matched entries only through the mask head's backward (StageOutput.masks_at) = the loss
    and gradients of running it with gradient on every entry."""
    generate(tmp_path, SynthConfig.preset("small", num_train_videos=2, num_valid_videos=1,
                                          height=64, width=64, min_length=7, max_length=8,
                                          num_categories=3), progress=False)
    cfg = EfficientVISConfig.preset("micro", num_classes=3, num_queries=4)
    ds = YTVISClipDataset.from_config(tmp_path, cfg, seed=0)
    batch = collate_pairs([ds[(i, 0)] for i in range(len(ds))])
    torch.manual_seed(0)
    model, criterion = build_model(cfg), ClipCriterion.from_config(cfg)
    runs = []
    for on_demand in (True, False):
        for stage in model.stages:
            stage.mask_head.per_sample = on_demand
        model.zero_grad()
        loss, stats = clip_pair_loss(model, criterion, batch)
        loss.backward()
        runs.append((loss.detach(), stats, {k: p.grad.clone() for k, p in model.named_parameters()
                                            if p.grad is not None}))
    (loss_a, stats_a, grads_a), (loss_b, stats_b, grads_b) = runs
    assert stats_a["clip1/loss_mask_s1"] > 0 and stats_a["clip2/loss_mask_s1"] > 0
    torch.testing.assert_close(loss_a, loss_b)
    assert stats_a.keys() == stats_b.keys()
    for key in stats_a:
        assert stats_a[key] == pytest.approx(stats_b[key], rel=1e-5, abs=1e-6), key
    assert grads_a.keys() == grads_b.keys()
    assert any(k.startswith("stages.0.mask_head.") for k in grads_a)
    for key in grads_a:                  # summation order differs: 1e-5 of the largest entry
        scale = float(grads_b[key].abs().max())
        torch.testing.assert_close(grads_a[key], grads_b[key], rtol=0, atol=1e-4 * scale, msg=key)


def test_masks_on_demand_only_while_training_with_a_per_sample_norm(masks_with_grad):
    cfg = EfficientVISConfig.preset("micro")
    frames = torch.rand(1, cfg.clip_length, 3, 64, 64) * 255
    valid = torch.ones(1, cfg.clip_length, dtype=torch.bool)
    sizes = torch.tensor([[64, 64]])
    for norm, grad, expect in (("gn", True, True), ("gn", False, False), ("bn", True, False)):
        model = build_model(cfg.replace(mask_norm=norm))
        with torch.set_grad_enabled(grad):
            out = model(frames, valid, sizes)
        final = out.stages[-1]
        assert (final.masks_at is not None) is expect
        assert final.masks.requires_grad is (grad and not expect)
        torch.testing.assert_close(masks_with_grad(final).detach(), final.masks)


def _dist_worker(rank: int, world: int, port: int, out_dir: str) -> None:
    """Rank 0 has a correspondence pair, rank 1 a single clip."""
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank,
                            world_size=world, timeout=timedelta(seconds=30))
    try:
        batch = _batch()
        if rank == 1:
            batch = PairBatch(batch.clip1, None, torch.zeros(0, dtype=torch.long))
        loss, stats = clip_pair_loss(FakeModel(), _criterion(), batch, correspondence=True)
        loss.backward()
        Path(out_dir, f"{rank}.json").write_text(json.dumps(stats))
    finally:
        dist.destroy_process_group()


def test_clip_pair_loss_distributed_ranks_without_clip2_do_not_hang(tmp_path: Path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    mp.start_processes(_dist_worker, args=(2, port, str(tmp_path)), nprocs=2,
                       start_method="fork")
    stats = [json.loads((tmp_path / f"{r}.json").read_text()) for r in range(2)]
    assert sorted(stats[0]) == sorted(stats[1])                       # same log keys
    assert stats[1]["clip2/loss"] == 0.0 and stats[0]["clip2/loss"] > 0


def test_clip_pair_loss_chain_clip3_starts_from_clip2_queries_with_clip1_assignment():
    """Video 0 has 3 clips, video 1 a pair; clip 3 row 0 continues clip 2 row 1 (video 0)."""
    t1 = [_targets([[True, True, False], [False, False, False]], [0, 1]),
          _targets([[True, True, True], [True, False, False]], [1, 0])]
    t2 = [_targets([[False, True, True], [True, True, True]], [1, 0]),
          _targets([[False, True, True], [True, True, True]], [0, 1])]
    t3 = [_targets([[True, True, True], [False, True, False]], [0, 1])]
    batch = PairBatch(_clip(t1, 50.0), _clip(t2, 90.0), torch.tensor([1, 0]),
                      ((_clip(t3, 120.0), torch.tensor([1])),))
    model, crit = FakeModel(), _criterion()
    loss, stats = clip_pair_loss(model, crit, batch, correspondence=True)
    assert crit.matcher.calls == [[2, 2]] * M                            # clip 1 only
    out1, out2, out3 = model.outputs
    q3 = handover_queries(out2.queries, batch.clip2.frame_valid)[torch.tensor([1])]
    torch.testing.assert_close(model.inits[2], q3)
    last = crit.matcher(out1.stages[-1], batch.clip1.targets)
    expected = crit(out3, t3, indices=[last[0]])                        # video 0 = clip-1 row 0
    for key, value in expected.items():
        assert abs(stats[f"clip3/{key}"] - float(value.detach())) < 1e-5
    total = stats["clip1/loss"] + stats["clip2/loss"] + stats["clip3/loss"]
    torch.testing.assert_close(float(loss.detach()), total, rtol=1e-5, atol=1e-5)
    loss.backward()                                                     # one graph, 3 clips
    assert model.q_star.grad is not None


def test_collate_pairs_chain_indexes_each_level_into_the_previous(tmp_path: Path):
    generate(tmp_path, SynthConfig.preset("small", num_train_videos=8, num_valid_videos=1,
                                          height=32, width=32, min_length=2, max_length=10,
                                          num_categories=2), progress=False)
    ds = YTVISClipDataset(tmp_path, clip_length=2, input_short=None, input_max_long=None,
                          chain_clips=3)
    samples = [ds[(i, 0)] for i in range(len(ds))]
    batch = collate_pairs(samples)
    (clip3, index3), = batch.more
    have2 = [b for b, s in enumerate(samples) if s.frames2 is not None]
    have3 = [b for b, s in enumerate(samples) if s.more[0] is not None]
    assert set(have3) <= set(have2) and 0 < len(have3) < len(samples)   # lengths 2..10, T = 2
    assert batch.pair_index.tolist() == have2
    assert index3.tolist() == [have2.index(b) for b in have3]
    assert clip3.images.shape[0] == len(have3)
    assert clip3.video_ids.tolist() == [samples[b].video_id for b in have3]
