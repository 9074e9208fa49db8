"""Ingest: a founder's files in, canonical tables out — the first stage of the engine.

Owns everything between the bytes of an upload and one DataFrame per schema table:
- `safety` checks what a file declares before any parser reads it (size, zip directory,
  worksheet dimensions, encryption); `sandbox` parses untrusted workbooks in a child process;
- `io` reads CSV, TSV, TXT, XLSX, XLSM, XLS, ODS and Parquet into `Sheet`s (encoding, delimiter
  and header row detected, every sheet of a workbook); `tidy` drops extra header rows (survey
  tools) and footer lines (CRM and accounting reports); `empty_sheets` sets aside a sheet with a
  header and no data row, with the reason;
- `schema` declares the canonical tables and their fields; `vocabulary` the business words read in
  free text (cost categories);
- `parse` turns raw cells into typed values (French and English dates, amounts, booleans…);
- `recognise` proposes, for each sheet, a table and a field → column map with a confidence and
  its reasons in words (`proposal`), from the words of the headers (`headers`), profiles of the
  values (`profile`) and the sheet's shape (`shapes`); `explain` is `python -m kpi recognise`;
  `layouts` remembers a mapping confirmed once for the same headers; `replacements` says which
  of next month's files replaces which stored one (same name, else same layout) and which
  mapping each replacing sheet keeps; `templates` writes example files;
- `mapping` applies a mapping: parsed, validated canonical tables plus a data-quality report
  with every rejected row; `ledgers` reads the money tables that are not revenue (bank exports →
  `cash`, budgets → `plan`); `subscription_rows` says whether a customer's subscription rows add
  up or follow each other.

May import: the shared vocabulary (`kpi.errors`, `kpi.formatting`, `kpi.ids`, `kpi.text`) and
itself. Never `kpi.metrics`, `kpi.report`, `kpi.exports` or `kpi.store`: nothing here computes a
KPI or keeps data.
"""
