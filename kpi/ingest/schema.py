"""The canonical schema (docs/definitions.md): the tables every input is mapped to.

Each table lists its fields with a kind that says how a raw column is parsed
(`kpi.ingest.parse`) and whether the field is required. A mapping (`kpi.ingest.mapping`) names, for one
sheet, which raw column feeds which field; everything downstream only ever sees these names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

FieldKind = Literal[
    "id", "text", "date", "month", "amount", "signed_amount", "number", "count",
    "interval", "fraction", "boolean", "score",
]


@dataclass(frozen=True)
class Field:
    name: str
    kind: FieldKind
    required: bool = False


@dataclass(frozen=True)
class Table:
    name: str
    fields: tuple[Field, ...]
    keeps_extra_columns: bool = False  # customers: any other column is a segment attribute

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.required)

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"table {self.name!r} has no field {name!r}")


def _t(name: str, *fields: Field, keeps_extra_columns: bool = False) -> Table:
    return Table(name, tuple(fields), keeps_extra_columns)


_SURVEY = (
    Field("score", "score", True),
    Field("customer_id", "id"),
    Field("date", "date"),
    Field("comment", "text"),
    Field("segment", "text"),
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        _t(
            "customers",
            Field("customer_id", "id", True),
            Field("name", "text"),
            Field("signup_date", "date"),
            Field("segment", "text"),
            Field("plan", "text"),
            Field("country", "text"),
            Field("channel", "text"),
            Field("mrr", "amount"),  # a snapshot list (§13): the customer's current monthly amount
            Field("status", "text"),  # active / churned, as the export words it
            Field("churned", "boolean"),  # yes / no
            keeps_extra_columns=True,
        ),
        _t(
            "subscriptions",
            Field("customer_id", "id", True),
            Field("start_date", "date", True),
            Field("amount", "amount", True),
            Field("end_date", "date"),
            Field("interval", "interval"),
            Field("quantity", "number"),
            Field("discount", "fraction"),
            Field("currency", "text"),
            Field("plan", "text"),
            Field("trial_end", "date"),
            Field("status", "text"),
        ),
        _t(
            "invoices",
            Field("customer_id", "id", True),
            Field("date", "date", True),
            Field("amount", "amount", True),
            Field("service_start", "date"),
            Field("service_end", "date"),
            Field("interval", "interval"),
            Field("currency", "text"),
        ),
        _t(
            "mrr",
            Field("customer_id", "id", True),
            Field("month", "month", True),
            Field("mrr", "amount", True),
        ),
        _t(
            "orders",
            Field("customer_id", "id", True),
            Field("date", "date", True),
            Field("amount", "signed_amount"),
            Field("quantity", "number"),
            Field("unit_price", "signed_amount"),
            Field("order_id", "text"),
            Field("product", "text"),
        ),
        _t("nps", *_SURVEY),
        _t("csat", *_SURVEY),
        _t("ces", *_SURVEY),
        _t(
            "tickets",
            Field("ticket_id", "id", True),
            Field("customer_id", "id"),
            Field("created_at", "date"),
            Field("resolved_at", "date"),
            Field("first_contact_resolved", "boolean"),
            Field("contacts", "count"),
        ),
        _t(
            "events",
            Field("user_id", "id", True),
            Field("timestamp", "date", True),
            Field("customer_id", "id"),
            Field("event", "text"),
        ),
        _t(
            "costs",
            Field("month", "month", True),
            Field("amount", "signed_amount", True),
            Field("category", "text"),
        ),
        _t(  # a bank export or ledger (§9); a row needs balance, amount, or debit / credit
            "cash",
            Field("date", "date", True),
            Field("balance", "signed_amount"),
            Field("amount", "signed_amount"),  # + in, − out
            Field("debit", "signed_amount"),  # money out, as a positive number (some banks write it −)
            Field("credit", "signed_amount"),  # money in
            Field("account", "text"),
            Field("category", "text"),
            Field("label", "text"),
            Field("currency", "text"),
        ),
        _t(  # the budget or board plan (§10); the wide form: metric names down a column, months across
            "plan",
            Field("month", "month", True),
            Field("metric", "text", True),
            Field("value", "signed_amount", True),
        ),
        _t(  # why customers left (§12)
            "churn_reasons",
            Field("customer_id", "id", True),
            Field("date", "date", True),
            Field("reason", "text", True),
            Field("comment", "text"),
            Field("refund", "signed_amount"),
        ),
    )
}

COST_CATEGORIES = ("sales_marketing", "customer_success", "cogs", "other")
