"""Survey KPIs: NPS (and eNPS), CSAT and CES, with the responses behind every number.

docs/definitions.md. A survey table has `score` and optionally `customer_id`, `date`,
`comment` and segment columns. Which responses count for a month is decided once, in
`counted_responses`, by three settings:

- `as_of`: responses dated up to the end of that month (default: the last month with responses);
- `window`: a number of days (the trailing window ending at the end of the as-of month, as
  Delighted's dashboard shows the last 90 days), `"month"` (the as-of calendar month only) or
  `"all"` (every response to date). Headline figures default to the last 90 days; monthly
  series default to each calendar month;
- `rule`: `"all"` responses (default), or the `"latest"` answer per customer within the window.

Internally each response gets the span of months at whose end it counts (from its own month
to the month before its window closes or the same customer answers again), so a monthly series
is a few NumPy sums over those spans, never a loop over months or rows. A response without a
date counts only when the table has no dates at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from kpi.errors import InputError
from kpi.metrics.revenue import month_number, month_period

CATEGORIES = ("promoter", "passive", "detractor")
Window = int | Literal["month", "all"]
Rule = Literal["all", "latest"]
SURVEY_WINDOW_DAYS = 90  # headline NPS, CSAT and CES: the last 90 days, as Delighted shows
SIGNIFICANCE = 0.05
NPS_SCALE = (0.0, 10.0)
CSAT_SCALE = (1.0, 5.0)
CES_SCALE = (1.0, 7.0)
_Z95 = 1.96


# ── which responses count ────────────────────────────────────────────────────────────────

def as_of_month(as_of: pd.Period | str | None) -> pd.Period | None:
    """The as-of month as a `pd.Period` ("2025-06" or a Period); None stays None."""
    return None if as_of is None else pd.Period(as_of, freq="M")


def _number(month: pd.Period) -> int:
    return month.year * 12 + month.month - 1


def _dated(responses: pd.DataFrame) -> bool:
    return "date" in responses and bool(responses["date"].notna().any())


def _next_answer(responses: pd.DataFrame) -> pd.Series:
    """Date of the same customer's next response (NaT for the last one and for anonymous rows)."""
    if "customer_id" not in responses:
        return pd.Series(pd.NaT, index=responses.index, dtype=responses["date"].dtype)
    # index = row position; ties of one customer at one instant: the later row is the later answer
    ordered = pd.DataFrame({"customer_id": responses["customer_id"].to_numpy(),
                            "date": responses["date"].to_numpy(), "position": np.arange(len(responses))})
    ordered = ordered.sort_values(["customer_id", "date", "position"], kind="mergesort")
    following = ordered.groupby("customer_id", sort=False, dropna=True)["date"].shift(-1)  # anonymous: NaT
    return pd.Series(following.sort_index().to_numpy(), index=responses.index)


def _spans(responses: pd.DataFrame, window: Window, rule: Rule) -> tuple[np.ndarray, np.ndarray]:
    """For each response, the first and last month (integer month numbers) at whose end it counts.

    A response dated d counts at the end E of month k when d < E, and
    - window of w days: d ≥ E − w        → last month = month(d + w) − 1
    - window "month":   k = month(d)     → last month = month(d)
    - rule "latest":    the customer's next answer is dated ≥ E → last month ≤ month(next) − 1.
    Undated responses get an empty span (first = NaN).
    """
    if rule not in ("all", "latest"):
        raise ValueError(f"rule must be 'all' or 'latest', not {rule!r}")
    date = responses["date"]
    first = month_number(date).to_numpy(dtype=float, na_value=np.nan)
    if window == "month":
        last = first.copy()
    elif window == "all":
        last = np.full(len(responses), np.inf)
    elif isinstance(window, (int, np.integer)) and window > 0:
        last = month_number(date + pd.Timedelta(days=int(window))).to_numpy(dtype=float, na_value=np.nan) - 1
    else:
        raise ValueError(f"window must be a positive number of days, 'month' or 'all', not {window!r}")
    if rule == "latest":
        following = month_number(_next_answer(responses)).to_numpy(dtype=float, na_value=np.nan) - 1
        last = np.fmin(last, following)  # fmin: a missing next answer leaves the window's end
    return first, last


def counted_responses(responses: pd.DataFrame, *, as_of: pd.Period | str | None = None,
                      window: Window = SURVEY_WINDOW_DAYS, rule: Rule = "all") -> pd.DataFrame:
    """The responses that count at the end of the as-of month (the evidence behind a figure).

    Counted: dated before the first day of the month after `as_of`, inside `window`, and — with
    rule "latest" — no later answer of the same customer before that cut-off. Without any date
    in the table, every response counts (rule "latest": the last row of each customer).
    Anonymous responses (no customer_id) always count as their own respondent.
    """
    if not _dated(responses):
        if rule == "latest" and "customer_id" in responses:
            ids = responses["customer_id"]
            return responses[ids.isna() | ~ids.duplicated(keep="last")]
        return responses
    first, last = _spans(responses, window, rule)
    month = as_of_month(as_of)
    k = _number(month) if month is not None else np.nanmax(first)
    return responses[(first <= k) & (last >= k)]


def _monthly_sums(first: np.ndarray, last: np.ndarray, values: dict[str, np.ndarray],
                  as_of: pd.Period | str | None) -> pd.DataFrame:
    """Σ values over the responses counting at each month end, from the first month to as_of."""
    dated = ~np.isnan(first)
    if not dated.any():
        return pd.DataFrame({name: pd.Series(dtype=float) for name in values},
                            index=pd.PeriodIndex([], freq="M", name="month"))
    m0 = int(np.nanmin(first))
    month = as_of_month(as_of)
    m1 = int(np.nanmax(first)) if month is None else _number(month)
    length = max(m1 - m0 + 1, 0)
    keep = dated & (first <= m1) & (last >= first)
    start = (first[keep] - m0).astype(np.int64)
    stop = (np.minimum(last[keep], m1) - m0 + 1).astype(np.int64)  # exclusive
    sums = {}
    for name, weights in values.items():
        weights = np.asarray(weights, dtype=float)[keep]
        delta = (np.bincount(start, weights, minlength=length + 1)
                 - np.bincount(stop, weights, minlength=length + 1))
        sums[name] = np.cumsum(delta)[:length]
    index = pd.period_range(month_period(m0), periods=length, freq="M", name="month") if length else \
        pd.PeriodIndex([], freq="M", name="month")
    return pd.DataFrame(sums, index=index)


# ── NPS ──────────────────────────────────────────────────────────────────────────────────

def nps_category(scores: pd.Series) -> pd.Series:
    """promoter 9–10, passive 7–8, detractor 0–6; a missing score has no category."""
    codes = np.select([scores >= 9, scores >= 7, scores >= 0], [0, 1, 2], default=-1)
    return pd.Series(pd.Categorical.from_codes(codes, categories=CATEGORIES), index=scores.index, name="category")


def nps_stats(promoters: np.ndarray | float, passives: np.ndarray | float,
              detractors: np.ndarray | float) -> pd.DataFrame:
    """NPS and its 95 % interval from category counts (vectorised over rows).

    n = P + passives + D; score = 100 × (P − D) ÷ n;
    margin = 100 × 1.96 × √((p_P + p_D − (p_P − p_D)²) ÷ n) with p_P = P ÷ n, p_D = D ÷ n;
    ci = [score − margin, score + margin], clipped to −100 … +100. n = 0 gives NaN.
    """
    p = np.atleast_1d(np.asarray(promoters, dtype=float))
    q = np.atleast_1d(np.asarray(passives, dtype=float))
    d = np.atleast_1d(np.asarray(detractors, dtype=float))
    n = p + q + d
    with np.errstate(divide="ignore", invalid="ignore"):
        share_p = np.where(n > 0, p / np.where(n > 0, n, 1), np.nan)
        share_d = np.where(n > 0, d / np.where(n > 0, n, 1), np.nan)
        variance = np.clip(share_p + share_d - (share_p - share_d) ** 2, 0, None)
        margin = 100 * _Z95 * np.sqrt(variance / np.where(n > 0, n, np.nan))
        score = np.where(n > 0, 100 * (p - d) / np.where(n > 0, n, 1), np.nan)
    return pd.DataFrame({"n": n.astype(np.int64), "promoters": p.astype(np.int64), "passives": q.astype(np.int64),
                         "detractors": d.astype(np.int64), "score": score,
                         "ci_low": np.clip(score - margin, -100, 100), "ci_high": np.clip(score + margin, -100, 100)})


def _opt(value: float) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


@dataclass(frozen=True)
class NPS:
    """Net Promoter Score of the counted responses (in points, −100 … +100)."""

    score: float | None
    n: int
    promoters: int
    passives: int
    detractors: int
    ci95: tuple[float, float] | None
    responses: pd.DataFrame = field(default_factory=pd.DataFrame, compare=False, repr=False)  # with `category`

    def behind(self, category: str) -> pd.DataFrame:
        """The responses counted as `category` (promoter, passive or detractor)."""
        return nps_responses_in(self.responses, category)

    def to_json(self) -> dict:
        return {"score": self.score, "n": self.n, "promoters": self.promoters, "passives": self.passives,
                "detractors": self.detractors, "ci95": list(self.ci95) if self.ci95 is not None else None}


def nps_responses_in(responses: pd.DataFrame, category: str) -> pd.DataFrame:
    """The rows of `responses` whose score falls in `category` (promoter, passive, detractor)."""
    if category not in CATEGORIES:
        raise ValueError(f"category must be one of {', '.join(CATEGORIES)}, not {category!r}")
    return responses[nps_category(responses["score"]) == category]


def nps(responses: pd.DataFrame, *, as_of: pd.Period | str | None = None,
        window: Window = SURVEY_WINDOW_DAYS, rule: Rule = "all") -> NPS:
    """NPS = 100 × (promoters − detractors) ÷ responses, over the responses counted at `as_of`.

    promoters score 9–10, passives 7–8, detractors 0–6; 95 % interval per `nps_stats`.
    Default: every response of the 90 days ending with the as-of month (Delighted's view).
    eNPS is this same function on an employee survey (`enps`).
    """
    counted = counted_responses(responses, as_of=as_of, window=window, rule=rule)
    counted = counted[counted["score"].notna()].assign(category=lambda f: nps_category(f["score"]))
    sizes = counted["category"].value_counts()
    row = nps_stats(sizes["promoter"], sizes["passive"], sizes["detractor"]).iloc[0]
    n = int(row["n"])
    return NPS(
        score=_opt(row["score"]), n=n, promoters=int(row["promoters"]), passives=int(row["passives"]),
        detractors=int(row["detractors"]),
        ci95=(float(row["ci_low"]), float(row["ci_high"])) if n else None,
        responses=counted,
    )


enps = nps  # eNPS: the same formula on an employee survey ("would you recommend us as an employer?")


def nps_by_month(responses: pd.DataFrame, *, as_of: pd.Period | str | None = None,
                 window: Window = "month", rule: Rule = "all") -> pd.DataFrame:
    """NPS at the end of every month from the first response to `as_of` (same formula as `nps`).

    Default: each calendar month's own responses; `window=90` gives the trailing 90-day NPS
    at each month end. A month with no counted response has n = 0 and score NaN.
    Columns: n, promoters, passives, detractors, score, ci_low, ci_high; index `month`.
    """
    scored = responses[responses["score"].notna()] if _dated(responses) else responses.iloc[:0]
    first, last = _spans(scored, window, rule) if len(scored) else (np.array([]), np.array([]))
    category = nps_category(scored["score"])
    sums = _monthly_sums(first, last, {c: (category == c).to_numpy(dtype=float) for c in CATEGORIES}, as_of)
    stats = nps_stats(sums["promoter"].to_numpy(), sums["passive"].to_numpy(), sums["detractor"].to_numpy())
    return stats.set_axis(sums.index)


def _segments(counted: pd.DataFrame, by: str, customers: pd.DataFrame | None) -> pd.Series:
    """The segment of each response: its own column `by`, else the customer's attribute `by`."""
    if by in counted:
        return counted[by].astype("string")
    if customers is not None and by in customers and "customer_id" in counted:
        attribute = customers.drop_duplicates("customer_id").set_index("customer_id")[by].astype("string")
        return pd.Series(attribute.reindex(counted["customer_id"].to_numpy()).to_numpy(), index=counted.index,
                         dtype="string")
    raise InputError(f"cannot break the survey down by '{by}': it is a column of neither the responses "
                     "nor the customers table")


def nps_by_segment(responses: pd.DataFrame, by: str = "segment", *, customers: pd.DataFrame | None = None,
                   as_of: pd.Period | str | None = None, window: Window = SURVEY_WINDOW_DAYS,
                   rule: Rule = "all") -> pd.DataFrame:
    """NPS per value of column `by` (of the responses, else of the customers table via customer_id).

    Same responses and formula as `nps`; responses without a segment value are left out.
    Columns n, promoters, passives, detractors, score, ci_low, ci_high; index = segment, most
    responses first.
    """
    counted = counted_responses(responses, as_of=as_of, window=window, rule=rule)
    counted = counted[counted["score"].notna()]
    segment = _segments(counted, by, customers)
    known = segment.notna()
    counts = pd.crosstab(segment[known].to_numpy(), nps_category(counted["score"][known]).to_numpy())
    counts = counts.reindex(columns=list(CATEGORIES), fill_value=0)
    stats = nps_stats(counts["promoter"].to_numpy(), counts["passive"].to_numpy(), counts["detractor"].to_numpy())
    stats.index = pd.Index(counts.index.astype(str), name=by)
    return stats.sort_values(["n", "score"], ascending=[False, False], kind="mergesort")


@dataclass(frozen=True)
class SegmentTest:
    """Chi-square test of independence of segment × NPS category, with a plain-words verdict."""

    by: str
    table: pd.DataFrame = field(compare=False)  # nps_by_segment: counts and NPS per segment
    statistic: float | None
    p_value: float | None
    dof: int | None
    significant: bool | None  # None: no test was possible
    small_sample: bool  # some expected count below 5: the p-value is approximate
    verdict: str

    def to_json(self) -> dict:
        return {"by": self.by, "statistic": self.statistic, "p_value": self.p_value, "dof": self.dof,
                "significant": self.significant, "verdict": self.verdict}


def format_p(p: float) -> str:
    """'p = 0.43', 'p = 0.004', 'p < 0.001'."""
    if p < 0.001:
        return "p < 0.001"
    return f"p = {p:.3f}" if p < 0.01 else f"p = {p:.2f}"


def segment_test(responses: pd.DataFrame, by: str = "segment", *, customers: pd.DataFrame | None = None,
                 as_of: pd.Period | str | None = None, window: Window = SURVEY_WINDOW_DAYS, rule: Rule = "all",
                 alpha: float = SIGNIFICANCE) -> SegmentTest:
    """Do segments answer differently? scipy's chi2_contingency on segment × (promoter, passive,
    detractor) counts (Yates' correction when the table is 2 × 2).

    Segments without responses and categories nobody chose are dropped first; fewer than two
    segments or categories left → no test (p None). Significant when p < alpha (0.05).
    """
    table = nps_by_segment(responses, by, customers=customers, as_of=as_of, window=window, rule=rule)
    table = table[table["n"] > 0]
    counts = table[["promoters", "passives", "detractors"]]
    counts = counts.loc[:, counts.sum() > 0]

    def no_test(verdict: str) -> SegmentTest:
        return SegmentTest(by, table, None, None, None, None, False, verdict)

    if len(table) == 0:
        return no_test("no responses: nothing to compare")
    if len(table) == 1:
        return no_test(f"only one {by} has responses ({table.index[0]}): nothing to compare")
    if counts.shape[1] < 2:
        return no_test(f"no difference to test: every response is among the {counts.columns[0]}")
    from scipy.stats import chi2_contingency  # 0.5–1 s to import: only when segments are compared

    result = chi2_contingency(counts.to_numpy())
    p = float(result.pvalue)
    small = bool((result.expected_freq < 5).any())
    ranked = table.sort_values("score", ascending=False, kind="mergesort")
    high, low = ranked.index[0], ranked.index[-1]
    if p >= alpha:
        verdict = f"no significant difference ({format_p(p)})"
    elif len(table) == 2:
        verdict = (f"{high} differs from {low}, {format_p(p)} "
                   f"(NPS {ranked['score'].iloc[0]:+.0f} vs {ranked['score'].iloc[-1]:+.0f})")
    else:
        groups = "segments" if by == "segment" else f"{by} groups"
        verdict = (f"{groups} differ, {format_p(p)} (highest: {high} {ranked['score'].iloc[0]:+.0f}, "
                   f"lowest: {low} {ranked['score'].iloc[-1]:+.0f})")
    if small:
        verdict += "; few responses (expected counts below 5), read with care"
    return SegmentTest(by, table, float(result.statistic), p, int(result.dof), p < alpha, small, verdict)


# ── NPS × revenue ────────────────────────────────────────────────────────────────────────

def nps_revenue_customers(responses: pd.DataFrame, mrr: pd.DataFrame, as_of: pd.Period | str) -> pd.DataFrame:
    """Each customer's latest NPS answer up to `as_of`, with their MRR 12 months earlier and at as_of.

    Columns: customer_id, score, date, category, mrr_12m_ago, mrr. Anonymous responses are left
    out; a customer absent from the MRR matrix (or a month outside it) has MRR 0.
    """
    month = as_of_month(as_of)
    latest = counted_responses(responses, as_of=month, window="all", rule="latest")
    if "customer_id" not in latest:
        raise InputError("NPS × revenue needs the customer_id of each response")
    latest = latest[latest["customer_id"].notna() & latest["score"].notna()]
    ids = latest["customer_id"].astype(str).to_numpy()
    values = mrr.reindex(columns=[month - 12, month], fill_value=0.0)
    values = values.set_axis(values.index.astype(str)).reindex(ids, fill_value=0.0)
    return pd.DataFrame({
        "customer_id": latest["customer_id"].to_numpy(),
        "score": latest["score"].to_numpy(),
        "date": latest["date"].to_numpy() if "date" in latest else pd.NaT,
        "category": nps_category(latest["score"]).to_numpy(),
        "mrr_12m_ago": values.iloc[:, 0].to_numpy(dtype=float),
        "mrr": values.iloc[:, 1].to_numpy(dtype=float),
    })


def nps_revenue(responses: pd.DataFrame, mrr: pd.DataFrame, as_of: pd.Period | str) -> pd.DataFrame:
    """MRR, logo churn and NRR of the customers in each NPS category (their latest answer ≤ as_of).

    Per category: customers; paying_customers (mrr > 0 at as_of); mrr = Σ mrr at as_of;
    base_customers = those paying 12 months before as_of (the cohort of nrr_12m, §3);
    churned_customers = base customers not paying at as_of;
    logo_churn_rate_12m = churned ÷ base; nrr_12m = Σ mrr[c, as_of] ÷ Σ mrr[c, as_of − 12] over
    the base. No base (less than 12 months of revenue) → NaN. Index: promoter, passive, detractor.
    """
    per_customer = nps_revenue_customers(responses, mrr, as_of)
    base = per_customer["mrr_12m_ago"] > 0
    frame = pd.DataFrame({
        "category": per_customer["category"],
        "customers": 1,
        "paying_customers": (per_customer["mrr"] > 0).astype(int),
        "mrr": per_customer["mrr"],
        "base_customers": base.astype(int),
        "churned_customers": (base & (per_customer["mrr"] <= 0)).astype(int),
        "base_mrr_then": per_customer["mrr_12m_ago"].where(base, 0.0),
        "base_mrr_now": per_customer["mrr"].where(base, 0.0),
    })
    sums = frame.groupby("category", observed=False).sum().reindex(list(CATEGORIES), fill_value=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        sums["logo_churn_rate_12m"] = np.where(sums["base_customers"] > 0,
                                               sums["churned_customers"] / sums["base_customers"], np.nan)
        sums["nrr_12m"] = np.where(sums["base_mrr_then"] > 0, sums["base_mrr_now"] / sums["base_mrr_then"], np.nan)
    sums.index.name = "category"
    return sums[["customers", "paying_customers", "mrr", "base_customers", "churned_customers",
                 "logo_churn_rate_12m", "nrr_12m"]]


# ── CSAT and CES ─────────────────────────────────────────────────────────────────────────

def _top_two_from(scale: tuple[float, float], satisfied_from: float | None) -> float:
    low, high = scale
    if high - low < 1:
        raise ValueError(f"a score scale needs at least two points, not {scale}")
    return high - 1 if satisfied_from is None else satisfied_from


@dataclass(frozen=True)
class CSAT:
    """Customer satisfaction: share of responses in the top two boxes (a fraction, 0.85 = 85 %)."""

    score: float | None
    n: int
    satisfied: int
    scale: tuple[float, float]
    satisfied_from: float
    responses: pd.DataFrame = field(default_factory=pd.DataFrame, compare=False, repr=False)

    def unsatisfied(self) -> pd.DataFrame:
        """The counted responses below the top two boxes (the ones to follow up)."""
        return self.responses[self.responses["score"] < self.satisfied_from]

    def to_json(self) -> dict:
        return {"score": self.score, "n": self.n}


def csat(responses: pd.DataFrame, *, scale: tuple[float, float] = CSAT_SCALE, satisfied_from: float | None = None,
         as_of: pd.Period | str | None = None, window: Window = SURVEY_WINDOW_DAYS, rule: Rule = "all") -> CSAT:
    """CSAT = responses scoring ≥ satisfied_from ÷ responses (top two boxes: 4–5 on 1–5, 9–10 on 1–10).

    `satisfied_from` defaults to the scale's top minus one. n = 0 → score None.
    """
    threshold = _top_two_from(scale, satisfied_from)
    counted = counted_responses(responses, as_of=as_of, window=window, rule=rule)
    counted = counted[counted["score"].notna()]
    n = len(counted)
    satisfied = int((counted["score"] >= threshold).sum())
    return CSAT(satisfied / n if n else None, n, satisfied, (float(scale[0]), float(scale[1])), float(threshold),
                counted)


def csat_by_month(responses: pd.DataFrame, *, scale: tuple[float, float] = CSAT_SCALE,
                  satisfied_from: float | None = None, as_of: pd.Period | str | None = None,
                  window: Window = "month", rule: Rule = "all") -> pd.DataFrame:
    """CSAT per month (each calendar month by default): columns n, satisfied, score (NaN when n = 0)."""
    threshold = _top_two_from(scale, satisfied_from)
    scored = responses[responses["score"].notna()] if _dated(responses) else responses.iloc[:0]
    first, last = _spans(scored, window, rule) if len(scored) else (np.array([]), np.array([]))
    sums = _monthly_sums(first, last, {"n": np.ones(len(scored)),
                                       "satisfied": (scored["score"] >= threshold).to_numpy(dtype=float)}, as_of)
    out = sums.astype(np.int64)
    out["score"] = np.where(out["n"] > 0, sums["satisfied"] / sums["n"].where(sums["n"] > 0), np.nan)
    return out


@dataclass(frozen=True)
class CES:
    """Customer effort score: the mean score on the data's own scale (1–7 by default)."""

    mean: float | None
    n: int
    scale: tuple[float, float]
    responses: pd.DataFrame = field(default_factory=pd.DataFrame, compare=False, repr=False)

    def to_json(self) -> dict:
        return {"mean": self.mean, "n": self.n}


def ces(responses: pd.DataFrame, *, scale: tuple[float, float] = CES_SCALE, as_of: pd.Period | str | None = None,
        window: Window = SURVEY_WINDOW_DAYS, rule: Rule = "all") -> CES:
    """CES = mean effort score of the counted responses (None when there are none).

    The scale is reported, not reinterpreted: whether high means easy depends on the question
    (the demo's 1–7 scale: 7 = very easy).
    """
    counted = counted_responses(responses, as_of=as_of, window=window, rule=rule)
    counted = counted[counted["score"].notna()]
    n = len(counted)
    return CES(float(counted["score"].mean()) if n else None, n, (float(scale[0]), float(scale[1])), counted)


def ces_by_month(responses: pd.DataFrame, *, as_of: pd.Period | str | None = None, window: Window = "month",
                 rule: Rule = "all") -> pd.DataFrame:
    """Mean effort score per month (each calendar month by default): columns n, mean (NaN when n = 0)."""
    scored = responses[responses["score"].notna()] if _dated(responses) else responses.iloc[:0]
    first, last = _spans(scored, window, rule) if len(scored) else (np.array([]), np.array([]))
    sums = _monthly_sums(first, last, {"n": np.ones(len(scored)), "total": scored["score"].to_numpy(dtype=float)},
                         as_of)
    return pd.DataFrame({"n": sums["n"].astype(np.int64),
                         "mean": sums["total"] / sums["n"].where(sums["n"] > 0)}, index=sums.index)


# ── views of the survey page: margin, shares, distribution, breakdowns, verbatims ────────

SAAS_AVERAGE_NPS = 41.0  # docs/definitions.md: the seeds' average NPS of SaaS companies
_RESPONDENT_COLUMNS = ("score", "customer_id", "date", "comment", "category")


def nps_margin(result: NPS) -> float | None:
    """The NPS margin of error in points: half the 95 % interval before it is clipped to ±100,
    100 × 1.96 × √((p_P + p_D − (p_P − p_D)²) ÷ n) with p_P = promoters ÷ n, p_D = detractors ÷ n.
    None when there is no response."""
    if result.n == 0:
        return None
    share_p, share_d = result.promoters / result.n, result.detractors / result.n
    return float(100 * _Z95 * np.sqrt(max(share_p + share_d - (share_p - share_d) ** 2, 0.0) / result.n))


def category_shares(result: NPS) -> pd.DataFrame:
    """Responses and share of each NPS category: share = category responses ÷ n (NaN when n = 0).

    Index `category`: promoter, passive, detractor; columns responses, share.
    """
    responses = np.array([result.promoters, result.passives, result.detractors], dtype=np.int64)
    share = responses / result.n if result.n else np.full(3, np.nan)
    return pd.DataFrame({"responses": responses, "share": share}, index=pd.Index(CATEGORIES, name="category"))


def nps_distribution(responses: pd.DataFrame) -> pd.DataFrame:
    """Responses per whole score 0 … 10, every score listed (0 when nobody chose it), with its category.

    A fractional score counts at its whole part (8.5 → 8), which keeps the category of the
    response (8.5 is a passive like 8). share = responses of the score ÷ all scored responses.
    Columns: score (0 … 10), responses, share, category.
    """
    scored = responses["score"].dropna()
    whole = np.floor(scored.to_numpy(dtype=float)).astype(np.int64)
    low, high = (int(v) for v in NPS_SCALE)
    counts = np.bincount(whole[(whole >= low) & (whole <= high)] - low, minlength=high - low + 1)
    scores = pd.Series(np.arange(low, high + 1), name="score")
    total = counts.sum()
    return pd.DataFrame({
        "score": scores,
        "responses": counts.astype(np.int64),
        "share": counts / total if total else np.full(len(counts), np.nan),
        "category": nps_category(scores.astype(float)).to_numpy(),
    })


def breakdown_attributes(responses: pd.DataFrame, customer_attributes: list[str] | tuple[str, ...] = ()) -> list[str]:
    """What a survey can be broken down by: its own respondent columns (segment, and any column
    that is not score, customer_id, date or comment), then the customers' attributes (reached
    through customer_id, so only when the responses have one). "segment" comes first."""
    own = [column for column in responses.columns if column not in _RESPONDENT_COLUMNS]
    reached = list(customer_attributes) if "customer_id" in responses else []
    names = list(dict.fromkeys([*own, *reached]))
    return sorted(names, key=lambda name: name != "segment")  # stable: otherwise the given order


def verbatims(responses: pd.DataFrame, *, by: str | None = "segment", customers: pd.DataFrame | None = None,
              categories: list[str] | tuple[str, ...] | None = None,
              segments: list[str] | tuple[str, ...] | None = None, search: str = "") -> pd.DataFrame:
    """The responses that carry a comment, newest first, narrowed by every filter given:

    - `categories`: NPS category (promoter, passive, detractor) among these;
    - `segments`: the value of attribute `by` (the responses' own column, else the customer's,
      per `nps_by_segment`) among these;
    - `search`: the comment contains this text, ignoring case (taken literally, not as a pattern).
    An empty or None filter keeps everything. Columns: date (when the table has dates), score,
    category, <by> (when given), comment; index: the response's row.
    """
    with_comment = responses[responses["comment"].notna() & (responses["comment"].astype("string").str.strip() != "")] \
        if "comment" in responses else responses.iloc[:0].assign(comment=pd.Series(dtype="string"))
    out = pd.DataFrame(index=with_comment.index)
    if "date" in with_comment:
        out["date"] = with_comment["date"]
    out["score"] = with_comment["score"]
    out["category"] = nps_category(with_comment["score"])
    if by is not None:
        out[by] = _segments(with_comment, by, customers)
    out["comment"] = with_comment["comment"].astype("string")
    keep = pd.Series(True, index=out.index)
    if categories:
        keep &= out["category"].isin(list(categories))
    if segments and by is not None:
        keep &= out[by].isin([str(value) for value in segments]).fillna(False).astype(bool)
    if search and search.strip():
        keep &= out["comment"].str.contains(search.strip(), case=False, regex=False).fillna(False).astype(bool)
    out = out[keep.to_numpy()]
    if "date" in out:
        out = out.sort_values("date", ascending=False, kind="mergesort", na_position="last")
    return out


def category_shares_by_month(trend: pd.DataFrame) -> pd.DataFrame:
    """Share of promoters, passives and detractors at each month end, from `nps_by_month` counts:
    share = category responses ÷ n (NaN when n = 0). Columns promoter, passive, detractor; same index."""
    n = trend["n"].where(trend["n"] > 0).astype(float)
    return pd.DataFrame({category: trend[f"{category}s"] / n for category in CATEGORIES}, index=trend.index)
