"""Training clips (and correspondence pairs) from a YouTube-VIS directory, as torch tensors.

Layout: ``root/<split>.json`` and ``root/<split>/JPEGImages/<file_name>``. One item per video per
epoch: a clip pair (spec §7) or one clip. Frames are resized with one scale per clip (short side
``input_short``, long side at most ``input_max_long``, spec §9; with ``multi_scale`` one size per
item from ``multi_scale_sizes``); masks use nearest resizing and boxes are scaled. Optional flip
and colour jitter per item (``efficientvis.engine.transforms``). ``collate_pairs`` pads frames to
multiples of 32 and T to the longest clip, into the core records of ``efficientvis.batch``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import Tensor

from efficientvis.batch import SIZE_DIVISOR, ClipBatch, ClipTargetTensors, PairBatch
from efficientvis.engine.transforms import (
    hflip_clip,
    multi_scale_sizes,
    recolour,
    recolour_instances,
    resized_size,
)
from vistoolkit.data.clips import (
    ClipTargets,
    category_index,
    clip_targets,
    sample_clip,
    sample_clip_chain,
)
from vistoolkit.data.frames import check_frame_dataset, open_frame
from vistoolkit.data.records import Video
from vistoolkit.data.ytvis_io import load_dataset
from vistoolkit.errors import InputError

if TYPE_CHECKING:
    from efficientvis.config import EfficientVISConfig


FrameReader = Callable[[range, tuple[int, int]], Tensor]


class ClipSample(NamedTuple):
    """One dataset item: frames (T', 3, H, W) uint8 and targets per clip; clip 2 may be None.
    ``more``: clips 3, 4, ... of a hand-over chain as (frames, targets), None where the video
    has no such window (a None is followed only by Nones)."""

    video_id: int
    frames1: Tensor
    targets1: ClipTargetTensors
    frames2: Tensor | None
    targets2: ClipTargetTensors | None
    more: tuple[tuple[Tensor, ClipTargetTensors] | None, ...] = ()


def check_sampling(*, multi_scale: bool, input_short: int | None, chain_clips: int) -> None:
    """``ValueError`` for sampling arguments no dataset can honour."""
    if multi_scale and input_short is None:
        raise ValueError("multi_scale needs input_short")
    if chain_clips < 2:
        raise ValueError(f"chain_clips must be >= 2, got {chain_clips}")


def _targets_to_tensors(tg: ClipTargets, size: tuple[int, int]) -> ClipTargetTensors:
    """Resize numpy targets to ``size`` (H', W'): nearest for masks, scaled ``xyxy`` boxes."""
    g, t, h, w = tg.masks.shape
    masks = torch.from_numpy(tg.masks)                                      # (G, T', H, W)
    if (h, w) != size and g > 0:
        masks = F.interpolate(masks.view(g * t, 1, h, w), size=size, mode="nearest-exact")
        masks = masks.view(g, t, *size)                                     # (G, T', H', W')
    elif g == 0:
        masks = masks.new_zeros((0, t, *size))
    scale = torch.tensor([size[1] / w, size[0] / h] * 2, dtype=torch.float32)
    boxes = torch.from_numpy(tg.boxes) * scale                              # (G, T', 4) xyxy
    return ClipTargetTensors(torch.from_numpy(tg.labels), boxes, masks.contiguous(),
                             torch.from_numpy(tg.present))


class YTVISClipDataset(torch.utils.data.Dataset):
    """One clip or correspondence pair per video per epoch from a YouTube-VIS directory.

    Args:
        root: directory with ``<split>.json`` and ``<split>/JPEGImages``.
        clip_length: T.
        input_short, input_max_long: resize rule (None = keep that side unconstrained).
        multi_scale: draw each item's size from ``multi_scale_sizes`` (same seed rule as the
            clip windows; both clips of a pair share it).
        flip: mirror each item left-right with probability 1/2 (both clips alike).
        color_jitter: per item, a random RGB channel order and per-channel gains in
            [0.7, 1.3] (both clips alike). Off by default, like every augmentation (spec §9).
        instance_color: per item and instance, ``recolour_instances`` with a random channel
            order, inversion with probability 1/2 and gains in [0.6, 1.4] (both clips alike,
            so an instance keeps one appearance across the pair).
        pairs: sample correspondence pairs (spec §7); None = only if some video is longer than T.
        adjacent_pairs: the second clip of a pair is the window right after the first, as in
            inference's hand-over (``sample_clip_chain(adjacent=True)``); off = spec §7.
        chain_clips: clips per item when pairing (2 = spec §7's pair); more make a chain in
            which each clip starts from the previous one's handed-over queries.
        seed: base seed; the clip choice of video i in epoch e depends only on (seed, e, i).
        split: ``train`` by default; ann_file overrides ``root/<split>.json``.
    """

    def __init__(self, root: Path | str, *, clip_length: int, input_short: int | None = 360,
                 input_max_long: int | None = 640, pairs: bool | None = None, seed: int = 0,
                 split: str = "train", ann_file: Path | str | None = None,
                 multi_scale: bool = False, flip: bool = False,
                 color_jitter: bool = False, instance_color: bool = False,
                 adjacent_pairs: bool = False, chain_clips: int = 2) -> None:
        check_sampling(multi_scale=multi_scale, input_short=input_short, chain_clips=chain_clips)
        self.adjacent_pairs, self.chain_clips = adjacent_pairs, chain_clips
        self.root = Path(root)
        self.image_dir = self.root / split / "JPEGImages"
        self.ann_file = Path(ann_file) if ann_file is not None else self.root / f"{split}.json"
        data = check_frame_dataset(load_dataset(self.ann_file), path=self.ann_file)
        self.videos = data.videos
        self.tracks = data.tracks_by_video()
        self.category_ids = tuple(sorted(c.id for c in data.categories))
        self.category_index = category_index(self.category_ids)
        for track in data.tracks:
            if track.category_id not in self.category_index:
                raise InputError(f"category_id {track.category_id} is not a known category",
                                 path=self.ann_file, where=f"annotation id={track.id}")
        self.clip_length, self.seed = clip_length, seed
        self.input_short, self.input_max_long = input_short, input_max_long
        self.multi_scale, self.flip, self.color_jitter = multi_scale, flip, color_jitter
        self.instance_color = instance_color
        longest = max((v.length for v in self.videos), default=0)
        self.pairs = longest > clip_length if pairs is None else pairs
        self.epoch = 0

    @classmethod
    def from_config(cls, root: Path | str, cfg: EfficientVISConfig, *, seed: int = 0,
                    split: str = "train", ann_file: Path | str | None = None,
                    pairs: bool | None = None, flip: bool = False,
                    color_jitter: bool = False, instance_color: bool = False,
                    adjacent_pairs: bool = False, chain_clips: int = 2) -> YTVISClipDataset:
        """Dataset with the clip length, input size and multi-scale switch of ``cfg``."""
        return cls(root, clip_length=cfg.clip_length, input_short=cfg.input_short,
                   input_max_long=cfg.input_max_long, pairs=pairs, seed=seed, split=split,
                   ann_file=ann_file, multi_scale=cfg.multi_scale, flip=flip,
                   color_jitter=color_jitter, instance_color=instance_color,
                   adjacent_pairs=adjacent_pairs, chain_clips=chain_clips)

    @property
    def num_classes(self) -> int:
        return len(self.category_ids)

    def __len__(self) -> int:
        return len(self.videos)

    def set_epoch(self, epoch: int) -> None:
        """Epoch used when an item is requested by a plain int index."""
        self.epoch = epoch

    def video(self, index: int, epoch: int) -> Video:
        """The video record behind item ``index`` in ``epoch``."""
        return self.videos[index]

    def _source(self, index: int, epoch: int) -> tuple[Video, list, FrameReader]:
        """(video, its tracks, reader of resized frames) of item ``index`` in ``epoch``."""
        video = self.videos[index]
        return (video, self.tracks.get(video.id, []),
                lambda frames, size: load_frames(self.image_dir, video, frames, size))

    def windows(self, index: int, epoch: int) -> tuple[range | None, ...]:
        """The clip windows of video ``index`` in ``epoch`` (deterministic per seed):
        ``chain_clips`` entries when pairing (None where the video has too few windows), else
        (window, None)."""
        rng = np.random.default_rng([self.seed, epoch, index])
        length = self.video(index, epoch).length
        if self.pairs:
            chain = sample_clip_chain(length, self.clip_length, rng, clips=self.chain_clips,
                                      adjacent=self.adjacent_pairs)
            return chain + (None,) * (self.chain_clips - len(chain))
        return sample_clip(length, self.clip_length, rng), None

    def size(self, index: int, epoch: int) -> tuple[int, int]:
        """(H', W') of video ``index``'s frames in ``epoch`` (deterministic per seed)."""
        video = self.video(index, epoch)
        if not self.multi_scale:
            return resized_size(video.height, video.width, short=self.input_short,
                                max_long=self.input_max_long)
        sizes = multi_scale_sizes(video.height, video.width, short=self.input_short,
                                  max_long=self.input_max_long)
        rng = np.random.default_rng([self.seed, epoch, index, 1])   # independent of windows
        return sizes[int(rng.integers(len(sizes)))]

    def __getitem__(self, key: int | tuple[int, int]) -> ClipSample:
        index, epoch = key if isinstance(key, tuple) else (key, self.epoch)
        return self.item(index, epoch, *self.windows(index, epoch))

    def item(self, index: int, epoch: int, first: range, second: range | None = None,
             *more: range | None) -> ClipSample:
        """Video ``index`` of ``epoch`` cut at the given window(s), augmented as in training."""
        video, tracks, read = self._source(index, epoch)
        size = self.size(index, epoch)
        if second is None:
            tg1 = clip_targets(video, tracks, first, self.category_index)
            return self._augment(ClipSample(video.id, read(first, size),
                                            _targets_to_tensors(tg1, size), None, None,
                                            (None,) * len(more)), index, epoch)
        # Rows = instances visible in any clip, same order in all (spec §12.7).
        cut = [w for w in (first, second, *more) if w is not None]
        tgs = [clip_targets(video, tracks, w, self.category_index, keep_absent=True) for w in cut]
        keep = np.logical_or.reduce([t.present.any(1) for t in tgs])       # (G_all,)
        clips = [(read(w, size), _targets_to_tensors(
                  ClipTargets(t.track_ids[keep], t.labels[keep], t.boxes[keep], t.masks[keep],
                              t.present[keep]), size)) for w, t in zip(cut, tgs)]
        rest = tuple(clips[2:]) + (None,) * (len(more) + 2 - len(clips))
        return self._augment(ClipSample(video.id, *clips[0], *clips[1], more=rest), index, epoch)

    def _augment(self, sample: ClipSample, index: int, epoch: int) -> ClipSample:
        """``flip`` / ``color_jitter`` / ``instance_color``, drawn once per item (seeded like
        the windows; the instance draws from a stream of their own)."""
        if not (self.flip or self.color_jitter or self.instance_color):
            return sample
        rng = np.random.default_rng([self.seed, epoch, index, 2])
        mirror = bool(rng.integers(2)) and self.flip                # always drawn: same perm
        perm, gain = rng.permutation(3).tolist(), rng.uniform(0.7, 1.3, size=3).tolist()
        rows = sample.targets1.masks.shape[0]                       # pair clips share rows
        irng = np.random.default_rng([self.seed, epoch, index, 3])
        iperms = [irng.permutation(3).tolist() for _ in range(rows)]
        iinvert = irng.integers(2, size=rows).astype(bool).tolist()
        igains = irng.uniform(0.6, 1.4, size=(rows, 3)).tolist()

        def one(frames: Tensor | None, targets: ClipTargetTensors | None):
            if frames is None:
                return frames, targets
            if mirror:
                frames, targets = hflip_clip(frames, targets)
            if self.instance_color:
                frames = recolour_instances(frames, targets.masks, iperms, igains, iinvert)
            return (recolour(frames, perm, gain) if self.color_jitter else frames), targets

        (f1, t1), (f2, t2) = one(sample.frames1, sample.targets1), one(sample.frames2,
                                                                       sample.targets2)
        more = tuple(None if c is None else one(*c) for c in sample.more)
        return sample._replace(frames1=f1, targets1=t1, frames2=f2, targets2=t2, more=more)



def load_frames(image_dir: Path, video, frames: range, size: tuple[int, int]) -> Tensor:
    """(T', 3, H', W') uint8 RGB frames of one clip of ``video``, all resized to ``size`` (H', W').

    Frames are read by ``vistoolkit.data.frames.open_frame`` (``InputError`` for a missing,
    undecodable or wrongly sized file).
    """
    out = torch.empty((len(frames), 3, *size), dtype=torch.uint8)
    for t, f in enumerate(frames):
        img = open_frame(image_dir, video, f).resize((size[1], size[0]), Image.BILINEAR)
        out[t] = torch.from_numpy(np.asarray(img).copy()).permute(2, 0, 1)
    return out


class VideoEpochSampler(torch.utils.data.Sampler):
    """Yields ``(video_index, epoch)`` keys: a seeded permutation per epoch, sharded by rank."""

    def __init__(self, num_videos: int, *, seed: int = 0, shuffle: bool = True, rank: int = 0,
                 world_size: int = 1) -> None:
        self.num_videos, self.seed, self.shuffle = num_videos, seed, shuffle
        self.rank, self.world_size, self.epoch = rank, world_size, 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return math.ceil(self.num_videos / self.world_size)

    def __iter__(self) -> Iterator[tuple[int, int]]:
        order = np.arange(self.num_videos)
        if self.shuffle:
            order = np.random.default_rng([self.seed, self.epoch]).permutation(self.num_videos)
        order = np.resize(order, len(self) * self.world_size)                # pad by wrapping
        return iter((int(i), self.epoch) for i in order[self.rank::self.world_size])


def collate_clips(frames: Sequence[Tensor], targets: Sequence[ClipTargetTensors],
                  video_ids: Sequence[int]) -> ClipBatch:
    """Pad B clips (T_b, 3, H_b, W_b) uint8 to (B, T, 3, H_pad, W_pad) float, multiples of 32."""
    t_max = max(f.shape[0] for f in frames)
    h_pad = math.ceil(max(f.shape[2] for f in frames) / SIZE_DIVISOR) * SIZE_DIVISOR
    w_pad = math.ceil(max(f.shape[3] for f in frames) / SIZE_DIVISOR) * SIZE_DIVISOR
    images = torch.zeros((len(frames), t_max, 3, h_pad, w_pad))         # (B, T, 3, H_pad, W_pad)
    frame_valid = torch.zeros((len(frames), t_max), dtype=torch.bool)   # (B, T)
    for b, f in enumerate(frames):
        images[b, : f.shape[0], :, : f.shape[2], : f.shape[3]] = f
        frame_valid[b, : f.shape[0]] = True
    sizes = torch.tensor([[f.shape[2], f.shape[3]] for f in frames], dtype=torch.long)  # (B, 2)
    return ClipBatch(images, frame_valid, sizes, list(targets),
                     torch.tensor(list(video_ids), dtype=torch.long))


def collate_pairs(samples: Sequence[ClipSample]) -> PairBatch:
    """``PairBatch`` from dataset items; videos without a second clip are left out of clip2,
    and those without a k-th chain clip out of ``more[k - 3]``."""
    ids = [s.video_id for s in samples]
    clip1 = collate_clips([s.frames1 for s in samples], [s.targets1 for s in samples], ids)
    levels = [[(s.frames2, s.targets2) if s.frames2 is not None else None for s in samples]]
    levels += [[s.more[k] for s in samples] for k in range(len(samples[0].more))]
    chain, previous = [], list(range(len(samples)))          # previous: items of the last level
    for level in levels:
        rows = [b for b in previous if level[b] is not None]
        clip = None
        if rows:
            clip = collate_clips([level[b][0] for b in rows], [level[b][1] for b in rows],
                                 [ids[b] for b in rows])
        chain.append((clip, torch.tensor([previous.index(b) for b in rows], dtype=torch.long)))
        previous = rows
    (clip2, pair_index), more = chain[0], tuple(chain[1:])
    return PairBatch(clip1, clip2, pair_index, more)
