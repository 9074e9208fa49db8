"""The HTML report's finance sections, from the update's finance part (`kpi.report.update_finance`):

- Cash & runway (`id="cash-runway"`): runway, cash-zero month, cash, net burn a month, gross burn
  and burn multiple as figures with the comparison period's, and a plotly chart of cash (line)
  over the monthly net burn (bars);
- Plan vs actual (`id="plan-vs-actual"`): every key planned for the period's last month;
- MRR forecast (`id="forecast"`): actual MRR solid, then the 80 % band shaded and the median
  dashed, labelled "Forecast", with the forecast and backtest sentence and the method.
`kpi.exports.html.to_html` passes its own `figure_html` (how a figure is embedded, run once
plotly.js is unpacked) and `money_axis` (axis ticks), so every chart of the report looks alike.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape as e

from kpi.report import narrative as words
from kpi.report.update import PALETTE, InvestorUpdate
from kpi.report.update_finance import CashFigures, UpdateFinance, forecast_sentences

BAND_FILL = "rgba(59,91,219,0.16)"  # the brand blue, light: the 80 % band


def finance_sections(update: InvestorUpdate, figure_html: Callable, money_axis: Callable) -> list[str]:
    """The finance sections the update has, as HTML strings (none without its finance part)."""
    part = update.finance
    if part is None:
        return []
    out = []
    if part.figures is not None and part.by_month is not None:
        out.append(_cash_section(update, part, figure_html, money_axis))
    if part.plan_rows:
        out.append(_plan_section(update, part))
    if part.forecast is not None and part.mrr_history is not None and len(part.mrr_history):
        out.append(_forecast_section(update, part, figure_html, money_axis))
    return out


def _figure_box(label: str, value: str, note: str, tone: str = "") -> str:
    note_html = f"<p class=\"note\">{e(note)}</p>" if note else ""
    return (f"<div><h3 class=\"neutral\">{e(label)}</h3><p class=\"value {tone}\" style=\"font-size:26px;"
            f"font-weight:700;margin:0\">{e(value)}</p>{note_html}</div>")


def _cash_section(update: InvestorUpdate, part: UpdateFinance, figure_html: Callable, money_axis: Callable) -> str:
    from plotly.subplots import make_subplots

    n, w = update.numbers, part.labels
    f: CashFigures = part.figures
    c: CashFigures | None = part.comparison

    def compared(text: str | None) -> str:
        return f"{update.comparison_label}{n.punctuation(':')} {text}" if text else ""

    short = f.runway_months is not None and f.runway_months < 12
    boxes = [
        _figure_box(w["runway"], n.months(f.runway_months) if f.runway_months is not None else w["not_burning"],
                    compared(n.months(c.runway_months) if c and c.runway_months is not None else None),
                    "bad" if short else ""),
        _figure_box(w["cash_zero"], words.month_label(f.cash_zero_month, update.language)
                    if f.cash_zero_month is not None else "—", ""),
        _figure_box(w["cash"], n.money(f.cash), compared(n.money(c.cash) if c else None)),
        _figure_box(f"{w['net_burn']} ({w['a_month']})", n.money(f.net_burn),
                    compared(n.money(c.net_burn) if c else None)),
        _figure_box(w["gross_burn"], n.money(f.gross_burn), compared(n.money(c.gross_burn) if c else None)),
        _figure_box(w["burn_multiple"], n.ratio(f.burn_multiple),
                    compared(n.ratio(c.burn_multiple) if c and c.burn_multiple is not None else None)),
    ]
    frame = part.by_month
    x = [month.to_timestamp() for month in frame.index]
    figure = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.6, 0.4], vertical_spacing=0.08)
    figure.add_scatter(x=x, y=frame["cash"].astype(float), name=w["cash"], mode="lines+markers",
                       line={"color": "#" + PALETTE["navy"], "width": 3}, row=1, col=1)
    figure.add_bar(x=x, y=frame["net_burn"].astype(float), name=w["net_burn"], marker_color="#" + PALETTE["bad"],
                   row=2, col=1)
    figure.update_layout(legend={"orientation": "h", "y": -0.12}, hovermode="x unified")
    figure.update_yaxes(rangemode="tozero", **money_axis(update))
    figure.update_xaxes(tickformat="%b %Y", dtick="M1" if len(frame) <= 12 else "M3")
    sentences = [s for s in part.sentences if s.startswith(("Runway", "Autonomie", "Not burning", "Pas de"))]
    note = f"<p class=\"note\">{e(' '.join(sentences))}</p>" if sentences else ""
    return (f"<section class=\"card\" id=\"cash-runway\"><h2>{e(w['cash_runway'])} — {e(update.period_label)}</h2>"
            f"<div class=\"grid3\">{''.join(boxes)}</div>{note}"
            f"{figure_html(figure, 'chart-cash', 460)}</section>")


def _plan_section(update: InvestorUpdate, part: UpdateFinance) -> str:
    w = part.labels
    head = "".join(f"<th>{e(h)}</th>" for h in (w["kpi"], w["planned"], w["actual"], w["variance"], w["attainment"]))
    rows = []
    for row in part.plan_rows:
        tone = "good" if row.good else "bad" if row.good is False else "neutral"
        rows.append(f"<tr data-key=\"{e(row.key)}\"><td>{e(row.label)}</td><td class=\"muted\">{e(row.plan_text)}</td>"
                    f"<td class=\"value\">{e(row.actual_text)}</td><td class=\"{tone}\">{e(row.variance_text)}</td>"
                    f"<td class=\"{tone}\">{e(row.attainment_text)}</td></tr>")
    month = words.month_label(part.plan_month, update.language)
    return (f"<section class=\"card\" id=\"plan-vs-actual\"><h2>{e(w['plan'])} — {e(month)}</h2>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></section>")


def _forecast_section(update: InvestorUpdate, part: UpdateFinance, figure_html: Callable,
                      money_axis: Callable) -> str:
    import plotly.graph_objects as go

    w, forecast = part.labels, part.forecast
    history = part.mrr_history.iloc[-24:]
    last = float(history.iloc[-1])
    x_actual = [month.to_timestamp() for month in history.index]
    x_ahead = [history.index[-1].to_timestamp()] + [month.to_timestamp() for month in forecast.months.index]
    band = {name: [last, *forecast.months[name].astype(float)] for name in ("p10", "p50", "p90")}
    figure = go.Figure()
    figure.add_scatter(x=x_actual, y=history.astype(float), name=w["actual_mrr"], mode="lines",
                       line={"color": "#" + PALETTE["mrr"], "width": 3})
    figure.add_scatter(x=x_ahead, y=band["p90"], name=w["p90"], mode="lines", showlegend=False,
                       line={"width": 0, "color": "#" + PALETTE["mrr"]})
    figure.add_scatter(x=x_ahead, y=band["p10"], name=w["band"], mode="lines", fill="tonexty", fillcolor=BAND_FILL,
                       line={"width": 0, "color": "#" + PALETTE["mrr"]})
    figure.add_scatter(x=x_ahead, y=band["p50"], name=w["median"], mode="lines",
                       line={"color": "#" + PALETTE["mrr"], "width": 3, "dash": "dash"})
    figure.update_layout(legend={"orientation": "h", "y": -0.12}, hovermode="x unified")
    figure.update_yaxes(rangemode="tozero", **money_axis(update))
    figure.update_xaxes(tickformat="%b %Y")
    sentence = forecast_sentences(part, update.numbers)
    method = [forecast.method] if update.language == "en" else []  # the method is described in English only
    notes = "".join(f"<p class=\"note\">{e(text)}</p>" for text in [*sentence, *method])
    return (f"<section class=\"card\" id=\"forecast\"><h2>{e(w['forecast'])}</h2>"
            f"{figure_html(figure, 'chart-forecast')}{notes}</section>")
