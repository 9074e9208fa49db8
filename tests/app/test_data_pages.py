"""Upload, Map columns and Data quality pages under AppTest (the uploader itself is driven in Chromium)."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

from kpi.ingest.io import read_bytes
from kpi.ingest.mapping import build_tables
from kpi.ingest.recognise import auto_mapping
from ui.state import Workspace

ROOT = Path(__file__).resolve().parents[2]
FRENCH = ROOT / "tests" / "fixtures" / "app" / "abonnements_fr.csv"


def french_workspace(mapping=None) -> Workspace:
    data = FRENCH.read_bytes()
    if mapping is None:
        mapping, _ = auto_mapping(read_bytes(FRENCH.name, data))
    return Workspace("My data", {FRENCH.name: data}, mapping)


def start(workspace=None, page=None) -> AppTest:
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    if workspace is not None:
        app.session_state["workspace"] = workspace
    app.run()
    if page:
        app.switch_page(page).run()
    assert not app.exception, app.exception
    return app


def test_upload_page_invites_to_drop_files():
    app = start(page="app_pages/upload.py")
    assert "Nothing uploaded yet" in app.info[0].value


def test_map_page_prefills_the_recognised_mapping_and_reports_rejected_rows():
    app = start(french_workspace(), "app_pages/mapping.py")
    table = app.selectbox(key="map::abonnements_fr.csv::table")
    assert table.value == "subscriptions"
    assert app.selectbox(key="map::abonnements_fr.csv::subscriptions::amount").value == "Montant HT (€)"
    assert app.selectbox(key="map::abonnements_fr.csv::subscriptions::start_date").value == "Date de début"
    warning = app.warning[0].value
    assert "3 of 5 rows count as subscriptions" in warning
    rejected = app.dataframe[-1].value
    assert rejected.values.tolist() == [
        [5, "Date de début", "31/02/2024", "is not a date"],
        [6, "Montant HT (€)", "-20,00 €", "is a negative amount (not recurring revenue)"],
    ]


def test_changing_a_column_on_the_map_page_changes_the_workspace_mapping():
    app = start(french_workspace(), "app_pages/mapping.py")
    app.selectbox(key="map::abonnements_fr.csv::subscriptions::end_date").set_value("— not used —").run()
    assert not app.exception
    mapping = app.session_state["workspace"].mapping["abonnements_fr.csv"]
    assert "end_date" not in mapping.columns


def test_overview_of_an_uploaded_workspace_uses_its_own_numbers():
    app = start(french_workspace())
    assert app.caption[0].value.startswith("My data")
    values = {metric.label: metric.value for metric in app.metric}
    # latest month, May 2024: C-001 (1 200 / 12 = 100) + C-003 (59); C-002 ends on 31 May, so not in May
    assert values["MRR"] == "159"  # no currency column: no symbol
    assert values["Paying customers"] == "2"


def test_workspace_without_revenue_says_what_to_map():
    app = start(french_workspace(mapping={}))
    assert "upload a **subscriptions** or **invoices** or **mrr** file" in app.info[0].value
    assert len(app.get("download_button")) == 3


def test_amounts_in_cents_are_switched_on_the_map_page_and_change_the_mrr():
    chargebee = ROOT / "tests" / "fixtures" / "chargebee_subscriptions.csv"
    data = chargebee.read_bytes()
    mapping, _ = auto_mapping(read_bytes(chargebee.name, data))
    app = start(Workspace("Chargebee", {chargebee.name: data}, mapping), "app_pages/mapping.py")
    cents = app.toggle(key="map::chargebee_subscriptions.csv::subscriptions::cents")
    assert cents.value is True  # recognised: Chargebee writes plan_amount in cents
    assert any("cancelled" in w.value and "but no end date" in w.value for w in app.warning)
    assert set(amounts(app.session_state["workspace"])) == {29.0, 99.0}
    cents.set_value(False).run()
    assert not app.exception
    workspace = app.session_state["workspace"]
    assert workspace.mapping["chargebee_subscriptions.csv"].options == {}
    assert set(amounts(workspace)) == {2900.0, 9900.0}


def amounts(workspace: Workspace):
    sheets = [s for name, data in workspace.files.items() for s in read_bytes(name, data)]
    return build_tables(sheets, workspace.mapping).frames["subscriptions"]["amount"]


def header_only_and_tickets() -> Workspace:
    """A file with headers and no rows beside a usable one (mapped as the CLI would map them)."""
    from kpi.demo import DEMO_DIR, demo_mapping

    headers = (ROOT / "tests" / "fixtures" / "only_headers.csv").read_bytes()
    tickets = (DEMO_DIR / "helpdesk_tickets.csv").read_bytes()
    return Workspace("My data", {"only_headers.csv": headers, "helpdesk_tickets.csv": tickets},
                     {"helpdesk_tickets.csv": demo_mapping()["helpdesk_tickets.csv"]})


def test_data_quality_lists_a_file_without_data_rows_with_its_reason():
    app = start(header_only_and_tickets(), "app_pages/data_quality.py")
    [warning] = [w.value for w in app.warning if "headers" in w.value]
    assert "no data rows" in warning
    assert app.dataframe[0].value["Source"].tolist() == ["helpdesk_tickets.csv"]


def test_map_page_shows_a_file_without_data_rows_instead_of_an_editor():
    app = start(header_only_and_tickets(), "app_pages/mapping.py")
    assert any("no data rows" in w.value for w in app.warning)
    assert "only_headers.csv" not in app.session_state["workspace"].mapping
