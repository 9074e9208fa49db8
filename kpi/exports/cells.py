"""One rule for a user's string in a spreadsheet cell, shared by every export that writes cells:
the XLSX workbook, the workbooks python-pptx embeds behind the deck's charts (PowerPoint's "Edit
data" opens them in Excel), and the app's CSV downloads.

A spreadsheet evaluates a cell that starts with = + - @ (OWASP's CSV injection list, which adds
tab and carriage return because some applications strip them first); LibreOffice also reads
`{=…}` as an array formula, and full-width or small forms of = + - @ are folded to the ASCII ones
by some input methods. So `safe_cell_text` looks past what a reader may strip or not see at the
start of a cell — white space (tab, CR, LF, no-break space), control characters (NUL) and
invisible characters (zero-width space, byte-order mark) — and, when the first visible character
is one of those signs, puts an apostrophe in front: the cell then shows the text as typed and is
never evaluated, even after a copy-paste or a CSV round trip.

Numbers are not text: an int or a float (a genuine −120.5) is written as itself, never prefixed.
"""

from __future__ import annotations

import numbers
import re

import numpy as np
import pandas as pd

from kpi.text import clean_text

# = + - @ and {, in their ASCII, full-width (U+FF1D…) and small (U+FE62…) forms
FORMULA_SIGNS = "=+-@{＝＋－＠｛﹦﹢﹣﹫﹛"
# What a reader may strip or not show before the first sign: white space, control and format
# characters (NUL, zero-width space and joiners, word joiner, byte-order mark, bidi marks).
_INVISIBLE_START = re.compile(r"^[\s\x00-\x1f\x7f\u00a0\u00ad\u180e\u200b-\u200f\u2028-\u202f\u205f-\u2064"
                              r"\u3000\ufeff]*")
MAX_CELL = 32_767  # Excel's limit on the characters of a cell


def starts_a_formula(text: str) -> bool:
    """True when a spreadsheet could evaluate `text`: its first character after white space,
    control and invisible characters is = + - @ { (or a full-width or small form of one), or
    it starts with a tab or a carriage return (OWASP)."""
    if text.startswith(("\t", "\r")):
        return True
    visible = _INVISIBLE_START.sub("", text, count=1)
    return visible[:1] != "" and visible[0] in FORMULA_SIGNS


def safe_cell_text(value: object) -> str:
    """A user's value as a spreadsheet cell shows it: XML-safe (`clean_text`), an apostrophe
    before text `starts_a_formula` says a spreadsheet could evaluate, at most 32 767 characters.
    A number (int or float, not bool) is its plain text, never prefixed: −120.5 stays −120.5."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return clean_text(value)[:MAX_CELL]
    text = clean_text(value)
    if starts_a_formula(text):
        text = "'" + text
    return text[:MAX_CELL]


_PLAIN = r"[A-Za-z0-9][\x20-\x7e]*"  # an ASCII letter or digit first, then printable ASCII: nothing to change


def safe_cell_texts(values: pd.Index | pd.Series) -> np.ndarray:
    """`safe_cell_text` of each value, as an object array, vectorised for the common case: a
    string of printable ASCII starting with a letter or a digit (an id like `cus_123`) is its own
    safe text (no character to remove, no sign to escape), found by one regex over the column;
    the others, and any column that is not of a string dtype, go through `safe_cell_text` one by one."""
    values = pd.Series(values, copy=False)
    if not isinstance(values.dtype, pd.StringDtype) or len(values) == 0:  # object: maybe numbers
        return np.array([safe_cell_text(value) for value in values], dtype=object)
    text = values.astype("string")
    plain = (text.str.fullmatch(_PLAIN) & (text.str.len() <= MAX_CELL)).fillna(False).to_numpy(dtype=bool)
    out = text.to_numpy(dtype=object, na_value=None)
    rest = np.flatnonzero(~plain)
    out[rest] = [safe_cell_text(values.iloc[i]) for i in rest]
    return out
