"""Sheets that have a header and no data row below it: said so, never reported on silently.

A file exported with its headers only (an empty date range, a filter that kept nothing) is
readable but has nothing to count. The CLI exits 2 with the `no-data-rows` error when it is the
only input and otherwise lists it on stderr and reports on the other files; the app lists it
on Upload, Map columns and Data quality.
"""

from __future__ import annotations

from kpi.errors import InputError
from kpi.ingest.io import Sheet
from kpi.ingest.parse import blank

NO_DATA_ROWS = "no-data-rows"  # the stable code of InputError for a sheet without data rows


def no_data_rows(sheet: Sheet) -> InputError | None:
    """The error of a sheet whose every cell below the header is blank (None when it has data)."""
    frame = sheet.frame
    if len(frame) and not all(blank(frame[column]).all() for column in frame.columns):
        return None
    return InputError(f"no data rows below the header (row {sheet.header_row}): nothing to count; "
                      "export it again with its rows", file=sheet.file, sheet=sheet.sheet, code=NO_DATA_ROWS)


def split_empty(sheets: list[Sheet]) -> tuple[list[Sheet], list[InputError]]:
    """The sheets with data rows, and one `no-data-rows` error per sheet without."""
    with_rows, empty = [], []
    for sheet in sheets:
        error = no_data_rows(sheet)
        if error is None:
            with_rows.append(sheet)
        else:
            empty.append(error)
    return with_rows, empty
