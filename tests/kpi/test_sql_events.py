"""kpi.ingest.sql_events: the engagement aggregates counted by a database give the numbers of the
file path — SQLite always, PostgreSQL with 10,000,000 events generated in the server."""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import create_engine, text

from kpi.__main__ import main
from kpi.errors import InputError
from kpi.ingest.io import read_path
from kpi.ingest.mapping import build_tables
from kpi.ingest.recognise import auto_mapping
from kpi.ingest.sql_events import EventsSource, aggregate, parse_columns, safe_url, source_from_settings
from kpi.metrics import engagement, health
from kpi.metrics.event_aggregates import aggregate_events, from_tables
from tests.kpi.conftest_store import require_postgres

ROOT = Path(__file__).resolve().parents[2]
TABLES = ("daily", "monthly", "customer_daily", "customer_monthly", "first_value")
P = pd.Period


def small_log(rows: int = 4000, seed: int = 7) -> pd.DataFrame:
    """A product's events over seven months: 90 users of 12 accounts (each user in one account),
    three event names, timestamps to the second, written as text the way an export writes them."""
    rng = np.random.default_rng(seed)
    user = rng.integers(0, 90, rows)
    stamp = pd.Timestamp("2024-01-03") + pd.to_timedelta(rng.integers(0, 205 * 86400, rows), unit="s")
    return pd.DataFrame({"user_id": [f"u{u}" for u in user], "timestamp": stamp.strftime("%Y-%m-%d %H:%M:%S"),
                         "account_id": [f"acct_{u % 12}" for u in user],
                         "event": rng.choice(["login", "schedule_published", "report_viewed"], rows,
                                             p=[0.6, 0.1, 0.3])})


@pytest.fixture(scope="module")
def same_events(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, pd.DataFrame]:
    """The same events in a SQLite table and in a CSV read through the file path (recognised,
    mapped, parsed): (SQLite URL, the canonical events table of the CSV)."""
    folder = tmp_path_factory.mktemp("events")
    log = small_log()
    with sqlite3.connect(folder / "warehouse.db") as conn:
        log.to_sql("product_events", conn, index=False)
    log.to_csv(folder / "product_events.csv", index=False)
    sheets = read_path(folder / "product_events.csv")
    mapping, _ = auto_mapping(sheets)
    events = build_tables(sheets, mapping).frames["events"]
    assert len(events) == len(log)
    return f"sqlite:///{folder / 'warehouse.db'}", events


def test_sqlite_counts_the_same_aggregate_tables_as_the_file_path(same_events):
    url, events = same_events
    counted = aggregate(EventsSource(url, table="product_events"), value_event="schedule_published")
    assert counted.columns == {"user_id": "user_id", "timestamp": "timestamp", "customer_id": "account_id",
                               "event": "event"}  # recognised by the events vocabulary
    from_database = from_tables(counted.tables)
    from_file = aggregate_events(events)
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(from_database, name), getattr(from_file, name), obj=name)
    assert len(from_file.daily) == 205 and len(from_file.monthly) == 7 and len(from_file.first_value) == 12
    # far fewer rows cross the wire than there are events (a real log: millions to one)
    assert counted.rows == sum(len(getattr(from_file, name)) for name in TABLES) < len(events)


def test_sqlite_gives_the_same_dau_mau_ttfv_and_health_usage_as_the_file_path(same_events):
    url, events = same_events
    counted = from_tables(aggregate(EventsSource(url, table="product_events"), value_event="login").tables,
                          value_event="login")
    pd.testing.assert_frame_equal(engagement.dau_mau_by_month(counted), engagement.dau_mau_by_month(events))
    pd.testing.assert_frame_equal(engagement.dau_mau_by_month(counted, as_of="2024-05"),
                                  engagement.dau_mau_by_month(events, as_of="2024-05"))
    signups = pd.DataFrame({"customer_id": pd.array([f"acct_{i}" for i in range(12)], dtype="string"),
                            "signup_date": pd.date_range("2024-01-01", periods=12, freq="9D")})
    pd.testing.assert_frame_equal(engagement.time_to_value(counted, signups, value_event="login", as_of="2024-04"),
                                  engagement.time_to_value(events, signups, value_event="login", as_of="2024-04"))
    segments = signups.assign(segment=pd.array(["SMB", "Mid"] * 6, dtype="string"))
    pd.testing.assert_frame_equal(engagement.dau_mau_by_segment(counted, segments, "segment", as_of="2024-06"),
                                  engagement.dau_mau_by_segment(events, segments, "segment", as_of="2024-06"))
    by_database = health.health_scores("2024-06", events=counted, customers=signups)
    by_file = health.health_scores("2024-06", events=events, customers=signups)
    pd.testing.assert_frame_equal(by_database, by_file)
    assert by_file["usage_events_30d"].sum() > 0  # the window has events: a real comparison


def test_a_select_query_with_columns_named_on_the_command_line_form_is_a_source(same_events):
    url, events = same_events
    query = ("SELECT user_id AS who, timestamp AS ts, account_id AS acct, event AS what FROM product_events "
             "WHERE event <> 'report_viewed'")
    source = EventsSource(url, query=query, columns=parse_columns("user_id=who, timestamp=ts, customer_id=acct,"
                                                                  "event=what"))
    counted = from_tables(aggregate(source, value_event="schedule_published").tables)
    expected = aggregate_events(events[events["event"] != "report_viewed"])
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(counted, name), getattr(expected, name), obj=name)


def test_active_events_are_counted_in_the_database_too(same_events):
    url, events = same_events
    counted = aggregate(EventsSource(url, table="product_events"), value_event="schedule_published",
                        active_events=("login",))
    aggregates = from_tables(counted.tables, active_events=("login",))
    pd.testing.assert_frame_equal(engagement.dau_mau_by_month(aggregates, active_events=("login",)),
                                  engagement.dau_mau_by_month(events, active_events=("login",)))
    with pytest.raises(ValueError, match="counted with active events"):
        engagement.dau_mau_by_month(aggregates, active_events=("report_viewed",))


@pytest.mark.parametrize(("source", "words"), [
    (EventsSource("not a url", table="events"), "is not a SQLAlchemy URL"),
    (EventsSource("nosuchdialect://u:hunter2@host/db", table="events"), "needs a driver that is not installed"),
    (EventsSource("SQLITE", table="nowhere"), "has no table 'nowhere'"),
    (EventsSource("SQLITE", table="product_events", columns={"user_id": "member"}), "has no column user_id → member"),
    (EventsSource("SQLITE", query="SELECT account_id FROM product_events"), "has no column for user_id, timestamp"),
    (EventsSource("SQLITE", query="SELEC nonsense"), "could not be read"),
])
def test_a_wrong_source_is_one_sentence(same_events, source, words):
    url, _ = same_events
    if source.url == "SQLITE":
        source = EventsSource(url, table=source.table, query=source.query, columns=source.columns)
    with pytest.raises(InputError, match=words) as caught:
        aggregate(source, value_event="schedule_published")
    assert "\n" not in str(caught.value) and "hunter2" not in str(caught.value)


def test_the_password_is_never_printed_even_when_the_server_is_unreachable():
    source = EventsSource("postgresql+psycopg://kpi:s3cret-pw@127.0.0.1:9/warehouse?connect_timeout=2",
                          table="events")
    assert safe_url(source.url) == "postgresql+psycopg://kpi:***@127.0.0.1:9/warehouse?connect_timeout=2"
    with pytest.raises(InputError, match="could not be read") as caught:
        aggregate(source, value_event="schedule_published")
    assert "s3cret-pw" not in str(caught.value) and "kpi:***@127.0.0.1:9" in str(caught.value)


def test_a_hosted_team_sets_the_source_in_secrets_like_the_store(monkeypatch):
    for key in ("KPI_EVENTS_DATABASE_URL", "KPI_EVENTS_TABLE", "KPI_EVENTS_QUERY", "KPI_EVENTS_COLUMNS"):
        monkeypatch.delenv(key, raising=False)
    assert source_from_settings({}) is None
    secrets = {"KPI_EVENTS_DATABASE_URL": "postgresql+psycopg://ro:pw@warehouse/prod",
               "KPI_EVENTS_TABLE": "analytics.events", "KPI_EVENTS_COLUMNS": "user_id=distinct_id"}
    source = source_from_settings(secrets)
    assert (source.table, dict(source.columns)) == ("analytics.events", {"user_id": "distinct_id"})
    monkeypatch.setenv("KPI_EVENTS_TABLE", "events_v2")  # the environment wins, as for KPI_DATABASE_URL
    assert source_from_settings(secrets).table == "events_v2"
    with pytest.raises(InputError, match="one of the two"):
        EventsSource("sqlite://", table="a", query="SELECT 1")
    with pytest.raises(InputError, match="fields are"):
        EventsSource("sqlite://", table="a", columns=parse_columns("user=uid"))


DEMO = ROOT / "data" / "demo"
DEMO_FILES = [str(DEMO / name) for name in ("crm_customers.csv", "stripe_subscriptions.csv")]


def test_cli_report_with_events_from_a_database_equals_the_report_with_the_events_file(tmp_path, capsys):
    demo_events = pd.read_csv(DEMO / "product_events.csv", dtype=str)
    with sqlite3.connect(tmp_path / "warehouse.db") as conn:
        demo_events.to_sql("product_events", conn, index=False)
    assert main(["report", *DEMO_FILES, str(DEMO / "product_events.csv"), "--as-of", "2026-06"]) == 0
    from_file = json.loads(capsys.readouterr().out)
    assert main(["report", *DEMO_FILES, "--as-of", "2026-06", "--events-sql", f"sqlite:///{tmp_path / 'warehouse.db'}",
                 "--events-table", "product_events"]) == 0
    out, err = capsys.readouterr()
    from_database = json.loads(out)
    assert from_database["engagement"] == from_file["engagement"]
    assert from_file["engagement"]["dau_mau"] is not None and from_file["engagement"]["ttfv_median_days"] > 0
    assert "aggregate rows" in err and "counted by the table product_events" in err


def test_cli_says_a_missing_table_in_one_line_and_exits_2(tmp_path, capsys, monkeypatch):
    sqlite3.connect(tmp_path / "empty.db").close()
    code = main(["report", *DEMO_FILES, "--events-sql", f"sqlite:///{tmp_path / 'empty.db'}",
                 "--events-table", "events"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and err[-1].startswith("kpi: the events database sqlite:///") and "has no table 'events'" in err[-1]
    assert "Traceback" not in "\n".join(err)
    monkeypatch.delenv("KPI_EVENTS_DATABASE_URL", raising=False)
    assert main(["report", *DEMO_FILES, "--events-table", "events"]) == 2
    assert "need --events-sql URL" in capsys.readouterr().err


# ── PostgreSQL: 10,000,000 events generated in the server ─────────────────────────────────────

EVENTS = 10_000_000
USERS, CUSTOMERS = 250_000, 2_500
GENERATE = """
INSERT INTO {table} (user_id, customer_id, ts, event)
SELECT u, u % {customers},
       TIMESTAMP '2025-01-01' + ((g::bigint * 7919) % 31536000) * INTERVAL '1 second',
       CASE WHEN g % 97 = 0 THEN 'schedule_published' WHEN g % 3 = 0 THEN 'report_viewed' ELSE 'login' END
FROM (SELECT g, (g::bigint * 104729) % {users} AS u FROM generate_series(1, {events}) AS g) AS s
"""
# DAU/MAU per month written independently of kpi: distinct user-days, then per month their number
# and their distinct users (one pass over the events: a user active in a month has a user-day
# in it), days of the month inside the log's first and last day.
INDEPENDENT = """
WITH span AS (SELECT min(ts)::date AS first_day, max(ts)::date AS last_day FROM {table}),
user_days AS (SELECT user_id, ts::date AS d FROM {table} GROUP BY 1, 2),
months AS (SELECT date_trunc('month', d)::date AS month, count(*) AS user_days, count(DISTINCT user_id) AS mau
           FROM user_days GROUP BY 1)
SELECT to_char(m.month, 'YYYY-MM') AS month,
       (LEAST((m.month + INTERVAL '1 month' - INTERVAL '1 day')::date, span.last_day)
        - GREATEST(m.month, span.first_day) + 1) AS days,
       m.user_days, m.mau
FROM months m CROSS JOIN span ORDER BY 1
"""


@pytest.fixture(scope="module")
def postgres_events():
    """A table of 10,000,000 events in the test server, generated by one INSERT … SELECT; dropped after."""
    server = require_postgres()
    engine = create_engine(server)
    table = f"events_{uuid.uuid4().hex[:12]}"
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(text(f"CREATE UNLOGGED TABLE {table} (user_id integer, customer_id integer, ts timestamp, event text)"))
        conn.execute(text(GENERATE.format(table=table, customers=CUSTOMERS, users=USERS, events=EVENTS)))
        conn.execute(text(f"ANALYZE {table}"))
    print(f"\n{EVENTS:,} events generated in PostgreSQL in {time.perf_counter() - started:.1f} s")
    try:
        yield server, engine, table
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"DROP TABLE IF EXISTS {table}"))
        engine.dispose()


@pytest.mark.slow  # 10M events: ~3 min on a shared 2-core machine, over the 60 s budget
def test_postgres_counts_dau_mau_of_ten_million_events_like_an_independent_query(postgres_events):
    server, engine, table = postgres_events
    source = EventsSource(server, table=table, columns={"timestamp": "ts"})
    started = time.perf_counter()
    counted = aggregate(source, value_event="schedule_published", customer_days_since=pd.Timestamp("2025-12-01"))
    seconds = time.perf_counter() - started
    print(f"SQL source: {counted.rows:,} aggregate rows, {counted.bytes / 1e6:.1f} MB received for "
          f"{EVENTS:,} events in {seconds:.1f} s")
    assert counted.rows < EVENTS / 10  # aggregates only: about 1 row for 10 events at most, here far fewer
    assert "kpi:***@" in counted.source
    series = engagement.dau_mau_by_month(from_tables(counted.tables))
    with engine.connect() as conn:
        expected = pd.read_sql(text(INDEPENDENT.format(table=table)), conn).set_index("month")
    assert [str(m) for m in series.index] == list(expected.index) and len(series) == 12
    assert series["days"].tolist() == expected["days"].tolist()
    assert series["mau"].tolist() == expected["mau"].tolist()
    np.testing.assert_allclose(series["dau"], expected["user_days"] / expected["days"], rtol=1e-12)
    np.testing.assert_allclose(series["dau_mau"], expected["user_days"] / expected["days"] / expected["mau"],
                               rtol=1e-12)
    assert counted.tables["first_value"].shape[0] == CUSTOMERS
    assert len(counted.tables["customer_daily"]) == 31 * CUSTOMERS  # December only, as asked


@pytest.mark.slow  # 10M events: ~3 min on a shared 2-core machine, over the 60 s budget
def test_postgres_sample_gives_the_numbers_of_the_file_path(postgres_events):
    server, engine, table = postgres_events
    sample = f"SELECT user_id, customer_id, ts, event FROM {table} WHERE customer_id IN (7, 1234)"
    counted = from_tables(aggregate(EventsSource(server, query=sample, columns={"timestamp": "ts"}),
                                    value_event="schedule_published").tables)
    with engine.connect() as conn:
        rows = pd.read_sql(text(sample), conn)
    events = pd.DataFrame({"user_id": rows["user_id"].astype("string"), "timestamp": pd.to_datetime(rows["ts"]),
                           "customer_id": rows["customer_id"].astype("string"), "event": rows["event"].astype("string")})
    assert len(events) > 5_000
    expected = aggregate_events(events)
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(counted, name), getattr(expected, name), obj=name)
    pd.testing.assert_frame_equal(engagement.dau_mau_by_month(counted), engagement.dau_mau_by_month(events))
    pd.testing.assert_frame_equal(health.health_scores("2025-09", events=counted),
                                  health.health_scores("2025-09", events=events))
