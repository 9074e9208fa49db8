"""The team's events database in the app (ui/events_source.py): a workspace that opts in on
Definitions & settings gets DAU/MAU, time to first value and the health score's usage counted by
the database configured in the environment (KPI_EVENTS_DATABASE_URL + KPI_EVENTS_TABLE), with the
numbers the same events give as a file; without the opt-in, or without a database, nothing
changes; a database that cannot be read is one sentence; a viewer cannot change the choice.

The database is a real SQLite file holding the demo company's product events, the workspace
without them (its billing export and customer list) — the file path's twin holds them as a file.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from kpi import formatting as fmt
from kpi.demo import DEMO_DIR, demo_mapping
from kpi.ingest.sql_events import EventsSource, aggregate
from kpi.report.build import Settings
from kpi.store.workspaces import Store
from kpi.text import escape_markdown
from ui import engagement_view, events_source
from ui.access import READ_ONLY
from ui.state import Workspace

ROOT = Path(__file__).resolve().parents[2]
BASE = ("stripe_subscriptions.csv", "crm_customers.csv")
DATABASE = Settings(events_source="database")


def workspace_of(*names: str) -> Workspace:
    """A workspace with some of the demo's files and their part of its mapping."""
    return Workspace("Plumeo", {name: (DEMO_DIR / name).read_bytes() for name in names},
                     {key: value for key, value in demo_mapping().items() if key.split(":")[0] in names})


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> str:
    """A SQLite file with the demo's product events as the table product_events; its URL."""
    path = tmp_path_factory.mktemp("warehouse") / "warehouse.db"
    with sqlite3.connect(path) as conn:
        pd.read_csv(DEMO_DIR / "product_events.csv", dtype=str).to_sql("product_events", conn, index=False)
    return f"sqlite:///{path}"


@pytest.fixture
def team_database(warehouse, monkeypatch) -> str:
    monkeypatch.setenv("KPI_EVENTS_DATABASE_URL", warehouse)
    monkeypatch.setenv("KPI_EVENTS_TABLE", "product_events")
    monkeypatch.delenv("KPI_EVENTS_QUERY", raising=False)
    monkeypatch.delenv("KPI_EVENTS_COLUMNS", raising=False)
    return warehouse


def page(name: str, workspace: Workspace, settings: Settings | None = None, **query: str) -> AppTest:
    app = AppTest.from_file(str(ROOT / "app_pages" / f"{name}.py"), default_timeout=120)
    app.session_state["workspace"] = workspace
    app.session_state["kpi_settings"] = settings or Settings()
    for key, value in query.items():
        app.query_params[key] = value
    app.run()
    assert not app.exception, app.exception
    return app


def cards(app: AppTest) -> dict[str, tuple[str, str]]:
    return {metric.label: (metric.value, metric.delta) for metric in app.metric}


def trend(app: AppTest) -> list:
    spec = json.loads(app.get("plotly_chart")[0].proto.spec)
    return next(trace for trace in spec["data"] if trace["name"] == "DAU / MAU")["y"]


def texts(app: AppTest) -> list[str]:
    return [element.value for kind in ("caption", "info", "error", "markdown")
            for element in getattr(app, kind)]


def test_engagement_counted_by_the_database_equals_the_events_file(team_database):
    from_database = page("engagement", workspace_of(*BASE), DATABASE)
    from_file = page("engagement", workspace_of(*BASE, "product_events.csv"))
    shown = cards(from_database)
    assert set(shown) == {"DAU / MAU", "Time to first value", "Reached first value"}
    assert shown == cards(from_file)
    assert shown["DAU / MAU"][0].endswith("%") and shown["Time to first value"][0].endswith("days")
    assert trend(from_database) == trend(from_file)
    assert [t.value.to_dict() for t in from_database.dataframe] == [t.value.to_dict() for t in from_file.dataframe]
    # the caption names the source (no password in a SQLite URL) and the aggregate rows received, as the CLI does
    counted = aggregate(EventsSource(team_database, table="product_events"), value_event="schedule_published")
    caption = next(t for t in texts(from_database) if "team's events database" in t)
    assert escape_markdown(f"table product_events of {team_database}") in caption
    assert f"{fmt.count(counted.rows)} aggregate rows received" in caption
    assert not any("team's events database" in t for t in texts(from_file))


def test_under_a_segment_filter_the_databases_counts_are_the_segments_customers(team_database):
    from_database = page("engagement", workspace_of(*BASE), DATABASE, segment="SMB")
    from_file = page("engagement", workspace_of(*BASE, "product_events.csv"), segment="SMB")
    company = page("engagement", workspace_of(*BASE), DATABASE)
    assert cards(from_database) == cards(from_file) != cards(company)
    assert trend(from_database) == trend(from_file)
    assert engagement_view.SEGMENT_RULE in texts(from_database)
    assert engagement_view.SEGMENT_RULE not in texts(company)


def test_health_usage_comes_from_the_database_too(team_database):
    from_database = page("customers", workspace_of(*BASE), DATABASE)
    from_file = page("customers", workspace_of(*BASE, "product_events.csv"))
    without_events = page("customers", workspace_of(*BASE))
    table = from_database.dataframe[0].value
    assert table.equals(from_file.dataframe[0].value)
    assert not table.equals(without_events.dataframe[0].value)  # usage is part of the score
    # the page says where usage comes from, as Engagement does; not when it comes from the file
    assert any(t.startswith("Usage: Product events counted by the team's events database: ") and
               escape_markdown(f"table product_events of {team_database}") in t for t in texts(from_database))
    assert not any("team's events database" in t for t in texts(from_file) + texts(without_events))


def test_without_the_opt_in_the_workspace_reads_its_events_file(team_database):
    default = page("engagement", workspace_of(*BASE, "product_events.csv"))
    assert not any("team's events database" in t for t in texts(default))
    assert events_source.token(Settings()) == ""
    no_file = page("engagement", workspace_of(*BASE))  # nothing counted by the database either
    assert not no_file.metric and any("**events**" in info.value for info in no_file.info)


def test_without_a_configured_database_the_opt_in_changes_nothing(monkeypatch):
    monkeypatch.delenv("KPI_EVENTS_DATABASE_URL", raising=False)
    assert events_source.configured() is None and events_source.token(DATABASE) == ""
    chosen = page("engagement", workspace_of(*BASE, "product_events.csv"), DATABASE)
    default = page("engagement", workspace_of(*BASE, "product_events.csv"))
    assert cards(chosen) == cards(default) and len(chosen.metric) == 3
    settings = page("settings", workspace_of(*BASE, "product_events.csv"))
    assert not [r for r in settings.radio if r.label == "Product events of this workspace"]


def test_a_database_that_cannot_be_read_is_one_sentence_and_the_rest_still_shows(tmp_path, monkeypatch):
    sqlite3.connect(tmp_path / "empty.db").close()
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    monkeypatch.setenv("KPI_EVENTS_DATABASE_URL", url)
    monkeypatch.setenv("KPI_EVENTS_TABLE", "events")
    app = page("engagement", workspace_of(*BASE, "product_events.csv"), DATABASE)
    [error] = app.error
    assert error.value == escape_markdown(f"The events database {url} has no table 'events'.")
    assert not app.metric  # not the file's numbers passed off as the database's
    customers = page("customers", workspace_of(*BASE, "product_events.csv"), DATABASE)
    assert f"Usage: {error.value} Usage is scored without product events." in texts(customers)
    assert customers.dataframe[0].value.equals(page("customers", workspace_of(*BASE)).dataframe[0].value)
    overview = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)  # the rest of the report shows
    overview.session_state["workspace"] = workspace_of(*BASE, "product_events.csv")
    overview.session_state["kpi_settings"] = DATABASE
    overview.run()
    overview.switch_page("app_pages/overview.py").run()
    assert not overview.exception, overview.exception
    assert len(overview.metric) >= 10 and not overview.error


def test_an_unreachable_server_is_named_without_its_password(monkeypatch):
    monkeypatch.setenv("KPI_EVENTS_DATABASE_URL", "postgresql+psycopg://reader:s3cret-pw@127.0.0.1:9/events")
    monkeypatch.setenv("KPI_EVENTS_TABLE", "analytics.events")
    app = page("engagement", workspace_of(*BASE), DATABASE)
    [error] = app.error
    said = error.value.replace("\\", "").replace("\u200b", "")
    assert said.startswith("The events table analytics.events of postgresql+psycopg://reader:***@127.0.0.1:9/events "
                           "could not be read"), said
    assert "s3cret" not in said and said.endswith(".") and "\n" not in said  # one sentence
    assert "s3cret" not in json.dumps([t for t in texts(app)])


def test_the_owner_chooses_the_database_on_settings_and_it_is_saved(team_database):
    app = page("settings", workspace_of(*BASE, "product_events.csv"))
    [choice] = [r for r in app.radio if r.label == "Product events of this workspace"]
    assert not choice.disabled and choice.value == "file"
    assert escape_markdown(f"(table product_events of {team_database})") in choice.options[1]
    choice.set_value("database")
    next(b for b in app.get("form_submit_button") if b.label == "Apply to every page").click()
    app.run()
    assert not app.exception
    assert app.session_state["kpi_settings"].events_source == "database"


def test_a_password_in_the_url_is_never_shown_on_settings(monkeypatch):
    monkeypatch.setenv("KPI_EVENTS_DATABASE_URL", "postgresql+psycopg://reader:s3cret-pw@db.internal/prod")
    monkeypatch.setenv("KPI_EVENTS_TABLE", "analytics.events")
    app = page("settings", workspace_of(*BASE))
    [choice] = [r for r in app.radio if r.label == "Product events of this workspace"]
    assert "s3cret" not in " ".join(choice.options) and "\\*\\*\\*" in choice.options[1]


@pytest.fixture
def shared(workbench_home, monkeypatch):
    """The demo workspace of Alice, shared with Bob who can view it."""
    store = Store(f"sqlite:///{workbench_home / 'workbench.db'}")
    workspace_id = store.ensure_demo(owner="alice@acme.io")
    store.share(workspace_id, "bob@acme.io", "view", by="alice@acme.io")
    monkeypatch.setattr("ui.auth.configured", lambda: True)
    yield store, workspace_id
    store.close()


def signed_in(monkeypatch, user: str, workspace_id: int) -> AppTest:
    monkeypatch.setattr("ui.auth.gate", lambda: user)
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    app.query_params["ws"] = str(workspace_id)
    app.run()
    app.switch_page("app_pages/settings.py").run()
    assert not app.exception, app.exception
    return app


def test_a_viewer_sees_the_choice_disabled_and_cannot_change_it(team_database, shared, monkeypatch):
    store, workspace_id = shared
    viewer = signed_in(monkeypatch, "bob@acme.io", workspace_id)
    [choice] = [r for r in viewer.radio if r.label == "Product events of this workspace"]
    assert choice.disabled and choice.value == "file"
    assert READ_ONLY in [info.value for info in viewer.info]
    assert next(b for b in viewer.get("form_submit_button") if b.label == "Apply to every page").disabled
    owner = signed_in(monkeypatch, "alice@acme.io", workspace_id)
    [choice] = [r for r in owner.radio if r.label == "Product events of this workspace"]
    assert not choice.disabled
    choice.set_value("database")
    next(b for b in owner.get("form_submit_button") if b.label == "Apply to every page").click()
    owner.run()
    assert not owner.exception, owner.exception
    saved = json.loads(store.load(workspace_id, by="alice@acme.io").settings_json)
    assert saved["events_source"] == "database"
    reopened = signed_in(monkeypatch, "bob@acme.io", workspace_id)
    assert reopened.session_state["kpi_settings"] == replace(Settings(), events_source="database")


def test_the_token_names_the_source_and_the_ten_minute_window(team_database, monkeypatch):
    key = events_source.source_key(EventsSource(team_database, table="product_events"))
    window = events_source.WINDOW_SECONDS
    assert events_source.token(DATABASE, now=10 * window + 1) == events_source.token(DATABASE, now=11 * window - 1) \
        == f"{key}:10"
    assert events_source.token(DATABASE, now=11 * window) == f"{key}:11"  # counted again in the next window
    assert events_source.token(Settings(), now=10 * window) == ""
    # another password, table or column mapping is another source (the password only as part of a hash)
    keys = {events_source.source_key(EventsSource(url, table=table, columns=columns)) for url, table, columns in (
        ("postgresql://reader:one@db/prod", "events", {}), ("postgresql://reader:two@db/prod", "events", {}),
        ("postgresql://reader:one@db/prod", "events2", {}),
        ("postgresql://reader:one@db/prod", "events", {"user_id": "distinct_id"}))}
    assert len(keys) == 4 and not any("one" in key or "two" in key for key in keys)


def test_a_setting_that_names_no_table_is_one_sentence_on_the_page(monkeypatch):
    monkeypatch.setenv("KPI_EVENTS_DATABASE_URL", "sqlite:///nowhere.db")
    monkeypatch.delenv("KPI_EVENTS_TABLE", raising=False)
    monkeypatch.delenv("KPI_EVENTS_QUERY", raising=False)
    assert events_source.token(DATABASE).startswith("error:")
    app = page("engagement", workspace_of(*BASE, "product_events.csv"), DATABASE)
    [error] = app.error
    assert "needs a table" in error.value and not app.metric
    settings = page("settings", workspace_of(*BASE))
    assert any("set but cannot be used" in caption.value for caption in settings.caption)


def test_the_value_event_is_chosen_among_the_databases_event_names(team_database):
    with sqlite3.connect(team_database.removeprefix("sqlite:///")) as conn:
        expected = sorted(name for (name,) in conn.execute("SELECT DISTINCT event FROM product_events"))
    chosen = page("settings", workspace_of(*BASE), DATABASE)  # no events file in the workspace
    [value_event] = [s for s in chosen.selectbox if s.label == "Value event (time to first value)"]
    assert value_event.options == expected and len(expected) > 3 and value_event.value == "schedule_published"
    file_only = page("settings", workspace_of(*BASE))  # not chosen: the workspace's files have no event names
    [value_event] = [s for s in file_only.selectbox if s.label == "Value event (time to first value)"]
    assert value_event.options == ["schedule_published"]


def test_the_reports_cache_key_holds_the_counts_in_force(team_database, monkeypatch):
    """A report built on the database's counts is keyed by the source and the window, so the next
    window's counts give another report (and the file's report is never served for it)."""
    from ui import data
    from ui.choices import State

    calls = []
    monkeypatch.setattr(data, "_report", lambda *args: calls.append(args))
    ws = workspace_of(*BASE)
    for settings in (Settings(), DATABASE):
        data.report(State(ws, "2026-06", settings=settings))
    (*file_key, file_token), (*database_key, database_token) = calls
    assert file_token == "" and database_token == events_source.token(DATABASE)
    assert database_token.startswith(events_source.source_key(EventsSource(team_database, table="product_events")))
    assert file_key[:3] == database_key[:3] and file_key[3] != database_key[3]  # settings differ too


def test_an_empty_events_table_says_the_database_has_no_event_yet(tmp_path, monkeypatch):
    with sqlite3.connect(tmp_path / "empty.db") as conn:
        conn.execute("CREATE TABLE events (user_id TEXT, timestamp TEXT, account_id TEXT, event TEXT)")
    monkeypatch.setenv("KPI_EVENTS_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    monkeypatch.setenv("KPI_EVENTS_TABLE", "events")
    app = page("engagement", workspace_of(*BASE, "product_events.csv"), DATABASE)
    [info] = app.info
    assert "0 aggregate rows received" in info.value and info.value.endswith("It has no event yet.")
    assert not app.metric and not app.error


PAGES = re.findall(r'st\.Page\("(app_pages/[a-z_]+\.py)"', (ROOT / "app.py").read_text())


@pytest.mark.parametrize("files", [BASE, ("crm_customers.csv", "product_events.csv")], ids=["billing", "events-only"])
def test_every_page_opens_when_the_database_is_chosen(team_database, files):
    """The report without its events file (the database counts instead) breaks no page, even a
    workspace whose only activity was its events file (its retention then has no events to use)."""
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    app.session_state["workspace"] = workspace_of(*files)
    app.session_state["kpi_settings"] = DATABASE
    app.run()
    for name in PAGES:
        app.switch_page(name).run()
        assert not app.exception, f"{name}: {app.exception[0].message if app.exception else ''}"
        assert app.title[0].value


def test_the_database_counts_once_for_every_page_and_session_of_a_window(tmp_path, monkeypatch):
    with sqlite3.connect(tmp_path / "warehouse.db") as conn:
        pd.read_csv(DEMO_DIR / "product_events.csv", dtype=str).to_sql("product_events", conn, index=False)
    monkeypatch.setenv("KPI_EVENTS_DATABASE_URL", f"sqlite:///{tmp_path / 'warehouse.db'}")
    monkeypatch.setenv("KPI_EVENTS_TABLE", "product_events")
    calls = []
    monkeypatch.setattr(events_source, "aggregate", lambda *args, **kwargs: calls.append(kwargs) or aggregate(
        *args, **kwargs))
    monkeypatch.setattr(events_source, "clock", lambda: 1_000_000.0)  # one window throughout
    for name in ("engagement", "customers", "engagement"):  # three sessions, two pages
        page(name, workspace_of(*BASE), DATABASE)
    page("engagement", workspace_of(*BASE), DATABASE, segment="SMB")  # a segment reuses the company's counts
    assert calls == [{"value_event": "schedule_published"}]
    page("engagement", workspace_of(*BASE), replace(DATABASE, value_event="user_invited"))
    assert len(calls) == 2  # another value event is another count
    monkeypatch.setattr(events_source, "clock", lambda: 1_000_000.0 + events_source.WINDOW_SECONDS)
    page("engagement", workspace_of(*BASE), DATABASE)
    assert len(calls) == 3  # the next window counts again


def test_a_source_without_customers_cannot_count_a_segment_and_says_so(tmp_path, monkeypatch):
    with sqlite3.connect(tmp_path / "anonymous.db") as conn:
        events = pd.read_csv(DEMO_DIR / "product_events.csv", dtype=str).drop(columns=["account_id"])
        events.to_sql("events", conn, index=False)
    monkeypatch.setenv("KPI_EVENTS_DATABASE_URL", f"sqlite:///{tmp_path / 'anonymous.db'}")
    monkeypatch.setenv("KPI_EVENTS_TABLE", "events")
    company = page("engagement", workspace_of(*BASE), DATABASE)
    assert cards(company)["DAU / MAU"][0].endswith("%")  # the whole company's DAU/MAU needs no customer
    segment = page("engagement", workspace_of(*BASE), DATABASE, segment="SMB")
    [info] = segment.info
    assert info.value.endswith("Its events name no customer, so a segment's cannot be counted: clear the filter "
                               "in the sidebar.")
    assert not segment.metric and not segment.error
