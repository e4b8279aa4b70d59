"""Ground-truth clip results: windows, tracklet content, and linkers recovering identities."""

from __future__ import annotations

import pytest

from vistoolkit.data.clip_results import load_clip_results
from vistoolkit.data.synth import SynthConfig, make_annotations
from vistoolkit.linking.link import link_tracks
from vistoolkit.linking.oracle import clip_windows, oracle_tracklets, write_oracle_clip_results
from vistoolkit.linking.tracks import video_infos


@pytest.fixture(scope="module")
def small_valid():
    return make_annotations(SynthConfig.preset("small"), "valid")[0]


def test_clip_windows_cover_the_video_once_or_with_overlap():
    assert clip_windows(7, 3, 3) == [range(3), range(3, 6), range(6, 7)]
    assert clip_windows(7, 4, 2) == [range(4), range(2, 6), range(4, 7)]
    assert clip_windows(2, 4, 2) == [range(2)]


def test_oracle_tracklets_one_per_present_track_and_window(small_valid):
    tracklets = oracle_tracklets(small_valid, clip_length=4)
    v = small_valid.videos[0]
    tracks = small_valid.tracks_by_video()[v.id]
    expected = sum(any(t.segmentations[f] is not None for f in w)
                   for w in clip_windows(v.length, 4, 4) for t in tracks)
    assert len([t for t in tracklets if t.video_id == v.id]) == expected
    for t in tracklets:
        assert max(t.category_scores) == 1.0 and sum(t.category_scores) == 1.0
        assert all((s is None) == (fs == 0.0) for s, fs in zip(t.segmentations, t.frame_scores))


def _gt_identity(ds):
    """(video_id, frame, RLE counts) -> ground-truth track id."""
    from vistoolkit.data import rle

    out = {}
    for t in ds.tracks:
        v = ds.video_index()[t.video_id]
        for f, seg in enumerate(t.segmentations):
            r = rle.to_json_rle(rle.to_rle(seg, v.height, v.width))
            if r is not None:
                out[(t.video_id, f, r["counts"])] = t.id
    return out


def _linked_ids(ds, tmp_path, method, stride):
    path = write_oracle_clip_results(ds, tmp_path / "clips.jsonl", clip_length=4, stride=stride)
    res = load_clip_results(path)
    ident = _gt_identity(ds)
    out = []
    for vid, tracks in link_tracks(res, method=method, videos=video_infos(res)).items():
        for track in tracks:
            out.append({ident[(vid, p.start + i, s["counts"])] for p in track
                        for i, s in enumerate(p.segmentations) if s is not None})
    return out


def test_overlap_linking_of_oracle_tracklets_never_mixes_identities(small_valid, tmp_path):
    ids = _linked_ids(small_valid, tmp_path, "overlap", 2)
    assert all(len(s) == 1 for s in ids)
    assert {i for s in ids for i in s} == {t.id for t in small_valid.tracks}


def test_clip_linking_beats_motion_linking_on_jumping_objects(small_valid, tmp_path):
    # 9 ground-truth tracks (the small preset is frozen by a golden digest). Hand-craft linking
    # of 4-frame clips gives 10 tracks with one identity switch; frame-to-frame motion linking
    # breaks at every jump (the motion gate) and fragments the tracks.
    clip = _linked_ids(small_valid, tmp_path, "handcraft", 4)
    motion = _linked_ids(small_valid, tmp_path, "motion", 4)
    assert len(small_valid.tracks) == 9
    assert len(clip) == 10 and sum(len(s) > 1 for s in clip) == 1
    assert len(motion) >= 2 * len(clip)
