"""kpi.metrics.engagement on hand-computed event logs: DAU/MAU and time to first value."""

import math

import pandas as pd
import pytest

from kpi.demo import load_demo
from kpi.metrics import engagement

P = pd.Period


def events(rows):
    """Rows of (user_id, timestamp, customer_id, event)."""
    frame = pd.DataFrame(list(rows), columns=["user_id", "timestamp", "customer_id", "event"])
    for column in ("user_id", "customer_id", "event"):
        frame[column] = frame[column].astype("string")
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], format="mixed")
    return frame


def customers(rows):
    """Rows of (customer_id, signup_date)."""
    frame = pd.DataFrame(list(rows), columns=["customer_id", "signup_date"])
    frame["customer_id"] = frame["customer_id"].astype("string")
    frame["signup_date"] = pd.to_datetime(frame["signup_date"], format="mixed")
    return frame


def test_dau_mau_averages_daily_users_over_the_calendar_days_of_the_month():
    # user-days: u1 on 1 and 31 March, u2 on 1 March (twice), u3 on 15 March → 4 over 31 days; 3 users
    log = events([("u1", "2024-03-01 08:00", "A", "login"), ("u1", "2024-03-31 22:00", "A", "login"),
                  ("u2", "2024-03-01 09:00", "A", "login"), ("u2", "2024-03-01 17:00", "A", "login"),
                  ("u3", "2024-03-15 12:00", "B", "login")])
    series = engagement.dau_mau_by_month(log)
    row = series.loc[P("2024-03")]
    assert (row["days"], row["mau"]) == (31, 3)
    assert row["dau"] == pytest.approx(4 / 31)
    assert row["dau_mau"] == pytest.approx(4 / 93)
    assert engagement.engagement(log).to_json()["dau_mau"] == pytest.approx(4 / 93)


def test_a_month_cut_by_the_log_counts_only_the_days_it_covers():
    log = events([("u1", "2024-03-10", "A", "login"), ("u1", "2024-03-19", "A", "login")])
    row = engagement.dau_mau_by_month(log).loc[P("2024-03")]
    assert row["days"] == 10 and row["dau_mau"] == pytest.approx(2 / 10)


def test_a_month_without_events_is_null_not_zero():
    log = events([("u1", "2024-01-01", "A", "login"), ("u1", "2024-03-31", "A", "login")])
    series = engagement.dau_mau_by_month(log)
    assert series.loc[P("2024-02"), "mau"] == 0 and series.loc[P("2024-02"), "days"] == 29
    assert math.isnan(series.loc[P("2024-02"), "dau_mau"])
    assert engagement.engagement(log, as_of="2024-02").to_json() == {"dau_mau": None, "ttfv_median_days": None}


def test_active_events_choose_what_makes_a_user_active():
    log = events([("u1", "2024-03-01", "A", "login"), ("u2", "2024-03-31", "A", "email_opened")])
    row = engagement.dau_mau_by_month(log, active_events=("login",)).loc[P("2024-03")]
    assert (row["mau"], row["days"]) == (1, 31)  # the other event still marks the log's span


def test_as_of_ignores_later_events():
    log = events([("u1", "2024-03-01", "A", "login"), ("u2", "2024-04-02", "A", "login")])
    series = engagement.dau_mau_by_month(log, as_of="2024-03")
    assert list(series.index) == [P("2024-03")] and series.loc[P("2024-03"), "days"] == 1


def test_ttfv_is_the_median_over_customers_who_reached_the_value_event():
    log = events([("u1", "2024-01-03 12:00", "A", "schedule_published"),  # 2.5 days after signup
                  ("u2", "2024-01-11 00:00", "B", "schedule_published"),  # 10 days
                  ("u2", "2024-01-20 00:00", "B", "schedule_published"),  # not the first: ignored
                  ("u3", "2024-01-06 00:00", "C", "login")])  # C never reaches value
    signups = customers([("A", "2024-01-01"), ("B", "2024-01-01"), ("C", "2024-01-05")])
    result = engagement.ttfv(log, signups)
    assert result.median_days == pytest.approx(6.25)
    assert (result.reached, result.not_reached) == (2, 1)
    assert engagement.engagement(log, signups).to_json()["ttfv_median_days"] == pytest.approx(6.25)


def test_ttfv_value_event_is_a_parameter_and_one_before_signup_counts_zero():
    log = events([("u1", "2024-01-03", "A", "report_exported"), ("u1", "2023-12-30", "B", "report_exported")])
    signups = customers([("A", "2024-01-01"), ("B", "2024-01-01")])
    rows = engagement.time_to_value(log, signups, value_event="report_exported")
    assert rows.set_index("customer_id")["days"].to_dict() == {"A": 2.0, "B": 0.0}


def test_ttfv_falls_back_to_the_first_month_with_mrr_without_a_signup_date():
    mrr = pd.DataFrame({P("2024-01"): [0.0, 10.0], P("2024-02"): [50.0, 10.0]},
                       index=pd.Index(["E", "F"], name="customer_id"))
    log = events([("u1", "2024-02-04", "E", "schedule_published"), ("u2", "2024-01-03", "F", "schedule_published")])
    rows = engagement.time_to_value(log, customers([("F", "2024-01-01")]), mrr=mrr).set_index("customer_id")
    assert rows.loc["E", "start_from"] == "first_payment" and rows.loc["E", "days"] == 3.0
    assert rows.loc["F", "start_from"] == "signup" and rows.loc["F", "days"] == 2.0


def test_ttfv_as_of_leaves_out_later_signups_and_later_value_events():
    log = events([("u1", "2024-02-02", "A", "schedule_published"), ("u2", "2024-03-02", "B", "schedule_published")])
    signups = customers([("A", "2024-01-30"), ("B", "2024-03-01")])
    result = engagement.ttfv(log, signups, as_of="2024-01")
    assert (result.median_days, result.reached, result.not_reached) == (None, 0, 1)


def test_demo_engagement_gives_plausible_headlines():
    tables = load_demo()
    result = engagement.engagement(tables.frames["events"], tables.frames["customers"], as_of="2026-10")
    assert 0.1 < result.dau_mau < 0.6
    assert 1 < result.ttfv_median_days < 15  # the story: ~4 days for SMB, ~10 for Enterprise
    assert result.ttfv.not_reached > 0  # lost trials that never published a schedule
