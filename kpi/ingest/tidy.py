"""Lines around a table that are not data: a second or third header row, and footer lines.

Survey tools write more than one header row: SurveyMonkey puts `Response` / `Open-Ended Response`
under its question texts, Qualtrics puts the question labels and then `{"ImportId":"QID1"}` JSON
under its column ids. Reports written for printing end with footer lines: Salesforce's `Grand
Totals (36 records)` and copyright notice, QuickBooks' `Accrual Basis …` time stamp. Read as
data, they would be rejected rows (or worse, make a date column look like text). Here they are
taken off the sheet and said so; a second header row's texts are kept as the columns'
descriptions, since a question's label often says more than its id (`Q1`).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

SUBHEADER_ROWS = 2  # at most this many rows under the header
_IMPORT_ID = re.compile(r'^\s*\{\s*"ImportId"\s*:', re.I)
_DIGIT = re.compile(r"\d")
# the characters str.strip() removes (str.isspace), spelt out for a regex that pandas can run on a
# whole string column at once; tests/kpi/test_footer_blank_cells.py checks it against Python's
_WHITESPACE = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_BLANK = f"[{_WHITESPACE}]*"
_NUMBER_OR_DATE = re.compile(r"^[\s(+\-−$€£]*\d[\d\s.,:/\-−'TZ+]*[)%]?\s*(?:[AP]M)?$", re.I)


def _filled(value: object) -> bool:
    return not (value is None or (isinstance(value, float) and pd.isna(value))
                or (isinstance(value, str) and not value.strip()))


def _looks_numeric(value: object) -> bool:
    if isinstance(value, str):
        return bool(_NUMBER_OR_DATE.match(value.strip()))
    return not isinstance(value, bool) and _filled(value)  # numbers and date cells of a workbook


def _is_subheader(row: pd.Series, below: pd.DataFrame) -> bool:
    """A row of labels under the header: every filled cell is text without a digit (or Qualtrics'
    ImportId JSON), and at least one sits over a column whose values below are numbers or dates."""
    cells = [v for v in row if _filled(v)]
    if not cells:
        return False
    if all(isinstance(v, str) and _IMPORT_ID.match(v) for v in cells):
        return True
    if not all(isinstance(v, str) and not _DIGIT.search(v) for v in cells):
        return False
    for column, value in row.items():
        if not _filled(value):
            continue
        values = [v for v in below[column] if _filled(v)]
        if len(values) >= 3 and sum(map(_looks_numeric, values)) >= 0.8 * len(values):
            return True
    return False


def drop_subheaders(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str], int]:
    """The frame without the extra header rows right under its header; the texts of the first
    such row that differ from the header, as each column's description; how many rows went."""
    dropped = 0
    descriptions: dict[str, str] = {}
    while dropped < SUBHEADER_ROWS and len(frame) > 3:
        row = frame.iloc[0]
        if not _is_subheader(row, frame.iloc[1:41]):
            break
        if not descriptions:
            descriptions = {str(c): " ".join(str(v).split()) for c, v in row.items()
                            if isinstance(v, str) and _filled(v) and not _IMPORT_ID.match(v)
                            and " ".join(str(v).split()) != str(c)}
        frame = frame.iloc[1:]
        dropped += 1
    return frame, descriptions, dropped


def _is_blank_text(value: object) -> bool:
    return isinstance(value, str) and not value.strip()


_BLANK_TEXT = np.frompyfunc(_is_blank_text, 1, 1)


def blank_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """True where a cell is text of nothing but whitespace (`isinstance(v, str) and not v.strip()`).

    A string column is matched in one vectorised regex; the columns of Python objects are checked
    together, cell by cell on their NumPy values (not column by column: a sheet of thousands of
    columns would take seconds); a column of numbers or dates has no text at all."""
    blank = np.zeros(frame.shape, dtype=bool)
    objects = [i for i, dtype in enumerate(frame.dtypes) if dtype == object]
    if objects and len(frame):
        blank[:, objects] = _BLANK_TEXT(frame.iloc[:, objects].to_numpy(dtype=object)).astype(bool)
    for i, dtype in enumerate(frame.dtypes):
        if isinstance(dtype, pd.StringDtype):
            blank[:, i] = frame.iloc[:, i].str.fullmatch(_BLANK).fillna(False).to_numpy(dtype=bool)
    return pd.DataFrame(blank, index=frame.index, columns=frame.columns)


def drop_footer(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """The frame without its trailing footer lines: rows at the very end, below the data, that fill
    a single cell with text (`Grand Totals (36 records)`, `Accrual Basis Monday, …`), in a sheet of
    three columns or more whose other rows fill more than one cell."""
    if frame.shape[1] < 3 or len(frame) < 3:
        return frame, 0
    filled = frame.notna() & ~blank_cells(frame)
    counts = filled.sum(axis=1).to_numpy()
    end = len(frame)
    while end > 0 and counts[end - 1] <= 1:
        if counts[end - 1] == 1:
            value = frame.iloc[end - 1][filled.iloc[end - 1]].iloc[0]
            if not (isinstance(value, str) and re.search(r"[^\W\d_]{2,}", value)):
                break
        end -= 1
    if end == len(frame) or end < 2 or (counts[:end] <= 1).mean() > 0.5:
        return frame, 0
    footer = int((counts[end:] == 1).sum())
    return (frame.iloc[:end], footer) if footer else (frame, 0)
