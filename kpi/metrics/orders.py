"""Order analytics for non-recurring purchases (e-commerce, usage): repeat purchase rate and a
purchase-based customer lifetime value.

Input is the canonical `orders` table (docs/definitions.md): customer_id, date, amount (may
be negative: returns), optional order_id. An *order* is a distinct order_id of a customer when
the line has one, else a distinct (customer, calendar day) pair; only lines of positive amount
make an order (returns, cancellations and zero-price lines never do, §4). Periods are whole
calendar months, `start` … `end` inclusive.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kpi.metrics.cohorts import activity_from_orders
from kpi.metrics.revenue import month_number


@dataclass(frozen=True)
class OrdersSummary:
    """Repeat purchase rate and its counts over the months start … end (None: unbounded)."""

    repeat_purchase_rate: float | None
    customers: int  # customers with at least one order in the period
    orders: int  # distinct orders in the period
    start: pd.Period | None = None
    end: pd.Period | None = None

    def to_json(self) -> dict:
        """The `orders` section of the JSON report (docs/cli.md)."""
        return {"repeat_purchase_rate": self.repeat_purchase_rate, "customers": self.customers,
                "orders": self.orders}


@dataclass(frozen=True)
class PurchaseCLV:
    """Purchase-based CLV and the factors it is the product of (null when one is undefined)."""

    clv: float | None
    average_order_value: float | None
    purchase_frequency: float | None  # orders per customer per month
    monthly_churn: float | None
    lifetime_months: float | None
    gross_margin: float
    start: pd.Period | None
    end: pd.Period | None


def _month(value: pd.Period | str | None) -> pd.Period | None:
    return None if value is None else pd.Period(value, freq="M")


def _in_months(orders: pd.DataFrame, start: pd.Period | None, end: pd.Period | None) -> pd.DataFrame:
    """Lines with a customer and a date, whose month is within start … end (inclusive)."""
    lines = orders[orders["customer_id"].notna() & orders["date"].notna()]
    month = month_number(lines["date"]).to_numpy(dtype=np.int64)
    keep = np.ones(len(lines), dtype=bool)
    if start is not None:
        keep &= month >= start.year * 12 + start.month - 1
    if end is not None:
        keep &= month <= end.year * 12 + end.month - 1
    return lines[keep]


def _amounts(lines: pd.DataFrame) -> np.ndarray:
    amount = lines["amount"] if "amount" in lines else lines["quantity"] * lines["unit_price"]
    return np.nan_to_num(amount.to_numpy(dtype=float, na_value=np.nan))


def orders_per_customer(orders: pd.DataFrame, start: pd.Period | str | None = None,
                        end: pd.Period | str | None = None) -> pd.Series:
    """Distinct orders per customer in the months start … end, for customers with at least one.

    orders[c] = #distinct order_id of c's positive lines that have one
              + #distinct calendar days of c's positive lines without one.
    """
    lines = _in_months(orders, _month(start), _month(end))
    lines = lines[_amounts(lines) > 0]
    customer = lines["customer_id"].astype(str)
    order_id = lines["order_id"] if "order_id" in lines else pd.Series(pd.NA, index=lines.index, dtype="string")
    has_id = order_id.notna().to_numpy(dtype=bool)
    by_id = pd.DataFrame({"customer_id": customer[has_id], "order": order_id[has_id].astype(str)}).drop_duplicates()
    by_day = pd.DataFrame({"customer_id": customer[~has_id],
                           "day": lines.loc[~has_id, "date"].dt.normalize()}).drop_duplicates()
    counts = by_id["customer_id"].value_counts().add(by_day["customer_id"].value_counts(), fill_value=0)
    return counts.astype(int).rename_axis("customer_id").rename("orders").sort_index()


def _ratio(numerator: float, denominator: float) -> float | None:
    return None if denominator == 0 else float(numerator) / float(denominator)


def orders_summary(orders: pd.DataFrame, start: pd.Period | str | None = None,
                   end: pd.Period | str | None = None) -> OrdersSummary:
    """Repeat purchase rate (docs/definitions.md) over the months start … end.

    repeat_purchase_rate = customers with ≥ 2 orders ÷ customers with ≥ 1 order (null when none).
    The report uses the whole data up to the as-of month (start None, end = as_of); pass a
    window (e.g. the trailing 12 months) to compare periods.
    """
    per_customer = orders_per_customer(orders, start, end)
    return OrdersSummary(
        repeat_purchase_rate=_ratio(int((per_customer >= 2).sum()), len(per_customer)),
        customers=int(len(per_customer)),
        orders=int(per_customer.sum()),
        start=_month(start),
        end=_month(end),
    )


def repeat_purchase_rate(orders: pd.DataFrame, start: pd.Period | str | None = None,
                         end: pd.Period | str | None = None) -> float | None:
    """Customers with ≥ 2 orders ÷ customers with ≥ 1 order in the months start … end (null when none)."""
    return orders_summary(orders, start, end).repeat_purchase_rate


def monthly_churn(orders: pd.DataFrame, start: pd.Period, end: pd.Period) -> float | None:
    """Pooled monthly churn of purchasing customers over the months start … end:

    churn = Σ_M #(active in M and not in M+1) ÷ Σ_M #(active in M), for M = start … end − 1,
    where active = at least one line of positive amount in the month. Null with fewer than two
    months or no active customer.
    """
    lines = _in_months(orders, start, end)
    months = pd.period_range(start, end, freq="M")
    if len(months) < 2 or lines.empty:
        return None
    active = activity_from_orders(lines).active.reindex(columns=months, fill_value=False).to_numpy(dtype=bool)
    before, after = active[:, :-1], active[:, 1:]
    return _ratio(int((before & ~after).sum()), int(before.sum()))


def purchase_clv(orders: pd.DataFrame, months: int = 12, gross_margin: float = 1.0,
                 end: pd.Period | str | None = None) -> PurchaseCLV:
    """Purchase-based customer lifetime value over the trailing `months` months ending at `end`
    (default: the month of the latest order line):

    average_order_value = Σ amounts of all lines (net of returns) ÷ orders
    purchase_frequency  = orders ÷ customers with an order ÷ months   (orders per customer per month)
    lifetime_months     = 1 ÷ monthly_churn                           (see `monthly_churn`)
    clv                 = average_order_value × purchase_frequency × gross_margin × lifetime_months

    Each factor is null when its denominator is 0, and then so is clv. A partial last month
    inflates churn: pass the last complete month as `end`.
    """
    known = orders[orders["customer_id"].notna() & orders["date"].notna()]
    last = _month(end)
    if last is None:
        if known.empty:
            return PurchaseCLV(None, None, None, None, None, gross_margin, None, None)
        last = pd.Period(known["date"].max(), freq="M")
    first = last - (months - 1)
    lines = _in_months(known, first, last)
    per_customer = orders_per_customer(lines)
    n_orders, n_customers = int(per_customer.sum()), len(per_customer)
    average_order_value = _ratio(_amounts(lines).sum(), n_orders)
    frequency = _ratio(n_orders, n_customers * months)
    churn = monthly_churn(lines, first, last)
    lifetime = None if churn is None else _ratio(1.0, churn)
    factors = (average_order_value, frequency, lifetime)
    clv = None if any(f is None for f in factors) else average_order_value * frequency * gross_margin * lifetime
    return PurchaseCLV(clv, average_order_value, frequency, churn, lifetime, gross_margin, first, last)
