"""Every export of the investor update, read back: the deck (python-pptx), the workbook
(openpyxl), the HTML report, the email body and the Markdown. Their numbers must be the
engine's, their charts real chart objects, and a user's string plain text everywhere."""

import html
import io
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from pptx import Presentation
from pptx.enum.chart import XL_CHART_TYPE
from pptx.util import Emu

from kpi.demo import load_demo
from kpi.exports import markdown as render
from kpi.exports.html import escape_markdown, to_email_html, to_html, to_markdown
from kpi.exports.pptx import to_pptx
from kpi.exports.pptx_deck import fit_text, lines_needed
from kpi.exports.xlsx import SHEETS, safe_cell_text, to_xlsx
from kpi.ingest.mapping import Tables
from kpi.report.build import build_report
from kpi.report.narrative import Numbers
from kpi.report.update import investor_update
from kpi.report.update_views import nps_breakdown, recent_cohorts

COMMENTARY = {"product": "Launched the public API and SSO.", "hires": "Head of Sales starts in November.",
              "asks": "Intros to CFOs of 50–200 employee companies."}


@pytest.fixture(scope="module")
def demo():
    report = build_report(load_demo())
    update = investor_update(report, commentary=COMMENTARY, company="Plumeo")
    return update, report


@pytest.fixture(scope="module")
def deck(demo):
    return Presentation(io.BytesIO(to_pptx(*demo)))


@pytest.fixture(scope="module")
def workbook_bytes(demo):
    return to_xlsx(*demo)


@pytest.fixture(scope="module")
def workbook(workbook_bytes):
    return openpyxl.load_workbook(io.BytesIO(workbook_bytes))


# ── reading a deck back ──────────────────────────────────────────────────────────────────


def charts(deck):
    return [shape.chart for slide in deck.slides for shape in slide.shapes if shape.has_chart]


def tables(deck):
    return [shape.table for slide in deck.slides for shape in slide.shapes if shape.has_table]


def slide_texts(slide):
    return [shape.text_frame.text for shape in slide.shapes if shape.has_text_frame and shape.text_frame.text]


def series_values(chart):
    return {series.name: tuple(series.values) for plot in chart.plots for series in plot.series}


def deck_content(deck):
    """What a reader sees: every text, table cell and chart series, slide by slide."""
    out = []
    for slide in deck.slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                out.append(shape.text_frame.text)
            if shape.has_table:
                out.append([[cell.text for cell in row.cells] for row in shape.table.rows])
            if shape.has_chart:
                out.append((shape.chart.chart_type, series_values(shape.chart)))
    return out


# ── the deck ─────────────────────────────────────────────────────────────────────────────


def test_deck_is_16_9_with_every_slide(deck):
    assert (deck.slide_width, deck.slide_height) == (Emu(12_191_695), Emu(6_858_000))
    firsts = [slide_texts(slide) for slide in deck.slides]
    assert len(firsts) == 11
    assert "KPI report — October 2026" in firsts[0]
    titles = [texts[1] for texts in firsts[1:]]
    # the demo has a bank export and a budget, and 12+ months of history: cash, plan and a forecast
    assert titles == ["Summary", "Key metrics", "MRR bridge — October 2026", "MRR trend", "Cohort retention",
                      "NPS — October 2026", "Cash & runway — October 2026", "Plan vs actual — October 2026",
                      "MRR forecast", "From the founders"]


def test_kpi_table_cells_are_the_formatted_engine_numbers(deck, demo):
    update, report = demo
    table = tables(deck)[0]
    rows = [[cell.text for cell in row.cells] for row in table.rows]
    assert rows[0] == ["KPI", "October 2026", "September 2026", "Change"]
    revenue = report.to_json()["revenue"]
    numbers = Numbers("en", "EUR")
    by_label = {row[0]: row[1:] for row in rows[1:]}
    assert by_label["MRR"][0] == numbers.money(revenue["mrr"]) == "€61.9k"
    assert by_label["Paying customers"][0] == numbers.count(revenue["customers"]) == "525"
    assert by_label["Logo churn"][0] == numbers.percent(revenue["logo_churn_rate"])
    assert by_label["NRR (12 months)"][0] == numbers.percent(revenue["nrr_12m"])
    assert by_label["NPS"][0] == numbers.points(report.nps.score) == "+42"
    for h in update.headline:
        assert by_label[h.label] == [h.value_text, h.comparison_text, h.change_text]


def test_bridge_is_a_stacked_column_chart_of_the_engine_movements(deck, demo):
    update, report = demo
    bridge = next(c for c in charts(deck) if c.chart_type == XL_CHART_TYPE.COLUMN_STACKED)
    values = series_values(bridge)
    b = update.bridge
    row = report.revenue.series.loc[report.as_of]
    assert b.new == row["new"] and b.churn == row["churn"] and b.end == report.to_json()["revenue"]["mrr"]
    assert values["MRR"] == pytest.approx((b.start, None, None, None, None, None, b.end), nan_ok=True)
    assert values["Increase"][1:4] == pytest.approx((b.new, b.expansion, b.reactivation))
    assert values["Decrease"][4:6] == pytest.approx((b.contraction, b.churn))
    base = values["Base"]  # the invisible series that lifts each movement to its level
    assert base[1] == pytest.approx(b.start) and base[5] + b.churn == pytest.approx(base[4])
    assert base[5] == pytest.approx(b.end)
    assert bridge.series[0].format.fill.type is not None  # explicitly no fill
    labels = [p.data_label.text_frame.text for p in bridge.series[4].points]
    assert labels == ["€58.8k", "+€3.66k", "+€1.67k", "+€174", "−€1.08k", "−€1.31k", "€61.9k"]


def test_trend_is_a_line_chart_of_monthly_mrr(deck, demo):
    _, report = demo
    trend = next(c for c in charts(deck) if c.chart_type == XL_CHART_TYPE.LINE)
    assert series_values(trend)["MRR"] == pytest.approx(tuple(report.series_frame()["mrr"]))


def test_nps_breakdown_is_a_bar_chart_by_segment(deck, demo):
    _, report = demo
    breakdown = nps_breakdown(report)
    bars = next(c for c in charts(deck) if c.chart_type == XL_CHART_TYPE.BAR_CLUSTERED)
    assert list(bars.plots[0].categories) == list(breakdown.table.index[::-1])
    assert series_values(bars)["NPS"] == pytest.approx(tuple(breakdown.table["score"][::-1]))
    mix = next(c for c in charts(deck) if c.chart_type == XL_CHART_TYPE.BAR_STACKED_100)
    shares = series_values(mix)
    promoters = breakdown.table["promoters"] / breakdown.table["n"]
    assert shares["Promoters"] == pytest.approx(tuple(promoters[::-1]))


def test_cohort_table_cells_are_the_retention_percentages(deck, demo):
    _, report = demo
    table = tables(deck)[1]
    expected = recent_cohorts(report)
    numbers = Numbers("en")
    rows = [[cell.text for cell in row.cells] for row in table.rows]
    assert rows[0][:4] == ["Cohort", "Customers", "M0", "M1"]
    assert [r[0] for r in rows[1:]] == ["Nov 2025", "Dec 2025", "Jan 2026", "Feb 2026", "Mar 2026", "Apr 2026",
                                        "May 2026", "Jun 2026", "Jul 2026", "Aug 2026", "Sep 2026", "Oct 2026"]
    for row, (_, values) in zip(rows[1:], expected.iterrows(), strict=True):
        assert row[1] == numbers.count(values["size"])
        shown = [numbers.percent(v, 0) if pd.notna(v) else "" for v in values.drop("size")]
        assert row[2:] == shown
    assert rows[-1][2:4] == ["100\u00a0%", ""]  # the as-of cohort has only reached age 0


def test_summary_and_commentary_slides_carry_the_update_text(deck, demo):
    update, _ = demo
    summary = "\n".join(slide_texts(deck.slides[1]))
    assert update.narrative in summary
    assert all(item.text in summary for item in update.highlights + update.lowlights)
    commentary = "\n".join(slide_texts(deck.slides[10]))
    assert all(text in commentary for text in COMMENTARY.values())


def test_no_text_overflows_its_box(deck):
    """Each text box holds its text at its font size (the same estimate the layout uses)."""
    for number, slide in enumerate(deck.slides, start=1):
        for shape in slide.shapes:
            if not shape.has_text_frame or not shape.text_frame.text:
                continue
            sizes = [run.font.size.pt for p in shape.text_frame.paragraphs for run in p.runs if run.font.size]
            size = max(sizes)
            needed = lines_needed(shape.text_frame.text, Emu(shape.width).inches, size) * size * 1.15 / 72
            assert needed <= Emu(shape.height).inches + 0.05, (number, shape.text_frame.text[:60])


def test_a_long_commentary_is_fitted_then_cut():
    size, text = fit_text("word " * 10, 3.0, 2.0)
    assert size == 18 and text == "word " * 10
    size, text = fit_text("word " * 40, 3.0, 2.0)
    assert size == 14 and text == "word " * 40
    size, text = fit_text("word " * 2000, 3.0, 2.0)
    assert size == 11 and text.endswith("…") and len(text) < 1000


def test_french_deck_uses_french_labels_and_numbers(demo):
    _, report = demo
    update = investor_update(report, language="fr", commentary=COMMENTARY)
    deck = Presentation(io.BytesIO(to_pptx(update, report)))
    rows = [[cell.text for cell in row.cells] for row in tables(deck)[0].rows]
    assert rows[0] == ["Indicateur", "octobre 2026", "septembre 2026", "Variation"]
    assert rows[1] == ["MRR", "61,9\u00a0k€", "58,8\u00a0k€", "+5,3\u00a0%"]
    assert "Synthèse" in slide_texts(deck.slides[1])


def test_quarterly_deck_against_last_year(demo):
    _, report = demo
    update = investor_update(report, period="quarter", compare="last_year")
    deck = Presentation(io.BytesIO(to_pptx(update, report)))
    assert update.period_label == "Q4 2026 through October" and update.comparison_label == "Q4 2025 through October"
    assert len(deck.slides) == 10  # cash, plan and forecast slides; no commentary given: no commentary slide
    bridge = next(c for c in charts(deck) if c.chart_type == XL_CHART_TYPE.COLUMN_STACKED)
    assert series_values(bridge)["MRR"][-1] == pytest.approx(update.bridge.end)


DECK_PNG_DIR = Path(__file__).resolve().parents[1] / "output" / "deck"


def test_deck_renders_in_libreoffice_to_one_page_per_slide(demo, tmp_path):
    """The deck opens in another office suite; its pages are kept as PNGs to be looked at.
    Skipped on a machine without LibreOffice and poppler, never in CI (`.ci/run` installs them)."""
    if not (shutil.which("soffice") and shutil.which("pdftoppm")):
        message = ("LibreOffice (soffice) and poppler (pdftoppm) are needed: "
                   "apt-get install libreoffice-impress-nogui poppler-utils")
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    (tmp_path / "deck.pptx").write_bytes(to_pptx(*demo))
    profile = f"-env:UserInstallation=file://{tmp_path / 'profile'}"
    subprocess.run(["soffice", profile, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path),
                    str(tmp_path / "deck.pptx")], check=True, capture_output=True, timeout=180)
    DECK_PNG_DIR.mkdir(parents=True, exist_ok=True)
    for old in DECK_PNG_DIR.glob("slide-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(tmp_path / "deck.pdf"), str(DECK_PNG_DIR / "slide")],
                   check=True, capture_output=True, timeout=120)
    pages = sorted(DECK_PNG_DIR.glob("slide-*.png"))
    assert len(pages) == 11 and all(page.stat().st_size > 5_000 for page in pages)


def test_deck_content_is_deterministic(demo):
    first = Presentation(io.BytesIO(to_pptx(*demo)))
    second = Presentation(io.BytesIO(to_pptx(*demo)))
    assert deck_content(first) == deck_content(second)


# ── the workbook ─────────────────────────────────────────────────────────────────────────


def test_workbook_sheets_and_native_charts(workbook):
    # the demo has a bank export, a budget and a forecast
    assert workbook.sheetnames == [*SHEETS, "Cash & runway", "Plan vs actual", "Forecast"]
    assert len(workbook["Monthly series"]._charts) == 2
    assert len(workbook["NPS by segment"]._charts) == 1


def test_kpi_sheet_values_equal_the_json_report(workbook, demo):
    update, report = demo
    sheet = workbook["KPIs"]
    data = report.to_json()
    found = {}
    for section, key, value in sheet.iter_rows(min_col=1, max_col=3, values_only=True):
        if section in data and isinstance(data[section], dict) and key in data[section]:
            found[(section, key)] = value
    for key, value in data["revenue"].items():
        assert found[("revenue", key)] == pytest.approx(value), key
    assert found[("nps", "score")] == pytest.approx(data["nps"]["score"])
    assert found[("unit_economics", "ltv_cac")] == pytest.approx(data["unit_economics"]["ltv_cac"])
    headline = {row[5]: row[1:4] for row in sheet.iter_rows(min_row=4, max_col=6, values_only=True) if row[5]}
    for h in update.headline:
        assert headline[h.key][0] == pytest.approx(h.value) and headline[h.key][2] == h.change_text


def test_monthly_series_and_movements_sheets(workbook, demo):
    update, report = demo
    sheet = workbook["Monthly series"]
    rows = list(sheet.iter_rows(min_row=2, max_col=2, values_only=True))
    series = report.series_frame()
    assert [r[0] for r in rows] == [str(m) for m in series.index]
    assert [r[1] for r in rows] == pytest.approx(list(series["mrr"]))
    movements = list(workbook["Movements"].iter_rows(min_row=4, values_only=True))
    row = report.revenue.series.loc[report.as_of]
    assert sum(1 for r in movements if r[3] == "New") == row["new_customers"]
    assert sum(r[6] for r in movements if r[3] == "Churn") == pytest.approx(-row["churn"])
    names = report.tables.get("customers").set_index("customer_id")["name"]
    assert all(r[2] == names[r[1]] for r in movements)


def test_cohort_sheet_has_colour_scales(workbook, demo):
    _, report = demo
    sheet = workbook["Cohorts"]
    rules = [rule for cf in sheet.conditional_formatting for rule in cf.rules]
    assert len(rules) == 2 and all(rule.type == "colorScale" and len(rule.colorScale.color) == 3 for rule in rules)
    first = report.cohorts.logo.iloc[0]
    assert [sheet.cell(3, 3 + age).value for age in range(3)] == pytest.approx(list(first.iloc[:3]))


def test_workbook_holds_no_formula(workbook, workbook_bytes):
    assert all(cell.data_type != "f" for sheet in workbook for row in sheet.iter_rows() for cell in row)
    with zipfile.ZipFile(io.BytesIO(workbook_bytes)) as archive:
        sheets = [archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
    assert sheets and not any(re.search(r"<f[ >]", xml) for xml in sheets)


def workbook_content(data: bytes):
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [(sheet.title, [[c.value for c in row] for row in sheet.iter_rows()], len(sheet._charts)) for sheet in book]


def test_workbook_content_is_deterministic(demo, workbook_bytes):
    assert workbook_content(to_xlsx(*demo)) == workbook_content(workbook_bytes)


def test_safe_cell_text_prefixes_what_a_spreadsheet_would_evaluate():
    assert safe_cell_text('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert [safe_cell_text(s) for s in ("@SUM(1)", "+1", "-1", "\tx", "\rx")] == \
        ["'@SUM(1)", "'+1", "'-1", "'\tx", "'\rx"]
    assert safe_cell_text("Acme = best") == "Acme = best" and safe_cell_text(None) == ""


# ── HTML, email and Markdown ─────────────────────────────────────────────────────────────


def test_html_report_is_self_contained_with_interactive_charts(demo):
    text = to_html(*demo)
    assert text.count("<script type=\"text/javascript\">") == 1 and "Plotly" in text
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=|<img|@import", text)  # nothing fetched at run time
    for chart in ("chart-bridge", "chart-trend", "chart-cohorts", "chart-nps"):
        assert f'id="{chart}"' in text
    update, report = demo
    for h in update.headline:
        assert f'<tr data-key="{h.key}"><td>{html.escape(h.label)}</td><td class="value">{h.value_text}</td>' in text
    assert text == to_html(*demo)


def test_email_body_has_no_script_and_the_same_numbers(demo):
    update, report = demo
    body = to_email_html(*demo)
    assert "<script" not in body and "<link" not in body and "<img" not in body
    assert all(h.value_text in body and h.change_text in body for h in update.headline)
    assert body == to_email_html(*demo)


def test_markdown_is_the_cli_summary(demo):
    update, report = demo
    text = to_markdown(*demo)
    assert text.startswith("# KPI report — October 2026\n")
    assert "| MRR | €61.9k | €58.8k | +5.3\u00a0% |" in text
    assert "## Highlights" in text and "### Asks" in text
    assert text == to_markdown(*demo)
    plain = investor_update(report)
    assert render.markdown(report) == to_markdown(plain, report).rstrip("\n")


def test_escape_markdown_makes_text_literal():
    assert escape_markdown("[click](javascript:x) *bold* <b>|a|") == r"\[click\](javascript:x) \*bold\* \<b\>\|a\|"
    assert escape_markdown("# Title\n- item\n1. first\n---\n> quote") == \
        "\\# Title\n\\- item\n1\\. first\n\\---\n\\> quote"
    assert escape_markdown("+5.3 % and 5.3 %") == "+5.3 % and 5.3 %"


# ── a hostile data set ───────────────────────────────────────────────────────────────────

HOSTILE = {"c1": '=HYPERLINK("http://x")', "c2": "@SUM(1)", "c3": "<script>alert(1)</script>"}


@pytest.fixture(scope="module")
def hostile():
    """Three customers named like attacks: c1 is the largest new customer, c2 the largest churn,
    c3 a new customer too; the NPS segment and the commentary are attacks as well."""
    subscriptions = pd.DataFrame({
        "customer_id": ["c0", "c1", "c2", "c3"],
        "start_date": pd.to_datetime(["2025-01-01", "2025-02-01", "2025-01-01", "2025-02-01"]),
        "end_date": pd.to_datetime([None, None, "2025-02-01", None]),
        "amount": [500.0, 900.0, 300.0, 100.0],
        "currency": "EUR",
    })
    customers = pd.DataFrame({"customer_id": list(HOSTILE), "name": list(HOSTILE.values())})
    nps = pd.DataFrame({"score": [10, 9, 3, 8], "customer_id": ["c0", "c1", "c3", "c0"],
                        "date": pd.to_datetime(["2025-02-03"] * 4),
                        "segment": ["<img src=x onerror=alert(1)>", "SMB", "SMB", "=1+1"]})
    tables = Tables({"subscriptions": subscriptions, "customers": customers, "nps": nps}, {})
    report = build_report(tables)
    update = investor_update(report, commentary={"asks": "=1+1", "product": "<script>alert(2)</script>",
                                                 "hires": "[x](javascript:alert(3))"})
    return update, report


def test_hostile_names_reach_the_highlights(hostile):
    update, _ = hostile
    assert 'Largest new customer: =HYPERLINK("http://x") (+€900 MRR)' in [o.text for o in update.highlights]
    assert "Largest churn: @SUM(1) (−€300 MRR)" in [o.text for o in update.lowlights]


def test_hostile_strings_are_plain_text_in_the_workbook(hostile):
    data = to_xlsx(*hostile)
    book = openpyxl.load_workbook(io.BytesIO(data))
    cells = [cell for sheet in book for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert all(cell.data_type != "f" for cell in cells)
    movements = {row[1].value: row[2] for row in book["Movements"].iter_rows(min_row=4)}
    for customer_id in ("c1", "c2", "c3"):
        cell = movements[customer_id]
        assert cell.data_type == "s"
        assert cell.value == safe_cell_text(HOSTILE[customer_id])
    assert movements["c1"].value == '\'=HYPERLINK("http://x")' and movements["c2"].value == "'@SUM(1)"
    assert movements["c3"].value == "<script>alert(1)</script>"  # text, harmless in a cell
    segments = [row[0] for row in book["NPS by segment"].iter_rows(min_row=5, max_col=1) if row[0].value]
    assert {c.value for c in segments} >= {"<img src=x onerror=alert(1)>", "'=1+1"}
    assert all(c.data_type == "s" for c in segments)
    summary = [c for row in book["Summary"].iter_rows() for c in row if c.value == "'=1+1"]
    assert len(summary) == 1 and summary[0].data_type == "s"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = "".join(archive.read(n).decode() for n in archive.namelist() if n.endswith(".xml"))
    assert not re.search(r"<f[ >]", xml)


def test_hostile_strings_are_escaped_in_html(hostile):
    for text in (to_html(*hostile), to_email_html(*hostile)):
        assert "<script>alert(1)</script>" not in text and "<script>alert(2)</script>" not in text
        assert "<img src=x" not in text
        assert html.escape("<script>alert(2)</script>") in text
        assert html.escape('Largest new customer: =HYPERLINK("http://x")') in text
    report_html = to_html(*hostile)
    # escaped before it enters a plotly figure, which renders a subset of HTML in its labels
    assert '"&lt;img src=x onerror=alert(1)&gt;"' in report_html


def test_hostile_strings_are_escaped_in_markdown(hostile):
    text = to_markdown(*hostile)
    assert r"\<script\>alert(2)\</script\>" in text
    assert r"\[x\](javascript:alert(3))" in text
    assert "<script>" not in text and "[x](" not in text


def test_hostile_strings_are_literal_in_the_deck(hostile):
    deck = Presentation(io.BytesIO(to_pptx(*hostile)))
    texts = "\n".join(t for slide in deck.slides for t in slide_texts(slide))
    assert 'Largest new customer: =HYPERLINK("http://x") (+€900 MRR)' in texts
    assert "Largest churn: @SUM(1) (−€300 MRR)" in texts
    assert "<script>alert(2)</script>" in texts and "=1+1" in texts
    bars = next(c for c in charts(deck) if c.chart_type == XL_CHART_TYPE.BAR_CLUSTERED)
    # a segment is also a cell of the chart's data workbook (PowerPoint's "Edit data"): quoted, as in the XLSX
    assert set(bars.plots[0].categories) == {"<img src=x onerror=alert(1)>", "SMB", "'=1+1"}
