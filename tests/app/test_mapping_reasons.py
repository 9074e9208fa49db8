"""Map columns shows why: the table's reason and each auto-mapped field's reason, as `kpi recognise` says them."""

from kpi.ingest.io import read_bytes
from kpi.ingest.recognise import auto_mapping, recognise
from tests.app.test_data_pages import ROOT, start
from ui.state import Workspace

PERIODS = ROOT / "tests" / "fixtures" / "corpus" / "subscriptions_mrr.csv"


def test_map_page_shows_the_table_reason_and_each_field_reason():
    data = PERIODS.read_bytes()
    sheets = read_bytes(PERIODS.name, data)
    mapping, _ = auto_mapping(sheets)
    app = start(Workspace("Warehouse", {PERIODS.name: data}, mapping), "app_pages/mapping.py")
    captions = [caption.value for caption in app.caption]
    proposal = recognise(sheets[0])
    assert any(c.startswith("Why Subscriptions\\:") and "already monthly" in c for c in captions), captions
    fields = next(c for c in captions if "**Amount** ←" in c)
    assert "header \\'mrr\\_amount\\' names the amount; values are money" in fields
    assert fields.count("←") == len(proposal.columns)


def test_a_reason_disappears_when_the_user_picks_another_column():
    data = PERIODS.read_bytes()
    mapping, _ = auto_mapping(read_bytes(PERIODS.name, data))
    app = start(Workspace("Warehouse", {PERIODS.name: data}, mapping), "app_pages/mapping.py")
    app.selectbox(key="map::subscriptions_mrr.csv::subscriptions::plan").set_value("status").run()
    assert not app.exception
    fields = next(c.value for c in app.caption if "**Amount** ←" in c.value)
    assert "**Plan** ←" not in fields
