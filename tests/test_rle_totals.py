"""vistoolkit.data.rle_totals: run-length totals of compressed RLE strings, screen vs exact."""

from __future__ import annotations

import numpy as np
from pycocotools import mask as mask_utils

from vistoolkit.data.rle_totals import (
    _decode_number,
    _encode_number,
    _shifted,
    rle_counts_totals,
    rle_counts_totals_exact,
)


def _encode(m: np.ndarray) -> str:
    return mask_utils.encode(np.asfortranarray(m.astype(np.uint8)))["counts"].decode()


def test_rle_counts_totals_random_masks_equal_pixel_count():
    rng = np.random.default_rng(0)
    strings, expected = [], []
    for h, w in [(1, 1), (3, 4), (10, 10), (5, 7), (40, 30)]:
        for _ in range(60):
            strings.append(_encode(rng.random((h, w)) < rng.random()))
            expected.append(h * w)
    np.testing.assert_array_equal(rle_counts_totals(strings), expected)
    np.testing.assert_array_equal(rle_counts_totals_exact(strings), expected)


def test_rle_counts_totals_malformed_minus_one_or_wrong_sum():
    full = _encode(np.ones((5, 5)))
    cases = ["", "!!", "P", full[:-1] + "P", "0a\u00e9", full + "1", full.encode()]
    totals = rle_counts_totals(cases)
    assert totals[:5].tolist() == [-1, -1, -1, -1, -1]
    assert totals[5] != 25 and totals[6] == 25
    np.testing.assert_array_equal(totals, rle_counts_totals_exact(cases))


def test_rle_counts_totals_expected_mismatch_decoded_exactly():
    s = _encode(np.eye(6))
    totals = rle_counts_totals([s, s], np.array([36, 30]))
    assert totals.tolist() == [36, 36]


def test_number_codec_round_trip_and_shift_adds_empty_run():
    for x in (0, 1, -1, 15, 16, -16, -17, 31, 32, 1000, -1000, 921600):
        assert _decode_number(_encode_number(x)) == x
    m = np.zeros((4, 4), np.uint8)
    m[1:3, 1:3] = 1
    inverted = _encode(1 - m)  # runs [0, 5, 2, 2, 2, 5]: the shifted runs of m's [5, 2, 2, 2, 5]
    assert _shifted([_encode(m)]) == [inverted]
