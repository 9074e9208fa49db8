"""Metrics: the KPI families, each a module of small pure functions on canonical tables.

- `revenue`: the customer × month MRR table and its movements (new, expansion, contraction,
  churn, reactivation), MRR, ARR, churn rates, NRR and GRR;
- `cohorts`: logo and revenue retention by cohort (revenue, orders or events);
- `economics`: LTV, CAC, LTV:CAC, CAC payback, customer retention cost, gross margin;
- `surveys`: NPS (with its margin of error), CSAT and CES, by month and segment;
- `support`: first-contact resolution, resolution times, ticket load;
- `engagement`: DAU/MAU and time to first value from product events;
- `orders`: non-recurring purchases (repeat purchase rate);
- `health`: the 0–100 health score per customer.
- `churn_reasons`: churned customers and churned MRR by reason, with the churned customers'
  latest NPS and recent tickets;
- `snapshot`: the point-in-time KPIs of a customer list without dates (active, MRR, churned shares);
- `forecast`: MRR for the next 12 months (median and 80 % band) with its backtest against the naive drift.

Each function's docstring states its formula and the columns in and out; the definitions are in
docs/definitions.md. Functions take DataFrames and return DataFrames or small frozen
dataclasses: no I/O, no state.

May import: the shared vocabulary (`kpi.errors`, `kpi.formatting`, `kpi.ids`, `kpi.text`), the
schema's names (`kpi.ingest.schema`, `kpi.ingest.vocabulary`), a bank export's row order
(`kpi.ingest.ledgers`) and other metric modules. Never
`kpi.report`, `kpi.exports` or `kpi.store`.
"""
