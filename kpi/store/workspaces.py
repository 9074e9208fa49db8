"""The `Store`: every workspace in one database, each public write one transaction.

Durability, concurrency and the conflict rule are described in the package's docstring
(`kpi.store`); the tables are in `kpi.store.tables`, the per-transaction steps in
`kpi.store.queries`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from collections.abc import Mapping as MappingABC
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, delete, func, insert, literal, select, update
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import IntegrityError

from kpi.errors import InputError
from kpi.store import alert_delivery, failures, migrations, queries, sharing
from kpi.store.archive import _bad, _read_export, write_export
from kpi.store.layouts import StoredLayoutMemory
from kpi.store.model import (
    DEMO_NAME,
    Actor,
    AuditEntry,
    Conflict,
    ImportLimits,
    NotFound,
    Restatement,
    Snapshot,
    StoredWorkspace,
    WorkspaceInfo,
)
from kpi.store.sharing import actor_name, require
from kpi.store.snapshots import report_differences
from kpi.store.tables import (
    AUDIT,
    FILES,
    LAYOUTS,
    MAPPINGS,
    SETTINGS,
    SNAPSHOTS,
    WORKSPACES,
    _engine,
    _now,
    database_url,
    normalise_url,
)

T = TypeVar("T")

# ── The store ──────────────────────────────────────────────────────────────────────────────


class Store(sharing.SharingMethods, alert_delivery.AlertDeliveryMethods):
    """Every workspace, in one database. One instance per process; it is thread-safe. Every method
    that touches one workspace names who acts (`by=`, required) and checks it first, in its
    transaction, with `kpi.store.sharing.require`. Who may open and change a workspace (`role`,
    `share`, `unshare`, `shared_with`) is in `kpi.store.sharing`;
    who receives its alerts and what was sent (`subscribers`, `unsent`, `record_sent`…) in
    `kpi.store.alert_delivery`."""

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
        """Bring the schema to `target` (default: the latest); see kpi.store.migrations."""
        with self._writing() as conn:
            return migrations.migrate(conn, target)

    def schema_version(self) -> int:
        with self._reading() as conn:
            return migrations.current_version(conn)

    # transactions ------------------------------------------------------------------------

    @contextmanager
    def _writing(self) -> Iterator[Connection]:
        """One write transaction; on SQLite it holds the write lock from its first statement,
        so two writers queue up instead of failing to upgrade a read lock. A full or failing disk
        raises `failures.StoreError` ("not saved: the disk is full"), the transaction rolled back."""
        with failures.translated(self.url), self.engine.connect() as conn:
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
        name = queries.check_name(name)
        mapping_text = queries.canonical_mapping(mapping_json)
        queries.check_settings(settings_json)
        for file_name in files or {}:
            queries.check_file_name(file_name)
        try:
            with self._writing() as conn:
                workspace_id = self._insert_workspace(conn, name, owner, files or {}, mapping_text, settings_json,
                                                      actor_name(by))
                self._audit(conn, actor_name(by), "create", workspace_id, 1,
                            {"name": name, "files": sorted(files or {})})
                return workspace_id
        except IntegrityError:
            raise InputError(f"a workspace named '{name}' already exists: choose another name") from None

    def ensure_demo(self, *, owner: str | None = None) -> int | None:
        """On first start (the owner has no workspace yet), create the bundled demo company's
        workspace and return its id; else None."""
        if self.list_workspaces(owner):
            return None
        from kpi.demo import demo_files, demo_mapping
        from kpi.ingest.mapping import mapping_to_json

        demo = {path.name: path.read_bytes() for path in demo_files()}
        mapping_text = mapping_to_json(demo_mapping())

        def create() -> int | None:
            with self._writing() as conn:
                if conn.scalar(select(func.count()).select_from(WORKSPACES).where(queries.owner_is(owner))):
                    return None  # another process created it first
                workspace_id = self._insert_workspace(conn, DEMO_NAME, owner, demo, mapping_text, "{}", None)
                self._audit(conn, None, "create", workspace_id, 1, {"name": DEMO_NAME, "demo": True})
                return workspace_id

        return self._retrying(create)

    def _insert_workspace(self, conn: Connection, name: str, owner: str | None, contents: dict[str, bytes],
                          mapping_text: str, settings_text: str, by: str | None) -> int:
        """Insert a workspace with its files, mapping and settings; `by` as the database records it."""
        now = _now()
        workspace_id = conn.execute(insert(WORKSPACES).values(
            name=name, owner=owner, created_at=now, updated_at=now, version=1, mapping_revision=1,
        )).inserted_primary_key[0]
        for file_name, content in contents.items():
            conn.execute(insert(FILES).values(queries.file_row(workspace_id, file_name, content, now, by, 1)))
        queries.write_mapping(conn, workspace_id, mapping_text)
        conn.execute(insert(SETTINGS).values(workspace_id=workspace_id, json=settings_text, revision=1,
                                             updated_at=now, updated_by=by))
        return workspace_id

    def rename(self, workspace_id: int, name: str, *, by: Actor) -> int:
        """Give the workspace a new name (free among its owner's); last writer wins. Its owner's
        right ("own")."""
        name = queries.check_name(name)
        try:
            with self._writing() as conn:
                row = require(conn, workspace_id, by, "own")
                if row.name == name:
                    return row.version
                version = queries.bump(conn, row)
                conn.execute(update(WORKSPACES).where(WORKSPACES.c.id == workspace_id).values(name=name))
                self._audit(conn, actor_name(by), "rename", workspace_id, version, {"from": row.name, "to": name})
                return version
        except IntegrityError:
            raise InputError(f"a workspace named '{name}' already exists: choose another name") from None

    def duplicate(self, workspace_id: int, name: str | None = None, *, by: Actor,
                  owner: str | None = None) -> int:
        """A copy of the workspace (files, mapping, settings, snapshots), named `name` or
        "<name> (copy)" made unique; returns the copy's id. The copy belongs to `owner` when
        given (a guest duplicating a shared workspace owns the copy), else to the original's owner.
        A copy of one's own (`owner` is `by`) needs "view"; a copy for the original's owner "edit";
        a copy for anyone else "own"."""
        chosen = queries.check_name(name) if name is not None else None
        need = "view" if owner is not None and owner == by else "edit" if owner is None else "own"

        def copy() -> int:
            with self._writing() as conn:
                source = require(conn, workspace_id, by, need, locked=True)  # no write can interleave
                new_owner = owner if owner is not None else source.owner
                new_name = chosen or queries.free_name(conn, f"{source.name} (copy)", new_owner)
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
                self._audit(conn, actor_name(by), "duplicate", new_id, 1, {"name": new_name, "from": workspace_id})
                return new_id

        if chosen is None:
            return self._retrying(copy)
        try:
            return copy()
        except IntegrityError:
            raise InputError(f"a workspace named '{chosen}' already exists: choose another name") from None

    def delete(self, workspace_id: int, *, by: Actor) -> None:
        """Delete the workspace and everything in it (the UI asks for confirmation first). Its
        owner's right ("own")."""
        with self._writing() as conn:
            row = require(conn, workspace_id, by, "own")
            for table in (FILES, MAPPINGS, SETTINGS, SNAPSHOTS):
                conn.execute(delete(table).where(table.c.workspace_id == workspace_id))
            conn.execute(delete(WORKSPACES).where(WORKSPACES.c.id == workspace_id))
            self._audit(conn, actor_name(by), "delete", workspace_id, row.version + 1, {"name": row.name})

    def list_workspaces(self, owner: str | None = None) -> list[WorkspaceInfo]:
        """The workspaces `owner` may open — its own and those shared with it — by name (owner
        None: the workspaces without an owner, the local single-user case)."""
        counts = (select(FILES.c.workspace_id, func.count().label("n")).group_by(FILES.c.workspace_id).subquery())
        query = (select(WORKSPACES, func.coalesce(counts.c.n, 0).label("n"))
                 .outerjoin(counts, counts.c.workspace_id == WORKSPACES.c.id).where(queries.visible_to(owner)))
        with self._reading() as conn:
            rows = conn.execute(query).all()
        found = [WorkspaceInfo(r.id, r.name, r.owner, r.created_at, r.updated_at, r.version, r.n) for r in rows]
        return sorted(found, key=lambda w: (w.name.casefold(), w.id))

    def load(self, workspace_id: int, *, by: Actor) -> StoredWorkspace:
        """The workspace as last saved: files with their bytes, mapping, settings, version. For its
        owner and guests ("view"); anyone else gets NotFound, the same answer as for a workspace
        that does not exist (an id in a link reveals nothing)."""
        with self._reading() as conn:
            require(conn, workspace_id, by, "view")
            return queries.load(conn, workspace_id)

    def can_open(self, workspace_id: int, *, by: Actor) -> bool:
        """Whether `by` may open the workspace: False alike for no such workspace and for one that
        is not theirs."""
        try:
            with self._reading() as conn:
                require(conn, workspace_id, by, "view")
        except NotFound:
            return False
        return True

    def version(self, workspace_id: int, *, by: Actor) -> int:
        """The workspace's current version: a cheap "has anyone saved since I loaded it?"."""
        with self._reading() as conn:
            return require(conn, workspace_id, by, "view").version

    # files, mapping, settings ------------------------------------------------------------

    def save(self, workspace_id: int, *, files: dict[str, bytes] | None = None, mapping_json: str | None = None,
             settings_json: str | None = None, base_version: int | None = None, by: Actor) -> int:
        """Save any of the workspace's files (its complete set: files not in `files` are
        removed, with their mapping entries unless `mapping_json` is given), mapping and
        settings in one transaction. Returns the workspace's new version; raises Conflict (see
        the module's docstring) and saves nothing when `base_version` is stale for an item
        this save changes."""
        return self._save(workspace_id, put=files or {}, drop=None if files is not None else set(),
                          mapping_json=mapping_json, settings_json=settings_json, base_version=base_version, by=by)

    def save_files(self, workspace_id: int, files: dict[str, bytes], *, base_version: int | None = None,
                   by: Actor) -> int:
        """Make the workspace's files exactly `files` (name → bytes)."""
        return self.save(workspace_id, files=files, base_version=base_version, by=by)

    def add_file(self, workspace_id: int, name: str, content: bytes, *, base_version: int | None = None,
                 by: Actor) -> int:
        """Add the file, or replace the one of the same name; other files stay."""
        return self._save(workspace_id, put={name: content}, drop=set(), base_version=base_version, by=by)

    def remove_file(self, workspace_id: int, name: str, *, base_version: int | None = None,
                    by: Actor) -> int:
        """Remove the file and its mapping entries (`name` and `name:sheet`)."""
        return self._save(workspace_id, put={}, drop={name}, base_version=base_version, by=by)

    def update_files(self, workspace_id: int, files: dict[str, bytes], *, remove: dict[str, str] | None = None,
                     mapping_json: str, base_version: int | None = None, by: Actor) -> int:
        """Next month's files in one transaction: add or replace `files`, remove the files that
        `remove` names (old name → the new file replacing it) and save `mapping_json`; other
        files, settings and reported months stay. Audited as "update" (with `renamed`)."""
        return self._save(workspace_id, put=files, drop=set(remove or {}), mapping_json=mapping_json,
                          base_version=base_version, by=by, audit=("update", {"renamed": dict(remove or {})}))

    def save_mapping(self, workspace_id: int, mapping_json: str, *, base_version: int | None = None,
                     by: Actor) -> int:
        """Save the mapping (validated: a bad one is an InputError); stored as
        `kpi.ingest.mapping.mapping_to_json` writes it."""
        return self._save(workspace_id, put={}, drop=set(), mapping_json=mapping_json, base_version=base_version,
                          by=by)

    def save_settings(self, workspace_id: int, settings_json: str, *, base_version: int | None = None,
                      by: Actor) -> int:
        """Save the settings: any JSON object (see `settings_to_json`), kept as given."""
        return self._save(workspace_id, put={}, drop=set(), settings_json=settings_json, base_version=base_version,
                          by=by)

    def _save(self, workspace_id: int, *, put: dict[str, bytes], drop: set[str] | None,
              mapping_json: str | None = None, settings_json: str | None = None, base_version: int | None,
              by: Actor, audit: tuple[str, dict] = ("save", {})) -> int:
        """`put`: files to add or replace; `drop`: files to remove (None: every file not in `put`).
        The owner's and editors' right ("edit")."""
        for name in put:
            queries.check_file_name(name)
        mapping_text = queries.canonical_mapping(mapping_json) if mapping_json is not None else None
        if settings_json is not None:
            queries.check_settings(settings_json)
        digests = {name: hashlib.sha256(content).hexdigest() for name, content in put.items()}

        with self._writing() as conn:
            row = require(conn, workspace_id, by, "edit")
            who = actor_name(by)
            current = {f.name: f for f in conn.execute(
                select(FILES.c.name, FILES.c.sha256, FILES.c.revision).where(FILES.c.workspace_id == workspace_id))}
            to_drop = set(current) - set(put) if drop is None else (drop & set(current)) - set(put)
            to_put = {name: content for name, content in put.items()
                      if name not in current or current[name].sha256 != digests[name]}
            for name in sorted(to_drop | set(to_put)):
                if name in current:
                    self._check(conn, row, f"the file '{name}'", current[name].revision, base_version)

            stored_mapping = queries.read_mapping(conn, workspace_id)
            if mapping_text is None and to_drop:
                mapping_text = queries.without_files(stored_mapping, to_drop)
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
            version = queries.bump(conn, row)
            now = _now()
            if to_drop:
                conn.execute(delete(FILES).where(FILES.c.workspace_id == workspace_id, FILES.c.name.in_(to_drop)))
            for name, content in to_put.items():
                if name in current:
                    conn.execute(delete(FILES).where(FILES.c.workspace_id == workspace_id, FILES.c.name == name))
                conn.execute(insert(FILES).values(queries.file_row(workspace_id, name, content, now, who, version)))
            if mapping_text is not None:
                queries.write_mapping(conn, workspace_id, mapping_text)
                conn.execute(update(WORKSPACES).where(WORKSPACES.c.id == workspace_id)
                             .values(mapping_revision=version))
            if settings_json is not None:
                values = dict(json=settings_json, revision=version, updated_at=now, updated_by=who)
                if stored_settings is None:
                    conn.execute(insert(SETTINGS).values(workspace_id=workspace_id, **values))
                else:
                    conn.execute(update(SETTINGS).where(SETTINGS.c.workspace_id == workspace_id).values(**values))
            self._audit(conn, who, audit[0], workspace_id, version, {**audit[1],
                "files_added": sorted(set(to_put) - set(current)), "files_replaced": sorted(set(to_put) & set(current)),
                "files_removed": sorted(to_drop), "mapping": mapping_text is not None,
                "settings": settings_json is not None,
            })
            return version

    def _check(self, conn: Connection, row: Any, item: str, revision: int, base_version: int | None) -> None:
        if base_version is None or revision <= base_version:
            return
        author = conn.execute(select(AUDIT.c.at, AUDIT.c.who).where(
            queries.history_of(row.id), AUDIT.c.revision == revision).order_by(AUDIT.c.id.desc())).first()
        raise Conflict(row.id, item, base_version, row.version, author.at if author else None,
                       author.who if author else None)

    # reported months ---------------------------------------------------------------------

    def mark_reported(self, workspace_id: int, month: str, report: dict | str, *, by: Actor,
                      base_version: int | None = None) -> int:
        """Freeze `report` (the JSON report, `Report.to_json()`, of `month`) as what was reported
        for that month. Marking a month again replaces its snapshot (the audit keeps who and
        when)."""
        month = queries.check_month(month)
        document = json.loads(report) if isinstance(report, str) else report
        if not isinstance(document, dict):
            raise ValueError("a report is a JSON object (Report.to_json())")
        if document.get("as_of") not in (None, month):
            raise ValueError(f"this report is as of {document['as_of']}, not {month}")
        text = json.dumps(document, ensure_ascii=False)
        with self._writing() as conn:
            row = require(conn, workspace_id, by, "edit")
            stored = conn.execute(select(SNAPSHOTS.c.report, SNAPSHOTS.c.revision).where(
                SNAPSHOTS.c.workspace_id == workspace_id, SNAPSHOTS.c.month == month)).first()
            if stored is not None:
                if stored.report == text:
                    return row.version
                self._check(conn, row, f"the report of {month}", stored.revision, base_version)
                conn.execute(delete(SNAPSHOTS).where(SNAPSHOTS.c.workspace_id == workspace_id,
                                                     SNAPSHOTS.c.month == month))
            version = queries.bump(conn, row)
            conn.execute(insert(SNAPSHOTS).values(workspace_id=workspace_id, month=month, report=text,
                                                  reported_at=_now(), reported_by=actor_name(by), revision=version))
            self._audit(conn, actor_name(by), "report", workspace_id, version,
                        {"month": month, "again": stored is not None})
            return version

    def unmark_reported(self, workspace_id: int, month: str, *, by: Actor,
                        base_version: int | None = None) -> int:
        """Forget the month's snapshot."""
        month = queries.check_month(month)
        with self._writing() as conn:
            row = require(conn, workspace_id, by, "edit")
            revision = conn.scalar(select(SNAPSHOTS.c.revision).where(
                SNAPSHOTS.c.workspace_id == workspace_id, SNAPSHOTS.c.month == month))
            if revision is None:
                return row.version
            self._check(conn, row, f"the report of {month}", revision, base_version)
            version = queries.bump(conn, row)
            conn.execute(delete(SNAPSHOTS).where(SNAPSHOTS.c.workspace_id == workspace_id, SNAPSHOTS.c.month == month))
            self._audit(conn, actor_name(by), "unreport", workspace_id, version, {"month": month})
            return version

    def snapshots(self, workspace_id: int, *, by: Actor) -> list[Snapshot]:
        """The reported months, oldest first."""
        with self._reading() as conn:
            require(conn, workspace_id, by, "view")
            return queries.snapshots(conn, workspace_id)

    def restatements(self, workspace_id: int, current_reports: MappingABC[str, dict | str | None], *,
                     by: Actor) -> list[Restatement]:
        """The reported months whose KPIs the current data changes, given the current JSON report
        of each reported month (None: the month has no data any more). Months not given are
        not checked."""
        found = []
        for snapshot in self.snapshots(workspace_id, by=by):
            if snapshot.month not in current_reports:
                continue
            now = current_reports[snapshot.month]
            now = json.loads(now) if isinstance(now, str) else now
            changes = report_differences(snapshot.report, now or {})
            if changes:
                found.append(Restatement(snapshot.month, snapshot.reported_at, snapshot.reported_by, tuple(changes)))
        return found

    # one zip per workspace ---------------------------------------------------------------

    def export_zip(self, workspace_id: int, *, by: Actor) -> bytes:
        """The workspace as one zip (`kpi.store.archive.write_export`); a guest who can view may."""
        with self._reading() as conn:  # one consistent state
            require(conn, workspace_id, by, "view")
            workspace, reported = queries.load(conn, workspace_id), queries.snapshots(conn, workspace_id)
        data = write_export(workspace, reported, _now())
        self.audit("export", by=by, workspace_id=workspace_id, detail={"name": workspace.name})
        return data

    def import_zip(self, data: bytes, name: str | None = None, *, owner: str | None = None, by: str | None = None,
                   limits: ImportLimits = ImportLimits()) -> int:
        """A new workspace from an `export_zip` file, named `name` (default: the exported
        name, made unique). Anything that is not a well-formed export is an InputError, before
        anything is written."""
        contents = _read_export(data, limits)
        chosen = queries.check_name(name) if name is not None else None
        try:
            mapping_text = queries.canonical_mapping(contents.mapping_json, source="mapping.json")
        except InputError as error:
            raise _bad(f"mapping.json: {error.message}") from None

        def create() -> int:
            with self._writing() as conn:
                new_name = chosen or queries.free_name(conn, queries.check_name(contents.name), owner)
                workspace_id = self._insert_workspace(conn, new_name, owner, {}, mapping_text,
                                                      contents.settings_json, by)
                for entry in contents.files:
                    conn.execute(insert(FILES).values(
                        queries.file_row(workspace_id, entry.name, contents.bytes[entry.name], entry.uploaded_at,
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
        (`kpi.ingest.layouts.layout_signature`)."""
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
        """`kpi.ingest.layouts.LayoutMemory`'s interface (recall(sheet), remember(sheet, mapping)) on
        this store."""
        return StoredLayoutMemory(self, owner)

    def import_layouts_file(self, path: Path, *, owner: str | None = None) -> int:
        """Copy the layouts remembered in a `kpi.ingest.layouts` JSON file; returns how many."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            return 0
        entries = {k: v for k, v in data.items() if isinstance(v, dict)} if isinstance(data, dict) else {}
        for signature, mapping in entries.items():
            self.remember_layout(signature, mapping, owner=owner)
        return len(entries)

    # audit trail -------------------------------------------------------------------------

    def audit(self, action: str, *, by: Actor, workspace_id: int | None = None,
              detail: dict | None = None) -> None:
        """Record an action of `by` that wrote nothing else (a sign-in; an export of a workspace,
        which `by` must be able to open: "view")."""
        with self._writing() as conn:
            if workspace_id is not None:
                require(conn, workspace_id, by, "view", locked=False)
            self._audit(conn, actor_name(by), action, workspace_id, None, detail or {})

    def _audit(self, conn: Connection, who: str | None, action: str, workspace_id: int | None,
               revision: int | None, detail: dict) -> None:
        conn.execute(insert(AUDIT).values(at=_now(), who=who, action=action, workspace_id=workspace_id,
                                          revision=revision, detail=json.dumps(detail, ensure_ascii=False)))

    def audit_log(self, workspace_id: int, limit: int = 100, *, by: Actor) -> list[AuditEntry]:
        """The workspace's latest entries, newest first ("view")."""
        query = select(AUDIT).where(queries.history_of(workspace_id)).order_by(AUDIT.c.id.desc()).limit(limit)
        with self._reading() as conn:
            require(conn, workspace_id, by, "view")
            rows = conn.execute(query).all()
        return [AuditEntry(r.at, r.who, r.action, r.workspace_id, r.revision, json.loads(r.detail)) for r in rows]
