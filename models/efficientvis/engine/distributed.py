"""Multi-process training helpers for ``torchrun`` (DDP); a plain single process works unchanged.

``torchrun`` sets ``RANK``, ``WORLD_SIZE`` and ``LOCAL_RANK``; without them the run is one process
and every helper here is a no-op (rank 0 of 1).
"""

from __future__ import annotations

import itertools
import logging
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch.utils.data import Sampler

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DistContext:
    """Where this process sits: ``rank`` of ``world_size``, its device, and whether it must
    tear down the process group it created."""

    rank: int
    world_size: int
    local_rank: int
    device: torch.device
    owns_group: bool = False

    @property
    def is_main(self) -> bool:
        """True on the process that writes files (rank 0)."""
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1


def init_from_env(device: str = "cpu") -> DistContext:
    """Join the process group described by the ``torchrun`` environment, if any.

    Args:
        device: "cpu" (gloo backend) or "cuda" (nccl; each process takes GPU ``LOCAL_RANK``).
    Returns:
        The process's ``DistContext``; one process of one when ``WORLD_SIZE`` is unset or 1.
    """
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if device == "cuda":
        torch.cuda.set_device(local_rank)
        dev = torch.device("cuda", local_rank)
    else:
        dev = torch.device("cpu")
    if world_size <= 1:
        return DistContext(0, 1, 0, dev)
    owns = False
    if not dist.is_initialized():
        dist.init_process_group(backend="nccl" if device == "cuda" else "gloo")
        owns = True
    logger.info("process %d of %d on %s", rank, world_size, dev)
    return DistContext(rank, world_size, local_rank, dev, owns)


def shutdown(ctx: DistContext) -> None:
    """Destroy the process group if ``init_from_env`` created it."""
    if ctx.owns_group and dist.is_initialized():
        dist.destroy_process_group()


def barrier(ctx: DistContext) -> None:
    """Wait for every process (no-op in a single process)."""
    if ctx.distributed:
        dist.barrier()


def all_reduce_sum(value: torch.Tensor, ctx: DistContext) -> torch.Tensor:
    """Sum of ``value`` over processes (a copy; e.g. the number of target masks for
    normalising a loss, DETR's ``num_boxes``)."""
    out = value.detach().clone()
    if ctx.distributed:
        dist.all_reduce(out, op=dist.ReduceOp.SUM)
    return out


def all_reduce_mean_logs(logs: Mapping[str, float], ctx: DistContext) -> dict[str, float]:
    """Mean of each logged scalar over processes (same keys on every process)."""
    if not ctx.distributed:
        return {k: float(v) for k, v in logs.items()}
    keys = sorted(logs)
    vec = torch.tensor([float(logs[k]) for k in keys], dtype=torch.float64, device=ctx.device)
    vec = all_reduce_sum(vec, ctx) / ctx.world_size                            # (len(keys),)
    return {k: float(v) for k, v in zip(keys, vec.tolist())}


class SkipSampler(Sampler):
    """Wraps an epoch sampler (e.g. ``efficientvis.engine.dataset.VideoEpochSampler``, already
    sharded by rank) and skips its first ``start`` items, so that a run resumed part-way into an
    epoch sees exactly the items an uninterrupted run would (the order depends only on seed and
    epoch).
    """

    def __init__(self, sampler: Sampler, start: int = 0) -> None:
        self.sampler, self.start = sampler, start

    def __iter__(self) -> Iterator:
        return itertools.islice(iter(self.sampler), self.start, None)

    def __len__(self) -> int:
        return max(len(self.sampler) - self.start, 0)
