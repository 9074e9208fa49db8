"""Plotly figures for the pages: one call each, arguments named after what the reader sees."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from kpi import formatting as fmt

COLORS = {"mrr": "#3b5bdb", "new": "#2f9e44", "expansion": "#94d82d", "reactivation": "#20c997",
          "contraction": "#fcc419", "churn": "#e03131", "net": "#212529"}
GAINS = ("new", "expansion", "reactivation")
LOSSES = ("contraction", "churn")


def mrr_trend(series: pd.DataFrame, currency: str | None) -> go.Figure:
    """MRR per month on top; below, the month's movements (gains up, losses down) and net new MRR."""
    months = series.index.to_timestamp(how="end").normalize() if series.index.freqstr != "M" \
        else series.index.to_timestamp()
    symbol = fmt.CURRENCY_SYMBOLS.get((currency or "").upper(), "")
    figure = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.58, 0.42], vertical_spacing=0.06)
    figure.add_scatter(x=months, y=series["mrr"], name="MRR", mode="lines", fill="tozeroy",
                       line={"color": COLORS["mrr"], "width": 3}, fillcolor="rgba(59,91,219,0.12)",
                       hovertemplate=f"MRR {symbol}%{{y:,.0f}}<extra></extra>", row=1, col=1)
    for name in GAINS + LOSSES:
        sign = 1 if name in GAINS else -1
        figure.add_bar(x=months, y=sign * series[name], name=name.capitalize(), marker_color=COLORS[name],
                       hovertemplate=f"{name.capitalize()} {symbol}%{{y:,.0f}}<extra></extra>", row=2, col=1)
    net = series[list(GAINS)].sum(axis=1) - series[list(LOSSES)].sum(axis=1)
    figure.add_scatter(x=months, y=net, name="Net new MRR", mode="lines+markers",
                       line={"color": COLORS["net"], "width": 2}, marker={"size": 4},
                       hovertemplate=f"Net new {symbol}%{{y:,.0f}}<extra></extra>", row=2, col=1)
    figure.update_layout(
        barmode="relative", height=560, margin={"l": 10, "r": 10, "t": 40, "b": 10},
        legend={"orientation": "h", "y": 1.06, "x": 0}, hovermode="x unified",
    )
    figure.update_yaxes(title_text=f"MRR ({currency or 'amount'})", tickprefix=symbol, rangemode="tozero", row=1, col=1)
    figure.update_yaxes(title_text="Movements", tickprefix=symbol, zeroline=True, zerolinecolor="#adb5bd", row=2, col=1)
    figure.update_xaxes(tickformat="%b %Y", row=2, col=1)
    return figure
