"""Alerts in the app: Overview's banner and the Alerts page, equal to the engine's alerts on the demo.

The demo fires in May 2026 (logo and gross MRR churn spikes, NRR below 100 %) and nothing in
December 2025; each expectation is computed here with `kpi.report.alerts.evaluate_alerts`."""

import base64
import json
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from kpi.demo import load_demo
from kpi.report.alert_history import alert_phrase, compared
from kpi.report.alerts import evaluate_alerts
from kpi.report.build import build_report

ROOT = Path(__file__).resolve().parents[2]
SPIKE, QUIET = pd.Period("2026-05", freq="M"), pd.Period("2025-12", freq="M")


@pytest.fixture(scope="module")
def report():
    return build_report(load_demo())


def start(page: str, **query) -> AppTest:
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    app.query_params.update(query)
    app.run()
    app.switch_page(page).run()
    assert not app.exception, app.exception
    return app


def plain(text: str) -> str:
    """A shown text as read: Markdown's escapes dropped; a caption's no-break spaces are spaces."""
    return text.replace("\\", "").replace("\u00a0", " ")


def alert_warnings(app: AppTest) -> list[str]:
    return [plain(w.value) for w in app.warning if "alert" in w.value]


def test_overview_banner_names_the_months_alerts(report):
    expected = evaluate_alerts(report, SPIKE)
    assert len(expected) >= 2 and {a.rule for a in expected} >= {"churn_spike"}
    app = start("app_pages/overview.py", as_of=str(SPIKE))
    banners = alert_warnings(app)
    assert len(banners) == 1
    assert banners[0].startswith(f"{len(expected)} alerts in May 2026: ")
    for alert in expected:
        assert plain(alert_phrase(alert)) in banners[0]
    assert "logo churn spike (5.0 % vs median 2.2 %)" in banners[0]


def test_no_banner_in_a_quiet_month(report):
    assert evaluate_alerts(report, QUIET) == ()
    app = start("app_pages/overview.py", as_of=str(QUIET))
    assert alert_warnings(app) == []


def test_banner_under_a_quarter_is_the_periods_last_month(report):
    app = start("app_pages/overview.py", as_of=str(SPIKE), granularity="quarter")
    banners = alert_warnings(app)
    assert len(banners) == 1
    assert banners[0].startswith(f"{len(evaluate_alerts(report, SPIKE))} alerts in May 2026, the last month of Q2 2026")


def customer_tables(app: AppTest) -> list[pd.DataFrame]:
    return [d.value for d in app.dataframe if "customer" in d.value.columns]


def test_alerts_page_lists_the_customers_behind_each_churn_spike(report):
    expected = [a for a in evaluate_alerts(report, SPIKE) if a.customers]
    assert len(expected) == 2  # logo churn and gross MRR churn
    app = start("app_pages/alerts.py", as_of=str(SPIKE))
    assert app.title[0].value == "Alerts"
    tables = customer_tables(app)
    assert len(tables) == len(expected)
    for table, alert in zip(tables, expected, strict=True):
        assert list(table["customer_id"]) == [c.customer_id for c in alert.customers]
        assert list(table["mrr_before"]) == pytest.approx([c.mrr_before for c in alert.customers])
        assert list(table["mrr_lost"]) == pytest.approx([c.mrr_lost for c in alert.customers])
        nps = [None if pd.isna(v) else float(v) for v in table["last_nps"]]
        assert nps == [c.last_nps for c in alert.customers]
        tickets = [None if pd.isna(v) else int(v) for v in table["open_tickets"]]
        assert tickets == [c.open_tickets for c in alert.customers]
    shown = plain(" ".join(m.value for m in app.markdown))
    for alert in evaluate_alerts(report, SPIKE):
        assert plain(compared(alert)) in shown


def test_customer_links_open_that_customers_story(report):
    alert = next(a for a in evaluate_alerts(report, SPIKE) if a.customers)
    app = start("app_pages/alerts.py", as_of=str(SPIKE))
    links = list(customer_tables(app)[0]["customer"])
    for link, customer in zip(links, alert.customers, strict=True):
        url = urlparse(link)
        query = parse_qs(url.query)
        assert url.path == "customers"
        assert query["customer"] == [customer.customer_id]
        assert query["as_of"] == [str(SPIKE)]
        assert query["name"] == [customer.name]  # the link's shown text
        assert link.endswith("name=" + link.rsplit("name=", 1)[1])  # the name comes last


def decoded(values) -> list:
    """A plotly array as sent to the browser (a list, or base64 with its dtype)."""
    if isinstance(values, dict) and "bdata" in values:
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=np.dtype(values["dtype"])).tolist()
    return list(values)


def test_twelve_month_table_is_the_engines_alerts_month_by_month(report):
    app = start("app_pages/alerts.py", as_of=str(SPIKE))
    history = next(d.value for d in app.dataframe if "message" in d.value.columns)
    months = [SPIKE - k for k in range(12)]
    expected = [(month.strftime("%B %Y"), alert.message)
                for month in months for alert in evaluate_alerts(report, month)]
    assert list(zip(history["month"], history["message"], strict=True)) == expected
    assert len(expected) > len(evaluate_alerts(report, SPIKE))  # earlier months fired too (February 2026)
    bars = json.loads(app.get("plotly_chart")[0].proto.spec)["data"][0]
    counts = decoded(bars["y"])
    assert len(counts) == 12 and sum(counts) == len(expected)
    assert counts[-1] == len(evaluate_alerts(report, SPIKE)) and bars["x"][-1] == "May 2026"


def test_quiet_month_says_no_alert_and_names_the_rules(report):
    app = start("app_pages/alerts.py", as_of=str(QUIET))
    assert any("No alert fires for December 2025" in s.value for s in app.success)
    assert customer_tables(app) == []
    captions = " ".join(c.value for c in app.caption)
    assert "Rules in force" in captions and "Churn spike" in captions


def test_a_target_missed_fires_on_the_page_and_the_banner(report):
    targets = {"mrr": 1_000_000.0}
    expected = evaluate_alerts(report, SPIKE, targets=targets)
    assert any(a.rule == "target_missed" for a in expected)
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    app.query_params["as_of"] = str(SPIKE)
    app.run()
    app.session_state["kpi_targets"] = targets  # as Definitions & settings saves them, once the workspace is open
    app.run()
    assert not app.exception, app.exception
    assert alert_warnings(app)[0].startswith(f"{len(expected)} alerts in May 2026")
    assert "MRR target missed" in alert_warnings(app)[0]
    app.switch_page("app_pages/alerts.py").run()
    assert not app.exception, app.exception
    assert "MRR · Target missed" in plain(" ".join(m.value for m in app.markdown))
