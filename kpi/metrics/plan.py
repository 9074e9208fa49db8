"""Plan vs actual: a budget's planned values beside the report's actual ones (docs/definitions.md, "Plan vs actual").

In: the canonical `plan` table (month, metric, value — a wide budget is already melted by
`kpi.ingest.ledgers`) and the actual value of every plan key per month (`actuals`: index months,
one column per key). A budget names its rows as people do ("MRR fin de mois", "Clients payants",
"New MRR", "Trésorerie", "Burn"): `plan_key` reads a name as a report key, and a user's choice
(`chosen`: name → key, or "" for none) wins over the reading.
Out: one row per planned key and month with plan, actual, variance = actual − plan and
attainment = actual ÷ plan (null when the plan is 0).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kpi.ingest.vocabulary import PLAN_KEYS, plan_key

RATE_KEYS = ("logo_churn_rate", "nrr_monthly")  # fractions in the report: a budget may write them in %
POSITIVE_KEYS = ("new", "expansion", "churn", "gross_burn", "costs")  # a budget may write churn as −1,100
OUTFLOW_KEYS = ("net_burn",)  # a budget whose every burn is ≤ 0 writes it as a cash flow: −41,000 is a burn of 41,000
LOWER_IS_BETTER = ("churn", "churned_customers", "logo_churn_rate", "net_burn", "gross_burn", "costs")
PLAN_COLUMNS = ["key", "month", "plan", "actual", "variance", "attainment"]


def metric_keys(names: pd.Series, chosen: Mapping[str, str] | None = None) -> pd.DataFrame:
    """One row per distinct metric name of a plan: name, key (None when not compared) and source
    ("your choice" or "its name")."""
    chosen = dict(chosen or {})
    distinct = names.astype("string").str.strip().dropna().unique().tolist()
    keys = [(chosen[n] or None) if n in chosen else plan_key(n) for n in distinct]
    sources = ["your choice" if n in chosen else "its name" for n in distinct]
    return pd.DataFrame({"name": distinct, "key": pd.Series(keys, dtype=object), "source": sources})


def planned(plan: pd.DataFrame, chosen: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The plan as key, month (Period), value: each row's name read as a key (`metric_keys`), rates
    written in % turned into fractions (a logo churn above 1, an NRR above 3), movements made
    positive (and a net burn written only as negative cash flows turned into burns); a key planned twice for a month keeps its first row."""
    names = plan["metric"].astype("string").str.strip()
    lookup = metric_keys(names, chosen).set_index("name")["key"]
    rows = pd.DataFrame({"key": names.map(lookup), "month": plan["month"].dt.to_period("M"),
                         "value": plan["value"].astype(float)}).dropna()
    percent = ((rows["key"] == "logo_churn_rate") & (rows["value"].abs() > 1)) | (
        (rows["key"] == "nrr_monthly") & (rows["value"].abs() > 3))
    rows.loc[percent, "value"] = rows.loc[percent, "value"] / 100
    movement = rows["key"].isin(POSITIVE_KEYS)
    rows.loc[movement, "value"] = rows.loc[movement, "value"].abs()
    for key in OUTFLOW_KEYS:
        values = rows.loc[rows["key"] == key, "value"]
        if len(values) and (values <= 0).all() and (values < 0).any():
            rows.loc[values.index, "value"] = -values
    return rows.drop_duplicates(["key", "month"], keep="first").reset_index(drop=True)


def plan_vs_actual(plan_rows: pd.DataFrame, actuals: pd.DataFrame) -> pd.DataFrame:
    """PLAN_COLUMNS for every planned key and month: plan, actual (NaN where the report has none:
    a month to come, a table not given), variance = actual − plan, attainment = actual ÷ plan
    (NaN when the plan is 0). `plan_rows` is `planned`; `actuals` has months as index, keys as columns."""
    if actuals.empty:
        long = pd.DataFrame({"month": pd.PeriodIndex([], freq="M"), "key": pd.Series(dtype=object),
                             "actual": pd.Series(dtype=float)})
    else:
        long = actuals.rename_axis("month").reset_index().melt(id_vars="month", var_name="key", value_name="actual")
    out = plan_rows.rename(columns={"value": "plan"}).merge(long, on=["key", "month"], how="left")
    out["variance"] = out["actual"] - out["plan"]
    out["attainment"] = out["actual"] / out["plan"].where(out["plan"] != 0)
    order = {key: i for i, key in enumerate(PLAN_KEYS)}
    out = out.sort_values(["month", "key"], key=lambda c: c.map(order) if c.name == "key" else c, kind="stable")
    return out[PLAN_COLUMNS].reset_index(drop=True)


@dataclass(frozen=True)
class PlanVsActual:
    """A budget against the report: every planned key and month, and the names it read."""

    as_of: pd.Period
    table: pd.DataFrame  # PLAN_COLUMNS, every planned month (months to come have no actual)
    names: pd.DataFrame  # metric_keys: each budget row name and the key it counts as

    def at(self, month: pd.Period | None = None) -> pd.DataFrame:
        """The rows of one month (default as_of), indexed by key."""
        month = self.as_of if month is None else month
        return self.table[self.table["month"] == month].set_index("key")

    def missed(self, by: float = 0.10) -> pd.DataFrame:
        """The as-of month's keys whose actual is off the plan by more than `by`, on the wrong side:
        under plan for what should be high, over plan for what should be low (churn, burn, costs)."""
        rows = self.at().dropna(subset=["actual", "attainment"])
        lower_is_better = rows.index.isin(LOWER_IS_BETTER)
        off = np.where(lower_is_better, rows["attainment"] > 1 + by, rows["attainment"] < 1 - by)
        return rows[off]

    def to_json(self) -> dict:
        rows = self.at()
        return {key: {name: _number(row[name]) for name in ("plan", "actual", "variance", "attainment")}
                for key, row in rows.iterrows()}


def _number(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)
