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
    # straight from its link (the default page is the root); the dark-theme test below clicks through the menu
    page.goto(f"{server}/{'' if slug == 'overview' else slug}")
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title).wait_for(timeout=60_000)
    page.get_by_role("heading", level=1).first.wait_for(timeout=60_000)
    wait_for_app_run(page)
    page.wait_for_timeout(1000)  # let charts finish their first paint
    current = page.get_by_test_id("stSidebarNav").locator('a[aria-current="page"]').inner_text()
    assert current.endswith(title), (slug, current)  # the link opened that page, not the default one
    assert page.get_by_test_id("stException").count() == 0, page.get_by_test_id("stException").first.inner_text()
    page.screenshot(path=str(OUTPUT / f"page_{slug}.png"), full_page=True)


def test_every_page_reads_in_the_dark_theme_at_1280_px(server, browser):
    """The app follows the system's dark preference; no chart keeps a white sheet or dark ink
    meant for the light theme, and nothing overflows a 1280 px wide screen."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme="dark")
    page = context.new_page()
    try:
        page.goto(server)
        page.get_by_test_id("stMetric").first.wait_for(timeout=60_000)
        background = page.evaluate("getComputedStyle(document.querySelector('.stApp')).backgroundColor")
        assert sum(map(int, re.findall(r"\d+", background)[:3])) < 3 * 60, background  # a dark page
        for slug, title in PAGES:
            page.get_by_test_id("stSidebarNav").get_by_role("link", name=title).click()
            page.get_by_role("heading", level=1).first.wait_for(timeout=60_000)
            wait_for_app_run(page)
            page.wait_for_timeout(800)
            assert page.get_by_test_id("stException").count() == 0, slug
            white = page.evaluate("""() => [...document.querySelectorAll('.js-plotly-plot')].filter(plot => {
                const sheet = getComputedStyle(plot.querySelector('.main-svg')).backgroundColor;
                const area = plot.querySelector('rect.bg');
                return sheet === 'rgb(255, 255, 255)' || (area && area.style.fill === 'rgb(255, 255, 255)');
            }).length""")
            assert white == 0, f"{slug}: {white} chart(s) with a white background in the dark theme"
            overflow = page.evaluate("document.querySelector('[data-testid=stMain]').scrollWidth"
                                     " - document.querySelector('[data-testid=stMain]').clientWidth")
            assert overflow <= 1, f"{slug}: {overflow} px wider than the screen"
            page.screenshot(path=str(OUTPUT / f"dark_{slug}.png"), full_page=False)
        page.get_by_test_id("stMainMenu").click()  # a user who prefers light switches in the menu
        page.get_by_test_id("stMainMenuItem-theme-Light").click()
        page.wait_for_function("getComputedStyle(document.querySelector('.stApp')).backgroundColor"
                               " === 'rgb(255, 255, 255)'", timeout=10_000)
    finally:
        context.close()
