"""Pre-flight checks on an uploaded file's raw bytes, and a sandbox for the parsers we cannot trust.

Founders upload whatever their tools export, and a hosted app also gets whatever an attacker
crafts. Before any parser touches the bytes, the `check_*` functions look at what a file *declares*
— its size, its magic bytes, a workbook's zip directory (member count, sizes, compression
ratio, encryption) and each worksheet's `<dimension ref="A1:CV1000000"/>`, an OLE2 container's
stream names (an encrypted OOXML workbook is an OLE2 file with an "EncryptedPackage" stream),
a Parquet footer's row and column counts — and refuses, with one clear `InputError`, what
would take too long or too much memory. They read at most a few kilobytes of each worksheet,
so they take milliseconds and bounded memory whatever the file claims (an ODS file's
content.xml is scanned whole, once its declared size has passed).

Declarations can lie, so untrusted workbooks are also parsed in a child process with an
address-space limit and a timeout (`kpi.ingest.sandbox.run_isolated`, re-exported here).
"""

from __future__ import annotations

import html
import io
import mmap
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass

import numpy as np

from kpi.errors import InputError
from kpi.ingest import crafted
from kpi.ingest.ole2 import CFB_MAGIC, cfb_stream_names  # re-exported: callers know them here

MB = 1_000_000
GB = 1_000_000_000


@dataclass(frozen=True)
class Limits:
    """What one file may ask of the server (measured on this project's 2-core, 24 GB machines;
    see benchmarks/ingest_read.py)."""

    max_bytes: int = 200 * MB  # the file as uploaded (Streamlit's maxUploadSize, 190 MiB, is below it)
    # Text and Parquet cells live in Arrow-backed columns (~20 bytes each): 20 million ≈ 400 MB.
    max_cells: int = 20_000_000
    # Parsing a workbook takes ~160 bytes a cell in the sandbox (8 million cells fit its 2 GB,
    # 12 million do not) and leaves ~50 bytes a cell in the server: 5 million keep a margin and
    # parse in 7–15 s.
    max_workbook_cells: int = 5_000_000
    # A worksheet that declares no <dimension> is bounded by its XML instead: 40 bytes a cell,
    # what a plain export takes, so 200 MB by default.
    undeclared_bytes_per_cell: int = 40
    max_uncompressed_bytes: int = 1 * GB  # all members of a zip-based workbook, as declared
    max_ratio: float = 100.0  # uncompressed ÷ compressed, per member (real sheets: 5–30) …
    ratio_min_bytes: int = 10 * MB  # … once the member inflates beyond this
    max_members: int = 10_000  # entries in a workbook's zip directory (real ones: a few dozen)
    child_memory_bytes: int = 2 * GB  # address space of the sandbox that parses one workbook
    child_timeout_seconds: float = 60.0  # its wall time


DEFAULT_LIMITS = Limits()
# What reading a damaged zip member may raise (zlib.error: garbage where deflate data should be).
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError, RuntimeError)
_CORRUPT = "this workbook is corrupt (damaged or truncated); export it again"

ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"
PARQUET_MAGIC = b"PAR1"
TEXT_SAMPLE_BYTES = 64 * 1024
HEAD_BYTES = 16 * 1024  # of each worksheet XML, where <dimension> sits
MIN_CELL_XML_BYTES = 15  # `<c><v>1</v></c>`: no real cell is shorter, so size ÷ 15 bounds the cells


def human_bytes(n: float) -> str:
    """'200 MB', '1.5 GB', '4 KB' (decimal units, as file managers show sizes)."""
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if n < 1000 or unit == "TB":
            if unit == "bytes" or n >= 100 or float(n).is_integer():
                return f"{n:.0f} {unit}"
            return f"{n:.1f} {unit}".replace(".0 ", " ")
        n /= 1000
    raise AssertionError  # unreachable


# (magic, what to call it, what to do). The first group holds bytes no text file starts with;
# the second is printable, so it only names a file that the text check already found binary.
_BINARY_SIGNATURES = [
    (ZIP_MAGIC, "an Excel workbook or ZIP archive", "rename it .xlsx if it is a workbook"),
    (EMPTY_ZIP_MAGIC, "an empty ZIP archive", "export the data again"),
    (CFB_MAGIC, "an Excel 97-2003 workbook (or another Office file)", "rename it .xls if it is a workbook"),
    (b"\x89PNG", "a PNG image", "export the data as CSV or XLSX instead"),
    (b"\xff\xd8\xff", "a JPEG image", "export the data as CSV or XLSX instead"),
    (b"\x1f\x8b", "a gzip archive", "unpack it first"),
    (b"\x7fELF", "a Linux program", "export the data as CSV or XLSX instead"),
]
_PRINTABLE_SIGNATURES = [
    (PARQUET_MAGIC, "a Parquet file", "rename it .parquet"),
    (b"%PDF", "a PDF document", "export the data as CSV or XLSX instead"),
    (b"GIF8", "a GIF image", "export the data as CSV or XLSX instead"),
    (b"MZ", "a Windows program", "export the data as CSV or XLSX instead"),
]


def _signature(data: bytes, *, printable: bool = True) -> tuple[str, str] | None:
    for magic, what, fix in _BINARY_SIGNATURES + (_PRINTABLE_SIGNATURES if printable else []):
        if data.startswith(magic):
            return what, fix
    return None


def _not_text(name: str, head: bytes) -> InputError:
    signature = _signature(head)
    if signature:
        return InputError(f"this is not a text file: it is {signature[0]}; {signature[1]}", file=name)
    return InputError("this is not a text file (it contains binary data); export it as CSV or XLSX", file=name)


def check_size(name: str, size: int, limits: Limits = DEFAULT_LIMITS) -> None:
    if size > limits.max_bytes:
        raise InputError(
            f"the file is {human_bytes(size)}, more than the {human_bytes(limits.max_bytes)} we read; "
            "export fewer rows or columns, or split it",
            file=name,
        )


def check_cells(name: str, cells: int, limits: Limits = DEFAULT_LIMITS, *, sheet: str | None = None,
                approximate: bool = False, max_cells: int | None = None, how: str = "") -> None:
    """Refuse a file or sheet whose rows × columns exceed the limit."""
    limit = max_cells or limits.max_cells
    if cells > limit:
        about = "about " if approximate else ""
        raise InputError(
            f"{'the sheet' if sheet else 'the file'} has {about}{cells:,} cells{how}, more than the {limit:,} we read "
            "in one file; delete the unused rows and columns, or export only the data you need",
            file=name, sheet=sheet,
        )


def utf16_byte_order(head: bytes) -> str | None:
    """'le' or 'be' when `head` looks like UTF-16 text without a BOM (every other byte a NUL)."""
    sample = head[: TEXT_SAMPLE_BYTES & ~1]
    if len(sample) < 4:
        return None
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    half = len(sample) // 2
    # ASCII-heavy UTF-16 text has a NUL in most high bytes and almost none in the low bytes
    if odd_nuls >= 0.4 * half and even_nuls <= 0.02 * half:
        return "le"
    if even_nuls >= 0.4 * half and odd_nuls <= 0.02 * half:
        return "be"
    return None


def check_text(name: str, data: bytes | mmap.mmap, limits: Limits = DEFAULT_LIMITS) -> None:
    """A CSV/TSV/TXT upload must be text: no NULs (unless UTF-16) and few control characters."""
    check_size(name, len(data), limits)
    head = bytes(data[:TEXT_SAMPLE_BYTES])
    if _signature(head, printable=False):
        raise _not_text(name, head)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = head[2:].decode("utf-16-le" if head[0] == 0xFF else "utf-16-be", errors="ignore")
    elif (order := utf16_byte_order(head)) is not None:
        text = head.decode(f"utf-16-{order}", errors="ignore")
    elif b"\x00" in head:
        raise _not_text(name, head)
    else:
        text = head.decode("latin-1")
    controls = sum(text.count(c) for c in _CONTROL_CHARACTERS)
    if text and controls > 0.01 * len(text) + 2:
        raise _not_text(name, head)
    _check_line_lengths(name, data)


MAX_LINE_BYTES = 1_000_000  # a spreadsheet row is never a megabyte: millions of columns are an attack


def _line_ends(raw: np.ndarray) -> np.ndarray:
    """Positions of the line ends: LF, or CR alone in a file without one (Excel's "CSV (Macintosh)")."""
    ends = np.flatnonzero(raw == 10)
    return ends if ends.size else np.flatnonzero(raw == 13)


def _check_line_lengths(name: str, data: bytes | mmap.mmap) -> None:
    """Refuse a text file with a line over MAX_LINE_BYTES, before any parser builds its
    millions of columns (one vectorised scan of the newline positions)."""
    raw = np.frombuffer(data, dtype=np.uint8)
    lengths = np.diff(np.concatenate(([-1], _line_ends(raw), [raw.size])))
    longest = int(lengths.max()) if lengths.size else 0
    if longest > MAX_LINE_BYTES:
        line = int(np.argmax(lengths)) + 1
        raise InputError(f"line {line} is {longest / 1e6:.1f} MB long: a table export has short lines "
                         "(this looks like millions of columns or a file that is not a table)", file=name)


MAX_COLUMNS = 16_384  # Excel's and LibreOffice's widest sheet (column XFD)


def check_columns(name: str, data: bytes | mmap.mmap, delimiter: str) -> None:
    """Refuse a text file with a line of more than MAX_COLUMNS cells, before a parser builds
    them: only a line longer than MAX_COLUMNS bytes can hold that many, and each one's
    delimiters are counted (quoted ones too: a line so wide is no table either way)."""
    raw = np.frombuffer(data, dtype=np.uint8)
    bounds = np.concatenate(([-1], _line_ends(raw), [raw.size]))
    wide = np.flatnonzero(np.diff(bounds) > MAX_COLUMNS)
    for line in wide:
        cells = int(np.count_nonzero(raw[bounds[line] + 1:bounds[line + 1]] == ord(delimiter))) + 1
        if cells > MAX_COLUMNS:
            raise InputError(f"line {line + 1} has {cells:,} cells, more than the {MAX_COLUMNS:,} columns a "
                             "spreadsheet holds; this is not a table export, or its delimiter is wrong", file=name)


# Control characters that never appear in a CSV (tab, newline, carriage return, form feed do).
_CONTROL_CHARACTERS = [chr(c) for c in range(32) if chr(c) not in "\t\n\r\f"] + ["\x7f"]


# ── workbooks ─────────────────────────────────────────────────────────────────────────────

def check_workbook(name: str, data: bytes, limits: Limits = DEFAULT_LIMITS) -> str:
    """Pre-flight checks of an XLSX/XLSM/ODS/XLS upload; returns its real format: 'xlsx', 'ods'
    or 'xls' (whatever its name says: an XLSX renamed .xls is common and fine)."""
    check_size(name, len(data), limits)
    if data.startswith(ZIP_MAGIC):
        return _check_zip_workbook(name, data, limits)
    if data.startswith(CFB_MAGIC):
        _check_cfb_workbook(name, data)
        return "xls"
    head = data[:4096].lstrip(b"\xef\xbb\xbf").lstrip()
    if head[:1] == b"<" and re.search(rb"<(html|table|!doctype)", head[:1024], re.I):
        raise InputError(
            "this is a web page (HTML) saved with an Excel name, not a workbook; open it in Excel and "
            "save it as .xlsx, or export the data as CSV", file=name,
        )
    signature = _signature(data)
    if signature is None and b"\x00" not in head:
        raise InputError("this is a text file saved with an Excel name, not a workbook; rename it .csv", file=name)
    what = f"it is {signature[0]}" if signature else "its content is not a workbook"
    raise InputError(f"cannot read this workbook: {what}; save it again as .xlsx", file=name)


def _zip_entry_count(name: str, data: bytes) -> int:
    """Entries declared by the zip's end-of-central-directory record, read before `zipfile`
    builds one object per entry (millions of tiny entries would cost gigabytes)."""
    tail_start = max(0, len(data) - (22 + 65535))
    end = data.rfind(EMPTY_ZIP_MAGIC, tail_start)
    if end < 0 or end + 22 > len(data):
        raise InputError(_CORRUPT, file=name)
    entries = struct.unpack_from("<H", data, end + 10)[0]
    if entries == 0xFFFF:  # zip64: the real count is in the zip64 end record
        locator = end - 20
        if locator >= 0 and data[locator:locator + 4] == b"PK\x06\x07":
            offset = struct.unpack_from("<Q", data, locator + 8)[0]
            if offset + 56 <= len(data) and data[offset:offset + 4] == b"PK\x06\x06":
                entries = struct.unpack_from("<Q", data, offset + 32)[0]
    return entries


def _check_zip_workbook(name: str, data: bytes, limits: Limits) -> str:
    entries = _zip_entry_count(name, data)
    if entries > limits.max_members:
        raise InputError(
            f"this workbook's archive holds {entries:,} parts, more than the {limits.max_members:,} a workbook "
            "ever needs; it is damaged or was crafted; save it again from Excel", file=name,
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except _ZIP_ERRORS:
        raise InputError(_CORRUPT, file=name) from None
    with archive:
        if any(m.flag_bits & 0x1 for m in members):
            raise InputError(PASSWORD_MESSAGE, file=name)
        if overlap := crafted.overlapping_member(members):
            raise InputError(f"this workbook's archive was crafted: part {overlap!r} overlaps another part's bytes "
                             "(a zip bomb's trick); save it again from Excel", file=name)
        kind = _zip_kind(name, archive, {m.filename.lower() for m in members})
        if kind == "xlsx":
            sheets = _worksheet_heads(name, archive, members)
            _check_xlsx_dimensions(name, sheets, limits)
            _check_inflation(name, members, limits)
            _check_undeclared_sheets(name, sheets, limits)
            _check_xml_prologs(name, archive, members)
            _check_xlsx_extents(name, archive, sheets, limits)
        else:
            _check_inflation(name, members, limits)
            _check_xml_prologs(name, archive, members)
            _check_ods_cells(name, archive, limits)
    return kind


def _check_xml_prologs(name: str, archive: zipfile.ZipFile, members: list[zipfile.ZipInfo]) -> None:
    try:
        part = crafted.xml_part_with_declarations(archive, members)
    except _ZIP_ERRORS:
        raise InputError(_CORRUPT, file=name) from None
    if part:
        raise InputError(f"this workbook's part {part!r} declares XML entities (a DOCTYPE), which no spreadsheet "
                         "program writes: it was crafted to exhaust or probe the server; save it again from Excel",
                         file=name)


def _check_xlsx_extents(name: str, archive: zipfile.ZipFile, sheets: list[_Worksheet], limits: Limits) -> None:
    """The grid each worksheet's cells really reach (a reader allocates all of it), whatever its
    `<dimension>` declares: one cell at XFD1048576 is 17 billion cells."""
    for sheet in sheets:
        try:
            with archive.open(sheet.member) as stream:
                rows, columns = crafted.sheet_extent(stream)
        except _ZIP_ERRORS:
            raise InputError(_CORRUPT, file=name) from None
        check_cells(name, rows * columns, limits, sheet=sheet.sheet, max_cells=limits.max_workbook_cells,
                    how=f" (its cells reach row {rows:,} and column {columns:,})")


def _zip_kind(name: str, archive: zipfile.ZipFile, names: set[str]) -> str:
    if "mimetype" in names:
        try:
            with archive.open("mimetype") as stream:
                mimetype = stream.read(200)
        except (KeyError, *_ZIP_ERRORS):
            mimetype = b""
        if b"opendocument.spreadsheet" in mimetype and "content.xml" in names:
            return "ods"
        if b"opendocument" in mimetype:
            raise InputError("this is an OpenDocument file but not a spreadsheet; export the data as ODS, XLSX or CSV",
                             file=name)
    if "xl/workbook.bin" in names:
        raise InputError("this is an Excel binary workbook (.xlsb), which we do not read; save it as .xlsx", file=name)
    if "xl/workbook.xml" in names:
        return "xlsx"
    raise InputError(
        "this is a ZIP archive but not a spreadsheet (no workbook inside); export the data as XLSX or CSV", file=name,
    )


@dataclass(frozen=True)
class _Worksheet:
    member: zipfile.ZipInfo
    sheet: str  # the name the user sees, else the part's name
    head: bytes  # the XML before <sheetData>, at most 16 KB


MAX_WORKSHEETS = 1_000


def _worksheet_heads(name: str, archive: zipfile.ZipFile, members: list[zipfile.ZipInfo]) -> list[_Worksheet]:
    parts = [m for m in members if re.fullmatch(r"xl/(worksheets|chartsheets|dialogsheets|macrosheets)/[^/]+\.xml",
                                                m.filename, re.I)]
    if len(parts) > MAX_WORKSHEETS:
        raise InputError(f"this workbook has {len(parts):,} sheets, more than the {MAX_WORKSHEETS:,} we read; "
                         "keep the sheets with data and save it again", file=name)
    names = _sheet_names(archive, members)
    return [_Worksheet(m, names.get(m.filename, m.filename), _member_head(name, archive, m)) for m in parts]


def _check_inflation(name: str, members: list[zipfile.ZipInfo], limits: Limits) -> None:
    total = sum(m.file_size for m in members)
    for m in members:
        ratio = m.file_size / max(m.compress_size, 1)
        if m.file_size > limits.ratio_min_bytes and ratio > limits.max_ratio:
            raise InputError(
                f"this workbook inflates from {human_bytes(m.compress_size)} to "
                f"{human_bytes(m.file_size)} (part {m.filename!r}, {ratio:,.0f}:1); real sheets compress 5 to 30 "
                "times, so this looks like a zip bomb. If it is your file, delete the empty formatted rows and "
                "columns and save it again", file=name,
            )
    if total > limits.max_uncompressed_bytes:
        raise InputError(
            f"this workbook inflates to {human_bytes(total)}, more than the "
            f"{human_bytes(limits.max_uncompressed_bytes)} we read; delete unused sheets, rows and columns, "
            "or export the data as CSV", file=name,
        )


_DIMENSION = re.compile(
    rb"<(?:\w+:)?dimension\b[^>]*?\bref\s*=\s*[\"']([A-Za-z$]*)\$?(\d*)(?::\$?([A-Za-z]+)\$?(\d+))?[\"']"
)
_SHEET_DATA = re.compile(rb"<(?:\w+:)?sheetData\b")


def _column_number(letters: bytes) -> int:
    number = 0
    for c in letters.upper().replace(b"$", b""):
        number = number * 26 + (c - 64)
    return number


def _sheet_names(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo]) -> dict[str, str]:
    """Worksheet part → the sheet name the user sees, from xl/workbook.xml and its rels (read
    bounded; any surprise just leaves the part name)."""
    def small(part: str) -> bytes:
        info = next((m for m in members if m.filename == part), None)
        if info is None or info.file_size > 4 * MB:
            return b""
        with archive.open(info) as stream:
            return stream.read(4 * MB)

    try:
        workbook, rels = small("xl/workbook.xml"), small("xl/_rels/workbook.xml.rels")
    except _ZIP_ERRORS:
        return {}
    targets = {}
    for tag in re.findall(rb"<(?:\w+:)?Relationship\b[^>]*>", rels):
        rid, target = re.search(rb'\bId="([^"]*)"', tag), re.search(rb'\bTarget="([^"]*)"', tag)
        if rid and target:
            path = target.group(1).decode("utf-8", "replace").lstrip("/")
            targets[rid.group(1)] = path if path.startswith("xl/") else f"xl/{path}"
    names = {}
    for tag in re.findall(rb"<(?:\w+:)?sheet\b[^>]*>", workbook):
        sheet, rid = re.search(rb'\bname="([^"]*)"', tag), re.search(rb'\br:id="([^"]*)"|\bid="([^"]*)"', tag)
        if sheet and rid:
            part = targets.get(rid.group(1) or rid.group(2))
            if part:
                names[part] = html.unescape(sheet.group(1).decode("utf-8", "replace"))
    return names


def _check_xlsx_dimensions(name: str, sheets: list[_Worksheet], limits: Limits) -> None:
    """Sum each worksheet's declared `<dimension>`, read from its first 16 KB only. A declaration
    larger than the part could hold (size ÷ 15 bytes) is capped at that: real data that large
    cannot hide in a small part, and some writers declare a far too wide range."""
    total = 0
    for sheet in sheets:
        found = _DIMENSION.search(sheet.head)
        if not found or not found.group(2):
            continue
        first_col, first_row, last_col, last_row = found.groups()
        rows = int(last_row or first_row) - int(first_row) + 1
        cols = _column_number(last_col or first_col) - _column_number(first_col) + 1
        declared = max(rows, 0) * max(cols, 0)
        cells = min(declared, sheet.member.file_size // MIN_CELL_XML_BYTES)
        total += cells
        ref = found.group(0).split(b"ref", 1)[1].strip(b" =\"'").decode("ascii", "replace")
        check_cells(name, cells, limits, sheet=sheet.sheet, max_cells=limits.max_workbook_cells,
                    how=f" (range {ref})")
    check_cells(name, total, limits, max_cells=limits.max_workbook_cells, how=" in its sheets together")


def _check_undeclared_sheets(name: str, sheets: list[_Worksheet], limits: Limits) -> None:
    """A worksheet without `<dimension>` is bounded by its XML's size instead."""
    limit = limits.max_workbook_cells * limits.undeclared_bytes_per_cell
    for sheet in sheets:
        size = sheet.member.file_size
        if size > limit and not _DIMENSION.search(sheet.head):
            raise InputError(
                f"the sheet's XML is {human_bytes(size)} and declares no range, more than the "
                f"{human_bytes(limit)} we read without one (about {limits.max_workbook_cells:,} cells); "
                "export the data as CSV, or save the workbook again from Excel",
                file=name, sheet=sheet.sheet,
            )


def _member_head(name: str, archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bytes:
    """The first bytes of a member, up to its <sheetData> (where <dimension> must come before)."""
    try:
        with archive.open(member) as stream:
            head = stream.read(HEAD_BYTES)
    except _ZIP_ERRORS:
        raise InputError(_CORRUPT, file=name) from None
    cut = _SHEET_DATA.search(head)
    return head[: cut.start()] if cut else head


_ODS_TOKEN = re.compile(
    rb"<table:table-row\b([^>]*)>|</table:table-row>|<table:(?:covered-)?table-cell\b([^>]*?)(/?)>"
    rb"|<table:table\b[\s>]"
)
_ODS_ROWS_REPEATED = re.compile(rb'number-rows-repeated="(\d+)"')
_ODS_COLUMNS_REPEATED = re.compile(rb'number-columns-repeated="(\d+)"')


def _check_ods_cells(name: str, archive: zipfile.ZipFile, limits: Limits) -> None:
    """ODS declares no dimension but repeats: `number-rows-repeated="1000000"` around a filled cell
    repeated 16384 times is a billion cells from a few bytes. Count filled cells × repeats in a
    streaming scan of content.xml (empty repeated cells, which LibreOffice writes to the sheet's
    end, cost nothing). Linear in content.xml, whose size the caller has already bounded."""
    try:
        stream = archive.open("content.xml")
    except KeyError:
        raise InputError("this ODS file has no content.xml: it is damaged; save it again", file=name) from None
    except _ZIP_ERRORS:
        raise InputError(_CORRUPT, file=name) from None
    total = 0
    row_repeat, row_cells = 1, 0
    # the grid a reader builds: rows down to the last filled one, columns out to the last filled
    # cell, counting the empty repeats before them (one value after 16,383 empty cells and
    # 1,048,574 empty rows is a 17-billion-cell grid)
    rows_above = column = last_column = grid_rows = grid_columns = 0
    carry = b""
    with stream:
        while True:
            try:
                chunk = stream.read(1 << 20)
            except _ZIP_ERRORS:
                raise InputError(_CORRUPT, file=name) from None
            buffer = carry + chunk
            # keep any partial tag at the end for the next round
            cut = buffer.rfind(b"<") if chunk else len(buffer)
            if cut < 0 or (chunk and buffer.find(b">", cut) >= 0):
                cut = len(buffer)
            for token in _ODS_TOKEN.finditer(buffer, 0, cut):
                row_attrs, cell_attrs, self_closing = token.groups()
                if token.group(0).startswith(b"<table:table") and not token.group(0).startswith(b"<table:table-"):
                    rows_above = grid_rows = grid_columns = 0  # a new sheet
                elif row_attrs is not None:
                    repeated = _ODS_ROWS_REPEATED.search(row_attrs)
                    row_repeat, row_cells, column, last_column = (int(repeated.group(1)) if repeated else 1), 0, 0, 0
                elif cell_attrs is not None:
                    repeated = _ODS_COLUMNS_REPEATED.search(cell_attrs)
                    span = int(repeated.group(1)) if repeated else 1
                    column += span
                    # a cell with content, or with its value in attributes (office:value-type="float")
                    if not self_closing or b"value-type" in cell_attrs:
                        row_cells += span
                        last_column = column
                else:  # end of row
                    total += row_repeat * row_cells
                    rows_above += row_repeat
                    if row_cells:
                        grid_rows, grid_columns = max(grid_rows, rows_above), max(grid_columns, last_column)
                    row_repeat, row_cells = 1, 0
                    if total > limits.max_workbook_cells:
                        check_cells(name, total, limits, approximate=False, max_cells=limits.max_workbook_cells,
                                    how=" (counting repeated cells)")
                    if grid_rows * grid_columns > limits.max_workbook_cells:
                        check_cells(name, grid_rows * grid_columns, limits, max_cells=limits.max_workbook_cells,
                                    how=f" (its cells reach row {grid_rows:,} and column {grid_columns:,})")
            carry = buffer[cut:]
            if not chunk:
                break
            if len(carry) > 1 << 20:  # a "tag" longer than a megabyte is no spreadsheet
                raise InputError("this ODS file is malformed; save it again", file=name)


# An encrypted OOXML workbook is not a zip at all but an OLE2 (CFB) container holding the
# encrypted zip in a stream named "EncryptedPackage"; Excel 97-2003 (.xls) files are OLE2 too,
# with a "Workbook" (or "Book") stream that starts with a FILEPASS record when encrypted.
PASSWORD_MESSAGE = "this workbook is password-protected: remove the password in Excel and export it again"


def _check_cfb_workbook(name: str, data: bytes) -> None:
    names = cfb_stream_names(data)
    if names is None:
        raise InputError(_CORRUPT, file=name)
    if "EncryptedPackage" in names or "EncryptionInfo" in names:
        raise InputError(PASSWORD_MESSAGE, file=name)
    stream = names.get("Workbook") or names.get("Book")
    if stream is None:
        raise InputError(
            "this is an Office file but not an Excel workbook (no Workbook stream); save it as .xlsx", file=name,
        )
    start, stream_size = stream
    sector_size = 1 << struct.unpack_from("<H", data, 0x1E)[0]
    if stream_size >= 4096:  # big streams live in regular sectors; look at the first records
        offset = (start + 1) * sector_size
        records = data[offset:offset + min(sector_size, stream_size)]
        position = 0
        for _ in range(8):  # BOF, then FILEPASS comes first when the workbook is encrypted
            if position + 4 > len(records):
                break
            kind, length = struct.unpack_from("<HH", records, position)
            if kind == 0x002F:
                raise InputError(PASSWORD_MESSAGE, file=name)
            position += 4 + length


# ── Parquet ───────────────────────────────────────────────────────────────────────────────

def check_parquet(name: str, data: bytes, limits: Limits = DEFAULT_LIMITS) -> None:
    check_size(name, len(data), limits)
    if data.startswith(PARQUET_MAGIC) and (len(data) < 12 or not data.endswith(PARQUET_MAGIC)):
        raise InputError("this Parquet file is truncated or damaged (its footer is missing); export it again",
                         file=name)
    if not data.startswith(PARQUET_MAGIC):
        signature = _signature(data)
        what = f": it is {signature[0]}" if signature else " (another format, or damaged)"
        raise InputError(f"this is not a Parquet file{what}; export it again", file=name)
    footer = struct.unpack_from("<I", data, len(data) - 8)[0]
    if footer + 12 > len(data) or footer > 64 * MB:
        raise InputError("this Parquet file is damaged (its footer is inconsistent); export it again", file=name)
    import pyarrow.parquet as pq  # pyarrow is heavy; only Parquet uploads pay for the import

    try:
        metadata = pq.ParquetFile(io.BytesIO(data)).metadata
    except Exception:  # pyarrow raises ArrowInvalid, OSError and friends for a damaged footer
        raise InputError("this Parquet file is damaged (unreadable metadata); export it again", file=name) from None
    check_cells(name, metadata.num_rows * max(metadata.num_columns, 1), limits,
                how=f" ({metadata.num_rows:,} rows × {metadata.num_columns:,} columns)")
    in_groups = sum(metadata.row_group(i).num_rows for i in range(metadata.num_row_groups))
    if in_groups != metadata.num_rows:  # a footer that lies about its row groups
        raise InputError(f"this Parquet file is damaged: its row groups hold {in_groups:,} rows but it declares "
                         f"{metadata.num_rows:,}; export it again", file=name)
    inflated = sum(metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups))
    if inflated > limits.max_uncompressed_bytes:
        raise InputError(
            f"this Parquet file inflates to {human_bytes(inflated)}, more than the "
            f"{human_bytes(limits.max_uncompressed_bytes)} we read; export fewer rows or columns", file=name,
        )
