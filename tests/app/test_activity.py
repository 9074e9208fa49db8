"""The Workspaces page's activity log reads as sentences, never as the store's raw dicts."""

from datetime import datetime

from kpi.formatting import count
from kpi.store.model import AuditEntry
from ui.activity import activity_sentence, activity_table, rows_per_file


def test_an_upload_names_the_files_and_their_rows():
    detail = {"files_added": ["billing.csv"], "files_replaced": [], "files_removed": [], "mapping": True,
              "settings": False}
    assert activity_sentence("save", detail, {"billing.csv": 1204}) == \
        f"added billing.csv ({count(1204)} rows); changed the mapping"


def test_replaced_and_removed_files_and_settings_are_said():
    detail = {"files_added": [], "files_replaced": ["crm.csv"], "files_removed": ["old.csv"], "mapping": False,
              "settings": True}
    assert activity_sentence("save", detail) == "replaced crm.csv; removed old.csv; changed the settings"


def test_a_reported_month_is_written_in_words():
    assert activity_sentence("report", {"month": "2026-10", "again": False}) == "marked October 2026 as reported"
    assert activity_sentence("report", {"month": "2026-10", "again": True}) == \
        "marked October 2026 as reported again"
    assert activity_sentence("unreport", {"month": "2026-09"}) == "removed the reported mark of September 2026"


def test_exports_renames_and_imports():
    assert activity_sentence("export", {"format": "pptx", "month": "2026-10", "period": "quarter"}) == \
        "exported the investor update of October 2026 (quarter) as a PPTX deck"
    assert activity_sentence("export", {"name": "Plumeo"}) == "exported “Plumeo” as a zip"
    assert activity_sentence("rename", {"from": "A", "to": "B"}) == "renamed “A” to “B”"
    assert activity_sentence("import", {"name": "Copy", "files": 3}) == "imported “Copy” (3 files)"
    assert activity_sentence("create", {"name": "Demo", "demo": True}) == "created the demo workspace"


def test_a_share_says_the_rights_it_gives_and_a_change_of_rights_says_both():
    assert activity_sentence("share", {"with": "bob@acme.io", "role": "view"}) == \
        "shared the workspace with bob@acme.io (can view)"
    assert activity_sentence("share", {"with": "bob@acme.io", "role": "edit", "was": "view"}) == \
        "changed the rights of bob@acme.io from can view to can edit"
    assert activity_sentence("share", {"with": "bob@acme.io"}) == "shared the workspace with bob@acme.io"  # before roles
    assert activity_sentence("unshare", {"with": "bob@acme.io"}) == "stopped sharing with bob@acme.io"


def test_an_unknown_detail_is_written_as_words_not_json():
    text = activity_sentence("merge", {"source_id": 4, "note": "x"})
    assert text == "source id: 4; note: x"
    assert "{" not in text and "'" not in text


def test_rows_per_file_adds_up_the_sheets_of_a_workbook():
    rows = rows_per_file(["finance.xlsx", "crm.csv", "unmapped.csv"],
                         {"finance.xlsx:Costs": 144, "finance.xlsx:CSAT": 504, "crm.csv": 1050})
    assert rows == {"finance.xlsx": 648, "crm.csv": 1050}


def test_rows_are_quoted_only_on_the_latest_save_of_a_file():
    at = datetime(2026, 11, 2, 9, 30)
    newest = AuditEntry(at, "ana@acme.io", "save", 1, 3, {"files_replaced": ["billing.csv"]})
    older = AuditEntry(at, None, "save", 1, 2, {"files_added": ["billing.csv"]})
    table = activity_table([newest, older], {"billing.csv": 1204})
    assert list(table.columns) == ["When", "Who", "Action", "Detail"]
    assert table["Detail"].tolist() == [f"replaced billing.csv ({count(1204)} rows)", "added billing.csv"]
    assert table["Who"].tolist() == ["ana@acme.io", "(local)"] and table["Action"].tolist() == ["Saved", "Saved"]
