"""The investor update as text for people: a Markdown summary, an HTML email body and a
self-contained HTML report with interactive charts.

- `to_markdown`: title, narrative, the headline table, highlights, lowlights, a finance paragraph
  (cash and runway, plan, forecast: when the update has them), commentary.
- `to_email_html`: the same content as an email body: one HTML document, inline styles,
  tables for layout, no script and no remote resource.
- `to_html`: the report a founder attaches or hosts: the same content plus interactive plotly
  charts (MRR bridge, MRR trend with movements, cohort retention heatmap, NPS by segment) and
  the cohort table, then cash & runway, plan vs actual and the MRR forecast when the update has
  them (`kpi.exports.html_finance`). plotly.js is inlined once, gzipped (4.8 MB → 1.9 MB in base64), and
  unpacked by the browser itself (`DecompressionStream`), so the file stays light and works
  offline; the charts are drawn once it is unpacked.

Every string that comes from a user (customer and segment names, the edited narrative, the
title, the company, the commentary) is escaped: `html.escape` in HTML (before it enters a
plotly figure too, since plotly renders a subset of HTML in labels), `escape_markdown` in
Markdown. Output is deterministic: the same update and report give the same text.
"""

from __future__ import annotations

import base64
import functools
import gzip
import html
import math
import re

import pandas as pd

from kpi.exports.html_finance import finance_sections
from kpi.report import narrative as words
from kpi.report.build import Report
from kpi.report.update import GAINS, LOSSES, PALETTE, InvestorUpdate
from kpi.report.update_finance import finance_paragraph
from kpi.report.update_views import nps_breakdown, recent_cohorts, segment_verdict

_MD_INLINE = re.compile(r"([\\`*_\[\]<>|~&$])")
_MD_BLOCK_STARTS = (  # what opens a block at a line's start: escape its first character
    re.compile(r"^(\s*)(#{1,6})(?=\s|$)"),  # heading
    re.compile(r"^(\s*)(>)"),  # block quote
    re.compile(r"^(\s*)([-+])(?=\s|$)"),  # bullet list item
    re.compile(r"^(\s*)([-=])(?=[-=\s]*$)"),  # thematic break, setext underline
    re.compile(r"^(\s*\d{1,9})([.)])(?=\s|$)"),  # ordered list item
)


def escape_markdown_inline(text: object) -> str:
    """`text` made literal inside a Markdown line (a table cell, after a list marker): a
    backslash before \\ ` * _ [ ] < > | ~ & $, line breaks made spaces."""
    return _MD_INLINE.sub(r"\\\1", re.sub(r"[\r\n]+", " ", str(text)))


def escape_markdown(text: object) -> str:
    """`text` made literal in CommonMark/GFM: a backslash before every character that would
    start emphasis, code, a link, an HTML tag or entity, a table cell, a strike-through or math
    (\\ ` * _ [ ] < > | ~ & $), and before what would open a block at a line's start (a heading,
    a quote, a list item, a thematic break or setext underline). Line breaks are kept."""
    lines = []
    for line in str(text).split("\n"):
        line = _MD_INLINE.sub(r"\\\1", line.rstrip("\r"))
        for pattern in _MD_BLOCK_STARTS:
            line = pattern.sub(r"\1\\\2", line)
        lines.append(line)
    return "\n".join(lines)


def _md_paragraph(text: str) -> str:
    """A user's multi-line text as one Markdown paragraph with hard line breaks."""
    return "  \n".join(escape_markdown(line) for line in text.split("\n"))


def to_markdown(update: InvestorUpdate, report: Report) -> str:
    """The update as Markdown (the CLI's `--format md` and the page's Markdown download)."""
    w = update.labels
    lines = [f"# {escape_markdown(update.title)}", ""]
    subtitle = f"{update.period_label} — {w['compared_with']} {update.comparison_label}"
    if update.company:
        subtitle = f"{update.company} · {subtitle}"
    lines += [f"*{escape_markdown(subtitle)}*", "", _md_paragraph(update.narrative), ""]
    header = (w["kpi"], update.period_label, update.comparison_label, w["change"])
    lines += ["| " + " | ".join(escape_markdown_inline(c) for c in header) + " |", "|---|---:|---:|---:|"]
    for h in update.headline:
        cells = (h.label, h.value_text, h.comparison_text, h.change_text)
        lines.append("| " + " | ".join(escape_markdown_inline(c) for c in cells) + " |")
    for heading, items in ((w["highlights"], update.highlights), (w["lowlights"], update.lowlights)):
        lines += ["", f"## {heading}", ""]
        bullets = [f"- {escape_markdown(' '.join(item.text.splitlines()))}" for item in items]
        lines += bullets or [escape_markdown(w["none"])]
    if finance := finance_paragraph(update.finance):  # cash and runway, plan, forecast
        lines += ["", f"## {update.finance.labels['finance']}", "", escape_markdown(finance)]
    commentary = [(name, text) for name, text in update.commentary if text]
    if commentary:
        lines += ["", f"## {w['commentary']}"]
        for name, text in commentary:
            lines += ["", f"### {w[name]}", "", _md_paragraph(text)]
    return "\n".join(lines) + "\n"


# ── HTML pieces shared by the email and the report ───────────────────────────────────────

e = html.escape


_SIGNED = re.compile(r"([+\u2212]\S+)")


def _html_text(text: str) -> str:
    """A user's text as HTML: escaped, line breaks kept, a signed amount never split after its sign."""
    return "<br>".join(_SIGNED.sub(r'<span style="white-space:nowrap">\1</span>', e(line)) for line in text.split("\n"))


def _change_colour(better: bool | None) -> str:
    return "#" + (PALETTE["good"] if better else PALETTE["bad"] if better is False else PALETTE["muted"])


def _kpi_rows(update: InvestorUpdate, cell: str, head: str) -> str:
    w = update.labels
    rows = [f"<tr><th style=\"{head};text-align:left\">{e(w['kpi'])}</th>"
            f"<th style=\"{head}\">{e(update.period_label)}</th><th style=\"{head}\">{e(update.comparison_label)}</th>"
            f"<th style=\"{head}\">{e(w['change'])}</th></tr>"]
    for i, h in enumerate(update.headline):
        background = "#FFFFFF" if i % 2 == 0 else "#" + PALETTE["light"]
        rows.append(
            f"<tr style=\"background:{background}\"><td style=\"{cell};text-align:left\">{e(h.label)}</td>"
            f"<td style=\"{cell};font-weight:700\">{e(h.value_text)}</td>"
            f"<td style=\"{cell};color:#{PALETTE['muted']}\">{e(h.comparison_text)}</td>"
            f"<td style=\"{cell};font-weight:700;color:{_change_colour(h.better)}\">{e(h.change_text)}</td></tr>")
    return "\n".join(rows)


def _list_items(items, none: str) -> str:
    if not items:
        return f"<p style=\"margin:0;color:#{PALETTE['muted']}\">{e(none)}</p>"
    lis = "".join(f"<li style=\"margin:0 0 6px 0\">{e(item.text)}</li>" for item in items)
    return f"<ul style=\"margin:0;padding-left:20px;color:#{PALETTE['ink']}\">{lis}</ul>"


def to_email_html(update: InvestorUpdate, report: Report) -> str:
    """The update as an HTML email body: inline styles, table layout, no script, no image."""
    w = update.labels
    font = "font-family:Arial,Helvetica,sans-serif"
    ink, muted, navy = (f"#{PALETTE[k]}" for k in ("ink", "muted", "navy"))
    cell = f"{font};font-size:14px;padding:6px 10px;text-align:right;border-bottom:1px solid #{PALETTE['line']}"
    head = f"{font};font-size:13px;padding:8px 10px;text-align:right;background:{navy};color:#FFFFFF"
    subtitle = f"{update.period_label} — {w['compared_with']} {update.comparison_label}"
    company = f"{e(update.company).upper()} · " if update.company else ""
    parts = [
        "<!DOCTYPE html>",
        f"<html lang=\"{update.language}\"><head><meta charset=\"utf-8\"><title>{e(update.title)}</title></head>",
        "<body style=\"margin:0;padding:0;background:#FFFFFF\">",
        f"<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" style=\"{font};color:{ink}\">"
        "<tr><td align=\"center\" style=\"padding:24px 12px\">",
        "<table role=\"presentation\" width=\"640\" cellpadding=\"0\" cellspacing=\"0\" "
        "style=\"max-width:640px;width:100%\">",
        f"<tr><td style=\"{font};font-size:12px;font-weight:700;letter-spacing:1px;color:{muted}\">"
        f"{company}{e(w['kicker']).upper()}</td></tr>",
        f"<tr><td style=\"{font};font-size:26px;font-weight:700;color:{navy};padding:4px 0\">"
        f"{e(update.title)}</td></tr>",
        f"<tr><td style=\"{font};font-size:14px;color:{muted};padding-bottom:16px\">{e(subtitle)}</td></tr>",
        f"<tr><td style=\"{font};font-size:15px;line-height:1.5;background:#{PALETTE['light']};padding:14px 16px\">"
        f"{_html_text(update.narrative)}</td></tr>",
        "<tr><td style=\"padding-top:18px\">",
        "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" "
        "style=\"border-collapse:collapse\">"
        f"{_kpi_rows(update, cell, head)}</table>",
        "</td></tr>",
    ]
    for heading, items, colour in ((w["highlights"], update.highlights, "good"),
                                   (w["lowlights"], update.lowlights, "bad")):
        parts.append(f"<tr><td style=\"{font};font-size:17px;font-weight:700;color:#{PALETTE[colour]};"
                     f"padding:20px 0 6px 0\">{e(heading)}</td></tr>")
        parts.append(f"<tr><td style=\"{font};font-size:14px;line-height:1.45\">"
                     f"{_list_items(items, w['none'])}</td></tr>")
    commentary = [(name, text) for name, text in update.commentary if text]
    if commentary:
        parts.append(f"<tr><td style=\"{font};font-size:17px;font-weight:700;color:{navy};padding:20px 0 6px 0\">"
                     f"{e(w['commentary'])}</td></tr>")
        for name, text in commentary:
            parts.append(f"<tr><td style=\"{font};font-size:14px;line-height:1.45;padding-bottom:10px\">"
                         f"<strong>{e(w[name])}</strong><br>{_html_text(text)}</td></tr>")
    parts += [
        f"<tr><td style=\"{font};font-size:12px;color:{muted};padding-top:24px\">{e(w['generated'])}</td></tr>",
        "</table></td></tr></table></body></html>",
    ]
    return "\n".join(parts) + "\n"


# ── the self-contained report ────────────────────────────────────────────────────────────

_CSS = """
*{box-sizing:border-box}
body{margin:0;font-family:Arial,Helvetica,sans-serif;color:#1F2937;background:#F8F9FB}
main{max-width:1120px;margin:0 auto;padding:32px 24px 48px}
.kicker{font-size:12px;font-weight:700;letter-spacing:1px;color:#6B7280;text-transform:uppercase}
h1{font-size:32px;color:#1E2A4A;margin:6px 0 4px}
h2{font-size:20px;color:#1E2A4A;margin:0 0 12px}
h3{font-size:15px;margin:0 0 6px}
.subtitle{color:#6B7280;margin:0 0 24px}
.card{background:#FFFFFF;border:1px solid #E5E7EB;border-radius:10px;padding:20px 22px;margin:0 0 20px}
.narrative{font-size:16px;line-height:1.55}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:20px}
.grid3{display:grid;grid-template-columns:1fr 1fr 1fr;gap:20px}
@media (max-width:800px){.grid,.grid3{grid-template-columns:1fr}}
table{border-collapse:collapse;width:100%}
th,td{padding:7px 10px;text-align:right;font-size:14px;border-bottom:1px solid #E5E7EB}
th{background:#1E2A4A;color:#FFFFFF;font-weight:700}
th:first-child,td:first-child{text-align:left}
td.value{font-weight:700}
td.muted{color:#6B7280}
.good{color:#2F9E44}.bad{color:#E03131}.neutral{color:#6B7280}
td.good,td.bad,td.neutral{font-weight:700}
ul{margin:0;padding-left:20px;line-height:1.5}
li{margin-bottom:6px}
.highlights h2{color:#2F9E44}.lowlights h2{color:#E03131}
.cohorts td,.cohorts th{text-align:center;font-size:13px;padding:5px 6px}
.cohorts td:first-child,.cohorts th:first-child{text-align:left}
.note{color:#6B7280;font-size:13px;margin:8px 0 0}
.chart{width:100%;height:420px}
footer{color:#6B7280;font-size:12px;margin-top:24px}
"""


def _plotly_js() -> str:
    import plotly.offline

    return plotly.offline.get_plotlyjs()


PLOTLY_PACKED_ID = "plotly-js-gzip"
FIGURE_SCRIPT = "text/x-plotly-figure"  # a figure's script, run once plotly.js is unpacked
# Unpacks plotly.js (gzip, base64) with the browser's own DecompressionStream — no network, no
# library — runs it, then each figure's script. A browser without it says so in place of a chart.
_LOADER = f"""(async () => {{
  const figures = Array.from(document.querySelectorAll('script[type="{FIGURE_SCRIPT}"]'));
  try {{
    const packed = atob(document.getElementById("{PLOTLY_PACKED_ID}").textContent.trim());
    const bytes = Uint8Array.from(packed, (c) => c.charCodeAt(0));
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    const library = document.createElement("script");
    library.text = await new Response(stream).text();
    document.head.appendChild(library);
  }} catch (error) {{
    for (const figure of figures) {{
      figure.insertAdjacentText("beforebegin", "This browser cannot unpack the charts: open the report in a recent "
                                               + "Chrome, Edge, Firefox or Safari.");
    }}
    return;
  }}
  for (const figure of figures) {{
    const script = document.createElement("script");
    script.text = figure.textContent;
    figure.replaceWith(script);
  }}
}})();"""


@functools.cache  # 0.3 s of compression, once per process
def packed_plotly_js() -> str:
    """plotly.js gzipped (level 9, no timestamp: the same bytes every time) and base64-encoded."""
    return base64.b64encode(gzip.compress(_plotly_js().encode("utf-8"), compresslevel=9, mtime=0)).decode("ascii")


def _figure_html(figure, div_id: str, height: int = 420) -> str:
    import plotly.io

    figure.update_layout(template="plotly_white", font={"family": "Arial, Helvetica, sans-serif", "size": 13},
                         margin={"l": 70, "r": 20, "t": 30, "b": 50}, height=height)
    fragment = plotly.io.to_html(figure, include_plotlyjs=False, full_html=False, div_id=div_id,
                                 config={"displaylogo": False, "responsive": True}, default_height=f"{height}px")
    return fragment.replace("<script>", f'<script type="{FIGURE_SCRIPT}">')  # run by _LOADER


def _money_axis(update: InvestorUpdate) -> dict:
    """Axis ticks as €60k / 60 k€."""
    code = (update.currency or "").upper()
    symbol = words.SUFFIX_SYMBOLS.get(code, code)
    if not symbol:
        return {"tickformat": "~s"}
    if update.language == "fr" or symbol not in ("€", "$", "£", "¥"):
        return {"tickformat": "~s", "ticksuffix": f" {symbol}"}
    return {"tickformat": "~s", "tickprefix": symbol}


def _bridge_figure(update: InvestorUpdate):
    import plotly.graph_objects as go

    b, w, n = update.bridge, update.labels, update.numbers
    before = words.month_label(update.months[0] - 1, update.language, short=True)
    after = words.month_label(update.months[-1], update.language, short=True)
    steps = [(f"MRR {before}", b.start, "absolute", n.money(b.start)),
             (w["new"], b.new, "relative", n.money(b.new, signed=True)),
             (w["expansion"], b.expansion, "relative", n.money(b.expansion, signed=True)),
             (w["reactivation"], b.reactivation, "relative", n.money(b.reactivation, signed=True)),
             (w["contraction"], -b.contraction, "relative", n.money(-b.contraction, signed=True)),
             (w["churn"], -b.churn, "relative", n.money(-b.churn, signed=True)),
             (f"MRR {after}", b.end, "total", n.money(b.end))]
    figure = go.Figure(go.Waterfall(
        x=[s[0] for s in steps], y=[s[1] for s in steps], measure=[s[2] for s in steps],
        text=[s[3] for s in steps], textposition="outside", hoverinfo="x+text",
        increasing={"marker": {"color": "#" + PALETTE["good"]}}, decreasing={"marker": {"color": "#" + PALETTE["bad"]}},
        totals={"marker": {"color": "#" + PALETTE["mrr"]}}, connector={"line": {"color": "#" + PALETTE["line"]}},
    ))
    low = min(b.start, b.end, b.start + b.new + b.expansion + b.reactivation - b.contraction - b.churn)
    high = max(b.start + b.new + b.expansion + b.reactivation, b.start, b.end)
    span = max(high - low, 1.0)
    figure.update_yaxes(range=[max(0.0, low - 1.2 * span), high + 0.35 * span], **_money_axis(update))
    figure.update_layout(showlegend=False)
    return figure


def _trend_figure(update: InvestorUpdate, report: Report):
    from plotly.subplots import make_subplots

    series = report.series_frame()
    w = update.labels
    x = [month.to_timestamp() for month in series.index]
    figure = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.6, 0.4], vertical_spacing=0.06)
    figure.add_scatter(x=x, y=series["mrr"].astype(float), name=w["mrr"], mode="lines",
                       line={"color": "#" + PALETTE["mrr"], "width": 3}, row=1, col=1)
    for name in GAINS + LOSSES:
        sign = 1 if name in GAINS else -1
        figure.add_bar(x=x, y=(sign * series[name]).astype(float), name=w[name], marker_color="#" + PALETTE[name],
                       row=2, col=1)
    figure.update_layout(barmode="relative", legend={"orientation": "h", "y": -0.12}, hovermode="x unified")
    figure.update_yaxes(**_money_axis(update))
    return figure


def _cohort_figure(update: InvestorUpdate, report: Report):
    import plotly.graph_objects as go

    data = recent_cohorts(report, cohorts=24, ages=24)
    letter = update.labels[f"age_{report.cohorts.period}"]
    values = data.drop(columns="size")
    labels = [str(c) for c in values.index]
    text = [["" if pd.isna(v) else update.numbers.percent(v, 0) for v in row] for row in values.to_numpy(dtype=float)]
    figure = go.Figure(go.Heatmap(
        z=[[None if pd.isna(v) else float(v) for v in row] for row in values.to_numpy(dtype=float)],
        x=[f"{letter}{age}" for age in values.columns], y=labels, text=text, texttemplate="%{text}",
        colorscale=[[0, "#EEF2FF"], [1, "#" + PALETTE["mrr"]]], zmin=max(0.0, min(0.5, float(values.min().min()))),
        zmax=1.0, showscale=False, hovertemplate="%{y} %{x}: %{text}<extra></extra>",
    ))
    figure.update_yaxes(autorange="reversed", type="category", dtick=1)
    return figure


def _nps_figure(update: InvestorUpdate, report: Report):
    import plotly.graph_objects as go

    breakdown = nps_breakdown(report)
    table = breakdown.table
    n = update.numbers
    segments = [e(str(s)) for s in table.index]  # plotly renders HTML in labels: escape user text
    figure = go.Figure(go.Bar(
        x=table["score"].astype(float), y=segments, orientation="h", marker_color="#" + PALETTE["mrr"],
        text=[f"{n.points(s)} ({n.count(c)})" for s, c in zip(table["score"], table["n"], strict=True)],
        textposition="outside", hoverinfo="y+text",
    ))
    figure.update_xaxes(range=[-100, 100], dtick=25)
    figure.update_yaxes(autorange="reversed")
    return figure


def _cohort_table(update: InvestorUpdate, report: Report) -> str:
    data = recent_cohorts(report)
    w, n = update.labels, update.numbers
    cohorts = report.cohorts
    letter = w[f"age_{cohorts.period}"]
    values = data.drop(columns="size")
    shown = values.to_numpy(dtype=float)
    finite = shown[~pd.isna(shown)]
    low = max(0.0, min(0.5, float(finite.min()) if finite.size else 0.5))
    head = "".join(f"<th>{e(h)}</th>" for h in [w["cohort"], w["size"]] + [f"{letter}{a}" for a in values.columns])
    rows = []
    for cohort, row in zip(values.index, shown, strict=True):
        label = words.month_label(cohort, update.language, short=True) if cohorts.period == "month" else str(cohort)
        size = n.count(data.at[cohort, "size"])
        cells = [f"<td><strong>{e(label)}</strong></td>", f"<td class=\"muted\">{e(size)}</td>"]
        for value in row:
            if math.isnan(value):
                cells.append("<td></td>")
                continue
            t = 0.0 if value <= low else min(1.0, (value - low) / max(1e-9, 1 - low))
            rgb = "".join(f"{round(a + (b - a) * t):02X}" for a, b in zip((0xEE, 0xF2, 0xFF), (0x3B, 0x5B, 0xDB),
                                                                            strict=True))
            ink = "#FFFFFF" if t > 0.55 else "#" + PALETTE["ink"]
            cells.append(f"<td style=\"background:#{rgb};color:{ink}\">{e(n.percent(value, 0))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    note = w["retention_note"].format(n=len(values), unit=w[f"unit_{cohorts.period}"])
    return (f"<table class=\"cohorts\"><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
            f"<p class=\"note\">{e(note)}</p>")


def to_html(update: InvestorUpdate, report: Report) -> str:
    """The self-contained HTML report (see the module docstring); plotly.js is inlined once, packed."""
    w = update.labels
    subtitle = f"{update.period_label} — {w['compared_with']} {update.comparison_label}"
    kicker = " · ".join(p for p in (e(update.company), e(w["kicker"])) if p)
    body = [
        f"<header><div class=\"kicker\">{kicker}</div><h1>{e(update.title)}</h1>"
        f"<p class=\"subtitle\">{e(subtitle)}</p></header>",
        f"<section class=\"card narrative\"><h2>{e(w['summary'])}</h2><p>{_html_text(update.narrative)}</p></section>",
        "<div class=\"grid\">",
        f"<section class=\"card\"><h2>{e(w['key_metrics'])}</h2><table>{_kpi_table(update)}</table></section>",
        "<div>",
        f"<section class=\"card highlights\"><h2>{e(w['highlights'])}</h2>"
        f"{_list_items(update.highlights, w['none'])}</section>",
        f"<section class=\"card lowlights\"><h2>{e(w['lowlights'])}</h2>"
        f"{_list_items(update.lowlights, w['none'])}</section>",
        "</div></div>",
    ]
    if update.bridge is not None:
        body.append(f"<section class=\"card\"><h2>{e(w['bridge'])} — {e(update.period_label)}</h2>"
                    f"{_figure_html(_bridge_figure(update), 'chart-bridge')}</section>")
    if report.revenue is not None and len(report.months) > 1:
        body.append(f"<section class=\"card\"><h2>{e(w['trend'])}</h2>"
                    f"{_figure_html(_trend_figure(update, report), 'chart-trend', 480)}</section>")
    if recent_cohorts(report) is not None:
        body.append(f"<section class=\"card\"><h2>{e(w['cohorts'])}</h2>{_cohort_table(update, report)}</section>")
        body.append(f"<section class=\"card\"><h2>{e(w['cohorts_logo'])}</h2>"
                    f"{_figure_html(_cohort_figure(update, report), 'chart-cohorts', 640)}</section>")
    breakdown = nps_breakdown(report)
    if breakdown is not None:
        nps = report.nps
        overall = (f"{w['nps']} {update.numbers.points(nps.score)} · "
                   f"{w['responses_note'].format(n=update.numbers.count(nps.n))}")
        body.append(f"<section class=\"card\"><h2>{e(w['nps_by_segment'])}</h2><p class=\"note\">{e(overall)}</p>"
                    f"{_figure_html(_nps_figure(update, report), 'chart-nps')}"
                    f"<p class=\"note\">{e(segment_verdict(breakdown, update.language))}</p></section>")
    body += finance_sections(update, _figure_html, _money_axis)  # cash & runway, plan vs actual, forecast
    commentary = [(name, text) for name, text in update.commentary if text]
    if commentary:
        cards = "".join(f"<div><h3>{e(w[name])}</h3><p>{_html_text(text)}</p></div>" for name, text in commentary)
        body.append(f"<section class=\"card\"><h2>{e(w['commentary'])}</h2>"
                    f"<div class=\"grid3\">{cards}</div></section>")
    body.append(f"<footer>{e(w['generated'])}</footer>")
    return "\n".join([
        "<!DOCTYPE html>",
        f"<html lang=\"{update.language}\"><head><meta charset=\"utf-8\">",
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
        f"<title>{e(update.title)}</title>",
        f"<style>{_CSS}</style>",
        f"<script type=\"application/gzip;base64\" id=\"{PLOTLY_PACKED_ID}\">{packed_plotly_js()}</script>",
        "</head><body><main>",
        *body,
        "</main>",
        f"<script type=\"text/javascript\">{_LOADER}</script>",
        "</body></html>",
    ]) + "\n"


def _kpi_table(update: InvestorUpdate) -> str:
    w = update.labels
    rows = [f"<thead><tr><th>{e(w['kpi'])}</th><th>{e(update.period_label)}</th><th>{e(update.comparison_label)}</th>"
            f"<th>{e(w['change'])}</th></tr></thead><tbody>"]
    for h in update.headline:
        tone = "good" if h.better else "bad" if h.better is False else "neutral"
        rows.append(f"<tr data-key=\"{e(h.key)}\"><td>{e(h.label)}</td><td class=\"value\">{e(h.value_text)}</td>"
                    f"<td class=\"muted\">{e(h.comparison_text)}</td><td class=\"{tone}\">{e(h.change_text)}</td></tr>")
    rows.append("</tbody>")
    return "".join(rows)
