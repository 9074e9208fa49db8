"""`python -m kpi recognise`: what each file or sheet was recognised as, and why, in words.

The same proposals and reasons as the Map columns page (`kpi.ingest.recognise`): per sheet, the
table (or none, with why), the confidence, and each field → column with its reason.
"""

from __future__ import annotations

import json
from pathlib import Path

from kpi.ingest.io import Sheet, read_path
from kpi.ingest.proposal import Proposal
from kpi.ingest.recognise import recognise


def recognise_paths(paths: list[str | Path]) -> list[tuple[Sheet, Proposal]]:
    """Every sheet of every file with its proposal; an unreadable file raises InputError."""
    sheets = [sheet for path in paths for sheet in read_path(path)]
    return [(sheet, recognise(sheet)) for sheet in sheets]


def to_json(found: list[tuple[Sheet, Proposal]]) -> list[dict]:
    return [{
        "sheet": sheet.key,
        "table": proposal.table,
        "confidence": proposal.confidence,
        "layout": proposal.layout if proposal.table else None,
        "reason": proposal.reason,
        "columns": {name: {"column": header, "confidence": proposal.field_confidence.get(name),
                           "reason": proposal.field_reasons.get(name, "")}
                    for name, header in proposal.columns.items()} if proposal.table else {},
        "options": dict(proposal.options),
        "reader": list(sheet.warnings),
    } for sheet, proposal in found]


def to_text(found: list[tuple[Sheet, Proposal]]) -> str:
    lines = []
    for sheet, proposal in found:
        if proposal.table is None:
            lines += [f"{sheet.key}: no table", f"  why: {proposal.reason}"]
        else:
            layout = ", wide" if proposal.layout == "wide" else ""
            lines += [f"{sheet.key}: {proposal.table}{layout} (confidence {proposal.confidence:.0%})",
                      f"  why: {proposal.reason}"]
            width = max(len(name) for name in proposal.columns)
            for name, header in proposal.columns.items():
                lines.append(f"  {name:<{width}} ← {header}: {proposal.field_reasons.get(name, '')}")
        lines += [f"  reader: {warning}" for warning in sheet.warnings]
        lines.append("")
    return "\n".join(lines).rstrip("\n")


def render(found: list[tuple[Sheet, Proposal]], fmt: str) -> str:
    return json.dumps(to_json(found), ensure_ascii=False, indent=2) if fmt == "json" else to_text(found)
