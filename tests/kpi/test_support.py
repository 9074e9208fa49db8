"""kpi.metrics.support on hand-computed ticket fixtures: FCR (with open tickets), resolution time, load."""

import math

import pandas as pd
import pytest

from kpi.demo import load_demo
from kpi.metrics import support

P = pd.Period


def tickets(rows, columns=("ticket_id", "customer_id", "created_at", "resolved_at", "first_contact_resolved",
                           "contacts")):
    """Rows of (ticket_id, customer_id, created_at, resolved_at, first_contact_resolved, contacts)."""
    frame = pd.DataFrame(list(rows), columns=list(columns))
    for column in ("ticket_id", "customer_id"):
        if column in frame:
            frame[column] = frame[column].astype("string")
    for column in ("created_at", "resolved_at"):
        if column in frame:
            frame[column] = pd.to_datetime(frame[column], format="mixed")
    if "first_contact_resolved" in frame:
        frame["first_contact_resolved"] = frame["first_contact_resolved"].astype("boolean")
    if "contacts" in frame:
        frame["contacts"] = frame["contacts"].astype(float)
    return frame


def test_fcr_leaves_open_tickets_without_an_outcome_out_of_the_denominator():
    rows = tickets([
        ("1", "A", "2024-03-01 09:00", "2024-03-01 10:00", True, 1),
        ("2", "A", "2024-03-02 09:00", "2024-03-02 15:00", False, 3),
        ("3", "B", "2024-03-03 09:00", "2024-03-04 09:00", True, 1),
        ("4", "B", "2024-03-30 09:00", None, None, 1),  # open: may still be solved in one touch
    ])
    result = support.support(rows, as_of="2024-03")
    assert result.fcr == pytest.approx(2 / 3)
    assert (result.tickets, result.fcr_known, result.first_contact, result.unknown) == (4, 3, 2, 1)
    assert result.to_json() == {"fcr": pytest.approx(2 / 3), "tickets": 4, "median_resolution_hours": 6.0}


def test_a_resolved_ticket_without_any_outcome_is_unknown_not_open():
    rows = tickets([
        ("1", "A", "2024-03-01 09:00", "2024-03-01 10:00", True, None),
        ("2", "A", "2024-03-02 09:00", "2024-03-02 15:00", None, None),  # resolved, no flag, no count: unknown
        ("3", "B", "2024-03-03 09:00", None, None, None),  # not resolved: open, and unknown
    ])
    result = support.support(rows, as_of="2024-03")
    assert (result.fcr_known, result.unknown, result.unknown_resolved, result.open, result.resolved) == (1, 2, 1, 1, 2)
    assert result.fcr == 1.0


def test_without_the_flag_one_contact_on_a_resolved_ticket_means_first_contact():
    rows = tickets([
        ("1", "A", "2024-03-01", "2024-03-01 02:00", 1),
        ("2", "A", "2024-03-01", "2024-03-02", 3),
        ("3", "A", "2024-03-01", None, 1),  # open, one reply so far: unknown
    ], columns=("ticket_id", "customer_id", "created_at", "resolved_at", "contacts"))
    assert support.first_contact(rows).tolist() == [True, False, pd.NA]
    assert support.support(rows).fcr == 0.5


def test_an_empty_flag_falls_back_to_the_contact_count():
    rows = tickets([("1", "A", "2024-03-01", "2024-03-01 02:00", None, 1),
                    ("2", "A", "2024-03-01", "2024-03-01 02:00", False, 1)])
    assert support.first_contact(rows).tolist() == [True, False]  # an explicit flag wins


def test_median_resolution_counts_resolved_tickets_only():
    rows = tickets([
        ("1", "A", "2024-03-01 09:00", "2024-03-01 11:00", True, 1),  # 2 h
        ("2", "A", "2024-03-01 09:00", "2024-03-01 15:00", False, 2),  # 6 h
        ("3", "A", "2024-03-01 09:00", "2024-03-02 09:00", False, 2),  # 24 h
        ("4", "A", "2024-03-01 09:00", None, None, 0),
    ])
    assert support.support(rows).median_resolution_hours == 6.0
    assert support.resolution_hours(rows).tolist()[:3] == [2.0, 6.0, 24.0]


def test_as_of_picks_tickets_by_creation_month_and_keeps_later_resolutions():
    rows = tickets([
        ("1", "A", "2024-03-31 23:00", "2024-04-01 01:00", True, 1),  # created in March, solved in April
        ("2", "A", "2024-04-01 00:00", "2024-04-01 03:00", False, 2),
    ])
    march = support.support(rows, as_of="2024-03")
    assert (march.tickets, march.fcr, march.median_resolution_hours) == (1, 1.0, 2.0)
    assert support.support(rows, as_of="2024-04", window="all").tickets == 2
    assert support.support(rows, as_of="2024-04", window=30).tickets == 1  # the 30 days ending 30 April


def test_no_tickets_and_only_open_tickets_give_nulls_not_zeros():
    empty = support.support(tickets([]))
    assert empty.to_json() == {"fcr": None, "tickets": 0, "median_resolution_hours": None}
    open_only = support.support(tickets([("1", "A", "2024-03-01", None, None, 0)]))
    assert open_only.to_json() == {"fcr": None, "tickets": 1, "median_resolution_hours": None}


def test_monthly_trend_runs_over_every_month_and_nulls_empty_ones():
    rows = tickets([
        ("1", "A", "2024-01-10", "2024-01-10 01:00", True, 1),
        ("2", "B", "2024-01-11", "2024-01-11 03:00", False, 2),
        ("3", "B", "2024-03-01", "2024-03-01 05:00", True, 1),
    ])
    trend = support.support_by_month(rows)
    assert list(trend.index) == [P("2024-01"), P("2024-02"), P("2024-03")]
    assert trend["tickets"].tolist() == [2, 0, 1]
    assert trend.loc[P("2024-01"), "fcr"] == 0.5 and math.isnan(trend.loc[P("2024-02"), "fcr"])
    assert trend.loc[P("2024-01"), "median_resolution_hours"] == 2.0


def test_ticket_load_ranks_the_heaviest_accounts_and_skips_unknown_senders():
    rows = tickets([
        ("1", "A", "2024-03-01", "2024-03-01 01:00", True, 1),
        ("2", "B", "2024-03-02", "2024-03-02 01:00", True, 1),
        ("3", "B", "2024-03-03", None, None, 0),
        ("4", None, "2024-03-04", "2024-03-04 01:00", True, 1),
    ])
    load = support.ticket_load(rows, as_of="2024-03")
    assert load["customer_id"].tolist() == ["B", "A"]
    assert load.loc[0, "tickets"] == 2 and load.loc[0, "open"] == 1
    assert support.heaviest_accounts(rows, as_of="2024-03", top=1)["customer_id"].tolist() == ["B"]
    result = support.support(rows, as_of="2024-03")
    assert (result.tickets, result.customers, result.tickets_per_customer) == (4, 2, 1.5)


def test_demo_support_gives_plausible_headlines():
    result = support.support(load_demo().frames["tickets"], as_of="2026-10")
    assert 0.5 < result.fcr < 0.9  # the story: about 73 % in 2026
    assert 1 < result.median_resolution_hours < 5  # the story: median about 2.4 h
    assert result.tickets > 50 and result.unknown > 0  # the export's last days have open tickets
