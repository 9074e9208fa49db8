"""kpi.ingest.replacements: which uploaded file replaces which stored one, and which mapping a
replaced sheet keeps."""

import pandas as pd

from kpi.ingest.io import Sheet
from kpi.ingest.mapping import TableMapping
from kpi.ingest.replacements import (
    NEW_FILE,
    SAME_LAYOUT,
    SAME_NAME,
    FileMatch,
    carried_mapping,
    change_text,
    file_layout,
    match_files,
    plan_update,
)

SUBS = frozenset({"subs-layout"})
CRM = frozenset({"crm-layout"})


def sheet(file: str, headers: list[str], rows: int = 1, name: str | None = None) -> Sheet:
    frame = pd.DataFrame([[f"v{r}{c}" for c in range(len(headers))] for r in range(rows)], columns=headers,
                         index=range(2, 2 + rows))
    return Sheet(file, name, frame, 1)


def test_an_upload_with_a_stored_name_replaces_that_file():
    assert match_files({"billing.csv": SUBS}, {"billing.csv": SUBS, "crm.csv": CRM}) == [
        FileMatch("billing.csv", "billing.csv", SAME_NAME)]


def test_the_name_wins_even_when_the_layout_changed():
    assert match_files({"billing.csv": CRM}, {"billing.csv": SUBS, "crm.csv": CRM}) == [
        FileMatch("billing.csv", "billing.csv", SAME_NAME)]


def test_an_upload_with_a_new_name_replaces_the_one_stored_file_of_its_layout():
    assert match_files({"stripe_2026-11.csv": SUBS}, {"stripe_2026-10.csv": SUBS, "crm.csv": CRM}) == [
        FileMatch("stripe_2026-11.csv", "stripe_2026-10.csv", SAME_LAYOUT)]


def test_an_upload_of_an_unknown_layout_is_a_new_file():
    assert match_files({"tickets.csv": frozenset({"tickets-layout"})}, {"billing.csv": SUBS}) == [
        FileMatch("tickets.csv", None, NEW_FILE)]


def test_a_stored_file_taken_by_name_is_not_replaced_again_by_layout():
    assert match_files({"other.csv": SUBS, "billing.csv": SUBS}, {"billing.csv": SUBS}) == [
        FileMatch("other.csv", None, NEW_FILE), FileMatch("billing.csv", "billing.csv", SAME_NAME)]


def test_the_first_upload_of_a_layout_takes_the_stored_file_the_next_is_new():
    assert match_files({"a.csv": SUBS, "b.csv": SUBS}, {"old.csv": SUBS}) == [
        FileMatch("a.csv", "old.csv", SAME_LAYOUT), FileMatch("b.csv", None, NEW_FILE)]


def test_several_stored_files_of_one_layout_are_not_guessed_between():
    assert match_files({"2026-11.csv": SUBS}, {"2026-09.csv": SUBS, "2026-10.csv": SUBS}) == [
        FileMatch("2026-11.csv", None, NEW_FILE)]


def test_a_file_without_data_matches_nothing_by_layout():
    assert match_files({"empty.csv": frozenset()}, {"old_empty.csv": frozenset()}) == [
        FileMatch("empty.csv", None, NEW_FILE)]


def test_a_files_layout_ignores_header_order_case_and_sheets_without_rows():
    one = file_layout([sheet("a.csv", ["Client", "Montant"])])
    assert one == file_layout([sheet("b.csv", ["montant", "CLIENT"])])
    assert one != file_layout([sheet("c.csv", ["Client", "Montant", "Plan"])])
    assert file_layout([sheet("d.csv", ["Client"], rows=0)]) == frozenset()


SUBS_MAPPING = TableMapping("subscriptions", {"customer_id": "Client", "amount": "Montant"})
COSTS_MAPPING = TableMapping("costs", {"month": "Mois", "amount": "Total"})


def test_a_sheet_replaced_under_a_new_name_keeps_its_mapping_re_keyed():
    old = [sheet("oct.csv", ["Client", "Montant"])]
    new = [sheet("nov.csv", ["Client", "Montant"], rows=3)]
    matches = [FileMatch("nov.csv", "oct.csv", SAME_LAYOUT)]
    assert carried_mapping(matches, {"oct.csv": SUBS_MAPPING}, old, new) == {"nov.csv": SUBS_MAPPING}


def test_workbook_sheets_follow_the_sheet_of_the_same_name_else_of_the_same_layout():
    old = [sheet("q3.xlsx", ["Client", "Montant"], name="Abos"), sheet("q3.xlsx", ["Mois", "Total"], name="Coûts")]
    new = [sheet("q4.xlsx", ["Client", "Montant"], name="Abos"), sheet("q4.xlsx", ["Mois", "Total"], name="Costs")]
    matches = [FileMatch("q4.xlsx", "q3.xlsx", SAME_LAYOUT)]
    stored = {"q3.xlsx:Abos": SUBS_MAPPING, "q3.xlsx:Coûts": COSTS_MAPPING}
    assert carried_mapping(matches, stored, old, new) == {"q4.xlsx:Abos": SUBS_MAPPING,
                                                           "q4.xlsx:Costs": COSTS_MAPPING}


def test_a_mapping_whose_column_is_gone_is_not_carried():
    old = [sheet("billing.csv", ["Client", "Montant"])]
    new = [sheet("billing.csv", ["Client", "Montant HT"])]
    matches = [FileMatch("billing.csv", "billing.csv", SAME_NAME)]
    assert carried_mapping(matches, {"billing.csv": SUBS_MAPPING}, old, new) == {}


def test_a_sheet_left_unmapped_stays_unmapped_and_new_files_carry_nothing():
    old = [sheet("billing.csv", ["Client", "Montant"])]
    new = [sheet("billing.csv", ["Client", "Montant"]), sheet("crm.csv", ["Client", "Montant"])]
    matches = [FileMatch("billing.csv", "billing.csv", SAME_NAME), FileMatch("crm.csv", None, NEW_FILE)]
    assert carried_mapping(matches, {}, old, new) == {"billing.csv": None}
    assert carried_mapping(matches, {"billing.csv": SUBS_MAPPING}, old, new) == {"billing.csv": SUBS_MAPPING}


def test_the_change_list_says_each_files_fate_in_words():
    assert change_text(FileMatch("billing.csv", "billing.csv", SAME_NAME), 1204, 1251) == \
        "replaces billing.csv (same name): 1,204 → 1,251 rows"
    assert change_text(FileMatch("stripe_2026-11.csv", "stripe_2026-10.csv", SAME_LAYOUT), 1204, 1251) == \
        "replaces stripe_2026-10.csv (same layout): 1,204 → 1,251 rows"
    assert change_text(FileMatch("tickets.csv", None, NEW_FILE), None, 12) == "new file: 12 rows"
    assert change_text(FileMatch("billing.csv", "billing.csv", SAME_NAME), 3, 3, same_content=True) == \
        "unchanged (same content as billing.csv)"


def test_an_update_replaces_renames_adds_and_keeps_the_mapping_of_each_sheet():
    stored_files = {"oct.csv": b"oct", "crm.csv": b"crm", "notes.csv": b"notes"}
    stored_sheets = [sheet("oct.csv", ["Client", "Montant"], rows=2), sheet("crm.csv", ["Client", "Pays"], rows=4),
                     sheet("notes.csv", ["Texte"], rows=1)]
    crm_mapping = TableMapping("customers", {"customer_id": "Client", "country": "Pays"})
    stored_mapping = {"oct.csv": SUBS_MAPPING, "crm.csv": crm_mapping}
    uploads = {"nov.csv": b"nov", "crm.csv": b"crm", "tickets.csv": b"tickets"}
    uploaded_sheets = [sheet("nov.csv", ["Client", "Montant"], rows=3), sheet("crm.csv", ["Client", "Pays"], rows=4),
                       sheet("tickets.csv", ["Ticket", "Client"], rows=5)]
    tickets_mapping = TableMapping("tickets", {"ticket_id": "Ticket", "customer_id": "Client"})
    fresh = {"nov.csv": TableMapping("invoices", {"customer_id": "Client", "amount": "Montant"}),
             "crm.csv": TableMapping("customers", {"customer_id": "Client"}), "tickets.csv": tickets_mapping}

    update = plan_update(stored_files, stored_sheets, stored_mapping, uploads, uploaded_sheets, fresh)

    assert update.matches == (FileMatch("nov.csv", "oct.csv", SAME_LAYOUT), FileMatch("crm.csv", "crm.csv", SAME_NAME),
                              FileMatch("tickets.csv", None, NEW_FILE))
    assert update.lines == ("replaces oct.csv (same layout): 2 → 3 rows", "unchanged (same content as crm.csv)",
                            "new file: 5 rows")
    assert update.put == {"nov.csv": b"nov", "tickets.csv": b"tickets"}
    assert update.remove == {"oct.csv": "nov.csv"}
    assert update.mapping == {"nov.csv": SUBS_MAPPING, "crm.csv": crm_mapping, "tickets.csv": tickets_mapping}
    assert list(update.mapping) == ["nov.csv", "crm.csv", "tickets.csv"] and update.changes_files


def test_uploading_the_same_files_again_changes_nothing():
    files = {"oct.csv": b"oct"}
    sheets = [sheet("oct.csv", ["Client", "Montant"], rows=2)]
    update = plan_update(files, sheets, {"oct.csv": SUBS_MAPPING}, files, sheets, {})
    assert (update.put, update.remove, update.mapping) == ({}, {}, {"oct.csv": SUBS_MAPPING})
    assert update.lines == ("unchanged (same content as oct.csv)",) and not update.changes_files
