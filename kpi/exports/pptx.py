"""The investor update as a 16:9 PowerPoint deck (python-pptx) with native, editable charts.

Slides: title (with three headline numbers), summary (narrative, highlights, lowlights), key
metrics (a table against the comparison period, and four tiles), MRR bridge (a stacked column
chart whose invisible base series makes the waterfall: python-pptx has no waterfall type), MRR
trend (line chart), cohort retention (a table with shaded cells), NPS breakdown (bar charts by
segment), then cash & runway, plan vs actual and the MRR forecast (`kpi.exports.pptx_finance`),
and the founders' commentary (left out when every field is empty). A slide whose data is missing
(no revenue, no cohorts, no NPS, no bank export, no budget, under 12 months of history) is left out.

Every figure is the `InvestorUpdate`'s own text or `Numbers` of the same value, so the deck says
what the narrative, the workbook and the HTML say. Text never overflows its box: a long text
(the edited narrative, the commentary) gets a smaller font, down to a floor, then is cut with
"…". User strings are set as plain text runs (python-pptx escapes them for XML).
"""


from __future__ import annotations

import io

from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.util import Inches

from kpi.exports.pptx_charts import bridge_slide, cohort_slide, nps_slide, trend_slide
from kpi.exports.pptx_deck import (
    CONTENT_BOTTOM,
    CONTENT_TOP,
    MARGIN,
    TILE_KEYS,
    Deck,
    add_table,
    fit_table,
    fit_text,
    lines_needed,
    write_cell,
)
from kpi.exports.pptx_finance import finance_slides
from kpi.report.build import Report
from kpi.report.update import COMMENTARY_FIELDS, InvestorUpdate
from kpi.report.update_views import nps_breakdown, recent_cohorts


def to_pptx(update: InvestorUpdate, report: Report) -> bytes:
    """The deck of the update (see the module docstring), as bytes."""
    deck = Deck(update, report)
    _title_slide(deck)
    _summary_slide(deck)
    _kpi_slide(deck)
    if update.bridge is not None:
        bridge_slide(deck)
    if report.revenue is not None and len(report.months) > 1:
        trend_slide(deck)
    if recent_cohorts(report) is not None:
        cohort_slide(deck)
    if nps_breakdown(report) is not None or report.nps is not None:
        nps_slide(deck)
    finance_slides(deck)  # cash & runway, plan vs actual, MRR forecast: those the update has
    if any(text for _, text in update.commentary):
        _commentary_slide(deck)
    buffer = io.BytesIO()
    deck.prs.save(buffer)
    return buffer.getvalue()


# ── slides ───────────────────────────────────────────────────────────────────────────────


def _title_slide(deck: Deck) -> None:
    u, w = deck.update, deck.words
    slide = deck.slide(dark=True)
    deck.rect(slide, MARGIN, 1.35, 0.9, 0.08, "mrr")
    kicker = " · ".join(p for p in (u.company, w["kicker"]) if p).upper()
    size, kicker = fit_text(kicker, 12.1, 0.4, (16, 14, 12))
    deck.text(slide, MARGIN, 1.6, 12.1, 0.4, kicker, size, bold=True, color="passive")
    size, title = fit_text(u.title, 12.1, 1.6, (44, 40, 36, 32, 28))
    deck.text(slide, MARGIN, 2.05, 12.1, 1.6, title, size, bold=True, color="FFFFFF", anchor=MSO_ANCHOR.TOP)
    subtitle = f"{u.period_label} — {w['compared_with']} {u.comparison_label}"
    deck.text(slide, MARGIN, 3.55, 12.1, 0.5, subtitle, 20, color="D1D5DB")
    tiles = [h for h in (u.metric("mrr"), u.metric("customers"), u.metric("nrr_12m") or u.metric("nps")) if h]
    for i, h in enumerate(tiles):
        x = MARGIN + i * 4.1
        deck.rect(slide, x, 4.75, 0.04, 1.45, "mrr")
        deck.text(slide, x + 0.25, 4.7, 3.7, 0.4, h.label, 14, color="passive")
        deck.text(slide, x + 0.25, 5.1, 3.7, 0.7, h.value_text, 34, bold=True, color="FFFFFF")
        change = f"{h.change_text} {w['compared_with']} {u.comparison_label}" if h.change is not None else ""
        tone = deck.tone(h)  # grey when the change is not significant (kpi.report.significance)
        colour = "86EFAC" if tone else "FCA5A5" if tone is False else "D1D5DB"
        deck.text(slide, x + 0.25, 5.82, 3.7, 0.35, change, 12, color=colour)


def _summary_slide(deck: Deck) -> None:
    u, w = deck.update, deck.words
    slide = deck.slide(w["summary"])
    size, text = fit_text(u.narrative, 11.6, 2.0, (17, 16, 15, 14, 13, 12, 11), spacing=1.3)
    height = min(2.0, lines_needed(text, 11.6, size) * size * 1.3 / 72) + 0.4
    deck.rect(slide, MARGIN, CONTENT_TOP, 12.133, height, "light", rounded=True)
    deck.text(slide, MARGIN + 0.25, CONTENT_TOP + 0.2, 11.6, height - 0.3, text, size, spacing=1.12)
    top = CONTENT_TOP + height + 0.35
    for i, (heading, items, colour) in enumerate(((w["highlights"], u.highlights, "good"),
                                                  (w["lowlights"], u.lowlights, "bad"))):
        x = MARGIN + i * 6.2
        deck.rect(slide, x, top, 0.06, 0.34, colour)
        deck.text(slide, x + 0.18, top - 0.02, 5.6, 0.4, heading, 18, bold=True, color=colour)
        lines = [item.text for item in items] or [w["none"]]
        deck.bullets(slide, x, top + 0.5, 5.85, CONTENT_BOTTOM - top - 0.5, lines, colour)


def _kpi_slide(deck: Deck) -> None:
    u, w = deck.update, deck.words
    slide = deck.slide(w["key_metrics"])
    rows = list(u.headline)
    # the key metrics fit above the footer: one line per metric, in a font that a wider
    # renderer (LibreOffice without Arial) does not wrap; the header alone may take two lines
    widths = [3.0, 1.75, 1.75, 1.75]
    header = [w["kpi"], u.period_label, u.comparison_label, w["change"]]
    body = [[h.label, h.value_text, h.comparison_text, h.change_text] for h in rows]
    fit = fit_table(header, body, widths, CONTENT_BOTTOM - CONTENT_TOP)
    size = fit.size
    table = add_table(slide, len(rows) + 1, 4, MARGIN, CONTENT_TOP, widths, fit.row_height)
    table.rows[0].height = Inches(fit.header_height)
    for col, text in enumerate(header):
        write_cell(table.cell(0, col), text, size, bold=True, color="FFFFFF", fill="navy",
                   align=PP_ALIGN.LEFT if col == 0 else PP_ALIGN.RIGHT)
    for r, h in enumerate(rows, start=1):
        fill = "FFFFFF" if r % 2 else "light"
        tone = deck.tone(h)
        change_colour = "good" if tone else "bad" if tone is False else "muted"
        write_cell(table.cell(r, 0), h.label, size, fill=fill)
        write_cell(table.cell(r, 1), h.value_text, size, bold=True, fill=fill, align=PP_ALIGN.RIGHT)
        write_cell(table.cell(r, 2), h.comparison_text, size, color="muted", fill=fill, align=PP_ALIGN.RIGHT)
        write_cell(table.cell(r, 3), h.change_text, size, bold=True, color=change_colour, fill=fill, align=PP_ALIGN.RIGHT)
    tiles = [h for h in (u.metric(key) for key in TILE_KEYS) if h is not None]
    x = MARGIN + sum(widths) + 0.45
    tile_w = 13.333 - MARGIN - x
    tile_h = 1.22
    for i, h in enumerate(tiles):
        y = CONTENT_TOP + i * (tile_h + 0.12)
        deck.rect(slide, x, y, tile_w, tile_h, "light", rounded=True)
        deck.rect(slide, x, y + 0.18, 0.06, tile_h - 0.36, "mrr")
        deck.text(slide, x + 0.25, y + 0.12, tile_w - 0.4, 0.3, h.label, 12, color="muted")
        deck.text(slide, x + 0.25, y + 0.4, tile_w - 0.4, 0.5, h.value_text, 26, bold=True, color="navy")
        if h.change is not None:
            tone = deck.tone(h)
            colour = "good" if tone else "bad" if tone is False else "muted"
            deck.text(slide, x + 0.25, y + 0.88, tile_w - 0.4, 0.3,
                      f"{h.change_text} {w['compared_with']} {u.comparison_label}", 11, color=colour)


def _commentary_slide(deck: Deck) -> None:
    u, w = deck.update, deck.words
    slide = deck.slide(w["commentary"])
    fields = [(name, u.commentary_text(name)) for name in COMMENTARY_FIELDS]
    width = (12.133 - 2 * 0.3) / 3
    room = CONTENT_BOTTOM - CONTENT_TOP - 1.2
    sizes = (18, 16, 15, 14, 13, 12, 11)
    fitted = [fit_text(text or "—", width - 0.6, room, sizes, spacing=1.3) for _, text in fields]
    needed = max(lines_needed(body, width - 0.6, size) * size * 1.3 / 72 for size, body in fitted)
    height = min(CONTENT_BOTTOM - CONTENT_TOP, max(2.6, needed + 1.35))  # the cards share the tallest height
    for i, ((name, text), (size, body)) in enumerate(zip(fields, fitted, strict=True)):
        x = MARGIN + i * (width + 0.3)
        deck.rect(slide, x, CONTENT_TOP, width, height, "light", rounded=True)
        deck.rect(slide, x, CONTENT_TOP, width, 0.08, "mrr")
        deck.text(slide, x + 0.3, CONTENT_TOP + 0.3, width - 0.6, 0.45, w[name], 20, bold=True, color="navy")
        deck.text(slide, x + 0.3, CONTENT_TOP + 0.95, width - 0.6, height - 1.15, body, size,
                  color="ink" if text else "muted", spacing=1.1, list_items=True)
