"""Retention's "Why customers left": churned MRR by reason (public subscriptions and churn-events
layouts) with each reason's customers' latest NPS and tickets of their last 90 days."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from kpi.ingest.io import read_bytes
from kpi.ingest.mapping import TableMapping
from kpi.ingest.recognise import auto_mapping
from ui.state import Workspace

ROOT = Path(__file__).resolve().parents[2]
PAGE = str(ROOT / "app_pages" / "retention.py")
CORPUS = ROOT / "tests" / "fixtures" / "corpus"
# cus_00021 churns in 2025-10 (too_expensive), cus_00010 in 2025-12 (switched_competitor), cus_00028 in
# 2025-09 (not_using). Last 90 days of a 2025-10 churn: 2025-08-03 … 2025-10-31.
NPS = b"Customer,Date,Score\ncus_00021,2025-06-01,9\ncus_00021,2025-09-01,3\ncus_00021,2025-11-15,10\n" \
      b"cus_00010,2025-11-20,10\n"
TICKETS = b"Ticket,Customer,Created\nT1,cus_00021,2025-07-01\nT2,cus_00021,2025-08-15\nT3,cus_00021,2025-10-10\n" \
          b"T4,cus_00010,2025-12-05\nT5,cus_00028,2025-05-01\n"


def workspace(with_reasons: bool = True) -> Workspace:
    names = ["subscriptions_mrr.csv"] + (["churn_events.csv"] if with_reasons else [])
    files = {name: (CORPUS / name).read_bytes() for name in names}
    mapping, _ = auto_mapping([sheet for name, data in files.items() for sheet in read_bytes(name, data)])
    files |= {"nps.csv": NPS, "tickets.csv": TICKETS}
    mapping |= {"nps.csv": TableMapping("nps", {"customer_id": "Customer", "date": "Date", "score": "Score"}),
                "tickets.csv": TableMapping("tickets", {"ticket_id": "Ticket", "customer_id": "Customer",
                                                        "created_at": "Created"})}
    return Workspace("reasons", files, mapping)


def start(ws: Workspace) -> AppTest:
    app = AppTest.from_file(PAGE, default_timeout=60)
    app.session_state["workspace"] = ws
    app.query_params["as_of"] = "2025-12"
    app.run()
    assert not app.exception, app.exception
    return app


def reasons_table(app: AppTest):
    tables = [frame.value for frame in app.dataframe if "Reason" in frame.value.columns
              and "Share of churned MRR" in frame.value.columns]
    assert len(tables) == 1
    return tables[0].set_index("Reason")


def test_chart_and_table_by_reason_with_latest_nps_and_tickets():
    app = start(workspace())
    assert any(header.value == "Why customers left" for header in app.subheader)
    table = reasons_table(app)
    assert table.index.tolist() == ["too_expensive", "switched_competitor", "not_using"]
    assert table["Churned customers"].tolist() == [1, 1, 1]
    assert table["Churned MRR"].tolist() == pytest.approx([796.0, 592.5, 29.0])
    assert table["Share of churned MRR"].tolist() == pytest.approx([796 / 1417.5, 592.5 / 1417.5, 29 / 1417.5])
    # cus_00021: latest answer up to October is 3 (a detractor: −100); tickets T2 and T3 (T1 is too early)
    assert table.loc["too_expensive", "Latest NPS"] == pytest.approx(-100.0)
    assert table.loc["too_expensive", "Tickets (last 90 days)"] == 2
    assert table.loc["switched_competitor", "Latest NPS"] == pytest.approx(100.0)
    assert table.loc["switched_competitor", "Tickets (last 90 days)"] == 1
    assert table.loc["not_using", "NPS answers"] == 0 and table.loc["not_using", "Tickets (last 90 days)"] == 0
    charts = [chart for chart in app.get("plotly_chart") if "Churned MRR" in chart.proto.spec]
    assert charts, "no churned-MRR-by-reason chart"


def test_without_a_churn_reasons_table_the_page_says_what_to_map():
    app = start(workspace(with_reasons=False))
    assert any("file of **churn reasons**" in info.value and "Map columns" in info.value for info in app.info)
    assert not [frame for frame in app.dataframe if "Reason" in frame.value.columns]
