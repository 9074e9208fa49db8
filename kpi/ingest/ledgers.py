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
