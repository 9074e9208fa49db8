"""Read the files founders export into sheets of raw cells, one `Sheet` per CSV or worksheet.

Nothing here knows the schema: a sheet is a header (the first row that looks like one, so
title rows above it are skipped) and the raw cells below it, indexed by the row number the
user sees in their spreadsheet, so every later report can say "row 14".

- CSV-like text: encoding (UTF-8 with or without BOM, UTF-16 LE/BE with or without BOM,
  cp1252, latin-1), delimiter (`,` `;` tab `|`, quote-aware) and header row are detected; every
  cell stays text for `kpi.ingest.parse` (decimal commas, dates and currencies are its business).
  Rows with more cells than the header are kept, extra cells in extra columns, and said so in
  `Sheet.warnings`. pyarrow reads well-formed files; pandas' C parser the ragged ones.
- Workbooks (XLSX, XLSM, ODS, XLS): python-calamine, every sheet, typed cells kept; openpyxl
  when calamine fails on an XLSX. Untrusted workbooks are parsed in a sandboxed child process.
- Parquet: pyarrow, typed columns kept.

Every file first passes `kpi.ingest.safety`'s pre-flight checks (size, magic bytes, what an archive
declares), so a hostile or broken upload ends in one `InputError`, fast, with bounded memory.
A file's name is only ever a label: it is never used as a path.
"""

from __future__ import annotations

import csv
import datetime
import io
import mmap
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd

from kpi.errors import InputError
from kpi.ingest import safety, sandbox, tidy
from kpi.ingest.safety import DEFAULT_LIMITS, Limits

TEXT_SUFFIXES = {".csv", ".tsv", ".txt"}
WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}
PARQUET_SUFFIXES = {".parquet"}
HEADER_SCAN_ROWS = 20
DELIMITERS = (",", ";", "\t", "|")
SAMPLE_BYTES = 64 * 1024  # of a text file, for its delimiter, header and width
WIDE_COLUMNS = 1_000  # a text file wider than this is read into one block of Python strings
RAGGED_WIDENINGS = 4  # how often the C parser may widen for rows longer than any seen
Buffer = bytes | mmap.mmap  # a text file's content: an upload's bytes, or a file mapped by read_path


@dataclass(frozen=True)
class Sheet:
    """One table-shaped block of a file: its header and its raw cells."""

    file: str
    sheet: str | None
    frame: pd.DataFrame  # columns = header labels; index = spreadsheet row numbers (1-based)
    header_row: int
    warnings: tuple[str, ...] = ()  # what the reader had to adapt (e.g. rows longer than the header)
    descriptions: dict[str, str] = field(default_factory=dict, compare=False)  # a 2nd header row's texts

    @property
    def key(self) -> str:
        """The name a mapping uses for it: `file.csv` or `book.xlsx:Sheet`."""
        return f"{self.file}:{self.sheet}" if self.sheet is not None else self.file


def read_path(path: str | Path, *, trusted: bool = False, limits: Limits = DEFAULT_LIMITS) -> list[Sheet]:
    """All sheets of a file on disk; see `read_bytes` for `trusted` and `limits`. A text file is
    memory-mapped rather than read: pyarrow then parses the page cache without a copy."""
    path = Path(path)
    name = display_name(path.name)
    try:
        size = path.stat().st_size
        safety.check_size(name, size, limits)  # before reading a huge file into memory
        if size and PurePosixPath(name).suffix.lower() in TEXT_SUFFIXES:
            with path.open("rb") as file:
                try:
                    mapped = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
                except (OSError, ValueError):  # not a regular file: read it instead
                    mapped = None
            if mapped is not None:
                return [_text_sheet(name, mapped, limits)]
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot open the file ({exc.strerror or exc})", file=str(path)) from None
    return read_bytes(path.name, data, trusted=trusted, limits=limits)


def read_bytes(name: str, data: bytes, *, trusted: bool = False, limits: Limits = DEFAULT_LIMITS) -> list[Sheet]:
    """All sheets of one file given as bytes (an upload, or a file read from disk).

    `name` is a label (its suffix picks the reader); it is never opened. Workbooks are parsed in a
    sandboxed child process unless `trusted` (our own bundled files), which saves the child's
    start-up. `limits` bounds what one file may cost (`kpi.ingest.safety.Limits`).
    """
    name = display_name(name)
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in TEXT_SUFFIXES | WORKBOOK_SUFFIXES | PARQUET_SUFFIXES:
        raise InputError(
            f"unsupported file type '{suffix or name}': use CSV, TSV, TXT, XLSX, XLSM, XLS, ODS or Parquet",
            file=name,
        )
    if not data:
        raise InputError("the file is empty", file=name)
    if suffix in TEXT_SUFFIXES:
        return [_text_sheet(name, data, limits)]
    if suffix in WORKBOOK_SUFFIXES:
        sandbox.forget_last_peak()  # a workbook refused before any child runs has no child's peak
        return _workbook_sheets(name, data, trusted, limits)
    return [_parquet_sheet(name, data, limits)]


def display_name(name: str) -> str:
    """The file's own name, safe to show and to key a mapping with: no folders (an upload named
    `../../etc/passwd.csv` is `passwd.csv`), no control characters."""
    base = str(name).replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(c for c in base if c.isprintable()).strip()
    return base if base.strip(". ") else "upload"


# ── text ──────────────────────────────────────────────────────────────────────────────────

def decode_text(name: str, data: bytes) -> str:
    """Text of a CSV-like file: BOMs first, then UTF-16 by its NUL pattern, then UTF-8, then
    cp1252 (Excel on Windows), then latin-1."""
    safety.check_text(name, data, DEFAULT_LIMITS)
    encoding, start = _sniff_encoding(data)
    return _decode(data[start:], encoding)


def _sniff_encoding(data: Buffer) -> tuple[str, int]:
    """(encoding, bytes to skip) from the file's first bytes; 'utf-8' is a guess that the full
    read confirms (a cp1252 'é' may come late)."""
    head = bytes(data[:SAMPLE_BYTES])
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8", 3
    if head.startswith(b"\xff\xfe"):
        return "utf-16-le", 2
    if head.startswith(b"\xfe\xff"):
        return "utf-16-be", 2
    order = safety.utf16_byte_order(head)
    if order:
        return f"utf-16-{order}", 0
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:  # not just a character cut by the sample's end
            return _single_byte_encoding(data), 0
    return "utf-8", 0


def _single_byte_encoding(data: Buffer) -> str:
    # cp1252 leaves five bytes undefined; a file using them is latin-1
    return "latin-1" if re.search(rb"[\x81\x8d\x8f\x90\x9d]", data) else "cp1252"


def _decode(data: Buffer, encoding: str) -> str:
    try:
        return str(data, encoding)
    except UnicodeDecodeError:
        if encoding == "utf-8":
            return str(data, _single_byte_encoding(data))
        return str(data, encoding, errors="replace")


class _NotUtf8(Exception):
    """The full read found bytes that are not UTF-8 although the sample was."""


def _text_sheet(name: str, data: Buffer, limits: Limits) -> Sheet:
    safety.check_text(name, data, limits)
    encoding, start = _sniff_encoding(data)
    if encoding == "utf-8":
        try:
            return _utf8_sheet(name, data, start, limits)
        except _NotUtf8:
            encoding = _single_byte_encoding(data)
    return _utf8_sheet(name, _decode(memoryview(data)[start:], encoding).encode("utf-8"), 0, limits)


def _utf8_sheet(name: str, data: Buffer, start: int, limits: Limits) -> Sheet:
    """A text file's sheet from its UTF-8 bytes (from `start`, past a BOM)."""
    buffer = _without_trailing_blank_lines(memoryview(data)[start:])
    sample, whole = _sample(buffer)
    if not sample.strip():
        raise InputError("the file is empty", file=name)
    delimiter = detect_delimiter(sample)
    safety.check_columns(name, buffer, delimiter)
    records, line_ends = _records(sample, delimiter, whole)
    width = max((len(r) for r in records), default=1) or 1
    if not whole:  # a big file: its cells, estimated from the sample's, must stay within the limit
        per_byte = sum(len(r) for r in records) / max(len(sample.encode("utf-8")), 1)
        safety.check_cells(name, int(per_byte * len(buffer)), limits, approximate=True)
    position = find_header_row(_sample_frame(records[:HEADER_SCAN_ROWS], width))
    header_width = len(records[position])

    cells = None
    quotes = _count_quotes(data, start) if data.find(b'"', start) >= 0 else 0
    lines_above = line_ends[position - 1] if position else 0
    # pyarrow when no record above the header spans lines (so skipping lines is exact) and the
    # quotes pair up: it would read an unclosed quote to the end of the file without a word
    if lines_above == position and quotes % 2 == 0:
        cells = _read_with_arrow(buffer, delimiter, width, skip=position, quoted=quotes > 0)
    if cells is None:
        cells = _read_with_pandas(name, buffer, delimiter, width)
    else:
        position = 0  # arrow started at the header
    return _with_header(name, None, cells, position=position,
                        warnings=_ragged_warnings(cells, position, header_width))


def _without_trailing_blank_lines(buffer: memoryview) -> memoryview:
    """The text up to its last line with something on it (and that line's end): millions of
    empty lines at a file's end hold no row, but would cost seconds to read as rows."""
    end = len(buffer)
    while end:
        start = max(0, end - (1 << 20))
        content = bytes(buffer[start:end]).rstrip(b"\r\n")
        if content:
            return buffer[:start + len(content) + 1]
        end = start
    return buffer[:0]


def _count_quotes(data: Buffer, start: int) -> int:
    # numpy over a zero-copy view, in 4 MB slices: 7× faster than bytes.count, bounded memory
    view = np.frombuffer(data, np.uint8)[start:]
    step = 4 << 20
    return sum(int(np.count_nonzero(view[offset:offset + step] == 34)) for offset in range(0, len(view), step))


def _sample(buffer: memoryview) -> tuple[str, bool]:
    """The first ~64 KB as text, cut after a line end, and whether that is the whole file; the
    whole first line when it is longer (a header of thousands of columns)."""
    if len(buffer) <= SAMPLE_BYTES:
        return _decode_utf8(buffer), True
    head = bytes(buffer[:SAMPLE_BYTES])
    if b"\n" not in head:  # lines are at most safety.MAX_LINE_BYTES long
        head = bytes(buffer[:safety.MAX_LINE_BYTES + 1])
        if len(head) == len(buffer):
            return _decode_utf8(head), True
    cut = head.rfind(b"\n")
    return _decode_utf8(head[: cut + 1] if cut > 0 else head, partial=cut <= 0), False


def _decode_utf8(data: bytes | memoryview, partial: bool = False) -> str:
    try:
        return bytes(data).decode("utf-8", errors="ignore" if partial else "strict")
    except UnicodeDecodeError:
        raise _NotUtf8 from None


def _records(text: str, delimiter: str, whole: bool) -> tuple[list[list[str]], list[int]]:
    """The sample's records (quote-aware, blank lines kept as []) and the line each ends on;
    the last record is dropped unless the sample is the whole file (it may be cut)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', doublequote=True)
    records, ends = [], []
    try:
        for record in reader:
            records.append(record)
            ends.append(reader.line_num)
    except csv.Error:  # a field longer than csv's limit in the sample: keep what was read
        whole = False
    if not whole and len(records) > 1:
        records, ends = records[:-1], ends[:-1]
    return records, ends


def _sample_frame(records: list[list[str]], width: int) -> pd.DataFrame:
    rows = [[cell if cell != "" else None for cell in r] + [None] * (width - len(r)) for r in records]
    return pd.DataFrame(rows, columns=range(width), dtype=object)


def detect_delimiter(text: str) -> str:
    """The delimiter that splits the first records into the same, largest number of fields.

    Quote-aware. A tab, semicolon or pipe that splits every record (title rows above the header
    aside) the same way wins over the comma: a comma splitting `12,50` is a decimal comma in a
    French export, whereas a semicolon on every line of a comma-separated file is rare.
    `sep=;` on the first line (Excel's hint) is obeyed.
    """
    hint = re.match(r'\A\ufeff?"?sep=(.)"?\r?\n', text)
    if hint and hint.group(1) in DELIMITERS:
        return hint.group(1)
    stats: dict[str, tuple[int, float, float]] = {}
    for delimiter in DELIMITERS:
        reader = csv.reader(io.StringIO(text[:SAMPLE_BYTES], newline=""), delimiter=delimiter, quotechar='"')
        counts = []
        try:
            for record in reader:
                if any(cell.strip() for cell in record):
                    counts.append(len(record) - 1)
                if len(counts) >= 100:
                    break
        except csv.Error:
            pass
        titles = 0  # title rows above the header: a few records without the delimiter
        while titles < len(counts) and counts[titles] == 0:
            titles += 1
        rest = counts[titles:]
        if rest and titles <= min(HEADER_SCAN_ROWS, len(counts) // 2):
            mode = Counter(rest).most_common(1)[0][0]
            stats[delimiter] = (mode, rest.count(mode) / len(rest), len(rest) / len(counts))
    for delimiter in ("\t", ";", "|"):
        mode, share, coverage = stats.get(delimiter, (0, 0.0, 0.0))
        if mode >= 1 and share >= 0.9:
            return delimiter
    best, best_score = ",", -1.0
    for delimiter, (mode, share, coverage) in stats.items():
        score = mode * share * coverage
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _read_with_arrow(buffer: memoryview, delimiter: str, width: int, skip: int, quoted: bool) -> pd.DataFrame | None:
    """The fast path (pyarrow, multi-threaded): every row from the header on must have exactly
    `width` cells or be blank; otherwise None and the caller takes the C parser. A quote in the
    file turns on newlines-in-values, which is exact but about 1.7× slower."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    names = [str(i) for i in range(width)]
    invalid = []

    def on_invalid(row):  # a row with another number of cells: give up, the C parser pads them
        invalid.append(row)
        return "error"

    try:
        table = pacsv.read_csv(
            pa.py_buffer(buffer),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=skip),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, quote_char='"', double_quote=True,
                                             newlines_in_values=quoted, ignore_empty_lines=False,
                                             invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()),
                                                 strings_can_be_null=True, null_values=[""],
                                                 quoted_strings_can_be_null=True),
        )
    except (pa.ArrowInvalid, pa.ArrowException) as exc:
        if not invalid and "utf8" in str(exc).lower().replace("-", ""):
            raise _NotUtf8 from None
        return None
    if width > WIDE_COLUMNS:  # one object block: per-column string arrays cost seconds in every frame operation
        cells = pd.DataFrame(np.column_stack([column.to_numpy(zero_copy_only=False) for column in table.columns]),
                             dtype=object)
    else:
        cells = table.to_pandas()
    cells.columns = range(width)
    cells.index = pd.RangeIndex(skip + 1, skip + 1 + len(cells))
    return cells


def _read_with_pandas(name: str, buffer: memoryview, delimiter: str, width: int) -> pd.DataFrame:
    """pandas' C parser: pads short rows, keeps blank lines as empty rows (so row numbers stay
    the spreadsheet's), and stops at a row longer than `width`; then we widen and read again."""
    for _ in range(RAGGED_WIDENINGS + 1):
        try:
            cells = pd.read_csv(
                io.BytesIO(buffer), sep=delimiter, header=None, names=range(width), index_col=False, dtype=str,
                keep_default_na=False, na_values=[""], skip_blank_lines=False, engine="c", encoding="utf-8",
                quotechar='"', doublequote=True,
            )
        except UnicodeDecodeError:
            raise _NotUtf8 from None
        except pd.errors.ParserError as exc:
            longer = re.search(r"Expected \d+ fields in line \d+, saw (\d+)", str(exc))
            unclosed = re.search(r"EOF inside string starting at row (\d+)", str(exc))
            if unclosed:
                raise InputError('a quoted cell is never closed (a " without its closing "), so the rest of the '
                                 "file would be read as one cell; fix that quote or export the file again",
                                 file=name, row=int(unclosed.group(1)) + 1) from None
            if not longer:
                raise InputError(f"cannot read this file as CSV ({str(exc).strip()})", file=name) from None
            width = int(longer.group(1))
            continue
        cells.index = pd.RangeIndex(1, len(cells) + 1)
        return cells
    return _read_with_csv_module(name, buffer, delimiter)


def _read_with_csv_module(name: str, buffer: memoryview, delimiter: str) -> pd.DataFrame:
    """Last resort for rows of ever-growing length: Python's csv module, any width."""
    reader = csv.reader(io.StringIO(_decode_utf8(buffer), newline=""), delimiter=delimiter, quotechar='"')
    try:
        rows = [[cell if cell != "" else None for cell in record] for record in reader]
    except csv.Error as exc:
        raise InputError(f"cannot read this file as CSV (row {reader.line_num}: {exc})", file=name) from None
    wide = max(map(len, rows), default=0) > WIDE_COLUMNS  # see _read_with_arrow
    cells = pd.DataFrame(rows, dtype=object if wide else "str")
    cells.index = pd.RangeIndex(1, len(cells) + 1)
    return cells


def _ragged_warnings(cells: pd.DataFrame, position: int, header_width: int) -> tuple[str, ...]:
    """Rows below the header with cells beyond the header's width: kept, and said so."""
    if cells.shape[1] <= header_width:
        return ()
    extra = cells.iloc[position + 1:, header_width:]
    rows = extra.index[extra.notna().to_numpy().any(axis=1)]
    if len(rows) == 0:
        return ()
    shown = ", ".join(str(r) for r in rows[:5]) + (f" and {len(rows) - 5} more" if len(rows) > 5 else "")
    widest = int(extra.notna().to_numpy().nonzero()[1].max()) + header_width + 1
    which = f"rows {shown} have" if len(rows) > 1 else f"row {shown} has"
    return (
        f"{which} more cells than the header's {header_width} (up to {widest}); the extra cells are kept "
        f"in columns 'column {header_width + 1}' and after — check the delimiter and the quoting of those rows",
    )


# ── workbooks and Parquet ─────────────────────────────────────────────────────────────────

def _workbook_sheets(name: str, data: bytes, trusted: bool, limits: Limits) -> list[Sheet]:
    safety.check_workbook(name, data, limits)
    books = _workbook_cells(data) if trusted else sandbox.run_isolated(name, _workbook_cells, data, limits)
    sheets = [
        _with_header(name, sheet, cells)
        for sheet, cells in books.items()
        if not cells.dropna(how="all").empty
    ]
    if not sheets:
        raise InputError("every sheet of this workbook is empty", file=name)
    return sheets


def _workbook_cells(data: bytes) -> dict[str, pd.DataFrame]:
    """Every sheet's raw cells, rows indexed from 1. Runs in the sandbox for untrusted files, so
    it must stay a module-level function. calamine first; openpyxl (read-only) when calamine
    fails on an XLSX for another reason than memory; the first error is the one reported."""
    try:
        books = pd.read_excel(io.BytesIO(data), sheet_name=None, header=None, engine="calamine")
    except Exception as calamine_error:  # calamine raises its own types for damaged workbooks
        if _OUT_OF_MEMORY.search(str(calamine_error)):
            raise MemoryError(str(calamine_error)) from None
        if not data.startswith(safety.ZIP_MAGIC):
            raise _workbook_error(calamine_error) from None
        try:
            books = pd.read_excel(io.BytesIO(data), sheet_name=None, header=None, engine="openpyxl")
        except MemoryError:
            raise
        except Exception:
            raise _workbook_error(calamine_error) from None
    for cells in books.values():
        cells.index = pd.RangeIndex(1, len(cells) + 1)
    return books


# calamine reports a failed allocation as an ordinary error (when it does not abort)
_OUT_OF_MEMORY = re.compile(r"alloc\w* of size|memory allocation|out of memory|capacity overflow", re.I)


def _workbook_error(exc: Exception) -> InputError:
    text = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
    if re.search(r"password|encrypt", text, re.I):
        return InputError(safety.PASSWORD_MESSAGE)
    return InputError(f"cannot read this workbook: it is damaged or not really a workbook ({text}); export it again")


def _parquet_sheet(name: str, data: bytes, limits: Limits) -> Sheet:
    safety.check_parquet(name, data, limits)
    try:
        frame = pd.read_parquet(io.BytesIO(data))
    except Exception as exc:  # pyarrow raises ArrowInvalid and friends for a broken file
        raise InputError(f"cannot read this Parquet file ({type(exc).__name__})", file=name) from None
    frame = frame.reset_index(drop=True)
    frame.index = pd.RangeIndex(2, len(frame) + 2)
    frame.columns = _unique_labels([str(c) for c in frame.columns])
    return Sheet(name, None, frame, header_row=1)


# ── the header ────────────────────────────────────────────────────────────────────────────

_NUMBER_LIKE = re.compile(r"^(?=.*\d)[\s(+\-−]*[$€£¥]?\s*[\d\s.,'/:%\-−]+\s*[$€£¥%)]?\s*(?:[A-Za-z]{3})?$")


def _is_label(value: object) -> bool:
    """Text that could be a column name: not blank, not a number or date written as text."""
    return isinstance(value, str) and bool(value.strip()) and not _NUMBER_LIKE.match(value)


def _is_filled(value: object) -> bool:
    """Not missing, not blank text."""
    if isinstance(value, str):
        return bool(value.strip())
    return value is not None and value is not pd.NA and value is not pd.NaT and not (
        isinstance(value, float) and np.isnan(value))


_FILLED = np.frompyfunc(_is_filled, 1, 1)
_LABEL = np.frompyfunc(_is_label, 1, 1)


def find_header_row(cells: pd.DataFrame) -> int:
    """Position of the header among the first rows: the first row that fills at least 60 %
    of the widest row's cells, half of them with labels (text that is not a number or a date
    written as text); title rows and blank rows above it are skipped."""
    head = cells.head(HEADER_SCAN_ROWS)
    # on the NumPy values, not per column with DataFrame.map: a sheet of 16,384 columns
    # would take seconds there
    values = head.to_numpy(dtype=object)
    counts = _FILLED(values).astype(bool).sum(axis=1) if values.size else np.zeros(len(head), dtype=int)
    if counts.size == 0 or counts.max() == 0:
        return 0
    widest = counts.max()
    texty = _LABEL(values).astype(bool).sum(axis=1)
    for position, (count, texts) in enumerate(zip(counts, texty, strict=True)):
        if count >= max(1, 0.6 * widest) and texts >= 0.5 * count:
            return position
    return int(np.argmax(counts))


def _with_header(name: str, sheet: str | None, cells: pd.DataFrame, *, position: int | None = None,
                 warnings: tuple[str, ...] = ()) -> Sheet:
    """The sheet below its header. `cells` is indexed by spreadsheet row number; `position` is
    the header's position in it (found when not given)."""
    if cells.empty or not cells.notna().to_numpy().any():
        raise InputError("the sheet is empty", file=name, sheet=sheet)
    if position is None:
        position = find_header_row(cells)
    labels = [_label(v) for v in cells.iloc[position]]
    frame = cells.iloc[position + 1:]
    frame.columns = _unique_labels(labels)
    missing = frame.isna().to_numpy()
    if missing.all(axis=1).any():  # blank lines: gone, but the others keep their row numbers
        frame = frame[~missing.all(axis=1)]
    frame, descriptions, subheaders = tidy.drop_subheaders(frame)
    frame, footer = tidy.drop_footer(frame)
    if subheaders:
        warnings = (*warnings, f"{subheaders} more header row(s) under the header (row {cells.index[position] + 1}"
                               f"{'–' + str(cells.index[position] + subheaders) if subheaders > 1 else ''}) "
                               "were read as headers, not data")
    if footer:
        warnings = (*warnings, f"{footer} footer line(s) below the data (totals, notices) were left out")
    missing = frame.isna().to_numpy()
    unused = missing.all(axis=0)  # an unlabelled column without data (a trailing delimiter)
    keep = [c for c, label, empty in zip(frame.columns, labels, unused, strict=True) if label or not empty]
    if len(keep) < len(frame.columns):
        frame = frame[keep]
    return Sheet(name, sheet, frame, header_row=int(cells.index[position]), warnings=warnings,
                 descriptions=descriptions)


def _label(value: object, position: int = 0) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, datetime.date):  # calamine gives datetime.datetime for date cells
        if isinstance(value, datetime.datetime) and value.time() != datetime.time():
            return value.isoformat(sep=" ", timespec="minutes")
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
