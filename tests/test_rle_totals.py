"""vistoolkit.data.rle_totals: run-length totals of compressed RLE strings, screen vs exact."""

from __future__ import annotations

import numpy as np
from pycocotools import mask as mask_utils

from vistoolkit.data.rle_totals import (
    _first_numbers,
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


def test_first_numbers_value_and_length():
    # 921600 = 0b11100001000000000000 -> 5-bit groups 0, 0, 4, 28 (the last with its sign bit set,
    # so a 0 group follows); the run [3] encodes as "3"; a negative first number and garbage
    strings = [_encode(np.zeros((720, 1280))), "3", "Ro`0", "!abc", "PPPPPPPP"]
    value, length = _first_numbers(strings)
    assert value[:2].tolist() == [921600, 3] and length[:2].tolist() == [5, 1]
    assert length[3:].tolist() == [0, 0]


def test_screen_tail_holds_background_minus_first_run():
    m = np.zeros((4, 4), np.uint8)
    m[1:3, 1:3] = 1                  # runs [5, 2, 2, 2, 5]
    s = _encode(m)
    _, length = _first_numbers([s])
    tail = "00" + s[int(length[0]):]  # runs [0, 0, 2, 2, 2, 5]: foreground 2 + 5 = 7
    assert mask_utils.area({"size": [4, 4], "counts": tail}) == 7
