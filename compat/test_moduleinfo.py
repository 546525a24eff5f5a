"""The ModuleInfo sweep, run once: the pass rate must not fall below its floor (raise it as jtorch grows)."""
import time

import pytest

from compat import moduleinfo

# Samples per module in this run: enough to cover each module's variants while the sweep stays short.
MAX_SAMPLES = 2
# Measured pass rates (percent) minus a small margin; ratchet these up, never down.
FLOORS = {
    "pass_pct": 98.0,
    "pass_pct_not_skipped": 98.0,
}


@pytest.fixture(scope="module")
def sweep():
    start = time.perf_counter()
    results = moduleinfo.run_sweep(max_samples=MAX_SAMPLES)
    stats = moduleinfo.summary(results, time.perf_counter() - start)
    paths = moduleinfo.write_reports(results, stats)
    return results, stats, paths


@pytest.mark.parametrize("rate", sorted(FLOORS))
def test_pass_rate_at_or_above_floor(sweep, rate):
    _, stats, _ = sweep
    assert stats[rate] >= FLOORS[rate], f"{rate} fell to {stats[rate]} (floor {FLOORS[rate]})"


def test_every_module_has_a_known_status_and_reports_are_written(sweep):
    results, stats, paths = sweep
    assert stats["modules_total"] == len(results) > 100
    assert {r.status for r in results} <= {"pass", "fail", "missing", "skipped"}
    assert all(r.note for r in results if r.status != "pass")
    assert all(p.stat().st_size > 0 for p in paths)


def test_a_failing_check_is_reported_with_its_name():
    ok = moduleinfo.SampleResult(dict.fromkeys(moduleinfo.CHECKS, "pass"))
    bad = moduleinfo.SampleResult({**ok.checks, "grad": "fail"}, "grad: AssertionError: grad[1]: not close")
    result = moduleinfo.summarize("nn.Example", [ok, bad])
    assert result.status == "fail" and result.checks["grad"] == "1/2" and result.note.startswith("grad:")
