"""The store's building blocks inside one transaction: locks, version bumps, loads, checks.

Each function takes an open SQLAlchemy `Connection`; `kpi.store.workspaces.Store` composes
them into its public, transactional methods.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    delete,
    func,
    insert,
    select,
    update,
)

from kpi.errors import InputError
from kpi.store.model import MONTH, NotFound, Snapshot, StoredFile, StoredWorkspace
from kpi.store.tables import AUDIT, FILES, MAPPINGS, SETTINGS, SHARES, SNAPSHOTS, WORKSPACES, _now

if TYPE_CHECKING:
    pass



def owner_is(owner: str | None) -> Any:
    return WORKSPACES.c.owner.is_(None) if owner is None else WORKSPACES.c.owner == owner


def visible_to(user: str | None) -> Any:
    """Workspaces `user` owns or is a named guest of (None: the ownerless, local ones)."""
    if user is None:
        return WORKSPACES.c.owner.is_(None)
    guest = select(SHARES.c.workspace_id).where(SHARES.c.email == user.strip().lower())
    return (WORKSPACES.c.owner == user) | WORKSPACES.c.id.in_(guest)


def lock(conn: Connection, workspace_id: int) -> Any:
    """The workspace's row, locked until the transaction ends (PostgreSQL; SQLite's write
    transaction already excludes every other writer)."""
    row = conn.execute(select(WORKSPACES).where(WORKSPACES.c.id == workspace_id).with_for_update()).first()
    if row is None:
        raise NotFound(workspace_id)
    return row


def load_row(conn: Connection, workspace_id: int) -> Any:
    """The workspace's row, unlocked (for a read); NotFound when there is none."""
    row = conn.execute(select(WORKSPACES).where(WORKSPACES.c.id == workspace_id)).first()
    if row is None:
        raise NotFound(workspace_id)
    return row


def bump(conn: Connection, row: Any) -> int:
    version = row.version + 1
    conn.execute(update(WORKSPACES).where(WORKSPACES.c.id == row.id).values(version=version, updated_at=_now()))
    return version


def file_row(workspace_id: int, name: str, content: bytes, at: datetime, by: str | None, revision: int) -> dict:
    return dict(workspace_id=workspace_id, name=name, sha256=hashlib.sha256(content).hexdigest(), size=len(content),
                content=content, uploaded_at=at, uploaded_by=by, revision=revision)


def load(conn: Connection, workspace_id: int) -> StoredWorkspace:
    row = conn.execute(select(WORKSPACES).where(WORKSPACES.c.id == workspace_id)).first()
    if row is None:
        raise NotFound(workspace_id)
    stored = conn.execute(select(FILES).where(FILES.c.workspace_id == workspace_id)
                          .order_by(FILES.c.uploaded_at, FILES.c.name)).all()
    settings_text = conn.scalar(select(SETTINGS.c.json).where(SETTINGS.c.workspace_id == workspace_id))
    return StoredWorkspace(
        id=row.id, name=row.name, files={f.name: bytes(f.content) for f in stored},
        mapping_json=read_mapping(conn, workspace_id),
        settings_json=settings_text if settings_text is not None else "{}", version=row.version, owner=row.owner,
        created_at=row.created_at, updated_at=row.updated_at,
        uploads=tuple(StoredFile(f.name, f.sha256, f.size, f.uploaded_at, f.uploaded_by, f.revision) for f in stored),
    )


def snapshots(conn: Connection, workspace_id: int) -> list[Snapshot]:
    rows = conn.execute(select(SNAPSHOTS).where(SNAPSHOTS.c.workspace_id == workspace_id)
                        .order_by(SNAPSHOTS.c.month)).all()
    return [Snapshot(r.month, json.loads(r.report), r.reported_at, r.reported_by, r.revision) for r in rows]


def write_mapping(conn: Connection, workspace_id: int, mapping_text: str) -> None:
    conn.execute(delete(MAPPINGS).where(MAPPINGS.c.workspace_id == workspace_id))
    entries = json.loads(mapping_text)
    if entries:
        conn.execute(insert(MAPPINGS), [
            dict(workspace_id=workspace_id, key=key, position=position, json=json.dumps(spec, ensure_ascii=False))
            for position, (key, spec) in enumerate(entries.items())
        ])


def read_mapping(conn: Connection, workspace_id: int) -> str:
    rows = conn.execute(select(MAPPINGS.c.key, MAPPINGS.c.json).where(MAPPINGS.c.workspace_id == workspace_id)
                        .order_by(MAPPINGS.c.position)).all()
    return _mapping_text({row.key: json.loads(row.json) for row in rows})


def _mapping_text(entries: dict) -> str:
    return json.dumps(entries, ensure_ascii=False, indent=2)  # as kpi.ingest.mapping.mapping_to_json writes it


def canonical_mapping(text: str, source: str = "mapping") -> str:
    from kpi.ingest.mapping import mapping_to_json, parse_mapping

    return mapping_to_json(parse_mapping(text, source=source))


def without_files(mapping_text: str, names: set[str]) -> str:
    entries = json.loads(mapping_text)
    return _mapping_text({key: spec for key, spec in entries.items()
                          if key not in names and key.split(":", 1)[0] not in names})


def check_settings(text: str) -> None:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"the settings are not valid JSON ({exc.msg}, line {exc.lineno})") from None
    except RecursionError:
        raise InputError("the settings are nested too deeply to be settings") from None
    if not isinstance(value, dict):
        raise InputError("the settings must be a JSON object")


def check_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise InputError("a workspace needs a name")
    if len(name) > 100 or any(ord(c) < 32 for c in name):
        raise InputError("a workspace name is at most 100 characters, on one line")
    return name


def check_file_name(name: str) -> str:
    if (not name or len(name) > 255 or name in {".", ".."} or any(c in name for c in "/\\\0")
            or any(ord(c) < 32 for c in name)):
        raise InputError(f"'{name}' is not a file name we can keep (no folders, at most 255 characters)", file=name)
    return name


def check_month(month: str) -> str:
    if not isinstance(month, str) or not MONTH.match(month):
        raise InputError(f"'{month}' is not a month: use YYYY-MM")
    return month


def free_name(conn: Connection, wanted: str, owner: str | None) -> str:
    """`wanted`, or `wanted (2)`, `(3)`… whichever the owner does not use yet."""
    taken = set(conn.scalars(select(WORKSPACES.c.name).where(owner_is(owner))))
    candidate, n = wanted, 1
    while candidate in taken:
        n += 1
        candidate = f"{wanted[:90]} ({n})"
    return candidate


def history_of(workspace_id: int) -> ColumnElement[bool]:
    """The audit rows of the workspace that has this id now: those after the last deletion of a
    workspace with the same id. SQLite gives a new workspace the id of a deleted last one, and
    the audit trail keeps a deleted workspace's rows (its name, who worked on it): without this,
    whoever got the id would read them (docs/security.md, "Ownership in the store")."""
    deleted = (select(func.coalesce(func.max(AUDIT.c.id), 0))
               .where(AUDIT.c.workspace_id == workspace_id, AUDIT.c.action == "delete").scalar_subquery())
    return (AUDIT.c.workspace_id == workspace_id) & (AUDIT.c.id > deleted)
