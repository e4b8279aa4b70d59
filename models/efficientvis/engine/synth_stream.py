"""Unlimited training data: clips of freshly generated synthetic videos (the default of
``vistool train`` without ``--data``).

Item ``(i, epoch)`` is video ``epoch * videos_per_epoch + i`` of the synthetic generator's
``train`` split at ``synth_seed`` (default 1: the seed-0 benchmark is never drawn, and its
``valid`` split lives in a different seed stream anyway). Frames are rendered in memory, JPEG
round-tripped at the benchmark's quality so that they look like the files on disk, and then
go through the same windows, resizing and augmentation as ``YTVISClipDataset``. Everything is
a function of (seed, epoch, index), so ``--resume`` replays the same batches.
"""

from __future__ import annotations

import io

import numpy as np
import torch
from PIL import Image

from efficientvis.engine.dataset import FrameReader, YTVISClipDataset, check_sampling
from vistoolkit.data.clips import category_index
from vistoolkit.data.records import Video
from vistoolkit.data.synth import SynthConfig, categories, synth_video
from vistoolkit.data.synth_render import encode_jpeg

DEFAULT_SYNTH_SEED = 1


def frames_as_on_disk(pixels: np.ndarray, frames: range, size: tuple[int, int],
                      quality: int) -> torch.Tensor:
    """(T', 3, H', W') uint8: frames of ``pixels`` (L, H, W, 3) encoded as JPEG at ``quality``,
    decoded and resized like ``load_frames`` reads the benchmark's files."""
    out = torch.empty((len(frames), 3, *size), dtype=torch.uint8)
    for t, f in enumerate(frames):
        with Image.open(io.BytesIO(encode_jpeg(pixels[f], quality))) as img:
            img = img.convert("RGB").resize((size[1], size[0]), Image.BILINEAR)
            out[t] = torch.from_numpy(np.asarray(img).copy()).permute(2, 0, 1)
    return out


class SynthStreamClipDataset(YTVISClipDataset):
    """``YTVISClipDataset`` over an endless stream of generated videos (``videos_per_epoch`` new
    ones per epoch). Same arguments as the parent except the data source.

    Args:
        synth: generator settings (``SynthConfig``; its ``seed`` picks the stream).
        videos_per_epoch: items per epoch (an epoch is only a bookkeeping unit here).
    """

    def __init__(self, synth: SynthConfig, *, videos_per_epoch: int = 1000, clip_length: int,
                 input_short: int | None = 360, input_max_long: int | None = 640,
                 seed: int = 0, multi_scale: bool = False, flip: bool = False,
                 color_jitter: bool = False, instance_color: bool = False,
                 adjacent_pairs: bool = False, chain_clips: int = 2) -> None:
        if videos_per_epoch < 1:
            raise ValueError(f"videos_per_epoch must be >= 1, got {videos_per_epoch}")
        check_sampling(multi_scale=multi_scale, input_short=input_short, chain_clips=chain_clips)
        self.synth, self.videos_per_epoch = synth, videos_per_epoch
        self.root = None
        self.category_ids = tuple(c.id for c in categories(synth))
        self.category_index = category_index(self.category_ids)
        self.clip_length, self.seed = clip_length, seed
        self.input_short, self.input_max_long = input_short, input_max_long
        self.multi_scale, self.flip, self.color_jitter = multi_scale, flip, color_jitter
        self.instance_color, self.adjacent_pairs = instance_color, adjacent_pairs
        self.chain_clips = chain_clips
        self.pairs = synth.max_length > clip_length
        self.epoch = 0
        self._cache: tuple[tuple[int, int], object] | None = None

    @classmethod
    def from_config(cls, synth: SynthConfig, cfg, *, seed: int = 0, videos_per_epoch: int = 1000,
                    flip: bool = False, color_jitter: bool = False,
                    instance_color: bool = False,
                    adjacent_pairs: bool = False,
                    chain_clips: int = 2) -> SynthStreamClipDataset:
        """Stream with the clip length, input size and multi-scale switch of ``cfg``."""
        return cls(synth, videos_per_epoch=videos_per_epoch, clip_length=cfg.clip_length,
                   input_short=cfg.input_short, input_max_long=cfg.input_max_long, seed=seed,
                   multi_scale=cfg.multi_scale, flip=flip, color_jitter=color_jitter,
                   instance_color=instance_color, adjacent_pairs=adjacent_pairs,
                   chain_clips=chain_clips)

    def __len__(self) -> int:
        return self.videos_per_epoch

    def stream_index(self, index: int, epoch: int) -> int:
        """Index into the generator's ``train`` split of item ``index`` in ``epoch``."""
        if not 0 <= index < self.videos_per_epoch:
            raise IndexError(index)
        return epoch * self.videos_per_epoch + index

    def _generated(self, index: int, epoch: int):
        key = (index, epoch)
        if self._cache is None or self._cache[0] != key:         # windows, size, item share it
            sv = synth_video(self.synth, "train", self.stream_index(index, epoch),
                             render_images=True)
            self._cache = (key, sv)
        return self._cache[1]

    def video(self, index: int, epoch: int) -> Video:
        return self._generated(index, epoch).video

    def _source(self, index: int, epoch: int) -> tuple[Video, list, FrameReader]:
        sv = self._generated(index, epoch)
        quality = self.synth.jpeg_quality
        return (sv.video, list(sv.tracks),
                lambda frames, size: frames_as_on_disk(sv.frames, frames, size, quality))
