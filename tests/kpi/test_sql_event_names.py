"""kpi.ingest.sql_events.event_names: the value event's choices when the events stay in a database."""

from __future__ import annotations

import sqlite3

import pandas as pd
import pytest

from kpi.errors import InputError
from kpi.ingest.sql_events import EventsSource, event_names


@pytest.fixture
def warehouse(tmp_path) -> str:
    with sqlite3.connect(tmp_path / "warehouse.db") as conn:
        pd.DataFrame({"distinct_id": ["u1", "u2", "u1", "u3", "u2"],
                      "ts": ["2026-01-02 10:00:00"] * 5,
                      "name": ["login", "schedule_published", "login", None, "export"]}).to_sql("events", conn,
                                                                                             index=False)
        pd.DataFrame({"user_id": ["u1"], "timestamp": ["2026-01-02"]}).to_sql("no_names", conn, index=False)
    return f"sqlite:///{tmp_path / 'warehouse.db'}"


def test_distinct_names_sorted_without_nulls_and_limited(warehouse):
    source = EventsSource(warehouse, table="events", columns={"user_id": "distinct_id", "timestamp": "ts",
                                                              "event": "name"})
    assert event_names(source) == ["export", "login", "schedule_published"]
    assert event_names(source, limit=2) == ["export", "login"]
    query = EventsSource(warehouse, query="SELECT distinct_id, ts, name FROM events WHERE name <> 'export'",
                         columns={"user_id": "distinct_id", "timestamp": "ts", "event": "name"})
    assert event_names(query) == ["login", "schedule_published"]


def test_a_source_without_event_names_has_none_and_a_missing_table_is_one_sentence(warehouse):
    assert event_names(EventsSource(warehouse, table="no_names")) == []
    with pytest.raises(InputError, match="has no table 'missing'"):
        event_names(EventsSource(warehouse, table="missing"))
