"""A segment's event aggregates from the per-customer tables (`for_customers`), as the app uses
the team's events database under a segment filter, and the `events_source` setting in the
settings JSON."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from kpi.ingest.mapping import Tables
from kpi.metrics import engagement
from kpi.metrics.event_aggregates import aggregate_events, for_customers
from kpi.report.build import Settings
from kpi.report.segments import filter_tables
from kpi.report.settings_json import settings_from_json, settings_to_json

TABLES = ("daily", "monthly", "customer_daily", "customer_monthly", "first_value")


def log(rows: int = 3000, seed: int = 3) -> pd.DataFrame:
    """Five months of events of 60 users in 10 accounts (each user in one account), some rows
    without an account, three event names."""
    rng = np.random.default_rng(seed)
    user = rng.integers(0, 60, rows)
    account = pd.Series([f"acct_{u % 10}" for u in user], dtype=object)
    account[rng.random(rows) < 0.05] = None
    return pd.DataFrame({"user_id": [f"u{u}" for u in user],
                         "timestamp": pd.Timestamp("2025-02-01") + pd.to_timedelta(rng.integers(0, 150 * 86400, rows),
                                                                                   unit="s"),
                         "customer_id": account,
                         "event": rng.choice(["login", "schedule_published", "export"], rows, p=[0.6, 0.1, 0.3])})


def test_a_segments_aggregates_are_those_of_its_own_events():
    events = log()
    customers = pd.DataFrame({"customer_id": [f"acct_{i}" for i in range(10)],
                              "segment": ["SMB", "Mid"] * 5})
    segment = filter_tables(Tables({"events": events, "customers": customers}, {}), {"segment": ["SMB"]})
    from_own_events = aggregate_events(segment.frames["events"])
    filtered = for_customers(aggregate_events(events), segment.frames["customers"]["customer_id"])
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(filtered, name), getattr(from_own_events, name), obj=name)
    pd.testing.assert_frame_equal(engagement.dau_mau_by_month(filtered),
                                  engagement.dau_mau_by_month(segment.frames["events"]))
    assert 0 < filtered.monthly["active_users"].sum() < aggregate_events(events).monthly["active_users"].sum()


def test_a_user_active_for_two_customers_of_the_segment_counts_once_per_customer():
    events = pd.DataFrame({"user_id": ["u1", "u1", "u2"],
                           "timestamp": pd.to_datetime(["2025-03-02 10:00", "2025-03-02 11:00", "2025-03-03 09:00"]),
                           "customer_id": ["a", "b", "a"], "event": ["login"] * 3})
    both = for_customers(aggregate_events(events), pd.Series(["a", "b"]))
    assert both.monthly["active_users"].tolist() == [3]  # u1 for a, u1 for b, u2 for a: the file says 2
    assert aggregate_events(events).monthly["active_users"].tolist() == [2]
    assert both.daily["active_users"].tolist() == [2, 1] and both.daily["events"].tolist() == [2, 1]


def test_no_customer_of_the_segment_has_events_gives_empty_aggregates():
    empty = for_customers(aggregate_events(log()), pd.Series(["nobody"]))
    assert empty.empty and all(getattr(empty, name).empty for name in TABLES)
    assert engagement.dau_mau_by_month(empty).empty


@pytest.mark.parametrize("saved, read", [("database", "database"), ("file", "file"), ("warehouse", "file"),
                                         (None, "file"), (3, "file")])
def test_events_source_round_trips_and_anything_else_reads_as_the_file(saved, read):
    text = settings_to_json(Settings(events_source="database"))
    assert json.loads(text)["events_source"] == "database"
    assert settings_from_json(text) == Settings(events_source="database")
    assert settings_from_json(json.dumps({"events_source": saved, "nps_rule": "latest"})) == Settings(
        events_source=read, nps_rule="latest")
    assert settings_from_json("{}").events_source == "file"
