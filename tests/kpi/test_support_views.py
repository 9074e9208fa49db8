"""kpi.metrics.support's page views: resolution-time bands, tickets per customer, one customer's tickets."""

import math

import pandas as pd

from kpi.metrics import support


def tickets(rows):
    """(ticket_id, customer_id, created_at, resolved_at, contacts) rows as a canonical tickets table."""
    out = pd.DataFrame(rows, columns=["ticket_id", "customer_id", "created_at", "resolved_at", "contacts"])
    out["ticket_id"] = out["ticket_id"].astype("string")
    out["customer_id"] = out["customer_id"].astype("string")
    out["created_at"] = pd.to_datetime(out["created_at"])
    out["resolved_at"] = pd.to_datetime(out["resolved_at"])
    out["contacts"] = out["contacts"].astype(float)
    return out


# June 2024: resolved after 6 min, 20 min, exactly 1 h, 90 min, 30 h, 8 days; one still open.
# One May ticket (3 h) is outside the June month but inside 90 days.
JUNE = tickets([
    ("1", "A", "2024-06-03 09:00", "2024-06-03 09:06", 1),
    ("2", "A", "2024-06-04 09:00", "2024-06-04 09:20", 1),
    ("3", "B", "2024-06-05 09:00", "2024-06-05 10:00", 2),
    ("4", "B", "2024-06-06 09:00", "2024-06-06 10:30", 2),
    ("5", "B", "2024-06-07 09:00", "2024-06-08 15:00", 3),
    ("6", "C", "2024-06-10 09:00", "2024-06-18 09:00", 4),
    ("7", "C", "2024-06-28 09:00", None, 1),
    ("8", "A", "2024-05-20 09:00", "2024-05-20 12:00", 1),
])


def band_counts(distribution):
    return dict(zip(distribution["band"], distribution["tickets"], strict=True))


def test_resolution_bands_count_each_resolved_ticket_once_lower_bound_included():
    distribution = support.resolution_time_distribution(JUNE, as_of="2024-06")
    counts = band_counts(distribution)
    assert counts == {"<15m": 1, "15–30m": 1, "30m–1h": 0, "1–2h": 2, "2–4h": 0, "4–8h": 0, "8–24h": 0,
                      "1–3d": 1, "3–7d": 0, "≥7d": 1}  # exactly 1 h belongs to 1–2h
    assert distribution["tickets"].sum() == 6  # the open ticket has no resolution time
    assert math.isclose(distribution["share"].sum(), 1.0)
    assert distribution.loc[distribution["band"] == "1–2h", "share"].item() == 2 / 6
    assert list(distribution.columns) == ["band", "lower_hours", "upper_hours", "tickets", "share"]


def test_resolution_bands_follow_the_window():
    counts = band_counts(support.resolution_time_distribution(JUNE, as_of="2024-06", window=90))
    assert counts["2–4h"] == 1  # the May ticket joins
    assert band_counts(support.resolution_time_distribution(JUNE, as_of="2024-05"))["2–4h"] == 1


def test_resolution_bands_without_a_resolved_ticket_list_every_band_empty():
    distribution = support.resolution_time_distribution(JUNE.iloc[6:7], as_of="2024-06")
    assert len(distribution) == len(support.RESOLUTION_BANDS)
    assert distribution["tickets"].sum() == 0
    assert distribution["share"].isna().all()


def test_tickets_per_customer_groups_five_and_more():
    load = pd.DataFrame({"customer_id": list("ABCDEF"), "tickets": [7, 5, 2, 1, 1, 1]})
    distribution = support.tickets_per_customer_distribution(load)
    assert distribution["tickets"].tolist() == ["1", "2", "3", "4", "5+"]
    assert distribution["customers"].tolist() == [3, 1, 0, 0, 2]
    assert distribution["share"].tolist() == [3 / 6, 1 / 6, 0, 0, 2 / 6]


def test_tickets_per_customer_from_ticket_load_of_the_month():
    distribution = support.tickets_per_customer_distribution(support.ticket_load(JUNE, as_of="2024-06"))
    assert distribution["customers"].tolist() == [0, 2, 1, 0, 0]  # A: 2 in June, C: 2, B: 3


def test_tickets_per_customer_without_tickets_is_all_zero():
    distribution = support.tickets_per_customer_distribution(pd.DataFrame({"customer_id": [], "tickets": []}))
    assert distribution["customers"].tolist() == [0] * 5
    assert distribution["share"].isna().all()


def test_customer_tickets_newest_first_up_to_as_of_with_outcomes():
    rows = support.customer_tickets(JUNE, "A", as_of="2024-06")
    assert rows["ticket_id"].tolist() == ["2", "1", "8"]
    assert rows["first_contact"].tolist() == [True, True, True]
    assert rows["resolution_hours"].round(4).tolist() == [round(20 / 60, 4), 0.1, 3.0]
    assert support.customer_tickets(JUNE, "A", as_of="2024-05")["ticket_id"].tolist() == ["8"]


def test_customer_tickets_keep_open_ones_with_unknown_outcome():
    rows = support.customer_tickets(JUNE, "C")
    assert rows["ticket_id"].tolist() == ["7", "6"]
    assert rows["first_contact"].isna().tolist() == [True, False]
    assert math.isnan(rows["resolution_hours"].iloc[0])


def test_customer_tickets_of_an_unknown_customer_or_without_ids_are_empty():
    assert support.customer_tickets(JUNE, "Z").empty
    assert support.customer_tickets(JUNE.drop(columns="customer_id"), "A").empty
