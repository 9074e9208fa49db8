"""The Customers & health page under AppTest: scores as the engine computes them, editable weights, the
customer drill-down and its link, empty states, speed."""

import base64
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from kpi import formatting as fmt
from kpi.demo import DEMO_DIR, demo_mapping, load_demo
from kpi.errors import InputError
from kpi.ingest.mapping import TableMapping
from kpi.metrics import health, support
from kpi.report.build import build_report
from ui import ops_charts as ops
from ui.state import Workspace

ROOT = Path(__file__).resolve().parents[2]
PAGE = str(ROOT / "app_pages" / "customers.py")
WEIGHT = "health::{}".format


@pytest.fixture(scope="module")
def demo():
    tables = load_demo()
    return tables, build_report(tables)


def scores(demo, weights=health.DEFAULT_WEIGHTS):
    tables, report = demo
    return health.health_scores(report.as_of, mrr=report.revenue.mrr, events=tables.get("events"),
                                nps=tables.get("nps"), tickets=tables.get("tickets"),
                                customers=tables.get("customers"), weights=weights)


def workspace_of(*names: str) -> Workspace:
    return Workspace("x", {name: (DEMO_DIR / name).read_bytes() for name in names},
                     {key: value for key, value in demo_mapping().items() if key.split(":")[0] in names})


def start(workspace: Workspace | None = None, customer: str | None = None) -> AppTest:
    app = AppTest.from_file(PAGE, default_timeout=60)
    if workspace is not None:
        app.session_state["workspace"] = workspace
    if customer is not None:
        app.query_params["customer"] = customer
    app.run()
    assert not app.exception, app.exception
    return app


def health_table(app: AppTest) -> pd.DataFrame:
    return app.dataframe[0].value


def shown_bands(app: AppTest) -> list[str]:
    return [cell[0] if len(cell) else None for cell in health_table(app)["band"]]


def trace_values(values) -> list:
    if isinstance(values, dict) and "bdata" in values:
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=np.dtype(values["dtype"])).tolist()
    return list(values)


def long_lived_customer(report) -> str:
    """A customer with several movements, to make the drill-down worth checking."""
    mrr = report.revenue.mrr
    changes = (mrr.diff(axis=1).abs() > 0).sum(axis=1)
    return str(changes.idxmax())


def test_band_cards_and_table_are_the_engines_scores_most_at_risk_first(demo):
    expected = scores(demo)
    app = start()
    table = health_table(app)
    assert table["customer_id"].tolist() == expected["customer_id"].tolist()
    assert table["score"].tolist() == pytest.approx(expected["score"].tolist())
    assert shown_bands(app) == expected["band"].tolist()
    counts = health.band_counts(expected)
    cards = {metric.label.split(" ·")[0]: metric.value for metric in app.metric[:3]}
    assert cards == {"At risk": fmt.count(counts["red"]), "Watch": fmt.count(counts["yellow"]),
                     "Healthy": fmt.count(counts["green"])}
    assert table["name"].notna().all()


def test_editing_a_weight_changes_the_scores_and_bands(demo):
    app = start()
    before = health_table(app)
    app.number_input(key=WEIGHT("usage")).set_value(0.0).run()
    app.number_input(key=WEIGHT("tickets")).set_value(1.0).run()
    assert not app.exception
    weights = health.HealthWeights(usage=0.0, tickets=1.0)
    expected = scores(demo, weights)
    after = health_table(app)
    assert after["customer_id"].tolist() == expected["customer_id"].tolist()
    assert after["score"].tolist() == pytest.approx(expected["score"].tolist())
    assert shown_bands(app) == expected["band"].tolist()
    assert not after["score"].equals(before["score"])
    assert app.session_state["health_weights"] == weights  # kept for every page of the session
    assert any(caption.value.startswith("Weights in use: Usage 0 %") for caption in app.caption)


def test_caps_are_editable_too(demo):
    app = start()
    app.number_input(key=WEIGHT("mrr_drop_cap")).set_value(20.0).run()
    expected = scores(demo, health.HealthWeights(mrr_drop_cap=0.2))
    assert health_table(app)["score"].tolist() == pytest.approx(expected["score"].tolist())


def test_invalid_weights_show_the_input_error_and_keep_the_last_valid_scores(demo):
    app = start()
    app.number_input(key=WEIGHT("nps")).set_value(0.5).run()
    valid = health_table(app)["score"].tolist()
    for name in health.COMPONENTS:
        app.number_input(key=WEIGHT(name)).set_value(0.0)
    app.run()
    assert not app.exception
    with pytest.raises(InputError) as raised:
        health.HealthWeights(usage=0.0, nps=0.0, tickets=0.0, mrr_trend=0.0)
    assert app.error[0].value.lower().startswith(str(raised.value).lower())  # HealthWeights' own message
    assert health_table(app)["score"].tolist() == pytest.approx(valid)
    assert app.session_state["health_weights"] == health.HealthWeights(nps=0.5)


def test_weights_chosen_earlier_in_the_session_fill_the_inputs(demo):
    app = AppTest.from_file(PAGE, default_timeout=60)
    app.session_state["health_weights"] = health.HealthWeights(usage=0.1, tickets_cap=8.0)
    app.run()
    assert app.number_input(key=WEIGHT("usage")).value == 0.1
    assert app.number_input(key=WEIGHT("tickets_cap")).value == 8.0
    expected = scores(demo, health.HealthWeights(usage=0.1, tickets_cap=8.0))
    assert health_table(app)["score"].tolist() == pytest.approx(expected["score"].tolist())


def test_selecting_a_customer_shows_its_mrr_timeline_equal_to_the_matrix_row(demo):
    tables, report = demo
    customer = long_lived_customer(report)
    app = start()
    app.selectbox(key="customer_pick").set_value(customer).run()
    assert not app.exception
    timeline = json.loads(app.get("plotly_chart")[0].proto.spec)["data"][0]
    row = report.revenue.mrr.loc[customer, :report.as_of]
    assert trace_values(timeline["y"]) == pytest.approx(row.tolist())
    assert len(timeline["x"]) == len(row)
    moves = health.customer_movements(report.revenue.mrr, customer, report.as_of)
    shown = app.dataframe[1].value
    assert shown["movement"].tolist() == moves["movement"].tolist()[::-1]
    assert shown["current"].tolist() == pytest.approx(moves["current"].tolist()[::-1])
    assert app.query_params["customer"] in (customer, [customer])
    assert app.metric[3].value == fmt.money(row.iloc[-1], report.currency, compact=False)


def test_a_customer_link_preselects_it_with_its_answers_and_tickets(demo):
    tables, report = demo
    nps = tables.get("nps")
    with_both = set(nps["customer_id"].dropna()) & set(tables.get("tickets")["customer_id"].dropna())
    customer = sorted(with_both)[0]
    app = start(customer=customer)
    assert app.selectbox(key="customer_pick").value == customer
    answers = health.customer_answers(nps, customer, as_of=report.as_of)
    tickets = support.customer_tickets(tables.get("tickets"), customer, as_of=report.as_of)
    frames = [frame.value for frame in app.dataframe]
    shown_answers = next(frame for frame in frames if "category" in frame)
    shown_tickets = next(frame for frame in frames if "ticket_id" in frame)
    assert shown_answers["score"].tolist() == answers["score"].tolist()
    assert shown_answers["comment"].fillna("").tolist() == answers["comment"].fillna("").tolist()
    assert shown_tickets["ticket_id"].tolist() == tickets["ticket_id"].tolist()
    labels = {m.label: m.value for m in app.metric}
    assert labels["NPS answers"] == fmt.count(len(answers)) and labels["Tickets"] == fmt.count(len(tickets))


def test_an_unknown_customer_in_the_link_falls_back_to_the_most_at_risk(demo):
    app = start(customer="cus_does_not_exist")
    assert app.selectbox(key="customer_pick").value == scores(demo)["customer_id"].iloc[0]


def test_a_customer_who_never_paid_shows_no_timeline(demo):
    tables, report = demo
    never_paid = sorted(set(tables.get("customers")["customer_id"]) - set(report.revenue.mrr.index))[0]
    app = start(customer=never_paid)
    assert "No MRR for this customer" in app.info[0].value
    assert app.metric[4].value == fmt.NOT_AVAILABLE  # health score: only paying customers are scored


def test_without_a_customers_table_customers_are_listed_by_id():
    app = start(workspace_of("stripe_subscriptions.csv"))
    table = health_table(app)
    assert table["name"].isna().all()
    options = app.selectbox(key="customer_pick").options
    assert all(option.startswith("cus_") for option in options)
    assert "No NPS survey" in app.info[0].value and "No ticket export" in app.info[1].value
    assert any(caption.value.startswith("No data for usage (events), NPS (survey answers), tickets (ticket export)")
               for caption in app.caption)


def test_tickets_alone_score_the_customers_they_name_without_mrr():
    tables = load_demo()
    tickets = tables.get("tickets")
    month = tickets["created_at"].max().to_period("M")
    expected = health.health_scores(month, tickets=tickets)
    app = start(workspace_of("helpdesk_tickets.csv"))
    table = health_table(app)
    assert table["customer_id"].tolist() == expected["customer_id"].tolist()
    assert table["score"].tolist() == pytest.approx(expected["score"].tolist(), nan_ok=True)
    assert table["mrr"].isna().all()
    [hint] = [c.value for c in app.caption if "Add a subscriptions or invoices file" in c.value]
    assert hint.count(".") == 1
    cards = {metric.label: metric.value for metric in app.metric}
    assert cards[f"MRR, {month.strftime('%b %Y')}"] == fmt.NOT_AVAILABLE
    assert not any("MRR" in (metric.delta or "") for metric in app.metric[:3])  # band cards: no MRR to show


def test_without_any_customer_id_the_page_says_what_to_map():
    bare = Workspace("x", {"helpdesk_tickets.csv": (DEMO_DIR / "helpdesk_tickets.csv").read_bytes()},
                     {"helpdesk_tickets.csv": TableMapping("tickets", {"ticket_id": "Ticket ID",
                                                                       "created_at": "Created at"})})
    app = start(bare)
    assert "Map columns" in app.info[0].value and "subscriptions" in app.info[0].value
    assert not app.dataframe


def test_the_page_answers_in_a_blink():
    app = start()
    started = time.perf_counter()
    app.run()
    elapsed = time.perf_counter() - started
    assert not app.exception
    assert elapsed < 2.0, f"a rerun of the Customers & health page took {elapsed:.2f} s"


def test_customer_labels_keep_names_out_of_markdown(demo):
    app = start()
    names = set(health_table(app)["name"].dropna())
    texts = [element.value for kind in ("markdown", "caption", "info", "title", "subheader", "error")
             for element in app.get(kind)] + [metric.label for metric in app.metric]
    assert not any(name in text for name in names for text in texts)
    assert ops.BAND_LABELS  # bands are written out in the table, not only coloured


def test_a_large_book_shows_the_most_at_risk_and_searches_before_listing(demo, monkeypatch):
    monkeypatch.setattr(ops, "HEALTH_ROWS", 50)
    monkeypatch.setattr(ops, "PICKER_OPTIONS", 100)
    tables, _ = demo
    app = start()
    assert len(health_table(app)) == 50
    assert health_table(app)["customer_id"].tolist() == scores(demo)["customer_id"].head(50).tolist()
    assert any("50 most at risk" in caption.value for caption in app.caption)
    assert len(app.selectbox(key="customer_pick").options) <= 101
    wanted = tables.get("customers").dropna(subset=["name"]).iloc[-1]
    app.text_input(key="customer_find").input(wanted["name"]).run()
    picker = app.selectbox(key="customer_pick")
    assert any(wanted["customer_id"] in option for option in picker.options)
    picker.set_value(wanted["customer_id"]).run()
    assert not app.exception
    assert app.selectbox(key="customer_pick").value == wanted["customer_id"]


def test_clicking_an_at_risk_row_opens_that_customer(demo):
    app = start()
    table = app.dataframe[0]
    third = str(table.value["customer_id"].iloc[2])
    assert app.selectbox(key="customer_pick").value != third  # the most at risk is chosen first
    states = app._tree.get_widget_states()  # the row selection as the browser sends it
    state = states.widgets.add()
    state.id = table.proto.id
    state.string_value = json.dumps({"selection": {"rows": [2], "columns": [], "cells": []}})
    app._run(states)
    assert not app.exception, app.exception
    assert app.selectbox(key="customer_pick").value == third
    assert app.query_params["customer"] in (third, [third])


def test_under_a_segment_filter_the_page_shows_the_segments_own_scores_and_customers():
    """Without events, a segment's health table and customer list are read from the company's
    (ui.ops_views): the page shows what the engine computes from the segment's tables."""
    from kpi.report.build import filter_tables

    names = ("stripe_subscriptions.csv", "crm_customers.csv", "nps_survey.csv", "helpdesk_tickets.csv")
    app = start(workspace_of(*names))
    company_rows = len(health_table(app))
    app.session_state["filter::segment"] = ["SMB"]
    app.run()
    assert not app.exception, app.exception
    tables = load_demo()
    tables = type(tables)({name: tables.frames[name] for name in ("subscriptions", "customers", "nps", "tickets")}, {})
    whole = build_report(tables)
    smb = build_report(filter_tables(tables, {"segment": ["SMB"]}), whole.as_of, company=whole.revenue)
    given = {name: smb.tables.get(name) for name in ("nps", "tickets", "customers")}
    expected = health.health_scores(smb.as_of, mrr=smb.revenue.mrr, **given)
    shown = health_table(app)
    assert 0 < len(shown) < company_rows
    assert shown["customer_id"].astype(str).tolist() == expected["customer_id"].astype(str).tolist()
    np.testing.assert_array_equal(shown["score"].to_numpy(dtype=float), expected["score"].to_numpy(dtype=float))
    smb_ids = set(smb.tables.get("customers")["customer_id"].astype(str))
    picked = app.selectbox(key="customer_pick")
    assert picked.value in smb_ids
