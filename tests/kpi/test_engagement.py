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


# ── by segment, distribution and history (the Engagement page) ───────────────────────────────


def segments(rows):
    """Rows of (customer_id, segment, plan)."""
    return pd.DataFrame(list(rows), columns=["customer_id", "segment", "plan"]).astype("string")


def test_dau_mau_by_segment_splits_user_days_by_the_customers_attribute():
    # March 2024, the log spans 1–31 March (31 days).
    # SMB (customer A): u1 on 1 and 31 March, u2 on 1 March twice → 3 user-days, 2 users
    # Enterprise (customer B): u3 on 15 March → 1 user-day, 1 user
    # customer Z is not in the customer list: u4 on 2 March; an event without customer is left out
    log = events([("u1", "2024-03-01 08:00", "A", "login"), ("u1", "2024-03-31 22:00", "A", "login"),
                  ("u2", "2024-03-01 09:00", "A", "login"), ("u2", "2024-03-01 17:00", "A", "login"),
                  ("u3", "2024-03-15 12:00", "B", "login"), ("u4", "2024-03-02 12:00", "Z", "login"),
                  ("u5", "2024-03-03 12:00", None, "login")])
    table = segments([("A", "SMB", "Growth"), ("B", "Enterprise", "Scale")])
    result = engagement.dau_mau_by_segment(log, table, "segment", as_of="2024-03")
    assert result["segment"].tolist() == ["SMB", "(not in the customer list)", "Enterprise"]
    assert result["mau"].tolist() == [2, 1, 1]
    assert result["dau"].tolist() == pytest.approx([3 / 31, 1 / 31, 1 / 31])
    assert result["dau_mau"].tolist() == pytest.approx([3 / 62, 1 / 31, 1 / 31])


def test_dau_mau_by_segment_of_a_month_counts_only_that_months_events():
    log = events([("u1", "2024-02-10", "A", "login"), ("u1", "2024-03-05", "A", "login"),
                  ("u2", "2024-03-06", "B", "login")])
    table = segments([("A", "SMB", "Growth"), ("B", "SMB", "Scale")])
    by_plan = engagement.dau_mau_by_segment(log, table, "plan", as_of="2024-02")
    assert by_plan["segment"].tolist() == ["Growth"] and by_plan["mau"].tolist() == [1]
    # as of February the log ends on 10 February (as `dau_mau_by_month` sees it): 1 day, 1 user-day
    assert by_plan["dau"].tolist() == pytest.approx([1.0])
    overall = engagement.dau_mau_by_month(log, as_of="2024-02").loc[P("2024-02")]
    assert by_plan["dau_mau"].tolist() == pytest.approx([overall["dau_mau"]])


def test_ttfv_by_segment_gives_median_and_share_reached_per_value():
    rows = pd.DataFrame({"customer_id": ["A", "B", "C", "D"],
                         "start": pd.to_datetime(["2024-01-01"] * 4),
                         "value_at": pd.to_datetime(["2024-01-03", "2024-01-11", None, "2024-01-02"]),
                         "days": [2.0, 10.0, math.nan, 1.0]})
    table = segments([("A", "SMB", "Growth"), ("B", "SMB", "Growth"), ("C", "SMB", "Scale")])
    result = engagement.ttfv_by_segment(rows, table, "segment")
    assert result.to_dict("records") == [
        {"segment": "SMB", "customers": 3, "reached": 2, "share_reached": pytest.approx(2 / 3),
         "median_days": 6.0},
        {"segment": "(not in the customer list)", "customers": 1, "reached": 1, "share_reached": 1.0,
         "median_days": 1.0},
    ]


def test_ttfv_distribution_counts_each_band_and_lists_empty_ones():
    rows = pd.DataFrame({"days": [0.2, 0.9, 1.0, 5.0, 40.0, math.nan, 120.0]})
    result = engagement.ttfv_distribution(rows)
    assert result["band"].tolist()[0] == "Same day" and len(result) == len(engagement.TTFV_BANDS)
    assert result["customers"].tolist() == [2, 1, 1, 0, 0, 1, 0, 1]
    assert result["share"].sum() == pytest.approx(1.0)


def test_ttfv_history_gives_each_months_median_and_share():
    # A starts in Jan, value in Jan (2 days); B starts in Jan, value in Mar (40 days); C starts in Feb, never
    rows = pd.DataFrame({"customer_id": ["A", "B", "C"],
                         "start": pd.to_datetime(["2024-01-01", "2024-01-20", "2024-02-10"]),
                         "value_at": pd.to_datetime(["2024-01-03", "2024-02-29", None]),
                         "days": [2.0, 40.0, math.nan]})
    history = engagement.ttfv_history(rows, pd.period_range("2024-01", "2024-03", freq="M"))
    assert history["started"].tolist() == [2, 3, 3]
    assert history["reached"].tolist() == [1, 2, 2]
    assert history["median_days"].tolist() == [2.0, 21.0, 21.0]
    assert history["share_reached"].tolist() == pytest.approx([1 / 2, 2 / 3, 2 / 3])


def test_ttfv_history_of_the_demo_ends_with_the_reports_ttfv():
    tables = load_demo()
    value = engagement.ttfv(tables.get("events"), tables.get("customers"), as_of="2026-06")
    history = engagement.ttfv_history(value.rows, pd.period_range("2026-04", "2026-06", freq="M"))
    assert history["median_days"].iloc[-1] == pytest.approx(value.median_days)
    assert history["reached"].iloc[-1] == value.reached
    earlier = engagement.ttfv(tables.get("events"), tables.get("customers"), as_of="2026-04")
    assert history["median_days"].iloc[0] == pytest.approx(earlier.median_days)
