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
    targets of a pair share their rows (instances of either clip, absent = background). Chain
    clips 3, 4, ... (``batch.more``) continue the same way, each from the clip before it, with
    clip 1's assignment.
    Without it (``correspondence=False``) each clip starts from q* and is matched on its own
    instances. Videos with one clip contribute clip 1 only.

    Args:
        model: ``model(images, frame_valid, image_sizes, init_queries=None) -> EfficientVISOutput``.
        criterion: the clip loss.
        batch: ``PairBatch`` (``efficientvis.engine.dataset.collate_pairs``), on the device.
        correspondence: correspondence learning (``cfg.correspondence_learning``, Table 1e).
        detach: stop the gradient at every hand-over (``cfg.cl_detach``).

    Returns:
        (scalar loss = sum of the clip losses, float stats ``clip<k>/<key>``).
    """
    clip1 = batch.clip1
    targets1 = list(clip1.targets) if correspondence else present_only(clip1.targets)
    out1 = _run(model, clip1)
    stage_indices = criterion.match(out1, targets1)
    losses1 = criterion(out1, targets1, stage_indices=stage_indices)
    loss, stats = losses1["loss"], _stats("clip1", losses1)
    last = stage_indices[-1]
    previous, rows = (clip1, out1), list(range(len(targets1)))   # rows: clip-1 row of each row
    for k, (clip, index) in enumerate(((batch.clip2, batch.pair_index), *batch.more), start=2):
        if not _any_process(clip is not None, loss.device):
            break
        if clip is None:
            # Processes whose batch has no k-th clip still join its count all-reduce, and log
            # zeros under its keys so that every process logs the same keys.
            criterion.sync_counts(len(out1.stages), loss.device)
            stats.update({f"clip{k}/{key}": 0.0 for key in losses1})
            previous = None
            continue
        if previous is None:
            raise ValueError(f"clip {k} of a chain without clip {k - 1}")
        if correspondence:
            queries = handover_queries(previous[1].queries, previous[0].frame_valid)  # (B, N, C)
            queries = queries[index.to(queries.device)]                          # (Bk, N, C)
            if detach:
                queries = queries.detach()
            rows = [rows[r] for r in index.tolist()]
            out = _run(model, clip, queries)
            losses = criterion(out, clip.targets, indices=[last[b] for b in rows])
        else:
            out = _run(model, clip)
            losses = criterion(out, present_only(clip.targets))
        stats.update(_stats(f"clip{k}", losses))
        loss = loss + losses["loss"]
        previous = (clip, out)
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
