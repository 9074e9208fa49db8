"""The store's schema history: ordered migrations, applied at start, recorded in `schema_version`.

Each migration is a function of an open connection that brings the schema from version n − 1 to
n. `migrate(conn)` runs, inside the caller's transaction, every migration the database has not
seen yet, and records each one in `schema_version`; a second process starting at the same time
waits for the first (SQLite: the caller's `BEGIN IMMEDIATE`; PostgreSQL: an advisory lock), then
finds nothing left to do. A failure rolls back the whole transaction, so a database is always
at one recorded version, never between two.

A migration describes its tables as they were at that version (its own `MetaData`), never with
`kpi.store.workspaces`'s current tables: those change, history does not. To change the schema, append a
function to `MIGRATIONS`; never edit one that has shipped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    func,
    insert,
    select,
    text,
)

# Any constant will do: it only has to be the same in every process migrating this database.
_POSTGRES_LOCK = 0x4B50495F4D494752  # "KPI_MIGR"


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    apply: Callable[[Connection], None]


def _workspace_id() -> Column:
    return Column("workspace_id", Integer, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False)


def _initial(conn: Connection) -> None:
    """Workspaces with their uploaded files, mapping, settings and reported snapshots."""
    meta = MetaData()
    Table(
        "workspaces", meta,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("name", String(200), nullable=False),
        Column("owner", String(200)),  # None until sign-in exists
        Column("created_at", DateTime, nullable=False),
        Column("updated_at", DateTime, nullable=False),
        Column("version", Integer, nullable=False),  # +1 on every write to anything in the workspace
        Column("mapping_revision", Integer, nullable=False),  # the version that last wrote the mapping
    )
    Index("workspaces_owner_name", func.coalesce(meta.tables["workspaces"].c.owner, ""),
          meta.tables["workspaces"].c.name, unique=True)
    Table(
        "files", meta, _workspace_id(),
        Column("name", String(255), nullable=False),
        Column("sha256", String(64), nullable=False),
        Column("size", BigInteger, nullable=False),
        Column("content", LargeBinary, nullable=False),
        Column("uploaded_at", DateTime, nullable=False),
        Column("uploaded_by", String(200)),
        Column("revision", Integer, nullable=False),
        PrimaryKeyConstraint("workspace_id", "name"),
    )
    Table(
        "mappings", meta, _workspace_id(),
        Column("key", String(600), nullable=False),  # file[:sheet]
        Column("position", Integer, nullable=False),
        Column("json", Text, nullable=False),
        PrimaryKeyConstraint("workspace_id", "key"),
    )
    Table(
        "settings", meta, _workspace_id(),
        Column("json", Text, nullable=False),
        Column("revision", Integer, nullable=False),
        Column("updated_at", DateTime, nullable=False),
        Column("updated_by", String(200)),
        PrimaryKeyConstraint("workspace_id"),
    )
    Table(
        "snapshots", meta, _workspace_id(),
        Column("month", String(7), nullable=False),  # YYYY-MM
        Column("report", Text, nullable=False),  # the JSON report, frozen
        Column("reported_at", DateTime, nullable=False),
        Column("reported_by", String(200)),
        Column("revision", Integer, nullable=False),
        PrimaryKeyConstraint("workspace_id", "month"),
    )
    meta.create_all(conn)


def _layouts_and_audit(conn: Connection) -> None:
    """Remembered mappings per file layout (until now a JSON file) and the audit trail."""
    meta = MetaData()
    layouts = Table(
        "layouts", meta,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("owner", String(200)),
        Column("signature", String(64), nullable=False),
        Column("mapping", Text, nullable=False),  # one TableMapping's JSON
        Column("updated_at", DateTime, nullable=False),
    )
    Index("layouts_owner_signature", func.coalesce(layouts.c.owner, ""), layouts.c.signature, unique=True)
    audit = Table(
        "audit", meta,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("at", DateTime, nullable=False),
        Column("who", String(200)),
        Column("action", String(40), nullable=False),
        Column("workspace_id", Integer),  # no foreign key: the trail outlives a deleted workspace
        Column("revision", Integer),  # the workspace version this action wrote
        Column("detail", Text, nullable=False),  # JSON object
    )
    Index("audit_workspace_revision", audit.c.workspace_id, audit.c.revision)
    meta.create_all(conn)


def _shares(conn: Connection) -> None:
    """Workspaces shared with named users (by e-mail), for the hosted, signed-in app."""
    meta = MetaData()
    Table("workspaces", meta, Column("id", Integer, primary_key=True))
    Table(
        "shares", meta,
        Column("workspace_id", Integer, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
        Column("email", String(200), nullable=False),
        Column("shared_at", DateTime, nullable=False),
        Column("shared_by", String(200)),
        PrimaryKeyConstraint("workspace_id", "email"),
    )
    meta.tables["shares"].create(conn)


def _share_roles(conn: Connection) -> None:
    """A role per share: "view" (can view) or "edit" (can edit). Shares made before roles existed
    let their guest work in the workspace, so they become "edit"."""
    conn.execute(text("ALTER TABLE shares ADD COLUMN role VARCHAR(10) NOT NULL DEFAULT 'edit'"))


def _alert_delivery(conn: Connection) -> None:
    """Who receives a workspace's alerts (e-mail addresses and webhook URLs) and what was sent to
    whom: one row per alert (month, KPI, rule) and recipient, so a second run sends nothing twice
    and a new subscriber still gets the month's alerts once. SMTP settings are never stored."""
    meta = MetaData()
    Table("workspaces", meta, Column("id", Integer, primary_key=True))
    Table(
        "alert_subscribers", meta, _workspace_id(),
        Column("kind", String(10), nullable=False),  # "email" or "webhook"
        Column("address", String(500), nullable=False),
        Column("added_at", DateTime, nullable=False),
        Column("added_by", String(200)),
        PrimaryKeyConstraint("workspace_id", "kind", "address"),
    )
    Table(
        "alerts_sent", meta, _workspace_id(),
        Column("month", String(7), nullable=False),  # YYYY-MM, the month the alert is about
        Column("kpi", String(40), nullable=False),
        Column("rule", String(40), nullable=False),
        Column("kind", String(10), nullable=False),
        Column("address", String(500), nullable=False),
        Column("sent_at", DateTime, nullable=False),  # written after the server accepted it
        PrimaryKeyConstraint("workspace_id", "month", "kpi", "rule", "kind", "address"),
    )
    meta.tables["alert_subscribers"].create(conn)
    meta.tables["alerts_sent"].create(conn)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "workspaces, files, mappings, settings, snapshots", _initial),
    Migration(2, "remembered layouts and audit trail", _layouts_and_audit),
    Migration(3, "workspaces shared with named users", _shares),
    Migration(4, "a role per share: can view or can edit", _share_roles),
    Migration(5, "alert subscribers and the log of alerts sent", _alert_delivery),
)
LATEST = MIGRATIONS[-1].version

_versions = Table(
    "schema_version", MetaData(),
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("description", String(200), nullable=False),
    Column("applied_at", DateTime, nullable=False),
)


def current_version(conn: Connection) -> int:
    """The schema version of this database: 0 for an empty one."""
    if not conn.dialect.has_table(conn, "schema_version"):
        return 0
    return conn.scalar(select(func.max(_versions.c.version))) or 0


def migrate(conn: Connection, target: int | None = None) -> int:
    """Apply the migrations this database lacks, up to `target` (default: the latest).

    Runs inside the caller's transaction, which must hold the database's write lock on SQLite
    (`BEGIN IMMEDIATE`). Returns the version reached. A database newer than this code is an
    error: an older app must not write into a schema it does not know."""
    target = LATEST if target is None else target
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _POSTGRES_LOCK})
    _versions.create(conn, checkfirst=True)
    version = current_version(conn)
    if version > LATEST:
        raise RuntimeError(f"the workspace database is at schema version {version}, newer than this app "
                           f"knows ({LATEST}): upgrade the app before opening it")
    for migration in MIGRATIONS[version:target]:
        migration.apply(conn)
        conn.execute(insert(_versions).values(version=migration.version, description=migration.description,
                                              applied_at=datetime.now(UTC).replace(tzinfo=None)))
        version = migration.version
    return version


assert [m.version for m in MIGRATIONS] == list(range(1, len(MIGRATIONS) + 1)), "migrations must be numbered 1, 2, …"
