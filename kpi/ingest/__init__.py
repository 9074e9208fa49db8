"""Ingest: a founder's files in, canonical tables out — the first stage of the engine.

Owns everything between the bytes of an upload and one DataFrame per schema table:
- `safety` checks what a file declares before any parser reads it (size, zip directory,
  worksheet dimensions, encryption); `sandbox` parses untrusted workbooks in a child process;
- `io` reads CSV, TSV, TXT, XLSX, XLSM, XLS, ODS and Parquet into `Sheet`s (encoding, delimiter
  and header row detected, every sheet of a workbook);
- `schema` declares the canonical tables and their fields; `vocabulary` the business words read in
  free text (cost categories);
- `parse` turns raw cells into typed values (French and English dates, amounts, booleans…);
- `recognise` proposes, for each sheet, a table and a field → column map with a confidence;
  `layouts` remembers a mapping confirmed once for the same headers; `templates` writes empty
  example files;
- `mapping` applies a mapping: parsed, validated canonical tables plus a data-quality report
  with every rejected row.

May import: the shared vocabulary (`kpi.errors`, `kpi.formatting`, `kpi.ids`, `kpi.text`) and
itself. Never `kpi.metrics`, `kpi.report`, `kpi.exports` or `kpi.store`: nothing here computes a
KPI or keeps data.
"""
