"""The team's product-events database in the app: where it is configured, whether a workspace
uses it, and its counts (docs/hosting.md#product-events-in-a-database).

A hosted team sets the source once (KPI_EVENTS_DATABASE_URL with KPI_EVENTS_TABLE or
KPI_EVENTS_QUERY, optionally KPI_EVENTS_COLUMNS) in the environment or in
.streamlit/secrets.toml; `kpi.ingest.sql_events.source_from_settings` reads it, the environment
first. Each workspace opts in on Definitions & settings (`Settings.events_source = "database"`);
without a configured source, or without the opt-in, nothing changes: the events come from the
workspace's file.

The database counts the five aggregate tables (`kpi.ingest.sql_events.aggregate`) once per
source, value event and ten-minute window (`WINDOW_SECONDS`: the database changes while the
files do not); every session shares them, like the CLI's `--events-sql`. `token` names the
window in force, so a report (`ui.data`) and a view built on the counts are rebuilt with the
next window's. A database that cannot be read is one sentence (`Counts.error`), remembered for
the window too, so a page does not wait on an unreachable server at every click.
"""

from __future__ import annotations

import hashlib
import json
import time
import dataclasses
from dataclasses import dataclass

import streamlit as st

from kpi.errors import InputError
from kpi.ingest.mapping import Tables
from kpi.ingest.sql_events import EventsSource, aggregate, event_names, source_from_settings
from kpi.metrics.event_aggregates import EventAggregates, for_customers, from_tables
from kpi.report.build import Settings

WINDOW_SECONDS = 600  # counts are kept ten minutes, then counted again
clock = time.time  # the windows' clock (a test sets its own)
CHOICES = {"file": "From this workspace's events file",
           "database": "Counted by the team's events database"}  # the choices of "Product events of this workspace"


@dataclass(frozen=True)
class Counts:
    """What the team's events database gave for one source, value event and window:
    `aggregates` (None when it could not be read, `error` then says why in one sentence),
    `source` in words without the password, aggregate `rows` received and `seconds` taken."""

    source: str
    aggregates: EventAggregates | None
    error: str | None = None
    rows: int = 0
    seconds: float = 0.0


def _secrets() -> dict:
    try:
        return dict(st.secrets)
    except Exception:  # no secrets.toml: local use, nothing configured
        return {}


def configured() -> EventsSource | InputError | None:
    """The events database the team configured (environment first, then st.secrets); None when
    no KPI_EVENTS_DATABASE_URL is set; the InputError of a setting that names no table or query."""
    try:
        return source_from_settings(_secrets())
    except InputError as error:
        return error


def source_key(source: EventsSource) -> str:
    """sha256 of everything that decides the counts: the URL (password included: another
    password may open another database's view), the table or query and the columns."""
    text = json.dumps([source.url, source.table, source.query, sorted(source.columns.items())])
    return hashlib.sha256(text.encode()).hexdigest()


def token(settings: Settings, now: float | None = None) -> str:
    """The counts a report of these settings is built with: "" for the workspace's events file
    (the default; also when no database is configured); else "<source key>:<window>" (or
    "error:<sha256 of the setting's message>" for a setting that is not a source)."""
    if settings.events_source != "database":
        return ""
    source = configured()
    if source is None:
        return ""
    if isinstance(source, InputError):
        return "error:" + hashlib.sha256(str(source).encode()).hexdigest()
    return f"{source_key(source)}:{int((clock() if now is None else now) // WINDOW_SECONDS)}"


@st.cache_resource(max_entries=8, ttl=WINDOW_SECONDS, show_spinner="Counting product events in the database…")
def _counted(key: str, value_event: str, window: int, _source: EventsSource) -> Counts:
    """The five aggregate tables the source counts for `value_event` (`key` = source_key(_source)),
    once per ten-minute `window`; a failure is kept as its sentence for the window too."""
    try:
        counted = aggregate(_source, value_event=value_event)
    except InputError as error:
        return Counts(_source.describe(), None, _sentence(str(error)))
    return Counts(counted.source, from_tables(counted.tables, value_event=value_event, source=counted.source),
                  rows=counted.rows, seconds=counted.seconds)


def _sentence(message: str) -> str:
    """An InputError's message as a sentence: a capital first and a full stop."""
    message = message.strip()
    return message[:1].upper() + message[1:] + ("" if message.endswith((".", ")")) else ".")


def counts(events: str, value_event: str) -> Counts | None:
    """The counts named by `events` (a `token`) for this value event; None for ""."""
    if not events:
        return None
    source = configured()
    if isinstance(source, InputError) or source is None:
        return Counts("events database", None, _sentence(str(source) if source is not None
                                                         else "no events database is set any more"))
    taken_for, _, window = events.rpartition(":")
    if taken_for != source_key(source):  # the setting changed since the token was taken: count the one in force
        window = str(int(clock() // WINDOW_SECONDS))
    return _counted(source_key(source), value_event, int(window), source)


@st.cache_resource(max_entries=8, ttl=3600, show_spinner=False)
def _event_names(key: str, _source: EventsSource) -> list[str] | str:
    """The source's distinct event names (`key` = source_key(_source)), or why it cannot say."""
    try:
        return event_names(_source)
    except InputError as error:
        return _sentence(str(error))


def value_event_choices(settings: Settings) -> list[str] | None:
    """The distinct event names of the team's events database, when these settings read it
    (None: they read the events file): the value event's choices. SELECT DISTINCT scans the
    table, so they are kept an hour; [] when the database cannot say."""
    if not token(settings) or not isinstance(source := configured(), EventsSource):
        return None
    names = _event_names(source_key(source), source)
    return names if isinstance(names, list) else []


def report_inputs(events: str, settings: Settings, tables: Tables,
                  filters: tuple = ()) -> tuple[Tables, EventAggregates | None]:
    """What `build_report` reads the events from: ("" token) the tables as they are and no
    aggregates; else the tables without their events file and the database's aggregates —
    under segment `filters`, those of the customers left in `tables` (`for_customers`) — or
    no events at all when the database could not be read or counted none (the pages say why)."""
    counted = counts(events, settings.value_event)
    if counted is None:
        return tables, None
    # the same kind of tables (a segment's keep their customers' codes), without the events file
    without_file = dataclasses.replace(tables, frames={name: frame for name, frame in tables.frames.items()
                                                       if name != "events"})
    aggregates = counted.aggregates
    customers = tables.get("customers")
    if aggregates is not None and filters and customers is not None and "customer_id" in customers:
        aggregates = for_customers(aggregates, customers["customer_id"].dropna())
    return without_file, aggregates if aggregates is not None and not aggregates.empty else None


def choice_label(choice: str, source: EventsSource) -> str:
    """A choice of Definitions & settings in words, the source named without its password."""
    return CHOICES[choice] + (f" ({source.describe()})" if choice == "database" else "")
