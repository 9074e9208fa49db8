"""The report's default month (docs/definitions.md): the last month with observed activity in any
table, never the future of a scheduled cancellation, within the revenue months when there is revenue."""

import pandas as pd
import pytest

from kpi.errors import InputError
from kpi.ingest.mapping import Tables
from kpi.report.build import build_report, default_as_of, last_activity_month


def tables(**frames: pd.DataFrame) -> Tables:
    return Tables(frames, {})


def dates(*values: str) -> pd.Series:
    return pd.to_datetime(pd.Series(values), format="ISO8601")


def subscriptions(rows: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["customer_id", "start_date", "amount", "end_date", "status"])
    frame["start_date"] = pd.to_datetime(frame["start_date"])
    frame["end_date"] = pd.to_datetime(frame["end_date"])
    return frame


def tickets(*created: str) -> pd.DataFrame:
    return pd.DataFrame({"ticket_id": [f"t{i}" for i in range(len(created))], "created_at": dates(*created)})


def test_tickets_alone_report_on_the_month_of_the_last_ticket():
    only = tables(tickets=tickets("2025-01-05", "2025-04-30 23:00", "2025-03-02"))
    assert last_activity_month(only) == pd.Period("2025-04", "M")
    assert build_report(only).as_of == pd.Period("2025-04", "M")


def test_each_table_dates_its_activity_and_the_latest_wins():
    nps = pd.DataFrame({"score": [9.0, 3.0], "date": dates("2025-02-01", "2025-06-10")})
    costs = pd.DataFrame({"month": dates("2025-07-01"), "amount": [100.0]})
    assert last_activity_month(tables(nps=nps)) == pd.Period("2025-06", "M")
    assert last_activity_month(tables(nps=nps, costs=costs)) == pd.Period("2025-07", "M")
    assert last_activity_month(tables(tickets=tickets("2025-08-01"), nps=nps)) == pd.Period("2025-08", "M")


def test_no_dated_row_leaves_the_month_undefined():
    undated = pd.DataFrame({"score": [9.0], "date": pd.Series([pd.NaT])})
    assert last_activity_month(tables(nps=undated)) is None
    assert build_report(tables(nps=undated)).as_of is None


def in_a_year() -> str:
    """An end date that has not happened yet, whenever the test runs."""
    return (pd.Timestamp.now().normalize() + pd.Timedelta(days=400)).strftime("%Y-%m-%d")


def test_a_scheduled_cancellation_does_not_move_the_month_into_the_future():
    rows = subscriptions([("c1", "2025-01-15", 100.0, None, "active"),
                          ("c2", "2025-03-01", 50.0, in_a_year(), "active")])  # cancels at period end
    only = tables(subscriptions=rows)
    assert last_activity_month(only) == pd.Period("2025-03", "M")
    report = build_report(only)
    assert report.as_of == pd.Period("2025-03", "M")
    assert report.revenue.series.index[-1] == pd.Period(in_a_year(), "M")  # still reachable with --as-of
    assert str(report.months[-1]) == "2025-03"
    assert report.metric("mrr").value == 150.0


def test_an_end_date_is_activity_once_it_has_happened_or_its_row_says_it_ended():
    ends_in_may = subscriptions([("c1", "2025-01-15", 100.0, None, None),
                                 ("c2", "2025-02-01", 50.0, "2025-05-10", None)])
    june, april = pd.Timestamp("2025-06-01"), pd.Timestamp("2025-04-01")
    assert last_activity_month(tables(subscriptions=ends_in_may), june) == pd.Period("2025-05", "M")
    assert last_activity_month(tables(subscriptions=ends_in_may), april) == pd.Period("2025-02", "M")
    canceled = ends_in_may.assign(status=["active", "canceled"])
    assert last_activity_month(tables(subscriptions=canceled), april) == pd.Period("2025-05", "M")


def test_later_tickets_move_the_month_within_the_subscription_months():
    rows = subscriptions([("c1", "2025-01-15", 100.0, None, "active"),
                          ("c2", "2025-02-01", 50.0, in_a_year(), "active")])
    report = build_report(tables(subscriptions=rows, tickets=tickets("2025-06-03")))
    assert report.as_of == pd.Period("2025-06", "M")
    assert report.support.tickets == 1


def test_with_revenue_the_default_stays_within_the_revenue_months():
    invoices = pd.DataFrame({"customer_id": ["c1", "c1"], "date": dates("2025-01-05", "2025-02-05"),
                             "amount": [100.0, 100.0]})
    nps = pd.DataFrame({"score": [10.0], "date": dates("2025-06-01")})
    both = tables(invoices=invoices, nps=nps)
    assert last_activity_month(both) == pd.Period("2025-06", "M")
    report = build_report(both)
    assert report.as_of == report.revenue.series.index[-1] == pd.Period("2025-02", "M")
    assert default_as_of(both, report.revenue) == pd.Period("2025-02", "M")


def test_an_as_of_outside_the_revenue_months_is_still_an_input_error():
    rows = subscriptions([("c1", "2025-01-15", 100.0, None, "active")])
    with pytest.raises(InputError, match="outside the revenue data"):
        build_report(tables(subscriptions=rows), "2026-01")
