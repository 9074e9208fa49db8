"""Report sections computed on first read, so a page pays only for the sections it shows.

`build_report` computes the revenue part at once (it decides which months exist) and hands every
other section (cohorts, NPS, support, finance…) to `Sections` as a function of no argument; the
first read of `report.cohorts` calls it and keeps the result, every later read returns the same
object. The numbers are those of an eager build: the functions are the same, called with the
same tables and settings; `Report.to_json()` reads every section, so the JSON report (CLI,
exports) computes all of them, as before.

A report cached by the app is shared by the sessions looking at the same data: one lock per
section makes two simultaneous first reads compute it once (a section may read another, e.g.
the plan reads the finance section: they are different locks).
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class Sections:
    """Section name → its value, computed on first read from the function given for it; a name
    without a function is None (a section the tables cannot give)."""

    def __init__(self, builders: dict[str, Callable[[], object]] | None = None, **values: object) -> None:
        self._builders = dict(builders or {})
        self._values: dict[str, object] = dict(values)
        self._locks = {name: threading.Lock() for name in self._builders}

    def get(self, name: str) -> object:
        """The section `name`, computed now if it never was (None when there is nothing to compute it from)."""
        if name in self._values:
            return self._values[name]
        lock = self._locks.get(name)
        if lock is None:
            return None
        with lock:
            if name not in self._values:  # another thread may have computed it while this one waited
                self._values[name] = self._builders[name]()
        return self._values[name]

    def computed(self) -> tuple[str, ...]:
        """The names computed so far (what a page has read): for tests and benchmarks."""
        return tuple(self._values)


class Section:
    """`report.<name>`: the report's section of that name, read through its `Sections`."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, report: object, owner: type | None = None) -> object:
        if report is None:
            return self
        return report.sections.get(self.name)
