"""What a spreadsheet program never writes, but a file crafted against our parsers does.

`kpi.ingest.safety` bounds what a file *declares*; these functions look for the structures that
only an attacker (or a badly broken tool) produces, and that cost a parser far more than the
file's size suggests:

- zip entries whose bytes overlap (David Fifield's "better zip bomb" points thousands of
  directory entries at one compressed kernel);
- XML with a DOCTYPE or entity declarations (the billion laughs, the quadratic blow-up, an
  external entity reading `file:///etc/passwd`): the Open Packaging Conventions forbid DTDs in
  an XLSX, and neither Excel nor LibreOffice writes one in a workbook;
- the extent a worksheet's cells really reach (one cell at XFD1048576 makes a dense reader
  allocate 17 billion cells, whatever `<dimension>` says);
- an OLE2 (.xls) sector chain that loops back on itself.

Each returns what it found (or None) and lets `kpi.ingest.safety` word the refusal; each reads
the bytes once, in bounded chunks.
"""

from __future__ import annotations

import re
import zipfile
import zlib

CHUNK_BYTES = 4 << 20
PROLOG_BYTES = 64 * 1024  # an XML part's declaration and root tag come in its first bytes
# what reading a damaged zip member raises (zlib.error: garbage where deflate data should be)
DAMAGED = (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError, RuntimeError)


def overlapping_member(members: list[zipfile.ZipInfo]) -> str | None:
    """The name of a member whose local header and data start inside another member's (each
    member takes at least 30 + len(name) + compressed size bytes from its header offset)."""
    spans = sorted((m.header_offset, m.header_offset + 30 + len(m.orig_filename.encode()) + m.compress_size,
                    m.filename) for m in members)
    for (_, end, _), (start, _, filename) in zip(spans, spans[1:]):
        if start < end:
            return filename
    return None


_XML_ROOT = re.compile(rb"<[A-Za-z_]")
_DECLARATION = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.I)


def xml_part_with_declarations(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo]) -> str | None:
    """The first XML part (`.xml`, `.rels`) whose prolog declares a DOCTYPE or an entity, or
    whose root element does not start within its first 64 KB (a prolog padded to hide one).
    A damaged part is left to the reader, which reports it."""
    for member in members:
        if not member.filename.lower().endswith((".xml", ".rels")) or member.file_size == 0:
            continue
        try:
            with archive.open(member) as stream:
                head = stream.read(PROLOG_BYTES)
        except DAMAGED:  # the reader reports a damaged part; its prolog cannot be parsed either
            continue
        if head.startswith((b"\xff\xfe", b"\xfe\xff")) or head[1:2] == b"\0" or head[:1] == b"\0":
            head = head.decode("utf-16", "ignore").encode("utf-8", "ignore")
        root = _XML_ROOT.search(head)
        if _DECLARATION.search(head[: root.start()] if root else head):
            return member.filename
        if root is None and member.file_size > PROLOG_BYTES:
            return member.filename
    return None


_ROW_NUMBER = re.compile(rb"<(?:\w+:)?row\b[^>]*?\sr\s*=\s*[\"'](\d{1,12})")
_CELL_COLUMN = re.compile(rb"<(?:\w+:)?c\b[^>]*?\sr\s*=\s*[\"']\$?([A-Za-z]{1,6})")
_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s>/]")
_CELL_TAG = re.compile(rb"<(?:\w+:)?c[\s>/]")


# What Excel, LibreOffice, openpyxl and XlsxWriter write: no prefix, `r` first, double quotes.
_PLAIN_ROW_NUMBER = re.compile(rb'<row r="(\d{1,12})"')
_PLAIN_CELL_COLUMN = re.compile(rb'<c r="([A-Z]{1,6})\d')
_NOT_PLAIN = (b":c", b":row", b"<c\t", b"<c\n", b"<c\r", b"<row\t", b"<row\n", b"<row\r")


def _plain_refs(part: bytes) -> tuple[list[bytes], list[bytes]] | None:
    """(row numbers, cell column letters) when every row and cell tag of `part` is written the
    plain way (then fixed-prefix patterns find them ~6× faster than `_ROW_NUMBER`/`_CELL_COLUMN`,
    which look at every tag's attributes); None when any is not, or when any names no reference."""
    if any(marker in part for marker in _NOT_PLAIN):
        return None
    numbers, named = _PLAIN_ROW_NUMBER.findall(part), _PLAIN_CELL_COLUMN.findall(part)
    rows = part.count(b"<row ") + part.count(b"<row>") + part.count(b"<row/")
    cells = part.count(b"<c ") + part.count(b"<c>") + part.count(b"<c/")
    return (numbers, named) if (len(numbers), len(named)) == (rows, cells) else None


def column_number(letters: bytes) -> int:
    """`A` → 1, `XFD` → 16384."""
    number = 0
    for c in letters.upper():
        number = number * 26 + (c - 64)
    return number


def sheet_extent(stream) -> tuple[int, int]:
    """(rows, columns) of the grid a dense reader builds for a worksheet's XML: up to the last
    row and column its cells name, plus the rows and cells that name none (a reader places
    them after the previous one), counted in one streaming pass over the part."""
    last_row = last_column = unnamed_rows = unnamed_cells = 0
    letters: set[bytes] = set()
    carry = b""
    while True:
        chunk = stream.read(CHUNK_BYTES)
        buffer = carry + chunk
        cut = buffer.rfind(b"<") if chunk else len(buffer)
        if cut < 0 or (chunk and buffer.find(b">", cut) >= 0):
            cut = len(buffer)
        part = buffer[:cut]
        plain = _plain_refs(part)
        numbers, named = plain if plain is not None else (_ROW_NUMBER.findall(part), _CELL_COLUMN.findall(part))
        if numbers:
            last_row = max(last_row, max(map(int, numbers)))
        letters.update(named)
        if plain is None:
            unnamed_rows += len(_ROW_TAG.findall(part)) - len(numbers)
            unnamed = len(_CELL_TAG.findall(part)) - len(named)
            if unnamed:  # cells without a reference: at most as many columns as one row holds
                unnamed_cells = max(unnamed_cells, _most_unnamed_cells_in_a_row(part))
        carry = buffer[cut:]
        if not chunk:
            break
        if len(carry) > CHUNK_BYTES:  # one "tag" of megabytes: no worksheet has that
            break
    if letters:
        last_column = max(column_number(c) for c in letters)
    return last_row + max(unnamed_rows, 0), last_column + unnamed_cells


def _most_unnamed_cells_in_a_row(part: bytes) -> int:
    return max((len(_CELL_TAG.findall(row)) - len(_CELL_COLUMN.findall(row)) for row in _ROW_TAG.split(part)),
               default=0)


def looping_chain(fat: list[int], start: int, limit: int) -> bool:
    """Whether the sector chain from `start` in an OLE2 file allocation table visits a sector
    twice or runs past `limit` sectors (the file's own count)."""
    seen: set[int] = set()
    sector = start
    while sector < 0xFFFFFFFA:
        if sector in seen or len(seen) > limit or sector >= len(fat):
            return sector in seen or len(seen) > limit
        seen.add(sector)
        sector = fat[sector]
    return False
