"""The demo's bank export (qonto_bank_export.csv) and 2026 budget (finance.xlsx:Budget 2026) tell
their story, read as a founder's files, and build into the cash and plan tables untouched.

Figures are read straight from the committed files' text (not from data/demo_bank.py), so a
generator change that breaks the story fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

import data.make_demo
from data import demo_bank
from kpi.demo import cached_demo_tables, demo_files, demo_mapping, load_demo
from kpi.ingest.io import read_path
from kpi.ingest.recognise import auto_mapping
from kpi.report.build import build_report
from ui.choices import Workspace

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo"
BANK, BUDGET = "qonto_bank_export.csv", "finance.xlsx:Budget 2026"
MONTHS = pd.period_range("2023-11", "2026-10", freq="M")
FINANCING, INTERNAL = "Financement", "Virement interne"


def euros(text: pd.Series) -> pd.Series:
    """Qonto's '-26 238,63' (no-break space between thousands, decimal comma) in cents."""
    cleaned = text.str.replace("\u00a0", "", regex=False).str.replace(",", ".", regex=False)
    return (pd.to_numeric(cleaned.where(cleaned != "")) * 100).round().astype("Int64")


@pytest.fixture(scope="module")
def raw() -> str:
    return (DEMO / BANK).read_bytes().decode("utf-8")


@pytest.fixture(scope="module")
def bank(raw) -> pd.DataFrame:
    """The export, oldest first (it is written newest first), with amounts in cents."""
    frame = pd.read_csv(DEMO / BANK, sep=";", dtype=str, keep_default_na=False)
    frame = frame.iloc[::-1].reset_index(drop=True)
    frame["value"] = pd.to_datetime(frame["Date de la valeur (UTC)"], format="%d-%m-%Y %H:%M:%S")
    frame["cents"] = euros(frame["Montant total (TTC)"])
    frame["balance"] = euros(frame["Solde"])
    frame["month"] = frame["value"].dt.to_period("M")
    frame["text"] = (frame["Nom de la contrepartie"] + " " + frame["Référence"] + " " + frame["Note"] + " "
                     + frame["Sous-catégorie de trésorerie"]).str.lower()
    return frame


@pytest.fixture(scope="module")
def operating(bank) -> pd.DataFrame:
    return bank[~bank["Catégorie de trésorerie"].isin([FINANCING, INTERNAL])]


@pytest.fixture(scope="module")
def costs() -> pd.Series:
    sheet = pd.read_excel(DEMO / "finance.xlsx", sheet_name="Coûts mensuels", header=2, engine="calamine")
    return sheet.groupby(pd.to_datetime(sheet["Mois"]).dt.to_period("M"))["Montant (€)"].sum()


@pytest.fixture(scope="module")
def tables():
    return load_demo()


@pytest.fixture(scope="module")
def series(tables) -> pd.DataFrame:
    return pd.DataFrame(build_report(tables, "2026-10").to_json()["series"]).set_index("month")


# ----------------------------------------------------------------- read as Qonto writes it

def test_the_export_has_qontos_layout_and_quirks(raw, bank):
    header = raw.split("\n", 1)[0].split(";")
    assert header[:8] == ["Statut", "Date de la valeur (UTC)", "Date de l'opération (UTC)", "Montant total (TTC)",
                          "Débit", "Crédit", "Solde", "Devise"]
    assert {"Nom du compte", "IBAN du compte", "Nom de la contrepartie", "Catégorie de trésorerie"} <= set(header)
    assert not raw.startswith("\ufeff") and "\r" not in raw and raw.endswith("\n")
    assert re.search(r"\n[^;]*;\d\d-\d\d-\d{4} \d\d:\d\d:\d\d;", raw)
    assert "\u00a0" in raw and re.search(r";-\d{1,3}(\u00a0\d{3})*,\d\d;", raw), "-1 234,56 with a no-break space"
    assert bank["value"].is_monotonic_increasing, "newest first in the file"
    assert set(bank["Nom du compte"]) == {"Compte principal", "Réserve"}
    assert bank.groupby("Nom du compte")["IBAN du compte"].nunique().eq(1).all()
    assert set(bank["Devise"]) == {"EUR"} and set(bank["Statut"]) == {"Exécuté"}
    out = bank["cents"] < 0
    assert (euros(bank.loc[out, "Débit"]) == -bank.loc[out, "cents"]).all()
    assert (euros(bank.loc[~out, "Crédit"]) == bank.loc[~out, "cents"]).all()
    assert bank["Identifiant de transaction"].is_unique


def test_it_covers_the_demos_whole_history(bank):
    assert bank["month"].min() == MONTHS[0] and bank["month"].max() == MONTHS[-1]
    assert set(bank["month"]) == set(MONTHS)
    assert bank["value"].max() <= pd.Timestamp("2026-10-31 23:59")


def test_the_balance_column_is_the_running_sum_of_each_account(bank):
    for account, rows in bank.groupby("Nom du compte"):
        running = rows["cents"].cumsum()
        assert (rows["balance"] == running).all(), account
        assert rows["value"].is_unique, f"{account}: one order to follow"
        assert (rows["balance"] >= 0).all(), f"{account} is never overdrawn"


def test_internal_transfers_sum_to_zero_over_both_accounts(bank):
    internal = bank[bank["Catégorie de trésorerie"] == INTERNAL]
    assert len(internal) >= 20
    assert internal["cents"].sum() == 0
    assert (internal.groupby("value")["cents"].sum() == 0).all(), "each transfer is written on both accounts"
    assert set(internal["Nom du compte"]) == {"Compte principal", "Réserve"}
    assert (bank.loc[bank["Nom du compte"] == "Réserve", "Catégorie de trésorerie"] == INTERNAL).all()


# ----------------------------------------------------------------- money in and out

def test_outflows_follow_the_costs_sheet_with_real_lags(operating, costs):
    out = -operating.loc[operating["cents"] < 0].groupby("month")["cents"].sum() / 100
    out, costs = out.reindex(MONTHS), costs.reindex(MONTHS)
    ratio = out / costs
    assert ratio.iloc[1:].between(0.6, 1.45).all(), ratio.round(2).to_dict()  # ads, AWS, URSSAF paid a month later
    quarter = out.rolling(3).sum() / costs.rolling(3).sum()
    assert quarter.iloc[2:].between(0.85, 1.15).all(), quarter.round(2).to_dict()
    assert out.sum() / costs.sum() == pytest.approx(1, abs=0.03)


def test_payroll_rent_tools_and_ads_are_what_a_founder_pays(operating):
    categories = set(operating["Catégorie de trésorerie"])
    assert {"Salaires", "Charges sociales", "Loyer", "Logiciels & SaaS", "Marketing", "Hébergement"} <= categories
    who = set(operating["Nom de la contrepartie"])
    assert {"URSSAF Île-de-France", "AWS EMEA", "Google Ads", "LinkedIn Ads", "Google Workspace", "Notion Labs",
            "HubSpot", "Qonto", "STRIPE"} <= who


def test_stripe_pays_out_the_mrr_less_its_fees(operating, series):
    payouts = operating[operating["Nom de la contrepartie"] == "STRIPE"]
    sent = pd.to_datetime(payouts["Date de l'opération (UTC)"], format="%d-%m-%Y %H:%M:%S")
    assert (payouts["cents"] > 0).all() and (sent.dt.day_of_week == 1).all(), "weekly, on Tuesdays"
    paid = payouts["cents"].sum() / 100
    # weekly payouts of the previous week: the last days of October are still at Stripe
    assert paid == pytest.approx(0.985 * series["mrr"].sum(), rel=0.03)
    monthly = payouts.groupby("month")["cents"].sum() / 100
    mrr = series["mrr"].set_axis(pd.PeriodIndex(series.index, freq="M"))
    assert (monthly.loc["2024-01":] / mrr.loc["2024-01":]).between(0.75, 1.25).all()


def test_financing_rows_are_labelled_so_a_reader_recognises_them(bank):
    financing = bank[bank["Catégorie de trésorerie"] == FINANCING]
    assert (financing["cents"] > 0).all()
    seed = financing[financing["text"].str.contains("seed")]
    loan = financing[financing["text"].str.contains("prêt") & financing["text"].str.contains("bpi")]
    series_a = financing[financing["text"].str.contains("série a")]
    for rows in (seed, series_a):
        assert rows["text"].str.contains("levée de fonds").all() and rows["text"].str.contains(
            "augmentation de capital").all()
    assert seed["value"].max() < pd.Timestamp("2024-04-01") and seed["cents"].sum() >= 300_000_00
    assert len(loan) == 1 and loan["Sous-catégorie de trésorerie"].eq("Emprunt").all()
    assert (series_a["value"].dt.year == 2025).all() and series_a["cents"].sum() >= 500_000_00
    capital = financing[financing["text"].str.contains("capital social")]
    assert len(seed) + len(loan) + len(series_a) + len(capital) == len(financing)


def test_cash_burn_and_runway_are_a_seed_stage_companys(bank, operating):
    cash = bank.groupby("Nom du compte")["balance"].last().sum() / 100
    assert 400_000 <= cash <= 700_000
    burn = -operating.groupby("month")["cents"].sum().reindex(MONTHS, fill_value=0) / 100
    recent = burn.iloc[-3:].mean()
    assert 20_000 <= recent <= 40_000
    assert 12 <= cash / recent <= 30
    month_end = bank.groupby(["month", "Nom du compte"])["balance"].last().unstack().ffill().fillna(0).sum(axis=1)
    assert 50_000_00 < month_end.loc["2025-10"] < 200_000_00, "the dip before the Series A"
    assert month_end.loc["2025-10"] == month_end.loc["2024-01":"2026-10"].min()


def test_the_bank_draws_its_own_random_stream(tmp_path, monkeypatch):
    """Another stream for the bank changes the bank export and no other file."""
    original = demo_bank.make_bank
    monkeypatch.setattr(data.make_demo, "make_bank", lambda seed, *rest: original(seed + 100, *rest))
    data.make_demo.make_demo(tmp_path, seed=42)
    for name in ["stripe_subscriptions.csv", "crm_customers.csv", "nps_survey.csv", "helpdesk_tickets.csv",
                 "product_events.csv"]:
        assert (tmp_path / name).read_bytes() == (DEMO / name).read_bytes(), name
    assert (tmp_path / BANK).read_bytes() != (DEMO / BANK).read_bytes()


# ----------------------------------------------------------------- the budget

def test_the_budget_is_a_wide_sheet_of_real_dates():
    from openpyxl import load_workbook

    workbook = load_workbook(DEMO / "finance.xlsx", read_only=True)
    try:
        rows = list(workbook["Budget 2026"].iter_rows(values_only=True))
    finally:
        workbook.close()
    assert rows[0][0] == "Indicateur"
    assert [d.strftime("%Y-%m") for d in rows[0][1:]] == [f"2026-{k:02d}" for k in range(1, 13)]
    names = [r[0] for r in rows[1:] if r[0]]
    assert {"MRR fin de mois", "Clients payants", "New MRR", "MRR perdu (churn)", "Trésorerie fin de mois",
            "Burn net", "Dépenses totales"} <= set(names)
    assert all(len([v for v in r[1:] if v is not None]) == 12 for r in rows[1:] if r[0])


def test_the_plan_melts_to_month_metric_value_rows_for_12_months(tables):
    plan = tables.frames["plan"]
    assert {"metric", "month", "value"} <= set(plan)
    months = pd.to_datetime(plan["month"]).dt.to_period("M")
    assert sorted(set(months.astype(str))) == [f"2026-{k:02d}" for k in range(1, 13)]
    per_metric = plan.groupby("metric").size()
    assert len(per_metric) == 12 and (per_metric == 12).all()
    assert len(plan) == 144 and plan["value"].notna().all()


def test_the_plan_is_beaten_on_some_metrics_and_missed_on_others(tables, series):
    plan = tables.frames["plan"].assign(month=lambda f: pd.to_datetime(f["month"]).dt.strftime("%Y-%m"))
    planned = plan.pivot(index="month", columns="metric", values="value")
    actual = series.loc["2026-01":"2026-10"]
    january = "2026-01"
    assert actual.loc[january, "mrr"] > 1.1 * planned.loc[january, "MRR fin de mois"], "the December deal"
    assert actual.loc["2026-10", "customers"] < 0.9 * planned.loc["2026-10", "Clients payants"]
    assert actual["new"].sum() < 0.9 * planned.loc[actual.index, "New MRR"].sum()
    arpa = actual["mrr"] / actual["customers"]
    assert (arpa > planned.loc[actual.index, "ARPA"]).all(), "fewer, bigger customers than planned"


# ----------------------------------------------------------------- read by the product

def test_auto_mapping_finds_both_sheets_with_no_mapping():
    sheets = [sheet for path in demo_files() for sheet in read_path(path, trusted=True)]
    mapping, _ = auto_mapping(sheets)
    expected = demo_mapping()
    for key in (BANK, BUDGET):
        assert mapping[key].to_json() == expected[key].to_json(), key
    assert mapping[BUDGET].layout == "wide" and mapping[BUDGET].columns == {"metric": "Indicateur"}
    assert mapping[BANK].columns["account"] == "Nom du compte"
    assert mapping[BANK].columns["date"] == "Date de la valeur (UTC)"


def test_cash_and_plan_tables_build_with_no_rejected_row(tables):
    for key, table, rows in ((BANK, "cash", 1_000), (BUDGET, "plan", 144)):
        quality = tables.quality[key]
        assert quality.table == table
        assert quality.rows_read >= rows and quality.rows_used == quality.rows_read, key
        assert quality.rejected.empty and not quality.warnings, key
    cash = tables.frames["cash"]
    assert set(cash["account"]) == {"Compte principal", "Réserve"}
    assert cash["amount"].notna().all() and cash["balance"].notna().all()


def test_the_demo_cache_is_keyed_by_the_new_files_too(tmp_path, tables):
    files = {path.name: path.read_bytes() for path in demo_files()}
    assert BANK in files
    with_bank = Workspace("demo", files, demo_mapping())
    without = Workspace("demo", {k: v for k, v in files.items() if k != BANK},
                        {k: v for k, v in demo_mapping().items() if k != BANK})
    assert with_bank.key != without.key
    cached = cached_demo_tables(tmp_path, with_bank.key, lambda: tables)
    assert {"cash", "plan"} <= set(cached.frames)
    again = cached_demo_tables(tmp_path, with_bank.key, lambda: pytest.fail("read back, not rebuilt"))
    pd.testing.assert_frame_equal(again.frames["cash"], tables.frames["cash"])
