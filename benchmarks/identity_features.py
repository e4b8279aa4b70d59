"""Do a checkpoint's backbone + FPN features tell instances apart? Nearest-neighbour identity.

Usage: python benchmarks/identity_features.py CKPT [--data DIR] [--frames 12] [--threads 1]

For every valid video, every second frame (up to ``--frames``) is read at the checkpoint's input
size; each (GT instance, frame where it is present) gets a descriptor pooled at its GT box:
the RGB pixels (7 x 7 RoI align of the normalised frame), the FPN features (7 x 7 RoI align on
the instance's level) and their spatial mean. A descriptor is "identified" when its nearest
neighbour (cosine, descriptors centred per video) among the other frames' instances *of the
same category* is the same instance; only descriptors with at least two such candidate
instances count. Pixels are the reference: features that lost the appearance (texture, colour)
that tells same-category instances apart score below them.
"""

from __future__ import annotations

import argparse

import torch
from diagnose_handover import model_and_valid
from efficientvis.engine.dataset import _targets_to_tensors, collate_clips
from efficientvis.roi import multilevel_roi_align
from torch.nn.functional import normalize
from torchvision.ops import roi_align

from vistoolkit.data.clips import clip_targets


def nn_identity(desc: torch.Tensor, inst: list[int], frame: list[int], cat: list[int]
                ) -> tuple[int, int]:
    """(identified, counted) over descriptors ``desc`` (E, D) of one video."""
    x = normalize(desc - desc.mean(0), dim=1)
    sim = x @ x.T
    hits = counted = 0
    for a in range(len(inst)):
        cand = [c for c in range(len(inst)) if frame[c] != frame[a] and cat[c] == cat[a]]
        if len({inst[c] for c in cand}) < 2:
            continue
        best = max(cand, key=lambda c: float(sim[a, c]))
        hits, counted = hits + (inst[best] == inst[a]), counted + 1
    return hits, counted


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("ckpt")
    ap.add_argument("--data", default="vistool_data/synth")
    ap.add_argument("--frames", type=int, default=12)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    model, _, ds = model_and_valid(args.ckpt, args.data, args.threads)
    totals = {"pixels": [0, 0], "FPN 7x7": [0, 0], "FPN mean": [0, 0]}
    with torch.no_grad():
        for i in range(len(ds)):
            video, tracks, read = ds._source(i, 0)
            size = ds.size(i, 0)
            frames = list(range(0, video.length, 2))[:args.frames]
            target = _targets_to_tensors(clip_targets(video, tracks, frames, ds.category_index,
                                                      keep_absent=True), size)
            images = collate_clips([read(frames, size)], [target], [video.id]).images[0]
            entries = [(g, t) for g in range(len(target.boxes)) for t in range(len(frames))
                       if target.present[g, t]]
            if len({g for g, _ in entries}) < 2:
                continue
            boxes = torch.stack([target.boxes[g, t] for g, t in entries])           # (E, 4)
            frame = [t for _, t in entries]
            rois = torch.cat([torch.tensor(frame, dtype=boxes.dtype)[:, None], boxes], dim=1)
            pixels = roi_align(images, rois, 7, 1.0, 2, aligned=True).flatten(1)
            feats = list(model.backbone(images).values())
            per_box = boxes[None, :, None].expand(1, -1, len(frames), -1)       # (1, E, T, 4)
            pooled = multilevel_roi_align(feats, per_box, output_size=7)[0]    # (E, T, C, 7, 7)
            pooled = pooled[torch.arange(len(entries)), torch.tensor(frame)]   # (E, C, 7, 7)
            inst = [g for g, _ in entries]
            cat = [int(target.labels[g, t]) for g, t in entries]
            for name, desc in (("pixels", pixels), ("FPN 7x7", pooled.flatten(1)),
                               ("FPN mean", pooled.mean((2, 3)))):
                hits, counted = nn_identity(desc, inst, frame, cat)
                totals[name][0] += hits
                totals[name][1] += counted
    for name, (hits, counted) in totals.items():
        print(f"{name:9s} same-category nearest-neighbour identity {hits / max(counted, 1):.3f} "
              f"({counted} descriptors)")


if __name__ == "__main__":
    main()
