"""Object crops cut from freshly generated synthetic videos (the data of ``vistool pretrain``).

Batch ``step`` draws videos ``step * videos_per_batch + j`` of the generator's ``train`` split at
``synth.seed`` (1 by default, like the training stream: never the seed-0 benchmark), JPEG
round-trips their frames like the files on disk, and cuts ``crops_per_video`` square crops, each
centred (with jitter) on one visible instance, at the frame's own scale. Everything is a function
of (seed, step), so a resumed run sees the same crops.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch
from torch import Tensor

from efficientvis.engine.synth_stream import frames_as_on_disk
from efficientvis.engine.transforms import recolour
from vistoolkit.data.clips import category_index
from vistoolkit.data.rle import decode
from vistoolkit.data.synth import SynthConfig, SynthVideo, categories, synth_video


class CropBatch(NamedTuple):
    """images: (P, 3, S, S) uint8 RGB; labels: (P,) long class index; masks: (P, S, S) uint8 of
    the centre instance."""

    images: Tensor
    labels: Tensor
    masks: Tensor


def _pad(array: np.ndarray, margin: int, mode: str) -> np.ndarray:
    """Pad the two leading (H, W) axes of ``array`` by ``margin`` (numpy ``mode``)."""
    return np.pad(array, [(margin, margin), (margin, margin)] + [(0, 0)] * (array.ndim - 2),
                  mode=mode)


def video_crops(sv: SynthVideo, rng: np.random.Generator, *, count: int, size: int,
                jitter: int, quality: int, classes: dict[int, int]
                ) -> list[tuple[Tensor, int, Tensor]]:
    """Up to ``count`` distinct (instance, frame) crops of ``sv``: (image (3, S, S) uint8, class
    index, mask (S, S) uint8), centred on the instance's box centre shifted by up to ``jitter``
    pixels; where the crop leaves the frame, the image repeats its edge pixels and the mask is 0."""
    video = sv.video
    visible = [(track, t) for track in sv.tracks for t in range(video.length)
               if track.segmentations[t] is not None]
    out = []
    frames: dict[int, np.ndarray] = {}      # padded frame t, read like the files on disk once
    for k in rng.permutation(len(visible))[:count]:
        track, t = visible[int(k)]
        mask = decode(track.segmentations[t], video.height, video.width)
        ys, xs = np.nonzero(mask)
        cy = (ys.min() + ys.max()) // 2 + int(rng.integers(-jitter, jitter + 1))
        cx = (xs.min() + xs.max()) // 2 + int(rng.integers(-jitter, jitter + 1))
        if t not in frames:
            frame = frames_as_on_disk(sv.frames, range(t, t + 1), (video.height, video.width),
                                      quality)[0].permute(1, 2, 0).numpy()   # (H, W, 3)
            frames[t] = _pad(frame, size, "edge")
        y0, x0 = cy - size // 2 + size, cx - size // 2 + size          # in padded coordinates
        image = frames[t][y0:y0 + size, x0:x0 + size]
        crop_mask = _pad(mask.astype(np.uint8), size, "constant")[y0:y0 + size, x0:x0 + size]
        out.append((torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1),
                    classes[track.category_id], torch.from_numpy(np.ascontiguousarray(crop_mask))))
    return out


class SynthCropStream:
    """Deterministic batches of object crops; ``batch(step)`` is a pure function of the settings.

    Args:
        synth: generator settings (its ``seed`` picks the stream; the ``train`` split is drawn).
        size: crop side S in pixels (the frame's own scale).
        videos_per_batch, crops_per_video: a batch holds up to their product crops.
        jitter: largest shift of the crop centre from the box centre, pixels.
        flip, color_jitter: left-right mirror and RGB permutation + gains per crop.
        seed: seed of the crop choice and augmentation.
    """

    def __init__(self, synth: SynthConfig, *, size: int = 64, videos_per_batch: int = 8,
                 crops_per_video: int = 8, jitter: int = 6, flip: bool = True,
                 color_jitter: bool = True, seed: int = 0, split: str = "train") -> None:
        self.synth, self.size, self.split, self.seed = synth, size, split, seed
        self.videos_per_batch, self.crops_per_video = videos_per_batch, crops_per_video
        self.jitter, self.flip, self.color_jitter = jitter, flip, color_jitter
        self.category_ids = tuple(c.id for c in categories(synth))
        self.classes = category_index(self.category_ids)

    def batch(self, step: int) -> CropBatch:
        """The crops of batch ``step`` (0-based), augmented."""
        rng = np.random.default_rng([self.seed, step])
        items = []
        for j in range(self.videos_per_batch):
            sv = synth_video(self.synth, self.split, step * self.videos_per_batch + j,
                             render_images=True)
            items += video_crops(sv, rng, count=self.crops_per_video, size=self.size,
                                 jitter=self.jitter, quality=self.synth.jpeg_quality,
                                 classes=self.classes)
        images = torch.stack([self._augment(image, rng) for image, _, _ in items])
        masks = torch.stack([m for _, _, m in items])
        if self.flip:
            mirror = torch.from_numpy(rng.integers(2, size=len(items)).astype(bool))
            images[mirror], masks[mirror] = images[mirror].flip(-1), masks[mirror].flip(-1)
        labels = torch.tensor([label for _, label, _ in items], dtype=torch.long)
        return CropBatch(images, labels, masks)

    def _augment(self, image: Tensor, rng: np.random.Generator) -> Tensor:
        if not self.color_jitter:
            return image
        perm, gain = rng.permutation(3).tolist(), rng.uniform(0.7, 1.3, size=3).tolist()
        return recolour(image[None], perm, gain)[0]


def held_out_crops(synth: SynthConfig, *, videos: int, crops_per_video: int, size: int,
                   seed: int = 0) -> CropBatch:
    """Unaugmented, unjittered crops of the first ``videos`` videos of ``synth``'s ``valid`` split
    (the probe of ``vistool pretrain``)."""
    stream = SynthCropStream(synth, size=size, videos_per_batch=videos,
                             crops_per_video=crops_per_video, jitter=0, flip=False,
                             color_jitter=False, seed=seed, split="valid")
    return stream.batch(0)
