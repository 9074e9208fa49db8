"""Read the files founders export into sheets of raw cells, one `Sheet` per CSV or worksheet.

Nothing here knows the schema: a sheet is a header (the first row that looks like one, so
title rows above it are skipped) and the raw cells below it, indexed by the row number the
user sees in their spreadsheet, so every later report can say "row 14".
CSV-like text: encoding (UTF-8 with or without BOM, UTF-16, cp1252) and delimiter (`,` `;`
tab `|`) are detected; cells stay text for `kpi.parse`. Workbooks go through python-calamine
(`pd.read_excel(engine="calamine")`), every sheet, typed cells kept.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from kpi.errors import InputError

TEXT_SUFFIXES = {".csv", ".tsv", ".txt"}
WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}
PARQUET_SUFFIXES = {".parquet"}
HEADER_SCAN_ROWS = 20


@dataclass(frozen=True)
class Sheet:
    """One table-shaped block of a file: its header and its raw cells."""

    file: str
    sheet: str | None
    frame: pd.DataFrame  # columns = header labels; index = spreadsheet row numbers (1-based)
    header_row: int

    @property
    def key(self) -> str:
        """The name a mapping uses for it: `file.csv` or `book.xlsx:Sheet`."""
        return f"{self.file}:{self.sheet}" if self.sheet is not None else self.file


def read_path(path: str | Path) -> list[Sheet]:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot open the file ({exc.strerror or exc})", file=str(path)) from None
    return read_bytes(path.name, data)


def read_bytes(name: str, data: bytes) -> list[Sheet]:
    """All sheets of one file given as bytes (an upload, or a file read from disk)."""
    suffix = Path(name).suffix.lower()
    if not data:
        raise InputError("the file is empty", file=name)
    if suffix in TEXT_SUFFIXES:
        return [_text_sheet(name, data)]
    if suffix in WORKBOOK_SUFFIXES:
        return _workbook_sheets(name, data)
    if suffix in PARQUET_SUFFIXES:
        return [_parquet_sheet(name, data)]
    raise InputError(
        f"unsupported file type '{suffix or name}': use CSV, TSV, TXT, XLSX, XLSM, XLS, ODS or Parquet",
        file=name,
    )


def decode_text(name: str, data: bytes) -> str:
    """Text of a CSV-like file: BOMs first, then UTF-8, then cp1252 (Excel on Windows)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if b"\x00" in data[:4096]:
        raise InputError("this is not a text file (binary content); export it as CSV or XLSX", file=name)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def detect_delimiter(text: str) -> str:
    """The delimiter that splits the first lines into the same, largest number of fields."""
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    best, best_score = ",", -1.0
    for delimiter in (",", ";", "\t", "|"):
        counts = np.array([line.count(delimiter) for line in lines])
        if counts.size == 0 or counts.max() == 0:
            continue
        mode = np.bincount(counts).argmax()
        score = float(mode) * (counts == mode).mean() if mode > 0 else 0.0
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _text_sheet(name: str, data: bytes) -> Sheet:
    text = decode_text(name, data)
    if not text.strip():
        raise InputError("the file is empty", file=name)
    delimiter = detect_delimiter(text)
    try:
        cells = pd.read_csv(
            io.StringIO(text), sep=delimiter, header=None, dtype=str, keep_default_na=False,
            na_values=[""], skip_blank_lines=False, engine="python" if delimiter == "|" else "c",
            on_bad_lines="skip",
        )
    except (pd.errors.ParserError, ValueError) as exc:
        raise InputError(f"cannot read this file as CSV ({exc})", file=name) from None
    return _with_header(name, None, cells)


def _workbook_sheets(name: str, data: bytes) -> list[Sheet]:
    try:
        books = pd.read_excel(io.BytesIO(data), sheet_name=None, header=None, engine="calamine")
    except Exception as exc:  # calamine raises its own types for corrupt or protected workbooks
        raise InputError(f"cannot read this workbook ({type(exc).__name__}: {exc})", file=name) from None
    sheets = [_with_header(name, sheet, cells) for sheet, cells in books.items() if not cells.dropna(how="all").empty]
    if not sheets:
        raise InputError("every sheet of this workbook is empty", file=name)
    return sheets


def _parquet_sheet(name: str, data: bytes) -> Sheet:
    try:
        frame = pd.read_parquet(io.BytesIO(data))
    except Exception as exc:  # pyarrow raises ArrowInvalid and friends for a broken file
        raise InputError(f"cannot read this Parquet file ({type(exc).__name__})", file=name) from None
    frame.index = pd.RangeIndex(2, len(frame) + 2)
    frame.columns = _unique_labels([str(c) for c in frame.columns])
    return Sheet(name, None, frame, header_row=1)


def find_header_row(cells: pd.DataFrame) -> int:
    """Position of the header among the first rows: the first row that fills at least 60 %
    of the widest row's cells with text (title rows and blank rows above it are skipped)."""
    head = cells.head(HEADER_SCAN_ROWS)
    filled = head.notna() & head.map(lambda v: not (isinstance(v, str) and not v.strip()))
    counts = filled.sum(axis=1).to_numpy()
    if counts.size == 0 or counts.max() == 0:
        return 0
    widest = counts.max()
    texty = head.map(lambda v: isinstance(v, str) and bool(v.strip())).sum(axis=1).to_numpy()
    for position, (count, texts) in enumerate(zip(counts, texty)):
        if count >= max(1, 0.6 * widest) and texts >= 0.5 * count:
            return position
    return int(np.argmax(counts))


def _with_header(name: str, sheet: str | None, cells: pd.DataFrame) -> Sheet:
    if cells.dropna(how="all").empty:
        raise InputError("the sheet is empty", file=name, sheet=sheet)
    position = find_header_row(cells)
    labels = [_label(v, i) for i, v in enumerate(cells.iloc[position])]
    frame = cells.iloc[position + 1:].copy()
    frame.columns = _unique_labels(labels)
    frame.index = pd.RangeIndex(position + 2, position + 2 + len(frame))
    frame = frame.dropna(how="all")
    keep = [c for c, label in zip(frame.columns, labels) if label or frame[c].notna().any()]
    return Sheet(name, sheet, frame[keep], header_row=position + 1)


def _label(value: object, position: int) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


def _unique_labels(labels: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for i, label in enumerate(labels):
        label = label or f"column {i + 1}"
        if label in seen:
            seen[label] += 1
            label = f"{label} ({seen[label]})"
        else:
            seen[label] = 1
        out.append(label)
    return out
