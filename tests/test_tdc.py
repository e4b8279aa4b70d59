"""TemporalDynamicConv (Eq. 3): shapes, temporal support t-1..t+1, adaptive weights."""

import pytest
import torch
from efficientvis.tdc import (
    TemporalDynamicConv,
    adaptive_weights,
    cosine_to_center,
    neighbour_valid,
    shift_time,
)

B, N, T, C, D, R = 2, 3, 5, 16, 4, 3


def _setup(temporal: bool = True, with_proj: bool = False):
    torch.manual_seed(0)
    tdc = TemporalDynamicConv(C, D, R, temporal=temporal, with_proj=with_proj)
    return tdc, torch.randn(B, N, T, C), torch.randn(B, N, T, C, R, R)


@pytest.mark.parametrize("temporal", [True, False])
@pytest.mark.parametrize("with_proj", [True, False])
def test_tdc_output_shapes(temporal, with_proj):
    tdc, q, x = _setup(temporal, with_proj)
    out = tdc(q, x, torch.ones(B, T, dtype=torch.bool))
    assert out.shape == ((B, N, T, C) if with_proj else (B, N, T, C, R, R))


def _frames_changed(temporal: bool, t: int, frame_valid=None) -> torch.Tensor:
    """(T,) bool: output frames of clip 0, query 0 changed by perturbing RoI features at frame t."""
    tdc, q, x = _setup(temporal)
    fv = torch.ones(B, T, dtype=torch.bool) if frame_valid is None else frame_valid
    x2 = x.clone()
    x2[0, 0, t] += torch.randn(C, R, R)
    with torch.no_grad():
        diff = (tdc(q, x2, fv) - tdc(q, x, fv)).abs().flatten(3).amax(-1)   # (B, N, T)
    assert diff[1].max() == 0 and diff[0, 1:].max() == 0                  # other clips/queries
    return diff[0, 0] > 1e-6


def test_tdc_temporal_uses_only_neighbouring_frames():
    assert _frames_changed(True, 2).tolist() == [False, True, True, True, False]


def test_tdc_still_uses_only_own_frame():
    assert _frames_changed(False, 2).tolist() == [False, False, True, False, False]


def test_tdc_padded_neighbour_is_ignored():
    fv = torch.ones(B, T, dtype=torch.bool)
    fv[0, 3:] = False
    # frame 3 is padding: real frame 2 must not read it (nor padded frame 4)
    assert _frames_changed(True, 3, fv).tolist() == [False, False, False, True, False]


def test_shift_time_literal():
    x = torch.arange(4.0).view(1, 1, 4)
    assert shift_time(x, 1).tolist() == [[[1.0, 2.0, 3.0, 0.0]]]
    assert shift_time(x, -1).tolist() == [[[0.0, 0.0, 1.0, 2.0]]]


def test_neighbour_valid_literal():
    fv = torch.tensor([[True, True, True, False]])
    valid = neighbour_valid(fv, (-1, 0, 1))                                # (3, 1, 4)
    assert valid[:, 0].tolist() == [[False, True, True, True],
                                    [True, True, True, True],
                                    [True, True, False, False]]


def test_adaptive_weights_equal_outputs_share_evenly_over_existing_offsets():
    y = torch.ones(3, 1, 1, 4, 2, C)                                        # identical outputs
    valid = neighbour_valid(torch.tensor([[True, True, True, False]]), (-1, 0, 1))[:, :, None]
    a = adaptive_weights(y, valid, center=1)[:, 0, 0, :, 0]                # (3, T)
    expected = torch.tensor([[0, 1 / 3, 1 / 2, 1 / 2], [1 / 2, 1 / 3, 1 / 2, 1 / 2],
                             [1 / 2, 1 / 3, 0, 0]])
    assert torch.allclose(a, expected, atol=1e-6)


def test_adaptive_weights_sum_to_one_and_zero_on_missing_neighbours():
    torch.manual_seed(1)
    y = torch.randn(3, B, N, T, R * R, C)
    fv = torch.ones(B, T, dtype=torch.bool)
    fv[1, 4] = False
    valid = neighbour_valid(fv, (-1, 0, 1))[:, :, None]                    # (3, B, 1, T)
    a = adaptive_weights(y, valid, center=1)                                # (3, B, N, T, R*R)
    assert torch.allclose(a.sum(0), torch.ones(B, N, T, R * R), atol=1e-6)
    assert a[0, :, :, 0].max() == 0 and a[2, :, :, T - 1].max() == 0
    assert a[2, 1, :, 3].max() == 0                                         # padded t=4
    assert (a[1] > 0).all()


def test_cosine_to_center_equals_torch_cosine_similarity_values_and_gradients():
    torch.manual_seed(2)
    y = torch.randn(3, B, N, T, R * R, C, dtype=torch.float64)
    y[0, 0, 0, 0, 0] = 0                                                    # zero vector: eps clamp
    y1 = y.clone().requires_grad_()
    y2 = y.clone().requires_grad_()
    ours = cosine_to_center(y1, 1)
    ref = torch.nn.functional.cosine_similarity(y2[1][None], y2, dim=-1)
    assert ours.shape == (3, B, N, T, R * R)
    assert torch.allclose(ours, ref, atol=1e-12)
    w = torch.randn_like(ref)
    (g1,) = torch.autograd.grad((ours * w).sum(), y1)
    (g2,) = torch.autograd.grad((ref * w).sum(), y2)
    assert torch.allclose(g1, g2, atol=1e-10)


@pytest.mark.parametrize("temporal", [True, False])
@pytest.mark.parametrize("with_proj", [True, False])
def test_tdc_at_entries_equals_the_full_output(temporal, with_proj):
    tdc, q, x = _setup(temporal, with_proj)
    fv = torch.ones(B, T, dtype=torch.bool)
    fv[1, 3:] = False                                                       # padded frames
    b, n, t = torch.tensor([0, 0, 1, 1, 1]), torch.tensor([0, 2, 1, 1, 0]), torch.tensor([0, 4, 2, 3, 1])
    full = tdc(q, x, fv)[b, n, t]
    torch.testing.assert_close(tdc.at(q, x, fv, b, n, t), full, rtol=1e-5, atol=1e-6)
