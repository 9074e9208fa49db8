"""Recognise what a sheet is and which column feeds each field — with a confidence and a reason.

Three kinds of evidence, each said in words in the proposal:
- names: each header is cut into words whatever its casing or joining (`kpi.ingest.headers`) and
  compared with each field's English and French synonyms, also inside compound headers
  (`mrr_amount`, `Invoice Item: Charge Amount`) and under a second header row of question texts;
- values: each column's profile (`kpi.ingest.profile`: dates, money, ids, yes/no, 0–10 scores,
  categories, free text) must fit the field's kind (a date field must hold dates);
- shape: what the columns are together. An id, a start and an end date and money is a
  subscription table whatever its headers; an id, a date and a reason is churn reasons; a date
  with signed amounts, or debit and credit, and a label is a bank export (cash); month headers
  across with metric names down the first column is a plan, with customer names an MRR table.
The table whose required fields are all found and that explains most of the sheet wins. Weak
evidence needs company: a table's key found only through a weak synonym (a bare `id`) counts only
when two more of the table's fields are found too. Only the first `SAMPLE_ROWS` rows are looked at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from kpi.ingest import mapping as _mapping
from kpi.ingest.headers import (
    PRE_TAX,
    QUESTION_WORDS,
    SECOND_SYNONYMS,
    SURVEY_HINTS,
    SYNONYMS,
    TABLE_NAME_HINTS,
    WEAK_SYNONYMS,
    field_part,
    name_score,
    tokens,
)
from kpi.ingest.io import Sheet
from kpi.ingest.ledgers import balance_fit
from kpi.ingest.mapping import Mapping
from kpi.ingest.parse import parse_column
from kpi.ingest.profile import Profile, profiles
from kpi.ingest.proposal import Proposal
from kpi.ingest.schema import TABLES, Field
from kpi.ingest.shapes import plan_or_mrr_wide, shape_fill, wide_costs

__all__ = ["Proposal", "auto_mapping", "name_score", "recognise", "tokens", "SYNONYMS"]

SAMPLE_ROWS = 400
NAME_THRESHOLD = 0.7
TABLE_THRESHOLD = 0.55
WEAK = 0.85  # a weak synonym's match counts this much of a strong one's
SECOND = 0.93  # a second-choice synonym's
PART = 0.97  # the field's own words after an object prefix (`Deal - Value`)
DESCRIBED = 0.95  # the column's text on a second header row (Qualtrics' question under `Q1`)
BLANK_FIT = 0.5  # a column without values in the sample: its name alone decides
QUESTION_SCORE = 0.85  # a survey question as a header ("How likely are you to recommend …?")
QUESTION_MIN_WORDS = 5
SCORE_RANGES = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}
TABLE_KEYS = {"customers": "customer_id", "tickets": "ticket_id"}  # a weak key needs company
SNAPSHOT_FIELDS = ("mrr", "status", "churned")  # on customers: only together (§13), else plain attributes
_MONTHLY_WORDS = {"mrr", "monthly", "mensuel", "mensuelle", "month"}
_TAX = re.compile(r"(?i)\b(tax|vat|tva)\b")
_KIND_WORDS = {"id": "ids", "text": "text", "date": "dates", "month": "months", "amount": "money",
               "signed_amount": "signed amounts", "number": "numbers", "count": "whole numbers",
               "interval": "billing intervals", "fraction": "fractions", "boolean": "yes/no", "score": "scores"}


@dataclass
class _Sheet:
    """What is looked at once per sheet: the sample, each header's words and each column's profile."""

    sheet: Sheet
    sample: pd.DataFrame
    words: dict[str, tuple[str, ...]]
    parts: dict[str, tuple[str, ...] | None]
    described: dict[str, tuple[str, ...]]
    profiles: dict[str, Profile]
    hints: set[str]
    fits: dict


def _look(sheet: Sheet) -> _Sheet:
    sample = sheet.frame.head(SAMPLE_ROWS)
    headers = list(sheet.frame.columns)
    cut = len(_shared_prefix(headers) or "")
    words = {h: tokens(str(h)[cut:]) for h in headers}
    parts = {h: (field_part(str(h)[cut:]) if not cut else None) for h in headers}
    described = {h: tokens(d) for h, d in sheet.descriptions.items() if h in words}
    hints = (set(tokens(sheet.sheet or "")) | set(tokens(sheet.file.rsplit(".", 1)[0]))
             | set(tokens(_shared_prefix(headers) or "")))
    return _Sheet(sheet, sample, words, parts, described, profiles(sample), hints, {})


def _question(table: str, field_name: str, words: tuple[str, ...]) -> float:
    telling = QUESTION_WORDS.get(field_name, set())
    asked = table in SURVEY_HINTS and len(words) >= QUESTION_MIN_WORDS and set(words) & telling
    return QUESTION_SCORE if asked else 0.0


def _words_score(table: str, field_name: str, words: tuple[str, ...]) -> tuple[float, str]:
    scores = (
        (name_score(words, SYNONYMS[table].get(field_name, ())), "names"),
        (SECOND * name_score(words, SECOND_SYNONYMS.get(table, {}).get(field_name, ())), "may name"),
        (WEAK * name_score(words, WEAK_SYNONYMS.get(table, {}).get(field_name, ())), "weakly names"),
        (_question(table, field_name, words), "asks for"),
    )
    return max(scores, key=lambda s: s[0])


def field_name_score(table: str, field_name: str, words: tuple[str, ...]) -> tuple[float, bool]:
    """How well a header (its words) names one field of one table, and whether only a weak synonym says so."""
    score, how = _words_score(table, field_name, words)
    return score, how == "weakly names"


def _name(look: _Sheet, table: str, field_name: str, header: str) -> tuple[float, str]:
    """The best evidence a header gives for a field, and its wording."""
    best, how = _words_score(table, field_name, look.words[header])
    where = ""
    part = look.parts.get(header)
    if part:
        score, part_how = _words_score(table, field_name, part)
        if score * PART > best:
            best, how = score * PART, part_how
    if header in look.described:
        score, described_how = _words_score(table, field_name, look.described[header])
        if score * DESCRIBED > best:
            best, how = score * DESCRIBED, described_how
            where = f" (its second header row: '{look.sheet.descriptions[header]}')"
    return best, f"header '{header}'{where} {how} the {field_name.replace('_', ' ')}"


def _value_fit(look: _Sheet, header: str, schema_field: Field, table: str) -> float | None:
    """Share of the sampled values that fit the field's kind; None when the sample holds none."""
    p = look.profiles[header]
    if not p.filled:
        return None
    kind = schema_field.kind
    if kind == "id":
        return 0.0 if p.structured >= 0.5 else 1.0
    if kind == "text":
        return 1.0
    if kind == "date":
        return p.date
    if kind == "month":
        return max(p.month, p.date)
    if kind == "amount":
        return p.number * (1 - p.negative)
    if kind in ("signed_amount", "number"):
        return p.number
    if kind == "count":
        return p.number * p.whole * (1 - p.negative)
    if kind == "boolean":
        return p.boolean
    if kind == "score":
        low, high = SCORE_RANGES.get(table, (0, 10))
        fits = p.whole >= 0.99 and p.low >= low and p.high <= high
        return p.number * min(1.0, 0.5 + p.distinct / 8) if fits else 0.0  # a scale uses many of its values
    key = (header, kind)
    if key not in look.fits:
        values = look.sample[header]
        parsed = parse_column(values[values.notna()], kind)
        look.fits[key] = float((~parsed.bad & parsed.values.notna()).mean()) if len(values.dropna()) else 0.0
    return look.fits[key]


def _kind_words(look: _Sheet, header: str, schema_field: Field) -> str:
    described = look.profiles[header].describe()
    return described if described != "text" else _KIND_WORDS[schema_field.kind]


def _propose_table(look: _Sheet, table: str) -> Proposal:
    schema = TABLES[table]
    sheet = look.sheet
    candidates = []
    weak: set[tuple[str, str]] = set()
    for schema_field in schema.fields:
        for header in look.words:
            name, why = _name(look, table, schema_field.name, header)
            if name < NAME_THRESHOLD:
                continue
            fit = _value_fit(look, header, schema_field, table)
            if fit is None:
                fit = BLANK_FIT
            elif schema_field.kind not in ("id", "text") and fit < 0.6:
                continue
            candidates.append((name * (0.6 + 0.4 * fit), schema_field.name, header, why))
            if why.split("' ")[-1].startswith("weakly"):
                weak.add((schema_field.name, header))
    candidates.sort(key=lambda c: -c[0])
    columns: dict[str, str] = {}
    confidence: dict[str, float] = {}
    reasons: dict[str, str] = {}
    for score, name, header, why in candidates:
        if name in columns or header in columns.values():
            continue
        columns[name] = header
        confidence[name] = round(score, 3)
        reasons[name] = f"{why}; values are {_kind_words(look, header, schema.field(name))}"
    notes = _table_rules(look, table, columns, confidence, reasons, weak)
    required = _required(table, columns)
    shape = ""
    if any(f not in columns for f in required):
        found, shape = shape_fill(table, columns, look.profiles)
        for name, header in found.items():
            columns[name] = header
            confidence[name] = 0.6
            reasons[name] = f"no header names it; '{header}' holds {look.profiles[header].describe()}, as {shape}"
        required = _required(table, columns)
    missing = [f for f in required if f not in columns]
    if missing:
        return Proposal(sheet.key, table, 0.0, columns, confidence,
                        reason=f"no column found for {', '.join(missing)}", field_reasons=reasons)
    key = TABLE_KEYS.get(table)
    if key and (key, columns[key]) in weak and len(columns) < 3:
        return Proposal(sheet.key, table, 0.0, columns, confidence, field_reasons=reasons,
                        reason=f"only a weak name for {key} and too few other fields")
    coverage = len(columns) / max(1, len(sheet.frame.columns))
    score = 0.6 * float(np.mean([confidence[f] for f in required])) + 0.4 * coverage
    why = [f"{len(columns)} of its {len(sheet.frame.columns)} columns fit {table}, all required fields "
           f"({', '.join(required)}) among them"]
    if shape:
        why.append(shape)
    if table == "customers" and _dated_money_per_id(look, columns["customer_id"]):
        score -= 0.1
        why.append("but its ids repeat next to dates and money: more like one row per sale than per customer")
    if look.hints & _HINT_TOKENS[table]:
        score += 0.1
        why.append(f"the file or sheet name suggests {table}")
    if table in SURVEY_HINTS and _names_survey(table, look.words[columns["score"]] + look.described.get(
            columns["score"], ())):
        score += 0.1
        why.append(f"the score's header names {table.upper()}")
    return Proposal(sheet.key, table, round(min(score, 1.0), 3), columns, confidence, rank=score,
                    reason="; ".join([*why, *notes]), field_reasons=reasons)


def _dated_money_per_id(look: _Sheet, id_header: str) -> bool:
    """Ids that repeat in a sheet that also holds dates and money: rows of sales, not of customers."""
    p = look.profiles
    repeats = p[id_header].filled > 0 and p[id_header].unique < 0.95
    money = any(q.number >= 0.9 and (q.whole < 0.99 or q.high >= 100) for q in p.values())
    return repeats and money and any(q.date >= 0.9 and q.number < 0.9 for q in p.values())


def _required(table: str, columns: dict[str, str]) -> list[str]:
    required = list(TABLES[table].required)
    if table == "orders":
        if "amount" not in columns and {"quantity", "unit_price"} <= set(columns):
            required += ["quantity", "unit_price"]
        else:
            required.append("amount")
    if table == "cash":
        money = [f for f in ("amount", "balance") if f in columns] or (
            ["debit", "credit"] if {"debit", "credit"} <= set(columns) else ["amount"])
        required += money[:1] if money[0] != "debit" else money
    return required


def _table_rules(look: _Sheet, table: str, columns: dict[str, str], confidence: dict[str, float],
                 reasons: dict[str, str], weak: set[tuple[str, str]]) -> list[str]:
    """What a table's fields mean together; returns notes for the table's reason."""
    notes = []
    if table == "customers" and "customer_id" not in columns and "name" in columns:
        # a customer list without an ID column: the customer's name is its key
        columns["customer_id"] = columns.pop("name")
        confidence["customer_id"] = confidence.pop("name") * WEAK
        reasons["customer_id"] = reasons.pop("name") + "; no ID column, so the name is the key"
        weak.add(("customer_id", columns["customer_id"]))
    if table == "customers" and not ("mrr" in columns and {"status", "churned"} & set(columns)):
        for name in SNAPSHOT_FIELDS:  # a lone amount or state is an attribute, not a snapshot (§13)
            columns.pop(name, None), confidence.pop(name, None), reasons.pop(name, None)
    elif table == "customers":
        notes.append("a monthly amount and a churn flag or status: a snapshot of customers without dates")
    if table == "subscriptions" and "interval" in columns and "amount" in columns \
            and set(look.words[columns["amount"]]) & _MONTHLY_WORDS:
        notes.append(f"'{columns.pop('interval')}' left out: the amount '{columns['amount']}' is already monthly")
        confidence.pop("interval"), reasons.pop("interval")
    if table in ("invoices", "orders") and "amount" in columns:
        _pre_tax(look, columns, reasons, notes)
    if table in SCORE_RANGES and "score" not in columns:
        _score_by_values(look, table, columns, confidence, reasons)
    if table == "cash" and {"amount", "balance"} <= set(columns):
        _amount_of_balance(look, columns, reasons, notes)
    return notes


def _amount_of_balance(look: _Sheet, columns: dict[str, str], reasons: dict[str, str], notes: list[str]) -> None:
    """Of the columns that name an amount (`Amount`, `Total amount`), the one the running balance
    moves by: Revolut's `Amount` leaves out the fee that its `Total amount` and `Balance` include."""
    def amounts(header: str) -> pd.Series:
        return parse_column(look.sample[header], "signed_amount").values

    balance = amounts(columns["balance"])
    chosen = columns["amount"]
    fit = balance_fit(amounts(chosen), balance)
    for header, words in look.words.items():
        if header in columns.values() or look.profiles[header].number < 0.9 \
                or name_score(words, SYNONYMS["cash"]["amount"]) < 0.7:
            continue
        other = balance_fit(amounts(header), balance)
        if other >= 0.95 and other > fit + 0.05:
            reasons["amount"] = (f"header '{header}' names an amount, and the balance '{columns['balance']}' moves "
                                 f"by it on {other:.0%} of the rows ('{chosen}': {fit:.0%})")
            notes.append(f"amount '{header}', not '{chosen}': the balance follows it (fees included)")
            columns["amount"], chosen, fit = header, header, other


def _pre_tax(look: _Sheet, columns: dict[str, str], reasons: dict[str, str], notes: list[str]) -> None:
    """Amount is before tax: where a tax column holds non-zero amounts, the pre-tax column wins."""
    taxed = [h for h in look.words if _TAX.search(str(h).replace("_", " ")) and look.profiles[h].number >= 0.9
             and (look.profiles[h].high or 0) > 0 and not re.search(r"(?i)rate|percent|%|name", str(h))]
    if not taxed:
        return
    pre_tax = [h for h in look.words if h not in columns.values()
               and name_score(look.words[h], PRE_TAX) >= 0.9 and look.profiles[h].number >= 0.9]
    if pre_tax and name_score(look.words[columns["amount"]], PRE_TAX) < 0.9:
        columns["amount"] = pre_tax[0]
        reasons["amount"] = (f"header '{pre_tax[0]}' is the amount before tax ('{taxed[0]}' holds tax); "
                             f"values are {look.profiles[pre_tax[0]].describe()}")
        notes.append("amounts taken before tax")


_HINT_TOKENS = {table: {w for hint in hints for w in tokens(hint)} for table, hints in TABLE_NAME_HINTS.items()}


def _names_survey(table: str, words: tuple[str, ...]) -> bool:
    """The score's header names this survey: `Note NPS`, `CSAT`, `How likely … recommend …?`."""
    if name_score(words, SURVEY_HINTS[table]) >= 0.5:
        return True
    return table == "nps" and bool(set(words) & {"recommend", "recommander", "recommanderiez", "recommanderais"})


def _score_by_values(look: _Sheet, table: str, columns: dict[str, str], confidence: dict[str, float],
                     reasons: dict[str, str]) -> None:
    """A column of whole numbers within the scale next to a date is a survey score."""
    if "date" not in columns:
        return
    for header in look.words:
        if header in columns.values():
            continue
        fit = _value_fit(look, header, TABLES[table].field("score"), table)
        if fit is not None and fit >= 0.95 and look.profiles[header].distinct >= 4:
            columns["score"] = header
            confidence["score"] = 0.6
            low, high = SCORE_RANGES[table]
            reasons["score"] = f"no header names it; '{header}' holds whole numbers from {low} to {high} next to a date"
            return


def _wide(look: _Sheet) -> Proposal | None:
    """Month headers across: a wide plan or a wide MRR table (`kpi.ingest.shapes`)."""
    metric = max(look.words, key=lambda h: name_score(look.words[h], SYNONYMS["plan"]["metric"]))
    named = name_score(look.words[metric], SYNONYMS["plan"]["metric"]) >= 0.9
    found = plan_or_mrr_wide(look.sheet.frame, metric if named else None)
    if found is None:
        return None
    table, label, why = found
    months = len(look.words) - 1
    confidence = round(0.6 + 0.4 * months / max(1, len(look.words)), 3)
    key = "metric" if table == "plan" else "customer_id"
    label_score = name_score(look.words[label], SYNONYMS[table if table == "plan" else "mrr"][key]
                             + (SYNONYMS["customers"]["name"] if table == "mrr" else ()))
    field_why = (f"header '{label}' names the {key.replace('_', ' ')}" if label_score >= NAME_THRESHOLD
                 else f"'{label}' is the first column, left of the months")
    return Proposal(look.sheet.key, table, confidence, {key: label}, {key: round(max(label_score, 0.5), 3)},
                    layout="wide", reason=why,
                    field_reasons={key: f"{field_why}; values are {look.profiles[label].describe()}"})


def _wide_costs(look: _Sheet) -> Proposal | None:
    """One row per month, one column per cost category: wide costs (once mapping can melt it)."""
    if "costs" not in getattr(_mapping, "WIDE_TABLES", ("mrr",)):
        return None
    costs = TABLES["costs"]
    headers = list(look.words)
    named = {h: name_score(look.words[h], SYNONYMS["costs"]["month"]) for h in headers}
    month_fit = {h: _value_fit(look, h, costs.field("month"), "costs") or 0.0 for h in headers}
    amount_fit = {h: v for h in headers if (v := _value_fit(look, h, costs.field("amount"), "costs")) is not None}
    found = wide_costs(headers, month_fit, amount_fit, named, bool(look.hints & _HINT_TOKENS["costs"]))
    if found is None:
        return None
    month, month_score, score, why = found
    return Proposal(look.sheet.key, "costs", round(min(score, 1.0), 3), {"month": month},
                    {"month": round(month_score, 3)}, layout="wide", rank=score, reason=why,
                    field_reasons={"month": f"'{month}' holds months; the other columns are cost categories"})


def _shared_prefix(headers: list[str]) -> str | None:
    """A dotted prefix that every header shares (Chargebee's `subscriptions.customer_id`,
    `subscriptions.started_at`): it names the table, not the column."""
    texts = [str(h) for h in headers]
    prefix = re.match(r"^[A-Za-z_]\w*\.(?=\w)", texts[0]) if len(texts) >= 2 else None
    return prefix.group(0) if prefix and all(t.startswith(prefix.group(0)) for t in texts) else None


def header_tokens_of(headers: list[str]) -> dict[str, tuple[str, ...]]:
    """Each header's tokens, without a dotted prefix that every header shares."""
    cut = len(_shared_prefix(headers) or "")
    return {header: tokens(str(header)[cut:]) for header in headers}


def recognise(sheet: Sheet) -> Proposal:
    """The most likely table of a sheet and its column mapping; table None when nothing fits,
    with the reason in words."""
    look = _look(sheet)
    wide = _wide(look)
    if wide is not None:
        return wide
    proposals = [_propose_table(look, table) for table in TABLES]
    wide_costs_proposal = _wide_costs(look)
    if wide_costs_proposal is not None:
        proposals.append(wide_costs_proposal)
    best = max(proposals, key=lambda p: p.rank)
    if best.confidence < TABLE_THRESHOLD:
        near = max(proposals, key=lambda p: (p.confidence, len(p.columns)))
        why = (f"closest: {near.table} ({near.confidence:.0%}), {near.reason}" if near.reason
               else f"closest: {near.table}, too few of its fields")
        if not near.columns:
            why = "no header or column of values fits a field of any table"
        return Proposal(sheet.key, None, best.confidence, reason=f"no table fits: {why}")
    if amounts_in_cents(sheet, best.table, best.columns):
        best = replace(best, options={**best.options, "amount_unit": "cents"},
                       reason=best.reason + "; amounts are in cents (divided by 100)")
    return best



def propose_for_table(sheet: Sheet, table: str) -> Proposal:
    """The column of each field of `table` for a sheet the user says is that table.

    Recognition's own proposal when it chose `table` too; else the best column for each field by
    header words and values (`_propose_table`, the same scoring as `recognise`), its wide layout
    when the sheet is `table` with one column per month, and amounts in cents when the headers or
    values say so. Fields with no fitting column are left out; `reason` names the required ones."""
    if table not in TABLES:
        raise ValueError(f"unknown table {table!r}: expected one of {', '.join(TABLES)}")
    best = recognise(sheet)
    if best.table == table:
        return best
    look = _look(sheet)
    wide = _wide(look) if table in ("mrr", "plan") else _wide_costs(look) if table == "costs" else None
    if wide is not None and wide.table == table:
        return wide
    proposal = _propose_table(look, table)
    if proposal.columns and amounts_in_cents(sheet, table, proposal.columns):
        proposal = replace(proposal, options={**proposal.options, "amount_unit": "cents"})
    return proposal

_CENTS = re.compile(r"(?:^|[^a-z])(?:cents?|centimes?|minor units?)(?:$|[^a-z])")


def amounts_in_cents(sheet: Sheet, table: str, columns: dict[str, str]) -> bool:
    """Whether the money columns of a sheet are written in minor units (2900 for 29.00):
    a mapped amount header that says so (`amount_in_cents`, `Montant (centimes)`), or an API-style
    export — every header behind one dotted object prefix, as Chargebee's `subscriptions.plan_amount`
    and Stripe's `plan.amount` — whose amounts are all whole numbers."""
    money = [header for name, header in columns.items()
             if TABLES[table].field(name).kind in ("amount", "signed_amount")]
    if not money:
        return False
    if any(_CENTS.search(str(header).lower().replace("_", " ")) for header in money):
        return True
    if _shared_prefix(list(sheet.frame.columns)) is None:
        return False
    values = sheet.frame[money[0]].head(SAMPLE_ROWS).astype("string").str.strip().dropna()
    values = values[values != ""]
    return len(values) > 0 and bool(values.str.fullmatch(r"-?\d+").all())


def auto_mapping(sheets: list[Sheet]) -> tuple[Mapping, list[str]]:
    """A mapping for every recognised sheet, and one note per sheet saying what it was read as."""
    mapping: Mapping = {}
    notes = []
    for sheet in sheets:
        proposal = recognise(sheet)
        if proposal.table is None:
            notes.append(f"{sheet.key}: skipped, it fits no table of the schema")
            continue
        mapping[sheet.key] = proposal.mapping()
        notes.append(f"{sheet.key}: read as {proposal.table} (confidence {proposal.confidence:.0%})")
    return mapping, notes
