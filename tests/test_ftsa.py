"""FactorisedTemporoSpatialAttention: shapes and which outputs a perturbed query reaches."""

import pytest
import torch
from efficientvis.ftsa import FactorisedTemporoSpatialAttention

B, N, T, C = 2, 3, 4, 16


def _setup(variant: str):
    torch.manual_seed(0)
    attn = FactorisedTemporoSpatialAttention(C, 2, variant=variant).eval()
    q = torch.randn(B, N, T, C)
    return attn, q, torch.ones(B, T, dtype=torch.bool)


def _changed(variant: str, i: int = 1, t: int = 2) -> torch.Tensor:
    """(N, T) bool: outputs of clip 0 changed by perturbing query i at frame t."""
    attn, q, fv = _setup(variant)
    q2 = q.clone()
    q2[0, i, t] += 1.0
    with torch.no_grad():
        diff = (attn(q2, fv) - attn(q, fv)).abs().amax(-1)                 # (B, N, T)
    assert diff[1].max() == 0                                              # clips never mix
    return diff[0] > 1e-6


@pytest.mark.parametrize("variant", ["ftsa", "spatial", "temporal", "joint"])
def test_ftsa_variants_keep_shape(variant):
    attn, q, fv = _setup(variant)
    assert attn(q, fv).shape == (B, N, T, C)


def test_ftsa_temporal_perturbation_reaches_only_same_query():
    changed = _changed("temporal")
    assert changed[1].all() and not changed[[0, 2]].any()


def test_ftsa_spatial_perturbation_reaches_only_same_frame():
    changed = _changed("spatial")
    assert changed[:, 2].all() and not changed[:, [0, 1, 3]].any()


@pytest.mark.parametrize("variant", ["ftsa", "joint"])
def test_ftsa_factorised_and_joint_perturbation_reaches_all(variant):
    assert _changed(variant).all()


@pytest.mark.parametrize("variant", ["ftsa", "spatial", "temporal", "joint"])
def test_ftsa_padded_frames_do_not_affect_real_frames(variant):
    attn, q, fv = _setup(variant)
    fv[0, 3] = False
    q2 = q.clone()
    q2[0, :, 3] = torch.randn(N, C) * 5
    with torch.no_grad():
        out, out2 = attn(q, fv), attn(q2, fv)
    assert torch.allclose(out[:, :, :3], out2[:, :, :3], atol=1e-6)
    assert torch.allclose(out[1], out2[1])


def test_ftsa_unknown_variant_raises_value_error():
    with pytest.raises(ValueError, match="attention='diagonal'"):
        FactorisedTemporoSpatialAttention(C, 2, variant="diagonal")
