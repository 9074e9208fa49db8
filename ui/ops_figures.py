"""Figures of the operations pages: FCR trend, resolution times, tickets per customer, one
customer's MRR, costs by category and the LTV:CAC trend. Each takes a DataFrame and returns a
Plotly figure; none renders.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from kpi import formatting as fmt
from kpi.metrics import economics
from ui.charts import COLORS
from ui.ops_views import hours

# ── figures ──────────────────────────────────────────────────────────────────────────────────

_LAYOUT = {"margin": {"l": 10, "r": 10, "t": 40, "b": 10},
           "legend": {"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0}, "bargap": 0.25}
_COST_COLORS = {"sales_marketing": COLORS["mrr"], "customer_success": "#20c997", "cogs": "#f08c00",
                "other": "#adb5bd"}
_COST_NAMES = {"sales_marketing": "Sales & marketing", "customer_success": "Customer success", "cogs": "COGS",
               "other": "Other"}


def _symbol(currency: str | None) -> str:
    return fmt.CURRENCY_SYMBOLS.get((currency or "").upper(), "")


def fcr_trend(monthly: pd.DataFrame, *, months_shown: int = 24) -> go.Figure:
    """FCR per month (line, left axis) over the tickets created that month (pale bars, right axis)."""
    monthly = monthly.tail(months_shown)
    x = monthly.index.to_timestamp()
    figure = make_subplots(specs=[[{"secondary_y": True}]])
    # plotly draws the secondary axis on top: the line goes there, its axis moved to the left
    figure.add_bar(x=x, y=monthly["tickets"], name="Tickets created", marker_color="rgba(134,142,150,0.45)",
                   hovertemplate="%{y} tickets<extra></extra>", secondary_y=False)
    figure.add_scatter(x=x, y=monthly["fcr"], name="First-contact resolution", mode="lines+markers",
                       line={"color": COLORS["mrr"], "width": 3}, marker={"size": 6}, connectgaps=False,
                       hovertemplate="FCR %{y:.1%}<extra></extra>", secondary_y=True)
    figure.update_layout(height=340, hovermode="x unified", **_LAYOUT)
    figure.update_layout(yaxis={"side": "right", "title": "Tickets", "showgrid": False, "rangemode": "tozero",
                                "tickmode": "auto", "tickformat": "d"},
                         yaxis2={"side": "left", "title": "FCR", "tickformat": ".0%", "range": [0, 1.05],
                                 "tickmode": "auto", "showgrid": True})
    figure.update_xaxes(dtick="M3", tickformat="%b %Y")
    return figure


def _median_position(distribution: pd.DataFrame, median_hours: float) -> float | None:
    """Where the median falls on the band axis: its band's index, plus its place inside the band on a
    log scale (bands are categories, so the line has to be placed by hand)."""
    inside = distribution.index[(distribution["lower_hours"] <= median_hours)
                                & (median_hours < distribution["upper_hours"])]
    if not len(inside):
        return None
    i = int(inside[0])
    lower, upper = distribution.at[i, "lower_hours"], distribution.at[i, "upper_hours"]
    if lower <= 0 or not np.isfinite(upper):
        return float(i)
    return i - 0.5 + float(np.log(median_hours / lower) / np.log(upper / lower))


def resolution_histogram(distribution: pd.DataFrame, median_hours: float | None) -> go.Figure:
    """Share of resolved tickets per resolution-time band (a log scale in readable steps), the median
    marked by a dashed line placed inside its band."""
    figure = go.Figure(go.Bar(
        x=list(range(len(distribution))), y=distribution["share"], marker_color="#91a7ff",
        customdata=distribution[["band", "tickets"]],
        hovertemplate="%{customdata[0]}: %{customdata[1]} tickets (%{y:.0%})<extra></extra>",
    ))
    position = _median_position(distribution, median_hours) if not fmt.missing(median_hours) else None
    if position is not None:
        figure.add_vline(x=position, line={"color": COLORS["mrr"], "dash": "dash", "width": 2})
        figure.add_annotation(x=position, y=1, yref="paper", yanchor="bottom", showarrow=False,
                              text=f"median {hours(median_hours)}", font={"color": COLORS["mrr"], "size": 12})
    figure.update_layout(height=320, showlegend=False, **_LAYOUT)
    figure.update_xaxes(title_text="Time to resolve", tickmode="array", tickvals=list(range(len(distribution))),
                        ticktext=list(distribution["band"]), tickangle=0, tickfont={"size": 11})
    figure.update_yaxes(title_text="Share of resolved tickets", tickformat=".0%", rangemode="tozero")
    return figure


def tickets_per_customer(distribution: pd.DataFrame) -> go.Figure:
    """Customers by number of tickets they opened in the period."""
    figure = go.Figure(go.Bar(
        x=distribution["tickets"], y=distribution["customers"], marker_color="#20c997",
        text=[fmt.percent(share, 0) if not fmt.missing(share) and share > 0 else "" for share in distribution["share"]],
        textposition="outside", cliponaxis=False,
        hovertemplate="%{y} customers opened %{x} ticket(s)<extra></extra>",
    ))
    figure.update_layout(height=320, showlegend=False, **_LAYOUT)
    figure.update_xaxes(title_text="Tickets opened", type="category")
    figure.update_yaxes(title_text="Customers", rangemode="tozero")
    return figure


def customer_mrr_timeline(mrr: pd.Series, movements: pd.DataFrame, currency: str | None) -> go.Figure:
    """One customer's MRR per month (bars; the trace holds every month of the series) with its
    movements marked, zoomed on the months from a little before its first MRR."""
    symbol = _symbol(currency)
    x = mrr.index.to_timestamp()
    figure = go.Figure(go.Bar(
        x=x, y=mrr.to_numpy(), name="MRR", marker_color="rgba(59,91,219,0.55)",
        hovertemplate=f"MRR {symbol}%{{y:,.2f}}<extra></extra>",
    ))
    for movement in ("new", "expansion", "reactivation", "contraction", "churn"):
        rows = movements[movements["movement"] == movement]
        if rows.empty:
            continue
        figure.add_scatter(
            x=pd.PeriodIndex(rows["month"], freq="M").to_timestamp(), y=rows["current"], mode="markers",
            name=movement.capitalize(), cliponaxis=False,
            marker={"color": COLORS[movement], "size": 12, "line": {"color": "white", "width": 2}},
            hovertemplate=f"{movement.capitalize()} → {symbol}%{{y:,.2f}}<extra></extra>",
        )
    paying = mrr.index[mrr.to_numpy() > 0]
    if len(paying):
        start = max(paying[0] - 3, mrr.index[0])
        figure.update_xaxes(range=[(start - 1).to_timestamp(how="end"), (mrr.index[-1] + 1).to_timestamp()])
    figure.update_layout(height=320, hovermode="x unified", bargap=0.15,
                         **{k: v for k, v in _LAYOUT.items() if k != "bargap"})
    figure.update_yaxes(title_text=f"MRR ({currency or 'amount'})", tickprefix=symbol, rangemode="tozero")
    figure.update_xaxes(tickformat="%b %Y")
    return figure


def costs_by_category(costs: pd.DataFrame, currency: str | None) -> go.Figure:
    """Monthly costs stacked by category (sales & marketing, customer success, COGS, other)."""
    symbol = _symbol(currency)
    x = costs.index.to_timestamp()
    figure = go.Figure()
    for category in ("sales_marketing", "customer_success", "cogs", "other"):
        if category in costs and costs[category].abs().sum() > 0:
            figure.add_bar(x=x, y=costs[category], name=_COST_NAMES[category], marker_color=_COST_COLORS[category],
                           hovertemplate=f"{_COST_NAMES[category]} {symbol}%{{y:,.0f}}<extra></extra>")
    figure.update_layout(barmode="stack", height=340, hovermode="x unified", **_LAYOUT)
    figure.update_layout(legend_traceorder="normal")
    figure.update_yaxes(title_text=f"Costs ({currency or 'amount'})", tickprefix=symbol)
    figure.update_xaxes(tickformat="%b %Y")
    return figure


def ltv_cac_trend(history: pd.Series, benchmark: float = economics.LTV_CAC_BENCHMARK) -> go.Figure:
    """LTV:CAC per month against the benchmark line (3×)."""
    history = history.dropna()
    x = history.index.to_timestamp()
    top = max(benchmark * 1.2, float(history.max()) * 1.15 if len(history) else 0)
    figure = go.Figure(go.Scatter(
        x=x, y=history.to_numpy(), name="LTV : CAC", mode="lines+markers+text",
        line={"color": COLORS["mrr"], "width": 3}, marker={"size": 6},
        text=[fmt.ratio(v) if i in (0, len(history) - 1) else "" for i, v in enumerate(history)],
        textposition="top center", hovertemplate="LTV:CAC %{y:.2f}×<extra></extra>",
    ))
    figure.add_hline(y=benchmark, line={"color": COLORS["new"], "dash": "dash", "width": 2},
                     annotation_text=f"benchmark {benchmark:g}×", annotation_position="top left",
                     annotation_font_color=COLORS["new"])
    figure.update_layout(height=340, showlegend=False, **_LAYOUT)
    figure.update_yaxes(title_text="LTV ÷ CAC", range=[0, top], ticksuffix="×")
    figure.update_xaxes(tickformat="%b %Y")
    return figure
