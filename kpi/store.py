"""Workspaces that remember: uploads, mappings, settings and reported snapshots in a database.

A `Store` keeps every workspace — its uploaded files (original bytes, name, SHA-256, upload
time), its mapping (../shared/CLI.md JSON), its settings (a JSON object) and the reports frozen
when a month was marked as reported — plus the mapping remembered per file layout and an audit
trail. It runs on SQLAlchemy Core: a SQLite file by default
(`$KPI_WORKBENCH_HOME/workbench.db`), PostgreSQL when `KPI_DATABASE_URL` is set. Opening a
store applies the schema migrations it lacks (`kpi.migrations`).

Durability. Every public write is one transaction: a process killed in the middle leaves the
previous state, whole. SQLite runs in WAL mode with `synchronous=FULL`, and a write takes the
database's write lock up front (`BEGIN IMMEDIATE`), waiting up to 30 s for another writer;
PostgreSQL locks the workspace's row first, so writes to one workspace queue up behind
each other instead of interleaving.

Two sessions saving the same workspace. Each workspace has a `version`, +1 on every write, and
each item — a file (by name), the mapping, the settings, a month's snapshot — remembers the
version that last wrote it. A write that passes `base_version` (the `version` of the workspace
as the caller loaded it) raises `Conflict`, and writes nothing, when an item it would change was
written by someone else after that version; items it does not change never conflict, so two
sessions saving different files, or one the mapping and the other the settings, both keep their
data. Saving again without `base_version` (or with the conflict's `current_version`) replaces
the item: last writer wins, after the user has been told. A write that changes nothing is not
a write. After saving, reload (`load`) before using the new version as a base: another
session may have saved something else in between.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import math
import os
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from collections.abc import Mapping as MappingABC
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    DateTime,
    Engine,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    create_engine,
    delete,
    event,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import IntegrityError

from kpi import migrations
from kpi.errors import InputError

if TYPE_CHECKING:
    from kpi.io import Sheet
    from kpi.mapping import Mapping, TableMapping
    from kpi.report import Settings

DEMO_NAME = "Plumeo (demo company)"
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
T = TypeVar("T")


# ── What goes in and out ───────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class StoredFile:
    """An uploaded file's particulars (its bytes are in `StoredWorkspace.files`)."""

    name: str
    sha256: str
    size: int
    uploaded_at: datetime
    uploaded_by: str | None
    revision: int  # the workspace version that wrote it


@dataclass(frozen=True)
class StoredWorkspace:
    """A workspace as saved: `version` is what to pass as `base_version` when saving it back."""

    id: int
    name: str
    files: dict[str, bytes]
    mapping_json: str  # ../shared/CLI.md format, as `kpi.mapping.mapping_to_json` writes it
    settings_json: str  # a JSON object (see `settings_to_json`)
    version: int
    owner: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    uploads: tuple[StoredFile, ...] = ()  # name, hash, size and upload time of each file

    @property
    def mapping(self) -> Mapping:
        from kpi.mapping import parse_mapping

        return parse_mapping(self.mapping_json, source="the saved mapping")

    @property
    def settings(self) -> Settings:
        return settings_from_json(self.settings_json)


@dataclass(frozen=True)
class WorkspaceInfo:
    """One line of the workspace list."""

    id: int
    name: str
    owner: str | None
    created_at: datetime
    updated_at: datetime
    version: int
    files: int


@dataclass(frozen=True)
class Snapshot:
    """The full JSON report of a month, frozen when the month was marked as reported."""

    month: str
    report: dict
    reported_at: datetime
    reported_by: str | None
    revision: int


@dataclass(frozen=True)
class Change:
    """One KPI whose value differs from the reported one. `key` is its path in the JSON report
    (`revenue.mrr`, `series[2025-03].churn`, `cohorts.logo.2024-01[2]`); `difference` is
    now − reported when both are numbers, else None."""

    key: str
    reported: Any
    now: Any
    difference: float | None


@dataclass(frozen=True)
class Restatement:
    """A reported month whose numbers the current data changes."""

    month: str
    reported_at: datetime
    reported_by: str | None
    changes: tuple[Change, ...]


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    who: str | None
    action: str
    workspace_id: int | None
    revision: int | None
    detail: dict


class Conflict(Exception):
    """Another session changed an item after the version this save was based on; nothing was
    written. Save again without `base_version` (or with `current_version`) to replace it."""

    def __init__(self, workspace_id: int, item: str, base_version: int, current_version: int,
                 changed_at: datetime | None = None, changed_by: str | None = None) -> None:
        self.workspace_id = workspace_id
        self.item = item
        self.base_version = base_version
        self.current_version = current_version
        self.changed_at = changed_at
        self.changed_by = changed_by
        who = f" by {changed_by}" if changed_by else ""
        when = f" at {changed_at:%Y-%m-%d %H:%M:%S} UTC" if changed_at else ""
        super().__init__(f"{item[0].upper()}{item[1:]} was changed in another session{who}{when}, after you "
                         f"opened this workspace; nothing was saved. Reload to see that change, or save "
                         f"again to replace it with yours.")


class NotFound(LookupError):
    """The workspace does not exist (any more: another session may have deleted it)."""

    def __init__(self, workspace_id: int) -> None:
        super().__init__(f"workspace {workspace_id} does not exist (it may have been deleted in another session)")
        self.workspace_id = workspace_id


@dataclass(frozen=True)
class ImportLimits:
    """What a workspace zip may ask of the server before a byte of it is inflated."""

    max_members: int = 2_000
    max_file_bytes: int = 200 * 1_000_000  # one uploaded file, as Streamlit's upload limit
    max_total_bytes: int = 1_000_000_000  # everything, as declared by the zip directory
    max_json_bytes: int = 50 * 1_000_000  # manifest, mapping, settings, one snapshot


# ── Tables, as the migrations left them (kpi/migrations) ───────────────────────────────────


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in Python, naive UTC in the database (SQLite has no time zones)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None else None


_meta = MetaData()
WORKSPACES = Table(
    "workspaces", _meta,
    Column("id", Integer, primary_key=True), Column("name", String(200)), Column("owner", String(200)),
    Column("created_at", UTCDateTime), Column("updated_at", UTCDateTime), Column("version", Integer),
    Column("mapping_revision", Integer),
)
FILES = Table(
    "files", _meta,
    Column("workspace_id", Integer), Column("name", String(255)), Column("sha256", String(64)),
    Column("size", BigInteger), Column("content", LargeBinary), Column("uploaded_at", UTCDateTime),
    Column("uploaded_by", String(200)), Column("revision", Integer),
)
MAPPINGS = Table(
    "mappings", _meta,
    Column("workspace_id", Integer), Column("key", String(600)), Column("position", Integer), Column("json", Text),
)
SETTINGS = Table(
    "settings", _meta,
    Column("workspace_id", Integer), Column("json", Text), Column("revision", Integer),
    Column("updated_at", UTCDateTime), Column("updated_by", String(200)),
)
SNAPSHOTS = Table(
    "snapshots", _meta,
    Column("workspace_id", Integer), Column("month", String(7)), Column("report", Text),
    Column("reported_at", UTCDateTime), Column("reported_by", String(200)), Column("revision", Integer),
)
LAYOUTS = Table(
    "layouts", _meta,
    Column("id", Integer, primary_key=True), Column("owner", String(200)), Column("signature", String(64)),
    Column("mapping", Text), Column("updated_at", UTCDateTime),
)
SHARES = Table(
    "shares", _meta,
    Column("workspace_id", Integer), Column("email", String(200)), Column("shared_at", UTCDateTime),
    Column("shared_by", String(200)),
)
AUDIT = Table(
    "audit", _meta,
    Column("id", Integer, primary_key=True), Column("at", UTCDateTime), Column("who", String(200)),
    Column("action", String(40)), Column("workspace_id", Integer), Column("revision", Integer),
    Column("detail", Text),
)


# ── Where the database is ──────────────────────────────────────────────────────────────────


def home() -> Path:
    return Path(os.environ.get("KPI_WORKBENCH_HOME") or Path.home() / ".kpi-workbench")


def default_url() -> str:
    return f"sqlite:///{home() / 'workbench.db'}"


def database_url(secrets: MappingABC[str, Any] | None = None) -> str:
    """`KPI_DATABASE_URL` from the environment, else from the secrets given (Streamlit's
    `st.secrets`, i.e. .streamlit/secrets.toml), else the SQLite file in the workbench home."""
    url = os.environ.get("KPI_DATABASE_URL") or (secrets or {}).get("KPI_DATABASE_URL") or default_url()
    return normalise_url(str(url))


def normalise_url(url: str) -> str:
    """Hosting providers hand out `postgres://…`: SQLAlchemy wants a driver, ours is psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _now() -> datetime:
    return datetime.now(UTC)


# ── The store ──────────────────────────────────────────────────────────────────────────────


class Store:
    """Every workspace, in one database. One instance per process; it is thread-safe."""

    def __init__(self, url: str | URL, *, migrate: bool = True) -> None:
        self.url = make_url(normalise_url(str(url)) if isinstance(url, str) else url)
        self.backend = self.url.get_backend_name()  # "sqlite" or "postgresql"
        self.engine = _engine(self.url)
        if migrate:
            self.migrate()

    @classmethod
    def from_environment(cls, secrets: MappingABC[str, Any] | None = None) -> Store:
        return cls(database_url(secrets))

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def migrate(self, target: int | None = None) -> int:
        """Bring the schema to `target` (default: the latest); see kpi.migrations."""
        with self._writing() as conn:
            return migrations.migrate(conn, target)

    def schema_version(self) -> int:
        with self._reading() as conn:
            return migrations.current_version(conn)

    # transactions ------------------------------------------------------------------------

    @contextmanager
    def _writing(self) -> Iterator[Connection]:
        """One write transaction; on SQLite it holds the write lock from its first statement,
        so two writers queue up instead of failing to upgrade a read lock."""
        with self.engine.connect() as conn:
            if self.backend == "sqlite":
                conn.execution_options(sqlite_begin="IMMEDIATE")
            with conn.begin():
                yield conn

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        """One read transaction over a consistent snapshot (PostgreSQL's default would let each
        statement see a newer state than the one before)."""
        with self.engine.connect() as conn:
            if self.backend == "postgresql":
                conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
            with conn.begin():
                yield conn

    def _retrying(self, write: Callable[[], T], attempts: int = 5) -> T:
        """Run a write that picks a free name again if another session took that name first."""
        for attempt in range(attempts):
            try:
                return write()
            except IntegrityError:
                if attempt == attempts - 1:
                    raise
        raise AssertionError("unreachable")

    # workspaces --------------------------------------------------------------------------

    def create_workspace(self, name: str, *, owner: str | None = None, files: dict[str, bytes] | None = None,
                         mapping_json: str = "{}", settings_json: str = "{}", by: str | None = None) -> int:
        """A new workspace; its name must be free among the owner's workspaces (InputError)."""
        name = _check_name(name)
        mapping_text = _canonical_mapping(mapping_json)
        _check_settings(settings_json)
        for file_name in files or {}:
            _check_file_name(file_name)
        try:
            with self._writing() as conn:
                workspace_id = self._insert_workspace(conn, name, owner, files or {}, mapping_text, settings_json, by)
                self._audit(conn, by, "create", workspace_id, 1, {"name": name, "files": sorted(files or {})})
                return workspace_id
        except IntegrityError:
            raise InputError(f"a workspace named '{name}' already exists: choose another name") from None

    def ensure_demo(self, *, owner: str | None = None) -> int | None:
        """On first start (the owner has no workspace yet), create the bundled demo company's
        workspace and return its id; else None."""
        if self.list_workspaces(owner):
            return None
        from kpi.demo import demo_files, demo_mapping
        from kpi.mapping import mapping_to_json

        demo = {path.name: path.read_bytes() for path in demo_files()}
        mapping_text = mapping_to_json(demo_mapping())

        def create() -> int | None:
            with self._writing() as conn:
                if conn.scalar(select(func.count()).select_from(WORKSPACES).where(_owner_is(owner))):
                    return None  # another process created it first
                workspace_id = self._insert_workspace(conn, DEMO_NAME, owner, demo, mapping_text, "{}", None)
                self._audit(conn, None, "create", workspace_id, 1, {"name": DEMO_NAME, "demo": True})
                return workspace_id

        return self._retrying(create)

    def _insert_workspace(self, conn: Connection, name: str, owner: str | None, contents: dict[str, bytes],
                          mapping_text: str, settings_text: str, by: str | None) -> int:
        now = _now()
        workspace_id = conn.execute(insert(WORKSPACES).values(
            name=name, owner=owner, created_at=now, updated_at=now, version=1, mapping_revision=1,
        )).inserted_primary_key[0]
        for file_name, content in contents.items():
            conn.execute(insert(FILES).values(_file_row(workspace_id, file_name, content, now, by, 1)))
        _write_mapping(conn, workspace_id, mapping_text)
        conn.execute(insert(SETTINGS).values(workspace_id=workspace_id, json=settings_text, revision=1,
                                             updated_at=now, updated_by=by))
        return workspace_id

    def rename(self, workspace_id: int, name: str, *, by: str | None = None) -> int:
        """Give the workspace a new name (free among its owner's); last writer wins."""
        name = _check_name(name)
        try:
            with self._writing() as conn:
                row = _lock(conn, workspace_id)
                if row.name == name:
                    return row.version
                version = _bump(conn, row)
                conn.execute(update(WORKSPACES).where(WORKSPACES.c.id == workspace_id).values(name=name))
                self._audit(conn, by, "rename", workspace_id, version, {"from": row.name, "to": name})
                return version
        except IntegrityError:
            raise InputError(f"a workspace named '{name}' already exists: choose another name") from None

    def duplicate(self, workspace_id: int, name: str | None = None, *, by: str | None = None,
                  owner: str | None = None) -> int:
        """A copy of the workspace (files, mapping, settings, snapshots), named `name` or
        "<name> (copy)" made unique; returns the copy's id. The copy belongs to `owner` when
        given (a guest duplicating a shared workspace owns the copy), else to the original's owner."""
        chosen = _check_name(name) if name is not None else None

        def copy() -> int:
            with self._writing() as conn:
                source = _lock(conn, workspace_id)  # no write to the source can interleave with the copy
                new_owner = owner if owner is not None else source.owner
                new_name = chosen or _free_name(conn, f"{source.name} (copy)", new_owner)
                now = _now()
                new_id = conn.execute(insert(WORKSPACES).values(
                    name=new_name, owner=new_owner, created_at=now, updated_at=now, version=1, mapping_revision=1,
                )).inserted_primary_key[0]
                # Copied inside the database: the files' bytes never travel through Python.
                conn.execute(insert(FILES).from_select(
                    ["workspace_id", "name", "sha256", "size", "content", "uploaded_at", "uploaded_by", "revision"],
                    select(literal(new_id), FILES.c.name, FILES.c.sha256, FILES.c.size, FILES.c.content,
                           FILES.c.uploaded_at, FILES.c.uploaded_by, literal(1))
                    .where(FILES.c.workspace_id == workspace_id)))
                conn.execute(insert(MAPPINGS).from_select(
                    ["workspace_id", "key", "position", "json"],
                    select(literal(new_id), MAPPINGS.c.key, MAPPINGS.c.position, MAPPINGS.c.json)
                    .where(MAPPINGS.c.workspace_id == workspace_id)))
                conn.execute(insert(SETTINGS).from_select(
                    ["workspace_id", "json", "revision", "updated_at", "updated_by"],
                    select(literal(new_id), SETTINGS.c.json, literal(1), SETTINGS.c.updated_at, SETTINGS.c.updated_by)
                    .where(SETTINGS.c.workspace_id == workspace_id)))
                conn.execute(insert(SNAPSHOTS).from_select(
                    ["workspace_id", "month", "report", "reported_at", "reported_by", "revision"],
                    select(literal(new_id), SNAPSHOTS.c.month, SNAPSHOTS.c.report, SNAPSHOTS.c.reported_at,
                           SNAPSHOTS.c.reported_by, literal(1))
                    .where(SNAPSHOTS.c.workspace_id == workspace_id)))
                self._audit(conn, by, "duplicate", new_id, 1, {"name": new_name, "from": workspace_id})
                return new_id

        if chosen is None:
            return self._retrying(copy)
        try:
            return copy()
        except IntegrityError:
            raise InputError(f"a workspace named '{chosen}' already exists: choose another name") from None

    def delete(self, workspace_id: int, *, by: str | None = None) -> None:
        """Delete the workspace and everything in it (the UI asks for confirmation first)."""
        with self._writing() as conn:
            row = _lock(conn, workspace_id)
            for table in (FILES, MAPPINGS, SETTINGS, SNAPSHOTS):
                conn.execute(delete(table).where(table.c.workspace_id == workspace_id))
            conn.execute(delete(WORKSPACES).where(WORKSPACES.c.id == workspace_id))
            self._audit(conn, by, "delete", workspace_id, row.version + 1, {"name": row.name})

    def list_workspaces(self, owner: str | None = None) -> list[WorkspaceInfo]:
        """The workspaces `owner` may open — its own and those shared with it — by name (owner
        None: the workspaces without an owner, the local single-user case)."""
        counts = (select(FILES.c.workspace_id, func.count().label("n")).group_by(FILES.c.workspace_id).subquery())
        query = (select(WORKSPACES, func.coalesce(counts.c.n, 0).label("n"))
                 .outerjoin(counts, counts.c.workspace_id == WORKSPACES.c.id).where(_visible_to(owner)))
        with self._reading() as conn:
            rows = conn.execute(query).all()
        found = [WorkspaceInfo(r.id, r.name, r.owner, r.created_at, r.updated_at, r.version, r.n) for r in rows]
        return sorted(found, key=lambda w: (w.name.casefold(), w.id))

    def load(self, workspace_id: int) -> StoredWorkspace:
        """The workspace as last saved: files with their bytes, mapping, settings, version."""
        with self._reading() as conn:
            return _load(conn, workspace_id)

    def load_for(self, workspace_id: int, user: str | None) -> StoredWorkspace:
        """`load`, for a user who owns it or is a named guest; anyone else gets NotFound, the
        same answer as for a workspace that does not exist (an id in a link reveals nothing)."""
        if not self.can_open(workspace_id, user):
            raise NotFound(workspace_id)
        return self.load(workspace_id)

    def can_open(self, workspace_id: int, user: str | None) -> bool:
        with self._reading() as conn:
            return conn.scalar(select(WORKSPACES.c.id).where(WORKSPACES.c.id == workspace_id,
                                                             _visible_to(user))) is not None

    def share(self, workspace_id: int, email: str, *, by: str | None = None) -> None:
        """Let the user with this e-mail open the workspace (idempotent)."""
        email = email.strip().lower()
        if "@" not in email or len(email) > 200:
            raise InputError(f"'{email}' is not an e-mail address")
        with self._writing() as conn:
            _lock(conn, workspace_id)
            if conn.scalar(select(SHARES.c.email).where(SHARES.c.workspace_id == workspace_id,
                                                        SHARES.c.email == email)) is None:
                conn.execute(insert(SHARES).values(workspace_id=workspace_id, email=email, shared_at=_now(),
                                                   shared_by=by))
                self._audit(conn, by, "share", workspace_id, None, {"with": email})

    def unshare(self, workspace_id: int, email: str, *, by: str | None = None) -> None:
        with self._writing() as conn:
            conn.execute(delete(SHARES).where(SHARES.c.workspace_id == workspace_id,
                                              SHARES.c.email == email.strip().lower()))
            self._audit(conn, by, "unshare", workspace_id, None, {"with": email})

    def shared_with(self, workspace_id: int) -> list[str]:
        with self._reading() as conn:
            return sorted(conn.scalars(select(SHARES.c.email).where(SHARES.c.workspace_id == workspace_id)))

    def version(self, workspace_id: int) -> int:
        """The workspace's current version: a cheap "has anyone saved since I loaded it?"."""
        with self._reading() as conn:
            version = conn.scalar(select(WORKSPACES.c.version).where(WORKSPACES.c.id == workspace_id))
        if version is None:
            raise NotFound(workspace_id)
        return version

    # files, mapping, settings ------------------------------------------------------------

    def save(self, workspace_id: int, *, files: dict[str, bytes] | None = None, mapping_json: str | None = None,
             settings_json: str | None = None, base_version: int | None = None, by: str | None = None) -> int:
        """Save any of the workspace's files (its complete set: files not in `files` are
        removed, with their mapping entries unless `mapping_json` is given), mapping and
        settings in one transaction. Returns the workspace's new version; raises Conflict (see
        the module's docstring) and saves nothing when `base_version` is stale for an item
        this save changes."""
        return self._save(workspace_id, put=files or {}, drop=None if files is not None else set(),
                          mapping_json=mapping_json, settings_json=settings_json, base_version=base_version, by=by)

    def save_files(self, workspace_id: int, files: dict[str, bytes], *, base_version: int | None = None,
                   by: str | None = None) -> int:
        """Make the workspace's files exactly `files` (name → bytes)."""
        return self.save(workspace_id, files=files, base_version=base_version, by=by)

    def add_file(self, workspace_id: int, name: str, content: bytes, *, base_version: int | None = None,
                 by: str | None = None) -> int:
        """Add the file, or replace the one of the same name; other files stay."""
        return self._save(workspace_id, put={name: content}, drop=set(), base_version=base_version, by=by)

    def remove_file(self, workspace_id: int, name: str, *, base_version: int | None = None,
                    by: str | None = None) -> int:
        """Remove the file and its mapping entries (`name` and `name:sheet`)."""
        return self._save(workspace_id, put={}, drop={name}, base_version=base_version, by=by)

    def save_mapping(self, workspace_id: int, mapping_json: str, *, base_version: int | None = None,
                     by: str | None = None) -> int:
        """Save the mapping (validated: a bad one is an InputError); stored as
        `kpi.mapping.mapping_to_json` writes it."""
        return self._save(workspace_id, put={}, drop=set(), mapping_json=mapping_json, base_version=base_version,
                          by=by)

    def save_settings(self, workspace_id: int, settings_json: str, *, base_version: int | None = None,
                      by: str | None = None) -> int:
        """Save the settings: any JSON object (see `settings_to_json`), kept as given."""
        return self._save(workspace_id, put={}, drop=set(), settings_json=settings_json, base_version=base_version,
                          by=by)

    def _save(self, workspace_id: int, *, put: dict[str, bytes], drop: set[str] | None,
              mapping_json: str | None = None, settings_json: str | None = None, base_version: int | None,
              by: str | None) -> int:
        """`put`: files to add or replace; `drop`: files to remove (None: every file not in `put`)."""
        for name in put:
            _check_file_name(name)
        mapping_text = _canonical_mapping(mapping_json) if mapping_json is not None else None
        if settings_json is not None:
            _check_settings(settings_json)
        digests = {name: hashlib.sha256(content).hexdigest() for name, content in put.items()}

        with self._writing() as conn:
            row = _lock(conn, workspace_id)
            current = {f.name: f for f in conn.execute(
                select(FILES.c.name, FILES.c.sha256, FILES.c.revision).where(FILES.c.workspace_id == workspace_id))}
            to_drop = set(current) - set(put) if drop is None else (drop & set(current)) - set(put)
            to_put = {name: content for name, content in put.items()
                      if name not in current or current[name].sha256 != digests[name]}
            for name in sorted(to_drop | set(to_put)):
                if name in current:
                    self._check(conn, row, f"the file '{name}'", current[name].revision, base_version)

            stored_mapping = _read_mapping(conn, workspace_id)
            if mapping_text is None and to_drop:
                mapping_text = _without_files(stored_mapping, to_drop)
            if mapping_text == stored_mapping:
                mapping_text = None
            if mapping_text is not None:
                self._check(conn, row, "the mapping", row.mapping_revision, base_version)

            stored_settings = conn.execute(select(SETTINGS.c.json, SETTINGS.c.revision)
                                           .where(SETTINGS.c.workspace_id == workspace_id)).first()
            if stored_settings is not None and settings_json == stored_settings.json:
                settings_json = None
            if settings_json is not None and stored_settings is not None:
                self._check(conn, row, "the settings", stored_settings.revision, base_version)

            if not (to_drop or to_put or mapping_text is not None or settings_json is not None):
                return row.version
            version = _bump(conn, row)
            now = _now()
            if to_drop:
                conn.execute(delete(FILES).where(FILES.c.workspace_id == workspace_id, FILES.c.name.in_(to_drop)))
            for name, content in to_put.items():
                if name in current:
                    conn.execute(delete(FILES).where(FILES.c.workspace_id == workspace_id, FILES.c.name == name))
                conn.execute(insert(FILES).values(_file_row(workspace_id, name, content, now, by, version)))
            if mapping_text is not None:
                _write_mapping(conn, workspace_id, mapping_text)
                conn.execute(update(WORKSPACES).where(WORKSPACES.c.id == workspace_id)
                             .values(mapping_revision=version))
            if settings_json is not None:
                values = dict(json=settings_json, revision=version, updated_at=now, updated_by=by)
                if stored_settings is None:
                    conn.execute(insert(SETTINGS).values(workspace_id=workspace_id, **values))
                else:
                    conn.execute(update(SETTINGS).where(SETTINGS.c.workspace_id == workspace_id).values(**values))
            self._audit(conn, by, "save", workspace_id, version, {
                "files_added": sorted(set(to_put) - set(current)), "files_replaced": sorted(set(to_put) & set(current)),
                "files_removed": sorted(to_drop), "mapping": mapping_text is not None,
                "settings": settings_json is not None,
            })
            return version

    def _check(self, conn: Connection, row: Any, item: str, revision: int, base_version: int | None) -> None:
        if base_version is None or revision <= base_version:
            return
        author = conn.execute(select(AUDIT.c.at, AUDIT.c.who).where(
            AUDIT.c.workspace_id == row.id, AUDIT.c.revision == revision).order_by(AUDIT.c.id.desc())).first()
        raise Conflict(row.id, item, base_version, row.version, author.at if author else None,
                       author.who if author else None)

    # reported months ---------------------------------------------------------------------

    def mark_reported(self, workspace_id: int, month: str, report: dict | str, *, by: str | None = None,
                      base_version: int | None = None) -> int:
        """Freeze `report` (the JSON report, `Report.to_json()`, of `month`) as what was reported
        for that month. Marking a month again replaces its snapshot (the audit keeps who and
        when)."""
        month = _check_month(month)
        document = json.loads(report) if isinstance(report, str) else report
        if not isinstance(document, dict):
            raise ValueError("a report is a JSON object (Report.to_json())")
        if document.get("as_of") not in (None, month):
            raise ValueError(f"this report is as of {document['as_of']}, not {month}")
        text = json.dumps(document, ensure_ascii=False)
        with self._writing() as conn:
            row = _lock(conn, workspace_id)
            stored = conn.execute(select(SNAPSHOTS.c.report, SNAPSHOTS.c.revision).where(
                SNAPSHOTS.c.workspace_id == workspace_id, SNAPSHOTS.c.month == month)).first()
            if stored is not None:
                if stored.report == text:
                    return row.version
                self._check(conn, row, f"the report of {month}", stored.revision, base_version)
                conn.execute(delete(SNAPSHOTS).where(SNAPSHOTS.c.workspace_id == workspace_id,
                                                     SNAPSHOTS.c.month == month))
            version = _bump(conn, row)
            conn.execute(insert(SNAPSHOTS).values(workspace_id=workspace_id, month=month, report=text,
                                                  reported_at=_now(), reported_by=by, revision=version))
            self._audit(conn, by, "report", workspace_id, version, {"month": month, "again": stored is not None})
            return version

    def unmark_reported(self, workspace_id: int, month: str, *, by: str | None = None,
                        base_version: int | None = None) -> int:
        """Forget the month's snapshot."""
        month = _check_month(month)
        with self._writing() as conn:
            row = _lock(conn, workspace_id)
            revision = conn.scalar(select(SNAPSHOTS.c.revision).where(
                SNAPSHOTS.c.workspace_id == workspace_id, SNAPSHOTS.c.month == month))
            if revision is None:
                return row.version
            self._check(conn, row, f"the report of {month}", revision, base_version)
            version = _bump(conn, row)
            conn.execute(delete(SNAPSHOTS).where(SNAPSHOTS.c.workspace_id == workspace_id, SNAPSHOTS.c.month == month))
            self._audit(conn, by, "unreport", workspace_id, version, {"month": month})
            return version

    def snapshots(self, workspace_id: int) -> list[Snapshot]:
        """The reported months, oldest first."""
        with self._reading() as conn:
            return _snapshots(conn, workspace_id)

    def restatements(self, workspace_id: int, current_reports: MappingABC[str, dict | str | None]) -> list[Restatement]:
        """The reported months whose KPIs the current data changes, given the current JSON report
        of each reported month (None: the month has no data any more). Months not given are
        not checked."""
        found = []
        for snapshot in self.snapshots(workspace_id):
            if snapshot.month not in current_reports:
                continue
            now = current_reports[snapshot.month]
            now = json.loads(now) if isinstance(now, str) else now
            changes = report_differences(snapshot.report, now or {})
            if changes:
                found.append(Restatement(snapshot.month, snapshot.reported_at, snapshot.reported_by, tuple(changes)))
        return found

    # one zip per workspace ---------------------------------------------------------------

    def export_zip(self, workspace_id: int, *, by: str | None = None) -> bytes:
        """The workspace as one zip: files/<name>, mapping.json, settings.json,
        snapshots/<YYYY-MM>.json and manifest.json (names, hashes, sizes, times)."""
        with self._reading() as conn:  # one consistent state
            workspace, reported = _load(conn, workspace_id), _snapshots(conn, workspace_id)
        manifest = {
            "format": "kpi-workbench workspace", "format_version": 1, "name": workspace.name,
            "exported_at": _now().isoformat(), "version": workspace.version,
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
        self.audit("export", who=by, workspace_id=workspace_id, detail={"name": workspace.name})
        return buffer.getvalue()

    def import_zip(self, data: bytes, name: str | None = None, *, owner: str | None = None, by: str | None = None,
                   limits: ImportLimits = ImportLimits()) -> int:
        """A new workspace from an `export_zip` file, named `name` (default: the exported
        name, made unique). Anything that is not a well-formed export is an InputError, before
        anything is written."""
        contents = _read_export(data, limits)
        chosen = _check_name(name) if name is not None else None
        try:
            mapping_text = _canonical_mapping(contents.mapping_json, source="mapping.json")
        except InputError as error:
            raise _bad(f"mapping.json: {error.message}") from None

        def create() -> int:
            with self._writing() as conn:
                new_name = chosen or _free_name(conn, _check_name(contents.name), owner)
                workspace_id = self._insert_workspace(conn, new_name, owner, {}, mapping_text,
                                                      contents.settings_json, by)
                for entry in contents.files:
                    conn.execute(insert(FILES).values(
                        _file_row(workspace_id, entry.name, contents.bytes[entry.name], entry.uploaded_at,
                                  entry.uploaded_by, 1)))
                for snapshot in contents.snapshots:
                    conn.execute(insert(SNAPSHOTS).values(
                        workspace_id=workspace_id, month=snapshot.month, report=json.dumps(snapshot.report,
                                                                                           ensure_ascii=False),
                        reported_at=snapshot.reported_at, reported_by=snapshot.reported_by, revision=1))
                self._audit(conn, by, "import", workspace_id, 1, {"name": new_name, "files": len(contents.files)})
                return workspace_id

        if chosen is None:
            return self._retrying(create)
        try:
            return create()
        except IntegrityError:
            raise InputError(f"a workspace named '{chosen}' already exists: choose another name") from None

    # remembered layouts ------------------------------------------------------------------

    def remember_layout(self, signature: str, mapping: dict, *, owner: str | None = None) -> None:
        """Remember one sheet's mapping (`TableMapping.to_json()`) for its layout signature
        (`kpi.layouts.layout_signature`)."""
        text = json.dumps(mapping, ensure_ascii=False, sort_keys=True)

        def upsert() -> None:
            with self._writing() as conn:
                where = (func.coalesce(LAYOUTS.c.owner, "") == (owner or ""), LAYOUTS.c.signature == signature)
                stored = conn.execute(select(LAYOUTS.c.id, LAYOUTS.c.mapping).where(*where)).first()
                if stored is None:
                    conn.execute(insert(LAYOUTS).values(owner=owner, signature=signature, mapping=text,
                                                        updated_at=_now()))
                elif stored.mapping != text:
                    conn.execute(update(LAYOUTS).where(LAYOUTS.c.id == stored.id)
                                 .values(mapping=text, updated_at=_now()))

        self._retrying(upsert)

    def recall_layout(self, signature: str, *, owner: str | None = None) -> dict | None:
        """The mapping remembered for this layout signature, if any."""
        with self._reading() as conn:
            text = conn.scalar(select(LAYOUTS.c.mapping).where(
                func.coalesce(LAYOUTS.c.owner, "") == (owner or ""), LAYOUTS.c.signature == signature))
        return json.loads(text) if text is not None else None

    def layout_memory(self, owner: str | None = None) -> StoredLayoutMemory:
        """`kpi.layouts.LayoutMemory`'s interface (recall(sheet), remember(sheet, mapping)) on
        this store."""
        return StoredLayoutMemory(self, owner)

    def import_layouts_file(self, path: Path, *, owner: str | None = None) -> int:
        """Copy the layouts remembered in a `kpi.layouts` JSON file; returns how many."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            return 0
        entries = {k: v for k, v in data.items() if isinstance(v, dict)} if isinstance(data, dict) else {}
        for signature, mapping in entries.items():
            self.remember_layout(signature, mapping, owner=owner)
        return len(entries)

    # audit trail -------------------------------------------------------------------------

    def audit(self, action: str, *, who: str | None = None, workspace_id: int | None = None,
              detail: dict | None = None) -> None:
        """Record an action that wrote nothing else (a sign-in, an export)."""
        with self._writing() as conn:
            self._audit(conn, who, action, workspace_id, None, detail or {})

    def _audit(self, conn: Connection, who: str | None, action: str, workspace_id: int | None,
               revision: int | None, detail: dict) -> None:
        conn.execute(insert(AUDIT).values(at=_now(), who=who, action=action, workspace_id=workspace_id,
                                          revision=revision, detail=json.dumps(detail, ensure_ascii=False)))

    def audit_log(self, workspace_id: int | None = None, limit: int = 100) -> list[AuditEntry]:
        """The latest entries, newest first (of one workspace, or all)."""
        query = select(AUDIT).order_by(AUDIT.c.id.desc()).limit(limit)
        if workspace_id is not None:
            query = query.where(AUDIT.c.workspace_id == workspace_id)
        with self._reading() as conn:
            rows = conn.execute(query).all()
        return [AuditEntry(r.at, r.who, r.action, r.workspace_id, r.revision, json.loads(r.detail)) for r in rows]


class StoredLayoutMemory:
    """Remembered mappings per file layout, in the store: the contract of
    `kpi.layouts.LayoutMemory` (which keeps them in a JSON file)."""

    def __init__(self, store: Store, owner: str | None = None) -> None:
        self.store = store
        self.owner = owner

    def recall(self, sheet: Sheet) -> TableMapping | None:
        """The mapping remembered for this sheet's layout, if its columns are all still there."""
        from kpi.layouts import layout_signature
        from kpi.mapping import TableMapping

        spec = self.store.recall_layout(layout_signature(sheet), owner=self.owner)
        if not spec:
            return None
        try:
            mapping = TableMapping.from_json(sheet.key, spec)
        except Exception:  # remembered by an older version, no longer valid
            return None
        return mapping if set(mapping.columns.values()) <= set(map(str, sheet.frame.columns)) else None

    def remember(self, sheet: Sheet, mapping: TableMapping) -> None:
        from kpi.layouts import layout_signature

        self.store.remember_layout(layout_signature(sheet), mapping.to_json(), owner=self.owner)


# ── Restatements: what changed in a reported month ─────────────────────────────────────────

RELATIVE_TOLERANCE = 1e-9
ABSOLUTE_TOLERANCE = 1e-12  # float noise around zero (a rate computed as a difference)


def report_differences(reported: dict, now: dict, *, ignore: tuple[str, ...] = ("data_quality",)) -> list[Change]:
    """Every value of the JSON report that differs between `reported` and `now`.

    Nested sections are walked down to their numbers; list items that carry a "month" (the
    `series`) are matched by month, other lists by position. Numbers are equal within a
    relative tolerance of 1e-9 (and 1e-12 around zero); a value present on one side only
    counts as None on the other. Top-level sections in `ignore` (the data quality report is not
    a KPI) are skipped."""
    before = _leaves({k: v for k, v in reported.items() if k not in ignore})
    after = _leaves({k: v for k, v in now.items() if k not in ignore})
    changes = []
    for key in [*before, *(k for k in after if k not in before)]:
        old, new = before.get(key), after.get(key)
        if _is_number(old) and _is_number(new):
            if math.isclose(old, new, rel_tol=RELATIVE_TOLERANCE, abs_tol=ABSOLUTE_TOLERANCE) or (
                    math.isnan(old) and math.isnan(new)):
                continue
            changes.append(Change(key, old, new, new - old))
        elif old != new or type(old) is not type(new):  # True == 1 in Python, not in a report
            changes.append(Change(key, old, new, None))
    return changes


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _leaves(value: object, path: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(_leaves(item, f"{path}.{key}" if path else str(key)))
        return out
    if isinstance(value, list):
        by_month = bool(value) and all(isinstance(item, dict) and isinstance(item.get("month"), str)
                                       for item in value)
        out = {}
        for position, item in enumerate(value):
            if by_month:
                out.update(_leaves({k: v for k, v in item.items() if k != "month"}, f"{path}[{item['month']}]"))
            else:
                out.update(_leaves(item, f"{path}[{position}]"))
        return out
    return {path: value}


# ── Settings as JSON ───────────────────────────────────────────────────────────────────────


def settings_to_json(value: Settings, **extra: Any) -> str:
    """`kpi.report.Settings` (and any `extra` keys the pages keep, e.g. targets) as JSON."""
    return json.dumps({**dataclasses.asdict(value), **extra}, ensure_ascii=False, indent=2)


def settings_from_json(text: str) -> Settings:
    """The `Settings` in a settings JSON; unknown keys are ignored, missing ones default, so
    settings saved by an older or newer version still open."""
    from kpi.report import Settings

    data = json.loads(text or "{}")
    defaults = Settings()
    values = {}
    for spec in dataclasses.fields(Settings):
        if spec.name in data:
            value = data[spec.name]
            values[spec.name] = _tuples(value) if isinstance(getattr(defaults, spec.name), tuple) else value
    return dataclasses.replace(defaults, **values)


def _settings_section(text: str, name: str) -> dict:
    """One object-valued key of a settings JSON; {} when the JSON or the key is not that shape."""
    try:
        section = json.loads(text or "{}").get(name)
    except (json.JSONDecodeError, RecursionError, AttributeError):
        return {}
    return section if isinstance(section, dict) else {}


def targets_from_json(text: str) -> dict[str, float]:
    """The KPI targets kept with a workspace's settings (`{"targets": {"mrr": 60000, …}}`): only
    headline KPIs of the investor update with a finite number; anything else is dropped, so a
    hand-edited or hostile settings JSON cannot break a page."""
    from kpi.update import HEADLINE_SPECS

    known = {key for key, *_ in HEADLINE_SPECS}
    raw = _settings_section(text, "targets")
    return {key: float(value) for key, value in raw.items()
            if key in known and isinstance(value, int | float) and not isinstance(value, bool)
            and math.isfinite(value)}


def update_texts_from_json(text: str) -> dict[str, dict]:
    """The investor-update texts kept with a workspace's settings, per period
    (`{"investor_updates": {"2026-10:month": {"commentary": {"asks": …}, "narratives":
    {"previous:en": …}}}}`); anything not of that shape is dropped."""
    raw = _settings_section(text, "investor_updates")

    def strings(value: Any) -> dict[str, str]:
        return {str(k): v for k, v in value.items() if isinstance(v, str)} if isinstance(value, dict) else {}

    return {str(key): {"commentary": strings(record.get("commentary")), "narratives": strings(record.get("narratives"))}
            for key, record in raw.items() if isinstance(record, dict)}


def _tuples(value: Any) -> Any:
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value


# ── Helpers ────────────────────────────────────────────────────────────────────────────────


def _engine(url: URL) -> Engine:
    if url.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if url.database and url.database != ":memory:":
        Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, record: Any) -> None:
        # SQLAlchemy, not the sqlite3 module, decides when a transaction begins (below), so
        # that a write can take the lock up front and DDL is transactional.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout = 30000")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql(f"BEGIN {conn.get_execution_options().get('sqlite_begin', '')}".strip())

    return engine


def _owner_is(owner: str | None) -> Any:
    return WORKSPACES.c.owner.is_(None) if owner is None else WORKSPACES.c.owner == owner


def _visible_to(user: str | None) -> Any:
    """Workspaces `user` owns or is a named guest of (None: the ownerless, local ones)."""
    if user is None:
        return WORKSPACES.c.owner.is_(None)
    guest = select(SHARES.c.workspace_id).where(SHARES.c.email == user.strip().lower())
    return (WORKSPACES.c.owner == user) | WORKSPACES.c.id.in_(guest)


def _lock(conn: Connection, workspace_id: int) -> Any:
    """The workspace's row, locked until the transaction ends (PostgreSQL; SQLite's write
    transaction already excludes every other writer)."""
    row = conn.execute(select(WORKSPACES).where(WORKSPACES.c.id == workspace_id).with_for_update()).first()
    if row is None:
        raise NotFound(workspace_id)
    return row


def _bump(conn: Connection, row: Any) -> int:
    version = row.version + 1
    conn.execute(update(WORKSPACES).where(WORKSPACES.c.id == row.id).values(version=version, updated_at=_now()))
    return version


def _file_row(workspace_id: int, name: str, content: bytes, at: datetime, by: str | None, revision: int) -> dict:
    return dict(workspace_id=workspace_id, name=name, sha256=hashlib.sha256(content).hexdigest(), size=len(content),
                content=content, uploaded_at=at, uploaded_by=by, revision=revision)


def _load(conn: Connection, workspace_id: int) -> StoredWorkspace:
    row = conn.execute(select(WORKSPACES).where(WORKSPACES.c.id == workspace_id)).first()
    if row is None:
        raise NotFound(workspace_id)
    stored = conn.execute(select(FILES).where(FILES.c.workspace_id == workspace_id)
                          .order_by(FILES.c.uploaded_at, FILES.c.name)).all()
    settings_text = conn.scalar(select(SETTINGS.c.json).where(SETTINGS.c.workspace_id == workspace_id))
    return StoredWorkspace(
        id=row.id, name=row.name, files={f.name: bytes(f.content) for f in stored},
        mapping_json=_read_mapping(conn, workspace_id),
        settings_json=settings_text if settings_text is not None else "{}", version=row.version, owner=row.owner,
        created_at=row.created_at, updated_at=row.updated_at,
        uploads=tuple(StoredFile(f.name, f.sha256, f.size, f.uploaded_at, f.uploaded_by, f.revision) for f in stored),
    )


def _snapshots(conn: Connection, workspace_id: int) -> list[Snapshot]:
    rows = conn.execute(select(SNAPSHOTS).where(SNAPSHOTS.c.workspace_id == workspace_id)
                        .order_by(SNAPSHOTS.c.month)).all()
    return [Snapshot(r.month, json.loads(r.report), r.reported_at, r.reported_by, r.revision) for r in rows]


def _write_mapping(conn: Connection, workspace_id: int, mapping_text: str) -> None:
    conn.execute(delete(MAPPINGS).where(MAPPINGS.c.workspace_id == workspace_id))
    entries = json.loads(mapping_text)
    if entries:
        conn.execute(insert(MAPPINGS), [
            dict(workspace_id=workspace_id, key=key, position=position, json=json.dumps(spec, ensure_ascii=False))
            for position, (key, spec) in enumerate(entries.items())
        ])


def _read_mapping(conn: Connection, workspace_id: int) -> str:
    rows = conn.execute(select(MAPPINGS.c.key, MAPPINGS.c.json).where(MAPPINGS.c.workspace_id == workspace_id)
                        .order_by(MAPPINGS.c.position)).all()
    return _mapping_text({row.key: json.loads(row.json) for row in rows})


def _mapping_text(entries: dict) -> str:
    return json.dumps(entries, ensure_ascii=False, indent=2)  # as kpi.mapping.mapping_to_json writes it


def _canonical_mapping(text: str, source: str = "mapping") -> str:
    from kpi.mapping import mapping_to_json, parse_mapping

    return mapping_to_json(parse_mapping(text, source=source))


def _without_files(mapping_text: str, names: set[str]) -> str:
    entries = json.loads(mapping_text)
    return _mapping_text({key: spec for key, spec in entries.items()
                          if key not in names and key.split(":", 1)[0] not in names})


def _check_settings(text: str) -> None:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"the settings are not valid JSON ({exc.msg}, line {exc.lineno})") from None
    except RecursionError:
        raise InputError("the settings are nested too deeply to be settings") from None
    if not isinstance(value, dict):
        raise InputError("the settings must be a JSON object")


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise InputError("a workspace needs a name")
    if len(name) > 100 or any(ord(c) < 32 for c in name):
        raise InputError("a workspace name is at most 100 characters, on one line")
    return name


def _check_file_name(name: str) -> str:
    if (not name or len(name) > 255 or name in {".", ".."} or any(c in name for c in "/\\\0")
            or any(ord(c) < 32 for c in name)):
        raise InputError(f"'{name}' is not a file name we can keep (no folders, at most 255 characters)", file=name)
    return name


def _check_month(month: str) -> str:
    if not isinstance(month, str) or not MONTH.match(month):
        raise InputError(f"'{month}' is not a month: use YYYY-MM")
    return month


def _free_name(conn: Connection, wanted: str, owner: str | None) -> str:
    """`wanted`, or `wanted (2)`, `(3)`… whichever the owner does not use yet."""
    taken = set(conn.scalars(select(WORKSPACES.c.name).where(_owner_is(owner))))
    candidate, n = wanted, 1
    while candidate in taken:
        n += 1
        candidate = f"{wanted[:90]} ({n})"
    return candidate


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
        _check_file_name(name)
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
        _check_settings(settings_json)
    except InputError as error:
        raise _bad(f"settings.json: {error.message}") from None
    return _Export(manifest["name"], tuple(exported_files), contents, mapping_json, settings_json, exported_snapshots)


def _parse_time(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
