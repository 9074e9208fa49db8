"""The Retention page's figures (one call each, named after what the reader sees) and the cohort
views it needs beyond the cached report (another cohort basis, one segment), cached like ui/data.py.

Colours are safe for colour-blind readers: the heatmap uses the perceptually uniform Viridis
scale, lines use the Okabe–Ito palette. Text that comes from the user's data (segment values)
is escaped before Plotly sees it, since Plotly reads a few HTML tags in labels.
"""

from __future__ import annotations

import html
from dataclasses import replace
from typing import Literal

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from kpi import formatting as fmt
from kpi.metrics.cohorts import Cohorts
from kpi.report.build import Report, build_cohorts, build_revenue, filter_tables
from ui.choices import State

HEATMAP_SCALE = "Viridis"
LINE_COLORS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")  # Okabe–Ito
GRID = "rgba(128,128,128,0.25)"  # readable on the light and the dark theme
FONT = {"family": "Source Sans Pro, sans-serif", "size": 13}  # colour: the theme's text colour
CellsAs = Literal["percent", "count", "amount"]


# ---------------------------------------------------------------------------- labels


def period_label(period: pd.Period) -> str:
    """'2024-01' for a month, '2024 Q1' for a quarter, '2024' for a year."""
    if period.freqstr.startswith("Q"):
        return f"{period.year} Q{period.quarter}"
    if period.freqstr.startswith("Y") or period.freqstr.startswith("A"):
        return str(period.year)
    return period.strftime("%Y-%m")


def age_title(period: str, since: str) -> str:
    """'Months since first payment' for the x axis of a heatmap or a curve."""
    return f"{period.capitalize()}s since {since}"


def plain(text: str) -> str:
    """A user's string made safe for Plotly labels (which read <b>, <a href=…> and friends)."""
    return html.escape(str(text), quote=False)


def _figure(traces: list[dict], *, height: int, xaxis: dict, yaxis: dict, **layout) -> go.Figure:
    """One Figure built in a single call (Plotly validates each incremental update: this is ~3× faster)."""
    legend = {"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0}
    return go.Figure(data=traces, layout={
        "height": height, "font": FONT, "plot_bgcolor": "rgba(0,0,0,0)", "paper_bgcolor": "rgba(0,0,0,0)",
        "hoverlabel": {"font": {"size": 13}}, "margin": {"l": 10, "r": 10, "t": 30, "b": 10}, "legend": legend,
        "xaxis": {"showgrid": False, "zeroline": False, **xaxis},
        "yaxis": {"gridcolor": GRID, "zeroline": False, **yaxis}, **layout,
    })


def _level(y: float, colour: str, dash: str) -> dict:
    """A horizontal reference line across the plot (a layout shape, cheaper than add_hline)."""
    return {"type": "line", "xref": "paper", "x0": 0, "x1": 1, "yref": "y", "y0": y, "y1": y,
            "line": {"color": colour, "width": 1, "dash": dash}, "layer": "below"}


def _period_axis(periods: pd.PeriodIndex, period: str, title: str) -> dict:
    """An x axis of calendar periods: dates, ticked "Jan 2025", "Q1 2025" or "2025"."""
    axis = {"title": {"text": title}, "type": "date", "tickformat": {"month": "%b %Y", "quarter": "Q%q %Y",
                                                                     "year": "%Y"}[period]}
    if period != "month" and len(periods) < 16:
        axis["dtick"] = {"quarter": "M3", "year": "M12"}[period]
    return axis


def robust_range(matrix: pd.DataFrame, low: float = 0.02, high: float = 0.98) -> tuple[float, float]:
    """A colour range from the `low` to the `high` quantile of the matrix's values, so that one
    extreme cell (a tiny cohort doubling) does not wash out the rest of the heatmap."""
    values = matrix.to_numpy(dtype=float, na_value=np.nan)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return (0.0, 1.0)
    bottom, top = np.quantile(values, [low, high])
    return (float(bottom), float(top) if top > bottom else float(bottom) + 1e-9)


def cell_text(values: np.ndarray, as_: CellsAs, symbol: str = "", *, percent_sign: bool = True) -> np.ndarray:
    """What each heatmap cell says: "93%" (or "93"), "12", "€1.2k"; "" for an empty (NaN) cell.
    Vectorised over the whole matrix (Plotly's own texttemplate would print "€" in empty cells)."""
    finite = np.isfinite(values)
    safe = np.where(finite, values, 0.0)
    if as_ == "percent":
        text = np.char.mod("%d", np.round(safe * 100).astype(np.int64))
        text = np.char.add(text, "%") if percent_sign else text
    elif as_ == "count":
        text = np.char.mod("%d", np.round(safe).astype(np.int64))
    else:
        size = np.abs(safe)
        text = np.select(  # thresholds where the rounded text changes unit: 999.6 → "1.0k", not "1000"
            [size >= 999_950, size >= 9_950, size >= 999.5],
            [np.char.mod("%.1fM", size / 1e6), np.char.mod("%.0fk", size / 1e3), np.char.mod("%.1fk", size / 1e3)],
            np.char.mod("%.0f", size),
        )
        text = np.char.add(np.char.add(np.where(safe < 0, "−", ""), symbol), text)
    return np.where(finite, text, "")


# ---------------------------------------------------------------------------- figures


# (most ages with a number written in each cell, most ages with its "%" or "€" too): past the
# first, a cell of a heatmap across the page is narrower than a number of 10 px (adjacent amounts
# ran together, "1.2k1.2k"); past the second, "%" and "€" are left to the colour bar
TEXT_COLUMNS: dict[str, tuple[int, int]] = {"percent": (24, 18), "count": (24, 18), "amount": (18, 12)}
AVERAGE_LABEL = "Average"


def cell_text_size(columns: int, as_: CellsAs = "percent") -> int | None:
    """The font size of the numbers written in the cells of a heatmap `columns` ages wide: 12 px
    with their sign, 10 px without it, None when there is no room for a readable one (never
    under 10 px: the hover still says it). Amounts ("€1.2k") need wider cells than "93%"."""
    most, signed = TEXT_COLUMNS[as_]
    if columns > most:
        return None
    return 12 if columns <= signed else 10


def cohort_heatmap(matrix: pd.DataFrame, sizes: pd.Series, *, as_: CellsAs = "percent", period: str = "month",
                   since: str = "first payment", currency: str | None = None, value_name: str = "Retention",
                   colour_range: tuple[float, float] | None = None, average: pd.Series | None = None) -> go.Figure:
    """Cohorts down (oldest on top, size after the label: "2024-01 · 12"), ages across (on top,
    like a cohort table), one coloured cell each with its value written in it: "93%" (as_
    "percent"), "12" ("count") or "€1.2k" ("amount"); in narrower cells "%" and "€" are left to
    the colour bar, and past 24 ages (18 for amounts) only the hover says the number
    (`cell_text_size`): no text under 10 px, no two amounts running together. Cells a cohort has
    not reached yet are blank, not 0. `average` (`kpi.metrics.cohorts.weighted_average_row`) is
    drawn as an "Average" row under the cohorts.
    Colours run from 0 to 100 % (or the largest value above it) for percentages, from 0 to the
    largest value for counts and amounts, or over `colour_range` when given (see
    `robust_range`). The figure grows with the number of cohorts: 24 px a row."""
    values = matrix.to_numpy(dtype=float, na_value=np.nan)
    rows, columns = values.shape
    labels = [f"{period_label(cohort)} · {fmt.count(size)}" for cohort, size in zip(matrix.index, sizes, strict=True)]
    ages = [int(age) for age in matrix.columns]
    symbol = fmt.CURRENCY_SYMBOLS.get((currency or "").upper(), "")
    text_size = cell_text_size(columns, as_)
    bare = text_size != 12
    if colour_range is None:
        finite = values[np.isfinite(values)]
        top = float(finite.max()) if finite.size else 1.0
        colour_range = (0.0, max(1.0, top))
    hover = {"percent": "%{z:.1%}", "count": "%{z:,.0f} customers", "amount": f"{symbol}%{{z:,.0f}}"}[as_]
    text = cell_text(values, as_, "" if bare else symbol, percent_sign=not bare)
    rows_shown, labels_shown, text_shown = values, labels, text
    if average is not None:  # one more row of the same heatmap (two heatmap traces on one axis fail to draw)
        row = average.reindex(matrix.columns).to_numpy(dtype=float)[None, :]
        rows_shown = np.vstack([values, row])
        labels_shown = [*labels, AVERAGE_LABEL]
        text_shown = np.vstack([text, cell_text(row, as_, "" if bare else symbol, percent_sign=not bare)])
    heatmap = {
        "type": "heatmap", "z": rows_shown, "x": ages, "y": labels_shown, "colorscale": HEATMAP_SCALE,
        "zmin": colour_range[0], "zmax": colour_range[1], "xgap": 1, "ygap": 1, "hoverongaps": False,
        "text": text_shown, "texttemplate": "%{text}" if text_size else "", "textfont": {"size": text_size or 10},
        "colorbar": {"title": {"text": value_name, "side": "right"}, "thickness": 12, "yanchor": "top", "y": 1,
                     "len": min(1.0, 360 / ((rows + 1) * 24 + 80)), "tickformat": ".0%" if as_ == "percent" else "~s",
                     "tickprefix": symbol if as_ == "amount" else ""},
        # Plotly heatmaps raise no selection event: invisible markers on the reached cells make each
        # cell clickable (st.plotly_chart on_select), and carry the hover text instead of the heatmap
        "hoverinfo": "skip",
    }
    reached_rows, reached_columns = np.nonzero(np.isfinite(values))
    clickable = {
        "type": "scatter", "mode": "markers", "showlegend": False, "name": "cells",
        "x": [ages[c] for c in reached_columns], "y": [labels[r] for r in reached_rows],
        "customdata": values[reached_rows, reached_columns],
        "marker": {"size": 16, "opacity": 0, "color": "#000"},
        "hovertemplate": f"Cohort %{{y}}<br>{period.capitalize()} %{{x}}: "
                         f"{hover.replace('%{z', '%{customdata')}<br>Click: the customers behind it<extra></extra>",
    }
    traces = [heatmap, clickable]
    if average is not None:
        defined = np.isfinite(rows_shown[-1])
        traces.append({  # the Average row's hover (not clickable: no customers behind it)
            "type": "scatter", "mode": "markers", "showlegend": False, "name": "average",
            "x": [age for age, ok in zip(ages, defined, strict=True) if ok], "y": [AVERAGE_LABEL] * int(defined.sum()),
            "customdata": rows_shown[-1][defined], "marker": {"size": 16, "opacity": 0, "color": "#000"},
            "hovertemplate": f"Average of the cohorts at {period} %{{x}}, weighted by cohort size: "
                             f"{hover.replace('%{z', '%{customdata')}<extra></extra>",
        })
    first, last = (min(ages), max(ages)) if ages else (0, 0)
    height_rows = rows + (average is not None)
    return _figure(
        traces, height=max(300, 24 * height_rows + 110), margin={"l": 10, "r": 10, "t": 60, "b": 10},
        xaxis={"side": "top", "title": {"text": age_title(period, since)}, "dtick": 1 if columns <= 24 else 2,
               "ticks": "", "range": [first - 0.5, last + 0.5]},
        yaxis={"autorange": "reversed", "title": {"text": "Cohort · customers"}, "showgrid": False, "ticks": "",
               "type": "category"},
    )


def retention_curves(curves: dict[str, pd.Series], *, period: str = "month", since: str = "first payment",
                     cohorts: pd.Series | None = None, height: int = 360) -> go.Figure:
    """One line per curve (age → retention as a fraction), a dotted 100 % line for reference.
    Curve names are shown as given (escape a user's string with `plain`). `cohorts` (age → how
    many cohorts reached it) is shown on hover: later ages rest on fewer cohorts."""
    traces = []
    for (name, curve), colour in zip(curves.items(), LINE_COLORS, strict=False):
        curve = curve.dropna()
        trace = {"type": "scatter", "x": list(curve.index), "y": curve.to_numpy(dtype=float), "name": name,
                 "mode": "lines+markers", "line": {"color": colour, "width": 2.5}, "marker": {"size": 5},
                 "hovertemplate": f"%{{fullData.name}}<br>{period.capitalize()} %{{x}}: %{{y:.1%}}<extra></extra>"}
        if cohorts is not None:
            trace["customdata"] = cohorts.reindex(curve.index).to_numpy()
            trace["hovertemplate"] = trace["hovertemplate"].replace("<extra>", "<br>%{customdata} cohorts<extra>")
        traces.append(trace)
    ages = max((int(curve.index.max()) for curve in curves.values() if len(curve)), default=0)
    return _figure(traces, height=height, shapes=[_level(1, "#adb5bd", "dot")],
                   xaxis={"title": {"text": age_title(period, since)}, "range": [-0.4, ages + 0.4],
                          "dtick": 1 if ages <= 12 else None},  # whole periods only; markers not cut at the edges
                   yaxis={"tickformat": ".0%", "rangemode": "tozero"})


def retention_at_age(trends: dict[str, pd.Series], *, age: int, period: str = "month",
                     averages: dict[str, float] | None = None, height: int = 340) -> go.Figure:
    """Retention at one age (e.g. month 3) of each cohort that reached it, oldest cohort first:
    is it improving? One line per kind (logo, revenue), each with its size-weighted average as
    a dashed line of the same colour."""
    traces, levels = [], []
    index = pd.PeriodIndex([], freq={"month": "M", "quarter": "Q", "year": "Y"}[period])
    for (name, trend), colour in zip(trends.items(), LINE_COLORS, strict=False):
        trend = trend.dropna()
        index = index.union(trend.index)
        traces.append({"type": "scatter", "x": trend.index.to_timestamp(), "y": trend.to_numpy(dtype=float),
                       "name": name, "mode": "lines+markers", "line": {"color": colour, "width": 2},
                       "marker": {"size": 5}, "customdata": [period_label(cohort) for cohort in trend.index],
                       "hovertemplate": f"Cohort %{{customdata}}<br>%{{fullData.name}} at {period} {age}: "
                                        "%{y:.1%}<extra></extra>"})
        average = (averages or {}).get(name)
        if average is not None and not fmt.missing(average):
            levels.append(_level(float(average), colour, "dash"))
    return _figure(traces, height=height, shapes=levels,
                   xaxis=_period_axis(index, period, f"Cohort (by {period} of start)"),
                   yaxis={"title": {"text": f"Retention at {period} {age}"}, "tickformat": ".0%",
                          "rangemode": "tozero"})


def churn_rates(trend: pd.DataFrame, *, period: str = "month", height: int = 340) -> go.Figure:
    """Logo churn rate and gross MRR churn rate per period (`kpi.metrics.cohorts.churn_rate_trend`).
    A period that is not over yet (or starts before the data) is drawn with an open marker and
    "to date" on hover."""
    trend = trend.dropna(subset=["logo_churn_rate", "gross_mrr_churn_rate"], how="all")
    partial = (trend["months"] < {"month": 1, "quarter": 3, "year": 12}[period]).to_numpy()
    labels = [period_label(p) + (" (to date)" if short else "") for p, short in zip(trend.index, partial, strict=True)]
    traces = [
        {"type": "scatter", "x": trend.index.to_timestamp(), "y": trend[column].to_numpy(dtype=float), "name": name,
         "mode": "lines+markers", "customdata": labels, "line": {"color": colour, "width": 2},
         "marker": {"size": np.where(partial, 9, 5), "color": np.where(partial, "white", colour),
                    "line": {"width": 2, "color": colour}},
         "hovertemplate": f"{name}, %{{customdata}}: %{{y:.1%}}<extra></extra>"}
        for column, name, colour in (("logo_churn_rate", "Logo churn", LINE_COLORS[0]),
                                     ("gross_mrr_churn_rate", "Gross MRR churn", LINE_COLORS[1]))
    ]
    return _figure(traces, height=height, xaxis=_period_axis(trend.index, period, period.capitalize()),
                   yaxis={"title": {"text": "Churn rate"}, "tickformat": ".0%", "rangemode": "tozero"})


# ---------------------------------------------------------------------------- cohort views, cached


def default_period(granularity: str, monthly_cohorts: int) -> str:
    """The cohorts' period the Retention page opens with: the sidebar's granularity, except
    quarters when it is month and there are more than 24 monthly cohorts (a 36 × 36 heatmap has
    no room for readable numbers; a 12 × 12 one has)."""
    return "quarter" if granularity == "month" and monthly_cohorts > 24 else granularity


def _key(current: State) -> tuple:
    """What the current report is a function of: workspace content hash, as-of, filters, settings."""
    return current.workspace.key, current.as_of, current.filters, current.report_settings


@st.cache_data(max_entries=32, ttl=3600, show_spinner=False)
def _cohorts(key: tuple, settings: object, segment: tuple[str, str] | None,
             _report: Report) -> Cohorts | None:  # _report is data.report(current) for key == _key(current)
    tables, revenue = _report.tables, _report.revenue
    if segment is not None:
        attribute, value = segment
        tables = filter_tables(tables, {attribute: [value]})
        revenue = build_revenue(tables, settings) if revenue is not None else None
        if _report.revenue is not None and revenue is None:  # the segment has no revenue at all
            return None
    result = build_cohorts(tables, revenue, _report.as_of, settings)
    if result is not None and _report.cohorts is not None and result.basis != _report.cohorts.basis:
        return None  # never compare revenue cohorts with activity cohorts
    return result


def cohorts(current: State, report: Report, *, cohort_by: str | None = None,
            segment: tuple[str, str] | None = None, period: str | None = None) -> Cohorts | None:
    """The report's cohorts (sidebar granularity, or `period`: month, quarter or year), by first
    activity or signup (`cohort_by`, default: the settings'), of one segment's customers
    (`segment` = (attribute, value), on top of the sidebar's filters) when given. None when there
    is nothing to build cohorts from."""
    settings = replace(report.settings, cohort_by=cohort_by or report.settings.cohort_by,
                       cohort_period=period or report.settings.cohort_period)
    if segment is None and settings == report.settings:
        return report.cohorts
    return _cohorts(_key(current), settings, segment, report)



def picked_cell(event, cohorts) -> tuple[str, int] | None:
    """(cohort label, age) of a clicked heatmap cell, from `st.plotly_chart(on_select=...)`."""
    points = event.selection.points if event and getattr(event, "selection", None) else []
    for point in points:
        label = str(point.get("y", "")).split(" · ")[0]
        if label in {period_label(c) for c in cohorts.sizes.index} and point.get("x") is not None:
            return label, int(point["x"])
    return None


def cell_members(current, report, cohorts, cohort: pd.Period, age: int) -> pd.DataFrame:
    """The customers behind one heatmap cell, with their names when the customers table has them."""
    from kpi.metrics.cohorts import activity_from_events, activity_from_orders, cell_customers
    from kpi.report.build import customer_names

    if cohorts.basis == "revenue":
        active, amount = report.revenue.mrr > 0, report.revenue.mrr
    elif cohorts.basis == "orders":
        activity = activity_from_orders(report.tables.frames["orders"])
        active, amount = activity.active, activity.amount
    else:
        active, amount = activity_from_events(report.tables.frames["events"]).active, None
    members = cell_customers(cohorts, active, amount, cohort, age)
    members.insert(1, "name", members["customer_id"].map(customer_names(report.tables)))
    return members
