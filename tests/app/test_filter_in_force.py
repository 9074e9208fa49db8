"""Every analysis page says which segment filter is in force (a filtered number never passes for the company's)."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
PAGES = ("overview", "alerts", "revenue", "retention", "satisfaction", "support", "customers", "economics",
         "engagement", "investor_update")


@pytest.mark.parametrize("page", PAGES)
def test_the_page_names_the_filter_in_force(page):
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    app.query_params["segment"] = "SMB"
    app.run()
    app.switch_page(f"app_pages/{page}.py").run()
    assert not app.exception, app.exception
    texts = [element.value.replace("\\", "") for kind in ("caption", "markdown", "info", "text")
             for element in getattr(app, kind)]
    if page == "investor_update":  # an update is about the whole company, and says so
        assert any("segment filters of the sidebar do not apply" in text for text in texts), texts
    else:
        assert any("filter" in text and "SMB" in text for text in texts), texts
