"""``pytest --aslrun-cov`` as a user meets it: a project with a machine and tests, run by pytest itself
(pytester); the figures are those of the known paths the tests take through ``orders.asl.json``.

orders.asl.json has 8 states (Validate, PriceLines, its item processor's Price, Total, Big?, Approve,
Bill, Rejected) and 10 transitions (Validate Next, PriceLines Next, Price End, Price Retry[0], Total
Next, Big? Choices[0], Big? Default, Approve Next, Approve Catch[0], Bill End).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from aslrun.coverage import CoverageData

pytest_plugins = ["pytester"]

FIXTURES = Path(__file__).resolve().parent / "fixtures"

HANDLERS = (FIXTURES / "order_handlers.py").read_text(encoding="utf-8")

BIG_ORDER = '''
from order_handlers import HANDLERS

def test_big_order_is_approved(aslrun_runner):
    check = aslrun_runner.run("orders.asl.json", {"lines": [{"sku": "a", "qty": 2}, {"sku": "b", "qty": 1}]},
                              handlers=HANDLERS)
    check.succeeded().has_output({"billed": 110})
'''

OTHER_ORDERS = '''
from aslrun import StateMachine
from order_handlers import HANDLERS

def test_small_order_is_billed(aslrun_runner):
    check = aslrun_runner.run("orders.asl.json", {"lines": [{"sku": "a", "qty": 1}, {"sku": "b", "qty": 1}]},
                              handlers=HANDLERS)
    check.succeeded().has_output({"billed": 80})

def test_denied_order_is_rejected_through_the_python_api():
    machine = StateMachine.from_file("orders.asl.json")
    execution = machine.execute({"vip": False, "lines": [{"sku": "b", "qty": 2}, {"sku": "b", "qty": 1}]},
                                handlers=HANDLERS)
    assert execution.error == "Order.Rejected"
'''

ONE_TEST_REPORT = [
    "*- aslrun state-machine coverage -*",
    "orders: states 7/8, transitions 7/10 (77.8%); 1 execution",
    "  never entered: Rejected",
    "  never taken: Price Retry[0] [Price.Busy], Big? Default -> Bill, "
    "Approve Catch[0] [Approval.Denied] -> Rejected",
    "TOTAL: states 7/8, transitions 7/10 (77.8%)",
]

BOTH_FILES_REPORT = [
    "orders: states 8/8, transitions 9/10 (94.4%); 3 executions",
    "  never taken: Price Retry[0] [Price.Busy]",
    "TOTAL: states 8/8, transitions 9/10 (94.4%)",
]


@pytest.fixture
def project(pytester):
    shutil.copy(FIXTURES / "orders.asl.json", pytester.path / "orders.asl.json")
    (pytester.path / "order_handlers.py").write_text(HANDLERS, encoding="utf-8")
    return pytester


def test_the_report_names_what_the_tests_never_reached(project):
    project.makepyfile(test_big=BIG_ORDER)
    result = project.runpytest("-p", "no:cacheprovider", "--aslrun-cov")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(ONE_TEST_REPORT, consecutive=True)
    data = CoverageData.read(project.path / ".aslrun-coverage")
    (orders,) = data.named("orders")
    assert orders.source == "orders.asl.json"  # relative to the root directory
    assert orders.entered == {"Validate": 1, "PriceLines": 1, "PriceLines/ItemProcessor/Price": 2, "Total": 1,
                              "Big?": 1, "Approve": 1, "Bill": 1}
    assert orders.taken == {("Validate", "Next"): 1, ("PriceLines", "Next"): 1,
                            ("PriceLines/ItemProcessor/Price", "End"): 2, ("Total", "Next"): 1,
                            ("Big?", "Choices[0]"): 1, ("Approve", "Next"): 1, ("Bill", "End"): 1}


def test_without_the_option_nothing_is_measured(project):
    project.makepyfile(test_big=BIG_ORDER)
    result = project.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert "aslrun state-machine coverage" not in result.stdout.str()
    assert not (project.path / ".aslrun-coverage").exists()


def test_the_python_api_and_the_fixture_count_alike(project):
    project.makepyfile(test_big=BIG_ORDER, test_other=OTHER_ORDERS)
    result = project.runpytest("-p", "no:cacheprovider", "--aslrun-cov", "--aslrun-cov-data", "cov.json")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(BOTH_FILES_REPORT, consecutive=True)
    result.stdout.fnmatch_lines(["coverage data written to cov.json"])
    assert (project.path / "cov.json").exists()


def test_xdist_workers_data_is_merged_by_the_controller_which_judges_the_merged_figure(project):
    # (one run of three pytest processes checks both: the merged data, and the fail-under figure
    # judged on it; each such run costs several seconds)
    project.makepyfile(test_big=BIG_ORDER, test_other=OTHER_ORDERS)
    result = project.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2", "--dist", "loadfile",
                                          "--aslrun-cov", "--aslrun-cov-fail-under=95")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(BOTH_FILES_REPORT, consecutive=True)
    assert sorted(p.name for p in project.path.glob(".aslrun-coverage*")) == [".aslrun-coverage"]
    document = json.loads((project.path / ".aslrun-coverage").read_text())
    (record,) = document["machines"]
    assert record["executions"] == 3
    assert record["states"]["PriceLines/ItemProcessor/Price"] == 6
    assert result.ret == pytest.ExitCode.TESTS_FAILED  # (94.44% is the merged figure: test_big alone is 77.78%)
    result.stdout.fnmatch_lines(["FAIL Required aslrun state-machine coverage of 95% not reached. "
                                 "Total coverage: 94.44%"])


def test_fail_under_fails_a_green_run_below_the_figure(project):
    project.makepyfile(test_big=BIG_ORDER)
    result = project.runpytest("-p", "no:cacheprovider", "--aslrun-cov", "--aslrun-cov-fail-under=80")
    result.assert_outcomes(passed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["FAIL Required aslrun state-machine coverage of 80% not reached. "
                                 "Total coverage: 77.78%"])


def test_fail_under_passes_at_or_above_the_figure(project):
    project.makepyfile(test_big=BIG_ORDER)
    result = project.runpytest("-p", "no:cacheprovider", "--aslrun-cov", "--aslrun-cov-fail-under=77.5",
                               "--aslrun-cov-report=figures")
    result.assert_outcomes(passed=1)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["orders: states 7/8, transitions 7/10 (77.8%); 1 execution",
                                 "TOTAL: states 7/8, transitions 7/10 (77.8%)",
                                 "Required aslrun state-machine coverage of 77.5% reached. Total coverage: 77.78%"])
    assert "never entered" not in result.stdout.str()


SCENARIOS = '''
machine: orders.asl.json
handlers_file: order_handlers.py
scenarios:
  - name: small order billed
    input: {"lines": [{"sku": "a", "qty": 1}, {"sku": "a", "qty": 1}]}
    expect:
      status: SUCCEEDED
'''


def test_scenario_files_are_measured(project):
    (project.path / "orders.scenario.yaml").write_text(SCENARIOS, encoding="utf-8")
    result = project.runpytest("-p", "no:cacheprovider", "--aslrun-cov")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["orders: states 6/8, transitions 6/10 (66.7%); 1 execution",
                                 "  never entered: Approve, Rejected"])
