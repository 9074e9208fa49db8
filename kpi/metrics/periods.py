"""Revenue KPIs over a month, a quarter or a year: stocks read at the period's end, flows summed
over its months, rates over the whole period.

A period window runs from the month-end just before its first month (`start`, S) to its last
month with data up to as-of (`end`, E). For the customers paying at S (the base B):

    logo_churn_rate      = |{c ∈ B : mrr[c, E] = 0}| ÷ |B|
    grr                  = Σ_B min(mrr[c, E], mrr[c, S]) ÷ Σ_B mrr[c, S]
    nrr                  = Σ_B mrr[c, E] ÷ Σ_B mrr[c, S]
    gross_mrr_churn_rate = 1 − grr  (the base's lost MRR, net of what came back, over the period)
    net_mrr_churn_rate   = (Σ churn + Σ contraction − Σ expansion − Σ reactivation) ÷ MRR(S)
    quick_ratio          = (Σ new + Σ expansion + Σ reactivation) ÷ (Σ churn + Σ contraction)
    mrr_growth           = MRR(E) ÷ MRR(S) − 1

with the sums over the window's monthly movements. For a one-month window every rate equals the
monthly KPI of `kpi.metrics.revenue` (the definitions of docs/definitions.md), which a test holds.
A period still running at as-of (October in Q4) is *partial*: it is compared with the same
number of months one period earlier (October with July), never with a whole period.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kpi.metrics.revenue import PERIOD_FREQ, _ratio

PERIOD_MONTHS = {"month": 1, "quarter": 3, "year": 12}
FLOWS = ("new", "expansion", "contraction", "churn", "reactivation", "new_customers", "churned_customers",
         "reactivated_customers")
PERIOD_KPIS = ["mrr", "arr", "customers", "arpa", "net_new_mrr", *FLOWS, "mrr_growth", "logo_churn_rate",
               "gross_mrr_churn_rate", "net_mrr_churn_rate", "nrr", "grr", "quick_ratio"]
# card keys whose value over a quarter or a year is a period figure (the others are read at its end)
PERIOD_KEYS = {"logo_churn_rate": "logo_churn_rate", "gross_mrr_churn_rate": "gross_mrr_churn_rate",
               "net_mrr_churn_rate": "net_mrr_churn_rate", "nrr_monthly": "nrr", "grr_monthly": "grr",
               "quick_ratio": "quick_ratio", "mrr_growth_mom": "mrr_growth"}


@dataclass(frozen=True)
class Window:
    """The months a period figure covers: `start` is the month-end before them (the base), `end`
    the last of them; `partial` when the calendar period goes on after `end`."""

    period: pd.Period  # the calendar month, quarter or year
    start: pd.Period  # freq M
    end: pd.Period  # freq M
    partial: bool

    @property
    def months(self) -> int:
        return self.end.ordinal - self.start.ordinal

    def shifted(self, months: int) -> Window:
        """The same months, `months` earlier (the comparison of a partial period)."""
        return Window(self.period - months // PERIOD_MONTHS[_granularity(self.period)], self.start - months,
                      self.end - months, self.partial)

    def label(self) -> str:
        """'October 2026', 'Q3 2026', 'Q4 2026 to date (October–November)', '2026 to date (January–November)'."""
        if self.period.freqstr.startswith("M"):
            return self.end.strftime("%B %Y")
        name = f"Q{self.period.quarter} {self.period.year}" if _granularity(self.period) == "quarter" \
            else str(self.period.year)
        if not self.partial:
            return name
        first = self.start + 1
        span = first.strftime("%B") if first == self.end else f"{first.strftime('%B')}–{self.end.strftime('%B')}"
        return f"{name} to date ({span})"


def _granularity(period: pd.Period) -> str:
    freq = period.freqstr
    return "month" if freq.startswith("M") else "quarter" if freq.startswith("Q") else "year"


def window_of(month: pd.Period, granularity: str) -> Window:
    """The window of the period (of `granularity`) holding `month`, up to `month`."""
    period = month.asfreq(PERIOD_FREQ[granularity])
    first = period.asfreq("M", how="start")
    last = period.asfreq("M", how="end")
    return Window(period, first - 1, month, month < last)


def last_complete(month: pd.Period, granularity: str) -> pd.Period:
    """The last month of the last whole period (of `granularity`) ending at or before `month`:
    `month` itself when it closes its period (September for Q3), else the month before its
    period (September when `month` is October or November)."""
    window = window_of(month, granularity)
    return window.start if window.partial else month


def windows(months: pd.PeriodIndex, granularity: str, through: pd.Period) -> list[Window]:
    """One window per period holding a month of `months` up to `through`, oldest first; the last
    one ends at `through` (partial when its period goes on)."""
    kept = months[months <= through]
    periods = pd.unique(kept.asfreq(PERIOD_FREQ[granularity]))
    out = []
    for period in periods:
        last = min(period.asfreq("M", how="end"), through)
        out.append(window_of(last, granularity))
    return out


def window_sums(mrr: pd.DataFrame, series: pd.DataFrame, spans: list[Window]) -> pd.DataFrame:
    """The raw sums behind each window's KPIs (one row per window, index = window end): mrr and
    customers at the end, the FLOWS summed over the window's months, start_mrr (MRR at the base
    month S), and over the base B of customers paying at S: base_customers, base_lost (no MRR at
    E), base_kept_mrr (Σ min(mrr at E, mrr at S)) and base_now_mrr (Σ mrr at E).

    In: `mrr` (customer × month matrix, columns pd.Period M), `series` (monthly movements of
    `kpi.metrics.revenue.movements`). A month outside the data counts as no MRR."""
    matrix = mrr.to_numpy(dtype=float)
    position = {month: i for i, month in enumerate(mrr.columns)}
    zeros = np.zeros(matrix.shape[0])
    months = series.index
    rows = []
    for span in spans:  # a handful of windows, each a few vectors over the customers
        base = matrix[:, position[span.start]] if span.start in position else zeros
        last = matrix[:, position[span.end]] if span.end in position else zeros
        paying = base > 0
        flows = series.loc[(months > span.start) & (months <= span.end), list(FLOWS)].sum()
        rows.append({
            "mrr": float(last.sum()),
            "customers": int(np.count_nonzero(last > 0)),
            **{name: float(flows[name]) for name in FLOWS},
            "start_mrr": float(base.sum()),
            "base_customers": int(np.count_nonzero(paying)),
            "base_lost": int(np.count_nonzero(paying & (last <= 0))),
            "base_kept_mrr": float(np.minimum(base[paying], last[paying]).sum()),
            "base_now_mrr": float(last[paying].sum()),
        })
    columns = ["mrr", "customers", *FLOWS, "start_mrr", "base_customers", "base_lost", "base_kept_mrr",
               "base_now_mrr"]
    return pd.DataFrame(rows, columns=columns, index=pd.PeriodIndex([s.end for s in spans], freq="M", name="end"))


def window_details(mrr: pd.DataFrame, series: pd.DataFrame, span: Window) -> pd.Series:
    """`window_sums` of one window, as a Series (the numbers an explanation quotes)."""
    return window_sums(mrr, series, [span]).iloc[0]


def window_kpis(mrr: pd.DataFrame, series: pd.DataFrame, spans: list[Window]) -> pd.DataFrame:
    """The PERIOD_KPIS of each window (one row per window, same order, index = window end), from
    `window_sums` by the formulas of the module docstring. A window whose base precedes the data
    has MRR(S) = 0 and its rates are NaN (null), never 0."""
    frame = window_sums(mrr, series, spans)
    out = frame[["mrr", "customers", *FLOWS]].astype(float)
    out["customers"] = frame["customers"]
    out["arr"] = 12 * frame["mrr"]
    out["arpa"] = _ratio(frame["mrr"], frame["customers"])
    gains = frame["new"] + frame["expansion"] + frame["reactivation"]
    losses = frame["churn"] + frame["contraction"]
    out["net_new_mrr"] = gains - losses
    out["mrr_growth"] = _ratio(frame["mrr"], frame["start_mrr"]) - 1
    out["logo_churn_rate"] = _ratio(frame["base_lost"], frame["base_customers"])
    out["grr"] = _ratio(frame["base_kept_mrr"], frame["start_mrr"])
    out["nrr"] = _ratio(frame["base_now_mrr"], frame["start_mrr"])
    out["gross_mrr_churn_rate"] = 1 - out["grr"]
    out["net_mrr_churn_rate"] = _ratio(losses - frame["expansion"] - frame["reactivation"], frame["start_mrr"])
    out["quick_ratio"] = _ratio(gains, losses)
    return out[PERIOD_KPIS]


def period_kpis(mrr: pd.DataFrame, series: pd.DataFrame, granularity: str, through: pd.Period) -> pd.DataFrame:
    """PERIOD_KPIS per calendar period up to `through` (index: the period), with `partial`,
    `start` and `end` columns saying which months each row covers."""
    spans = windows(series.index, granularity, through)
    out = window_kpis(mrr, series, spans)
    out.index = pd.PeriodIndex([s.period for s in spans], freq=PERIOD_FREQ[granularity], name=granularity)
    out["start"] = [s.start for s in spans]
    out["end"] = [s.end for s in spans]
    out["partial"] = [s.partial for s in spans]
    return out
