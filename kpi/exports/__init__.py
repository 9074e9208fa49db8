"""Exports: the investor update as files — what the app's download buttons and `--format` write.

- `xlsx`: a workbook (summary, KPIs, bridge, movements, cohorts, NPS), user text neutralised so
  no cell becomes a formula;
- `pptx`: a 16:9 deck with native, editable charts (`pptx_deck` its building blocks,
  `pptx_charts` its chart slides);
- `html`: one self-contained HTML report, and the Markdown summary;
- `markdown`: the report as text for people (the CLI's `md` and `text` formats).

Every figure comes from the same `Report` and `InvestorUpdate`, so a file says what the page says.

May import: `kpi.report`, `kpi.metrics` and the shared vocabulary (`kpi.errors`,
`kpi.formatting`, `kpi.ids`, `kpi.text`). Never `kpi.store`, `kpi.ingest` or the UI.
"""
