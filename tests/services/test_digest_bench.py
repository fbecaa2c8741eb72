"""The digest benchmark still runs (a small size here; the 10k figure comes from bench/bench_digest.py)."""

from __future__ import annotations

from bench.bench_digest import bench_digest_build


async def test_digest_benchmark_runs_and_reports() -> None:
    result = await bench_digest_build(events=2000, runs=2)
    assert result["events"] == 2000 and result["moves"] > 0 and result["vetoes"] > 0
    assert result["parts"] >= 1 and result["embeds"] >= result["parts"]
    assert result["median_ms"] > 0 and result["target_ms"] == 250.0
