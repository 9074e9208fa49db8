"""The Engagement page's data and figures: DAU/MAU and time to first value (TTFV), their trends,
the TTFV distribution and both by customer attribute (segment, plan…).

Numbers come from `kpi.metrics.engagement` on the current report's segment-filtered tables —
or on the aggregates the team's events database counted, when the workspace chose it
(`ui.events_source`) — computed once per content key of the state (workspace, month, filters,
settings) and counts in force, like `ui.ops_views`; figures take the frames and return Plotly
figures, none renders.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from kpi import formatting as fmt
from kpi.metrics import engagement
from kpi.report.build import Metric
from kpi.text import escape_markdown
from ui import data, events_source
from ui.charts import COLORS
from ui.choices import State
from ui.ops_views import PERIOD_BACK, days, metric_from_history

CARD_KEYS = ("dau_mau", "ttfv_median_days", "ttfv_share_reached")
_LAYOUT = {"margin": {"l": 10, "r": 10, "t": 40, "b": 10},
           "legend": {"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0}, "bargap": 0.25}


@dataclass(frozen=True)
class EngagementView:
    """What the Engagement page shows for the current state."""

    cards: list[Metric]  # DAU/MAU, TTFV median, share reaching value: at as_of, compared, with history
    by_month: pd.DataFrame  # days, dau, mau, dau_mau per month up to as_of
    distribution: pd.DataFrame  # ttfv_distribution: band, customers, share
    segments: dict[str, pd.DataFrame]  # attribute → segment_table
    value_event: str
    reached: int
    not_reached: int


def segment_table(stickiness: pd.DataFrame, ttfv: pd.DataFrame) -> pd.DataFrame:
    """One attribute's segments with their DAU/MAU, monthly users, TTFV median and share reaching
    value, written out for reading ("31.7 %", "5.0 days", "n/a" where a segment has no number).
    Columns: Segment, DAU / MAU, Monthly active users, Customers started, Time to first value,
    Reached first value."""
    merged = stickiness.merge(ttfv, on="segment", how="outer")
    merged = merged.sort_values(["customers", "mau", "segment"], ascending=[False, False, True],
                                na_position="last", kind="mergesort")
    return pd.DataFrame({
        "Segment": merged["segment"].astype(str).to_numpy(),
        "DAU / MAU": [fmt.percent(v) for v in merged["dau_mau"]],
        "Monthly active users": [fmt.count(v) if pd.notna(v) else "0" for v in merged["mau"]],
        "Customers started": [fmt.count(v) if pd.notna(v) else "0" for v in merged["customers"]],
        "Time to first value": [days(v) for v in merged["median_days"]],
        "Reached first value": [fmt.percent(v) for v in merged["share_reached"]],
    })


def _frame(current: State, table: str) -> pd.DataFrame | None:
    tables = data.report(current).tables
    frame = tables.get(table) if tables is not None else None
    return frame if frame is not None and not frame.empty else None


def _key(current: State) -> tuple:
    """What the current report is a function of: workspace content hash, as-of, filters, settings."""
    return current.workspace.key, current.as_of, current.filters, current.report_settings


@st.cache_data(max_entries=32, ttl=3600, show_spinner=False)
def _view(key: tuple, back: int, attributes: tuple[str, ...], events_token: str, _current: State) -> EngagementView:
    report = data.report(_current)
    events, customers = _frame(_current, "events"), _frame(_current, "customers")
    if events_token:  # the team's events database: its aggregates (the segment's customers' under a filter)
        events = events_source.report_inputs(events_token, _current.report_settings, report.tables,
                                             _current.filters)[1]
    engaged = report.engagement
    by_month = engaged.by_month if engaged.by_month is not None else pd.DataFrame()
    value = engaged.ttfv
    rows = value.rows if value is not None else pd.DataFrame(columns=["customer_id", "start", "value_at", "days"])
    months = by_month.index if len(by_month) else pd.PeriodIndex([report.as_of], freq="M")
    history = engagement.ttfv_history(rows, months)
    cards = [report.metric("dau_mau", back),
             metric_from_history("ttfv_median_days", history["median_days"], report.as_of, back),
             metric_from_history("ttfv_share_reached", history["share_reached"], report.as_of, back)]
    segments = {attribute: segment_table(
        engagement.dau_mau_by_segment(events, customers, attribute, as_of=report.as_of),
        engagement.ttfv_by_segment(rows, customers, attribute)) for attribute in attributes}
    return EngagementView(cards, by_month, engagement.ttfv_distribution(rows), segments,
                          report.settings.value_event, value.reached if value else 0,
                          value.not_reached if value else 0)


def view(current: State) -> EngagementView:
    """The Engagement page's numbers (needs a report with an engagement section), by the
    customer attributes the sidebar offers as filters."""
    attributes = tuple(data.attributes(current.workspace))
    return _view(_key(current), PERIOD_BACK.get(current.granularity, 1), attributes,
                 events_source.token(current.report_settings), current)


def database(current: State) -> events_source.Counts | None:
    """The team's events database's counts the current report is built with (None: the
    workspace's events file)."""
    return events_source.counts(events_source.token(current.report_settings), current.report_settings.value_event)


def database_caption(counted: events_source.Counts) -> str:
    """Where the page's events come from, as the CLI's stderr line says it."""
    return (f"Product events counted by the team's events database: {escape_markdown(counted.source)} · "
            f"{fmt.count(counted.rows)} aggregate rows received in {counted.seconds:.1f} s, counted again every "
            f"{events_source.WINDOW_SECONDS // 60} minutes.")


SEGMENT_RULE = ("Under the segment filter, DAU / MAU adds up the database's counts per customer of the segment: "
                "a user active for two of its customers counts twice, events without a customer are left out.")


def database_without_events(counted: events_source.Counts, filtered: bool) -> str:
    """Why the database's counts give no engagement section: no event at all, none of the
    segment's customers, or (under a filter) a source whose events name no customer."""
    aggregates = counted.aggregates
    if aggregates is None or aggregates.empty:
        why = "It has no event yet."
    elif filtered and aggregates.customer_daily.empty:
        why = "Its events name no customer, so a segment's cannot be counted: clear the filter in the sidebar."
    else:
        why = "It has no event of the segment's customers: widen the filter in the sidebar."
    return f"{database_caption(counted)} {why}"


def dau_mau_trend(by_month: pd.DataFrame, *, months_shown: int = 24) -> go.Figure:
    """DAU/MAU per month (line, left axis) over the monthly active users (pale bars, right axis)."""
    monthly = by_month.tail(months_shown)
    x = monthly.index.to_timestamp()
    figure = make_subplots(specs=[[{"secondary_y": True}]])
    figure.add_bar(x=x, y=monthly["mau"], name="Monthly active users", marker_color="rgba(134,142,150,0.45)",
                   hovertemplate="%{y} monthly active users<extra></extra>", secondary_y=False)
    figure.add_scatter(x=x, y=monthly["dau_mau"], name="DAU / MAU", mode="lines+markers",
                       line={"color": COLORS["mrr"], "width": 3}, marker={"size": 6}, connectgaps=False,
                       hovertemplate="DAU/MAU %{y:.1%}<extra></extra>", secondary_y=True)
    figure.update_layout(height=340, hovermode="x unified", **_LAYOUT)
    top = float(monthly["dau_mau"].max()) if monthly["dau_mau"].notna().any() else 0.5
    figure.update_layout(yaxis={"side": "right", "title": "Monthly active users", "showgrid": False,
                                "rangemode": "tozero", "tickformat": "d"},
                         yaxis2={"side": "left", "title": "DAU / MAU", "tickformat": ".0%",
                                 "range": [0, max(top * 1.2, 0.05)], "showgrid": True})
    figure.update_xaxes(dtick="M3", tickformat="%b %Y")
    return figure


def ttfv_histogram(distribution: pd.DataFrame) -> go.Figure:
    """Customers who reached the value event, per band of days to reach it (share on the bars)."""
    figure = go.Figure(go.Bar(
        x=distribution["band"], y=distribution["customers"], marker_color=COLORS["mrr"],
        text=[("< 1 %" if v < 0.005 else fmt.percent(v, 0)) if v else "" for v in distribution["share"].fillna(0)],
        textposition="outside",
        hovertemplate="%{x}: %{y} customers<extra></extra>",
    ))
    top = int(distribution["customers"].max()) if len(distribution) else 0
    figure.update_layout(height=340, showlegend=False, **_LAYOUT)
    figure.update_yaxes(title_text="Customers", rangemode="tozero", range=[0, max(top * 1.15, 1)])
    figure.update_xaxes(title_text="Days from start to first value", type="category")
    return figure
