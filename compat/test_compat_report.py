"""``python -m compat``: pages per suite, a README whose table keeps the rows of suites not rerun, the table printed."""
import json

from compat import lr_schedulers, optimizers, report
from compat.__main__ import main


def test_scheduler_suite_writes_its_page_and_the_summary(tmp_path, capsys):
    table = main(["--suite", "lr_schedulers", "--out", str(tmp_path)])
    printed = capsys.readouterr().out
    assert table in printed and table.startswith("| suite | cases | passed | rate |")
    page = (tmp_path / "lr_schedulers.md").read_text()
    stored = json.loads((tmp_path / "summary.json").read_text())
    row = stored["lr_schedulers"][0]
    assert row["cases"] == page.count("| SGD |") + page.count("| Adam |")
    assert all(f"| {name} |" in page for name in lr_schedulers.torch_schedulers())
    assert f"| {row['cases']} | {row['passed']} |" in (tmp_path / "README.md").read_text()


def test_rows_of_suites_not_rerun_are_kept(tmp_path):
    stored = report.Row("torch.optim optimizers", 10, 7, 1, tmp_path / "optimizers.md")
    (tmp_path / "summary.json").write_text(json.dumps(
        {"optimizers": [{**stored.__dict__, "page": "optimizers.md"}]}))
    run = report.run_suite("lr_schedulers", tmp_path)
    _, rows = report.write_readme([run], tmp_path)
    assert rows == [stored, *run.rows]
    assert "| torch.optim optimizers | 10 | 7 | 70.00% | 1 | [optimizers.md](optimizers.md) |" in \
        (tmp_path / "README.md").read_text()


def test_an_optimizer_case_passes_only_within_its_tolerance():
    name, options, _, dtype, tol = optimizers.cases()[0]
    passing = optimizers.run_case(name, options, 3, dtype, tol)
    unreachable = optimizers.run_case(name, options, 3, dtype, (0.0, -1.0))
    assert passing.status == "pass" and passing.max_abs_err <= tol[1] + tol[0]
    assert unreachable.status == "fail" and unreachable.max_abs_err == passing.max_abs_err
