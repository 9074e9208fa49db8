"""`safe_cell_texts` (the vectorised column form used by the MRR CSV) equals `safe_cell_text`
applied one value at a time, whatever the value."""

import itertools

import numpy as np
import pandas as pd
import pytest

from kpi.exports.cells import MAX_CELL, safe_cell_text, safe_cell_texts

PIECES = ["c", "Z", "0", " ", "_", "=", "+", "-", "@", "{", "\t", "\r", "\n", "\x00", "\x07", "\x7f", "\u00a0",
          "\u200b", "\ufeff", "\u3000", "é", "€", "＝", "﹢", "😀"]
VALUES = (["".join(pair) for pair in itertools.product(PIECES, repeat=2)]
          + ["", "cus_123", "=HYPERLINK(\"x\")", "a@b.io", "-5", "A" * (MAX_CELL + 3), "x\x01y"])


@pytest.mark.parametrize("dtype", ["str", "string", object])
def test_each_id_is_made_safe_as_one_at_a_time(dtype):
    ids = pd.Index(VALUES, dtype=dtype)
    assert list(safe_cell_texts(ids)) == [safe_cell_text(value) for value in VALUES]


def test_missing_values_and_numbers_are_read_as_one_at_a_time():
    assert list(safe_cell_texts(pd.Index(["a", None, "=x"], dtype="string"))) == ["a", "", "'=x"]
    mixed = pd.Index([1, -5, 2.5, "=a", None], dtype=object)
    assert list(safe_cell_texts(mixed)) == [safe_cell_text(value) for value in mixed]
    assert safe_cell_texts(pd.Index([], dtype="str")).dtype == np.dtype(object)
