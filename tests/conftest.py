"""Shared test setup: remembered layouts never touch the real home directory."""

import pytest


@pytest.fixture(autouse=True)
def workbench_home(tmp_path, monkeypatch):
    monkeypatch.setenv("KPI_WORKBENCH_HOME", str(tmp_path / "home"))
    return tmp_path / "home"
