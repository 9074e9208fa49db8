"""Cash & runway under AppTest: a workbook with subscriptions, a bank sheet and a budget (tests/kpi/test_plan.py)."""

import datetime
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from kpi.ingest.io import read_path
from kpi.ingest.recognise import auto_mapping
from tests.kpi.test_plan import workbook
from ui.state import Workspace

ROOT = Path(__file__).resolve().parents[2]
PAGE = "app_pages/cash.py"


@pytest.fixture(scope="module")
def finance_workspace(tmp_path_factory) -> Workspace:
    path = tmp_path_factory.mktemp("cash") / "finance.xlsx"
    workbook(path, [datetime.datetime(2026, 1, 1), datetime.datetime(2026, 2, 1), datetime.datetime(2026, 3, 1)])
    mapping, _ = auto_mapping(read_path(path))
    return Workspace("Finance workbook", {"finance.xlsx": path.read_bytes()}, mapping)


def open_page(workspace: Workspace | None, page: str = PAGE) -> AppTest:
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    if workspace is not None:
        app.session_state["workspace"] = workspace
    app.run()
    app.switch_page(page).run()
    assert not app.exception, app.exception[0].message if app.exception else ""
    return app


def test_the_cards_show_the_bank_s_cash_burn_and_runway(finance_workspace):
    app = open_page(finance_workspace)
    shown = {m.label: m.value for m in app.metric}
    assert shown["Cash"] == "104.8k"
    assert shown["Net burn"] == "5.70k"
    assert shown["Net burn (3-month avg)"] == "5.07k"
    assert shown["Runway"] == "20.7 mo"  # short enough for a card in a row of five
    assert shown["Burn multiple"] == "n/a"
    warnings = [w.value for w in app.warning] + [i.value for i in app.info]
    assert any(text.startswith("Runway 20.7 months at the last 3 months' burn") and "cash runs out in November 2027"
               in text for text in warnings)


def test_the_plan_table_compares_the_month_and_says_what_was_missed(finance_workspace):
    app = open_page(finance_workspace)
    frames = [frame.value for frame in app.dataframe]
    plan = next(frame for frame in frames if "Attainment" in frame.columns).set_index("KPI")
    assert plan.loc["MRR", ["Plan", "Actual", "Attainment", "Status"]].tolist() == [
        "320", "300", "94 %", "within 10 %"]  # the workbook has no currency
    assert plan.loc["Paying customers", "Status"] == "missed by more than 10 %"
    assert plan.loc["Net burn", ["Variance", "Status"]].tolist() == ["+700", "missed by more than 10 %"]


def test_three_months_are_too_few_for_a_forecast_and_the_page_says_so(finance_workspace):
    app = open_page(finance_workspace)
    assert any("No forecast: it needs at least 12 months of MRR history and there are 3 months" in i.value
               for i in app.info)


def test_the_overview_shows_cash_runway_and_burn_multiple_with_a_bank_export(finance_workspace):
    app = open_page(finance_workspace, "app_pages/overview.py")
    labels = [m.label for m in app.metric]
    assert {"Cash", "Runway", "Burn multiple"} <= set(labels)
    captions = [c.value for c in app.caption]
    assert "Plan 320 · 6 % under" in captions  # the MRR card against the budget


def test_without_a_bank_export_the_page_says_what_to_upload():
    app = open_page(Workspace("Wide", {"mrr.csv": b"Client,Jan 2024,Feb 2024\nAcme,100,120\n"}, {}))
    assert any("cash" in i.value for i in app.info)


BANK_WITH_CATEGORIES = """Date;Libellé;Catégorie;Montant;Solde
05/01/2026;Stripe;Ventes;1 000,00;11 000,00
20/01/2026;Salaires;Salaires;-4 000,00;7 000,00
05/02/2026;Levée de fonds seed;Financement;200 000,00;207 000,00
15/02/2026;Apport associé;Apports;10 000,00;217 000,00
25/02/2026;Salaires;Salaires;-4 000,00;213 000,00
""".encode()


@pytest.fixture(scope="module")
def bank_workspace() -> Workspace:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "qonto.csv"
        path.write_bytes(BANK_WITH_CATEGORIES)
        mapping, _ = auto_mapping(read_path(path))
    return Workspace("Bank", {"qonto.csv": BANK_WITH_CATEGORIES}, mapping)


def test_settings_list_the_bank_categories_with_financing_ticked_by_their_words(bank_workspace):
    app = open_page(bank_workspace, "app_pages/settings.py")
    assert "Bank categories: financing or spending" in [s.value for s in app.subheader]


def test_a_switched_category_is_saved_as_an_override_and_changes_the_burn(bank_workspace):
    from dataclasses import replace

    from kpi.ingest.mapping import build_tables
    from kpi.ingest.io import read_path as read
    from kpi.report.build import Settings, build_report
    from ui.finance_view import financing_choices, financing_overrides

    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "qonto.csv"
        path.write_bytes(BANK_WITH_CATEGORIES)
        tables = build_tables(read(path), bank_workspace.mapping)
    report = build_report(tables)
    choices = financing_choices(report).set_index("Category")
    assert choices.loc["Financement", ["Financing", "Why"]].tolist() == [True, "its words"]
    assert choices.loc["Apports", ["Financing", "Why"]].tolist() == [False, "default"]
    assert report.finance.value("net_burn") == -6_000.0  # February: the 10,000 contribution counts as income
    edited = choices.reset_index().assign(Financing=lambda f: f["Category"].isin(["Financement", "Apports"]))
    overrides = financing_overrides(report, edited)
    assert overrides == (("Apports", True),)  # only what differs from the words is saved
    switched = build_report(tables, settings=replace(Settings(), financing_categories=overrides))
    assert switched.finance.value("net_burn") == 4_000.0
    assert financing_choices(switched).set_index("Category").loc["Apports", "Why"] == "your setting"


def test_map_columns_lists_each_budget_row_with_the_kpi_it_is_compared_with(finance_workspace):
    app = open_page(finance_workspace, "app_pages/mapping.py")
    assert any("Which KPI each budget row is compared with" in c.value for c in app.caption)


def test_a_budget_row_s_kpi_chosen_on_map_columns_is_kept_in_the_mapping_and_counts(finance_workspace, tmp_path):
    from dataclasses import replace

    from kpi.ingest.io import read_path as read
    from kpi.ingest.mapping import build_tables, mapping_to_json, parse_mapping
    from kpi.report.build import build_report

    path = tmp_path / "finance.xlsx"
    path.write_bytes(finance_workspace.files["finance.xlsx"])
    mapping = dict(finance_workspace.mapping)
    key = next(k for k, m in mapping.items() if m.table == "plan")
    mapping[key] = replace(mapping[key], options={**mapping[key].options,
                                                  "metrics": {"Burn net": "gross_burn", "Trésorerie": ""}})
    mapping = parse_mapping(mapping_to_json(mapping))  # as saved and loaded again
    report = build_report(build_tables(read(path), mapping))
    assert set(report.plan.to_json()) == {"mrr", "customers", "gross_burn"}
    assert report.plan.to_json()["gross_burn"]["actual"] == 6_000.0


def test_a_balance_that_disagrees_with_the_amounts_is_said_on_the_page():
    bank = ("Date;Libellé;Montant;Solde\n05/01/2026;Stripe;1 000,00;11 000,00\n20/01/2026;Salaires;-4 000,00;7 000,00\n"
            "05/02/2026;Stripe;1 000,00;8 500,00\n25/02/2026;Salaires;-4 000,00;4 500,00\n").encode()
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "releve.csv"
        path.write_bytes(bank)
        mapping, _ = auto_mapping(read_path(path))
    app = open_page(Workspace("Bank", {"releve.csv": bank}, mapping))
    shown = [w.value.replace("\\", "") for w in app.warning]  # the page escapes Markdown
    assert any(text.startswith("releve.csv: row 4: the balance 8,500.00 is not the previous balance 7,000.00")
               for text in shown)
