"""The two tables of money that are not revenue: `cash` (bank exports, ledgers) and `plan` (budgets).

`kpi.ingest.mapping` calls these for what is particular to them:
- a cash row says how much money moved or stood, in one of three ways: a running `balance`, a
  signed `amount` (+ in, − out), or `debit` and `credit` columns (the French bank statement, the
  FEC ledger). A mapping needs at least one of them; with only debit and credit, the signed
  amount is `credit − debit` (a debit counts out whether the bank writes it 26.00 or −26.00);
- a budget is usually written wide: metric names down one column, one column per month (text
  such as `janv. 2026`, `Jan 2026`, `2026-01`, or real dates); it is melted to long rows, a
  blank cell being no plan for that month, a `Total` column left out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpi.errors import InputError
from kpi.ingest.io import Sheet
from kpi.ingest.parse import blank, parse_months

CASH_AMOUNTS = ("balance", "amount", "debit", "credit")


def missing_cash_amount(columns: dict[str, str]) -> list[str]:
    """What a cash mapping lacks: nothing when it maps a balance, an amount, or debit and credit."""
    if {"balance", "amount"} & set(columns) or {"debit", "credit"} <= set(columns):
        return []
    return ["balance, amount, or debit and credit"]


def cash_without_amounts(frame: pd.DataFrame, columns: dict[str, str]) -> pd.Series:
    """True for the rows of a cash sheet where every mapped money column is blank."""
    empty = pd.Series(True, index=frame.index)
    for name in CASH_AMOUNTS:
        if name in columns:
            empty &= blank(frame[columns[name]]).to_numpy()
    return empty


def with_signed_amount(kept: pd.DataFrame) -> pd.DataFrame:
    """The cash rows with `amount` = credit − debit where no amount column was mapped."""
    if "amount" in kept or not {"debit", "credit"} <= set(kept):
        return kept
    amount = kept["credit"].fillna(0) - kept["debit"].abs().fillna(0)
    both_blank = kept["credit"].isna() & kept["debit"].isna()
    return kept.assign(amount=amount.where(~both_blank))


def balance_fit(amount: pd.Series, balance: pd.Series) -> float:
    """0…1: the share of consecutive rows whose balance moves by the row's amount, the file read
    oldest first (balance[i] − balance[i−1] = amount[i]) or newest first (= amount[i−1])."""
    amount, balance = amount.astype(float).reset_index(drop=True), balance.astype(float).reset_index(drop=True)
    step = balance.diff()
    oldest_first = ((step - amount).abs() < 0.005)[step.notna() & amount.notna()]
    newest_first = ((-step - amount.shift(1)).abs() < 0.005)[step.notna() & amount.shift(1).notna()]
    return max(oldest_first.mean() if len(oldest_first) else 0.0, newest_first.mean() if len(newest_first) else 0.0)


def month_headers(headers: list[str]) -> list[str]:
    """The headers that read as months (`2026-01`, `Jan 2026`, `janv. 2026`, `2026-01-01`)."""
    # every month written as text carries its year: headers without a digit are not months, and
    # most sheets have none, so the month parser (a fixed cost of ~0.1 s) is skipped for them
    headers = [h for h in headers if not isinstance(h, str) or any(c.isdigit() for c in h)]
    if not headers:
        return []
    series = pd.Series(headers, dtype=object)
    months = parse_months(series)
    return series[(~months.bad & months.values.notna()).to_numpy()].tolist()


def melt_wide_plan(sheet: Sheet, metric_header: str | None) -> tuple[pd.DataFrame, dict[str, str]]:
    """A wide plan (one row per metric, one column per month) as long month / metric / value rows.
    Row numbers stay those of the metric's row."""
    if metric_header is None:
        raise InputError("a wide plan needs the column of its metric names", file=sheet.file, sheet=sheet.sheet)
    months = month_headers([c for c in sheet.frame.columns if c != metric_header])
    if not months:
        raise InputError("no column header of this wide plan reads as a month", file=sheet.file, sheet=sheet.sheet)
    wide = sheet.frame[[metric_header, *months]]
    wide = wide[~blank(wide[metric_header]).to_numpy()]
    long = wide.melt(id_vars=[metric_header], var_name="__month__", value_name="__value__", ignore_index=False)
    long = long[~blank(long["__value__"]).to_numpy()]
    return long, {"metric": metric_header, "month": "__month__", "value": "__value__"}


def chronological(cash: pd.DataFrame) -> pd.DataFrame:
    """The cash rows oldest first, with `position` (the row's place in the input).

    A bank export lists its rows in the order the bank booked them — oldest or, most often, newest
    first — and its running balance follows that order, even where the dates shown (value dates)
    step back a day. So an account whose rows are in date order at least 3 steps in 4 keeps the
    file's order (read backwards when newest first); another is sorted by date, the file's order
    kept within a day."""
    account = cash["account"].astype("string").fillna("") if "account" in cash else pd.Series("", index=cash.index)
    position = pd.Series(np.arange(len(cash)), index=cash.index, dtype=float)
    step = cash["date"].groupby(account).diff()
    steps = step.notna().groupby(account).transform("sum").clip(lower=1)
    down = (step < pd.Timedelta(0)).groupby(account).transform("sum") / steps
    up = (step > pd.Timedelta(0)).groupby(account).transform("sum") / steps
    newest_first = (down >= 0.75) & (down > up)
    in_file_order = newest_first | (up >= 0.75)
    order = np.where(newest_first, -position, position)
    first_date = cash["date"].groupby(account).transform("min")
    key = pd.Series(np.where(in_file_order, first_date, cash["date"]), index=cash.index)
    rows = cash.assign(position=position.astype(int).to_numpy(), __key__=key, __account__=account, __order__=order)
    rows = rows.sort_values(["__account__", "__key__", "__order__"], kind="stable")
    return rows.drop(columns=["__key__", "__account__", "__order__"])


def balance_mismatch(cash: pd.DataFrame) -> str | None:
    """The first row (in time, for any account) whose balance is not the previous balance plus its
    amount, as one sentence; None when the balance column agrees with the amounts (to the cent)."""
    if not {"balance", "amount"} <= set(cash) or cash.empty:
        return None
    rows = chronological(cash[cash["date"].notna()])
    account = rows["account"].astype("string").fillna("") if "account" in rows else pd.Series("", index=rows.index)
    previous = rows["balance"].groupby(account).shift(1)
    expected = previous + rows["amount"]
    wrong = (expected - rows["balance"]).abs() > 0.005 + 1e-9 * rows["balance"].abs()
    wrong &= expected.notna() & rows["balance"].notna()
    if not wrong.any():
        return None
    label = wrong[wrong].index[0]
    row = rows.loc[label]
    where = f" of account '{account.loc[label]}'" if account.loc[label] else ""
    return (f"row {label}{where}: the balance {row['balance']:,.2f} is not the previous balance "
            f"{previous.loc[label]:,.2f} plus the amount {row['amount']:,.2f} — from this row the balance column "
            f"and the amounts disagree ({int(wrong.sum())} row(s)); cash follows the balance column")
