"""`kpi.ingest.tidy.blank_cells`, the vectorised test behind footer detection, says exactly what
`isinstance(v, str) and not v.strip()` says of every cell, whatever the column's dtype."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest

from kpi.ingest import tidy

TRICKY = ["", " ", "\t", "\u3000", "\u200b", " x ", "x", "\u00a0\u2007", "\x1c\x1f", "\u2028 \u2029", "0", "\ufeff",
          "  \n", "\u180e", "é", "\u2000\u200a\u200b"]


def _reference(frame: pd.DataFrame) -> np.ndarray:
    return np.array([[isinstance(v, str) and not v.strip() for v in row] for row in frame.itertuples(index=False)],
                    dtype=bool).reshape(frame.shape)


def test_the_whitespace_class_is_pythons():
    assert set(tidy._WHITESPACE.replace("\u2000-\u200a", "".join(map(chr, range(0x2000, 0x200b))))) == \
        {c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace()}


@pytest.mark.parametrize("dtype", ["str", pd.StringDtype("pyarrow"), pd.StringDtype("python"), object])
def test_blank_cells_agree_with_strip_on_every_cell(dtype):
    every_space = [c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace()]
    texts = TRICKY + every_space + ["".join(every_space), "".join(every_space) + "a", None]
    frame = pd.DataFrame({"a": texts, "b": list(reversed(texts)), "a2": texts}).astype(dtype)
    frame.columns = ["a", "b", "a"]  # a repeated header, as sheets have
    assert np.array_equal(tidy.blank_cells(frame).to_numpy(), _reference(frame))


def test_object_and_number_columns_keep_their_meaning():
    frame = pd.DataFrame({"mixed": [" ", 3, None, "x", 2.5], "number": [1.0, np.nan, 2.0, 3.0, 4.0],
                          "date": pd.to_datetime(["2026-01-01", None, "2026-01-03", "2026-01-04", "2026-01-05"])})
    assert np.array_equal(tidy.blank_cells(frame).to_numpy(), _reference(frame))
    assert tidy.blank_cells(frame).columns.tolist() == ["mixed", "number", "date"]
