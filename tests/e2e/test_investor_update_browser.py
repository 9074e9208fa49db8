"""End to end: the investor update page, edited, and every file downloaded from it."""

import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect
from pptx import Presentation

from tests.e2e.conftest import OUTPUT, download, wait_for_app_run

pytestmark = pytest.mark.e2e


def deck_text(path) -> str:
    return " ".join(shape.text_frame.text for slide in Presentation(path).slides
                    for shape in slide.shapes if shape.has_text_frame)


def test_edit_the_update_and_download_every_file(server, page, tmp_path):
    page.goto(server)
    page.get_by_test_id("stMetric").first.wait_for(timeout=60_000)
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Investor update").click()
    page.get_by_role("heading", name="Investor update").wait_for(timeout=60_000)
    expect(page.get_by_text(re.compile(r"^Q3 2026 compared with Q2 2026"))).to_be_visible(timeout=60_000)
    wait_for_app_run(page)  # an update is about the last whole quarter by default; this one is October's
    page.get_by_role("radio", name="October 2026", exact=True).click()
    expect(page.get_by_text(re.compile(r"^In October 2026, MRR grew"))).to_be_visible(timeout=60_000)
    wait_for_app_run(page)

    dialog = page.get_by_role("dialog")
    for _ in range(3):  # a click that lands while a rerun is in flight (a busy machine) opens nothing: click again
        page.get_by_role("button", name="Edit the narrative and commentary").click()
        try:
            dialog.wait_for(timeout=20_000)
            break
        except PlaywrightTimeoutError:
            wait_for_app_run(page)
    narrative = dialog.get_by_label("Narrative, written from the numbers")
    expect(narrative).to_have_value(re.compile(r"^In October 2026, MRR grew"), timeout=60_000)
    narrative.fill("Our best October yet. " + narrative.input_value())
    dialog.get_by_label("Asks").fill("- Intros to HR-tech buyers in Germany")
    dialog.get_by_role("button", name="Save for the exports").click()
    expect(dialog).to_have_count(0, timeout=60_000)
    expect(page.get_by_text(re.compile(r"^Our best October yet\."))).to_be_visible(timeout=60_000)
    wait_for_app_run(page)
    page.screenshot(path=str(OUTPUT / "investor_update.png"), full_page=True)

    downloaded = {}
    for label in ("Deck (PPTX)", "Workbook (XLSX)", "Report (HTML)", "Email body (HTML)", "Summary (Markdown)"):
        downloaded[label] = download(page, label, tmp_path)
        assert downloaded[label].stat().st_size > 500, label

    deck = deck_text(downloaded["Deck (PPTX)"])
    assert "Our best October yet." in deck and "HR-tech buyers in Germany" in deck
    assert "Our best October yet." in downloaded["Summary (Markdown)"].read_text()
    assert len(load_workbook(downloaded["Workbook (XLSX)"]).sheetnames) >= 4
    assert "<script" in downloaded["Report (HTML)"].read_text()  # interactive charts, inlined
    assert "<script" not in downloaded["Email body (HTML)"].read_text()

    # the edits outlive a reload (they are kept with the workspace); back to the generated text in one click
    page.reload()
    page.get_by_role("heading", name="Investor update").wait_for(timeout=60_000)
    wait_for_app_run(page)
    page.get_by_role("radio", name="October 2026", exact=True).click()
    expect(page.get_by_text(re.compile(r"^Our best October yet\."))).to_be_visible(timeout=60_000)
    expect(page.get_by_text("- Intros to HR-tech buyers in Germany")).to_be_visible()
    page.get_by_role("button", name="Back to the generated narrative").click()
    expect(page.get_by_text(re.compile(r"^In October 2026, MRR grew"))).to_be_visible(timeout=60_000)
    wait_for_app_run(page)
    assert "Our best October yet." not in deck_text(download(page, "Deck (PPTX)", tmp_path / "again"))
