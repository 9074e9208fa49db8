"""The Workspaces page's activity log in plain words.

The store keeps each action with a small dict of details (`kpi.store` audit log); a person reads
"added billing.csv (1,204 rows)" or "marked October 2026 as reported", never the dict itself.
Pure functions: no streamlit here, so the wording is tested on its own.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from kpi import formatting as fmt

ACTIONS = {"create": "Created", "rename": "Renamed", "duplicate": "Duplicated", "delete": "Deleted",
           "share": "Shared", "unshare": "Unshared", "save": "Saved", "report": "Reported",
           "unreport": "Unreported", "export": "Exported", "import": "Imported"}
FORMATS = {"pptx": "a PPTX deck", "xlsx": "an XLSX workbook", "html": "an HTML report",
           "email.html": "an email body", "md": "a Markdown summary"}


def month_words(month: object) -> str:
    """'2026-10' → 'October 2026'; anything that is not a month stays as written."""
    try:
        return pd.Period(str(month), freq="M").strftime("%B %Y")
    except (ValueError, TypeError):
        return str(month)


def _files(names: list[str], rows: Mapping[str, int]) -> str:
    """'billing.csv (1,204 rows), crm.csv' — rows only where known."""
    return ", ".join(f"{name} ({fmt.count(rows[name])} rows)" if name in rows else name for name in names)


def _count(n: int, word: str) -> str:
    return f"{fmt.count(n)} {word}{'' if n == 1 else 's'}"


def action_word(action: str) -> str:
    """The log's action as one plain word ('save' → 'Saved'); an unknown action is written out."""
    return ACTIONS.get(action, action.replace("_", " ").capitalize())


def activity_sentence(action: str, detail: Mapping, rows: Mapping[str, int] | None = None) -> str:
    """One audit entry as a sentence: what was done, to what.

    `detail` is the store's dict for the entry (file names added / replaced / removed, a month, a
    name, a format…); `rows` gives, for some file names, their number of rows to quote.
    A detail key this function does not know is written as "key words: value", never as JSON.
    """
    rows = rows or {}
    if action == "create":
        if detail.get("demo"):
            return "created the demo workspace"
        files = detail.get("files") or []
        return f"created “{detail.get('name', '')}”" + (f" with {_files(files, rows)}" if files else "")
    if action == "rename":
        return f"renamed “{detail.get('from', '')}” to “{detail.get('to', '')}”"
    if action == "duplicate":
        return f"duplicated a workspace as “{detail.get('name', '')}”"
    if action == "delete":
        return f"deleted “{detail.get('name', '')}”"
    if action in ("share", "unshare"):
        rights = {"view": "can view", "edit": "can edit"}
        guest, role = str(detail.get("with", "")), rights.get(str(detail.get("role")))
        if action == "unshare":
            return f"stopped sharing with {guest}"
        if detail.get("was") in rights and role:
            return f"changed the rights of {guest} from {rights[detail['was']]} to {role}"
        return f"shared the workspace with {guest}" + (f" ({role})" if role else "")
    if action == "save":
        parts = [f"{verb} {_files(detail[key], rows)}" for key, verb in (
            ("files_added", "added"), ("files_replaced", "replaced"), ("files_removed", "removed"))
            if detail.get(key)]
        parts += [words for key, words in (("mapping", "changed the mapping"), ("settings", "changed the settings"))
                  if detail.get(key)]
        return "; ".join(parts) or "saved the workspace"
    if action in ("report", "unreport"):
        month = month_words(detail.get("month", ""))
        if action == "unreport":
            return f"removed the reported mark of {month}"
        return f"marked {month} as reported" + (" again" if detail.get("again") else "")
    if action == "export":
        if "format" in detail:
            what = FORMATS.get(str(detail["format"]), f"a {str(detail['format']).upper()} file")
            period = f" ({detail['period']})" if detail.get("period") else ""
            return f"exported the investor update of {month_words(detail.get('month', ''))}{period} as {what}"
        return f"exported “{detail.get('name', '')}” as a zip"
    if action == "import":
        files = detail.get("files")
        return f"imported “{detail.get('name', '')}”" + (f" ({_count(files, 'file')})" if files else "")
    return "; ".join(f"{str(key).replace('_', ' ')}: {value}" for key, value in detail.items()) or \
        action.replace("_", " ")


def rows_per_file(files: list[str], rows_read: Mapping[str, int]) -> dict[str, int]:
    """Rows read per file: the data-quality counts of its sheets ("finance.xlsx:CSAT") added up.

    `rows_read` maps each data-quality source ("billing.csv", "book.xlsx:Sheet") to its rows read.
    Files with no mapped sheet are left out.
    """
    out = {}
    for name in files:
        counts = [n for source, n in rows_read.items() if source == name or source.startswith(f"{name}:")]
        if counts:
            out[name] = int(sum(counts))
    return out


def activity_table(entries: list, rows: Mapping[str, int] | None = None) -> pd.DataFrame:
    """The log (newest first) as When, Who, Action, Detail; a file's rows are quoted only on its
    latest save, the one whose version the workspace holds now."""
    rows = dict(rows or {})
    out = []
    for entry in entries:
        out.append({"When": entry.at, "Who": entry.who or "(local)", "Action": action_word(entry.action),
                    "Detail": activity_sentence(entry.action, entry.detail, rows)})
        if entry.action in ("save", "create"):  # older saves of these files held other versions
            for key in ("files_added", "files_replaced", "files"):
                for name in entry.detail.get(key) or []:
                    rows.pop(name, None)
    return pd.DataFrame(out, columns=["When", "Who", "Action", "Detail"])
