"""The demo's tables kept between starts (kpi.demo.cached_demo_tables): same tables, built once."""

import pandas as pd

from kpi.demo import CACHE_PREFIX, cached_demo_tables, load_demo
from kpi.report.build import build_report


def test_a_restart_reads_back_the_same_tables_without_building_them(tmp_path):
    built = []

    def build():
        built.append(1)
        return load_demo()

    first = cached_demo_tables(tmp_path, "content-a", build)
    again = cached_demo_tables(tmp_path, "content-a", build)
    assert built == [1]
    assert first is not again  # read back from the file, not the same object
    assert set(again.frames) == set(first.frames)
    for name, frame in first.frames.items():
        pd.testing.assert_frame_equal(again.frames[name], frame)
    assert {k: q.to_json() for k, q in again.quality.items()} == {k: q.to_json() for k, q in first.quality.items()}
    assert build_report(again).to_json() == build_report(first).to_json()  # every number identical


def test_other_content_builds_again_and_keeps_one_file(tmp_path):
    tables = load_demo()
    calls = []
    cached_demo_tables(tmp_path, "content-a", lambda: calls.append("a") or tables)
    cached_demo_tables(tmp_path, "content-b", lambda: calls.append("b") or tables)
    assert calls == ["a", "b"]
    assert len(list(tmp_path.glob(f"{CACHE_PREFIX}*.pickle"))) == 1


def test_an_unreadable_cache_file_is_rebuilt(tmp_path):
    tables = load_demo()
    cached_demo_tables(tmp_path, "content-a", lambda: tables)
    (cache,) = tmp_path.glob(f"{CACHE_PREFIX}*.pickle")
    cache.write_bytes(b"not a pickle")
    calls = []
    assert cached_demo_tables(tmp_path, "content-a", lambda: calls.append(1) or tables) is tables
    assert calls == [1]


def test_the_cache_key_follows_the_parsing_code(monkeypatch, tmp_path):
    from kpi import demo

    tables = load_demo()
    calls = []
    cached_demo_tables(tmp_path, "content-a", lambda: calls.append(1) or tables)
    monkeypatch.setattr(demo, "code_version", lambda: "another version of kpi/ingest")
    cached_demo_tables(tmp_path, "content-a", lambda: calls.append(2) or tables)
    assert calls == [1, 2]  # new code: built again, never the old tables
