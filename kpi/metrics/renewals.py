"""Renewals: which customers came to a renewal date in a month, and how many of them still pay.

A subscription row renews on its start + k × its interval (k ≥ 1): a monthly row every month on
the day it started, a quarterly one every three months, an annual one on its anniversaries. The
renewal rate needs these rows, not the MRR table, so it exists only for subscriptions (an invoice
or an MRR row has no interval to renew on). docs/definitions.md, "Renewal rate".

Readings shared with `kpi.metrics.revenue`: a row is paying when its status says so
(`paying_rows`) and its monthly amount is above 0; it starts paying at its `trial_end` when that
is later than `start_date` (billing is anchored there); `end_date` is exclusive; the interval is a
number of months (1, 3, 12; a week is 12/52; blank is a month). Dates are read as days: a time of
day is dropped. Everything is vectorised, never a Python loop over rows: a monthly row's renewals
are a run of consecutive months, marked by a difference array down the months; the other rows'
renewal months are listed with `numpy.repeat`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from kpi.metrics.revenue import _ratio, monthly_amount, month_number, paying_rows

RENEWAL_COLUMNS = ["renewing", "renewed", "renewal_rate"]
ANNUAL_MONTHS = 12.0  # interval of an annual plan, in months
_WEEK = 12 / 52  # the interval `monthly_amount` reads for a weekly plan
_DAYS_PER_MONTH = 30.4375  # a fractional interval other than a week: round(months × 30.4375) days
_EPOCH_MONTH = 1970 * 12  # numpy's datetime64[M] counts months from January 1970


def _dates_of_months(months: np.ndarray) -> np.ndarray:
    """First day (datetime64[D]) of each month number (year × 12 + month − 1).

    NumPy converts months to days element by element through the calendar; a row's months span a
    few years, so the distinct months are converted once, as a table, and looked up (10× faster)."""
    months = np.asarray(months, dtype=np.int64)
    if months.size < 64 or np.ptp(months) > months.size:  # few values, or months far apart: no table
        return (months - _EPOCH_MONTH).astype("datetime64[M]").astype("datetime64[D]")
    low = months.min()
    table = (np.arange(low, months.max() + 1) - _EPOCH_MONTH).astype("datetime64[M]").astype("datetime64[D]")
    return table[months - low]


def _days_in_month(months: np.ndarray) -> np.ndarray:
    return (_dates_of_months(months + 1) - _dates_of_months(months)).astype(np.int64)


def _as_days(dates: pd.Series) -> np.ndarray:
    """Dates as datetime64[D] (NaT stays NaT): the time of day is dropped."""
    return pd.to_datetime(dates).dt.normalize().to_numpy(dtype="datetime64[D]")


def _month_of_days(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[M]").astype(np.int64) + _EPOCH_MONTH


def paying_starts(subscriptions: pd.DataFrame) -> pd.Series:
    """When each row starts paying: `trial_end` when it is later than `start_date`, else `start_date`
    (the same reading as `kpi.metrics.revenue.mrr_from_subscriptions`)."""
    start = subscriptions["start_date"]
    if "trial_end" in subscriptions:
        start = start.where(subscriptions["trial_end"].isna() | (subscriptions["trial_end"] < start),
                            subscriptions["trial_end"])
    return start


def _expand(row: np.ndarray, k_first: np.ndarray, k_last: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(row, k) for every k in [k_first, k_last] of each row: numpy.repeat, then a running k."""
    count = np.maximum(k_last - k_first + 1, 0)
    rows = np.repeat(row, count)
    offsets = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    return rows, np.repeat(k_first, count) + offsets


def _whole_month_bounds(start: np.ndarray, end: np.ndarray, step: np.ndarray, first: int,
                        last: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(start month, k_first, k_last) of rows whose interval is `step` whole months: renewal k falls
    in month(start) + k × step, for k in [k_first, k_last] (none when k_last < k_first).

    Renewal k is on the start's day (the last day of a shorter month: 31 January + 1 month is 28 or
    29 February). It counts when the row was still running the day before (renewal date ≤ end,
    `end` exclusive) and when its month is in [first, last]."""
    start_month = _month_of_days(start)
    day = (start - _dates_of_months(start_month)).astype(np.int64) + 1
    k_first = np.maximum(1, -((start_month - first) // step))  # ceil((first − start month) ÷ step)
    k_last = (last - start_month) // step
    ended = ~np.isnat(end)
    end_month = np.where(ended, _month_of_days(np.where(ended, end, start)), last)
    k_end = (end_month - start_month) // step
    last_date_month = start_month + k_end * step
    last_date = _dates_of_months(last_date_month) + np.minimum(day, _days_in_month(last_date_month)) - 1
    k_end = k_end - (ended & (last_date > end))  # that month's renewal comes after the row's end
    return start_month, k_first, np.where(ended, np.minimum(k_last, k_end), k_last)


def _renewals_in_whole_months(start: np.ndarray, end: np.ndarray, step: np.ndarray, first: int,
                              last: int) -> tuple[np.ndarray, np.ndarray]:
    """(row position, month number) of each renewal of rows whose interval is `step` whole months
    (`_whole_month_bounds`), one per renewal."""
    start_month, k_first, k_last = _whole_month_bounds(start, end, step, first, last)
    rows, k = _expand(np.arange(len(start)), k_first, k_last)
    return rows, start_month[rows] + k * step[rows]


def _monthly_runs(start: np.ndarray, end: np.ndarray, codes: np.ndarray, first: int, last: int,
                  customers: int) -> np.ndarray:
    """Which customer renews a monthly plan in which month, without listing the renewals: a monthly
    row renews in every month from its first renewal month a to its last b (`_whole_month_bounds`
    with a step of 1), a run of consecutive months. Each run adds +1 at (a, customer) and −1 at
    (b + 1, customer) of a months × customers difference array; its running sum down the months
    counts the runs covering each cell, and a cell renews when that count is above 0.

    Out: a boolean array (last − first + 1) months × `customers`; `codes` is each row's customer."""
    span = last - first + 1
    start_month, k_first, k_last = _whole_month_bounds(start, end, np.ones(len(start), dtype=np.int64), first, last)
    runs = k_last >= k_first
    code = codes[runs]
    # a cell's count never exceeds its customer's number of runs: the narrowest integer that holds it
    # (int8 for any export with fewer than 128 rows a customer) keeps the array 4× smaller than int32
    most = int(np.bincount(code).max()) if code.size else 0
    dtype = next(kind for kind in (np.int8, np.int16, np.int32, np.int64) if most <= np.iinfo(kind).max)
    counts = np.zeros((span + 1, customers), dtype=dtype)  # one month more for the −1 past `last`
    flat = counts.reshape(-1)  # a view: cell (month, customer) is month × customers + customer
    for month, sign in ((start_month[runs] + k_first[runs] - first, 1), (start_month[runs] + k_last[runs] + 1 - first, -1)):
        cells, times = np.unique(month * customers + code, return_counts=True)  # numpy.add.at is 10× slower
        flat[cells] += (sign * times).astype(dtype)
    for month in range(1, span):  # a contiguous vector add per month (the months are rows)
        counts[month] += counts[month - 1]
    return counts[:span] > 0


def _renewals_in_days(start: np.ndarray, end: np.ndarray, days: np.ndarray, first: int,
                      last: int) -> tuple[np.ndarray, np.ndarray]:
    """(row position, month number) of each renewal start + k × `days` days (weekly and other
    intervals that are not whole months), under the same conditions as in whole months."""
    first_day, after_last = _dates_of_months(np.array([first, last + 1]))
    since = lambda date: (date - start).astype(np.int64)  # noqa: E731  days from each row's start
    k_first = np.maximum(1, -(-since(np.full(len(start), first_day)) // days))
    k_last = (since(np.full(len(start), after_last)) - 1) // days
    ended = ~np.isnat(end)
    k_last = np.where(ended, np.minimum(k_last, since(np.where(ended, end, start)) // days), k_last)
    rows, k = _expand(np.arange(len(start)), k_first, k_last)
    dates = start[rows] + (k * days[rows]).astype("timedelta64[D]")
    return rows, _month_of_days(dates)


def _arrow_text(values: pd.Series | pd.Index) -> pa.Array:
    """The values as one Arrow string array (nulls kept)."""
    array = pa.array(pd.Series(values).astype("string").array)
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def _customer_codes(ids: pd.Series, known: pd.Index) -> tuple[pd.Index, np.ndarray]:
    """Each row's customer as a number: its position in `known` (unique ids), else len(known) + the
    order of first appearance of the ids not in it. Out: the customers (`known` itself when every
    id is in it, else an object Index: `known`, then those other ids) and the numbers.

    Arrow looks the ids up in a hash table of `known` (`index_in`): each string hashed once, where
    factorising `known` and the ids together hashed both into a new table (about 30 % more)."""
    codes = np.full(len(ids), -1, dtype=np.int64)
    if len(known) and len(ids):
        found = pc.index_in(_arrow_text(ids), value_set=_arrow_text(known))
        codes = found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    others = codes < 0
    extra_codes, extras = pd.factorize(ids[others].astype("string"))
    codes[others] = len(known) + extra_codes
    if not len(extras) and len(known):  # the usual case (known = the MRR matrix's ids): no copy of 1M ids
        return known, codes
    return pd.Index(np.concatenate([np.asarray(known, dtype=object), np.asarray(extras, dtype=object)]),
                    dtype=object), codes


def _renewal_grids(subscriptions: pd.DataFrame, months: pd.PeriodIndex, known: pd.Index | None = None,
                   annual: bool = False) -> tuple[pd.Index, int, np.ndarray, np.ndarray | None]:
    """Which customer renews in which month, as dense grids: the customers (an Index of ids: every
    id of `known` first, in its order, then the other renewing customers in order of appearance),
    the first month number of the grids, and boolean arrays months × customers, one row per month
    from min(months) to max(months), True where the customer has at least one renewal date in it:
    over every row, and (`annual`) over the annual plans' rows only (else None). Months are rows,
    as in the MRR matrix's memory (`kpi.metrics.revenue._spread`)."""
    known = pd.Index([], dtype=object) if known is None else known
    if subscriptions.empty or len(months) == 0:
        none = np.zeros((0, len(known)), dtype=bool)
        return pd.Index(np.asarray(known, dtype=object)), 0, none, none.copy() if annual else None
    rows = subscriptions[paying_rows(subscriptions) & (monthly_amount(subscriptions) > 0)
                         & subscriptions["customer_id"].notna()]
    interval = rows["interval"].fillna(1.0) if "interval" in rows else pd.Series(1.0, index=rows.index)
    start = _as_days(paying_starts(rows))
    end = _as_days(rows["end_date"]) if "end_date" in rows else np.full(len(rows), np.datetime64("NaT"), "datetime64[D]")
    step = interval.to_numpy(dtype=float)
    usable = ~np.isnat(start) & (step > 0)
    whole = usable & np.isclose(step, np.round(step)) & (step >= 1)
    in_days = usable & ~whole
    days = np.where(np.isclose(step, _WEEK), 7, np.round(step * _DAYS_PER_MONTH)).astype(np.int64)
    first, last = months.min().ordinal + _EPOCH_MONTH, months.max().ordinal + _EPOCH_MONTH
    customers, codes = _customer_codes(rows["customer_id"], known)
    span = last - first + 1
    monthly = whole & (np.round(step) == 1)  # most rows: runs of months, no renewal listed one by one
    if monthly.any():
        grid = _monthly_runs(start[monthly], end[monthly], codes[monthly], first, last, len(customers)).reshape(-1)
    else:
        grid = np.zeros(span * len(customers), dtype=bool)
    annual_grid = np.zeros(span * len(customers), dtype=bool) if annual else None
    is_annual = np.isclose(step, ANNUAL_MONTHS)  # `annual_plans`: an interval of 12 (blank is 1)
    for mask, renewals, size in ((whole & ~monthly, _renewals_in_whole_months, np.round(step).astype(np.int64)),
                                 (in_days, _renewals_in_days, np.maximum(days, 1))):  # the other rows, listed
        if mask.any():
            positions, month = renewals(start[mask], end[mask], size[mask], first, last)
            row = np.flatnonzero(mask)[positions]
            cells = (month - first) * len(customers) + codes[row]
            grid[cells] = True
            if annual_grid is not None:
                annual_grid[cells[is_annual[row]]] = True
    shape = (span, len(customers))
    return (customers, first, grid.reshape(shape),
            annual_grid.reshape(shape) if annual_grid is not None else None)


def _renewal_grid(subscriptions: pd.DataFrame, months: pd.PeriodIndex,
                  known: pd.Index | None = None) -> tuple[pd.Index, int, np.ndarray]:
    """`_renewal_grids` over every row: customers, first month number, the months × customers grid."""
    customers, first, grid, _ = _renewal_grids(subscriptions, months, known)
    return customers, first, grid


def _renewing_cells(subscriptions: pd.DataFrame, months: pd.PeriodIndex) -> tuple[pd.Index, np.ndarray, np.ndarray]:
    """The distinct (customer, month) of every renewal falling in `months`, as integers: the customers
    (an Index of ids), and per cell the customer's position in it and the month number; by
    customer, then month."""
    customers, first, grid = _renewal_grid(subscriptions, months)
    cells = np.flatnonzero(grid.T)  # customer-major
    span = max(grid.shape[0], 1)
    customer, month = cells // span, cells % span + first
    kept = np.isin(month, months.asi8 + _EPOCH_MONTH)
    return customers, customer[kept], month[kept]


def renewal_months(subscriptions: pd.DataFrame, months: pd.PeriodIndex) -> pd.DataFrame:
    """Every renewal date falling in `months` of the paying rows: one row per (customer_id, month)
    with at least one renewal (a customer renewing two rows in a month is one renewing customer).

    In: subscriptions (customer_id, start_date; optional end_date, interval, trial_end, status,
    amount, quantity, discount). Out: customer_id, month (pd.Period)."""
    customers, customer, month = _renewing_cells(subscriptions, pd.PeriodIndex(months, freq="M"))
    return pd.DataFrame({"customer_id": customers[customer].to_numpy(dtype=object),
                         "month": pd.PeriodIndex.from_ordinals(month - _EPOCH_MONTH, freq="M")})


def _paying(mrr: pd.DataFrame, months: pd.PeriodIndex) -> tuple[np.ndarray, np.ndarray]:
    """Which months of `months` the MRR matrix has (a boolean per month), and MRR > 0 at the end
    of each of those months: a boolean array those months × the matrix's customers, as laid out."""
    column = pd.Index(pd.PeriodIndex(mrr.columns, freq="M").asi8).get_indexer(months.asi8)
    in_mrr = column >= 0
    values = mrr.to_numpy(dtype=float).T  # months × customers: rows of the matrix's memory
    if np.array_equal(column, np.arange(len(column))):
        return in_mrr, values[:len(column)] > 0  # every month, in order: no gather
    return in_mrr, values[column[in_mrr]] > 0


def _rates(grid: np.ndarray, first: int, paying: tuple[np.ndarray, np.ndarray], months: pd.PeriodIndex) -> pd.DataFrame:
    """renewing, renewed and renewal_rate per month of `months` from a renewal grid whose first
    customers are the MRR matrix's rows (`_renewal_grids` with known=mrr.index) and `_paying`."""
    offsets = months.asi8 + _EPOCH_MONTH - first
    if not len(grid):
        renewing = np.zeros((len(months), 0), dtype=bool)
    elif np.array_equal(offsets, np.arange(len(grid))):
        renewing = grid  # every month of the grid, in order: no copy
    else:
        renewing = grid[offsets]
    in_mrr, paid = paying
    renewed = np.zeros(len(months), dtype=np.int64)
    if renewing.size and in_mrr.any():
        renewed[in_mrr] = np.count_nonzero(renewing[in_mrr, :paid.shape[1]] & paid, axis=1)
    out = pd.DataFrame({"renewing": np.count_nonzero(renewing, axis=1).astype(np.int64), "renewed": renewed},
                       index=months)
    out["renewal_rate"] = _ratio(out["renewed"], out["renewing"])
    return out[RENEWAL_COLUMNS]


def renewal_rate_by_month(subscriptions: pd.DataFrame, mrr: pd.DataFrame, months: pd.PeriodIndex) -> pd.DataFrame:
    """Renewal rate per month (docs/definitions.md, `revenue.renewal_rate`):

    renewing(M)    = #{customers with a renewal date in M: a paying row's start + k × its interval,
                      k ≥ 1, falls in M while the row was still running the day before};
    renewed(M)     = #{c renewing in M : mrr[c, M] > 0}, MRR read at the end of M;
    renewal_rate(M) = renewed(M) ÷ renewing(M), NaN (null) when nobody renews in M.

    In: subscription rows, the customer × month MRR matrix (`kpi.metrics.revenue`), the months to
    report. Out: one row per month of `months` (index `month`), columns renewing, renewed (ints)
    and renewal_rate."""
    months = pd.PeriodIndex(months, freq="M", name="month")
    customers, first, grid = _renewal_grid(subscriptions, months, known=mrr.index)
    return _rates(grid, first, _paying(mrr, months), months)


def renewal_rates_by_month(subscriptions: pd.DataFrame, mrr: pd.DataFrame,
                           months: pd.PeriodIndex) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(`renewal_rate_by_month`, `annual_renewal_rate_by_month`) of the same rows from one
    expansion of their renewal dates: the report needs both, and the annual plans' renewals are a
    subset of every row's."""
    months = pd.PeriodIndex(months, freq="M", name="month")
    customers, first, grid, annual = _renewal_grids(subscriptions, months, known=mrr.index, annual=True)
    paying = _paying(mrr, months)  # read once for both
    return _rates(grid, first, paying, months), _rates(annual, first, paying, months)


def annual_plans(subscriptions: pd.DataFrame) -> pd.DataFrame:
    """The rows of annual plans: an interval of 12 months (a blank interval is a month)."""
    if "interval" not in subscriptions:
        return subscriptions.iloc[:0]
    return subscriptions[np.isclose(subscriptions["interval"].fillna(1.0).to_numpy(dtype=float), ANNUAL_MONTHS)]


def annual_renewal_rate_by_month(subscriptions: pd.DataFrame, mrr: pd.DataFrame,
                                 months: pd.PeriodIndex) -> pd.DataFrame:
    """`renewal_rate_by_month` over the annual plans' rows only: their anniversaries. A customer
    renewing an annual plan counts as renewed when it still has MRR > 0 at the end of the month,
    whatever its plan then."""
    return renewal_rate_by_month(annual_plans(subscriptions), mrr, months)


def renewal_rate_between(renewals: pd.DataFrame, after: pd.Period, through: pd.Period) -> tuple[int, int, float]:
    """(renewing, renewed, rate) over the months in (after, through]: the monthly counts summed,
    rate = Σ renewed ÷ Σ renewing (NaN when nobody renews in those months). A quarter's renewal
    rate is its three months' renewals together."""
    chosen = renewals[(renewals.index > after) & (renewals.index <= through)]
    renewing, renewed = int(chosen["renewing"].sum()), int(chosen["renewed"].sum())
    return renewing, renewed, float(renewed / renewing) if renewing else float("nan")
