"""The deck's key-metrics table stays above the footer (kpi.exports.pptx / pptx_deck.fit_table)."""

import io
import os
import re
import shutil
import subprocess

import pytest
from pptx import Presentation
from pptx.util import Emu

from kpi.demo import load_demo
from kpi.exports.pptx import to_pptx
from kpi.exports.pptx_deck import CELL_PADDING, LINE, TABLE_EM, cell_lines, fit_table
from kpi.report.build import build_report
from kpi.report.update import investor_update

FOOTER_LINE = 7.0  # inches: the rule over each slide's footer (Deck.slide)


@pytest.fixture(scope="module")
def report():
    return build_report(load_demo())


def key_metrics_slide(update, report):
    deck = Presentation(io.BytesIO(to_pptx(update, report)))
    return next(slide for slide in deck.slides if any(shape.has_table for shape in slide.shapes))


def footer_top(slide) -> float:
    """The footer's top edge: the highest shape at the foot of the slide (its rule, its text)."""
    return min(Emu(shape.top).inches for shape in slide.shapes if Emu(shape.top).inches >= 6.9)


@pytest.mark.parametrize("language, period, compare", [("en", "month", "previous"), ("fr", "month", "previous"),
                                                       ("en", "quarter", "last_year")])
def test_the_key_metrics_tables_bottom_edge_is_above_the_footers_top_edge(report, language, period, compare):
    slide = key_metrics_slide(investor_update(report, period, compare, language, company="Plumeo"), report)
    [shape] = [shape for shape in slide.shapes if shape.has_table]
    table = shape.table
    size = max(run.font.size.pt for row in table.rows for cell in row.cells
               for paragraph in cell.text_frame.paragraphs for run in paragraph.runs)
    widths = [Emu(column.width).inches for column in table.columns]
    bottom = Emu(shape.top).inches
    for number, row in enumerate(table.rows):
        # a row is as tall as its tallest cell's text needs (counted wide, as a fallback font sets it)
        lines = max(cell_lines(cell.text, width, size) for cell, width in zip(row.cells, widths, strict=True))
        if number > 0:
            assert lines == 1, [cell.text for cell in row.cells]
        bottom += max(Emu(row.height).inches, lines * size * LINE / 72 + 0.04)
    assert bottom < footer_top(slide) <= FOOTER_LINE
    assert len(table.rows) == len(investor_update(report, period, compare, language).headline) + 1  # no row dropped


def test_fit_table_shrinks_the_font_before_a_row_wraps():
    header = ["KPI", "October 2026", "September 2026", "Change"]
    widths = [2.55, 1.9, 1.9, 1.9]
    assert fit_table(header, [["MRR", "€61.9k", "€58.8k", "+5.3 %"]] * 15, widths, 5.3).size == 12
    assert fit_table(header, [["MRR", "€61.9k", "€58.8k", "+5.3 %"]] * 10, widths, 5.3).size == 13
    long = [["Customer acquisition cost", "15.7 months", "18.6 months", "−2.9 months"]] * 15
    fit = fit_table(header, long, widths, 5.3)
    assert fit.size < 13
    assert all(cell_lines(text, width, fit.size) == 1 for text, width in zip(long[0], widths, strict=True))
    assert fit.height(15) <= 5.3 + 1e-9
    assert (2.55 - CELL_PADDING) * 72 / (fit.size * TABLE_EM) >= len("Customer acquisition cost")


def test_rendered_by_libreoffice_the_last_row_ends_above_the_footer(report, tmp_path):
    """What a reader sees: the deck set by LibreOffice (Arial replaced by a wider font), page 3."""
    if not (shutil.which("soffice") and shutil.which("pdftotext")):
        message = "LibreOffice (soffice) and poppler (pdftotext) are needed"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    update = investor_update(report, company="Plumeo")
    (tmp_path / "deck.pptx").write_bytes(to_pptx(update, report))
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless", "--convert-to",
                    "pdf", "--outdir", str(tmp_path), str(tmp_path / "deck.pptx")], check=True, capture_output=True,
                   timeout=180)
    words = subprocess.run(["pdftotext", "-f", "3", "-l", "3", "-bbox", str(tmp_path / "deck.pdf"), "-"],
                           check=True, capture_output=True, text=True, timeout=60).stdout
    boxes = {word: (float(top), float(bottom)) for top, bottom, word in
             re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]+)</word>', words)}
    last_label = update.headline[-1].label.split()[0]
    assert boxes[last_label][1] < boxes["Plumeo"][0]  # the last metric's text ends above the footer's
