"""The database: its tables as the migrations left them, where it is, and how it is opened.

SQLite in WAL mode with `synchronous=FULL` by default (`$KPI_WORKBENCH_HOME/workbench.db`),
PostgreSQL when `KPI_DATABASE_URL` is set; timestamps are stored in UTC.
"""

from __future__ import annotations

import os
from collections.abc import Mapping as MappingABC
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
    event,
)
from sqlalchemy.engine import URL

if TYPE_CHECKING:
    pass



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
    Column("shared_by", String(200)), Column("role", String(10)),
)
SUBSCRIBERS = Table(
    "alert_subscribers", _meta,
    Column("workspace_id", Integer), Column("kind", String(10)), Column("address", String(500)),
    Column("added_at", UTCDateTime), Column("added_by", String(200)),
)
ALERTS_SENT = Table(
    "alerts_sent", _meta,
    Column("workspace_id", Integer), Column("month", String(7)), Column("kpi", String(40)), Column("rule", String(40)),
    Column("kind", String(10)), Column("address", String(500)), Column("sent_at", UTCDateTime),
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
