"""The KPI engine: a founder's spreadsheets in, SaaS and customer-success metrics out.

Pure Python + pandas; never imports streamlit. The flow, one room per stage:

    files ──► kpi.ingest ──► canonical tables ──► kpi.metrics ──► kpi.report ──► pages │ CLI │ kpi.exports
                                                                                 kpi.store keeps workspaces

The short public API (docs/architecture.md has the rest):

    import kpi
    sheets = [sheet for path in ["billing.csv", "crm.xlsx"] for sheet in kpi.read_path(path)]
    mapping, notes = kpi.auto_mapping(sheets)          # or kpi.load_mapping("mapping.json")
    report = kpi.build_report(kpi.build_tables(sheets, mapping), as_of="2026-06")
    report.to_json()["revenue"]["mrr"]

The names are loaded on first use, so `import kpi` (and the CLI's start) stays light.
"""

from __future__ import annotations

import importlib
from typing import Any

_PUBLIC = {
    "read_path": "kpi.ingest.io",
    "auto_mapping": "kpi.ingest.recognise",
    "load_mapping": "kpi.ingest.mapping",
    "build_tables": "kpi.ingest.mapping",
    "build_report": "kpi.report.build",
    "Settings": "kpi.report.build",
    "Report": "kpi.report.build",
    "InputError": "kpi.errors",
}
__all__ = sorted(_PUBLIC)


def __getattr__(name: str) -> Any:
    if name not in _PUBLIC:
        raise AttributeError(f"module 'kpi' has no attribute {name!r}")
    value = getattr(importlib.import_module(_PUBLIC[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
