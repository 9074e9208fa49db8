"""kpi.report.sections: a report's sections computed on first read, with the numbers of an eager build."""

import hashlib
import json
import threading

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpi.demo import load_demo
from kpi.metrics import economics, renewals, revenue, support, surveys
from kpi.report.build import build_cohorts, build_report, filter_tables
from kpi.report.finance import build_finance, build_plan
from kpi.report.sections import Sections

SECTIONS = ("cohorts", "orders", "unit_economics", "nps", "csat", "ces", "support", "engagement", "churn_reasons",
            "snapshot", "finance", "plan")
OVERVIEW = ("mrr", "arr", "customers", "arpa", "quick_ratio", "logo_churn_rate", "gross_mrr_churn_rate",
            "net_mrr_churn_rate", "nrr_monthly", "grr_monthly", "ltv_cac", "nps", "csat", "fcr")


@pytest.fixture(scope="module")
def demo():
    return load_demo()


def _reports(tables):
    """A fresh unfiltered report of the demo and a fresh SMB one (as the app builds it)."""
    whole = build_report(tables)
    smb = build_report(filter_tables(tables, {"segment": ["SMB"]}), whole.as_of, company=whole.revenue.series)
    return whole, smb


def _digest(report) -> str:
    return hashlib.sha256(json.dumps(report.to_json(), sort_keys=True).encode()).hexdigest()


def test_nothing_but_revenue_is_computed_by_the_build_and_a_read_section_is_kept(demo):
    report = build_report(demo)
    assert report.sections.computed() == ()
    assert "_renewal_tables" not in report.revenue.__dict__  # the renewal rates wait for a read too
    nps = report.nps
    assert report.sections.computed() == ("nps",)
    assert report.nps is nps  # the same object: computed once


def test_the_overview_cards_compute_neither_cohorts_nor_renewals(demo):
    report = build_report(demo)
    values = {key: report.metric(key).value for key in OVERVIEW}
    assert values["mrr"] is not None and values["ltv_cac"] is not None and values["nps"] is not None
    assert "cohorts" not in report.sections.computed()
    assert "_renewal_tables" not in report.revenue.__dict__
    assert report.metric("renewal_rate").value == report.revenue.renewals.loc[report.as_of, "renewal_rate"]


@pytest.mark.parametrize("which", ["unfiltered", "SMB"])
def test_the_json_report_is_the_same_whatever_a_page_read_first(demo, which):
    pick = 0 if which == "unfiltered" else 1
    untouched = _digest(_reports(demo)[pick])
    for order in (SECTIONS, SECTIONS[::-1], ("plan", "renewal_rate", "ltv_cac", "nps")):
        report = _reports(demo)[pick]
        for name in order:
            report.metric(name) if name in ("renewal_rate", "ltv_cac") else getattr(report, name)
        assert _digest(report) == untouched, order


@pytest.mark.parametrize("which", ["unfiltered", "SMB"])
def test_each_section_is_what_its_function_computes_from_the_same_tables(demo, which):
    report = _reports(demo)[0 if which == "unfiltered" else 1]
    tables, month, settings = report.tables, report.as_of, report.settings
    company = None if which == "unfiltered" else _reports(demo)[0].revenue.series
    survey = {"as_of": month, "window": settings.survey_window, "rule": settings.nps_rule}
    expected = {
        "cohorts": build_cohorts(tables, report.revenue, month, settings),
        "nps": surveys.nps(tables.get("nps"), **survey),
        "support": support.support(tables.get("tickets"), as_of=month),
        "unit_economics": economics.unit_economics(report.revenue.series, tables.get("costs"), month,
                                                   gross_margin=settings.gross_margin, cac_months=settings.cac_months,
                                                   churn_months=settings.ltv_churn_months),
        "finance": build_finance(tables, report.revenue, month, settings, company=company),
    }
    for name, section in expected.items():
        assert getattr(report, name).to_json() == section.to_json(), name
    plan = build_plan(tables, report.revenue, report.finance, month, company=company)
    assert (report.plan is None) == (plan is None) == (which == "SMB")  # a budget is the company's
    if plan is not None:
        assert report.plan.to_json() == plan.to_json()


def test_the_revenue_kpis_are_those_of_one_eager_call_renewal_rate_included(demo):
    report = build_report(demo)
    part = report.revenue
    renewed, annual = renewals.renewal_rates_by_month(demo.get("subscriptions"), part.mrr, part.mrr.columns)
    pd.testing.assert_frame_equal(part.kpis, revenue.revenue_kpis(part.mrr, part.series, renewed))
    pd.testing.assert_frame_equal(part.annual_renewals, annual)
    assert part.core_kpis["renewal_rate"].isna().all()
    pd.testing.assert_frame_equal(part.core_kpis.drop(columns="renewal_rate"), part.kpis.drop(columns="renewal_rate"))


def test_two_threads_reading_a_section_at_once_compute_it_once():
    calls = []
    started = threading.Event()

    def slow() -> str:
        calls.append(1)
        started.set()
        threading.Event().wait(0.2)  # the second reader arrives while this one computes
        return "computed"

    sections = Sections({"cohorts": slow})
    results = []
    first = threading.Thread(target=lambda: results.append(sections.get("cohorts")))
    first.start()
    started.wait(5)
    results.append(sections.get("cohorts"))
    first.join()
    assert results == ["computed", "computed"] and len(calls) == 1
    assert sections.get("nps") is None  # no function given: a section the tables cannot give


def test_a_section_that_raises_is_not_kept_and_raises_again():
    attempts = []

    def failing() -> None:
        attempts.append(1)
        raise ValueError("boom")

    sections = Sections({"nps": failing})
    for _ in range(2):
        with pytest.raises(ValueError, match="boom"):
            sections.get("nps")
    assert len(attempts) == 2 and sections.computed() == ()


def test_the_customers_behind_a_logo_churn_alert_are_those_of_their_own_call(demo):
    """Logo and gross MRR churn alerts share one reading of the month's movers (churn and
    contraction); the churned ones alone, in the same order, are what a call for churn returns."""
    from kpi.metrics.alerts import customers_behind
    from kpi.report.alerts import _customers

    report = build_report(demo)
    for month in report.months[-6:]:
        direct = customers_behind(report.revenue.mrr, month, ("churn",), nps=demo.get("nps"),
                                  tickets=demo.get("tickets"))
        shared, _ = _customers(report, month, ("churn", "contraction"))
        churned, count = _customers(report, month, ("churn",))
        assert count == len(churned)
        assert [c.customer_id for c in churned] == direct["customer_id"].astype(str).tolist()
        assert [c.mrr_lost for c in churned] == direct["mrr_lost"].tolist()
        assert [c.open_tickets for c in churned] == [None if pd.isna(v) else int(v) for v in direct["open_tickets"]]
        assert len(shared) >= len(churned) > 0


# ── a segment's MRR matrix read from the company's (kpi.metrics.revenue.matrix_of) ─────────────

def _json_bytes(report) -> bytes:
    return json.dumps(report.to_json(), sort_keys=True).encode()


def _segment_reports(tables, filters):
    """The segment's report as it was built (its matrix summed from its own rows, tables
    filtered by comparing IDs as text) and as the app builds it now (its matrix the company's
    rows, tables filtered by customer codes)."""
    from kpi.report.segments import customer_codes

    whole = build_report(tables)
    before = build_report(filter_tables(tables, filters), whole.as_of, company=whole.revenue.series)
    after = build_report(filter_tables(tables, filters, customer_codes(tables)), whole.as_of, company=whole.revenue)
    return before, after


@pytest.mark.parametrize("segment", ["SMB", "Mid-Market", "Enterprise"])
def test_a_segments_json_report_from_the_companys_matrix_is_the_same_bytes(demo, segment):
    before, after = _segment_reports(demo, {"segment": [segment]})
    assert _json_bytes(after) == _json_bytes(before)
    assert after.revenue.mrr.to_numpy().tobytes() == before.revenue.mrr.to_numpy().tobytes()
    assert after.revenue.mrr.index.equals(before.revenue.mrr.index)
    assert after.revenue.mrr.columns.equals(before.revenue.mrr.columns)


def _generated(customers: int):
    """Synthetic subscriptions (benchmarks.engine) with a customers table: SMB 70 %, Mid-Market
    20 %, Enterprise 10 %, as benchmarks.pages makes them."""

    from benchmarks.engine import synthetic_subscriptions
    from kpi.ingest.mapping import Tables

    subscriptions = synthetic_subscriptions(customers)
    subscriptions["customer_id"] = subscriptions["customer_id"].astype("string")
    ids = subscriptions["customer_id"].drop_duplicates()
    segment = np.random.default_rng(3).choice(["SMB", "Mid-Market", "Enterprise"], len(ids), p=[0.7, 0.2, 0.1])
    customers_table = pd.DataFrame({"customer_id": ids.to_numpy(), "segment": segment}).astype("string")
    return Tables({"subscriptions": subscriptions, "customers": customers_table}, {})


def test_a_generated_segments_json_report_from_the_companys_matrix_is_the_same_bytes():
    tables = _generated(5_000)
    for segment in ("SMB", "Enterprise"):
        before, after = _segment_reports(tables, {"segment": [segment]})
        assert _json_bytes(after) == _json_bytes(before), segment


@pytest.mark.slow
def test_the_100k_segments_json_report_from_the_companys_matrix_is_the_same_bytes():
    before, after = _segment_reports(_generated(100_000), {"segment": ["SMB"]})
    assert _json_bytes(after) == _json_bytes(before)


def test_a_segment_whose_data_ends_earlier_gets_its_own_months_not_the_companys(monkeypatch):
    """The segment's last month is that of its own rows, its first that of its first MRR: the
    company's months around them are not the segment's."""
    from kpi.metrics.revenue import Spans, matrix_of, subscription_spans

    rows = pd.DataFrame({"customer_id": ["a", "a", "b", "c"],
                         "start_date": pd.to_datetime(["2024-03-05", "2024-05-01", "2024-01-10", "2024-02-01"]),
                         "end_date": pd.to_datetime(["2024-05-01", None, "2025-02-01", "2024-06-20"]),
                         "amount": [10.0, 30.0, 99.0, 0.1]})
    company = revenue.mrr_from_subscriptions(rows)
    segment = rows[rows["customer_id"].isin(["a", "c"])].reset_index(drop=True)
    spans = subscription_spans(segment)
    summed = revenue.mrr_from_subscriptions(segment)
    with monkeypatch.context() as patched:  # read from the company's matrix, not summed again
        patched.setattr(revenue, "_spread", lambda *args: pytest.fail("the segment's rows were summed again"))
        read = matrix_of(spans, company)
    pd.testing.assert_frame_equal(read, summed, check_exact=True)
    assert str(read.columns[0]) == "2024-02" and str(read.columns[-1]) == "2024-06"  # the company: 2024-01 … 2025-02
    # a customer the company's matrix has not (it was built from other rows): summed, not read
    stranger = Spans(pd.DataFrame({"customer_id": ["z"], "first": [spans.counted["first"].min()],
                                   "stop": [spans.horizon + 1], "amount": [5.0]}), spans.horizon)
    assert matrix_of(stranger, company).index.tolist() == ["z"]


def test_filtering_by_customer_codes_keeps_the_rows_that_comparing_ids_keeps(demo):
    from kpi.report.segments import customer_codes

    codes = customer_codes(demo)
    for filters in ({"segment": ["SMB"]}, {"segment": ["SMB", "Enterprise"]}, {"segment": ["nobody"]}):
        by_text, by_code = filter_tables(demo, filters), filter_tables(demo, filters, codes)
        assert by_text.frames.keys() == by_code.frames.keys()
        for table in by_text.frames:
            pd.testing.assert_frame_equal(by_code.frames[table], by_text.frames[table], check_exact=True)


SOURCE_ROW = st.tuples(
    st.sampled_from(list("ABCDEFGHIJ")),  # customer
    st.integers(0, 30),  # start month
    st.one_of(st.none(), st.integers(0, 20)),  # months until the end (0: ends the month it starts)
    st.integers(0, 27),  # day of the month
    st.one_of(st.floats(0, 1000, allow_nan=False), st.sampled_from([0.1, 0.2, 0.3, 1e-10, 29.0])),
    st.sampled_from([1.0, 3.0, 12.0, 12 / 52]),  # interval
    st.one_of(st.none(), st.integers(-2, 40)),  # trial end, in months from the start (past the data too)
    st.sampled_from(["active", "active", "trialing", None]),
)


def _source_tables(rows):
    base = pd.Timestamp("2023-01-01")
    frame = pd.DataFrame({
        "customer_id": pd.array([r[0] for r in rows], dtype="string"),
        "start_date": [base + pd.DateOffset(months=r[1], days=r[3]) for r in rows],
        "end_date": pd.to_datetime([None if r[2] is None else base + pd.DateOffset(months=r[1] + r[2], days=r[3])
                                    for r in rows]),
        "amount": [r[4] for r in rows], "interval": [r[5] for r in rows],
        "trial_end": pd.to_datetime([None if r[6] is None else base + pd.DateOffset(months=r[1] + r[6]) for r in rows]),
        "status": pd.array([r[7] for r in rows], dtype="string")})
    invoices = frame.rename(columns={"start_date": "date"})[["customer_id", "date", "amount", "interval"]]
    long = pd.DataFrame({"customer_id": frame["customer_id"], "month": frame["start_date"].dt.to_period("M")
                         .dt.to_timestamp(), "mrr": frame["amount"].where(frame["status"].notna())})
    return {"subscriptions": frame, "invoices": invoices, "mrr": long}


@settings(max_examples=200, deadline=None)
@given(st.lists(SOURCE_ROW, min_size=1, max_size=30), st.sets(st.sampled_from(list("ABCDEFGHIJ")), min_size=1))
def test_a_segments_matrix_read_from_the_companys_is_the_one_summed_from_its_rows(rows, segment):
    """Property: for subscriptions, invoices and MRR rows, the matrix `build_revenue` gives a
    segment with the company's revenue is, bit for bit, the one it gives from the segment's rows
    alone — with trials ending past the data, rows of no month, non-paying statuses, amounts
    that leave float residues, and segments whose months are not the company's."""
    from kpi.ingest.mapping import Tables
    from kpi.report.build import build_revenue
    from kpi.report.segments import SegmentTables, customer_codes

    for table, frame in _source_tables(rows).items():
        customers = pd.DataFrame({"customer_id": list("ABCDEFGHIJ"),
                                  "segment": ["in" if c in segment else "out" for c in "ABCDEFGHIJ"]}, dtype="string")
        tables = Tables({table: frame, "customers": customers}, {})
        whole = build_revenue(tables)
        part = frame[frame["customer_id"].isin(segment)].reset_index(drop=True)
        alone = build_revenue(Tables({table: part}, {}))
        by_id = build_revenue(Tables({table: part}, {}), company=whole)  # its customers found by ID
        by_code = filter_tables(tables, {"segment": ["in"]}, customer_codes(tables))  # by their codes
        assert isinstance(by_code, SegmentTables)
        pd.testing.assert_frame_equal(by_code.get(table), part, check_exact=True)
        for read in (by_id, build_revenue(by_code, company=whole)):
            if alone is None:
                assert read is None, table
                continue
            assert read.mrr.index.equals(alone.mrr.index) and read.mrr.columns.equals(alone.mrr.columns), table
            assert read.mrr.to_numpy().tobytes() == alone.mrr.to_numpy().tobytes(), table
            pd.testing.assert_frame_equal(read.series, alone.series, check_exact=True)


@pytest.mark.parametrize("data", ["demo", "generated"])
def test_the_alert_history_names_the_same_customers_without_building_all_of_them(demo, data):
    """`alert_history` evaluates each month with `named_only`: the same messages (the first
    MAX_NAMED customers and "and N more") and counts as the alerts with every customer."""
    from kpi.report.alert_history import alert_history, history_months
    from kpi.report.alerts import MAX_NAMED, evaluate_alerts

    tables = demo if data == "demo" else _generated(5_000)
    whole = build_report(tables)
    smb = build_report(filter_tables(tables, {"segment": ["SMB"]}), whole.as_of, company=whole.revenue)
    for report in (whole, smb):
        spikes = 0
        for month in history_months(report):
            full, named = evaluate_alerts(report, month), evaluate_alerts(report, month, named_only=True)
            assert [a.message for a in named] == [a.message for a in full]
            assert [a.behind for a in named] == [len(a.customers) for a in full]
            assert [a.customers for a in named] == [a.customers[:MAX_NAMED] for a in full]
            spikes += sum(a.rule == "churn_spike" for a in full)
        history = alert_history(report)
        assert spikes > 0 and history["customers"].max() > MAX_NAMED  # the case is met, not skipped


@pytest.mark.parametrize("data", ["demo without events", "generated"])
def test_a_segments_health_table_and_directory_are_the_companys_rows_of_its_customers(demo, data):
    """What the Customers & health page takes from the company's tables under a filter (no events
    table: usage is the one component that reads the whole log) is what the segment's own
    tables give: scores, names, MRR, order, and the directory to pick a customer from."""
    from kpi.ingest.mapping import Tables
    from kpi.metrics import health
    from kpi.report.segments import rows_of_customers

    tables = _generated(5_000) if data == "generated" else Tables(
        {name: frame for name, frame in demo.frames.items() if name != "events"}, demo.quality, demo.options)
    whole = build_report(tables)

    def scored(report):
        given = {name: report.tables.get(name) for name in ("nps", "tickets", "customers")}
        scores = health.health_scores(report.as_of, mrr=report.revenue.mrr, **given)
        return health.health_table(scores, customers=given["customers"], mrr=report.revenue.mrr, as_of=report.as_of)

    company_table = scored(whole)
    company_directory = health.customer_directory(tables.get("customers"), whole.revenue.mrr)
    for segment in ("SMB", "Enterprise"):
        report = build_report(filter_tables(tables, {"segment": [segment]}), whole.as_of, company=whole.revenue)
        paying = report.revenue.mrr[report.as_of]
        own = scored(report)
        assert len(own) > 0
        pd.testing.assert_frame_equal(rows_of_customers(company_table, paying.index[paying > 0]), own,
                                      check_exact=True)
        customers = report.tables.get("customers")
        pd.testing.assert_frame_equal(rows_of_customers(company_directory, customers["customer_id"]),
                                      health.customer_directory(customers, report.revenue.mrr), check_exact=True)


def test_a_segments_matrix_rows_found_by_code_are_those_found_by_id(demo):
    """`matrix_rows` (integer codes, sorted as the matrix sorts its customers) gives the positions
    that comparing the segment's IDs with the company matrix's gives."""
    from kpi.ids import among
    from kpi.report.segments import customer_codes, matrix_rows

    for tables in (demo, _generated(5_000)):
        whole = build_report(tables).revenue
        for segment in ("SMB", "Mid-Market", "Enterprise"):
            part = filter_tables(tables, {"segment": [segment]}, customer_codes(tables))
            spans = revenue.subscription_spans(part.get("subscriptions"))
            found = matrix_rows(part, "subscriptions", spans.counted["row"].to_numpy(), whole.counted, len(whole.mrr))
            by_id = np.flatnonzero(among(pd.Series(whole.mrr.index), spans.counted["customer_id"]))
            assert found is not None and len(found) > 0
            np.testing.assert_array_equal(found, by_id)
    # codes of other tables than the company's matrix was built from: not used
    other = filter_tables(_generated(300), {"segment": ["SMB"]}, customer_codes(_generated(300)))
    spans = revenue.subscription_spans(other.get("subscriptions"))
    assert matrix_rows(other, "subscriptions", spans.counted["row"].to_numpy(), whole.counted, len(whole.mrr)) is None
