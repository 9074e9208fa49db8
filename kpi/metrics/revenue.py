"""Recurring revenue: the customer × month MRR table, its movements and the revenue KPIs.

Everything here follows docs/definitions.md. MRR is an end-of-month snapshot: a
subscription counts in month M when it has started by the last day of M and has not ended by
then (`end_date` is exclusive). Months are `pd.Period("YYYY-MM")`; internally, integer month
numbers (year × 12 + month − 1) keep everything vectorised.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kpi.errors import InputError
from kpi.ids import among

# written lower case with spaces: "In_Trial" and "in-trial" are read as "in trial"
NON_PAYING_STATUSES = {"trialing", "trial", "in trial", "incomplete", "incomplete expired", "essai", "en essai",
                       "periode d essai", "période d essai", "future"}
MOVEMENTS = ("new", "expansion", "contraction", "churn", "reactivation")
SERIES_COLUMNS = [
    "mrr", "customers", "new", "expansion", "contraction", "churn", "reactivation",
    "new_customers", "churned_customers", "reactivated_customers",
    "expansion_customers", "contraction_customers",
]
REVENUE_KPIS = [
    "mrr", "arr", "customers", "arpa", "mrr_growth_mom", "logo_churn_rate",
    "gross_mrr_churn_rate", "net_mrr_churn_rate", "revenue_churn_rate", "expansion_rate",
    "nrr_monthly", "grr_monthly", "nrr_12m", "grr_12m", "quick_ratio",
    "customer_retention_rate_12m", "renewal_rate",
]
_TOLERANCE = 1e-9  # two MRR values closer than this are equal: float noise is never a movement


def month_number(dates: pd.Series) -> pd.Series:
    """Calendar month of each date as an integer (year × 12 + month − 1); NaT stays NA."""
    return (dates.dt.year * 12 + dates.dt.month - 1).astype("Int64")


def month_period(number: int) -> pd.Period:
    return pd.Period(year=int(number) // 12, month=int(number) % 12 + 1, freq="M")


def check_single_currency(frame: pd.DataFrame, source: str) -> str | None:
    """The one currency of a revenue table (upper-cased), None when not given.

    Mixing currencies without a rates table is an error that names them (§2)."""
    if "currency" not in frame or frame["currency"].dropna().empty:
        return None
    found = sorted(frame["currency"].dropna().str.strip().str.upper().unique())
    if len(found) > 1:
        raise InputError(
            f"the {source} mix currencies ({', '.join(found)}); give a rates table or keep one currency"
        )
    return found[0]


def monthly_amount(subscriptions: pd.DataFrame) -> pd.Series:
    """amount × quantity × (1 − discount) ÷ months per interval (month 1, quarter 3, year 12,
    week 12/52); quantity defaults to 1, discount to 0, interval to a month."""
    quantity = subscriptions["quantity"].fillna(1.0) if "quantity" in subscriptions else 1.0
    discount = subscriptions["discount"].fillna(0.0) if "discount" in subscriptions else 0.0
    months = subscriptions["interval"].fillna(1.0) if "interval" in subscriptions else 1.0
    return subscriptions["amount"].astype(float) * quantity * (1.0 - discount) / months


def paying_rows(subscriptions: pd.DataFrame) -> pd.Series:
    """False for rows whose status says they are not paying (trialing, incomplete, essai…)."""
    if "status" not in subscriptions:
        return pd.Series(True, index=subscriptions.index)
    status = subscriptions["status"].astype("string").str.strip().str.lower().str.replace(r"[\s_'’-]+", " ", regex=True)
    return ~status.isin(NON_PAYING_STATUSES).fillna(False).astype(bool)


def last_data_month(subscriptions: pd.DataFrame) -> int | None:
    """The last month that has data: the month of the latest start or end date."""
    dates = [subscriptions["start_date"]]
    if "end_date" in subscriptions:
        dates.append(subscriptions["end_date"])
    latest = pd.concat(dates).max()
    return None if pd.isna(latest) else int(latest.year * 12 + latest.month - 1)


@dataclass(frozen=True)
class Spans:
    """What a customer × month MRR matrix sums: one row per counted source row (customer_id,
    first, stop, amount: `amount` in each month number of [first, stop); row: its position in the
    source table) and the matrix's last month (`horizon`, a month number; None without any date)."""

    counted: pd.DataFrame
    horizon: int | None


def subscription_spans(subscriptions: pd.DataFrame, last_month: int | None = None) -> Spans:
    """The spans of `mrr_from_subscriptions`: each paying row from month(start), or its trial's
    end, to month(end_date) (exclusive), cut at `last_month` (default: the last month that has
    data); rows of no month or no amount are left out."""
    check_single_currency(subscriptions, "subscriptions")
    paying = paying_rows(subscriptions).to_numpy(dtype=bool)
    rows = subscriptions[paying]
    horizon = last_data_month(subscriptions) if last_month is None else last_month
    start = rows["start_date"]
    if "trial_end" in rows:
        start = start.where(rows["trial_end"].isna() | (rows["trial_end"] < start), rows["trial_end"])
    first = month_number(start)
    end = month_number(rows["end_date"]) if "end_date" in rows else pd.Series(pd.NA, index=rows.index, dtype="Int64")
    counted = pd.DataFrame({
        "customer_id": rows["customer_id"],
        "first": first,
        "stop": end.fillna(horizon + 1 if horizon is not None else 0).clip(upper=(horizon or 0) + 1),
        "amount": monthly_amount(rows),
        "row": np.flatnonzero(paying),
    })
    return Spans(counted[(counted["stop"] > counted["first"]) & (counted["amount"] > 0)], horizon)


def mrr_from_subscriptions(subscriptions: pd.DataFrame, last_month: int | None = None) -> pd.DataFrame:
    """Customer × month MRR matrix from subscription rows (docs/definitions.md).

    A row counts in month M when start ≤ last day of M < end, i.e. in the months
    [month(start), month(end)); with `trial_end` it starts counting from the trial's end; rows
    of non-paying status are left out. Several rows of one customer in one month add up.
    Returns a frame indexed by customer_id with one column per month (`pd.Period`), from the
    first month with MRR to `last_month` (default: the last month that has data).
    """
    return matrix_of(subscription_spans(subscriptions, last_month))


def matrix_of(spans: Spans, company: pd.DataFrame | None = None, rows: np.ndarray | None = None) -> pd.DataFrame:
    """The customer × month MRR matrix of `spans` (`_spread`).

    With `company`, the matrix `_spread` built from spans holding every row of these customers
    (a segment is a subset of the company's customers, each with all its rows, in the same
    order): it is read as the rows of these customers over the months [first month of the
    spans, horizon] — the same sums, added in the same order (`_spread` adds a customer's rows
    into its own cells, and the running sum over the company's earlier months adds 0.0), so the
    same numbers bit for bit, without summing again. When `company` cannot hold them (a
    customer or a month missing), the spans are summed. `rows`: the positions in `company` of the
    spans' customers, in its order, when the caller knows them (kpi.report.segments numbers the
    customers once); else they are found by comparing IDs."""
    counted, horizon = spans.counted, spans.horizon
    if company is None or counted.empty or horizon is None or company.shape[1] == 0:
        return _spread(counted, horizon)
    company_first = _month_number(company.columns[0])
    first = int(counted["first"].to_numpy(dtype=np.int64).min())
    start, stop = first - company_first, horizon - company_first + 1
    if start < 0 or stop > company.shape[1]:
        return _spread(counted, horizon)
    positions = rows
    if positions is None:
        ids = counted["customer_id"].astype("string")
        positions = np.flatnonzero(among(pd.Series(company.index, dtype="string"), ids))
        if len(positions) != ids.nunique():  # a customer of the spans the company has not
            return _spread(counted, horizon)
    by_month = company.to_numpy().T[start:stop].take(positions, axis=1)  # months × customers, as `_spread` lays it
    columns = pd.period_range(month_period(first), periods=stop - start, freq="M")
    return pd.DataFrame(by_month.T, index=company.index[positions], columns=columns, copy=False)


def _month_number(month: pd.Period) -> int:
    return month.year * 12 + month.month - 1


def _spread(counted: pd.DataFrame, horizon: int | None) -> pd.DataFrame:
    """Sum per customer and month the amount of each row over its months [first, stop).

    A difference array: each row adds its amount at `first` and takes it back at `stop`; a
    running sum along the months gives every month's total (the same additions in the same
    order as a cumulative sum). Float residues of the take-backs (0 < |x| < 1e-9) are zeroed so
    that a customer who left is exactly 0.

    Laid out months × customers in memory (one month's customers contiguous), since every
    reader of the matrix walks it a month at a time: the frame returned is customers × months,
    a transposed view of that array (no copy), so `mrr.to_numpy()[:, t]` is contiguous."""
    if counted.empty or horizon is None:
        return pd.DataFrame(index=pd.Index([], name="customer_id", dtype=object))
    codes, customers = pd.factorize(counted["customer_id"].astype("string"), sort=True)
    first = counted["first"].to_numpy(dtype=np.int64)
    stop = counted["stop"].to_numpy(dtype=np.int64)
    amount = counted["amount"].to_numpy(dtype=float)
    m0 = int(first.min())
    n_months = horizon - m0 + 1
    n_customers = len(customers)
    closes = stop - m0 < n_months  # rows still open at the horizon are never taken back
    cells = np.concatenate([(first - m0) * n_customers + codes, (stop[closes] - m0) * n_customers + codes[closes]])
    diff = np.bincount(cells, weights=np.concatenate([amount, -amount[closes]]), minlength=n_months * n_customers)
    by_month = diff.reshape(n_months, n_customers)  # one months × customers array in all, summed in place
    for month in range(1, n_months):  # the running sum, one contiguous vector add per month: 10× a strided cumsum
        np.add(by_month[month - 1], by_month[month], out=by_month[month])
    residues = np.flatnonzero((np.abs(by_month) < _TOLERANCE) & (by_month != 0))  # few: set only those
    by_month.flat[residues] = 0.0
    columns = pd.period_range(month_period(m0), periods=n_months, freq="M")
    return pd.DataFrame(by_month.T, index=pd.Index(np.asarray(customers, dtype=object), name="customer_id"),
                        columns=columns, copy=False)


_DAYS_PER_MONTH = 30.4375


def invoice_periods(invoices: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """[start, end) of each invoice: its service period when given, else [date, date + interval)
    with a one-month interval by default (a week for 12/52). Dates only; time of day dropped."""
    start = invoices["service_start"] if "service_start" in invoices else pd.Series(pd.NaT, index=invoices.index)
    start = start.fillna(invoices["date"]).dt.normalize()
    end = invoices["service_end"] if "service_end" in invoices else pd.Series(pd.NaT, index=invoices.index)
    end = end.dt.normalize()
    months = invoices["interval"].fillna(1.0) if "interval" in invoices else pd.Series(1.0, index=invoices.index)
    missing = end.isna()
    for interval in months[missing].unique():  # a handful of distinct intervals: one offset each
        rows = missing & (months == interval)
        if abs(interval - 12 / 52) < 1e-9:
            end[rows] = start[rows] + pd.Timedelta(days=7)
        elif float(interval).is_integer():
            end[rows] = start[rows] + pd.DateOffset(months=int(interval))
        else:
            end[rows] = start[rows] + pd.to_timedelta(round(interval * _DAYS_PER_MONTH), unit="D")
    return start, end


def mrr_from_invoices(invoices: pd.DataFrame, last_month: int | None = None) -> pd.DataFrame:
    """Customer × month MRR matrix from invoices (docs/definitions.md).

    An invoice covers [start, end) (`invoice_periods`). Its length in months is days ÷ 30.4375,
    rounded to a whole number when the period is 28 days or longer (28–31 → 1, 89–92 → 3,
    365–366 → 12); its monthly amount is amount ÷ length, counted in every month whose last
    day falls inside the period, i.e. the months [month(start), month(end)). A yearly invoice
    of 1 200 gives 100 a month for 12 months; a weekly one counts ×30.4375/7 in the month
    whose end it covers.
    """
    return matrix_of(invoice_spans(invoices, last_month))


def invoice_spans(invoices: pd.DataFrame, last_month: int | None = None) -> Spans:
    """The spans of `mrr_from_invoices`: each invoice's monthly amount over [month(start),
    month(end)), cut at `last_month` (default: the month of the latest invoice date or start)."""
    check_single_currency(invoices, "invoices")
    start, end = invoice_periods(invoices)
    days = (end - start).dt.days.astype(float)
    length = days / _DAYS_PER_MONTH
    length = length.where(days < 28, length.round())
    first = month_number(start)
    stop = month_number(end)
    latest = pd.concat([invoices["date"], start]).max()
    horizon = int(latest.year * 12 + latest.month - 1) if last_month is None else last_month
    counted = pd.DataFrame({
        "customer_id": invoices["customer_id"],
        "first": first,
        "stop": stop.clip(upper=horizon + 1),
        "amount": invoices["amount"].astype(float) / length.where(length > 0),
        "row": np.arange(len(invoices)),
    })
    return Spans(counted[(counted["stop"] > counted["first"]) & (counted["amount"] > 0)], horizon)


def convert_currency(frame: pd.DataFrame, rates: dict[str, float], source: str) -> pd.DataFrame:
    """Amounts converted to the reporting currency: amount × rates[currency].

    `rates` maps each currency code (any case) to the value of one unit in the reporting
    currency; a currency without a rate is an error naming it."""
    if "currency" not in frame or not rates:
        return frame
    codes = frame["currency"].astype("string").str.strip().str.upper()
    known = {code.upper(): float(rate) for code, rate in rates.items()}
    missing = sorted(set(codes.dropna().unique()) - set(known))
    if missing:
        raise InputError(f"the {source} have amounts in {', '.join(missing)} but the rates table has no rate for it")
    factor = codes.map(known).fillna(1.0).astype(float)
    converted = frame.copy()
    for column in ("amount", "mrr"):
        if column in converted:
            converted[column] = converted[column] * factor
    return converted.drop(columns="currency")


def mrr_from_long(mrr_rows: pd.DataFrame) -> pd.DataFrame:
    """Customer × month MRR matrix from an `mrr` table (customer_id, month, mrr); blanks are 0."""
    return from_first_paying_month(matrix_of(long_spans(mrr_rows)))


def long_spans(mrr_rows: pd.DataFrame) -> Spans:
    """The spans of `mrr_from_long`: each row's mrr in its one month (blank: 0), up to the
    latest month."""
    check_single_currency(mrr_rows, "MRR rows")
    if mrr_rows.empty:
        return Spans(pd.DataFrame(columns=["customer_id", "first", "stop", "amount", "row"]), None)
    month = month_number(mrr_rows["month"])
    counted = pd.DataFrame({"customer_id": mrr_rows["customer_id"], "first": month, "stop": month + 1,
                            "amount": mrr_rows["mrr"].fillna(0.0), "row": np.arange(len(mrr_rows))})
    return Spans(counted, int(month.max()))


def from_first_paying_month(matrix: pd.DataFrame) -> pd.DataFrame:
    """The matrix from its first month in which someone pays (an MRR table may list zeros first)."""
    if matrix.shape[1] == 0:
        return matrix
    positive = matrix.columns[(matrix.to_numpy() > 0).any(axis=0)]
    return matrix.loc[:, positive.min():] if len(positive) else matrix.iloc[:, :0]


_MOVEMENT_ORDER = ("new", "reactivation", "expansion", "contraction", "churn")


def _classify(p: np.ndarray, m: np.ndarray, had_before: np.ndarray) -> tuple[np.ndarray, ...]:
    """Masks of (new, reactivation, expansion, contraction, churn) for MRR p → m."""
    same = np.abs(m - p) <= _TOLERANCE
    starts = (p == 0) & (m > 0)
    return (
        starts & ~had_before,
        starts & had_before,
        (p > 0) & (m > p) & ~same,
        (p > 0) & (m > 0) & (m < p) & ~same,
        (p > 0) & (m == 0),
    )


def movements(mrr: pd.DataFrame) -> pd.DataFrame:
    """Monthly MRR movements from the customer × month MRR matrix.

    For each customer, p = MRR last month, m = MRR this month:
    new          p = 0 < m, no MRR ever before   → m
    reactivation p = 0 < m, MRR some month before → m
    expansion    0 < p < m                        → m − p
    contraction  0 < m < p                        → p − m
    churn        0 = m < p                        → p

    Returns one row per month (index `pd.Period`) with MRR, paying customers, the five amounts
    and their customer counts. MRR(M) = MRR(M−1) + new + reactivation + expansion − contraction − churn.
    """
    # one month at a time, each a vector over all customers: memory stays O(customers) beyond
    # the matrix itself, whatever the number of months
    m = mrr.to_numpy(dtype=float)
    columns = {name: np.zeros(m.shape[1]) for name in SERIES_COLUMNS}
    previous = np.zeros(m.shape[0])
    had_before = np.zeros(m.shape[0], dtype=bool)
    for t in range(m.shape[1]):
        current = m[:, t]
        new, reactivation, expansion, contraction, churn = _classify(previous, current, had_before)
        columns["mrr"][t] = current.sum()
        columns["customers"][t] = np.count_nonzero(current > 0)
        columns["new"][t] = current[new].sum()
        columns["expansion"][t] = (current[expansion] - previous[expansion]).sum()
        columns["contraction"][t] = (previous[contraction] - current[contraction]).sum()
        columns["churn"][t] = previous[churn].sum()
        columns["reactivation"][t] = current[reactivation].sum()
        for name, mask in (("new_customers", new), ("churned_customers", churn),
                           ("reactivated_customers", reactivation), ("expansion_customers", expansion),
                           ("contraction_customers", contraction)):
            columns[name][t] = np.count_nonzero(mask)
        had_before |= current > 0
        previous = current
    series = pd.DataFrame(columns, index=pd.PeriodIndex(mrr.columns, freq="M", name="month"))
    counts = [c for c in SERIES_COLUMNS if c == "customers" or c.endswith("_customers")]
    series[counts] = series[counts].astype(np.int64)
    return series[SERIES_COLUMNS]


def movement_of(mrr: pd.DataFrame, month: pd.Period) -> pd.DataFrame:
    """The customers behind one month's movements: customer_id, movement, previous, current, amount."""
    if month not in mrr.columns:
        return pd.DataFrame(columns=["customer_id", "movement", "previous", "current", "amount"])
    position = mrr.columns.get_loc(month)
    m = mrr.iloc[:, position].to_numpy()
    p = mrr.iloc[:, position - 1].to_numpy() if position > 0 else np.zeros_like(m)
    had_before = (mrr.iloc[:, :position].to_numpy() > 0).any(axis=1) if position > 0 else np.zeros_like(m, dtype=bool)
    kind = np.select(list(_classify(p, m, had_before)), list(_MOVEMENT_ORDER), default="")
    out = pd.DataFrame({"customer_id": mrr.index, "movement": kind, "previous": p, "current": m,
                        "amount": np.abs(m - p)})
    return out[out["movement"] != ""].sort_values(["movement", "amount"], ascending=[True, False]).reset_index(drop=True)


def _ratio(numerator: pd.Series | np.ndarray, denominator: pd.Series | np.ndarray) -> np.ndarray:
    """numerator ÷ denominator, NaN (null) where the denominator is 0."""
    numerator = np.asarray(numerator, dtype=float)
    denominator = np.asarray(denominator, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denominator != 0, numerator / np.where(denominator != 0, denominator, 1), np.nan)


def revenue_kpis(mrr: pd.DataFrame, series: pd.DataFrame | None = None,
                 renewals: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every revenue KPI of docs/definitions.md, for every month of the matrix at once.

    With previous month's MRR `prev`:
    arpa = MRR ÷ customers; mrr_growth_mom = MRR ÷ prev − 1;
    logo_churn_rate = churned customers ÷ customers at end of M−1;
    gross_mrr_churn_rate = (churn + contraction) ÷ prev;
    net_mrr_churn_rate = (churn + contraction − expansion − reactivation) ÷ prev;
    revenue_churn_rate = (prev − MRR) ÷ prev; expansion_rate = expansion ÷ prev;
    nrr_monthly = (prev − churn − contraction + expansion) ÷ prev;
    grr_monthly = (prev − churn − contraction) ÷ prev;
    nrr_12m = Σ mrr[c, M] ÷ Σ mrr[c, M−12] over customers paying at M−12;
    grr_12m = Σ min(mrr[c, M], mrr[c, M−12]) ÷ Σ mrr[c, M−12], same customers;
    quick_ratio = (new + expansion + reactivation) ÷ (churn + contraction);
    customer_retention_rate_12m = customers paying at M−12 and M ÷ customers paying at M−12;
    renewal_rate = renewed ÷ renewing customers of the month, from `renewals`
    (`kpi.metrics.renewals.renewal_rate_by_month`: it needs subscription rows, so without them NaN).
    A zero denominator gives NaN (null in JSON, "n/a" in the UI).
    """
    series = movements(mrr) if series is None else series
    prev_mrr = series["mrr"].shift(1, fill_value=0.0)
    prev_customers = series["customers"].shift(1, fill_value=0)
    out = pd.DataFrame(index=series.index)
    out["mrr"] = series["mrr"]
    out["arr"] = 12 * series["mrr"]
    out["customers"] = series["customers"]
    out["arpa"] = _ratio(series["mrr"], series["customers"])
    out["mrr_growth_mom"] = _ratio(series["mrr"], prev_mrr) - 1
    out["logo_churn_rate"] = _ratio(series["churned_customers"], prev_customers)
    out["gross_mrr_churn_rate"] = _ratio(series["churn"] + series["contraction"], prev_mrr)
    out["net_mrr_churn_rate"] = _ratio(
        series["churn"] + series["contraction"] - series["expansion"] - series["reactivation"], prev_mrr)
    out["revenue_churn_rate"] = _ratio(prev_mrr - series["mrr"], prev_mrr)
    out["expansion_rate"] = _ratio(series["expansion"], prev_mrr)
    out["nrr_monthly"] = _ratio(prev_mrr - series["churn"] - series["contraction"] + series["expansion"], prev_mrr)
    out["grr_monthly"] = _ratio(prev_mrr - series["churn"] - series["contraction"], prev_mrr)
    year_ago, now, held, kept, retained = _twelve_month_sums(mrr.to_numpy(dtype=float))
    out["nrr_12m"] = _ratio(now, year_ago)
    out["grr_12m"] = _ratio(held, year_ago)
    out["quick_ratio"] = _ratio(series["new"] + series["expansion"] + series["reactivation"],
                                series["churn"] + series["contraction"])
    out["customer_retention_rate_12m"] = _ratio(retained, kept)
    out["renewal_rate"] = renewals["renewal_rate"].reindex(out.index).astype(float) if renewals is not None \
        else np.nan
    return out[REVENUE_KPIS]


def _twelve_month_sums(m: np.ndarray) -> tuple[np.ndarray, ...]:
    """Per month M (zeros before month 12 of the data, which `_ratio` turns into NaN): Σ mrr at
    M−12 of customers paying then, their Σ mrr at M, Σ min(both), count paying at M−12, count
    paying at both.

    The counts are one NumPy pass over the 2-D customers × months array (12-month shifted
    views of it, no copy). The amounts are summed month by month over the compressed vector of
    the customers paying at M−12, as NumPy sums a contiguous vector (pairwise): a masked 2-D sum
    adds the same numbers in another order and would move the last digit of NRR and GRR."""
    n = m.shape[1]
    year_ago, now, held, kept, retained = (np.zeros(n) for _ in range(5))
    if n <= 12:
        return year_ago, now, held, kept, retained
    m = np.asfortranarray(m)  # each month's customers contiguous (already so for `_spread`'s matrix)
    base, later = m[:, :-12], m[:, 12:]
    paying = base > 0
    kept[12:] = np.count_nonzero(paying, axis=0)
    retained[12:] = np.count_nonzero(paying & (later > 0), axis=0)
    for t in range(n - 12):
        then, after = base[:, t][paying[:, t]], later[:, t][paying[:, t]]
        year_ago[t + 12], now[t + 12], held[t + 12] = then.sum(), after.sum(), np.minimum(then, after).sum()
    return year_ago, now, held, kept, retained


PERIOD_FREQ = {"month": "M", "quarter": "Q", "year": "Y"}
_STOCKS = ("mrr", "customers")  # read at the period's last month; everything else is summed


def aggregate_series(series: pd.DataFrame, period: str = "month") -> pd.DataFrame:
    """Monthly movements rolled up to quarters or years: MRR and customers at the period's last
    month (or the last month given, for the current period), movements and counts summed.
    The bridge still holds: MRR(P) = MRR(P−1) + Σ gains − Σ losses over P's months."""
    if period == "month":
        return series
    index = pd.PeriodIndex(series.index, freq="M").asfreq(PERIOD_FREQ[period])
    grouped = series.groupby(index)
    out = grouped.sum()
    for column in _STOCKS:
        out[column] = grouped[column].last()
    out.index.name = period
    return out[series.columns]


def bridge(series: pd.DataFrame, months: pd.PeriodIndex) -> dict[str, float]:
    """The MRR bridge over consecutive months: MRR before the first month, each movement summed
    over the months, and MRR at the last month (start + gains − losses = end)."""
    rows = series.loc[months]
    position = series.index.get_loc(months[0])
    start = float(series["mrr"].iloc[position - 1]) if position > 0 else 0.0
    out = {"start": start, **{name: float(rows[name].sum()) for name in MOVEMENTS}}
    out["end"] = float(rows["mrr"].iloc[-1])
    return out


DETAIL_COLUMNS = ["month", "customer_id", "movement", "previous", "current", "amount", "change"]


def movement_details(mrr: pd.DataFrame, months: pd.PeriodIndex) -> pd.DataFrame:
    """The customers behind the movements of some months (month, customer_id, movement,
    previous, current, amount, change), largest amounts first within each month and movement.

    amount = |current − previous| (the size, as `movements` sums it); change = current − previous,
    signed as the MRR bridge draws it: new, expansion and reactivation positive, contraction and
    churn negative (a churn of 177 is −177)."""
    frames = [movement_of(mrr, month).assign(month=month) for month in months]  # ≤ 12 months
    if not frames:
        return pd.DataFrame(columns=DETAIL_COLUMNS)
    details = pd.concat(frames, ignore_index=True)
    details["change"] = details["current"] - details["previous"]
    return details[DETAIL_COLUMNS]
