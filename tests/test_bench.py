"""``python -m bench`` runs end to end (tiny sizes here) and its JSON line carries every figure."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bench.__main__ import LEAD_COMMANDS, QUICK, Plan, run, table

TINY = Plan(
    sizes=(30, 60, 120),
    runs=3,
    floor_runs=10,
    checklist_samples=3,
    feedback_submissions=20,
    feedback_warmup=2,
    digest_events=300,
    digest_leads=200,
    digest_runs=1,
    starts=1,
    burst_interactions=60,
    burst_leads=100,
)


def expected_figures(plan: Plan) -> set[str]:
    big, small = max(plan.sizes), min(plan.sizes)
    names = {
        "floor_median_ms", "floor_p99_ms", "checklist_answer_median_ms", "checklist_answer_p99_ms",
        "checklist_floor_median_ms", "checklist_answer_vs_floor", "feedback_dm_per_s",
        "feedback_dm_ms_per_submission", "feedback_dm_submissions_per_commit", "feedback_dm_one_at_a_time_per_s",
        "feedback_modal_per_s", "feedback_service_per_s", "feedback_service_at_once_per_s", "digest_events",
        "digest_median_ms", "digest_p99_ms", "digest_max_ms", f"peak_rss_mb_at_{big}", f"end_rss_mb_at_{big}",
        f"start_ready_fresh_process_{big}_ms", "bench_process_peak_rss_mb",
        "start_ready_empty_median_ms", "start_ready_empty_max_ms", f"start_ready_{big}_median_ms",
        f"start_ready_{big}_max_ms", f"loop_stall_max_ms_cold_start_warmup_at_{big}",
        f"cold_start_first_answer_ms_at_{big}", f"cold_start_index_warm_ms_at_{big}",
        f"loop_stall_max_ms_lead_export_csv_at_{big}", f"lead_export_csv_at_{big}_ms",
        f"loop_stall_max_ms_lead_export_json_at_{big}", f"lead_export_json_at_{big}_ms",
        f"loop_stall_max_ms_digest_build_at_{big}", f"digest_preview_at_{big}_ms",
    }  # fmt: skip
    burst = plan.burst_interactions
    names |= {
        f"interactions_{burst}_{name}"
        for name in ("answered", "median_first_response_ms", "p99_first_response_ms", "max_first_response_ms",
                     "all_done_ms")
    }  # fmt: skip
    for size in plan.sizes:
        names |= {f"leads_{size}_seed_s", f"leads_{size}_floor_median_ms", f"leads_{size}_floor_p99_ms"}
        for command in LEAD_COMMANDS:
            names |= {f"lead_{command}_{size}_{stat}" for stat in ("median_ms", "p99_ms", "vs_floor")}
    for command in LEAD_COMMANDS:
        names |= {f"lead_{command}_{stat}_{big}_over_{small}" for stat in ("median", "p99")}
    return names


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    import asyncio

    return asyncio.run(run(TINY, quick=True, progress=False))


def test_the_json_line_has_every_figure_and_target(result: dict[str, Any]) -> None:
    line = json.loads(json.dumps(result))  # what main() prints, as one line
    assert "\n" not in json.dumps(result)
    figures = line["figures"]
    assert set(figures) == expected_figures(TINY)
    for name, value in figures.items():
        assert isinstance(value, int | float) and value >= 0, (name, value)
        if name.endswith(("_ms", "_per_s", "_mb_at_120")):
            assert value > 0, (name, value)
    assert set(line["targets"]) == {
        "lead_add_p99_at_120_ms", "lead_add_p99_120_over_30", "lead_search_p99_at_120_ms",
        "lead_show_median_at_120_vs_floor", "digest_p99_ms", "feedback_dm_per_s", "peak_rss_mb_at_120",
        "start_ready_empty_median_ms", "start_ready_120_median_ms", "loop_stall_max_ms_lead_export_csv_at_120",
        "loop_stall_max_ms_lead_export_json_at_120", "loop_stall_max_ms_digest_build_at_120",
        "loop_stall_max_ms_cold_start_warmup_at_120", "interactions_60_answered",
        "interactions_60_p99_first_response_ms", "cold_start_first_answer_ms_at_120",
    }  # fmt: skip
    for target in line["targets"].values():
        assert target["met"] == (
            target["value"] >= target["limit"] if target["kind"] == ">=" else target["value"] <= target["limit"]
        )
    assert line["ok"] == all(t["met"] for t in line["targets"].values())
    assert line["quick"] is True and line["wall_s"] > 0


def test_the_table_names_every_benchmark_and_target(result: dict[str, Any]) -> None:
    text = table(result)
    expected = (
        "floor: no-op slash command", "/lead add @ 120", "/lead search @ 30", "/lead show @ 60",
        "/lead show (again) @ 120", "/lead list @ 120", "checklist answer", "digest build (300 events)",
        "feedback ingest, DM path", "start to ready, 120 leads", "peak RSS of a bot on 120 leads",
        "cold start, 120 leads, to warm index", "/lead export csv @ 120", "/lead export json @ 120",
        "/digest preview @ 120", "60 interactions at once",
    )  # fmt: skip
    for words in expected:
        assert words in text, words
    for name in result["targets"]:
        assert name in text


def test_quick_mode_is_small() -> None:
    assert max(QUICK.sizes) <= 10_000 and QUICK.runs <= 50
