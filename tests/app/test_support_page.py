"""The Support page under AppTest: the engine's numbers, the window control, the empty states, its speed."""

import base64
import json
import time
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from kpi import formatting as fmt
from kpi.demo import DEMO_DIR, demo_mapping, load_demo
from kpi.ingest.mapping import TableMapping
from kpi.metrics import health, support
from kpi.report.build import build_report
from ui import ops_charts as ops
from ui.state import Workspace

ROOT = Path(__file__).resolve().parents[2]
PAGE = str(ROOT / "app_pages" / "support.py")


@pytest.fixture(scope="module")
def demo():
    tables = load_demo()
    return tables, build_report(tables)


def workspace_of(*names: str) -> Workspace:
    """A workspace with some of the demo's files and their part of its mapping."""
    return Workspace("x", {name: (DEMO_DIR / name).read_bytes() for name in names},
                     {key: value for key, value in demo_mapping().items() if key.split(":")[0] in names})


def start(workspace: Workspace | None = None) -> AppTest:
    app = AppTest.from_file(PAGE, default_timeout=60)
    if workspace is not None:
        app.session_state["workspace"] = workspace
    app.run()
    assert not app.exception, app.exception
    return app


def trace_values(values) -> list:
    """A plotly JSON array (plain list, or numpy's base64 'bdata' form) as a list."""
    if isinstance(values, dict) and "bdata" in values:
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=np.dtype(values["dtype"])).tolist()
    return list(values)


def figure(app: AppTest, index: int) -> dict:
    return json.loads(app.get("plotly_chart")[index].proto.spec)


def test_cards_show_the_engines_fcr_tickets_and_median_resolution_of_the_month(demo):
    _, report = demo
    app = start()
    shown = {metric.label: (metric.value, metric.delta) for metric in app.metric}
    fcr = report.metric("fcr")
    hours = report.metric("median_resolution_hours")
    assert shown["First-contact resolution"] == (fmt.percent(report.support.fcr),
                                                 fmt.point_change(fcr.value, fcr.previous))
    assert shown["Tickets"][0] == fmt.count(report.support.tickets)
    assert shown["Median resolution time"] == (ops.hours(report.support.median_resolution_hours),
                                               fmt.relative_change(hours.value, hours.previous))
    # tickets without an FCR outcome are "outcome unknown"; only the unresolved ones are "still open"
    note = app.caption[1].value
    assert note == ops.fcr_note(report.support) and f"{fmt.count(report.support.unknown)} with outcome unknown" in note
    assert f"{fmt.count(report.support.unknown - report.support.unknown_resolved)} still open" in note


def test_tickets_card_compares_with_last_months_ticket_count(demo):
    tables, report = demo
    monthly = support.support_by_month(tables.get("tickets"), as_of=report.as_of)
    app = start()
    shown = {metric.label: metric.delta for metric in app.metric}
    assert shown["Tickets"] == fmt.relative_change(monthly["tickets"].iloc[-1], monthly["tickets"].iloc[-2])


def test_fcr_trend_plots_support_by_month(demo):
    tables, report = demo
    monthly = support.support_by_month(tables.get("tickets"), as_of=report.as_of).tail(24)
    trend = figure(start(), 0)
    fcr = next(trace for trace in trend["data"] if trace["name"] == "First-contact resolution")
    assert trace_values(fcr["y"]) == pytest.approx(monthly["fcr"].tolist(), nan_ok=True)
    bars = next(trace for trace in trend["data"] if trace["name"] == "Tickets created")
    assert trace_values(bars["y"]) == monthly["tickets"].tolist()


def test_heaviest_accounts_are_the_engines_with_customer_names(demo):
    tables, report = demo
    expected = health.with_customer_names(
        support.heaviest_accounts(tables.get("tickets"), as_of=report.as_of, window=90, top=15),
        tables.get("customers"))
    shown = start().dataframe[0].value
    assert shown["customer_id"].tolist() == expected["customer_id"].tolist()
    assert shown["name"].tolist() == expected["name"].tolist()
    assert shown["tickets"].tolist() == expected["tickets"].tolist()
    assert shown["name"].notna().all()


def test_resolution_histogram_and_load_follow_the_chosen_window(demo):
    tables, report = demo
    app = start()
    app.segmented_control(key="support_window").set_value("all").run()
    assert not app.exception
    everything = support.support(tables.get("tickets"), as_of=report.as_of, window="all")
    assert app.caption[-1].value.startswith(f"{fmt.count(everything.tickets)} tickets created")
    bands = support.resolution_time_distribution(tables.get("tickets"), as_of=report.as_of, window="all")
    assert trace_values(figure(app, 1)["data"][0]["y"]) == pytest.approx(bands["share"].tolist())
    load = support.ticket_load(tables.get("tickets"), as_of=report.as_of, window="all")
    assert app.dataframe[0].value["customer_id"].tolist() == load["customer_id"].head(15).tolist()
    per_customer = support.tickets_per_customer_distribution(load)
    assert trace_values(figure(app, 2)["data"][0]["y"]) == per_customer["customers"].tolist()


def test_without_tickets_the_page_says_which_table_to_map():
    app = start(workspace_of("stripe_subscriptions.csv"))
    assert "**tickets**" in app.info[0].value and "Map columns" in app.info[0].value
    assert not app.metric


def test_tickets_alone_show_their_month_and_say_what_revenue_would_add():
    tickets_only = workspace_of("helpdesk_tickets.csv")
    tables = load_demo()
    month = tables.get("tickets")["created_at"].max().to_period("M")
    expected = support.support(tables.get("tickets"), as_of=month)
    app = start(tickets_only)
    shown = {metric.label: metric.value for metric in app.metric}
    assert shown["Tickets"] == fmt.count(expected.tickets)
    assert shown["First-contact resolution"] == fmt.percent(expected.fcr)
    assert shown["Median resolution time"] == ops.hours(expected.median_resolution_hours)
    assert app.caption[0].value.startswith(f"Tickets created in {month.strftime('%B %Y')}")
    [hint] = [c.value for c in app.caption if "Add a subscriptions or invoices file" in c.value]
    assert hint.count(".") == 1 and "customers behind these tickets" in hint
    assert app.dataframe[0].value["tickets"].tolist() == support.heaviest_accounts(
        tables.get("tickets"), as_of=month, window=90, top=15)["tickets"].tolist()


def test_with_every_file_the_page_has_nothing_to_add():
    app = start()
    assert not [c.value for c in app.caption if "Add a " in c.value]


def test_tickets_without_a_creation_date_say_which_column_to_map():
    undated = Workspace("x", {"helpdesk_tickets.csv": (DEMO_DIR / "helpdesk_tickets.csv").read_bytes()},
                        {"helpdesk_tickets.csv": TableMapping("tickets", {"ticket_id": "Ticket ID"})})
    app = start(undated)
    assert "**created_at**" in app.info[0].value and "Map columns" in app.info[0].value
    assert not app.metric


def test_customer_names_are_only_shown_as_table_cells(demo):
    app = start()
    names = set(app.dataframe[0].value["name"])
    texts = [element.value for kind in ("markdown", "caption", "info", "title", "subheader")
             for element in app.get(kind)]
    assert not any(name in text for name in names for text in texts)


def test_the_page_answers_in_a_blink():
    app = start()  # the report and the views are cached from here on
    started = time.perf_counter()
    app.run()
    elapsed = time.perf_counter() - started
    assert not app.exception
    assert elapsed < 2.0, f"a rerun of the Support page took {elapsed:.2f} s"
