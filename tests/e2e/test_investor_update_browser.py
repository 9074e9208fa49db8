"""End to end: the investor update page, edited, and every file downloaded from it."""

import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from pptx import Presentation

from tests.e2e.conftest import OUTPUT, download, wait_for_app_run

pytestmark = pytest.mark.e2e


def test_edit_the_update_and_download_every_file(server, page, tmp_path):
    page.goto(server)
    page.get_by_test_id("stMetric").first.wait_for(timeout=60_000)
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Investor update").click()
    page.get_by_role("heading", name="Investor update").wait_for(timeout=60_000)
    narrative = page.get_by_label("Written from the numbers; edit it before exporting")
    expect(narrative).to_have_value(re.compile(r"^In October 2026, MRR grew"), timeout=60_000)
    wait_for_app_run(page)
    narrative.fill("Our best October yet. " + narrative.input_value())
    page.get_by_label("Asks").fill("- Intros to HR-tech buyers in Germany")
    page.get_by_label("Hires").click()  # leaves the text areas: their values reach the app
    wait_for_app_run(page)
    page.screenshot(path=str(OUTPUT / "investor_update.png"), full_page=True)

    downloaded = {}
    for label in ("Deck (PPTX)", "Workbook (XLSX)", "Report (HTML)", "Email body (HTML)", "Summary (Markdown)"):
        downloaded[label] = download(page, label, tmp_path)
        assert downloaded[label].stat().st_size > 500, label

    deck_text = " ".join(shape.text_frame.text for slide in Presentation(downloaded["Deck (PPTX)"]).slides
                         for shape in slide.shapes if shape.has_text_frame)
    assert "Our best October yet." in deck_text and "HR-tech buyers in Germany" in deck_text
    assert "Our best October yet." in downloaded["Summary (Markdown)"].read_text()
    assert len(load_workbook(downloaded["Workbook (XLSX)"]).sheetnames) >= 4
    assert "<script" in downloaded["Report (HTML)"].read_text()  # interactive charts, inlined
    assert "<script" not in downloaded["Email body (HTML)"].read_text()
