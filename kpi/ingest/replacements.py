"""Next month's files into the same workspace: which uploaded file replaces which stored one,
and which sheet keeps which mapping.

A founder exports the same files every month. An uploaded file replaces a stored file with the
same name; failing that, the one stored file with the same layout (the layout signatures of its
sheets with data, `kpi.ingest.layouts.layout_signature`: same headers in any order, case or
accents); failing that, it is a new file. A replaced sheet keeps its mapping, re-keyed to the new
file name, as long as every column it names is still in the new sheet.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from collections.abc import Mapping as MappingABC
from dataclasses import dataclass

from kpi.ingest.io import Sheet
from kpi.ingest.layouts import layout_signature
from kpi.ingest.mapping import Mapping, TableMapping

SAME_NAME, SAME_LAYOUT, NEW_FILE = "same name", "same layout", "new file"


@dataclass(frozen=True)
class FileMatch:
    """What one uploaded file does to a workspace: `replaces` the stored file of that name
    (reason SAME_NAME or SAME_LAYOUT), or None when it is added (reason NEW_FILE)."""

    upload: str
    replaces: str | None
    reason: str


def file_layout(sheets: Iterable[Sheet]) -> frozenset[str]:
    """A file's layout: the set of layout signatures of its sheets that have data rows (a file
    without any has the empty layout, which matches nothing)."""
    return frozenset(layout_signature(sheet) for sheet in sheets if len(sheet.frame) and len(sheet.frame.columns))


def match_files(uploads: MappingABC[str, frozenset[str]], stored: MappingABC[str, frozenset[str]]) -> list[FileMatch]:
    """One FileMatch per uploaded file (name → layout), in upload order, against the stored
    files (name → layout). First match wins, each stored file is replaced at most once:

    1. an upload with a stored file's name replaces it (SAME_NAME);
    2. else an upload whose non-empty layout is that of exactly one stored file replaces it
       (SAME_LAYOUT), unless rule 1 or an earlier upload already replaced that file;
    3. else the upload is a NEW_FILE — also when several stored files share its layout (one
       export per month, say: which one it would follow is not ours to guess).
    """
    taken = {name for name in uploads if name in stored}
    matches = []
    for name, layout in uploads.items():
        if name in stored:
            matches.append(FileMatch(name, name, SAME_NAME))
            continue
        candidates = [old for old, old_layout in stored.items() if layout and old_layout == layout]
        if len(candidates) == 1 and candidates[0] not in taken:
            taken.add(candidates[0])
            matches.append(FileMatch(name, candidates[0], SAME_LAYOUT))
        else:
            matches.append(FileMatch(name, None, NEW_FILE))
    return matches


def carried_mapping(matches: Sequence[FileMatch], stored_mapping: Mapping, stored_sheets: Sequence[Sheet],
                    uploaded_sheets: Sequence[Sheet]) -> dict[str, TableMapping | None]:
    """What the sheets of replacing files keep, by new sheet key. An uploaded sheet follows the
    sheet of the file it replaces with the same sheet name, else the only one with the same
    layout signature. It keeps that sheet's mapping entry when every column the entry names is
    among its headers, or None when that sheet was left unmapped. A sheet that follows none,
    or whose columns are gone, is not in the result (it is recognised afresh), nor are the sheets
    of new files."""
    replaced = {m.upload: m.replaces for m in matches if m.replaces is not None}
    carried: dict[str, TableMapping | None] = {}
    for sheet in uploaded_sheets:
        if sheet.file not in replaced:
            continue
        olds = [old for old in stored_sheets if old.file == replaced[sheet.file]]
        same_sheet = [old for old in olds if old.sheet == sheet.sheet]
        same_layout = [old for old in olds if layout_signature(old) == layout_signature(sheet)]
        source = same_sheet[0] if same_sheet else same_layout[0] if len(same_layout) == 1 else None
        if source is None:
            continue
        mapping = stored_mapping.get(source.key)
        if mapping is None or set(mapping.columns.values()) <= set(map(str, sheet.frame.columns)):
            carried[sheet.key] = mapping
    return carried


def _rows(sheets: Iterable[Sheet]) -> dict[str, int]:
    """Data rows per file."""
    counts: dict[str, int] = {}
    for sheet in sheets:
        counts[sheet.file] = counts.get(sheet.file, 0) + len(sheet.frame)
    return counts


def _of_file(key: str, names: Iterable[str]) -> bool:
    return any(key == name or key.startswith(f"{name}:") for name in names)


@dataclass(frozen=True)
class Update:
    """Next month's files as one change to a workspace: `lines` says, per uploaded file, what
    happens to it (`change_text`); `put` holds the files whose bytes change, `remove` the stored
    files replaced under another name (old name → new name), `mapping` the whole new mapping."""

    matches: tuple[FileMatch, ...]
    lines: tuple[str, ...]
    put: dict[str, bytes]
    remove: dict[str, str]
    mapping: Mapping

    @property
    def changes_files(self) -> bool:
        return bool(self.put or self.remove)


def plan_update(stored_files: MappingABC[str, bytes], stored_sheets: Sequence[Sheet], stored_mapping: Mapping,
                uploads: MappingABC[str, bytes], uploaded_sheets: Sequence[Sheet], fresh: Mapping) -> Update:
    """The Update that puts `uploads` (name → bytes, read as `uploaded_sheets`) into a workspace
    holding `stored_files` (read as `stored_sheets`) mapped by `stored_mapping`. `fresh` is the
    mapping the upload page proposes for the uploaded sheets (remembered or recognised).

    mapping = stored entries of the files not replaced (in their order)
            + for each uploaded sheet, what `carried_mapping` keeps, else its `fresh` entry."""
    layouts = {name: file_layout(s for s in uploaded_sheets if s.file == name) for name in uploads}
    stored_layouts = {name: file_layout(s for s in stored_sheets if s.file == name) for name in stored_files}
    matches = match_files(layouts, stored_layouts)
    stored_rows, upload_rows = _rows(stored_sheets), _rows(uploaded_sheets)
    lines = tuple(change_text(m, stored_rows.get(m.replaces, 0) if m.replaces else None, upload_rows.get(m.upload, 0),
                              same_content=m.replaces is not None and stored_files[m.replaces] == uploads[m.upload])
                  for m in matches)
    replaced = [m.replaces for m in matches if m.replaces is not None]
    carried = carried_mapping(matches, stored_mapping, stored_sheets, uploaded_sheets)
    mapping = {key: entry for key, entry in stored_mapping.items() if not _of_file(key, replaced)}
    for sheet in uploaded_sheets:
        entry = carried[sheet.key] if sheet.key in carried else fresh.get(sheet.key)
        if entry is not None:
            mapping[sheet.key] = entry
    put = {m.upload: uploads[m.upload] for m in matches
           if m.replaces is None or stored_files[m.replaces] != uploads[m.upload] or m.replaces != m.upload}
    remove = {m.replaces: m.upload for m in matches if m.replaces is not None and m.replaces != m.upload}
    return Update(tuple(matches), lines, put, remove, mapping)


def change_text(match: FileMatch, rows_before: int | None, rows_now: int, *, same_content: bool = False) -> str:
    """How the change list says one file's fate: "replaces billing.csv (same name): 1,204 →
    1,251 rows", "replaces stripe_2026-10.csv (same layout): 1,204 → 1,251 rows", "new file:
    1,251 rows", "unchanged (same content as billing.csv)"."""
    if match.replaces is None:
        return f"new file: {rows_now:,} rows"
    if same_content:
        return f"unchanged (same content as {match.replaces})"
    before = f"{rows_before:,}" if rows_before is not None else "?"
    return f"replaces {match.replaces} ({match.reason}): {before} → {rows_now:,} rows"
