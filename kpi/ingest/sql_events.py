"""Product events read from a database, counted by the database.

docs/definitions.md#engagement, docs/cli.md. A product with a million monthly actives writes a
billion events a year into a warehouse; the engagement KPIs need only a few thousand counts of
them. `aggregate` sends five GROUP BY queries (SQLAlchemy Core, the date truncation compiled per
dialect) over a table or a SELECT of the user's, and returns the five aggregate tables of
`kpi.metrics.event_aggregates` — daily, monthly, customer_daily, customer_monthly, first_value —
with the same columns the file path counts, so DAU/MAU, TTFV and the health score's usage give
the same numbers. Only aggregates cross the wire.

A source names its columns with the fields of the events table (user_id, timestamp, customer_id,
event); unnamed fields are recognised from the column names by the events table's header
vocabulary (`kpi.ingest.headers`). A wrong URL, a missing table or a missing column is one
`InputError` sentence; the URL's password is never printed.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import and_, case, column, create_engine, func, inspect, select, table, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, NoSuchTableError, SQLAlchemyError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement
from sqlalchemy.types import DateTime

from kpi.errors import InputError
from kpi.ingest.headers import SYNONYMS, name_score, tokens

FIELDS = ("user_id", "timestamp", "customer_id", "event")
REQUIRED = ("user_id", "timestamp")
RECOGNISED_FROM = 0.8  # a column name scoring this much against a field's synonyms is that field
SETTING_KEYS = ("KPI_EVENTS_DATABASE_URL", "KPI_EVENTS_TABLE", "KPI_EVENTS_QUERY", "KPI_EVENTS_COLUMNS")


# ── Date truncation, per dialect ──────────────────────────────────────────────────────────────


class day_of(FunctionElement):  # noqa: N801 - reads as SQL: day_of(ts)
    """The calendar day of a timestamp, as the database writes it (midnight of that day)."""

    type = DateTime()
    inherit_cache = True
    name = "day_of"


class month_of(FunctionElement):  # noqa: N801
    """The first day of a timestamp's month."""

    type = DateTime()
    inherit_cache = True
    name = "month_of"


# (dialect, unit) → SQL with {x} for the timestamp; the unit is written as a literal, so SELECT
# and GROUP BY compile to the same text (PostgreSQL refuses two bind parameters there).
TRUNCATIONS: dict[str, dict[str, str]] = {
    "default": {"day": "date_trunc('day', {x})", "month": "date_trunc('month', {x})"},  # PostgreSQL, Redshift,
    # Snowflake, Trino, DuckDB
    "sqlite": {"day": "date({x})", "month": "strftime('%Y-%m-01', {x})"},
    "bigquery": {"day": "TIMESTAMP_TRUNC({x}, DAY)", "month": "TIMESTAMP_TRUNC({x}, MONTH)"},
    "mysql": {"day": "DATE({x})", "month": "DATE_FORMAT({x}, '%Y-%m-01')"},
    "mssql": {"day": "CAST({x} AS DATE)", "month": "DATEFROMPARTS(YEAR({x}), MONTH({x}), 1)"},
}


def _truncation(unit: str):
    def compile_for(dialect_name: str):
        def compiled(element: FunctionElement, compiler: Any, **kw: Any) -> str:
            (argument,) = list(element.clauses)
            sql = TRUNCATIONS.get(dialect_name, TRUNCATIONS["default"])[unit]
            return sql.format(x=compiler.process(argument, **kw))
        return compiled
    return compile_for


for _unit, _element in (("day", day_of), ("month", month_of)):
    compiles(_element)(_truncation(_unit)("default"))
    for _dialect in ("sqlite", "bigquery", "mysql", "mssql"):
        compiles(_element, _dialect)(_truncation(_unit)(_dialect))


# ── The source ────────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class EventsSource:
    """Where the events are: a SQLAlchemy URL and either a table (`schema.table` allowed) or a
    SELECT query; `columns` maps fields of the events table to the source's column names."""

    url: str
    table: str | None = None
    query: str | None = None
    columns: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if (self.table is None) == (self.query is None):
            raise InputError("an events database needs a table (--events-table) or a query (--events-query), "
                             "one of the two")
        unknown = sorted(set(self.columns) - set(FIELDS))
        if unknown:
            raise InputError(f"events column mapping names {', '.join(unknown)}: the fields are "
                             f"{', '.join(FIELDS)}")

    def safe_url(self) -> str:
        """The URL with its password hidden (***), for messages and logs."""
        return safe_url(self.url)

    def describe(self) -> str:
        what = f"table {self.table}" if self.table else "query"
        return f"{what} of {self.safe_url()}"


def safe_url(url: str) -> str:
    """`url` with its password replaced by ***; a text that is no URL is not repeated at all."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return "(an events database URL that is not a SQLAlchemy URL)"


def parse_columns(text_value: str | None) -> dict[str, str]:
    """'user_id=uid,timestamp=ts' → {'user_id': 'uid', 'timestamp': 'ts'}."""
    out: dict[str, str] = {}
    for part in (text_value or "").split(","):
        if not part.strip():
            continue
        name, sep, value = part.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise InputError(f"events columns '{part.strip()}' is not FIELD=COLUMN (fields: {', '.join(FIELDS)})")
        out[name.strip()] = value.strip()
    return out


def source_from_settings(secrets: Mapping[str, Any] | None = None) -> EventsSource | None:
    """The events database a hosted team configured: KPI_EVENTS_DATABASE_URL with
    KPI_EVENTS_TABLE or KPI_EVENTS_QUERY (and optionally KPI_EVENTS_COLUMNS), each from the
    environment, else from `secrets` (Streamlit's st.secrets, i.e. .streamlit/secrets.toml), the
    way the store finds KPI_DATABASE_URL. None when no URL is set."""
    def setting(key: str) -> str | None:
        value = os.environ.get(key) or (secrets or {}).get(key)
        return str(value) if value else None

    url = setting("KPI_EVENTS_DATABASE_URL")
    if url is None:
        return None
    return EventsSource(url, table=setting("KPI_EVENTS_TABLE"), query=setting("KPI_EVENTS_QUERY"),
                        columns=parse_columns(setting("KPI_EVENTS_COLUMNS")))


def recognise_columns(names: list[str], given: Mapping[str, str]) -> dict[str, str]:
    """Field → column: the given ones (checked to exist), the others recognised from the column
    names by the events vocabulary (best score ≥ 0.8, each column used once)."""
    missing = [f"{name} → {value}" for name, value in given.items() if value not in names]
    if missing:
        raise InputError(f"the events source has no column {', '.join(missing)} "
                         f"(its columns: {', '.join(names)})")
    chosen = dict(given)
    scored = sorted(((name_score(tokens(name), SYNONYMS["events"][wanted]), wanted, name)
                     for wanted in FIELDS if wanted not in chosen for name in names
                     if name not in chosen.values()), reverse=True)
    for score, wanted, name in scored:
        if score >= RECOGNISED_FROM and wanted not in chosen and name not in chosen.values():
            chosen[wanted] = name
    lacking = [wanted for wanted in REQUIRED if wanted not in chosen]
    if lacking:
        raise InputError(f"the events source has no column for {', '.join(lacking)} (its columns: "
                         f"{', '.join(names)}); name it with --events-columns FIELD=COLUMN")
    return chosen


# ── Counting ─────────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Counted:
    """The five aggregate tables (see kpi.metrics.event_aggregates), what they cost and where from."""

    tables: dict[str, pd.DataFrame]
    rows: int  # aggregate rows received
    bytes: int  # their size once in memory (pandas, deep): the order of what crossed the wire
    seconds: float
    columns: dict[str, str]  # field → column used
    source: str  # in words, without the password


def _engine(url: str):
    try:
        parsed: URL = make_url(url)
    except (ArgumentError, ValueError):
        raise InputError("the events database URL is not a SQLAlchemy URL "
                         "(dialect+driver://user:password@host/database)") from None
    try:
        return create_engine(parsed)
    except (NoSuchModuleError, ModuleNotFoundError, ImportError) as error:
        raise InputError(f"the events database {safe_url(url)} needs a driver that is not installed "
                         f"({type(error).__name__}: {_first_line(error, url)})") from None


def _first_line(error: BaseException, url: str) -> str:
    """The first line of a driver's message, the password removed if the driver repeated it."""
    message = str(getattr(error, "orig", None) or error).strip().splitlines()
    line = message[0] if message else type(error).__name__
    password = make_url(url).password if "://" in url else None
    return line.replace(str(password), "***") if password else line


def _source_columns(conn: Any, source: EventsSource) -> list[str]:
    if source.table is not None:
        schema, _, name = source.table.rpartition(".")
        try:
            return [c["name"] for c in inspect(conn).get_columns(name, schema=schema or None)]
        except NoSuchTableError:
            raise InputError(f"the events database {source.safe_url()} has no table '{source.table}'") from None
    probe = select(text("*")).select_from(text(f"({source.query}) AS events_probe")).where(text("1 = 0"))
    return list(conn.execute(probe).keys())


def _selectable(source: EventsSource, chosen: dict[str, str]):
    """The source as a FROM clause whose columns are the fields' names."""
    if source.table is not None:
        schema, _, name = source.table.rpartition(".")
        raw = table(name, *[column(c) for c in chosen.values()], schema=schema or None)
    else:
        raw = text(source.query).columns(*[column(c) for c in dict.fromkeys(chosen.values())]).subquery("events_query")
    return select(*[raw.c[chosen[f]].label(f) for f in chosen]).subquery("events_source")


def _per_user(columns: Any, keys: list[Any], where: Any, active: Any) -> Any:
    """One row per (keys…, user_id): rows (n) and whether one is active (0/1). Counting distinct
    users as rows of this GROUP BY lets the database hash instead of sort (COUNT(DISTINCT) sorts)."""
    flag = func.max(case((active, 1), else_=0))
    return (select(*keys, columns.user_id, func.count().label("n"), flag.label("act"))
            .where(where).group_by(*keys, columns.user_id).subquery())


def queries(source_columns: Any, *, value_event: str, active_events: tuple[str, ...] | None,
            customer_days_since: pd.Timestamp | None = None) -> dict[str, Any]:
    """The five GROUP BY statements over a FROM clause with columns user_id, timestamp[,
    customer_id, event]; each returns the columns of its aggregate table. Distinct users are
    counted in two steps (per user, then per key). `customer_days_since` keeps customer_daily to
    the days from then on (the health window and the as-of month need no more)."""
    c = source_columns.c
    dated = c.timestamp.is_not(None)
    active: ColumnElement = and_(dated, c.user_id.is_not(None))
    if active_events is not None and "event" in c:
        active = and_(active, c.event.in_(list(active_events)))
    day, month = day_of(c.timestamp).label("day"), month_of(c.timestamp).label("month")
    daily = _per_user(c, [day], dated, active)
    monthly = _per_user(c, [month], active, active)
    out = {
        "daily": select(daily.c.day, func.sum(daily.c.n).label("events"), func.sum(daily.c.act).label("active_users"))
        .group_by(daily.c.day),
        "monthly": select(monthly.c.month, func.count().label("active_users")).group_by(monthly.c.month),
    }
    if "customer_id" in c:
        known = and_(dated, c.customer_id.is_not(None))
        if customer_days_since is not None:
            known = and_(known, c.timestamp >= customer_days_since.to_pydatetime())
        per_day = _per_user(c, [c.customer_id, day], known, active)
        per_month = _per_user(c, [c.customer_id, month], and_(active, c.customer_id.is_not(None)), active)
        out["customer_daily"] = (select(per_day.c.customer_id, per_day.c.day, func.sum(per_day.c.n).label("events"),
                                        func.sum(per_day.c.act).label("active_users"))
                                 .group_by(per_day.c.customer_id, per_day.c.day))
        out["customer_monthly"] = (select(per_month.c.customer_id, per_month.c.month, func.count().label("active_users"))
                                   .group_by(per_month.c.customer_id, per_month.c.month))
        if "event" in c:
            out["first_value"] = (select(c.customer_id, func.min(c.timestamp).label("value_at"))
                                  .where(dated, c.customer_id.is_not(None), c.event == value_event)
                                  .group_by(c.customer_id))
    return out


EMPTY = {"daily": ("day", "events", "active_users"), "monthly": ("month", "active_users"),
         "customer_daily": ("customer_id", "day", "events", "active_users"),
         "customer_monthly": ("customer_id", "month", "active_users"), "first_value": ("customer_id", "value_at")}


def _dates(values: pd.Series) -> pd.Series:
    """Timestamps as naive datetime64[ns]: text (SQLite) parsed; aware ones (a PostgreSQL
    timestamptz, truncated in the session's time zone) keep their wall-clock time."""
    parsed = pd.to_datetime(values, format="ISO8601") if values.dtype == object else pd.to_datetime(values)
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_localize(None)
    return parsed.astype("datetime64[ns]")


def _frame(result: Any, name: str) -> pd.DataFrame:
    frame = pd.DataFrame(result.fetchall(), columns=list(EMPTY[name]))
    for date_column in ("day", "value_at"):
        if date_column in frame:
            frame[date_column] = _dates(frame[date_column])
    if "month" in frame:
        frame["month"] = _dates(frame["month"]).dt.to_period("M")
    return frame


def aggregate(source: EventsSource, *, value_event: str, active_events: tuple[str, ...] | None = None,
              customer_days_since: pd.Timestamp | None = None) -> Counted:
    """Run the five GROUP BY queries and return their tables (empty frames for the ones the
    source's columns cannot give: no customer_id, no event name). With `customer_days_since`,
    customer_daily starts that day (see `queries`)."""
    started = time.perf_counter()
    engine = _engine(source.url)
    try:
        with engine.connect() as conn:
            chosen = recognise_columns(_source_columns(conn, source), source.columns)
            statements = queries(_selectable(source, chosen), value_event=value_event, active_events=active_events,
                                 customer_days_since=customer_days_since)
            tables = {name: _frame(conn.execute(statement), name) for name, statement in statements.items()}
    except InputError:
        raise
    except (DBAPIError, SQLAlchemyError) as error:
        raise InputError(f"the events {source.describe()} could not be read: {_first_line(error, source.url)}") from None
    finally:
        engine.dispose()
    for name, columns in EMPTY.items():
        tables.setdefault(name, pd.DataFrame(columns=list(columns)))
    return Counted(tables, rows=sum(len(t) for t in tables.values()),
                   bytes=int(sum(t.memory_usage(deep=True).sum() for t in tables.values())),
                   seconds=time.perf_counter() - started, columns=chosen, source=source.describe())


def event_names(source: EventsSource, limit: int = 500) -> list[str]:
    """The source's distinct event names, sorted, at most `limit` (SELECT DISTINCT … LIMIT): the
    choices of the value event when the events stay in a database; [] when it has no event column."""
    engine = _engine(source.url)
    try:
        with engine.connect() as conn:
            chosen = recognise_columns(_source_columns(conn, source), source.columns)
            if "event" not in chosen:
                return []
            events = _selectable(source, chosen)
            names = (select(events.c.event).where(events.c.event.is_not(None)).distinct()
                     .order_by(events.c.event).limit(limit))
            return [str(name) for (name,) in conn.execute(names)]
    except InputError:
        raise
    except (DBAPIError, SQLAlchemyError) as error:
        raise InputError(f"the events {source.describe()} could not be read: "
                         f"{_first_line(error, source.url)}") from None
    finally:
        engine.dispose()
