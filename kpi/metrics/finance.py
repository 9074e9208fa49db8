"""Cash, burn and runway from a bank export or a ledger (docs/definitions.md, "Cash, burn and runway").

In: the canonical `cash` table — date, and a signed `amount` (+ in, − out; debit and credit are
already folded into it by `kpi.ingest.ledgers`) and/or a running `balance`; optional account,
category, label, currency. Out: one row per month with cash, flows, net and gross burn, runway and
burn multiple (`finance_by_month`), and the as-of month's figures with their evidence (`Finance`).

Every row is one of three flows, by one ordered list of rules (first match wins):
1. financing  — the row's category is switched to financing or not by the user (`financing`), else
               its category or label names equity, a round, a loan, debt, a grant ("levée de fonds",
               "augmentation de capital", "prêt", "BPI"…): money raised or repaid is not burn;
2. transfer   — a move between two of the company's own accounts: an outflow and an inflow of the
               same amount on the same day in two accounts, or a label saying "virement interne" /
               "internal transfer"; it nets to zero and is neither burn nor spend;
3. operating  — everything else: customers' payments in, the company's spending out.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kpi.ingest.ledgers import chronological

FINANCING_WORDS = (
    "equity", "fundraising", "fund raising", "funding round", "investment round", "seed round", "series a",
    "series b", "capital increase", "share capital", "convertible", "bsa air", "loan", "debt", "grant",
    "levee de fonds", "levee", "augmentation de capital", "apport en capital", "compte courant d associe",
    "emprunt", "pret", "subvention", "bpi",
)
# a bank's category "Financement" is the company's funding; in a label it is often a lender's name
# ("Bpifrance Financement" billing its fees), so these words count in the category only
CATEGORY_FINANCING_WORDS = (*FINANCING_WORDS, "financement", "financing", "funding")
NOT_FINANCING = ("pret a porter", "pret a poster")  # "prêt" that is no loan
TRANSFER_WORDS = ("virement interne", "internal transfer", "transfert interne", "between accounts",
                  "entre comptes", "own account")
FLOWS = ("financing", "transfer", "operating")
NO_ACCOUNT = "Main account"  # the one account of an export without an account column
BY_MONTH_COLUMNS = ["cash", "inflow", "outflow", "financing", "net_burn", "net_burn_3m", "gross_burn",
                    "runway_months", "burn_multiple"]
FINANCE_KEYS = ("cash", "net_burn", "net_burn_3m", "gross_burn", "runway_months", "cash_zero_month", "burn_multiple")


def plain(text: pd.Series) -> pd.Series:
    """Lower case, no accents, punctuation as spaces: 'Levée de fonds — Série A' → 'levee de fonds serie a'."""
    distinct = text.astype("string").dropna().unique()
    table = {value: " ".join(re.split(r"[^a-z0-9]+", unicodedata.normalize("NFKD", value).encode(
        "ascii", "ignore").decode().lower())).strip() for value in distinct}
    return text.astype("string").map(table).fillna("")


def _says(text: pd.Series, words: tuple[str, ...]) -> pd.Series:
    pattern = r"\b(?:" + "|".join(re.escape(w) for w in words) + r")\b"
    return plain(text).str.contains(pattern, regex=True).astype(bool)


def financing_by_words(cash: pd.DataFrame) -> pd.Series:
    """True where the row's category (CATEGORY_FINANCING_WORDS) or label (FINANCING_WORDS) names financing,
    accents and case ignored."""
    found = pd.Series(False, index=cash.index)
    for column, words in (("category", CATEGORY_FINANCING_WORDS), ("label", FINANCING_WORDS)):
        if column in cash:
            found |= _says(cash[column], words) & ~_says(cash[column], NOT_FINANCING)
    return found


def categories(cash: pd.DataFrame, financing: Mapping[str, bool] | None = None) -> pd.DataFrame:
    """One row per category of the export: category, rows, amount (Σ), financing (bool) and
    source ("your setting" when `financing` switches it, else "its words" / "default").
    A category is financing by its words when most of its rows' category or label name financing."""
    if "category" not in cash or cash["category"].isna().all():
        return pd.DataFrame(columns=["category", "rows", "amount", "financing", "source"])
    financing = dict(financing or {})
    rows = cash.assign(category=cash["category"].astype("string").str.strip(), worded=financing_by_words(cash),
                       amount=cash["amount"] if "amount" in cash else np.nan)
    table = rows.dropna(subset=["category"]).groupby("category", sort=True).agg(
        rows=("worded", "size"), amount=("amount", "sum"), worded=("worded", "mean"))
    chosen = [financing.get(c) for c in table.index]
    table["financing"] = [bool(c) if c is not None else w > 0.5 for c, w in zip(chosen, table["worded"], strict=True)]
    table["source"] = ["your setting" if c is not None else "its words" if w > 0.5 else "default"
                       for c, w in zip(chosen, table["worded"], strict=True)]
    return table.drop(columns="worded").reset_index()


def _internal_transfers(cash: pd.DataFrame) -> pd.Series:
    """True for each half of a same-day, same-amount outflow and inflow between two different accounts,
    and for rows whose label or category says it is an internal transfer."""
    found = pd.Series(False, index=cash.index)
    for column in ("category", "label"):
        if column in cash:
            found |= _says(cash[column], TRANSFER_WORDS)
    if "account" not in cash or cash["account"].nunique() < 2 or "amount" not in cash:
        return found
    rows = pd.DataFrame({"day": cash["date"].dt.normalize(), "size": cash["amount"].abs().round(2),
                         "sign": np.sign(cash["amount"]), "account": cash["account"]}).dropna()
    rows = rows[rows["sign"] != 0]
    rows["n"] = rows.groupby(["day", "size", "sign"]).cumcount()
    out, inn = rows[rows["sign"] < 0].reset_index(), rows[rows["sign"] > 0].reset_index()
    pairs = out.merge(inn, on=["day", "size", "n"], suffixes=("_out", "_in"))
    pairs = pairs[pairs["account_out"] != pairs["account_in"]]
    found.loc[pairs["index_out"].to_numpy()] = True
    found.loc[pairs["index_in"].to_numpy()] = True
    return found


def flows(cash: pd.DataFrame, financing: Mapping[str, bool] | None = None) -> pd.Series:
    """Each row's flow: "financing", "transfer" or "operating", by the module's ordered rules."""
    financing = dict(financing or {})
    is_financing = financing_by_words(cash)
    if "category" in cash and financing:
        chosen = cash["category"].astype("string").str.strip().map(financing)
        is_financing = chosen.where(chosen.notna(), is_financing).astype(bool)
    transfer = _internal_transfers(cash) & ~is_financing
    return pd.Series(np.select([is_financing, transfer], ["financing", "transfer"], "operating"), index=cash.index)


def balances(cash: pd.DataFrame) -> pd.DataFrame:
    """The rows in time order, each with the account's balance after it.

    Columns in: date, amount and/or balance, account. Out: date, account, amount (0 when blank),
    position (the row's place in the input), estimated (the balance after the row). Where the export
    gives a balance it is used; between two given balances, and without any, the balance is the
    last one given (or the opening one, balance − Σ amounts up to it) plus the amounts since:
    with amounts only, the running sum from 0 at the first row."""
    rows = chronological(cash).assign(account=lambda f: _accounts(f))
    amount = rows["amount"].fillna(0.0) if "amount" in rows else pd.Series(0.0, index=rows.index)
    running = amount.groupby(rows["account"]).cumsum()
    offset = (rows["balance"] - running) if "balance" in rows else pd.Series(np.nan, index=rows.index)
    offset = offset.groupby(rows["account"]).ffill().groupby(rows["account"]).bfill().fillna(0.0)
    return pd.DataFrame({"date": rows["date"], "account": rows["account"], "amount": amount,
                         "position": rows["position"], "estimated": running + offset})


def _accounts(cash: pd.DataFrame) -> pd.Series:
    if "account" not in cash:
        return pd.Series(NO_ACCOUNT, index=cash.index, dtype="string")
    return cash["account"].astype("string").str.strip().fillna(NO_ACCOUNT)


def cash_by_account(cash: pd.DataFrame, months: pd.PeriodIndex) -> pd.DataFrame:
    """cash(M) per account (columns) for each month of `months` (index): the account's balance after
    its last row dated on or before M's last day; 0 before its first row."""
    rows = balances(cash)
    month = rows["date"].dt.to_period("M")
    last = rows.assign(month=month).groupby(["account", "month"], sort=True)["estimated"].last().unstack("account")
    full = last.reindex(last.index.union(months)).sort_index().ffill().fillna(0.0)
    return full.reindex(months)


def finance_by_month(cash: pd.DataFrame, months: pd.PeriodIndex, *, financing: Mapping[str, bool] | None = None,
                     costs: pd.Series | None = None, arr: pd.Series | None = None) -> pd.DataFrame:
    """One row per month of `months` (index) with columns BY_MONTH_COLUMNS.

    cash          Σ accounts' cash(M)
    inflow        Σ operating amounts > 0 of M;  outflow: −Σ operating amounts < 0 of M
    financing     Σ financing amounts of M (raised − repaid)
    net_burn      −Σ operating amounts of M, per account with amounts; an account with balances only
                  adds cash(M−1) − cash(M) (unknown in its first month). Positive = burning
    net_burn_3m   mean of net_burn over M−2 … M (the months there are, when fewer)
    gross_burn    outflow where the export has amounts, else Σ costs of M (`costs`: month → amount)
    runway_months cash ÷ net_burn_3m when net_burn_3m > 0 (0 when cash ≤ 0), else NaN (not burning)
    burn_multiple Σ net_burn(M−2 … M) ÷ (ARR(M) − ARR(M−3)) when both are > 0 (`arr`: month → ARR)
    """
    by_account = cash_by_account(cash, months)
    flow = flows(cash, financing)
    month = cash["date"].dt.to_period("M")
    amount = cash["amount"] if "amount" in cash else pd.Series(np.nan, index=cash.index)
    has_amounts = amount.notna().groupby(_accounts(cash)).any()

    def monthly(values: pd.Series) -> pd.Series:
        return values.groupby(month).sum().reindex(months, fill_value=0.0)

    operating = amount.where(flow == "operating")
    out = pd.DataFrame(index=months)
    out["cash"] = by_account.sum(axis=1)
    out["inflow"] = monthly(operating.clip(lower=0))
    out["outflow"] = -monthly(operating.clip(upper=0))
    out["financing"] = monthly(amount.where(flow == "financing").fillna(0.0))
    balance_only = [a for a in by_account.columns if not has_amounts.get(a, False)]
    burn = (out["outflow"] - out["inflow"]) if has_amounts.any() else pd.Series(0.0, index=months)
    if balance_only:
        dropped = (by_account[balance_only].shift(1) - by_account[balance_only]).sum(axis=1, min_count=len(balance_only))
        burn = burn + dropped
    out["net_burn"] = burn
    out["net_burn_3m"] = burn.rolling(3, min_periods=1).mean()
    if has_amounts.any():
        out["gross_burn"] = out["outflow"]
    elif costs is not None:
        out["gross_burn"] = costs.reindex(months)
    else:
        out["gross_burn"] = np.nan
    out["runway_months"] = out["cash"].clip(lower=0) / out["net_burn_3m"].where(out["net_burn_3m"] > 0)
    out["burn_multiple"] = _burn_multiple(out["net_burn"], arr, months)
    return out[BY_MONTH_COLUMNS]


def _burn_multiple(net_burn: pd.Series, arr: pd.Series | None, months: pd.PeriodIndex) -> pd.Series:
    if arr is None:
        return pd.Series(np.nan, index=months)
    arr = arr.reindex(pd.period_range(min(months.min(), arr.index.min()) - 3, months.max(), freq="M"))
    added = (arr - arr.shift(3)).reindex(months)
    burned = net_burn.rolling(3, min_periods=3).sum()
    return (burned / added).where((burned > 0) & (added > 0))


@dataclass(frozen=True)
class Finance:
    """Cash, burn and runway at the as-of month, with the months behind them and their evidence."""

    as_of: pd.Period
    by_month: pd.DataFrame  # finance_by_month, first month of the export … as_of
    accounts: pd.DataFrame  # account, cash (at as_of), last_date (its last row)
    categories: pd.DataFrame  # `categories`: what counts as financing, and why
    financing_rows: pd.DataFrame  # date, account, label, category, amount of the financing rows up to as_of
    warnings: tuple[str, ...] = field(default=())

    def value(self, key: str) -> float | None:
        if key == "cash_zero_month":
            raise KeyError("cash_zero_month is a month: use Finance.cash_zero_month")
        number = self.by_month.at[self.as_of, key]
        return None if pd.isna(number) else float(number)

    @property
    def cash_zero_month(self) -> pd.Period | None:
        """as_of + ⌊runway⌋; None when not burning."""
        runway = self.value("runway_months")
        return None if runway is None else self.as_of + int(np.floor(runway))

    def to_json(self) -> dict:
        out = {key: self.value(key) for key in FINANCE_KEYS if key != "cash_zero_month"}
        zero = self.cash_zero_month
        return {**{key: out.get(key) for key in FINANCE_KEYS if key != "cash_zero_month"},
                "cash_zero_month": str(zero) if zero is not None else None}


def finance(cash: pd.DataFrame, as_of: pd.Period, *, financing: Mapping[str, bool] | None = None,
            costs: pd.Series | None = None, arr: pd.Series | None = None,
            currency: str | None = None, rates: Mapping[str, float] | None = None) -> Finance | None:
    """The `Finance` of a cash table at `as_of` (rows after as_of are left out); None when the
    export starts after as_of. Amounts in several currencies are converted with `rates` (value of one
    unit in the reporting currency); without a rate, rows in a currency other than `currency` (the
    revenue's, else the export's most common) are left out of every figure, with a warning."""
    cash, warnings = _one_currency(cash, currency, rates or {})
    cash, read_as = _bank_side_of_ledger(cash)
    warnings += read_as + _without_balance(cash)
    cash = cash[cash["date"].notna()]
    cash = cash[cash["date"].dt.to_period("M") <= as_of]
    if cash.empty:
        return None
    months = pd.period_range(cash["date"].min().to_period("M"), as_of, freq="M")
    by_month = finance_by_month(cash, months, financing=financing, costs=costs, arr=arr)
    by_account = cash_by_account(cash, pd.PeriodIndex([as_of], freq="M"))
    last_date = cash.groupby(_accounts(cash))["date"].max()
    accounts = pd.DataFrame({"account": by_account.columns, "cash": by_account.iloc[0].to_numpy(),
                             "last_date": last_date.reindex(by_account.columns).to_numpy()})
    ended = last_date[last_date.dt.to_period("M") < as_of]
    warnings += tuple(f"the rows of account '{account}' end on {day:%Y-%m-%d}: its cash after that is its last "
                      f"balance and its burn is 0" for account, day in ended.items())
    flow = flows(cash, financing)
    shown = [c for c in ("date", "account", "label", "category", "amount") if c in cash]
    return Finance(as_of, by_month, accounts, categories(cash, financing),
                   cash.loc[flow == "financing", shown].sort_values("date").reset_index(drop=True), warnings)


LEDGER_CASH_ACCOUNTS = ("512", "514", "517", "53")  # French chart of accounts: banks, postal cheques, cash


def _bank_side_of_ledger(cash: pd.DataFrame) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """A general ledger (the French FEC: accounts are numbers of the chart of accounts) holds every
    account's entries, which sum to 0: its cash is the bank and cash accounts (512…, 514…, 517…,
    53…), where a debit is money in — the opposite of a bank statement's debit."""
    if "account" not in cash or cash.empty:
        return cash, ()
    account = cash["account"].astype("string").str.strip()
    numbered = account.str.fullmatch(r"\d{3,}").fillna(False).astype(bool)
    if numbered.mean() < 0.8:
        return cash, ()
    bank = account.str.startswith(LEDGER_CASH_ACCOUNTS).fillna(False).astype(bool)
    if not bank.any():
        return cash, ()
    kept = cash[bank.to_numpy()].copy()
    if "amount" in kept:
        kept["amount"] = -kept["amount"]
    return kept.drop(columns=[c for c in ("balance",) if c in kept]), (
        f"read as a general ledger: cash is its bank and cash accounts ({', '.join(sorted(account[bank].unique()))}), "
        f"whose debits are money in",)


def _without_balance(cash: pd.DataFrame) -> tuple[str, ...]:
    """Accounts with amounts but no balance: their cash starts from 0 at their first row."""
    if "amount" not in cash or cash.empty:
        return ()
    has_balance = cash["balance"].notna() if "balance" in cash else pd.Series(False, index=cash.index)
    missing = ~has_balance.groupby(_accounts(cash)).any()
    return tuple(f"account '{account}' has no balance column: its cash is the sum of its rows from 0 on "
                 f"{cash.loc[_accounts(cash) == account, 'date'].min():%Y-%m-%d} — add the opening balance as a "
                 f"first row, or map the balance column, for the true cash" for account in missing[missing].index)


def _one_currency(cash: pd.DataFrame, currency: str | None,
                  rates: Mapping[str, float]) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """The rows in one currency: converted with `rates` where a rate is given, else kept only in the
    reporting currency (with a warning naming what was left out)."""
    if "currency" not in cash:
        return cash, ()
    code = cash["currency"].astype("string").str.strip().str.upper()
    found = code.dropna().unique().tolist()
    if len(found) <= 1 and (not found or currency is None or found[0] == currency.upper()):
        return cash, ()
    if rates:
        rate = code.map({k.upper(): float(v) for k, v in rates.items()})
        if currency is not None:
            rate = rate.where(code != currency.upper(), 1.0)
        converted = cash.copy()
        for column in ("amount", "balance"):
            if column in converted:
                converted[column] = converted[column] * rate
        missing = sorted(set(code[rate.isna() & code.notna()]))
        kept = converted[rate.notna() | code.isna()]
        return kept, ((f"cash rows in {', '.join(missing)} are left out: give their rate in the currency settings",)
                      if missing else ())
    main = (currency or code.mode().iloc[0]).upper()
    others = sorted(set(found) - {main})
    if not others:
        return cash, ()
    left = int(code.isin(others).sum())
    return cash[~code.isin(others).to_numpy()], (
        f"{left} cash row(s) in {', '.join(others)} are left out: cash and burn count only {main}; give the "
        f"rate of {', '.join(others)} in the currency settings to count them",)
