"""Churn reasons (§12): kpi/metrics/churn_reasons.py and the report's `churn_reasons` section."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kpi.ingest.io import read_path
from kpi.ingest.mapping import Tables, build_tables
from kpi.ingest.recognise import auto_mapping
from kpi.metrics import churn_reasons as reasons
from kpi.report.build import build_report

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "fixtures" / "corpus"
MONTHS = pd.period_range("2024-11", "2025-12", freq="M")
AS_OF = pd.Period("2025-12", freq="M")


def mrr_matrix(paying: dict[str, tuple[float, str]]) -> pd.DataFrame:
    """customer → (MRR, last month paid): each pays from 2024-11 to that month, then 0."""
    rows = {customer: np.where(MONTHS <= pd.Period(last, freq="M"), amount, 0.0)
            for customer, (amount, last) in paying.items()}
    return pd.DataFrame.from_dict(rows, orient="index", columns=MONTHS).rename_axis("customer_id")


MRR = mrr_matrix({
    "A": (100.0, "2025-03"),  # churns in 2025-04
    "B": (50.0, "2025-05"),  # churns in 2025-06
    "C": (30.0, "2025-02"),  # churns in 2025-03
    "D": (200.0, "2025-06"),  # churns in 2025-07
    "E": (20.0, "2025-07"),  # churns in 2025-08
    "F": (10.0, "2025-08"),  # churns in 2025-09
    "G": (70.0, "2024-11"),  # churns in 2024-12: 13 months before the as-of month
    "K": (40.0, "2025-12"),  # still paying
})
REASONS = pd.DataFrame([
    ["A", "2025-03-01", "Too expensive"],  # first day of M−1: counts
    ["A", "2025-02-28", "Missing feature"],  # the day before: too early
    ["B", "2025-06-10", "Missing feature"],
    ["B", "2025-07-31", "too EXPENSIVE "],  # last day of M+1, and B's latest: wins
    ["C", "2025-05-01", "Bugs"],  # first day of M+2: too late, C's churn is "unknown"
    ["D", "2025-07-15", "Prix élevé"],
    ["E", "2025-08-02", "prix eleve"],  # same reason without accents
    ["F", "2025-09-30", "Prix élevé"],
    ["G", "2024-12-05", "Bugs"],  # a churn outside the 12 months
], columns=["customer_id", "date", "reason"]).assign(date=lambda f: pd.to_datetime(f["date"]))


def test_churned_customers_and_mrr_by_reason_by_hand():
    result = reasons.churn_reasons(MRR, REASONS, AS_OF)
    table = result.by_reason
    assert table.index.tolist() == ["Prix élevé", "Too expensive", "unknown"]  # largest MRR first, unknown last
    assert table["customers"].tolist() == [3, 2, 1]
    assert table["mrr"].tolist() == pytest.approx([230.0, 150.0, 30.0])
    assert table["share"].tolist() == pytest.approx([230 / 410, 150 / 410, 30 / 410])
    assert result.to_json() == {"Prix élevé": {"customers": 3, "mrr": 230.0, "share": pytest.approx(230 / 410)},
                                "Too expensive": {"customers": 2, "mrr": 150.0, "share": pytest.approx(150 / 410)},
                                "unknown": {"customers": 1, "mrr": 30.0, "share": pytest.approx(30 / 410)}}


def test_each_churn_takes_the_latest_reason_of_its_window():
    churns = reasons.churn_reasons(MRR, REASONS, AS_OF).churns.set_index("customer_id")
    assert churns.loc["A", "reason"] == "Too expensive" and churns.loc["A", "month"] == pd.Period("2025-04", "M")
    assert churns.loc["B", "reason"] == "Too expensive"  # 2025-07-31 is later than 2025-06-10
    assert churns.loc["C", "reason"] == reasons.UNKNOWN
    assert "G" not in churns.index and "K" not in churns.index


def test_the_window_runs_from_the_first_day_of_m_minus_1_to_the_last_day_of_m_plus_1():
    churn = pd.DataFrame({"customer_id": ["A"] * 4, "month": pd.PeriodIndex(["2025-04"] * 4, freq="M"),
                          "mrr": [1.0] * 4})
    for day, inside in (("2025-02-28", False), ("2025-03-01", True), ("2025-05-31", True), ("2025-06-01", False)):
        rows = pd.DataFrame({"customer_id": ["A"], "date": pd.to_datetime([day]), "reason": ["x"]})
        assert (reasons.assign_reasons(churn.head(1), rows)["reason"].iloc[0] == "x") is inside, day


def test_a_month_earlier_as_of_reads_its_own_12_months():
    result = reasons.churn_reasons(MRR, REASONS, pd.Period("2025-04", freq="M"))
    # 2024-05 … 2025-04: G (2024-12, Bugs dated 2024-12-05), C (2025-03, unknown), A (2025-04)
    assert result.by_reason.to_dict("index") == {
        "Too expensive": {"customers": 1, "mrr": 100.0, "share": pytest.approx(0.5)},
        "Bugs": {"customers": 1, "mrr": 70.0, "share": pytest.approx(0.35)},
        "unknown": {"customers": 1, "mrr": 30.0, "share": pytest.approx(0.15)}}


def test_the_written_form_shown_is_the_most_frequent_one():
    keys = reasons.reason_key(pd.Series(["Prix élevé", " prix  ELEVE", "Prix eleve"]))
    assert keys.nunique() == 1
    assert reasons.churn_reasons(MRR, REASONS, AS_OF).by_reason.index[0] == "Prix élevé"  # 2 of 3 write it so


def test_nothing_churned_gives_an_empty_table_and_no_share():
    result = reasons.churn_reasons(mrr_matrix({"K": (40.0, "2025-12")}), REASONS, AS_OF)
    assert result.by_reason.empty and result.to_json() == {}


def test_each_churn_with_its_latest_nps_and_tickets_of_its_last_90_days():
    result = reasons.churn_reasons(MRR, REASONS, AS_OF)
    nps = pd.DataFrame({"customer_id": ["A", "A", "A", "B"], "score": [3.0, 9.0, 0.0, 8.0],
                        "date": pd.to_datetime(["2025-02-01", "2025-04-20", "2025-05-03", "2025-03-01"])})
    # A churns in 2025-04: its last 90 days run from 2025-01-31 (2025-05-01 − 90 days) to 2025-04-30
    tickets = pd.DataFrame({"ticket_id": ["t1", "t2", "t3", "t4", "t5"], "customer_id": ["A", "A", "A", "A", "D"],
                            "created_at": pd.to_datetime(["2025-01-30 00:00", "2025-01-31 00:00", "2025-04-30 23:00",
                                                          "2025-05-01 00:00", "2025-07-01 00:00"])})
    context = reasons.reason_context(result.churns, nps, tickets).set_index("customer_id")
    assert context.loc["A", "latest_nps"] == 9.0  # the answer after the churn month does not count
    assert context.loc["B", "latest_nps"] == 8.0 and np.isnan(context.loc["C", "latest_nps"])
    assert context["tickets"].to_dict() == {"C": 0, "A": 2, "B": 0, "D": 1, "E": 0, "F": 0}
    summary = reasons.context_by_reason(context.reset_index())
    # Too expensive: A 9 (promoter), B 8 (passive) → 100 × (1 − 0) ÷ 2
    assert summary.loc["Too expensive"].to_dict() == pytest.approx(
        {"answered": 2, "nps": 50.0, "tickets": 2, "tickets_per_customer": 1.0})
    assert summary.loc["Prix élevé", "answered"] == 0 and np.isnan(summary.loc["Prix élevé", "nps"])
    assert summary.loc["Prix élevé", "tickets_per_customer"] == pytest.approx(1 / 3)


# ── the report ──────────────────────────────────────────────────────────────────────────


def subscriptions_of(matrix: pd.DataFrame) -> pd.DataFrame:
    """Subscription rows giving the matrix: start on the 5th of the first month, end on the 5th of
    the month after the last month paid; and a new customer Z in the last month, so the data runs to it."""
    rows = []
    for customer, values in matrix.iterrows():
        paid = matrix.columns[values.to_numpy() > 0]
        end = (paid[-1] + 1).to_timestamp() + pd.Timedelta(days=4) if paid[-1] < matrix.columns[-1] else pd.NaT
        rows.append([customer, paid[0].to_timestamp() + pd.Timedelta(days=4), end, float(values.max())])
    rows.append(["Z", matrix.columns[-1].to_timestamp() + pd.Timedelta(days=9), pd.NaT, 5.0])  # data up to the end
    return pd.DataFrame(rows, columns=["customer_id", "start_date", "end_date", "amount"])


def test_report_json_has_churn_reasons_only_with_the_table():
    tables = {"subscriptions": subscriptions_of(MRR)}
    without = build_report(Tables(dict(tables), {}), as_of="2025-12")
    assert without.to_json()["churn_reasons"] is None
    report = build_report(Tables({**tables, "churn_reasons": REASONS}, {}), as_of="2025-12")
    assert report.revenue.mrr.loc[MRR.index, MONTHS].to_numpy() == pytest.approx(MRR.to_numpy())
    section = report.to_json()["churn_reasons"]
    assert {reason: (v["customers"], v["mrr"]) for reason, v in section.items()} == {
        "Prix élevé": (3, 230.0), "Too expensive": (2, 150.0), "unknown": (1, 30.0)}
    series = report.series_frame().iloc[-12:]  # the reasons share out exactly the churn of the 12 months
    assert sum(v["mrr"] for v in section.values()) == pytest.approx(series["churn"].sum())
    assert sum(v["customers"] for v in section.values()) == series["churned_customers"].sum()


def corpus_report(as_of: str):
    sheets = [sheet for name in ("subscriptions_mrr.csv", "churn_events.csv") for sheet in read_path(CORPUS / name)]
    mapping, _ = auto_mapping(sheets)
    assert mapping["churn_events.csv"].table == "churn_reasons"
    return build_report(build_tables(sheets, mapping), as_of=as_of)


@pytest.mark.parametrize("as_of, expected", [
    # canceled_at in the subscriptions file, MRR = mrr_amount × seats; reason_code of churn_events.csv
    ("2025-12", {"too_expensive": (1, 398.0 * 2), "switched_competitor": (1, 197.5 * 3), "not_using": (1, 29.0)}),
    ("2024-12", {"business_closed": (2, 395.0 * 5 + 79.0), "switched_competitor": (1, 29.0)}),
])
def test_public_churn_events_layout_with_its_subscriptions(as_of, expected):
    section = corpus_report(as_of).to_json()["churn_reasons"]
    assert {reason: (v["customers"], pytest.approx(v["mrr"])) for reason, v in section.items()} == expected
    total = sum(mrr for _, mrr in expected.values())
    assert {reason: v["share"] for reason, v in section.items()} == pytest.approx(
        {reason: mrr / total for reason, (_, mrr) in expected.items()})
