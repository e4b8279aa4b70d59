"""Class-agnostic evaluation: the official ``params.useCats = 0``.

What the official evaluator does with ``useCats = 0`` (youtubevos/cocoapi ``ytvoseval.py``,
``computeIoU`` and ``evaluateVid`` build the pooled lists, ``accumulate`` uses K = 1):

- per video, the GT tracks and the predictions of the evaluated categories (``params.catIds``)
  are pooled into one list, in category id order and file order within a category; a
  prediction whose category id is not a GT category is still dropped;
- the score sort is stable, so tied scores keep that (category id, file order) order within a
  video, and (video id, ...) across videos;
- maxDets (1 / 10 / 100) cut each video's pooled list, across categories;
- a prediction may match a GT track of any category (crowd, area-range and threshold rules
  unchanged).

Pooling the records this way and running the categorical pipeline gives exactly that: one
category (id -1, as officially) whose (video, category) groups are whole videos.
"""

from __future__ import annotations

import dataclasses

from vistoolkit.data.records import Category, Dataset, PredTrack
from vistoolkit.eval.known_areas import KnownAreas

POOLED_CATEGORY = Category(id=-1, name="all categories")


def pool_categories(gt: Dataset, preds: list[PredTrack], *,
                    category_ids: tuple[int, ...] | None = None,
                    known: KnownAreas | None = None
                    ) -> tuple[Dataset, list[PredTrack], KnownAreas | None]:
    """GT and predictions relabelled to ``POOLED_CATEGORY`` in the official pooled order.

    Args:
        gt: the ground truth. preds: predictions in file order (already checked).
        category_ids: the evaluated categories (None: every GT category).
        known: mask areas the input checks decoded, keyed by the original records.

    Returns:
        The pooled dataset (one category, tracks of the evaluated categories ordered by
        (category id, file order)), the pooled predictions (same order; other categories
        dropped; ``index`` kept) and ``known`` re-keyed to the pooled records.
    """
    cats = sorted({c.id for c in gt.categories}
                  if category_ids is None else set(category_ids))
    rank = {c: i for i, c in enumerate(cats)}
    pid = POOLED_CATEGORY.id
    tracks = sorted((t for t in gt.tracks if t.category_id in rank),
                    key=lambda t: rank[t.category_id])                 # stable: file order kept
    old = sorted((p for p in preds if p.category_id in rank), key=lambda p: rank[p.category_id])
    new = [dataclasses.replace(p, category_id=pid) for p in old]
    pooled = dataclasses.replace(
        gt, categories=(POOLED_CATEGORY,),
        tracks=tuple(dataclasses.replace(t, category_id=pid) for t in tracks))
    if known is not None:
        position = {id(n): known.position[id(o)] for o, n in zip(old, new)
                    if id(o) in known.position}
        known = KnownAreas(known.start, known.area, position)
    return pooled, new, known
