"""The whole OpInfo sweep, run once (one test, so that no two test workers both run it): pass rates must not
fall below the floors (raise them as jtorch grows)."""
import os

from compat import report

# Measured pass rates (percent) minus a small margin; ratchet these up, never down.
FLOORS = {
    "forward_pass_pct": 94.9,
    "forward_grad_pass_pct": 94.7,
    "forward_pass_pct_not_skipped": 99.5,
    "forward_grad_pass_pct_not_skipped": 99.4,
}


def test_opinfo_sweep_meets_its_floors_and_writes_its_report(tmp_path):
    sweep = report.run_suite("opinfo", tmp_path, jobs=os.cpu_count() or 1)
    fallen = {rate: sweep.stats[rate] for rate, floor in FLOORS.items() if sweep.stats[rate] < floor}
    assert not fallen, f"pass rates {fallen} fell below their floors {FLOORS}"
    assert sweep.stats["ops_total"] == len(sweep.results) > 500
    assert {r.status for r in sweep.results} <= {"pass_grad", "pass_forward", "fail", "missing", "skipped"}
    assert all(p.stat().st_size > 0 for p in sweep.paths)
    assert [row.passed for row in sweep.rows] == [sweep.stats["pass_forward"], sweep.stats["pass_forward_and_grad"]]
