"""Cohort retention: who of each starting cohort is still active, and how much they bring, k periods on.

Everything here follows docs/definitions.md. The input is a customer × month matrix — the MRR
matrix of `kpi.metrics.revenue` (basis "revenue"), or an activity matrix built from orders or events by
`activity_from_orders` / `activity_from_events` (basis "orders" / "events"). A customer's cohort
is the month of its first activity (first positive MRR, first order line of positive amount,
first event), or the month of an explicit cohort date such as `signup_date`.

Months are handled as integer month numbers (year × 12 + month − 1, as in `kpi.metrics.revenue`), so
every step is an operation on whole NumPy arrays: no loop over customers, rows or cohorts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from kpi.metrics.revenue import aggregate_series, month_number

Basis = Literal["revenue", "orders", "events"]
View = Literal["month", "quarter", "year"]

PERIOD_MONTHS: dict[str, int] = {"month": 1, "quarter": 3, "year": 12}
_FREQ = {"month": "M", "quarter": "Q", "year": "Y"}
_TOLERANCE = 1e-9  # an age-0 sum within this of 0 is 0 (returns netting out), so its ratios are null


@dataclass(frozen=True)
class Activity:
    """Customer × month matrices (index customer_id, contiguous `pd.Period` month columns).

    `active` is True in a month with at least one event or order line of positive amount;
    `amount` (orders only, else None) is Σ of all the month's order amounts, returns included.
    """

    active: pd.DataFrame
    amount: pd.DataFrame | None = None


@dataclass(frozen=True)
class Cohorts:
    """Retention matrices: one row per cohort (a `pd.Period` of the view's frequency), one
    column per age 0, 1, … in periods; cells after the as-of period are NaN (empty), not 0.

    sizes    members per cohort
    counts   members active at age k (nullable integers)
    amounts  Σ members' MRR (or order amount) at age k
    logo     counts ÷ sizes
    revenue  amounts ÷ amounts at age 0 (NaN when the age-0 sum is 0)
    """

    basis: Basis
    period: View
    sizes: pd.Series
    logo: pd.DataFrame
    revenue: pd.DataFrame
    counts: pd.DataFrame
    amounts: pd.DataFrame
    as_of: pd.Period  # the as-of month
    members: pd.Series = field(default_factory=lambda: pd.Series(dtype=object), compare=False, repr=False)
    # customer_id → cohort (a Period of the view's frequency): who is in each cohort

    def ages_reached(self) -> pd.Series:
        """Per cohort, the last age it has reached at as_of (0 for the as-of period's cohort)."""
        last = self.as_of.asfreq(_FREQ[self.period])
        return pd.Series(last.ordinal - self.sizes.index.asi8, index=self.sizes.index, dtype=int)

    def to_json(self) -> dict:
        """The `cohorts` section of the JSON report (docs/cli.md).

        `{"basis", "logo": {cohort: [age 0, 1, …]}, "revenue": {…}, "sizes": {cohort: n}}`; each
        row runs from the cohort's period to the as-of period. Cohort keys are `str(pd.Period)`:
        "2024-01" for months, "2024Q1" for quarters, "2024" for years. NaN is None.
        """
        reached = self.ages_reached()
        keys = [str(cohort) for cohort in self.sizes.index]
        return {
            "basis": self.basis,
            "logo": _rows(self.logo, keys, reached),
            "revenue": _rows(self.revenue, keys, reached),
            "sizes": {key: int(size) for key, size in zip(keys, self.sizes.to_numpy(), strict=True)},
        }


def _rows(matrix: pd.DataFrame, keys: list[str], reached: pd.Series) -> dict[str, list[float | None]]:
    values = matrix.to_numpy(dtype=float)
    return {
        key: [None if np.isnan(v) else float(v) for v in values[i, : int(last) + 1]]
        for i, (key, last) in enumerate(zip(keys, reached.to_numpy(), strict=True))
    }


# ---------------------------------------------------------------------------- activity matrices


def _month_columns(first: int, last: int) -> pd.PeriodIndex:
    start = pd.Period(year=first // 12, month=first % 12 + 1, freq="M")
    return pd.period_range(start, periods=last - first + 1, freq="M")


def _customer_month_sums(customer_id: pd.Series, month: np.ndarray, *weights: np.ndarray) -> list[pd.DataFrame]:
    """Σ of each weight array per (customer, month), as customer × month matrices with
    contiguous month columns (customers factorised once, then one bincount per weight)."""
    codes, customers = pd.factorize(customer_id.astype(str), sort=True)
    index = pd.Index(np.asarray(customers, dtype=object), name="customer_id")
    if len(index) == 0:
        return [pd.DataFrame(index=index) for _ in weights]
    first, last = int(month.min()), int(month.max())
    n_months = last - first + 1
    cells = codes * n_months + (month - first)
    columns = _month_columns(first, last)
    return [
        pd.DataFrame(np.bincount(cells, weights=w, minlength=len(index) * n_months).reshape(len(index), n_months),
                     index=index, columns=columns)
        for w in weights
    ]


def _order_amounts(orders: pd.DataFrame) -> pd.Series:
    """The line amount: `amount`, else quantity × unit_price; a missing amount is 0."""
    if "amount" in orders:
        amount = orders["amount"]
    else:
        amount = orders["quantity"] * orders["unit_price"]
    return pd.Series(amount.to_numpy(dtype=float, na_value=np.nan), index=orders.index).fillna(0.0)


def activity_from_orders(orders: pd.DataFrame) -> Activity:
    """Customer × month activity and amounts from canonical order lines (docs/definitions.md).

    active[c, M] = at least one line of c in M with amount > 0 (returns, cancellations and
    zero-price lines make no one active); amount[c, M] = Σ amounts of c's lines in M, negative
    ones included. Rows without a customer_id or a date are dropped (they are rejected upstream).
    Customers with only non-positive lines are rows of False (they never join a cohort).
    """
    kept = orders[orders["customer_id"].notna() & orders["date"].notna()]
    amount = _order_amounts(kept).to_numpy()
    month = month_number(kept["date"]).to_numpy(dtype=np.int64)
    amounts, positive_lines = _customer_month_sums(kept["customer_id"], month, amount, (amount > 0).astype(float))
    return Activity(active=positive_lines > 0, amount=amounts)


def activity_from_events(events: pd.DataFrame) -> Activity:
    """Customer × month activity from canonical events: active[c, M] = at least one event of c in M.

    The customer is `customer_id`, falling back to `user_id` where customer_id is missing (or
    not mapped). Rows without any id or timestamp are dropped. There is no amount.
    """
    who = events["user_id"]
    if "customer_id" in events:
        who = events["customer_id"].astype("string").fillna(who.astype("string"))
    known = (who.notna() & events["timestamp"].notna()).to_numpy(dtype=bool)
    month = month_number(events["timestamp"][known]).to_numpy(dtype=np.int64)
    (counts,) = _customer_month_sums(who[known], month, np.ones(int(known.sum())))
    return Activity(active=counts > 0)


# ---------------------------------------------------------------------------- cohort matrices


def _on_months(matrix: pd.DataFrame, first: int, last: int, dtype: type) -> np.ndarray:
    """The matrix's values on the months first … last (month numbers); absent months are 0."""
    columns = pd.PeriodIndex(matrix.columns, freq="M")
    months = np.asarray(columns.year * 12 + columns.month - 1, dtype=np.int64)
    if len(months) == last - first + 1 and len(months) and months[0] == first and (np.diff(months) == 1).all():
        out = matrix.to_numpy(dtype=dtype)  # the usual case: exactly those months, no reshuffle
        return np.nan_to_num(out) if dtype is float and np.isnan(out).any() else out
    inside = (months >= first) & (months <= last)
    kept = np.flatnonzero(inside)
    if len(kept) == last - first + 1 and kept[-1] - kept[0] + 1 == len(kept) and \
            np.array_equal(months[kept], np.arange(first, last + 1)):
        # every month first … last, in order, among more (data past as_of): the same values as
        # below, from one slice of the matrix instead of a copy of all of it, then a scatter
        out = matrix.iloc[:, kept[0]:kept[-1] + 1].to_numpy(dtype=dtype)
        return np.nan_to_num(out) if dtype is float and np.isnan(out).any() else out
    out = np.zeros((matrix.shape[0], last - first + 1), dtype=dtype)
    values = matrix.to_numpy(dtype=dtype)[:, inside]
    out[:, months[inside] - first] = np.nan_to_num(values) if dtype is float else values
    return out


def _as_month(as_of: pd.Period | str | None, matrix: pd.DataFrame) -> int | None:
    if as_of is None:
        if matrix.shape[1] == 0:
            return None
        as_of = matrix.columns.max()
    as_of = pd.Period(as_of, freq="M")
    return as_of.year * 12 + as_of.month - 1


def _segment_ids(segment: Iterable[str] | pd.Series) -> pd.Index:
    """A boolean Series indexed by customer_id keeps its True rows; anything else lists ids."""
    if isinstance(segment, pd.Series) and pd.api.types.is_bool_dtype(segment.dtype):
        return pd.Index(segment.index[segment.to_numpy(dtype=bool)].astype(str))
    return pd.Index([str(i) for i in segment])


def _period_start(number: int, period: View) -> pd.Period:
    """The `pd.Period` of period number `number` (month numbers ÷ months per period)."""
    first_month = number * PERIOD_MONTHS[period]
    month = pd.Period(year=first_month // 12, month=first_month % 12 + 1, freq="M")
    return month.asfreq(_FREQ[period])


def build_cohorts(
    active: pd.DataFrame,
    amount: pd.DataFrame | None = None,
    *,
    basis: Basis,
    period: View = "month",
    as_of: pd.Period | str | None = None,
    cohort_dates: pd.Series | None = None,
    segment: Iterable[str] | pd.Series | None = None,
) -> Cohorts:
    """Cohort retention matrices from a customer × month activity matrix (docs/definitions.md).

    Members: customers of `segment` (all when None) active in some month ≤ as_of — a customer
    who never was active is in no cohort, whatever its signup date. A member's cohort is the
    month of `cohort_dates[c]` (e.g. signup_date) when given, else its first active month; in
    the quarterly / yearly view, the quarter / year of that month. Activity before a member's
    cohort counts in no cell; a cohort month after as_of leaves the customer out. With P the cohort's
    period and e(P + k) the month a period is read at — its last month, or the as-of month
    for the as-of period, which is not over yet:
        sizes[P]      = members of P
        counts[P, k]  = members active at e(P + k)   (churned-and-back members count again)
        amounts[P, k] = Σ members' amount at e(P + k)
        logo[P, k]    = counts ÷ sizes
        revenue[P, k] = amounts[P, k] ÷ amounts[P, 0]  (NaN when amounts[P, 0] = 0)
    Cells with P + k after the as-of period are NaN. Data after as_of is ignored. Without
    `amount`, amounts and revenue are NaN. `as_of` defaults to the matrix's last month.
    A revenue basis passes the MRR matrix as both `active` (its cells > 0) and `amount`.
    """
    freq = _FREQ[period]
    length = PERIOD_MONTHS[period]
    last_month = _as_month(as_of, active)
    if segment is not None:
        active = active.loc[active.index.intersection(_segment_ids(segment), sort=False)]
    if last_month is None or active.empty:
        return _empty(basis, period, last_month)
    columns = pd.PeriodIndex(active.columns, freq="M")
    first_month = min(int((columns.year * 12 + columns.month - 1).min()), last_month)

    on = _on_months(active, first_month, last_month, bool)
    ever = on.any(axis=1)
    cohort = first_month + on.argmax(axis=1)  # first active month (meaningless where not ever)
    if cohort_dates is not None:
        dates = cohort_dates[~cohort_dates.index.duplicated()]
        dates.index = dates.index.astype(str)
        given = month_number(pd.Series(pd.to_datetime(dates.reindex(active.index.astype(str)).to_numpy())))
        cohort = np.where(given.notna(), given.to_numpy(dtype=float, na_value=np.nan), cohort).astype(np.int64)
    member = ever & (cohort <= last_month)
    if not member.any():
        return _empty(basis, period, last_month)
    cohort = cohort[member]
    on = on[member]

    period_of = cohort // length
    first_period, last_period = int(period_of.min()), last_month // length
    n_periods = last_period - first_period + 1
    # the month each period is read at: its last month, or as_of for the unfinished one
    read_at = np.minimum((first_period + np.arange(n_periods)) * length + length - 1, last_month) - first_month
    seen = read_at >= 0  # a period that ended before the first month of data: nothing in it

    # members summed per cohort × calendar period (a grouped sum, no sort or copy of the
    # customer rows), then each cohort's row shifted so that column k is age k
    code = period_of - first_period
    counts_per_code = np.bincount(code, minlength=n_periods)
    present = np.flatnonzero(counts_per_code)  # the non-empty cohorts, oldest first
    sizes = counts_per_code[present]
    calendar = present[:, None] + np.arange(n_periods)[None, :]  # period of each (cohort, age)
    future = calendar >= n_periods
    columns_read = read_at[seen]
    identity = bool(seen.all()) and np.array_equal(columns_read, np.arange(on.shape[1]))

    def by_age(monthly: np.ndarray) -> np.ndarray:
        """Σ over each cohort's members of `monthly` read at each age; NaN after as_of."""
        block = monthly if identity else monthly[:, columns_read]
        summed = pd.DataFrame(block).groupby(code, sort=True).sum().to_numpy(dtype=float)
        per_period = np.zeros((len(present), n_periods), dtype=float)
        per_period[:, seen] = summed
        out = np.take_along_axis(per_period, np.minimum(calendar, n_periods - 1), axis=1)
        out[future] = np.nan
        return out

    counts = by_age(on)
    if amount is not None:
        values = amount.reindex(index=active.index, fill_value=0.0).loc[member]
        amounts = by_age(_on_months(values, first_month, last_month, float))
        base = amounts[:, :1]
        with np.errstate(divide="ignore", invalid="ignore"):
            revenue = np.where(np.abs(base) > _TOLERANCE, amounts / np.where(base != 0, base, 1.0), np.nan)
    else:
        amounts = np.full(counts.shape, np.nan)
        revenue = amounts.copy()

    index = pd.period_range(_period_start(first_period, period), periods=n_periods, freq=freq)[present]
    index.name = "cohort"
    ages = pd.RangeIndex(n_periods, name="age")

    def frame(matrix: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(matrix, index=index, columns=ages)

    logo = counts / sizes[:, None]
    return Cohorts(
        basis=basis,
        period=period,
        sizes=pd.Series(sizes, index=index, name="size"),
        logo=frame(logo),
        revenue=frame(revenue),
        counts=frame(counts).astype("Int64"),
        amounts=frame(amounts),
        as_of=_period_start(last_month, "month"),
        members=pd.Series(pd.period_range(_period_start(first_period, period), periods=n_periods, freq=freq)[
                              period_of - first_period], index=active.index[member], name="cohort"),
    )


def _empty(basis: Basis, period: View, last_month: int | None) -> Cohorts:
    index = pd.PeriodIndex([], freq=_FREQ[period], name="cohort")
    ages = pd.RangeIndex(0, name="age")
    empty = pd.DataFrame(index=index, columns=ages, dtype=float)
    as_of = _period_start(last_month, "month") if last_month is not None else pd.Period("1970-01", freq="M")
    return Cohorts(basis, period, pd.Series([], index=index, dtype=int, name="size"), empty, empty.copy(),
                   empty.astype("Int64"), empty.copy(), as_of)


def revenue_cohorts(
    mrr: pd.DataFrame, *, period: View = "month", as_of: pd.Period | str | None = None,
    cohort_dates: pd.Series | None = None, segment: Iterable[str] | pd.Series | None = None,
) -> Cohorts:
    """Cohorts from the customer × month MRR matrix: active = MRR > 0, amount = MRR.

    Options as `build_cohorts`."""
    return build_cohorts(mrr > 0, mrr, basis="revenue", period=period, as_of=as_of,
                         cohort_dates=cohort_dates, segment=segment)


def order_cohorts(
    orders: pd.DataFrame, *, period: View = "month", as_of: pd.Period | str | None = None,
    cohort_dates: pd.Series | None = None, segment: Iterable[str] | pd.Series | None = None,
) -> Cohorts:
    """Cohorts from canonical order lines: active = a line of positive amount in the month,
    amount = Σ the month's order amounts, returns included (docs/definitions.md)."""
    activity = activity_from_orders(orders)
    return build_cohorts(activity.active, activity.amount, basis="orders", period=period, as_of=as_of,
                         cohort_dates=cohort_dates, segment=segment)


def event_cohorts(
    events: pd.DataFrame, *, period: View = "month", as_of: pd.Period | str | None = None,
    cohort_dates: pd.Series | None = None, segment: Iterable[str] | pd.Series | None = None,
) -> Cohorts:
    """Cohorts from canonical events: active = at least one event in the month; no revenue
    retention (its cells are NaN, null in JSON)."""
    return build_cohorts(activity_from_events(events).active, basis="events", period=period, as_of=as_of,
                         cohort_dates=cohort_dates, segment=segment)


# ---------------------------------------------------------------------------- summaries


def average_retention(cohorts: Cohorts) -> pd.DataFrame:
    """The average retention curve, weighted by cohort size, over the cohorts that reached each age.

    logo[k]    = Σ counts[P, k] ÷ Σ sizes[P]           over cohorts P that reached age k
    revenue[k] = Σ amounts[P, k] ÷ Σ amounts[P, 0]     over cohorts P that reached age k with
                                                        a non-zero age-0 sum
    Returns one row per age with logo, revenue and `cohorts` (how many cohorts reached it).
    """
    if cohorts.sizes.empty:
        return pd.DataFrame({"logo": [], "revenue": [], "cohorts": []}, index=pd.RangeIndex(0, name="age"))
    counts = cohorts.counts.astype(float)
    reached = counts.notna()
    sizes = cohorts.sizes.to_numpy(dtype=float)[:, None]
    active_sum = counts.sum(axis=0).to_numpy()
    size_sum = np.where(reached, sizes, 0.0).sum(axis=0)
    amounts = cohorts.amounts.to_numpy(dtype=float)
    base = amounts[:, :1] if amounts.shape[1] else np.zeros((amounts.shape[0], 1))
    usable = reached.to_numpy() & (np.abs(base) > _TOLERANCE)
    amount_sum = np.where(usable, amounts, 0.0).sum(axis=0)
    base_sum = np.where(usable, base, 0.0).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        logo = np.where(size_sum > 0, active_sum / np.where(size_sum > 0, size_sum, 1.0), np.nan)
        revenue = np.where(base_sum != 0, amount_sum / np.where(base_sum != 0, base_sum, 1.0), np.nan)
    return pd.DataFrame({"logo": logo, "revenue": revenue, "cohorts": reached.sum(axis=0).to_numpy()},
                        index=cohorts.counts.columns)


def weighted_average_row(matrix: pd.DataFrame, sizes: pd.Series) -> pd.Series:
    """The "Average" row under a cohort heatmap: each age's cells averaged, weighted by cohort size,
    over the cohorts whose cell is defined (a cohort that has not reached an age does not count).

        average[k] = Σ sizes[P] · matrix[P, k] ÷ Σ sizes[P]      over cohorts P with matrix[P, k] defined

    `matrix`: cohorts down, ages across (any view: % of start, % of previous, counts, amounts);
    `sizes`: members per cohort, same index. Returns one value per age (the matrix's columns),
    NaN where no cohort has a value. On logo retention it equals `average_retention`'s logo curve.
    """
    values = matrix.to_numpy(dtype=float, na_value=np.nan)
    weights = sizes.reindex(matrix.index).to_numpy(dtype=float)[:, None]
    defined = np.isfinite(values) & (weights > 0)
    weight_sum = np.where(defined, weights, 0.0).sum(axis=0)
    total = np.where(defined, values * weights, 0.0).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        average = np.where(weight_sum > 0, total / np.where(weight_sum > 0, weight_sum, 1.0), np.nan)
    return pd.Series(average, index=matrix.columns, name="average")


def age_trend(cohorts: Cohorts, age: int, kind: Literal["logo", "revenue"] = "logo") -> pd.Series:
    """Retention at one age (e.g. month 3) of every cohort that has reached it, oldest first:
    does retention at that age improve from cohort to cohort?"""
    matrix = cohorts.logo if kind == "logo" else cohorts.revenue
    if age not in matrix.columns:
        return pd.Series([], index=pd.PeriodIndex([], freq=_FREQ[cohorts.period], name="cohort"),
                         dtype=float, name=f"{kind}_age_{age}")
    reached = cohorts.ages_reached() >= age
    return matrix.loc[reached.to_numpy(), age].rename(f"{kind}_age_{age}")


# ---------------------------------------------------------------------------- views of the matrices


def period_over_period(matrix: pd.DataFrame) -> pd.DataFrame:
    """Each cell as a share of the cell one age before it (the Retention page's "% of previous
    period" view): of the members (or MRR) a cohort had at age k − 1, how much is left at age k.

        out[P, k] = matrix[P, k] ÷ matrix[P, k − 1]     for k ≥ 1

    Works on counts, amounts, logo or revenue retention alike (the cohort size or the age-0 sum
    cancels out). Age 0 has no previous period, so the result starts at age 1. A cell is NaN when
    either cell is NaN (after as_of) or the previous one is 0. It can exceed 1: members come back,
    accounts expand.
    """
    values = matrix.to_numpy(dtype=float, na_value=np.nan)
    previous, current = values[:, :-1], values[:, 1:]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(previous != 0, current / np.where(previous != 0, previous, 1.0), np.nan)
    return pd.DataFrame(ratio, index=matrix.index, columns=matrix.columns[1:])


def churn_rate_trend(series: pd.DataFrame, period: View = "month") -> pd.DataFrame:
    """Logo and gross MRR churn rates per month, quarter or year, from the monthly movements of
    `kpi.metrics.revenue.movements` (docs/definitions.md, rolled up with `kpi.metrics.revenue.aggregate_series`).

    For period P with S = the last month of the period before P:
        logo_churn_rate      = Σ customers churned in P's months ÷ paying customers at S
        gross_mrr_churn_rate = Σ (churn + contraction) in P's months ÷ MRR at S
    In the month view these are the monthly `logo_churn_rate` and `gross_mrr_churn_rate` of
    `kpi.metrics.revenue.revenue_kpis`. The first period (nothing before it) and a zero denominator give
    NaN. `months` counts the months of P present in `series`: fewer than the period's length for
    a period that is not over (the as-of quarter) or that starts before the data.
    Returns one row per period with churned_customers, customers_start, logo_churn_rate,
    mrr_lost, mrr_start, gross_mrr_churn_rate and months.
    """
    freq = _FREQ[period]
    if series.empty:
        columns = ["churned_customers", "customers_start", "logo_churn_rate", "mrr_lost", "mrr_start",
                   "gross_mrr_churn_rate", "months"]
        return pd.DataFrame(columns=columns, index=pd.PeriodIndex([], freq=freq, name=period), dtype=float)
    rolled = aggregate_series(series, period)
    customers_start = rolled["customers"].shift(1).to_numpy(dtype=float)
    mrr_start = rolled["mrr"].shift(1).to_numpy(dtype=float)
    churned = rolled["churned_customers"].to_numpy(dtype=float)
    lost = (rolled["churn"] + rolled["contraction"]).to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        logo = np.where(customers_start > 0, churned / np.where(customers_start > 0, customers_start, 1.0), np.nan)
        gross = np.where(mrr_start > 0, lost / np.where(mrr_start > 0, mrr_start, 1.0), np.nan)
    months = pd.PeriodIndex(series.index, freq="M").asfreq(freq)
    out = pd.DataFrame({
        "churned_customers": churned,
        "customers_start": customers_start,
        "logo_churn_rate": logo,
        "mrr_lost": lost,
        "mrr_start": mrr_start,
        "gross_mrr_churn_rate": gross,
        "months": pd.Series(1, index=months).groupby(level=0).sum().reindex(rolled.index).to_numpy(),
    }, index=pd.PeriodIndex(rolled.index, freq=freq, name=period))
    return out


def largest_segments(customers: pd.DataFrame, attribute: str) -> list[str]:
    """The values of a customer attribute (as text), the one with the most customers first (ties
    alphabetically): the natural pair to compare is the first two. Missing values are left out."""
    if attribute not in customers:
        return []
    sizes = customers[attribute].dropna().astype(str).value_counts()
    order = np.lexsort((sizes.index.to_numpy(dtype=str), -sizes.to_numpy()))
    return [str(value) for value in sizes.index[order]]


def cell_customers(cohorts: Cohorts, active: pd.DataFrame, amount: pd.DataFrame | None,
                   cohort: pd.Period, age: int) -> pd.DataFrame:
    """The members of one cohort and whether each was active at `age` — the customers behind a
    heatmap cell. The age is read at the same month as the matrices: the last month of period
    cohort + age, or the as-of month for the unfinished period.
    Columns: customer_id, active (bool), amount (MRR or order amount then, NaN without amounts)."""
    ids = cohorts.members.index[cohorts.members == cohort]
    period_end = (cohort + age).asfreq("M", how="end")
    read = min(period_end, cohorts.as_of)
    columns = pd.PeriodIndex(active.columns, freq="M")
    if read in columns:
        state = active.reindex(ids).loc[:, columns == read].iloc[:, 0].fillna(False).astype(bool)
    else:
        state = pd.Series(False, index=ids)
    if amount is not None and read in pd.PeriodIndex(amount.columns, freq="M"):
        values = amount.reindex(ids).loc[:, pd.PeriodIndex(amount.columns, freq="M") == read].iloc[:, 0]
    else:
        values = pd.Series(np.nan, index=ids)
    out = pd.DataFrame({"customer_id": ids, "active": state.to_numpy(), "amount": values.to_numpy(dtype=float)})
    return out.sort_values(["active", "amount"], ascending=[True, False]).reset_index(drop=True)
