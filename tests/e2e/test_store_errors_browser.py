"""End to end: the real server's disk refuses every write (strace makes each `pwrite64` of the
running server fail with ENOSPC), a founder marks a month as reported, and reads "not saved: the
disk is full" — no traceback; with the disk back, the same click saves it."""

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from kpi.store.failures import DISK_FULL
from tests.e2e.conftest import OUTPUT, Server, wait_for_app_run

NO_STRACE = shutil.which("strace") is None and not os.environ.get("CI")  # in CI its absence fails
pytestmark = [pytest.mark.e2e, pytest.mark.skipif(NO_STRACE, reason="needs strace (Debian's strace package)")]
SHOTS = Path(os.environ.get("KPI_SCREENSHOTS") or OUTPUT)  # where the two screenshots go


def full_disk(pid: int) -> subprocess.Popen:
    """Every pwrite64 of the server's threads fails with ENOSPC until the returned strace stops."""
    tracer = subprocess.Popen(["strace", "-f", "-qq", "-o", os.devnull, "-e", "trace=pwrite64", "-e",
                               "inject=pwrite64:error=ENOSPC", "-p", str(pid)])
    status = Path(f"/proc/{pid}/status")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and tracer.poll() is None:
        if re.search(r"^TracerPid:\s+[1-9]", status.read_text(), re.M):
            return tracer
        time.sleep(0.005)
    raise RuntimeError("strace did not attach to the server")


def test_a_full_disk_says_not_saved_and_the_next_click_saves(tmp_path, page):  # noqa: F811
    server = Server(tmp_path / "home")
    url = server.start()
    try:
        page.goto(f"{url}/workspaces")
        mark = page.get_by_role("button", name=re.compile(r"^Mark .* as reported$"))
        mark.wait_for(timeout=90_000)
        wait_for_app_run(page)
        expect(page.get_by_text("No month reported yet.")).to_be_visible()

        tracer = full_disk(server.process.pid)
        try:
            mark.click()
            wait_for_app_run(page)
            error = page.get_by_test_id("stAlertContentError")
            expect(error).to_contain_text(DISK_FULL, timeout=30_000)
            assert page.get_by_test_id("stException").count() == 0
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / "disk-full.png"), full_page=False)
        finally:
            tracer.terminate()
            tracer.wait(10)

        mark.click()  # the disk has room again
        wait_for_app_run(page)
        expect(page.get_by_text("No month reported yet.")).to_have_count(0, timeout=30_000)
        wait_for_app_run(page)  # the rerun that saved may still be drawing: the old error goes when it ends
        expect(page.get_by_test_id("stAlertContentError")).to_have_count(0, timeout=30_000)
        page.screenshot(path=str(SHOTS / "saved-after.png"), full_page=False)
    finally:
        server.stop()
