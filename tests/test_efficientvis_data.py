"""Training clips / pairs from a YouTube-VIS directory (efficientvis.engine.dataset, transforms)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from efficientvis.engine.dataset import VideoEpochSampler, YTVISClipDataset, collate_pairs
from efficientvis.engine.transforms import (
    hflip_clip,
    multi_scale_sizes,
    recolour,
    recolour_instances,
    resized_size,
)
from PIL import Image

from vistoolkit.data import rle
from vistoolkit.errors import InputError

H, W = 40, 50          # original frame size; resized 48 x 60 with short 48 / long <= 64


def _write_set(root: Path, lengths: tuple[int, ...] = (7, 2, 5)) -> None:
    """Videos of solid frames whose red channel is 20 * frame index; one square track each,
    present on even frames only, plus a second track (category 9) on frame 1 of video 1."""
    videos, anns = [], []
    for v, length in enumerate(lengths, start=1):
        names = [f"v{v}/{i:05d}.jpg" for i in range(length)]
        (root / "train" / "JPEGImages" / f"v{v}").mkdir(parents=True)
        for i, name in enumerate(names):
            frame = np.zeros((H, W, 3), np.uint8)
            frame[..., 0] = 20 * i
            Image.fromarray(frame).save(root / "train" / "JPEGImages" / name, quality=95)
        mask = np.zeros((H, W), np.uint8)
        mask[10:20, 5:25] = 1                                      # xywh (5, 10, 20, 10)
        segs = [rle.encode(mask) if i % 2 == 0 else None for i in range(length)]
        boxes = [[5, 10, 20, 10] if i % 2 == 0 else None for i in range(length)]
        anns.append({"id": 100 + v, "video_id": v, "category_id": 3, "segmentations": segs,
                     "bboxes": boxes, "areas": [200 if b else None for b in boxes], "iscrowd": 0})
        videos.append({"id": v, "width": W, "height": H, "length": length, "file_names": names})
    segs = [rle.encode(np.ones((H, W), np.uint8)) if i == 1 else None for i in range(lengths[0])]
    anns.append({"id": 200, "video_id": 1, "category_id": 9, "segmentations": segs,
                 "bboxes": [[0, 0, W, H] if s else None for s in segs],
                 "areas": [H * W if s else None for s in segs], "iscrowd": 0})
    cats = [{"id": 9, "name": "b"}, {"id": 3, "name": "a"}]
    (root / "train.json").write_text(json.dumps(
        {"videos": videos, "annotations": anns, "categories": cats}))


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    _write_set(tmp_path)
    return tmp_path


def _dataset(root: Path, **kw) -> YTVISClipDataset:
    return YTVISClipDataset(root, clip_length=3, input_short=48, input_max_long=64, **kw)


def test_resized_size_short_and_long_limits():
    assert resized_size(40, 50, short=48, max_long=64) == (48, 60)
    assert resized_size(360, 1280, short=360, max_long=640) == (180, 640)
    assert resized_size(720, 1280, short=None, max_long=None) == (720, 1280)


def test_multi_scale_sizes_paper_set_and_proportional_tiny_set():
    # paper: short side 288..512 step 32, long side at most 640 * s / 360
    paper = multi_scale_sizes(720, 1280, short=360, max_long=640)
    assert paper == ((288, 512), (320, 569), (352, 626), (384, 683), (416, 740), (448, 796),
                     (480, 853), (512, 910))
    assert multi_scale_sizes(360, 1280, short=360, max_long=640)[0] == (144, 512)  # long-capped
    tiny = multi_scale_sizes(128, 224, short=96, max_long=128)
    assert tiny[2] == resized_size(128, 224, short=round(96 * 352 / 360), max_long=125)
    assert [h for h, _ in tiny] == sorted(h for h, _ in tiny) and len(set(tiny)) == 8


def test_dataset_multi_scale_one_seeded_size_per_item_with_scaled_targets(root):
    ds = _dataset(root, multi_scale=True, seed=4)
    allowed = set(multi_scale_sizes(H, W, short=48, max_long=64))
    sizes = {ds.size(0, e) for e in range(12)}
    assert sizes <= allowed and len(sizes) > 1                 # varies over epochs
    assert [ds.size(0, e) for e in range(12)] == [
        _dataset(root, multi_scale=True, seed=4).size(0, e) for e in range(12)]
    assert _dataset(root).size(0, 5) == (48, 60)               # off: the fixed size
    for epoch in range(4):
        s = ds[(0, epoch)]
        h, w = ds.size(0, epoch)
        assert s.frames1.shape[2:] == (h, w) and s.frames2.shape[2:] == (h, w)
        t1 = s.targets1
        assert t1.masks.shape[2:] == (h, w)
        f = next(t for t, on in enumerate(t1.present[0].tolist()) if on)
        torch.testing.assert_close(t1.boxes[0, f], torch.tensor(
            [5 * w / W, 10 * h / H, 25 * w / W, 20 * h / H]))


def test_hflip_clip_mirrors_frames_masks_and_present_boxes(root):
    s = _dataset(root)[(0, 0)]
    frames, t = hflip_clip(s.frames1, s.targets1)
    torch.testing.assert_close(frames, s.frames1.flip(-1))
    torch.testing.assert_close(t.masks, s.targets1.masks.flip(-1))
    f = next(i for i, on in enumerate(t.present[0].tolist()) if on)
    torch.testing.assert_close(t.boxes[0, f], torch.tensor([60 - 30.0, 12.0, 60 - 6.0, 24.0]))
    absent = ~t.present
    torch.testing.assert_close(t.boxes[absent], s.targets1.boxes[absent])
    assert torch.equal(t.labels, s.targets1.labels)
    twice = hflip_clip(*hflip_clip(s.frames1, s.targets1))
    torch.testing.assert_close(twice[1].boxes, s.targets1.boxes)


def test_recolour_permutes_channels_then_scales_and_clamps():
    frames = torch.tensor([10, 100, 200], dtype=torch.uint8).view(1, 3, 1, 1).expand(2, 3, 2, 2)
    out = recolour(frames, [2, 0, 1], [1.0, 0.5, 1.3])
    assert out.dtype == torch.uint8 and out.shape == (2, 3, 2, 2)
    assert out[0, :, 0, 0].tolist() == [200, 5, 130]


def test_dataset_flip_and_color_jitter_are_seeded_per_item_and_shared_by_the_pair(root):
    plain = _dataset(root, seed=3)
    aug = _dataset(root, seed=3, flip=True, color_jitter=True)
    flips = 0
    for epoch in range(8):
        a, p = aug[(0, epoch)], plain[(0, epoch)]
        mirrored = not torch.equal(a.targets1.masks, p.targets1.masks)
        flips += mirrored
        perm, gain = _draw(3, epoch, 0)
        for fa, fp in ((a.frames1, p.frames1), (a.frames2, p.frames2)):   # both clips alike
            assert torch.equal(recolour(fp.flip(-1) if mirrored else fp, perm, gain), fa)
        torch.testing.assert_close(aug[(0, epoch)].frames2, a.frames2)       # deterministic
    assert 0 < flips < 8


def test_recolour_instances_changes_only_pixels_inside_each_mask():
    frames = torch.tensor([10, 50, 200], dtype=torch.uint8).view(1, 3, 1, 1).repeat(2, 1, 4, 4)
    masks = torch.zeros((2, 2, 4, 4), dtype=torch.uint8)
    masks[0, :, 0, 0] = 1
    masks[1, 1, 3, 3] = 1                                            # second instance, frame 1
    out = recolour_instances(frames, masks, [[2, 0, 1], [0, 1, 2]], [[1.0, 0.5, 1.2]] * 2,
                             [True, False])
    assert out[0, :, 0, 0].tolist() == [55, 122, 246]   # (200, 10, 50) inverted, then gains
    assert out[1, :, 3, 3].tolist() == [10, 25, 240]    # same order, not inverted, gains
    assert out[0, :, 3, 3].tolist() == [10, 50, 200]    # instance 1 is absent on frame 0
    changed = (out != frames).any(1)                                 # (T', H, W)
    assert changed.sum() == 3 and out.dtype == torch.uint8


def test_dataset_instance_color_is_seeded_and_shared_by_the_pair(root):
    plain = _dataset(root, seed=3)
    aug = _dataset(root, seed=3, instance_color=True)
    for epoch in range(3):
        a, p = aug[(0, epoch)], plain[(0, epoch)]
        rows = p.targets1.masks.shape[0]
        rng = np.random.default_rng([3, epoch, 0, 3])
        perms = [rng.permutation(3).tolist() for _ in range(rows)]
        invert = rng.integers(2, size=rows).astype(bool).tolist()
        gains = rng.uniform(0.6, 1.4, size=(rows, 3)).tolist()
        for fa, fp, t in ((a.frames1, p.frames1, p.targets1), (a.frames2, p.frames2, p.targets2)):
            assert torch.equal(fa, recolour_instances(fp, t.masks, perms, gains, invert))
            outside = ~t.masks.bool().any(0)[:, None].expand_as(fp)    # (T', 3, H, W)
            assert torch.equal(fa[outside], fp[outside])
        assert torch.equal(a.targets1.masks, p.targets1.masks)
        assert not torch.equal(a.frames1, p.frames1)


def _draw(seed: int, epoch: int, index: int):
    """The colour draw of the dataset's augmentation rule for one item."""
    rng = np.random.default_rng([seed, epoch, index, 2])
    rng.integers(2)
    return rng.permutation(3).tolist(), rng.uniform(0.7, 1.3, size=3).tolist()


def test_dataset_category_index_sorted_ids(root):
    ds = _dataset(root)
    assert ds.category_ids == (3, 9) and ds.num_classes == 2 and len(ds) == 3
    assert ds.pairs                                            # 7 > T = 3
    assert not _dataset(root, pairs=False).pairs


def test_dataset_pair_targets_aligned_rows_and_scaled_boxes(root):
    ds = _dataset(root)
    for epoch in range(6):
        s = ds[(0, epoch)]
        (w1, w2) = ds.windows(0, epoch)
        assert s.frames1.shape == (3, 3, 48, 60) and s.frames2.shape == (3, 3, 48, 60)
        red = s.frames1[:, 0, 24, 30].float()
        np.testing.assert_allclose(red, [20.0 * f for f in w1], atol=3)   # the right frames
        t1, t2 = s.targets1, s.targets2
        assert t1.labels.shape[0] == t2.labels.shape[0]       # same instance rows
        assert t1.masks.shape == (t1.labels.shape[0], 3, 48, 60)
        # Row 0 is the square track (category 3 -> index 0), present on even frames.
        assert t1.present[0].tolist() == [f % 2 == 0 for f in w1]
        assert t2.present[0].tolist() == [f % 2 == 0 for f in w2]
        assert t1.labels[0].tolist() == [0 if f % 2 == 0 else 2 for f in w1]
        even = [t for t, f in enumerate(w1) if f % 2 == 0]
        torch.testing.assert_close(t1.boxes[0, even[0]], torch.tensor([6.0, 12.0, 30.0, 24.0]))
        assert int(t1.masks[0, even[0]].sum()) == 24 * 12
        has_big = 1 in w1 or 1 in w2                          # the frame-1 track
        assert t1.labels.shape[0] == (2 if has_big else 1)


def test_dataset_single_clip_video_has_no_second_clip(root):
    s = _dataset(root)[(1, 0)]
    assert s.frames2 is None and s.targets2 is None
    assert s.frames1.shape == (2, 3, 48, 60) and s.targets1.labels.tolist() == [[0, 2]]


def test_dataset_sampling_deterministic_per_seed_and_epoch(root):
    a, b = _dataset(root, seed=1), _dataset(root, seed=1)
    assert [a.windows(0, e) for e in range(8)] == [b.windows(0, e) for e in range(8)]
    assert len({a.windows(0, e) for e in range(8)}) > 1       # varies across epochs
    a.set_epoch(3)
    torch.testing.assert_close(a[0].frames1, b[(0, 3)].frames1)


def test_collate_pairs_shapes_padding_and_frame_valid(root):
    ds = _dataset(root)
    batch = collate_pairs([ds[(i, 0)] for i in range(3)])
    c1, c2 = batch.clip1, batch.clip2
    assert c1.images.shape == (3, 3, 3, 64, 64) and c1.images.dtype == torch.float32
    assert c1.frame_valid.tolist() == [[True] * 3, [True, True, False], [True] * 3]
    assert c1.image_sizes.tolist() == [[48, 60]] * 3
    assert c1.images[:, :, :, 48:].abs().sum() == 0 and c1.images[:, :, :, :, 60:].abs().sum() == 0
    assert c1.images[1, 2].abs().sum() == 0                   # padded frame
    torch.testing.assert_close(c1.images[0, :, :, :48, :60], ds[(0, 0)].frames1.float())  # 0..255
    assert batch.pair_index.tolist() == [0, 2] and c2.images.shape == (2, 3, 3, 64, 64)
    assert c1.video_ids.tolist() == [1, 2, 3] and c2.video_ids.tolist() == [1, 3]
    assert [t.labels.shape[1] for t in c1.targets] == [3, 2, 3]


def test_video_epoch_sampler_seeded_permutation_and_shards():
    s = VideoEpochSampler(5, seed=4)
    first = list(s)
    assert sorted(i for i, _ in first) == list(range(5)) and {e for _, e in first} == {0}
    assert list(VideoEpochSampler(5, seed=4)) == first
    s.set_epoch(1)
    second = list(s)
    assert {e for _, e in second} == {1}
    shards = [list(VideoEpochSampler(5, seed=4, rank=r, world_size=2)) for r in range(2)]
    assert len(shards[0]) == len(shards[1]) == 3
    assert {i for sh in shards for i, _ in sh} == set(range(5))


def test_dataset_missing_frame_raises_input_error(root):
    (root / "train" / "JPEGImages" / "v2" / "00001.jpg").unlink()
    with pytest.raises(InputError, match="frame image not found"):
        _dataset(root)[(1, 0)]


def test_dataloader_with_epoch_sampler_yields_pair_batches(root):
    ds = _dataset(root, seed=2)
    sampler = VideoEpochSampler(len(ds), seed=2)
    loader = torch.utils.data.DataLoader(ds, batch_size=2, sampler=sampler,
                                         collate_fn=collate_pairs)
    sampler.set_epoch(1)
    batches = list(loader)
    assert [len(b.clip1.targets) for b in batches] == [2, 1]
    ids = sorted(i for b in batches for i in b.clip1.video_ids.tolist())
    assert ids == [1, 2, 3]
    order = [i for i, _ in sampler]
    first = ds[(order[0], 1)]
    torch.testing.assert_close(batches[0].clip1.images[0, :, :, :48, :60],
                               first.frames1.float())


def test_dataset_unknown_category_raises_input_error(root):
    raw = json.loads((root / "train.json").read_text())
    raw["annotations"][0]["category_id"] = 77
    (root / "train.json").write_text(json.dumps(raw))
    with pytest.raises(InputError, match="category_id 77 is not a known category") as err:
        _dataset(root)
    assert str(err.value).startswith(str(root / "train.json"))
