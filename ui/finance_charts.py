"""Cash & runway figures: cash with the month's burn, and a plan against its actuals. Build, never render."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from kpi import formatting as fmt
from ui.charts import COLORS

CASH = "#1971c2"
BURN = "#e03131"
INFLOW = "#2f9e44"
FINANCING = "#845ef7"
PLAN = "#e8590c"


def cash_and_burn(by_month: pd.DataFrame, currency: str | None) -> go.Figure:
    """Cash at each month's end on top; below, the month's operating money in (up), out (down), the
    financing raised, and the net burn as a line. `by_month`: kpi.metrics.finance.finance_by_month."""
    months = by_month.index.to_timestamp()
    symbol = fmt.CURRENCY_SYMBOLS.get((currency or "").upper(), "")
    figure = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.55, 0.45], vertical_spacing=0.06)
    figure.add_scatter(x=months, y=by_month["cash"], name="Cash", mode="lines", fill="tozeroy",
                       line={"color": CASH, "width": 3}, fillcolor="rgba(25,113,194,0.12)",
                       hovertemplate=f"Cash {symbol}%{{y:,.0f}}<extra></extra>", row=1, col=1)
    figure.add_bar(x=months, y=by_month["inflow"], name="Money in", marker_color=INFLOW,
                   hovertemplate=f"In {symbol}%{{y:,.0f}}<extra></extra>", row=2, col=1)
    figure.add_bar(x=months, y=-by_month["outflow"], name="Money out", marker_color=BURN,
                   hovertemplate=f"Out {symbol}%{{y:,.0f}}<extra></extra>", row=2, col=1)
    if (by_month["financing"] != 0).any():
        figure.add_bar(x=months, y=by_month["financing"], name="Financing (not burn)", marker_color=FINANCING,
                       hovertemplate=f"Financing {symbol}%{{y:,.0f}}<extra></extra>", row=2, col=1)
    figure.add_scatter(x=months, y=by_month["net_burn"], name="Net burn", mode="lines+markers",
                       line={"color": COLORS["net"], "width": 2}, marker={"size": 4},
                       hovertemplate=f"Net burn {symbol}%{{y:,.0f}}<extra></extra>", row=2, col=1)
    figure.update_layout(barmode="relative", height=540, margin={"l": 10, "r": 10, "t": 40, "b": 10},
                         legend={"orientation": "h", "y": 1.07, "x": 0}, hovermode="x unified")
    figure.update_yaxes(title_text=f"Cash ({currency or 'amount'})", tickprefix=symbol, row=1, col=1)
    figure.update_yaxes(title_text="Flows of the month", tickprefix=symbol, zeroline=True, zerolinecolor="#adb5bd",
                        row=2, col=1)
    figure.update_xaxes(tickformat="%b %Y", row=2, col=1)
    return figure


def plan_against_actual(table: pd.DataFrame, key: str, title: str, currency: str | None, *,
                        rate: bool = False) -> go.Figure:
    """One planned KPI: the plan as a dashed line over every planned month, the actual as bars where
    the report has one. `table`: kpi.metrics.plan.plan_vs_actual rows (key, month, plan, actual…)."""
    rows = table[table["key"] == key].sort_values("month")
    months = rows["month"].dt.to_timestamp() if isinstance(rows["month"].dtype, pd.PeriodDtype) \
        else pd.PeriodIndex(rows["month"]).to_timestamp()
    scale = 100 if rate else 1
    symbol = "" if rate else fmt.CURRENCY_SYMBOLS.get((currency or "").upper(), "")
    unit = "%" if rate else ""
    figure = go.Figure()
    figure.add_bar(x=months, y=rows["actual"] * scale, name="Actual", marker_color=CASH,
                   hovertemplate=f"Actual {symbol}%{{y:,.1f}}{unit}<extra></extra>")
    figure.add_scatter(x=months, y=rows["plan"] * scale, name="Plan", mode="lines+markers",
                       line={"color": PLAN, "width": 2, "dash": "dash"}, marker={"size": 6},
                       hovertemplate=f"Plan {symbol}%{{y:,.1f}}{unit}<extra></extra>")
    figure.update_layout(title={"text": title}, height=360, margin={"l": 10, "r": 10, "t": 50, "b": 10},
                         legend={"orientation": "h", "y": 1.12, "x": 0}, hovermode="x unified")
    figure.update_yaxes(tickprefix=symbol, ticksuffix=unit)
    figure.update_xaxes(tickformat="%b %Y")
    return figure
