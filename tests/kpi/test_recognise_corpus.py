"""kpi.ingest.recognise on the corpus of real tools' export layouts (tests/fixtures/corpus/): with no
mapping given, every file or sheet is recognised as the table its expected.json entry names, with
every expected field on the expected column; the budget's notes sheet is no table. The corpus's
README names the source of each layout."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

from kpi.ingest.io import Sheet, read_path
from kpi.ingest.mapping import apply_mapping
from kpi.ingest.recognise import recognise

CORPUS = Path(__file__).resolve().parent.parent / "fixtures" / "corpus"
EXPECTED: dict[str, dict] = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))
NOT_A_TABLE = ["budget_2026.xlsx:Hypothèses"]


@cache
def _sheets(name: str) -> dict[str, Sheet]:
    return {sheet.key: sheet for sheet in read_path(CORPUS / name, trusted=True)}


def sheet(key: str) -> Sheet:
    return _sheets(key.split(":")[0])[key]


@cache
def proposal_of(key: str):
    """Recognised once per sheet (recognition is deterministic), read by both tests of the sheet."""
    return recognise(sheet(key))


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_export_is_recognised_as_its_table_with_its_fields(key):
    expected = EXPECTED[key]
    proposal = proposal_of(key)
    assert proposal.table == expected["table"], proposal.reason
    mapped = {name: proposal.columns.get(name) for name in expected["columns"]}
    assert mapped == expected["columns"], proposal.field_reasons
    assert proposal.layout == expected.get("layout", "long")
    assert proposal.reason and all(proposal.field_reasons.get(name) for name in expected["columns"])


@pytest.mark.parametrize("key", NOT_A_TABLE)
def test_a_notes_sheet_is_no_table(key):
    proposal = proposal_of(key)
    assert proposal.table is None
    assert proposal.reason.startswith("no table fits")


def test_every_corpus_file_is_listed():
    """A new corpus file without an expectation fails here rather than going untested."""
    readable = {key for path in CORPUS.iterdir() if path.suffix not in {".py", ".md", ".json"}
                for key in _sheets(path.name)}
    assert readable == set(EXPECTED) | set(NOT_A_TABLE)


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_recognised_export_parses_without_rejections_for_its_format(key):
    """The values then read as written (AM/PM times, YYYYMMDD, `$48,000.00`, decimal commas): no row is
    rejected for how it is written; only rows blank where a required field is are left out."""
    current = sheet(key)
    result = apply_mapping(current, proposal_of(key).mapping())
    rejected = result.quality.rejected
    assert not (rejected["reason"] != "is empty (required)").any(), rejected.head()
    assert result.quality.rows_used >= 1
