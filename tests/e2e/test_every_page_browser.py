"""End to end: every registered page opens in Chromium on the demo company without an exception."""

import re
from pathlib import Path

import pytest

from tests.e2e.conftest import OUTPUT, wait_for_app_run

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
PAGES = re.findall(r'st\.Page\("app_pages/([a-z_]+)\.py", title="([^"]+)"', (ROOT / "app.py").read_text())


@pytest.mark.parametrize("slug, title", PAGES)
def test_page_opens_without_an_exception(server, page, slug, title):
    page.goto(server)
    page.get_by_test_id("stMetric").first.wait_for(timeout=60_000)
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title).click()
    page.get_by_role("heading", level=1).first.wait_for(timeout=60_000)
    wait_for_app_run(page)
    page.wait_for_timeout(1000)  # let charts finish their first paint
    assert page.get_by_test_id("stException").count() == 0, page.get_by_test_id("stException").first.inner_text()
    page.screenshot(path=str(OUTPUT / f"page_{slug}.png"), full_page=True)
