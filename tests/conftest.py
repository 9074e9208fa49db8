"""Shared test setup: remembered layouts never touch the real home directory, and the longest
tests start first."""

import functools

import pytest


def pytest_configure(config):
    """Every `AppTest` scans the metadata of every installed package for Streamlit components
    (`scan_component_manifests`: 0.15–0.2 s of CPU each time, hundreds of times in the suite); the
    installed packages do not change during a run, so each test process scans once. A server
    started by an end-to-end test scans for itself, as in production."""
    from streamlit.components.v2 import manifest_scanner

    if not hasattr(manifest_scanner.scan_component_manifests, "cache_info"):
        manifest_scanner.scan_component_manifests = functools.cache(manifest_scanner.scan_component_manifests)


@pytest.fixture(scope="session", autouse=True)
def session_workbench_home(tmp_path_factory):
    """A home for what module- and session-scoped fixtures keep (they run before the per-test
    home below): never the real one, whose database another version of the app may have migrated."""
    with pytest.MonkeyPatch.context() as patch:
        home = tmp_path_factory.mktemp("session-home") / "home"
        patch.setenv("KPI_WORKBENCH_HOME", str(home))
        yield home


@pytest.fixture(autouse=True)
def workbench_home(tmp_path, monkeypatch):
    monkeypatch.setenv("KPI_WORKBENCH_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


# The suite runs on several workers (pytest-xdist, `--no-loadscope-reorder` in pyproject.toml so
# that this order holds): the longest modules start first, so that no worker is left alone with
# one of them at the end. Measured in one run of the whole suite on a 2-core machine (seconds of
# each module's slowest tests: 443, 278, 161, ~200, ~130, 104, 115, 59+, 61+, 40+, 49, 65); the
# order of everything else is kept.
LONGEST_FIRST = (
    "tests/kpi/test_store_faults.py",
    "tests/e2e/test_load_sessions.py",
    "tests/e2e/test_every_page_browser.py",
    "tests/e2e/test_viewer_browser.py",
    "tests/e2e/test_oidc_browser.py",
    "tests/kpi/test_sql_events.py",
    "tests/e2e/test_demo_through_the_ui_browser.py",
    "tests/security/test_hostile_inputs.py",
    "tests/kpi/test_online_retail_ingest.py",
    "tests/kpi/test_store_kill_points.py",
    "tests/kpi/test_store_concurrency.py",
    "tests/e2e/test_alerts_browser.py",
    "tests/e2e/test_investor_update_browser.py",
    "tests/e2e/test_alert_delivery_browser.py",
    "tests/e2e/test_drill_browser.py",
)


def pytest_collection_modifyitems(config, items):
    rank = {path: position for position, path in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(LONGEST_FIRST)))
