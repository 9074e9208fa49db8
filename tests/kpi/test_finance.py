"""Cash, burn and runway (kpi.metrics.finance) on tiny bank exports computed by hand."""

import numpy as np
import pandas as pd
import pytest

from kpi.ingest.io import read_path
from kpi.ingest.ledgers import balance_mismatch
from kpi.ingest.mapping import build_tables
from kpi.ingest.recognise import auto_mapping
from kpi.metrics.finance import categories, finance, finance_by_month, flows


def cash_table(rows: list[tuple], columns: str) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=columns.split())
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def months(first: str, last: str) -> pd.PeriodIndex:
    return pd.period_range(first, last, freq="M")


# one account, newest first as banks list it, with its running balance; a seed round in February
QONTO_LIKE = cash_table([
    ("2026-03-28", "Salaires", "Salaires", -30_000.0, 1_012_000.0),
    ("2026-03-10", "Stripe", "Ventes", 12_000.0, 1_042_000.0),
    ("2026-02-20", "Levée de fonds seed", "Financement", 1_000_000.0, 1_030_000.0),
    ("2026-02-15", "Salaires", "Salaires", -25_000.0, 30_000.0),
    ("2026-02-05", "Stripe", "Ventes", 10_000.0, 55_000.0),
    ("2026-01-25", "Salaires", "Salaires", -20_000.0, 45_000.0),
    ("2026-01-05", "Stripe", "Ventes", 5_000.0, 65_000.0),
], "date label category amount balance")


def test_cash_is_the_last_balance_of_each_month_and_burn_leaves_the_round_out():
    by_month = finance_by_month(QONTO_LIKE, months("2026-01", "2026-03"))
    assert by_month["cash"].tolist() == [45_000.0, 1_030_000.0, 1_012_000.0]
    # net burn: January 20,000 − 5,000; February 25,000 − 10,000 (the 1,000,000 raised is not income)
    assert by_month["net_burn"].tolist() == [15_000.0, 15_000.0, 18_000.0]
    assert by_month["financing"].tolist() == [0.0, 1_000_000.0, 0.0]
    assert by_month["gross_burn"].tolist() == [20_000.0, 25_000.0, 30_000.0]
    assert by_month.at[pd.Period("2026-03"), "net_burn_3m"] == pytest.approx(16_000.0)
    assert by_month.at[pd.Period("2026-03"), "runway_months"] == pytest.approx(1_012_000 / 16_000)


def test_the_as_of_figures_and_the_cash_zero_month():
    result = finance(QONTO_LIKE, pd.Period("2026-03"))
    assert result.to_json() == {
        "cash": 1_012_000.0, "net_burn": 18_000.0, "net_burn_3m": pytest.approx(16_000.0),
        "gross_burn": 30_000.0, "runway_months": pytest.approx(63.25), "burn_multiple": None,
        "cash_zero_month": "2031-06",  # 2026-03 + ⌊63.25⌋ months
    }
    assert result.financing_rows["amount"].tolist() == [1_000_000.0]


def test_rows_after_as_of_are_left_out():
    result = finance(QONTO_LIKE, pd.Period("2026-02"))
    assert result.value("cash") == 1_030_000.0
    assert result.by_month.index[-1] == pd.Period("2026-02")
    assert result.value("net_burn_3m") == pytest.approx(15_000.0)  # the two months there are


def test_a_category_switch_wins_over_the_words():
    labelled = flows(QONTO_LIKE)
    assert labelled.tolist().count("financing") == 1
    switched = finance_by_month(QONTO_LIKE, months("2026-01", "2026-03"), financing={"Financement": False})
    assert switched.at[pd.Period("2026-02"), "net_burn"] == 15_000.0 - 1_000_000.0
    table = categories(QONTO_LIKE, {"Ventes": True}).set_index("category")
    assert table.loc["Ventes", ["financing", "source"]].tolist() == [True, "your setting"]
    assert table.loc["Financement", ["financing", "source"]].tolist() == [True, "its words"]
    assert table.loc["Salaires", ["financing", "source"]].tolist() == [False, "default"]


def test_financing_words_in_french_and_english_are_recognised_without_accents_or_case():
    rows = cash_table([
        (f"2026-01-{day:02d}", label, amount) for day, (label, amount) in enumerate([
            ("AUGMENTATION DE CAPITAL", 100.0), ("Prêt BPI Bourse French Tech", 100.0), ("Series A round", 100.0),
            ("Convertible note", 100.0), ("Subvention Région", 100.0), ("Remboursement emprunt", -10.0),
            ("Client Prêt-à-porter SARL", 50.0), ("Stripe payout", 70.0), ("Debt collection fee", -5.0)], start=1)
    ], "date label amount")
    assert flows(rows).tolist() == ["financing"] * 6 + ["operating", "operating", "financing"]


# two accounts, oldest first; 20,000 moved from the main account to the reserve on the same day
TWO_ACCOUNTS = cash_table([
    ("2026-01-02", "Compte principal", "Stripe", 8_000.0, 108_000.0),
    ("2026-01-15", "Compte principal", "Virement vers réserve", -20_000.0, 88_000.0),
    ("2026-01-15", "Réserve", "Virement depuis principal", 20_000.0, 20_000.0),
    ("2026-01-28", "Compte principal", "Salaires", -18_000.0, 70_000.0),
    ("2026-02-03", "Compte principal", "Stripe", 9_000.0, 79_000.0),
    ("2026-02-27", "Compte principal", "Salaires", -18_000.0, 61_000.0),
], "date account label amount balance")


def test_several_accounts_sum_and_a_transfer_between_them_is_neither_burn_nor_spend():
    by_month = finance_by_month(TWO_ACCOUNTS, months("2026-01", "2026-02"))
    assert by_month["cash"].tolist() == [90_000.0, 81_000.0]  # 70,000 + 20,000; 61,000 + 20,000
    assert by_month["net_burn"].tolist() == [10_000.0, 9_000.0]
    assert by_month["gross_burn"].tolist() == [18_000.0, 18_000.0]  # not 38,000: the transfer is no spend
    assert flows(TWO_ACCOUNTS).tolist() == ["operating", "transfer", "transfer", "operating", "operating", "operating"]
    result = finance(TWO_ACCOUNTS, pd.Period("2026-02"))
    assert dict(zip(result.accounts["account"], result.accounts["cash"], strict=True)) == {
        "Compte principal": 61_000.0, "Réserve": 20_000.0}


def test_an_account_counts_zero_before_its_first_row():
    rows = cash_table([("2026-01-10", "A", 100.0, 100.0), ("2026-02-10", "B", 50.0, 50.0)],
                      "date account amount balance")
    assert finance_by_month(rows, months("2026-01", "2026-02"))["cash"].tolist() == [100.0, 150.0]


def test_month_end_balances_alone_give_burn_as_the_drop_in_cash():
    rows = cash_table([("2026-01-31", 100_000.0), ("2026-02-28", 90_000.0), ("2026-03-31", 84_000.0)],
                      "date balance")
    by_month = finance_by_month(rows, months("2026-01", "2026-03"))
    assert by_month["cash"].tolist() == [100_000.0, 90_000.0, 84_000.0]
    assert np.isnan(by_month["net_burn"].iloc[0])  # no month before the first balance
    assert by_month["net_burn"].tolist()[1:] == [10_000.0, 6_000.0]
    assert by_month["net_burn_3m"].iloc[-1] == pytest.approx(8_000.0)
    assert by_month["gross_burn"].isna().all()  # no transactions, no costs
    with_costs = finance_by_month(rows, months("2026-01", "2026-03"),
                                  costs=pd.Series([1.0, 2.0, 3.0], index=months("2026-01", "2026-03")))
    assert with_costs["gross_burn"].tolist() == [1.0, 2.0, 3.0]


def test_amounts_without_balance_run_from_zero_and_say_so():
    rows = cash_table([("2026-01-05", -100.0), ("2026-01-20", 40.0)], "date amount")
    result = finance(rows, pd.Period("2026-01"))
    assert result.value("cash") == -60.0
    assert result.value("runway_months") == 0.0  # burning with no cash left
    assert any("no balance column" in warning for warning in result.warnings)


def test_not_burning_has_no_runway():
    rows = cash_table([("2026-01-05", 500.0, 1_500.0), ("2026-01-20", -100.0, 1_400.0)], "date amount balance")
    result = finance(rows, pd.Period("2026-01"))
    assert result.value("net_burn") == -400.0
    assert result.value("runway_months") is None and result.cash_zero_month is None


def test_burn_multiple_is_the_quarter_burn_over_the_arr_added():
    rows = cash_table([(f"2026-{m:02d}-15", -10_000.0) for m in range(1, 5)], "date amount")
    arr = pd.Series([100_000.0, 110_000.0, 112_000.0, 124_000.0, 130_000.0], index=months("2025-12", "2026-04"))
    by_month = finance_by_month(rows, months("2026-01", "2026-04"), arr=arr)
    # March: 30,000 burned over January–March ÷ (ARR March 124,000 − ARR December 100,000)
    assert by_month.at[pd.Period("2026-03"), "burn_multiple"] == pytest.approx(30_000 / 24_000)
    assert by_month.at[pd.Period("2026-04"), "burn_multiple"] == pytest.approx(30_000 / 20_000)
    assert by_month["burn_multiple"].iloc[:2].isna().all()  # fewer than 3 months burned


def test_a_balance_that_disagrees_with_the_amounts_names_the_first_row():
    rows = cash_table([("2026-01-01", 10.0, 110.0), ("2026-01-02", 10.0, 120.0), ("2026-01-03", 10.0, 135.0),
                       ("2026-01-04", 10.0, 145.0)], "date amount balance")
    rows.index = [2, 3, 4, 5]  # the rows of the file
    warning = balance_mismatch(rows)
    assert warning.startswith("row 4: the balance 135.00 is not the previous balance 120.00 plus the amount 10.00")
    assert balance_mismatch(rows.assign(balance=[110.0, 120.0, 130.0, 140.0])) is None


def test_other_currencies_need_rates():
    rows = cash_table([("2026-01-05", -100.0, "EUR"), ("2026-01-06", -50.0, "USD")], "date amount currency")
    alone = finance(rows, pd.Period("2026-01"), currency="EUR")
    assert alone.value("net_burn") == 100.0
    assert "USD" in alone.warnings[0] and "rate" in alone.warnings[0]
    converted = finance(rows, pd.Period("2026-01"), currency="EUR", rates={"USD": 0.9})
    assert converted.value("net_burn") == pytest.approx(145.0)


DEBIT_CREDIT_CSV = """Date opération;Libellé;Débit;Crédit;Solde
02/01/2026;VIR SEPA STRIPE PAYMENTS;;8 000,00;108 000,00
15/01/2026;PRLV URSSAF;3 000,00;;105 000,00
28/01/2026;VIR SALAIRES JANVIER;-17 000,00;;88 000,00
05/02/2026;VIR LEVEE DE FONDS SEED;;500 000,00;588 000,00
"""


def test_a_french_debit_credit_statement_is_read_with_no_mapping(tmp_path):
    path = tmp_path / "releve.csv"
    path.write_text(DEBIT_CREDIT_CSV, encoding="utf-8")
    sheets = read_path(path)
    mapping, _ = auto_mapping(sheets)
    assert mapping["releve.csv"].table == "cash"
    tables = build_tables(sheets, mapping)
    result = finance(tables.get("cash"), pd.Period("2026-02"))
    # January: 3,000 + 17,000 out (the bank wrote one debit negative), 8,000 in; February: the round only
    assert result.by_month["net_burn"].tolist() == [12_000.0, 0.0]
    assert result.value("cash") == 588_000.0
    assert not tables.quality["releve.csv"].warnings


FEC = """JournalCode|JournalLib|EcritureNum|EcritureDate|CompteNum|CompteLib|CompAuxNum|CompAuxLib|PieceRef|PieceDate|EcritureLib|Debit|Credit|EcritureLet|DateLet|ValidDate|Montantdevise|Idevise
BQ|Banque|1|20260105|51200000|Banque|||R1|20260105|Encaissement client|1000,00|0,00|||20260105||
BQ|Banque|1|20260105|41100000|Clients|||R1|20260105|Encaissement client|0,00|1000,00|||20260105||
BQ|Banque|2|20260120|40100000|Fournisseurs|||R2|20260120|Paiement fournisseur|400,00|0,00|||20260120||
BQ|Banque|2|20260120|51200000|Banque|||R2|20260120|Paiement fournisseur|0,00|400,00|||20260120||
"""


def test_a_general_ledger_counts_its_bank_account_with_debits_as_money_in(tmp_path):
    path = tmp_path / "812345678FEC20260131.txt"
    path.write_text(FEC, encoding="utf-8")
    sheets = read_path(path)
    mapping, _ = auto_mapping(sheets)
    tables = build_tables(sheets, mapping)
    result = finance(tables.get("cash"), pd.Period("2026-01"))
    assert result.value("cash") == 600.0
    assert result.value("net_burn") == -600.0
    assert result.accounts["account"].tolist() == ["51200000"]
    assert "general ledger" in result.warnings[0]


def test_a_file_listed_newest_first_keeps_its_own_order_where_value_dates_step_back():
    # newest first; the bank booked the 14th's card payment before the 15th's transfer, whose value
    # date is a day earlier: the balance follows the file, so the file's order is the order
    amounts = [-5.0, -10.0, 20.0, -10.0, -30.0, 15.0, -10.0, -10.0, -10.0, 100.0]
    days = [28, 25, 20, 18, 15, 14, 12, 8, 4, 1]
    days[4], days[5] = 14, 15  # value dates out of order on one step
    balances = np.cumsum(amounts[::-1])[::-1]
    rows = cash_table([(f"2026-01-{d:02d}", a, b) for d, a, b in zip(days, amounts, balances, strict=True)],
                      "date amount balance")
    assert balance_mismatch(rows) is None
    assert finance(rows, pd.Period("2026-01")).value("cash") == balances[0]
    assert balance_mismatch(rows.iloc[::-1]) is None  # the same file written oldest first


def test_an_export_that_starts_after_as_of_has_no_finance():
    assert finance(QONTO_LIKE, pd.Period("2025-12")) is None
