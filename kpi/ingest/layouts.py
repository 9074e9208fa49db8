"""Remembered mappings per file layout: next month's export with the same headers maps itself.

A layout is the set of a sheet's headers (case, accents and order ignored). When the user
confirms a mapping on the Map columns page, it is remembered for that layout; when a sheet of
the same layout is uploaded again, its remembered mapping is used instead of a guess.
Stored as one JSON file, written atomically (temporary file + rename), so a crash never
leaves it half written. Location: `$KPI_WORKBENCH_HOME/layouts.json`, default
`~/.kpi-workbench/layouts.json`.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from kpi.ingest.io import Sheet
from kpi.ingest.mapping import TableMapping
from kpi.ingest.recognise import tokens


def home() -> Path:
    return Path(os.environ.get("KPI_WORKBENCH_HOME") or Path.home() / ".kpi-workbench")


def layout_signature(sheet: Sheet) -> str:
    """Same headers (in any order, case or accents) → same signature."""
    words = sorted(" ".join(tokens(str(header))) or str(header).strip().lower() for header in sheet.frame.columns)
    return hashlib.sha256("\x1f".join(words).encode()).hexdigest()[:32]


class LayoutMemory:
    """The remembered mappings, keyed by layout signature."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or home() / "layouts.json"

    def _load(self) -> dict[str, dict]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            return {}  # nothing remembered yet, or an unreadable file: start afresh
        return data if isinstance(data, dict) else {}

    def recall(self, sheet: Sheet) -> TableMapping | None:
        """The mapping remembered for this sheet's layout, if its columns are all still there."""
        spec = self._load().get(layout_signature(sheet))
        if not spec:
            return None
        try:
            mapping = TableMapping.from_json(sheet.key, spec)
        except Exception:  # a remembered entry from an older version that no longer parses
            return None
        headers = set(map(str, sheet.frame.columns))
        return mapping if set(mapping.columns.values()) <= headers else None

    def remember(self, sheet: Sheet, mapping: TableMapping) -> None:
        data = self._load()
        signature = layout_signature(sheet)
        if data.get(signature) == mapping.to_json():
            return
        data[signature] = mapping.to_json()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".layouts-", suffix=".json")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(data, out, ensure_ascii=False, indent=1)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, self.path)
