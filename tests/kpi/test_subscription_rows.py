"""Successive rows or concurrent subscriptions (§2): kpi/ingest/subscription_rows.py, its warning on
the sheet's quality report, and the `subscription_rows` setting — both readings on the same file."""

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpi.demo import load_demo
from kpi.errors import InputError
from kpi.ingest.io import read_bytes
from kpi.ingest.mapping import build_tables
from kpi.ingest.recognise import auto_mapping
from kpi.ingest.subscription_rows import newer_rows_replace_older, overlap_warning, overlaps
from kpi.report.build import Settings, build_report
from kpi.report.settings_json import settings_from_json, settings_to_json

# Plan changes written as new rows: A and B never end the old row; C ends it the day the new one
# starts (successive rows, no overlap).
PLAN_CHANGES = b"""Customer,Plan,Start,End,Monthly amount
A,Starter,2024-01-10,,100
A,Pro,2024-03-05,,150
B,Starter,2024-02-01,,50
B,Team,2024-04-15,,80
C,Starter,2024-01-20,2024-03-20,30
C,Pro,2024-03-20,,40
"""
# MRR at each month end, by hand:
#            Jan  Feb  Mar  Apr
# rows add up:  A 100 100 250 250 · B 0 50 50 130 · C 30 30 40 40
# newer replaces: A 100 100 150 150 · B 0 50 50 80 · C 30 30 40 40
ADD_UP = {"2024-01": 130.0, "2024-02": 180.0, "2024-03": 340.0, "2024-04": 420.0}
REPLACED = {"2024-01": 130.0, "2024-02": 180.0, "2024-03": 240.0, "2024-04": 270.0}


@pytest.fixture(scope="module")
def plan_changes():
    sheets = read_bytes("plan_changes.csv", PLAN_CHANGES)
    mapping, _ = auto_mapping(sheets)
    assert mapping["plan_changes.csv"].table == "subscriptions"
    return build_tables(sheets, mapping)


def mrr_by_month(report) -> dict[str, float]:
    return {str(month): float(value) for month, value in report.series_frame()["mrr"].items()}


def test_rows_add_up_by_default(plan_changes):
    report = build_report(plan_changes)
    assert report.settings.subscription_rows == "add"
    assert mrr_by_month(report) == pytest.approx(ADD_UP)


def test_a_newer_row_replaces_the_older_one_when_the_setting_says_so(plan_changes):
    report = build_report(plan_changes, settings=Settings(subscription_rows="replace"))
    assert mrr_by_month(report) == pytest.approx(REPLACED)
    mrr = report.revenue.mrr
    assert mrr.loc["A"].tolist() == [100.0, 100.0, 150.0, 150.0]  # the plan change is an expansion, not a new product
    march = report.series_frame().loc[pd.Period("2024-03", "M")]
    assert (march["expansion"], march["new"]) == pytest.approx((50.0 + 10.0, 0.0))  # A +50, C +10


def test_overlaps_are_counted_per_customer(plan_changes):
    found = overlaps(plan_changes.get("subscriptions"))
    assert (found.customers, found.several, found.overlapping, found.rows) == (3, 3, 2, 2)
    assert found.mostly  # 2 of 3 customers with several rows


def test_map_columns_and_data_quality_say_so_with_the_counts(plan_changes):
    quality = plan_changes.quality["plan_changes.csv"]
    warning = next(w for w in quality.warnings if "overlap" in w)
    assert warning.startswith("2 of the 3 customers with several subscription rows have rows that overlap (2 row(s)")
    assert "newer row replaces the older one" in warning


def test_successive_rows_and_occasional_concurrent_subscriptions_raise_no_warning():
    successive = pd.DataFrame({"customer_id": ["A", "A", "B", "B"],
                               "start_date": pd.to_datetime(["2024-01-01", "2024-03-01", "2024-01-01", "2024-02-01"]),
                               "end_date": pd.to_datetime(["2024-03-01", None, "2024-02-01", None])})
    assert overlaps(successive).overlapping == 0 and overlap_warning(successive) is None
    demo = overlaps(load_demo().get("subscriptions"))  # a few customers hold two products at once
    assert 0 < demo.overlapping < demo.several / 2 and not demo.mostly


def test_a_long_row_covering_several_later_rows_overlaps_each_of_them():
    rows = pd.DataFrame({"customer_id": ["A", "A", "A"],
                         "start_date": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-05-01"]),
                         "end_date": pd.to_datetime(["2024-12-01", "2024-03-01", "2024-06-01"])})
    assert overlaps(rows).rows == 2


def test_same_start_date_the_row_written_last_is_the_newer():
    rows = pd.DataFrame({"customer_id": ["A", "A"], "start_date": pd.to_datetime(["2024-01-10", "2024-01-10"]),
                         "end_date": pd.to_datetime([None, None]), "amount": [10.0, 30.0]})
    replaced = newer_rows_replace_older(rows)
    assert replaced["end_date"].tolist() == [pd.Timestamp("2024-01-10"), pd.NaT]
    assert replaced["amount"].tolist() == [10.0, 30.0]  # other columns untouched


def test_an_unknown_reading_is_an_input_error_naming_the_choices(plan_changes):
    with pytest.raises(InputError, match="expected one of: add, replace"):
        build_report(plan_changes, settings=Settings(subscription_rows="merge"))


def test_the_setting_is_kept_with_the_workspace_settings():
    assert settings_from_json(settings_to_json(Settings(subscription_rows="replace"))).subscription_rows == "replace"
    assert settings_from_json("{}").subscription_rows == "add"


def test_rows_without_an_end_date_column_overlap_and_are_replaced():
    starts = pd.to_datetime(["2024-01-10", "2024-03-05", "2024-01-01"]).astype("datetime64[s]")
    rows = pd.DataFrame({"customer_id": ["A", "A", "B"], "start_date": starts, "amount": [100.0, 150.0, 10.0]})
    assert overlaps(rows) == overlaps(rows.assign(end_date=pd.NaT)) and overlaps(rows).rows == 1
    assert newer_rows_replace_older(rows)["end_date"].tolist() == [pd.Timestamp("2024-03-05"), pd.NaT, pd.NaT]


def _overlaps_row_by_row(rows: list[tuple]) -> tuple[int, int, int, int]:
    """The definition, one customer at a time: rows in (start, file) order, each against the
    latest end of the rows before it (a blank end is never)."""
    by_customer: dict[str, list[tuple]] = {}
    for position, (customer, start, end) in enumerate(rows):
        if customer is not None and start is not None:
            by_customer.setdefault(customer, []).append((start, position, float("inf") if end is None else end))
    overlapping_customers = overlapping_rows = 0
    for found in by_customer.values():
        found.sort()
        latest, hits = None, 0
        for start, _, end in found:
            hits += latest is not None and start < latest
            latest = end if latest is None else max(latest, end)
        overlapping_customers += hits > 0
        overlapping_rows += hits
    sizes = [len(found) for found in by_customer.values()]
    return len(sizes), sum(size > 1 for size in sizes), overlapping_customers, overlapping_rows


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.one_of(st.none(), st.sampled_from("abcde")), st.one_of(st.none(), st.integers(0, 40)),
                          st.one_of(st.none(), st.integers(0, 40))), max_size=14))
def test_vectorised_overlaps_equal_the_definition_customer_by_customer(rows):
    day = pd.Timestamp("2024-01-01")
    table = pd.DataFrame({"customer_id": pd.array([c for c, _, _ in rows], dtype="string"),
                          "start_date": pd.to_datetime([None if s is None else day + pd.Timedelta(days=s)
                                                        for _, s, _ in rows]),
                          "end_date": pd.to_datetime([None if e is None else day + pd.Timedelta(days=e)
                                                      for _, _, e in rows])})
    found = overlaps(table)
    assert (found.customers, found.several, found.overlapping, found.rows) == _overlaps_row_by_row(rows)
