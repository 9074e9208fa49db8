"""Plotly figures for the pages: one call each, arguments named after what the reader sees."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from kpi import formatting as fmt

COLORS = {"mrr": "#3b5bdb", "new": "#2f9e44", "expansion": "#94d82d", "reactivation": "#20c997",
          "contraction": "#fcc419", "churn": "#e03131", "net": "#845ef7"}  # net: seen on light and dark
GAINS = ("new", "expansion", "reactivation")
LOSSES = ("contraction", "churn")


def target_line(figure: go.Figure, target: float | None, currency: str | None, **where) -> None:
    """A dashed horizontal goal line labelled "Target €60k" (nothing when there is no target)."""
    if target is None:
        return
    figure.add_hline(y=target, line={"dash": "dash", "color": "#e8590c", "width": 2},
                     annotation={"text": f"Target {fmt.money(target, currency)}", "font": {"color": "#e8590c"}},
                     annotation_position="top left", **where)


def _top(series: pd.DataFrame, target: float) -> float:
    """The top of an MRR axis that shows both every month's MRR and the target, with 8 % headroom."""
    peak = series["mrr"].max() if len(series) else 0.0
    return max(0.0 if pd.isna(peak) else float(peak), target) * 1.08


def mrr_trend(series: pd.DataFrame, currency: str | None, target: float | None = None) -> go.Figure:
    """MRR per month on top, with the MRR target as a dashed line when one is set; below, the
    month's movements (gains up, losses down) and net new MRR."""
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
    target_line(figure, target, currency, row=1, col=1)
    if target is not None:  # the goal stays in view even above every month's MRR
        figure.update_yaxes(range=[0, _top(series, target)], row=1, col=1)
    return figure


def _x(series: pd.DataFrame) -> pd.DatetimeIndex:
    """Period index as dates a chart can place (a quarter or year at its last month)."""
    index = series.index
    return index.to_timestamp() if index.freqstr == "M" else index.asfreq("M", how="end").to_timestamp()


def bar_label(amount: float, measure: str, currency: str | None) -> str:
    """A bridge bar's text: the MRR for the opening and closing bars (€58.8k), the signed movement for
    the others (+€3.66k, −€1.31k)."""
    text = fmt.money(amount, currency)
    return f"+{text}" if measure == "relative" and amount > 0 else text


def mrr_bridge(bridge: dict[str, float], currency: str | None, title: str) -> go.Figure:
    """Waterfall from the opening MRR through each movement to the closing MRR; each bar's text and
    hover say its own amount (signed for movements)."""
    symbol = fmt.CURRENCY_SYMBOLS.get((currency or "").upper(), "")
    steps = [("Opening MRR", bridge["start"], "absolute"), ("New", bridge["new"], "relative"),
             ("Expansion", bridge["expansion"], "relative"), ("Reactivation", bridge["reactivation"], "relative"),
             ("Contraction", -bridge["contraction"], "relative"), ("Churn", -bridge["churn"], "relative"),
             ("Closing MRR", bridge["end"], "total")]
    labels = [bar_label(amount, measure, currency) for _, amount, measure in steps]
    figure = go.Figure(go.Waterfall(
        x=[s[0] for s in steps], y=[s[1] for s in steps], measure=[s[2] for s in steps],
        text=labels, textposition="outside", customdata=labels,
        increasing={"marker": {"color": COLORS["new"]}}, decreasing={"marker": {"color": COLORS["churn"]}},
        totals={"marker": {"color": COLORS["mrr"]}}, connector={"line": {"color": "#adb5bd"}},
        hovertemplate="%{x}: %{customdata}<extra></extra>",  # the movement itself, not the running total
    ))
    low = min(bridge["start"], bridge["end"]) * 0.9
    figure.update_layout(title=title, height=420, margin={"l": 10, "r": 10, "t": 50, "b": 10}, showlegend=False)
    figure.update_yaxes(tickprefix=symbol, range=[low, max(bridge["start"], bridge["end"]) * 1.08])
    return figure


def movements_over_time(series: pd.DataFrame, currency: str | None) -> go.Figure:
    """Stacked movements per period (gains up, losses down) with the net new MRR line; bars are
    selectable (clicking one lists the customers behind it)."""
    symbol = fmt.CURRENCY_SYMBOLS.get((currency or "").upper(), "")
    x = _x(series)
    figure = go.Figure()
    for name in GAINS + LOSSES:
        sign = 1 if name in GAINS else -1
        figure.add_bar(x=x, y=sign * series[name], name=name.capitalize(), marker_color=COLORS[name],
                       hovertemplate=f"{name.capitalize()} {symbol}%{{y:,.0f}}<extra></extra>")
    net = series[list(GAINS)].sum(axis=1) - series[list(LOSSES)].sum(axis=1)
    figure.add_scatter(x=x, y=net, name="Net new MRR", mode="lines+markers", line={"color": COLORS["net"], "width": 2},
                       hovertemplate=f"Net new {symbol}%{{y:,.0f}}<extra></extra>")
    figure.update_layout(barmode="relative", height=420, margin={"l": 10, "r": 10, "t": 30, "b": 10},
                         legend={"orientation": "h", "y": 1.08, "x": 0}, hovermode="x unified", clickmode="event+select")
    figure.update_yaxes(tickprefix=symbol, zeroline=True, zerolinecolor="#adb5bd")
    return figure


def mrr_arr(series: pd.DataFrame, currency: str | None, target: float | None = None) -> go.Figure:
    """MRR (left axis) and ARR (right axis) per period, with the MRR target as a dashed line when set."""
    symbol = fmt.CURRENCY_SYMBOLS.get((currency or "").upper(), "")
    x = _x(series)
    figure = make_subplots(specs=[[{"secondary_y": True}]])
    figure.add_scatter(x=x, y=series["mrr"], name="MRR", mode="lines+markers", line={"color": COLORS["mrr"], "width": 3},
                       hovertemplate=f"MRR {symbol}%{{y:,.0f}}<extra></extra>")
    figure.add_scatter(x=x, y=12 * series["mrr"], name="ARR", mode="lines", line={"color": "#868e96", "dash": "dot"},
                       hovertemplate=f"ARR {symbol}%{{y:,.0f}}<extra></extra>", secondary_y=True)
    figure.update_layout(height=360, margin={"l": 10, "r": 10, "t": 30, "b": 10}, hovermode="x unified",
                         legend={"orientation": "h", "y": 1.1, "x": 0})
    figure.update_yaxes(title_text="MRR", tickprefix=symbol, rangemode="tozero", secondary_y=False)
    figure.update_yaxes(title_text="ARR", tickprefix=symbol, rangemode="tozero", secondary_y=True, showgrid=False)
    target_line(figure, target, currency, secondary_y=False)
    if target is not None:  # the goal in view, and ARR's axis still reading 12 × MRR's
        top = _top(series, target)
        figure.update_yaxes(range=[0, top], secondary_y=False)
        figure.update_yaxes(range=[0, 12 * top], secondary_y=True)
    return figure
