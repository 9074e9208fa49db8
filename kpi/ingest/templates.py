"""Template files: one CSV per schema table, with its columns and two example rows.

Pages for data the user has not given offer the template that unlocks them; the templates
read back through our own readers and mapping without help (a test says so).
"""

from __future__ import annotations

import csv
import io

from kpi.ingest.schema import TABLES

EXAMPLES: dict[str, list[dict[str, str]]] = {
    "customers": [
        {"customer_id": "C-001", "name": "Acme SAS", "signup_date": "2024-01-15", "segment": "SMB", "plan": "Growth",
         "country": "France", "channel": "Organic search", "mrr": "177.00", "status": "active", "churned": "no"},
        {"customer_id": "C-002", "name": "Globex GmbH", "signup_date": "2024-02-03", "segment": "Mid-Market",
         "plan": "Scale", "country": "Germany", "channel": "Outbound", "mrr": "0", "status": "churned",
         "churned": "yes"},
    ],
    "subscriptions": [
        {"customer_id": "C-001", "start_date": "2024-01-15", "end_date": "", "amount": "59.00", "interval": "month",
         "quantity": "3", "discount": "", "currency": "EUR", "plan": "Growth", "trial_end": "", "status": "active"},
        {"customer_id": "C-002", "start_date": "2024-02-03", "end_date": "2025-02-03", "amount": "5900.00",
         "interval": "year", "quantity": "1", "discount": "10%", "currency": "EUR", "plan": "Scale",
         "trial_end": "", "status": "canceled"},
    ],
    "invoices": [
        {"customer_id": "C-001", "date": "2024-01-15", "amount": "177.00", "service_start": "2024-01-15",
         "service_end": "2024-02-15", "interval": "month", "currency": "EUR"},
        {"customer_id": "C-002", "date": "2024-02-03", "amount": "5310.00", "service_start": "2024-02-03",
         "service_end": "2025-02-03", "interval": "year", "currency": "EUR"},
    ],
    "mrr": [
        {"customer_id": "C-001", "month": "2024-01", "mrr": "177.00"},
        {"customer_id": "C-002", "month": "2024-02", "mrr": "442.50"},
    ],
    "orders": [
        {"customer_id": "C-001", "date": "2024-01-15", "amount": "42.50", "quantity": "1", "unit_price": "42.50",
         "order_id": "O-1001", "product": "Starter kit"},
        {"customer_id": "C-002", "date": "2024-01-20", "amount": "85.00", "quantity": "2", "unit_price": "42.50",
         "order_id": "O-1002", "product": "Starter kit"},
    ],
    "nps": [
        {"score": "9", "customer_id": "C-001", "date": "2024-03-01", "comment": "Great onboarding", "segment": "SMB"},
        {"score": "6", "customer_id": "C-002", "date": "2024-03-02", "comment": "Too expensive", "segment": "Mid-Market"},
    ],
    "csat": [
        {"score": "5", "customer_id": "C-001", "date": "2024-03-01", "comment": "Quick answer", "segment": "SMB"},
        {"score": "3", "customer_id": "C-002", "date": "2024-03-04", "comment": "", "segment": "Mid-Market"},
    ],
    "ces": [
        {"score": "6", "customer_id": "C-001", "date": "2024-03-01", "comment": "", "segment": "SMB"},
        {"score": "2", "customer_id": "C-002", "date": "2024-03-04", "comment": "Hard to export", "segment": "Mid-Market"},
    ],
    "tickets": [
        {"ticket_id": "T-1", "customer_id": "C-001", "created_at": "2024-03-01 09:12", "resolved_at": "2024-03-01 11:40",
         "first_contact_resolved": "yes", "contacts": "1"},
        {"ticket_id": "T-2", "customer_id": "C-002", "created_at": "2024-03-02 14:05", "resolved_at": "2024-03-04 10:00",
         "first_contact_resolved": "no", "contacts": "3"},
    ],
    "events": [
        {"user_id": "U-1", "timestamp": "2024-03-01 09:12:00", "customer_id": "C-001", "event": "login"},
        {"user_id": "U-2", "timestamp": "2024-03-01 10:30:00", "customer_id": "C-001", "event": "report_created"},
    ],
    "costs": [
        {"month": "2024-01", "amount": "12000", "category": "sales_marketing"},
        {"month": "2024-01", "amount": "3000", "category": "cogs"},
    ],
    "cash": [
        {"date": "2024-01-31", "balance": "182450.00", "amount": "-12500.00", "debit": "", "credit": "",
         "account": "Main account", "category": "Payroll", "label": "January salaries", "currency": "EUR"},
        {"date": "2024-02-02", "balance": "184250.00", "amount": "1800.00", "debit": "", "credit": "",
         "account": "Main account", "category": "Sales", "label": "Stripe payout", "currency": "EUR"},
    ],
    "plan": [
        {"month": "2024-01", "metric": "MRR", "value": "52000"},
        {"month": "2024-01", "metric": "Net burn", "value": "18000"},
    ],
    "churn_reasons": [
        {"customer_id": "C-002", "date": "2025-02-03", "reason": "Too expensive", "comment": "Budget cut",
         "refund": "0"},
        {"customer_id": "C-007", "date": "2025-03-14", "reason": "Missing feature", "comment": "No SSO",
         "refund": "59.00"},
    ],
}


LABELS = {"mrr": "MRR", "nps": "NPS", "csat": "CSAT", "ces": "CES", "churn_reasons": "Churn reasons"}


def template_label(table: str) -> str:
    """The download button's words for a table's template: "MRR template (CSV)", "Customers template (CSV)".

    Acronyms keep their capitals (MRR, NPS, CSAT, CES); other names are the table's name, first
    letter up, underscores as spaces.
    """
    return f"{LABELS.get(table, table.replace('_', ' ').capitalize())} template (CSV)"


def template_csv(table: str) -> bytes:
    """A CSV with the table's columns (schema names) and two example rows."""
    fields = [f.name for f in TABLES[table].fields]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for row in EXAMPLES[table]:
        writer.writerow({name: row.get(name, "") for name in fields})
    return out.getvalue().encode("utf-8")
