"""'How is this computed?': each headline KPI's definition, with this month's inputs filled in.

`explain(report, key)` returns the definition quoted from docs/definitions.md and the same
formula written with the numbers of the as-of month, so an investor's question has an answer
("NRR = (58.8k − 1.31k − 1.08k + 1.67k) ÷ 58.8k = 98.8 %"). The app's popovers and the exports
show these texts; the numbers come from the report, never recomputed differently.
"""

from __future__ import annotations

from dataclasses import dataclass

from kpi import formatting as fmt
from kpi.report.build import Report

DEFINITIONS = {
    "mrr": "Σ of every paying customer's MRR on the last day of the month (end-of-month snapshot).",
    "arr": "12 × MRR.",
    "customers": "Customers with MRR > 0 at the end of the month.",
    "arpa": "MRR ÷ paying customers.",
    "logo_churn_rate": "Customers churned in the month ÷ paying customers at the end of the month before.",
    "gross_mrr_churn_rate": "(churn + contraction) ÷ MRR of the month before.",
    "net_mrr_churn_rate": "(churn + contraction − expansion − reactivation) ÷ MRR of the month before "
                          "(negative = net expansion).",
    "nrr_monthly": "(MRR(M−1) − churn − contraction + expansion) ÷ MRR(M−1).",
    "grr_monthly": "(MRR(M−1) − churn − contraction) ÷ MRR(M−1).",
    "quick_ratio": "(new + expansion + reactivation) ÷ (churn + contraction).",
    "renewal_rate": "Customers with a renewal date in the month (start + k × the plan's interval, the subscription "
                    "still running the day before) who still pay at its end ÷ those customers.",
    "cs_roi": "(12 × the expansion and reactivation MRR gained over the last 12 months − the customer-success "
              "costs of those months) ÷ those costs.",
    "ltv_cac": "LTV ÷ CAC, with LTV = ARPA × gross margin ÷ average monthly logo churn of the last 6 months "
               "and CAC = sales & marketing costs of the last 3 months ÷ new customers in those months.",
    "nps": "100 × (promoters − detractors) ÷ responses; promoters score 9–10, passives 7–8, detractors 0–6.",
    "csat": "Share of responses in the top two boxes of the scale (4–5 on 1–5).",
    "fcr": "Tickets resolved at first contact ÷ tickets whose outcome is known.",
    "dau_mau": "Average daily active users of the month ÷ users active in the month "
               "(distinct user-days ÷ days of the month in the event log, ÷ distinct users).",
    "ttfv_median_days": "Median days from a customer's start (signup, else first payment) to its first value "
                        "event, over the customers who reached it.",
    "ttfv_share_reached": "Customers who reached the value event ÷ customers who started by the end of the month.",
    "cash": "Σ over the bank accounts of each one's balance after its last transaction of the month.",
    "net_burn": "− Σ of the month's transactions, financing (rounds, loans, grants) and transfers between "
                "the company's own accounts left out. Positive = burning.",
    "net_burn_3m": "Mean of the net burn of the last 3 months.",
    "gross_burn": "− Σ of the month's outgoing transactions, financing and internal transfers left out.",
    "runway_months": "Cash ÷ net burn averaged over the last 3 months (while burning).",
    "burn_multiple": "Net burn of the last 3 months ÷ ARR added over them (ARR(M) − ARR(M−3)).",
}
BENCHMARKS = {  # (short hint for the card, the longer statement for the popover: plain sources only)
    "logo_churn_rate": ("Typical SMB SaaS: 3–8 %/mo", "3–8 % a month is typical for small-business SaaS; "
                        "established SaaS loses 5–7 % a year (0.42–0.58 % a month)."),
    "gross_mrr_churn_rate": ("Lower is better", "Established SaaS keeps gross MRR churn under 1 % a month."),
    "net_mrr_churn_rate": ("Below 0 % = net expansion", "Negative net churn: expansion outgrows what is lost."),
    "nrr_monthly": ("≥ 100 % is excellent", "NRR ≥ 100 % is excellent; the best reach 155–158 % a year."),
    "grr_monthly": ("At most 100 %", "GRR can only be ≤ 100 %: the closer, the stickier the revenue."),
    "quick_ratio": ("Above 4: efficient growth", "A quick ratio above 4 is efficient growth; below 1 the base shrinks."),
    "ltv_cac": ("Healthy above 3×", "LTV:CAC above 3 is healthy: a common SaaS benchmark."),
    "dau_mau": ("20 % is good, 50 % exceptional", "A DAU/MAU of 20 % is good for business software and 50 % "
                "is exceptional: a common SaaS benchmark."),
    "burn_multiple": ("Under 1 is great, over 3 bad", "A burn multiple under 1 is great, 1–2 good, over 3 bad: "
                      "a common venture benchmark for the cash burned per euro of new ARR."),
    "runway_months": ("12 months or more is safe", "Founders aim for 18–24 months of runway after a round; under "
                      "12 months is the time to raise or cut."),
    "nps": ("SaaS average: +41", "The SaaS average NPS is 41, a common industry benchmark."),
}


@dataclass(frozen=True)
class Explanation:
    key: str
    definition: str
    computation: str | None  # the formula with this month's numbers; None when not computable
    benchmark: str | None  # short hint
    benchmark_note: str | None  # the longer statement


def _money(report: Report, value: float | None) -> str:
    return fmt.money(value, report.currency)


def explain(report: Report, key: str) -> Explanation:
    """The definition and this month's computation of one headline KPI."""
    hint, note = BENCHMARKS.get(key, (None, None))
    return Explanation(key, DEFINITIONS.get(key, ""), _computation(report, key), hint, note)


def _engagement(report: Report, key: str) -> str | None:
    """DAU/MAU and TTFV with this month's numbers (None without events or a value)."""
    engaged = report.engagement
    if engaged is None:
        return None
    if key == "dau_mau" and engaged.dau_mau is not None and engaged.by_month is not None:
        days = int(engaged.by_month.at[engaged.month, "days"])
        return (f"{fmt.count(engaged.dau * days)} user-days ÷ {days} days = {engaged.dau:.1f} daily users; "
                f"{engaged.dau:.1f} ÷ {fmt.count(engaged.mau)} monthly users = {fmt.percent(engaged.dau_mau)}")
    value = engaged.ttfv
    if key == "ttfv_median_days" and value is not None and value.median_days is not None:
        return (f"median over the {fmt.count(value.reached)} customers who reached “{value.value_event}” = "
                f"{value.median_days:.1f} days ({fmt.count(value.not_reached)} started but not there yet, "
                "not counted)")
    if key == "ttfv_share_reached" and value is not None and value.reached + value.not_reached:
        started = value.reached + value.not_reached
        return (f"{fmt.count(value.reached)} reached “{value.value_event}” ÷ {fmt.count(started)} started = "
                f"{fmt.percent(value.reached / started)}")
    return None


def _finance(report: Report, key: str) -> str | None:
    """Cash, burn, runway and burn multiple with the as-of month's numbers (None without a bank export)."""
    finance = report.finance
    if finance is None:
        return None
    month = finance.by_month.loc[finance.as_of]
    m = lambda v: _money(report, v)  # noqa: E731
    if key == "cash":
        parts = " + ".join(f"{account} {m(value)}" for account, value in zip(
            finance.accounts["account"], finance.accounts["cash"], strict=True))
        return f"{parts} = {m(month['cash'])}" if len(finance.accounts) > 1 else f"{parts}"
    if key == "net_burn":
        return (f"{m(month['outflow'])} out − {m(month['inflow'])} in = {m(month['net_burn'])} "
                f"({m(month['financing'])} of financing not counted)")
    if key == "gross_burn":
        return f"{m(month['gross_burn'])} out in {finance.as_of.strftime('%B %Y')}"
    last3 = finance.by_month["net_burn"].iloc[-3:]
    burns = " + ".join(m(v) for v in last3)
    if key == "net_burn_3m":
        return f"({burns}) ÷ {len(last3)} = {m(month['net_burn_3m'])}"
    if key == "runway_months" and not fmt.missing(month["runway_months"]):
        zero = finance.cash_zero_month
        return (f"{m(month['cash'])} ÷ {m(month['net_burn_3m'])} a month = {month['runway_months']:.1f} months: "
                f"cash runs out in {zero.strftime('%B %Y')}")
    if key == "runway_months":
        return f"not burning: the last 3 months' net burn is {m(month['net_burn_3m'])} a month"
    if key == "burn_multiple" and not fmt.missing(month["burn_multiple"]):
        added = 3 * month["net_burn_3m"] / month["burn_multiple"]
        return f"({burns}) ÷ {m(added)} of ARR added = {fmt.ratio(month['burn_multiple'])}"
def _retention(report: Report, key: str, value: float) -> str | None:
    """The renewal rate and the customer-success ROI with this month's numbers."""
    if key == "renewal_rate" and report.revenue is not None and report.revenue.renewals is not None:
        row = report.revenue.renewals.loc[report.as_of]
        return (f"{fmt.count(row['renewed'])} renewed of {fmt.count(row['renewing'])} renewing customers = "
                f"{fmt.percent(value)}")
    ue = report.unit_economics
    if key == "cs_roi" and ue is not None and ue.cs_costs is not None:
        window = f"{ue.cs_months[0].strftime('%b %Y')}–{ue.cs_months[-1].strftime('%b %Y')}"
        return (f"(12 × {_money(report, ue.cs_gained_mrr)} − {_money(report, ue.cs_costs)}) ÷ "
                f"{_money(report, ue.cs_costs)} = {fmt.percent(value)} ({window})")
    return None


def _computation(report: Report, key: str) -> str | None:
    if key in ("dau_mau", "ttfv_median_days", "ttfv_share_reached"):
        return _engagement(report, key)
    if key in ("cash", "net_burn", "net_burn_3m", "gross_burn", "runway_months", "burn_multiple"):
        return _finance(report, key)
    metric = report.metric(key)
    if metric.value is None and key not in ("quick_ratio",):
        return None
    if key in ("renewal_rate", "cs_roi"):
        return _retention(report, key, metric.value)
    if report.revenue is not None and report.as_of is not None and key in DEFINITIONS and key not in (
            "ltv_cac", "nps", "csat", "fcr"):
        row = report.revenue.series.loc[report.as_of]
        position = report.revenue.series.index.get_loc(report.as_of)
        previous = report.revenue.series.iloc[position - 1] if position > 0 else None
        prev_mrr = previous["mrr"] if previous is not None else 0.0
        prev_customers = previous["customers"] if previous is not None else 0
        m = lambda v: _money(report, v)  # noqa: E731
        texts = {
            "mrr": f"{fmt.count(row['customers'])} paying customers, MRR = {m(row['mrr'])}",
            "arr": f"12 × {m(row['mrr'])} = {m(12 * row['mrr'])}",
            "customers": f"{fmt.count(row['customers'])} customers with MRR > 0 "
                         f"({int(row['new_customers'])} new, {int(row['reactivated_customers'])} back, "
                         f"{int(row['churned_customers'])} churned)",
            "arpa": f"{m(row['mrr'])} ÷ {fmt.count(row['customers'])} = {fmt.money(metric.value, report.currency, compact=False)}",
            "logo_churn_rate": f"{int(row['churned_customers'])} ÷ {fmt.count(prev_customers)} = {fmt.percent(metric.value)}",
            "gross_mrr_churn_rate": f"({m(row['churn'])} + {m(row['contraction'])}) ÷ {m(prev_mrr)} = "
                                    f"{fmt.percent(metric.value)}",
            "net_mrr_churn_rate": f"({m(row['churn'])} + {m(row['contraction'])} − {m(row['expansion'])} − "
                                  f"{m(row['reactivation'])}) ÷ {m(prev_mrr)} = {fmt.percent(metric.value)}",
            "nrr_monthly": f"({m(prev_mrr)} − {m(row['churn'])} − {m(row['contraction'])} + {m(row['expansion'])}) "
                           f"÷ {m(prev_mrr)} = {fmt.percent(metric.value)}",
            "grr_monthly": f"({m(prev_mrr)} − {m(row['churn'])} − {m(row['contraction'])}) ÷ {m(prev_mrr)} = "
                           f"{fmt.percent(metric.value)}",
            "quick_ratio": f"({m(row['new'])} + {m(row['expansion'])} + {m(row['reactivation'])}) ÷ "
                           f"({m(row['churn'])} + {m(row['contraction'])}) = {fmt.ratio(metric.value)}",
        }
        return texts.get(key)
    if key == "ltv_cac" and report.unit_economics is not None:
        ue = report.unit_economics
        months = ", ".join(str(month) for month in ue.cost_months) or "none"
        return (f"LTV = {_money(report, ue.arpa)} × {fmt.percent(ue.gross_margin)} ÷ {fmt.percent(ue.churn_rate_6m, 2)} "
                f"= {_money(report, ue.ltv)}; CAC = {_money(report, ue.sales_marketing)} ÷ {ue.new_customers} new "
                f"customers ({months}) = {_money(report, ue.cac)}; LTV:CAC = {fmt.ratio(ue.ltv_cac)}")
    if key == "nps" and report.nps is not None:
        n = report.nps
        return (f"100 × ({n.promoters} − {n.detractors}) ÷ {n.n} = {n.score:+.1f}"
                + (f" (95 % margin: {n.ci95[0]:+.1f} … {n.ci95[1]:+.1f})" if n.ci95 else ""))
    if key == "csat" and report.csat is not None:
        c = report.csat
        return f"{c.satisfied} satisfied ÷ {c.n} responses = {fmt.percent(c.score)}"
    if key == "fcr" and report.support is not None:
        s = report.support
        return (f"{s.first_contact} ÷ {s.fcr_known} tickets with a known outcome = {fmt.percent(s.fcr)} "
                f"({s.unknown} with outcome unknown, not counted)")
    return None
