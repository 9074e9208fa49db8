"""The demo generator is deterministic, and the committed demo files tell the intended story.

The figures here are computed independently of data/make_demo.py (straight from the CSV text),
so a change to the generator that breaks the story fails here.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from data.make_demo import make_demo

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo"
CSV_FILES = [
    "stripe_subscriptions.csv",
    "crm_customers.csv",
    "nps_survey.csv",
    "helpdesk_tickets.csv",
    "product_events.csv",
    "qonto_bank_export.csv",
]
EXPORT_AT = pd.Timestamp("2026-10-31 23:59")
MONTHS = pd.period_range("2023-11", "2026-10", freq="M")
PER_INTERVAL = {"month": 1, "quarter": 3, "year": 12}
PLAN_RANK = {"Starter": 0, "Growth": 1, "Scale": 2}


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    make_demo(out, seed=42)
    return out


def _dates(col: pd.Series, fmt: str = "%Y-%m-%d %H:%M") -> pd.Series:
    return pd.to_datetime(col.where(col != ""), format=fmt)


@pytest.fixture(scope="module")
def subs() -> pd.DataFrame:
    raw = pd.read_csv(DEMO / "stripe_subscriptions.csv", dtype=str, keep_default_na=False)
    df = pd.DataFrame({
        "customer": raw["Customer ID"],
        "plan": raw["Plan"],
        "status": raw["Status"],
        "start": _dates(raw["Start Date (UTC)"]),
        "trial_end": _dates(raw["Trial End (UTC)"]),
        "end": _dates(raw["Ended At (UTC)"]),
        "created": _dates(raw["Created (UTC)"]),
        "canceled": _dates(raw["Canceled At (UTC)"]),
        "discount": raw["Discount"],
    })
    disc = raw["Discount"].str.rstrip("%").replace("", "0").astype(float) / 100
    months = raw["Interval"].map(PER_INTERVAL)
    df["mrr"] = raw["Amount"].astype(float) * raw["Quantity"].astype(int) * (1 - disc) / months
    df["paid_from"] = df["trial_end"].fillna(df["start"])
    df["paying"] = ~df["status"].isin(["trialing", "incomplete_expired"]) & (
        df["end"].isna() | (df["end"] > df["paid_from"]))
    return df


@pytest.fixture(scope="module")
def mrr(subs) -> pd.Series:
    """End-of-month MRR: a paying row counts in M when paid_from ≤ last day of M < end."""
    rows = subs[subs["paying"]]
    first = rows["paid_from"].dt.normalize()
    end = rows["end"].dt.normalize()
    out = {}
    for month in MONTHS:
        last_day = month.end_time.normalize()
        live = (first <= last_day) & (end.isna() | (end > last_day))
        out[month] = rows.loc[live, "mrr"].sum()
    return pd.Series(out)


# ----------------------------------------------------------------- determinism

@pytest.mark.parametrize("name", CSV_FILES)
def test_csv_regenerates_byte_identical(regenerated, name):
    assert (regenerated / name).read_bytes() == (DEMO / name).read_bytes()


def _workbook_values(path: Path) -> dict[str, list[tuple]]:
    wb = load_workbook(path, read_only=True)
    try:
        return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}
    finally:
        wb.close()


def test_workbook_regenerates_with_equal_values(regenerated):
    new, committed = _workbook_values(regenerated / "finance.xlsx"), _workbook_values(DEMO / "finance.xlsx")
    assert list(committed) == ["Coûts mensuels", "CSAT", "CES", "Budget 2026"]
    assert new == committed


# ----------------------------------------------------------------- the story

def test_covers_36_months_and_nothing_after_the_export(subs, mrr):
    assert len(mrr) == 36
    assert (mrr > 0).all(), "every month of the window has revenue"
    assert subs.loc[subs["paying"], "paid_from"].min().to_period("M") == MONTHS[0]
    for col in ["start", "created", "end", "canceled"]:
        assert subs[col].max() <= EXPORT_AT, col
    # only current trials may end after the export
    late = subs["trial_end"] > EXPORT_AT
    assert late.any() and (subs.loc[late, "status"] == "trialing").all()
    events = pd.read_csv(DEMO / "product_events.csv")
    assert pd.to_datetime(events["timestamp"]).max().tz_localize(None) <= EXPORT_AT
    tickets = pd.read_csv(DEMO / "helpdesk_tickets.csv", dtype=str, keep_default_na=False)
    assert _dates(tickets["Created at"], "%Y-%m-%d %H:%M:%S").max() <= EXPORT_AT


def test_about_800_paying_customers(subs):
    ever_paid = subs.loc[subs["paying"] & (subs["mrr"] > 0), "customer"].nunique()
    assert 700 <= ever_paid <= 900
    crm = pd.read_csv(DEMO / "crm_customers.csv", dtype=str, keep_default_na=False)
    assert crm["Stripe Customer ID"].is_unique and crm["Company name"].is_unique
    assert set(subs["customer"]) == set(crm["Stripe Customer ID"])
    assert len(crm) > ever_paid, "the CRM also holds trials that never converted"


def test_mrr_grows_like_a_seed_stage_saas(mrr):
    assert 500 <= mrr.iloc[0] <= 5_000
    assert 10_000 <= mrr.iloc[-1] < 100_000
    assert mrr.iloc[-1] > 10 * mrr.iloc[0]
    yearly = mrr.iloc[[0, 12, 24, 35]]
    assert yearly.is_monotonic_increasing


def test_every_movement_kind_occurs(subs):
    main = subs[subs["paying"] & (subs["plan"] != "Extra workspace")]
    ended = main[main["end"].notna()]
    follow = ended.merge(main, left_on=["customer", "end"], right_on=["customer", "start"],
                         suffixes=("_old", "_new"))
    rank_old, rank_new = follow["plan_old"].map(PLAN_RANK), follow["plan_new"].map(PLAN_RANK)
    assert (rank_new > rank_old).sum() >= 5, "plan upgrades"
    assert (rank_new < rank_old).sum() >= 5, "plan downgrades"
    assert (follow["mrr_new"] > follow["mrr_old"]).sum() >= 20, "expansion"
    assert (follow["mrr_new"] < follow["mrr_old"]).sum() >= 20, "contraction"

    replaced = ended.set_index(["customer", "end"]).index.isin(follow.set_index(["customer", "end_old"]).index)
    cancellations = ended[~replaced]
    assert len(cancellations) >= 100
    assert (cancellations["canceled"] <= cancellations["end"]).all()

    # reactivation: a new subscription starting more than 30 days after everything before it ended
    reactivations = 0
    for _, rows in main.sort_values("start").groupby("customer"):
        latest_end = None
        for start, end in zip(rows["start"], rows["end"], strict=True):
            if latest_end is not None and start - latest_end > pd.Timedelta(days=30):
                reactivations += 1
            end = pd.Timestamp.max if pd.isna(end) else end
            latest_end = end if latest_end is None else max(latest_end, end)
    assert reactivations >= 3


def test_deliberate_oddities_are_present(subs):
    status = subs["status"].value_counts()
    for s in ["active", "canceled", "past_due", "trialing", "incomplete_expired"]:
        assert status.get(s, 0) >= 3, s
    assert ((subs["discount"] == "100%") & subs["end"].isna()).sum() >= 3
    never_converted = subs["trial_end"].notna() & (subs["end"] == subs["trial_end"])
    assert never_converted.sum() >= 100
    # an add-on running alongside the main subscription
    addon = subs[subs["plan"] == "Extra workspace"]
    main = subs[subs["plan"] != "Extra workspace"]
    overlap = addon.merge(main, on="customer", suffixes=("", "_main"))
    overlap = overlap[(overlap["start_main"] <= overlap["start"])
                      & (overlap["end_main"].isna() | (overlap["end_main"] > overlap["start"]))]
    assert overlap["customer"].nunique() >= 3
    # upgrade then downgrade back inside one calendar month
    main = main[main["status"] != "incomplete_expired"]
    up = main.merge(main, left_on=["customer", "end"], right_on=["customer", "start"], suffixes=("", "_up"))
    up = up[up["plan_up"].map(PLAN_RANK) > up["plan"].map(PLAN_RANK)]
    back = up.merge(main, left_on=["customer", "end_up"], right_on=["customer", "start"], suffixes=("", "_back"))
    back = back[(back["plan_back"] == back["plan"])
                & (back["start_up"].dt.to_period("M") == back["end_up"].dt.to_period("M"))]
    assert back["customer"].nunique() >= 3


def test_voice_of_customer_story():
    nps = pd.read_csv(DEMO / "nps_survey.csv", keep_default_na=False)

    def score(s: pd.Series) -> float:
        return 100 * ((s >= 9).mean() - (s <= 6).mean())

    assert 1_000 <= len(nps) <= 5_000
    assert 30 <= score(nps["Score"]) <= 45
    by_segment = nps.groupby("Segment")["Score"].apply(score)
    assert by_segment["Enterprise"] > by_segment["SMB"]
    assert 0.4 <= (nps["Comment"] == "").mean() <= 0.6

    tickets = pd.read_csv(DEMO / "helpdesk_tickets.csv", dtype=str, keep_default_na=False)
    assert 1_000 <= len(tickets) <= 6_000
    assert tickets["Ticket ID"].astype(int).is_monotonic_increasing
    solved = tickets[tickets["Solved at"] != ""]
    assert 0.65 <= (solved["First contact resolution"] == "Yes").mean() <= 0.75
    assert ((solved["Agent replies"].astype(int) == 1) == (solved["First contact resolution"] == "Yes")).all()
    unsolved = tickets[tickets["Solved at"] == ""]
    assert set(unsolved["Status"]) <= {"open", "pending"} and len(unsolved) >= 1


def test_sizes_stay_small():
    assert (DEMO / "product_events.csv").stat().st_size < 6_000_000
    total = sum(p.stat().st_size for p in DEMO.iterdir() if p.is_file())
    assert total < 10_000_000
