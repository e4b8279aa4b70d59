"""EfficientVIS / DenseVIS on `micro` (CPU, seeded): shapes, switches, padding, hand-over, init."""

import dataclasses

import pytest
import torch
from efficientvis.backbone import BackboneFPN
from efficientvis.config import EfficientVISConfig
from efficientvis.dense_baseline import DenseVIS
from efficientvis.mask_paste import paste_masks
from efficientvis.model import EfficientVIS, EfficientVISOutput, build_model
from efficientvis.roi import map_levels, multilevel_roi_align
from efficientvis.tracklet_query import TrackletProposal, handover_queries

H, W = 64, 96
MICRO = EfficientVISConfig.preset("micro")


def _model(seed: int = 0, **overrides):
    torch.manual_seed(seed)
    return build_model(EfficientVISConfig.preset("micro", **overrides)).eval()


def _clip(B: int = 2, T: int = 3, seed: int = 0):
    gen = torch.Generator().manual_seed(seed)
    images = torch.rand(B, T, 3, H, W, generator=gen) * 255
    return images, torch.ones(B, T, dtype=torch.bool), torch.tensor([[H, W], [50, 70]])[:B]


def _check_shapes(out: EfficientVISOutput, B: int, T: int, mask_hw: tuple[int, int]) -> None:
    N, K, C = MICRO.num_queries, MICRO.num_classes, MICRO.fpn_channels
    assert len(out.stages) == MICRO.num_stages
    for s in out.stages:
        assert s.logits.shape == (B, N, T, K + 1) and s.boxes.shape == (B, N, T, 4)
        assert s.masks.shape == (B, N, T, *mask_hw) and s.mask_boxes.shape == (B, N, T, 4)
        assert not s.mask_boxes.requires_grad and torch.isfinite(s.masks).all()
    assert out.queries.shape == (B, N, T, C)


@pytest.mark.parametrize("overrides", [
    {}, {"attention": "spatial"}, {"attention": "temporal"}, {"attention": "joint"},
    {"tdc": "still"}, {"query": "shared"}, {"tdc_embed": True}])
def test_model_switches_give_contract_shapes(overrides):
    with torch.no_grad():
        out = _model(**overrides)(*_clip())
    _check_shapes(out, 2, 3, (MICRO.mask_out, MICRO.mask_out))


def test_model_last_clip_shorter_runs_with_t_prime():
    with torch.no_grad():
        out = _model()(*_clip(T=2))
    _check_shapes(out, 2, 2, (16, 16))


def test_dense_baseline_gives_full_frame_stride4_masks():
    model = _model(architecture="dense")
    assert isinstance(model, DenseVIS)
    with torch.no_grad():
        out = model(*_clip())
        short = model(*_clip(T=2))
    _check_shapes(out, 2, 3, (H // 4, W // 4))
    _check_shapes(short, 2, 2, (H // 4, W // 4))
    assert torch.equal(out.stages[-1].mask_boxes[1, 2, 0], torch.tensor([0.0, 0, W, H]))
    assert (out.stages[0].boxes[1, :, :, 2] <= 70 + 1e-4).all()             # unpadded width


@pytest.mark.parametrize("overrides", [{}, {"mask_norm": "bn"}, {"architecture": "dense"}])
def test_model_padded_frame_does_not_affect_real_frames(overrides):
    model = _model(**overrides).train()                                    # BN batch statistics
    images, fv, sizes = _clip()
    fv[0, 2] = False
    images2 = images.clone()
    images2[0, 2] = torch.rand(3, H, W) * 255
    torch.manual_seed(1)
    out, out2 = model(images, fv, sizes), model(images2, fv, sizes)
    for s, s2 in zip(out.stages, out2.stages):
        for a, b in zip(s[:4], s2[:4]):               # the tensors, not masks_at
            assert torch.allclose(a[:, :, :2], b[:, :, :2], atol=1e-5)
            assert torch.allclose(a[1], b[1], atol=1e-5)


def test_model_init_queries_change_outputs_and_none_means_q_star():
    model = _model()
    images, fv, sizes = _clip()
    q_star = model.initial_queries()[None].expand(2, -1, -1)               # (B, N, C)
    with torch.no_grad():
        base = model(images, fv, sizes)
        same = model(images, fv, sizes, init_queries=q_star)
        other = model(images, fv, sizes, init_queries=torch.randn(2, 3, 32))
    assert torch.equal(base.stages[-1].logits, same.stages[-1].logits)
    assert not torch.allclose(base.stages[-1].logits, other.stages[-1].logits)


def test_model_shared_query_outputs_constant_over_time():
    with torch.no_grad():
        out = _model(query="shared")(*_clip())
    assert torch.allclose(out.queries, out.queries[:, :, :1].expand_as(out.queries), atol=1e-6)
    assert not torch.allclose(out.stages[-1].logits[:, :, 0], out.stages[-1].logits[:, :, 1])


def test_model_same_seed_is_deterministic():
    a, b = _model(seed=3), _model(seed=3)
    with torch.no_grad():
        oa, ob = a(*_clip()), b(*_clip())
    assert all(torch.equal(x, y) for x, y in zip(oa.stages[-1][:4], ob.stages[-1][:4]))
    assert not torch.equal(_model(seed=4)(*_clip()).stages[-1].logits, oa.stages[-1].logits)


def test_model_proposals_and_mask_boxes_detached(masks_with_grad):
    model = _model().train()
    out = model(*_clip())
    # stage-2 boxes start from detached stage-1 boxes; masks live in detached boxes
    (out.stages[1].boxes.sum() + masks_with_grad(out.stages[0]).sum()).backward()
    assert model.stages[0].box_head.deltas.weight.grad is None
    assert model.tracklet_proposal.embedding.weight.grad is None


def test_model_backward_reaches_queries_and_proposals(masks_with_grad):
    model = _model().train()
    out = model(*_clip())
    sum(s.logits.sum() + s.boxes.sum() + masks_with_grad(s).sum() for s in out.stages).backward()
    assert model.tracklet_query.embedding.weight.grad.abs().sum() > 0
    assert model.tracklet_proposal.embedding.weight.grad.abs().sum() > 0
    grads = [p.grad for p in model.stages.parameters()]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)


def test_model_initial_proposals_cover_unpadded_frame():
    prop = TrackletProposal(3)
    boxes = prop(torch.tensor([[64, 96], [50, 70]]), 2)                    # (B, N, T, 4)
    assert boxes.shape == (2, 3, 2, 4)
    assert torch.equal(boxes[1, 2, 1], torch.tensor([0.0, 0.0, 70.0, 50.0]))


def test_handover_queries_average_real_frames_only():
    q = torch.arange(4.0).view(1, 1, 4, 1).expand(1, 2, 4, 3)              # (B, N, T, C)
    fv = torch.tensor([[True, True, True, False]])
    assert torch.allclose(handover_queries(q, fv), torch.ones(1, 2, 3))
    assert torch.allclose(handover_queries(q), torch.full((1, 2, 3), 1.5))


def test_paste_masks_constant_mask_fills_box_exactly():
    out = paste_masks(torch.ones(1, 2, 2), torch.tensor([[2.0, 2.0, 6.0, 6.0]]), 8, 8)
    expected = torch.zeros(8, 8)
    expected[2:6, 2:6] = 1
    assert torch.equal(out[0], expected)


def test_paste_masks_left_half_mask_bilinear_literal():
    out = paste_masks(torch.tensor([[[1.0, 0.0], [1.0, 0.0]]]), torch.tensor([[0.0, 0, 4, 4]]), 4, 4)
    assert torch.allclose(out[0], torch.tensor([1.0, 0.75, 0.25, 0.0]).expand(4, 4))


def test_paste_masks_empty_input_returns_empty_canvas():
    assert paste_masks(torch.zeros(0, 4, 4), torch.zeros(0, 4), 5, 6).shape == (0, 5, 6)


def test_map_levels_canonical_scales():
    sides = torch.tensor([10.0, 112.0, 224.0, 448.0, 2000.0])
    boxes = torch.stack((torch.zeros(5), torch.zeros(5), sides, sides), 1)
    assert map_levels(boxes).tolist() == [2, 3, 4, 5, 5]


def test_multilevel_roi_align_reads_frame_and_level():
    B, N, T, C = 2, 2, 3, 1
    frame = torch.arange(B * T, dtype=torch.float32).view(B * T, 1, 1, 1)  # b*T + t
    feats = [(100 * lvl + frame).expand(B * T, C, 256 // 2**lvl, 256 // 2**lvl)
             for lvl in range(2, 6)]
    boxes = torch.zeros(B, N, T, 4)
    boxes[:, 0] = torch.tensor([8.0, 8.0, 40.0, 40.0])                     # level 2
    boxes[:, 1] = torch.tensor([0.0, 0.0, 250.0, 250.0])                   # level 4
    out = multilevel_roi_align(feats, boxes, output_size=2)                # (B, N, T, C, 2, 2)
    expected = torch.tensor([200.0, 400.0])[None, :, None] + torch.arange(B * T).view(B, 1, T)
    assert torch.allclose(out.mean((-1, -2, -3)), expected)


@pytest.mark.parametrize("name, channels", [("micro", 32), ("resnet18", 16)])
def test_backbone_fpn_gives_p2_to_p5(name, channels):
    feats = BackboneFPN(name, channels=channels)(torch.randn(2, 3, 64, 96))
    assert [tuple(f.shape) for f in feats.values()] == [
        (2, channels, 64 // s, 96 // s) for s in (4, 8, 16, 32)]


def test_build_model_presets_parameter_counts():
    counts = {n: sum(p.numel() for p in build_model(EfficientVISConfig.preset(n)).parameters())
              for n in ("micro", "tiny")}
    assert 2e5 < counts["micro"] < 4e5 and 1.1e7 < counts["tiny"] < 1.5e7
    paper = build_model(EfficientVISConfig.preset("paper"))
    assert isinstance(paper, EfficientVIS) and len(paper.stages) == 6
    n_paper = sum(p.numel() for p in paper.parameters())
    assert 1.5e8 < n_paper < 2.0e8                        # ResNet-50-FPN + 6 QueryInst-like stages


def test_config_round_trip_and_validation():
    cfg = EfficientVISConfig.preset("tiny", attention="joint")
    assert EfficientVISConfig.from_dict(cfg.to_dict()) == cfg
    old = {k: v for k, v in cfg.to_dict().items() if k != "track_nms_iou"}   # older checkpoint
    assert EfficientVISConfig.from_dict(old).track_nms_iou == 0.5        # the tiny preset's
    assert EfficientVISConfig.from_dict({**old, "name": "paper"}).track_nms_iou is None
    with pytest.raises(ValueError, match="track_nms_iou"):
        EfficientVISConfig.preset("paper", track_nms_iou=2.0)
    assert dataclasses.replace(cfg, tdc="still").tdc == "still"
    with pytest.raises(ValueError, match="attention='diag'"):
        EfficientVISConfig.preset("micro", attention="diag")
    with pytest.raises(ValueError, match="unknown preset"):
        EfficientVISConfig.preset("huge")


def test_backbone_channels_last_gives_the_same_nchw_maps():
    torch.manual_seed(0)
    net = BackboneFPN("resnet18", channels=16).eval()
    x = torch.randn(2, 3, 64, 96)
    with torch.no_grad():
        fast = net(x)
        net.set_channels_last(False)
        plain = net(x)
    for name in fast:
        assert fast[name].is_contiguous() and plain[name].is_contiguous()
        torch.testing.assert_close(fast[name], plain[name], rtol=1e-4, atol=1e-4)


def test_backbone_bfloat16_gives_float32_maps_close_to_float32():
    torch.manual_seed(0)
    net = BackboneFPN("resnet18", channels=16).eval()
    half = BackboneFPN("resnet18", channels=16, precision="bfloat16").eval()
    half.load_state_dict(net.state_dict())
    x = torch.randn(2, 3, 64, 96)
    with torch.no_grad():
        ref, low = net(x), half(x)
    for name in ref:
        assert low[name].dtype == torch.float32 and low[name].is_contiguous()
        rel = (low[name] - ref[name]).abs().mean() / ref[name].abs().mean()
        assert 0 < float(rel) < 0.03               # rounded, yet the same maps
    with pytest.raises(ValueError, match="precision"):
        BackboneFPN("micro", channels=16, precision="float16")


@pytest.mark.parametrize("architecture", ["efficientvis", "dense"])
def test_backbone_precision_reaches_the_backbone(architecture):
    model = _model(architecture=architecture, backbone_precision="bfloat16")
    assert model.backbone.precision == "bfloat16"
    assert _model(architecture=architecture).backbone.precision == "float32"
    with torch.no_grad():
        out = model(*_clip())
    assert out.stages[-1].logits.dtype == torch.float32
    with pytest.raises(ValueError, match="backbone_precision"):
        EfficientVISConfig.preset("micro", backbone_precision="int8")


@pytest.mark.parametrize("overrides", [{}, {"query": "shared"}, {"num_stages": 3}])
def test_final_masks_only_skips_earlier_masks_and_changes_nothing_else(overrides):
    model = _model(**overrides)
    with torch.no_grad():
        full = model(*_clip())
        lean = model(*_clip(), final_masks_only=True)
    assert all(s.masks is None for s in lean.stages[:-1])
    torch.testing.assert_close(lean.queries, full.queries, rtol=0, atol=0)
    for a, b in zip(lean.stages, full.stages):
        for field in ("logits", "boxes", "mask_boxes"):
            torch.testing.assert_close(getattr(a, field), getattr(b, field), rtol=0, atol=0)
    torch.testing.assert_close(lean.stages[-1].masks, full.stages[-1].masks, rtol=0, atol=0)
