"""Correspondence learning (Sec. 3.3 of EfficientVIS, spec §7): one training step on clip pairs."""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.distributed as dist
from torch import Tensor, nn

from efficientvis.batch import ClipBatch, ClipTargetTensors, PairBatch
from efficientvis.criterion import ClipCriterion
from efficientvis.tracklet_query import handover_queries


def present_only(targets: Sequence[ClipTargetTensors]) -> list[ClipTargetTensors]:
    """Drop the rows of instances that are absent from every frame of their clip."""
    out = []
    for t in targets:
        keep = t.present.any(1)                                          # (G,)
        out.append(ClipTargetTensors(t.labels[keep], t.boxes[keep], t.masks[keep],
                                     t.present[keep]))
    return out


def _run(model: nn.Module, clip: ClipBatch, init_queries: Tensor | None = None):
    return model(clip.images, clip.frame_valid, clip.image_sizes, init_queries=init_queries)


def _stats(prefix: str, losses: dict[str, Tensor]) -> dict[str, float]:
    return {f"{prefix}/{k}": float(v.detach()) for k, v in losses.items()}


def _any_process(flag: bool, device: torch.device) -> bool:
    """True if ``flag`` holds on any process (just ``flag`` without torch.distributed)."""
    if not (dist.is_available() and dist.is_initialized()):
        return flag
    value = torch.tensor([float(flag)], device=device)
    dist.all_reduce(value, op=dist.ReduceOp.MAX)
    return bool(value.item() > 0)


def clip_pair_loss(model: nn.Module, criterion: ClipCriterion, batch: PairBatch, *,
                   correspondence: bool = True,
                   detach: bool = False) -> tuple[Tensor, dict[str, float]]:
    """Loss of one training step (spec §7).

    With correspondence learning, clip 1 starts from q*, is matched at every stage, and its final
    queries averaged over its real frames (``handover_queries``) start clip 2, whose proposals are
    re-initialised; clip 2 reuses clip 1's last-stage assignment at all stages (no matching). The
    targets of a pair share their rows (instances of either clip, absent = background).
    Without it (``correspondence=False``) each clip starts from q* and is matched on its own
    instances. Videos with one clip contribute clip 1 only.

    Args:
        model: ``model(images, frame_valid, image_sizes, init_queries=None) -> EfficientVISOutput``.
        criterion: the clip loss.
        batch: ``PairBatch`` (``efficientvis.engine.dataset.collate_pairs``), on the device.
        correspondence: correspondence learning (``cfg.correspondence_learning``, Table 1d).
        detach: stop the gradient of clip 2 at the handed-over queries (``cfg.cl_detach``).

    Returns:
        (scalar loss = clip-1 loss + clip-2 loss, float stats ``clip1/<key>``, ``clip2/<key>``).
    """
    clip1, clip2 = batch.clip1, batch.clip2
    targets1 = list(clip1.targets) if correspondence else present_only(clip1.targets)
    out1 = _run(model, clip1)
    stage_indices = criterion.match(out1, targets1)
    losses1 = criterion(out1, targets1, stage_indices=stage_indices)
    loss, stats = losses1["loss"], _stats("clip1", losses1)
    stats["loss"] = float(loss.detach())
    if clip2 is None:
        # Processes whose batch has no second clip still join clip 2's count all-reduce, and
        # log zeros under clip 2's keys so that every process logs the same keys.
        if _any_process(False, loss.device):
            criterion.sync_counts(len(out1.stages), loss.device)
            stats.update({f"clip2/{k}": 0.0 for k in losses1})
        return loss, stats
    _any_process(True, loss.device)
    if correspondence:
        pair_index = batch.pair_index.tolist()
        queries = handover_queries(out1.queries, clip1.frame_valid)        # (B, N, C)
        queries = queries[batch.pair_index.to(queries.device)]            # (B2, N, C)
        if detach:
            queries = queries.detach()
        out2 = _run(model, clip2, queries)
        last = stage_indices[-1]
        losses2 = criterion(out2, clip2.targets, indices=[last[b] for b in pair_index])
    else:
        out2 = _run(model, clip2)
        losses2 = criterion(out2, present_only(clip2.targets))
    stats.update(_stats("clip2", losses2))
    loss = loss + losses2["loss"]
    stats["loss"] = float(loss.detach())
    return loss, stats


@torch.no_grad()
def assignment_agreement(first: Sequence[tuple[Tensor, Tensor]],
                         second: Sequence[tuple[Tensor, Tensor]]) -> float:
    """Fraction of GT instances given the same query slot by two assignments (diagnostic)."""
    same = total = 0
    for (p1, g1), (p2, g2) in zip(first, second, strict=True):
        slot1 = dict(zip(g1.tolist(), p1.tolist()))
        slot2 = dict(zip(g2.tolist(), p2.tolist()))
        total += len(slot1)
        same += sum(1 for g, p in slot1.items() if slot2.get(g) == p)
    return same / total if total else float("nan")
