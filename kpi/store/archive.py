"""A workspace as one zip file, and back: written whole, read trusting nothing in it.

An export holds files/<name>, mapping.json, settings.json, snapshots/<YYYY-MM>.json and a
manifest.json (names, hashes, sizes, times). Reading one checks every size, count, name and
hash before anything is written to the database.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from kpi.errors import InputError
from kpi.store import queries
from kpi.store.model import MONTH, ImportLimits, Snapshot, StoredWorkspace

if TYPE_CHECKING:
    pass



def write_export(workspace: StoredWorkspace, reported: list[Snapshot], exported_at: datetime) -> bytes:
    """The workspace as one zip: files/<name>, mapping.json, settings.json,
    snapshots/<YYYY-MM>.json and manifest.json (names, hashes, sizes, times)."""
    manifest = {
        "format": "kpi-workbench workspace", "format_version": 1, "name": workspace.name,
        "exported_at": exported_at.isoformat(), "version": workspace.version,
        "files": [{"name": f.name, "path": f"files/{f.name}", "sha256": f.sha256, "size": f.size,
                   "uploaded_at": f.uploaded_at.isoformat(), "uploaded_by": f.uploaded_by}
                  for f in workspace.uploads],
        "snapshots": [{"month": s.month, "path": f"snapshots/{s.month}.json",
                       "reported_at": s.reported_at.isoformat(), "reported_by": s.reported_by}
                      for s in reported],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
        archive.writestr("mapping.json", workspace.mapping_json)
        archive.writestr("settings.json", workspace.settings_json)
        for name, content in workspace.files.items():
            archive.writestr(f"files/{name}", content)
        for snapshot in reported:
            archive.writestr(f"snapshots/{snapshot.month}.json",
                             json.dumps(snapshot.report, ensure_ascii=False, indent=1))
    return buffer.getvalue()


# ── Reading an exported zip, trusting nothing in it ────────────────────────────────────────


@dataclass(frozen=True)
class _ExportedFile:
    name: str
    uploaded_at: datetime
    uploaded_by: str | None


@dataclass(frozen=True)
class _ExportedSnapshot:
    month: str
    report: dict
    reported_at: datetime
    reported_by: str | None


@dataclass(frozen=True)
class _Export:
    name: str
    files: tuple[_ExportedFile, ...]
    bytes: dict[str, bytes]
    mapping_json: str
    settings_json: str
    snapshots: tuple[_ExportedSnapshot, ...]


_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError, RuntimeError)
_NOT_AN_EXPORT = "this is not a workspace export of the KPI workbench"


def _bad(reason: str) -> InputError:
    return InputError(f"{_NOT_AN_EXPORT}: {reason}", file="workspace zip")


def _read_export(data: bytes, limits: ImportLimits) -> _Export:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except _ZIP_ERRORS:
        raise _bad("not a readable zip file") from None
    if len(members) > limits.max_members:
        raise _bad(f"{len(members)} entries (at most {limits.max_members})")
    by_name: dict[str, zipfile.ZipInfo] = {}
    for member in members:
        name = member.filename
        if name in {"files/", "snapshots/"}:
            continue  # folder entries, as a zip tool adds when an unpacked export is zipped again
        parts = name.split("/")
        if (name.startswith("/") or "\\" in name or "\0" in name or ":" in parts[0]
                or any(part in {"", ".", ".."} for part in parts)):
            raise _bad(f"unsafe entry name '{name}'")
        if name in by_name:
            raise _bad(f"entry '{name}' appears twice")
        if member.flag_bits & 0x1:
            raise _bad(f"entry '{name}' is encrypted")
        allowed = name in {"manifest.json", "mapping.json", "settings.json"} or (
            len(parts) == 2 and parts[0] == "files") or (
            len(parts) == 2 and parts[0] == "snapshots" and MONTH.match(parts[1].removesuffix(".json"))
            and parts[1].endswith(".json"))
        if not allowed:
            raise _bad(f"unexpected entry '{name}'")
        limit = limits.max_file_bytes if parts[0] == "files" else limits.max_json_bytes
        if member.file_size > limit:
            raise _bad(f"entry '{name}' is too large ({member.file_size} bytes, at most {limit})")
        by_name[name] = member
    if sum(m.file_size for m in members) > limits.max_total_bytes:
        raise _bad(f"more than {limits.max_total_bytes} bytes once unpacked")
    for required in ("manifest.json", "mapping.json", "settings.json"):
        if required not in by_name:
            raise _bad(f"no {required}")

    def read(name: str) -> bytes:
        member = by_name[name]
        try:
            with archive.open(member) as handle:  # reads stop at the declared size, checked above
                content = handle.read(member.file_size + 1)
        except _ZIP_ERRORS:
            raise _bad(f"entry '{name}' is damaged") from None
        if len(content) != member.file_size:
            raise _bad(f"entry '{name}' is damaged")
        return content

    def read_json(name: str, kind: type = dict) -> Any:
        try:
            value = json.loads(read(name).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            raise _bad(f"{name} is not valid JSON") from None
        if not isinstance(value, kind):
            raise _bad(f"{name} is not a JSON object")
        return value

    manifest = read_json("manifest.json")
    if manifest.get("format") != "kpi-workbench workspace" or not isinstance(manifest.get("name"), str):
        raise _bad("manifest.json does not describe a workspace")
    if manifest.get("format_version") != 1:
        raise _bad(f"format version {manifest.get('format_version')!r} is not one this app reads (1)")
    try:
        listed_files = [(f["name"], f["sha256"], f["size"], _parse_time(f["uploaded_at"]), f.get("uploaded_by"))
                        for f in manifest.get("files", [])]
        listed_snapshots = [(s["month"], _parse_time(s["reported_at"]), s.get("reported_by"))
                            for s in manifest.get("snapshots", [])]
    except (KeyError, TypeError, ValueError):
        raise _bad("manifest.json lists its files or snapshots wrongly") from None

    in_zip = {name.split("/", 1)[1] for name in by_name if name.startswith("files/")}
    if sorted(name for name, *_ in listed_files) != sorted(in_zip):
        raise _bad("the files in the zip are not those its manifest lists")
    exported_files, contents = [], {}
    for name, digest, size, uploaded_at, uploaded_by in listed_files:
        queries.check_file_name(name)
        content = read(f"files/{name}")
        if len(content) != size or hashlib.sha256(content).hexdigest() != digest:
            raise _bad(f"file '{name}' does not match its hash in the manifest (damaged?)")
        contents[name] = content
        exported_files.append(_ExportedFile(name, uploaded_at, uploaded_by))

    in_zip = {name.split("/", 1)[1].removesuffix(".json") for name in by_name if name.startswith("snapshots/")}
    if sorted(month for month, *_ in listed_snapshots) != sorted(in_zip):
        raise _bad("the snapshots in the zip are not those its manifest lists")
    exported_snapshots = tuple(
        _ExportedSnapshot(month, read_json(f"snapshots/{month}.json"), reported_at, reported_by)
        for month, reported_at, reported_by in listed_snapshots)

    try:
        settings_json = read("settings.json").decode("utf-8")
        mapping_json = read("mapping.json").decode("utf-8")
    except UnicodeDecodeError:
        raise _bad("its mapping or settings are not UTF-8 text") from None
    try:
        queries.check_settings(settings_json)
    except InputError as error:
        raise _bad(f"settings.json: {error.message}") from None
    return _Export(manifest["name"], tuple(exported_files), contents, mapping_json, settings_json, exported_snapshots)


def _parse_time(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
