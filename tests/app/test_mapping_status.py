"""Map columns: each sheet's table and status on its collapsed row, columns proposed again for a
new table, and the way on to the numbers."""

from streamlit.testing.v1 import AppTest

from kpi.ingest.io import read_bytes
from kpi.ingest.mapping import TableMapping
from kpi.text import escape_markdown
from tests.app.test_data_pages import FRENCH, french_workspace, header_only_and_tickets, start
from ui.mapping_editor import NOT_USED, sheet_status
from ui.state import Workspace


def expanders(app: AppTest) -> dict[str, bool]:
    return {e.label: e.proto.expanded for e in app.expander}


def test_each_sheet_says_its_table_rows_and_rejected_rows_and_opens_when_it_needs_a_look():
    app = start(french_workspace(), "app_pages/mapping.py")
    assert expanders(app) == {f"**{escape_markdown(FRENCH.name)}** → Subscriptions · 5 rows · 2 rows rejected": True}
    assert "1 need(s) a look" in app.markdown[0].value


def test_the_demo_sheets_show_their_tables_collapsed_when_nothing_needs_a_look():
    app = start(None, "app_pages/mapping.py")
    shown = expanders(app)
    assert len(shown) >= 6
    assert any("→ Subscriptions ·" in label and " rows" in label for label in shown)
    for label, expanded in shown.items():
        assert expanded == any(word in label for word in ("rejected", "warning", "needs a column", "cannot be read")), \
            label


def test_a_warning_opens_the_sheet_and_amounts_in_cents_are_said_on_its_row():
    from tests.app.test_data_pages import ROOT, auto_mapping

    chargebee = ROOT / "tests" / "fixtures" / "chargebee_subscriptions.csv"
    data = chargebee.read_bytes()
    mapping, _ = auto_mapping(read_bytes(chargebee.name, data))
    app = start(Workspace("Chargebee", {chargebee.name: data}, mapping), "app_pages/mapping.py")
    [(label, expanded)] = expanders(app).items()
    assert "warning" in label and label.endswith("amounts in cents") and expanded


def test_a_sheet_without_data_rows_and_an_unused_sheet_say_so():
    app = start(header_only_and_tickets(), "app_pages/mapping.py")
    labels = list(expanders(app))
    assert f"**{escape_markdown('only_headers.csv')}** · no data rows" in labels
    assert any(label.startswith(f"**{escape_markdown('helpdesk_tickets.csv')}** → Tickets · ") for label in labels)


def test_status_names_the_missing_required_column():
    sheet = read_bytes(FRENCH.name, FRENCH.read_bytes())[0]
    from kpi.errors import InputError

    error = InputError("table subscriptions needs the field(s) amount: choose their columns", file=FRENCH.name)
    status = sheet_status(sheet, TableMapping("subscriptions", {"customer_id": "Client"}), error)
    assert status.label.endswith("→ Subscriptions · needs a column: Amount") and status.attention
    assert sheet_status(sheet, None, None).label == f"**{escape_markdown(FRENCH.name)}** · not used · 5 data rows"


def test_changing_a_sheets_table_proposes_its_columns_again():
    app = start(french_workspace(), "app_pages/mapping.py")
    app.selectbox(key="map::abonnements_fr.csv::table").set_value("invoices").run()
    assert not app.exception
    assert app.selectbox(key="map::abonnements_fr.csv::invoices::amount").value == "Montant HT (€)"
    assert app.selectbox(key="map::abonnements_fr.csv::invoices::customer_id").value != NOT_USED
    assert app.selectbox(key="map::abonnements_fr.csv::invoices::date").value != NOT_USED
    mapping = app.session_state["workspace"].mapping["abonnements_fr.csv"]
    assert mapping.table == "invoices" and mapping.columns["amount"] == "Montant HT (€)"


def test_an_unused_sheet_given_a_table_gets_its_columns_proposed():
    app = start(french_workspace(mapping={}), "app_pages/mapping.py")
    app.selectbox(key="map::abonnements_fr.csv::table").set_value("subscriptions").run()
    assert not app.exception
    assert app.selectbox(key="map::abonnements_fr.csv::subscriptions::amount").value == "Montant HT (€)"
    assert app.session_state["workspace"].mapping["abonnements_fr.csv"].table == "subscriptions"


def test_looks_right_goes_to_the_overview():
    app = start(Workspace("My data", french_workspace().files, french_workspace().mapping), "app_pages/mapping.py")
    [button] = [b for b in app.button if b.label == "Looks right → see your numbers"]
    button.click().run()
    assert not app.exception
    assert app.title[0].value == "Overview"
