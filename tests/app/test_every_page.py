"""Every registered page opens under AppTest on the demo and on a minimal data set (one wide MRR sheet)."""

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from kpi.ingest.mapping import TableMapping
from ui.state import Workspace

ROOT = Path(__file__).resolve().parents[2]
PAGES = re.findall(r'st\.Page\("(app_pages/[a-z_]+\.py)"', (ROOT / "app.py").read_text())
WIDE_MRR = (b"Client,Jan 2024,Feb 2024,Mar 2024,Apr 2024\n"
            b"Acme,100,100,120,120\nBeta,50,50,,\nGamma,,80,80,90\n")


def wide_only() -> Workspace:
    return Workspace("Wide MRR only", {"mrr.csv": WIDE_MRR},
                     {"mrr.csv": TableMapping("mrr", {"customer_id": "Client"}, layout="wide")})


def open_page(page: str, workspace: Workspace | None = None) -> AppTest:
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    if workspace is not None:
        app.session_state["workspace"] = workspace
    app.run()
    app.switch_page(page).run()
    assert not app.exception, f"{page}: {app.exception[0].message if app.exception else ''}"
    return app


def test_every_page_is_registered_once():
    assert len(PAGES) == len(set(PAGES)) >= 6


@pytest.mark.parametrize("page", PAGES)
def test_page_opens_on_the_demo(page):
    app = open_page(page)
    assert app.title[0].value


@pytest.mark.parametrize("page", PAGES)
def test_page_opens_on_a_single_wide_mrr_sheet(page):
    app = open_page(page, wide_only())
    assert app.title[0].value


def test_minimal_data_set_shows_its_own_numbers():
    app = open_page("app_pages/overview.py", wide_only())
    shown = {m.label: m.value for m in app.metric}
    # April 2024: Acme 120 + Gamma 90; Beta churned in March
    assert shown["MRR"] == "210" and shown["Paying customers"] == "2"
    assert shown["Logo churn"] == "0.0 %"
