"""The Satisfaction page's figures, and its views of the report cached per workspace and choice.

Figures are one call each, named after what the reader sees (`score_distribution`,
`nps_trend`, …). NPS categories always wear the same colour-blind-safe Okabe–Ito colours:
detractors vermillion, passives grey, promoters bluish green.

The cached views wrap `kpi.metrics.surveys` / `kpi.text` calls with `st.cache_data`, keyed by the
workspace's content hash, the as-of month, the segment filters and the settings (`scope`)
plus the call's own parameters; the report itself is passed unhashed (`_report`), as it is
fully determined by that key. Bounded by `max_entries` and `ttl`, like ui/data.py.

User text (segment names) reaching a Plotly label is HTML-escaped first: Plotly renders a
subset of HTML in labels, and turns the entities back into the characters typed.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from kpi import formatting as fmt
from kpi import text
from kpi.metrics import surveys
from kpi.report.build import Report, segment_attributes
from ui.choices import State

CATEGORY_COLORS = {"promoter": "#009E73", "passive": "#A3A3A3", "detractor": "#D55E00"}  # Okabe–Ito
CATEGORY_LABELS = {"promoter": "Promoters", "passive": "Passives", "detractor": "Detractors"}
BAND_COLOR = "rgba(0,114,178,0.15)"  # Okabe–Ito blue, light: the 95 % interval
LINE_COLOR = "#0072B2"
BENCHMARK_COLOR = "#6c757d"
_LAYOUT = {"margin": {"l": 10, "r": 10, "t": 30, "b": 10}, "plot_bgcolor": "rgba(0,0,0,0)",
           "font": {"size": 13}, "hoverlabel": {"font_size": 13}}
_GRID = {"showgrid": True, "gridcolor": "rgba(128,128,128,0.25)", "zeroline": False}  # light and dark themes
_CACHE = {"max_entries": 64, "ttl": 3600, "show_spinner": False}
# Six equal cards side by side in the wide layout; on a narrower screen they wrap, never truncate.
_CARD = {"border": True, "height": "stretch", "width": 148, "chart_type": "line"}
_GOOD_WHEN_UP = {"promoter": "normal", "passive": "off", "detractor": "inverse"}  # delta colours of the shares


def _safe(label: object) -> str:
    return html.escape(str(label), quote=False)


# ── figures ──────────────────────────────────────────────────────────────────────────────

@st.cache_resource(**_CACHE)  # a figure is costly to build and only read: one per content
def score_distribution(distribution: pd.DataFrame) -> go.Figure:
    """Bars of responses per score 0 … 10, coloured by NPS category, counts on the bars."""
    figure = go.Figure()
    for category in reversed(surveys.CATEGORIES):  # legend reads detractor → promoter, like the axis
        part = distribution[distribution["category"] == category]
        figure.add_bar(
            x=part["score"], y=part["responses"], name=CATEGORY_LABELS[category],
            marker_color=CATEGORY_COLORS[category], text=part["responses"].where(part["responses"] > 0, ""),
            textposition="outside",
            cliponaxis=False, customdata=part["share"] * 100,
            hovertemplate="Score %{x}: %{y} responses (%{customdata:.1f} %)<extra></extra>",
        )
    figure.update_layout(**_LAYOUT, height=340, bargap=0.15, showlegend=True,
                         legend={"orientation": "h", "y": 1.12, "x": 0})
    figure.update_xaxes(tickmode="linear", dtick=1, range=[-0.6, 10.6], title_text="Score")
    few = distribution["responses"].max() < 8
    figure.update_yaxes(title_text="Responses", rangemode="tozero", tickformat=",d", dtick=1 if few else None, **_GRID)
    return figure


@st.cache_resource(**_CACHE)  # a figure is costly to build and only read: one per content
def nps_trend(trend: pd.DataFrame, benchmark: float = surveys.SAAS_AVERAGE_NPS) -> go.Figure:
    """NPS per month with its 95 % interval as a band, and the SaaS benchmark as a dotted line.

    Months without responses are gaps, not zeros."""
    months = trend.index.to_timestamp()
    band_x, band_y = _band(months, trend["ci_low"], trend["ci_high"])
    figure = go.Figure()
    figure.add_scatter(x=band_x, y=band_y, mode="lines", line={"width": 0}, fill="toself", fillcolor=BAND_COLOR,
                       name="95 % interval", hoverinfo="skip")
    figure.add_scatter(x=[months.min(), months.max()], y=[benchmark, benchmark], mode="lines",
                       name=f"SaaS average ({benchmark:+.0f})", hoverinfo="skip",
                       line={"color": BENCHMARK_COLOR, "dash": "dot", "width": 1.5})
    figure.add_scatter(
        x=months, y=trend["score"], mode="lines+markers", name="NPS", line={"color": LINE_COLOR, "width": 2.5},
        marker={"size": 5}, customdata=trend[["ci_low", "ci_high", "n"]].to_numpy(), connectgaps=False,
        hovertemplate="NPS %{y:+.0f} (95 %: %{customdata[0]:+.0f} to %{customdata[1]:+.0f}), "
                      "%{customdata[2]} responses<extra></extra>",
    )
    figure.update_layout(**_LAYOUT, height=340, hovermode="x unified", legend={"orientation": "h", "y": 1.12, "x": 0})
    span = len(trend)
    padding = pd.Timedelta(days=45 if span <= 3 else 15)  # a lone month is not a full-width block
    figure.update_xaxes(tickformat="%b %Y", dtick="M1" if span <= 8 else "M3" if span <= 24 else "M6",
                        range=[months.min() - padding, months.max() + padding] if span else None, **_GRID)
    figure.update_yaxes(title_text="NPS (points)", range=_padded_range(trend, benchmark), **_GRID)
    return figure


def _band(months: pd.DatetimeIndex, low: pd.Series, high: pd.Series) -> tuple[list, list]:
    """The interval as closed outlines, one per run of months with responses, separated by None
    (so a month without responses leaves a gap instead of a band drawn across it)."""
    known = high.notna().to_numpy()
    run = (known != pd.Series(known).shift(fill_value=False).to_numpy()).cumsum()  # run number of each month
    highs, lows = high.to_numpy(dtype=float), low.to_numpy(dtype=float)
    xs: list = []
    ys: list = []
    for number in pd.unique(run[known]):  # a few runs at most: drawing, not a hot path
        positions = np.flatnonzero(known & (run == number))
        x = list(months[positions])
        if len(positions) == 1:  # a lone month: a narrow band around it rather than an invisible line
            x = [x[0] - pd.Timedelta(days=8), x[0] + pd.Timedelta(days=8)]
            positions = np.repeat(positions, 2)
        xs += x + x[::-1] + [None]
        ys += list(highs[positions]) + list(lows[positions][::-1]) + [None]
    return xs, ys


def _padded_range(trend: pd.DataFrame, benchmark: float) -> list[float]:
    """A y range holding the whole band, zero and the benchmark, padded, within −100 … +100."""
    low = min(trend["ci_low"].min(skipna=True), 0.0, benchmark) if trend["ci_low"].notna().any() else -100.0
    high = max(trend["ci_high"].max(skipna=True), benchmark) if trend["ci_high"].notna().any() else 100.0
    return [max(-100.0, low - 10), min(100.0, high + 10)]


@st.cache_resource(**_CACHE)  # a figure is costly to build and only read: one per content
def segment_scores(table: pd.DataFrame, overall: float | None) -> go.Figure:
    """One dot per segment at its NPS with its 95 % interval as a bar, the overall NPS as a line.

    `table`: `surveys.nps_by_segment` (index = segment). Segments keep the table's order
    (most responses first), top to bottom."""
    labels = [f"{_safe(name)}  (n = {n})" for name, n in zip(table.index, table["n"], strict=True)]
    figure = go.Figure()
    figure.add_scatter(
        x=table["score"], y=labels, mode="markers", marker={"size": 12, "color": LINE_COLOR},
        error_x={"type": "data", "symmetric": False, "array": table["ci_high"] - table["score"],
                 "arrayminus": table["score"] - table["ci_low"], "color": LINE_COLOR, "thickness": 2, "width": 6},
        customdata=table[["ci_low", "ci_high"]].to_numpy(), showlegend=False,
        hovertemplate="%{y}: NPS %{x:+.0f} (95 %: %{customdata[0]:+.0f} to %{customdata[1]:+.0f})<extra></extra>",
    )
    if overall is not None:
        figure.add_vline(x=overall, line={"color": BENCHMARK_COLOR, "dash": "dot", "width": 1.5},
                         annotation_text=f"all {overall:+.0f}", annotation_position="top",
                         annotation_font={"color": BENCHMARK_COLOR, "size": 12})
    figure.update_layout(**_LAYOUT, height=max(180, 70 + 48 * len(table)))
    figure.update_xaxes(title_text="NPS (points), 95 % interval", range=[-106, 106], dtick=50, **_GRID)
    figure.update_yaxes(autorange="reversed")
    return figure


@st.cache_resource(**_CACHE)  # a figure is costly to build and only read: one per content
def revenue_by_category(table: pd.DataFrame) -> go.Figure:
    """Grouped bars per NPS category: NRR over 12 months (dotted line at 100 %) and 12-month logo churn.

    `table`: `surveys.nps_revenue` (index = category)."""
    measures = ["NRR, 12 months", "Logo churn, 12 months"]
    figure = go.Figure()
    for category in table.index:
        values = table.loc[category, ["nrr_12m", "logo_churn_rate_12m"]].astype(float)
        figure.add_bar(x=measures, y=values * 100, name=CATEGORY_LABELS[category],
                       marker_color=CATEGORY_COLORS[category], text=[fmt.percent(v, 0) for v in values],
                       textposition="outside", cliponaxis=False,
                       hovertemplate=f"{CATEGORY_LABELS[category]}: %{{y:.1f}} %<extra></extra>")
    figure.add_hline(y=100, line={"color": BENCHMARK_COLOR, "dash": "dot", "width": 1.5},
                     annotation_text="100 %", annotation_position="top right",
                     annotation_font={"color": BENCHMARK_COLOR, "size": 12})
    figure.update_layout(**_LAYOUT, height=320, barmode="group", bargap=0.25, bargroupgap=0.08,
                         legend={"orientation": "h", "y": 1.14, "x": 0})
    figure.update_yaxes(ticksuffix=" %", rangemode="tozero", **_GRID)
    return figure


@st.cache_resource(**_CACHE)  # a figure is costly to build and only read: one per content
def terms_by_category(terms: pd.DataFrame, n: int) -> go.Figure:
    """Side-by-side horizontal bars of the top terms of each NPS category (most frequent on top).

    `terms`: `kpi.text.top_terms_by` with a `category` column. A category without comments
    keeps its panel, empty."""
    figure = make_subplots(rows=1, cols=3, horizontal_spacing=0.16,
                           subplot_titles=[CATEGORY_LABELS[c] for c in surveys.CATEGORIES])
    for col, category in enumerate(surveys.CATEGORIES, start=1):
        part = terms[terms["category"] == category]
        figure.add_bar(x=part["count"], y=part["term"], orientation="h", marker_color=CATEGORY_COLORS[category],
                       showlegend=False, text=part["count"], textposition="outside", cliponaxis=False,
                       hovertemplate="%{y}: in %{x} comments<extra></extra>", row=1, col=col)
        figure.update_yaxes(autorange="reversed", row=1, col=col)
    figure.update_xaxes(showticklabels=False, **_GRID)
    longest = int(terms.groupby("category", observed=True).size().max()) if len(terms) else 1
    figure.update_layout(**_LAYOUT, height=70 + 26 * min(longest, n) + 20)
    figure.update_layout(margin={"t": 40})
    return figure


# ── cached views ─────────────────────────────────────────────────────────────────────────

def scope(current: State) -> tuple:
    """What a report is a function of: workspace content, as-of month, segment filters, settings."""
    return current.workspace.key, current.as_of, current.filters, current.report_settings


def survey(report: Report, table: str) -> pd.DataFrame | None:
    """The segment-filtered canonical survey table (nps, csat or ces); None when not mapped."""
    return report.tables.get(table) if report.tables is not None else None


def _survey_options(report: Report) -> dict:
    return {"as_of": report.as_of, "window": report.settings.survey_window, "rule": report.settings.nps_rule}


@st.cache_data(**_CACHE)
def _monthly(key: tuple, table: str, _report: Report) -> pd.DataFrame:
    rows = survey(_report, table)
    by_month = {"nps": surveys.nps_by_month, "csat": surveys.csat_by_month, "ces": surveys.ces_by_month}[table]
    options = _survey_options(_report)
    if table == "csat":
        options["scale"] = _report.csat.scale if _report.csat is not None else surveys.CSAT_SCALE
    return by_month(rows, **options)


def monthly(current: State, report: Report, table: str) -> pd.DataFrame:
    """`nps_by_month` / `csat_by_month` / `ces_by_month` with the settings' window and rule."""
    return _monthly(scope(current), table, report)


@st.cache_data(**_CACHE)
def _attributes(key: tuple, _report: Report) -> list[str]:
    customers = segment_attributes(_report.tables) if _report.tables is not None else {}
    return surveys.breakdown_attributes(survey(_report, "nps"), list(customers))


def attributes(current: State, report: Report) -> list[str]:
    """What NPS can be broken down by (the responses' columns, then the customers' attributes)."""
    return _attributes(scope(current), report)


@st.cache_data(**_CACHE)
def _breakdown(key: tuple, by: str, _report: Report) -> surveys.SegmentTest:
    customers = _report.tables.get("customers")
    return surveys.segment_test(survey(_report, "nps"), by, customers=customers, **_survey_options(_report))


def breakdown(current: State, report: Report, by: str) -> surveys.SegmentTest:
    """NPS per value of `by` and the chi-square test of whether they differ (`segment_test`)."""
    return _breakdown(scope(current), by, report)


@st.cache_data(**_CACHE)
def _revenue(key: tuple, _report: Report) -> pd.DataFrame:
    return surveys.nps_revenue(survey(_report, "nps"), _report.revenue.mrr, _report.as_of)


def revenue(current: State, report: Report) -> pd.DataFrame:
    """`nps_revenue`: MRR, 12-month logo churn and NRR per NPS category (needs revenue)."""
    return _revenue(scope(current), report)


@st.cache_data(**_CACHE)
def _answers(key: tuple, everything: bool, by: str | None, _report: Report) -> pd.DataFrame:
    rows = survey(_report, "nps")
    options = _survey_options(_report) | ({"window": "all"} if everything else {})
    counted = surveys.counted_responses(rows, **options)
    return surveys.verbatims(counted, by=by, customers=_report.tables.get("customers"))


def answers(current: State, report: Report, *, everything: bool, by: str | None) -> pd.DataFrame:
    """Every commented NPS response of the headline's window (or, `everything`, to date)."""
    return _answers(scope(current), everything, by, report)


@st.cache_data(**_CACHE)
def _filtered(key: tuple, everything: bool, by: str | None, categories: tuple[str, ...], segments: tuple[str, ...],
              search: str, n: int, _report: Report) -> tuple[pd.DataFrame, pd.DataFrame]:
    shown = surveys.verbatims(_answers(key, everything, by, _report), by=by, categories=categories,
                              segments=segments, search=search)
    return shown, text.top_terms_by(shown["comment"], shown["category"], n)


def filtered(current: State, report: Report, *, everything: bool, by: str | None, categories: tuple[str, ...],
             segments: tuple[str, ...], search: str, n: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The verbatims narrowed by the filters, and the top `n` terms per category among them."""
    return _filtered(scope(current), everything, by, tuple(categories), tuple(segments), search, n, report)


# ── headline cards ───────────────────────────────────────────────────────────────────────

def nps_text(score: float | None) -> str:
    """'+42', '−7', 'n/a': NPS in whole points with its sign."""
    return fmt.NOT_AVAILABLE if fmt.missing(score) else f"{score:+.0f}".replace("-", "−")


def interval(result: surveys.NPS) -> str:
    """'+35 to +48': the NPS 95 % interval in words."""
    return fmt.NOT_AVAILABLE if result.ci95 is None else f"{nps_text(result.ci95[0])} to {nps_text(result.ci95[1])}"


def _points_change(value: float | None, previous: float | None) -> str | None:
    if fmt.missing(value) or fmt.missing(previous):
        return None
    return f"{value - previous:+.1f} pts"  # ASCII sign: st.metric reads the direction from it


def _spark(history: pd.Series) -> list[float] | None:
    points = history.dropna().tail(12)
    return points.to_list() if len(points) > 1 else None


def _since(series: pd.DataFrame) -> str | None:
    return f"vs {(series.index[-2]).strftime('%b')}" if len(series) > 1 else None


def _month_end(series: pd.DataFrame, column: str) -> tuple[float | None, float | None]:
    """The last month's value and the one before (as the report's `metric` takes them)."""
    values = series[column]
    last = values.iloc[-1] if len(values) else None
    previous = values.iloc[-2] if len(values) > 1 else None
    return (None if fmt.missing(last) else float(last)), (None if fmt.missing(previous) else float(previous))


def headline(report: Report, trends: dict[str, pd.DataFrame], window: str) -> None:
    """A row of cards: NPS ± margin, the three category shares, CSAT and CES (those given).

    `trends`: the monthly series of each survey table given (`monthly`), for deltas and sparklines."""
    with st.container(horizontal=True):  # equal cards that wrap on a narrow screen instead of truncating
        if report.nps is not None:
            nps_card(report.nps, trends["nps"], window)
            for category in surveys.CATEGORIES:
                share_card(report.nps, category, trends["nps"])
        if report.csat is not None:
            csat_card(report.csat, trends["csat"], window)
        if report.ces is not None:
            ces_card(report.ces, trends["ces"], window)


def nps_card(result: surveys.NPS, trend: pd.DataFrame, window: str) -> None:
    """NPS with its margin of error, its month-over-month change and sparkline."""
    margin = surveys.nps_margin(result)
    value, previous = _month_end(trend, "score")
    st.metric(
        "NPS" if margin is None else f"NPS (±{margin:.1f} pts)", nps_text(result.score),
        delta=_points_change(value, previous), delta_description=_since(trend), chart_data=_spark(trend["score"]),
        **_CARD,
        help=f"Net Promoter Score of {fmt.count(result.n)} responses ({window}): 100 × (promoters − detractors) "
             f"÷ responses, from −100 to +100. ± is the margin of error, half the 95 % interval "
             f"({interval(result)}): 100 × 1.96 × √((p_P + p_D − (p_P − p_D)²) ÷ n). SaaS average: "
             f"{surveys.SAAS_AVERAGE_NPS:.0f}. Change against the previous month-end.",
    )


def share_card(result: surveys.NPS, category: str, trend: pd.DataFrame) -> None:
    """The share of promoters, passives or detractors, its change in points and its sparkline."""
    shares = surveys.category_shares(result)
    history = surveys.category_shares_by_month(trend)[[category]]
    value, previous = _month_end(history, category)
    change = fmt.point_change(value, previous)
    steady = change is not None and change.lstrip("+-") == "0.0 pp"  # no "-0.0 pp" in red for 0.04 points
    scores = {"promoter": "9–10", "passive": "7–8", "detractor": "0–6"}[category]
    st.metric(CATEGORY_LABELS[category], fmt.percent(shares.at[category, "share"], 0),
              delta="0.0 pp" if steady else change, delta_description=_since(trend),
              delta_color="off" if steady else _GOOD_WHEN_UP[category], delta_arrow="off" if steady else "auto",
              chart_data=_spark(history[category]), **_CARD,
              help=f"{fmt.count(shares.at[category, 'responses'])} of {fmt.count(result.n)} responses scored {scores}.")


def csat_card(result: surveys.CSAT, trend: pd.DataFrame, window: str) -> None:
    low, high = (f"{v:g}" for v in result.scale)
    value, previous = _month_end(trend, "score")
    st.metric(
        "CSAT", fmt.percent(result.score), delta=fmt.point_change(value, previous), delta_description=_since(trend),
        chart_data=_spark(trend["score"]), **_CARD,
        help=f"Customer satisfaction: {fmt.count(result.satisfied)} of {fmt.count(result.n)} responses ({window}) "
             f"in the top two boxes ({result.satisfied_from:g}–{high} on a {low}–{high} scale).",
    )


def ces_card(result: surveys.CES, trend: pd.DataFrame, window: str) -> None:
    low, high = (f"{v:g}" for v in result.scale)
    value, previous = _month_end(trend, "mean")
    delta = None if value is None or previous is None else f"{value - previous:+.2f}"
    st.metric(
        f"CES ({low}–{high})", fmt.NOT_AVAILABLE if result.mean is None else f"{result.mean:.2f}", delta=delta,
        delta_description=_since(trend), delta_color="off",  # good or bad depends on the question: not guessed
        chart_data=_spark(trend["mean"]), **_CARD,
        help=f"Customer effort score: mean of {fmt.count(result.n)} responses ({window}) on the {low}–{high} scale "
             "of the data. Whether high means easy depends on the question asked (the demo's: 7 = very easy).",
    )


def segment_table(table: pd.DataFrame) -> pd.DataFrame:
    """`nps_by_segment` as shown beside its chart: segment, responses, NPS, 95 % interval in words."""
    return pd.DataFrame({
        table.index.name: table.index.astype(str),
        "Responses": table["n"].to_numpy(),
        "NPS": [nps_text(v) for v in table["score"]],
        "95 % interval": [f"{nps_text(lo)} to {nps_text(hi)}" for lo, hi in zip(table["ci_low"], table["ci_high"],
                                                                                 strict=True)],
    })


def revenue_table(table: pd.DataFrame, currency: str | None) -> None:
    """`nps_revenue` as a table: one row per NPS category, amounts in the currency, rates in %."""
    symbol = fmt.CURRENCY_SYMBOLS.get((currency or "").upper(), "")
    shown = table.rename(index=CATEGORY_LABELS).reset_index()
    shown[["logo_churn_rate_12m", "nrr_12m"]] = shown[["logo_churn_rate_12m", "nrr_12m"]] * 100  # shown in %
    st.dataframe(
        shown, hide_index=True, width="stretch",
        column_config={
            "category": "NPS category", "customers": "Customers", "paying_customers": "Paying now",
            "mrr": st.column_config.NumberColumn(f"MRR now ({currency or 'amount'})", format=f"{symbol}%,.0f"),
            "base_customers": st.column_config.NumberColumn("Paying 12 months ago"),
            "churned_customers": st.column_config.NumberColumn("Churned since"),
            "logo_churn_rate_12m": st.column_config.NumberColumn("Logo churn, 12 months", format="%.1f %%"),
            "nrr_12m": st.column_config.NumberColumn("NRR, 12 months", format="%.1f %%"),
        },
    )


def verbatims_table(shown: pd.DataFrame, segment_by: str | None) -> None:
    """The comments as a table (st.dataframe shows text as typed: never Markdown, never HTML)."""
    segment = {segment_by: st.column_config.TextColumn(segment_by.replace("_", " ").capitalize(), width=120)} \
        if segment_by else {}
    st.dataframe(
        shown, hide_index=True, width="stretch", height="auto" if len(shown) <= 10 else 400,
        column_config={"date": st.column_config.DatetimeColumn("Date", format="D MMM YYYY", width=110),
                       "score": st.column_config.NumberColumn("Score", format="%.0f", width=60),
                       "category": st.column_config.TextColumn("Category", width=100),
                       **segment,
                       "comment": st.column_config.TextColumn("Comment", width="large")},
    )


def window_text(report: Report) -> str:
    """The responses a headline figure counts, in words: 'last 90 days', 'October 2026', 'all to date'."""
    window, month = report.settings.survey_window, report.as_of
    if window == "all":
        text_ = "every response to date"
    elif window == "month":
        text_ = f"responses of {month.strftime('%B %Y')}"
    else:
        text_ = f"last {window} days to {month.end_time.strftime('%-d %B %Y')}"
    return text_ + ("; each customer's latest answer" if report.settings.nps_rule == "latest" else "")
