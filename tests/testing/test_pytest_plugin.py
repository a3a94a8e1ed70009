"""The pytest plugin as a user meets it: a project with machines, tests and scenario files, run by
pytest itself (pytester), the plugin loaded through its ``pytest11`` entry point."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

FIXTURES = Path(__file__).resolve().parent / "fixtures"

HANDLERS = (FIXTURES / "order_handlers.py").read_text(encoding="utf-8")


@pytest.fixture
def project(pytester):
    """A user's project: a machine, a handlers module, a mock configuration."""
    shutil.copy(FIXTURES / "orders.asl.json", pytester.path / "orders.asl.json")
    shutil.copy(FIXTURES / "lambda_sqs.asl.json", pytester.path / "lambda_sqs.asl.json")
    shutil.copy(FIXTURES / "MockConfigFile.json", pytester.path / "MockConfigFile.json")
    (pytester.path / "order_handlers.py").write_text(HANDLERS, encoding="utf-8")
    return pytester


def test_fixtures_run_a_machine_and_assert(project):
    project.makepyfile(test_orders='''
        from order_handlers import HANDLERS

        def test_big_order_is_approved(aslrun_runner):
            check = aslrun_runner.run("orders.asl.json", {"lines": [{"sku": "a", "qty": 2}, {"sku": "b", "qty": 1}]},
                                      handlers=HANDLERS)
            check.succeeded().has_output({"billed": 110}).ran("Price", times=2)
            check.took_path(["Validate", "PriceLines", "Total", "Big?", "Approve", "Bill"])

        def test_mocked_with_the_aws_file(aslrun_runner):
            check = aslrun_runner.run("lambda_sqs.asl.json", {}, mock_config="MockConfigFile.json",
                                      test_case="RetryPath")
            check.succeeded().ran("LambdaState", times=4)

        def test_clock_is_frozen(aslrun_clock):
            from aslrun import StateMachine
            before = aslrun_clock.now()
            m = StateMachine({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 3600, "End": True}}})
            execution = m.execute({}, clock=aslrun_clock)
            assert before == 1704067200.0
            assert aslrun_clock.now() == before + 3600
            assert execution.history[-1].timestamp == before + 3600
    ''')
    result = project.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)


def test_a_failing_assertion_reports_the_path(project):
    project.makepyfile(test_fail='''
        from order_handlers import HANDLERS

        def test_expects_the_wrong_total(aslrun_runner):
            check = aslrun_runner.run("orders.asl.json", {"lines": [{"sku": "a", "qty": 1}, {"sku": "b", "qty": 1}]},
                                      handlers=HANDLERS)
            check.has_output({"billed": 100})
    ''')
    result = project.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*AssertionError: output differs",
        '*expected: {"billed":100}',
        '*got:      {"billed":80}',
        "*path taken:",
        "*✓ Validate (Task)",
        "*✓ Bill (Pass)",
    ])



def test_a_failure_report_shows_the_tests_line_not_the_plugins_frames(project):
    project.makepyfile(test_fail='''
        from aslrun.testing import expect
        from order_handlers import HANDLERS

        def test_expects_the_wrong_total(aslrun_runner):
            check = aslrun_runner.run("orders.asl.json", {"lines": [{"sku": "a", "qty": 1}, {"sku": "b", "qty": 1}]},
                                      handlers=HANDLERS)
            check.succeeded().has_output({"billed": 100})

        def test_names_a_state_the_machine_lacks(aslrun_runner):
            check = aslrun_runner.run("orders.asl.json", {"lines": [{"sku": "a", "qty": 1}]}, handlers=HANDLERS)
            expect(check).not_visited("Aprove")
    ''')
    result = project.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=2)
    text = result.stdout.str()
    assert "aslrun/testing" not in text and "def fail(" not in text and "raise AssertionError" not in text
    result.stdout.fnmatch_lines([
        '>       check.succeeded().has_output({"billed": 100})',
        "E       AssertionError: output differs",
        "test_fail.py:7: AssertionError",
        '>       expect(check).not_visited("Aprove")',
        "E       AssertionError: the state machine has no state 'Aprove' (did you mean 'Approve'?)*",
        "test_fail.py:11: AssertionError",
    ])
    full = project.runpytest("-p", "no:cacheprovider", "--full-trace")  # still there when asked for
    assert "aslrun/testing/assertions.py" in full.stdout.str()

SCENARIOS = '''
machine: orders.asl.json
handlers_file: order_handlers.py
scenarios:
  - name: big order approved
    input: {lines: [{sku: a, qty: 2}, {sku: b, qty: 1}]}
    expect:
      status: SUCCEEDED
      output: {billed: 110}
      path: [Validate, PriceLines, Total, "Big?", Approve, Bill]
      ran: {Price: 2}
      state_output: {Bill: {billed: 110}}
  - name: small order skips approval
    input: {lines: [{sku: a, qty: 1}, {sku: b, qty: 1}]}
    expect:
      output: {billed: 80}
      not_visited: [Approve]
  - name: denied order is rejected
    input: {vip: false, lines: [{sku: a, qty: 3}, {sku: b, qty: 1}]}
    expect:
      error: Order.Rejected
      cause: approval denied
      state_input: {Approve: {vip: false, lines: [{sku: a, qty: 3}, {sku: b, qty: 1}], validation: {ok: true},
                              priced: [{amount: 90}, {amount: 50}], sum: {total: 140}}}
  - name: mocked pricing
    input: {lines: [{sku: a, qty: 1}, {sku: b, qty: 1}]}
    mocks:
      Price: {"0": {Return: {Payload: {amount: 1}}}, "1": {Return: {Payload: {amount: 2}}}}
    expect:
      output: {billed: 3}
'''


def test_scenario_files_are_collected_and_run(project):
    (project.path / "orders.scenario.yaml").write_text(SCENARIOS, encoding="utf-8")
    (project.path / "retry.scenario.json").write_text(
        '{"machine": "lambda_sqs.asl.json", "mock_config": "MockConfigFile.json", "test_case": "RetryPath",'
        ' "expect": {"status": "SUCCEEDED", "ran": {"LambdaState": 4}}}', encoding="utf-8")
    result = project.runpytest("-p", "no:cacheprovider", "-v")
    result.assert_outcomes(passed=5)
    result.stdout.fnmatch_lines(["*orders.scenario.yaml::big order approved PASSED*",
                                 "*retry.scenario.json::retry PASSED*"])


def test_a_failing_scenario_shows_what_happened(project):
    (project.path / "wrong.scenario.yaml").write_text(
        "machine: orders.asl.json\nhandlers_file: order_handlers.py\n"
        "input: {lines: [{sku: a, qty: 1}, {sku: b, qty: 1}]}\nexpect: {path: [Validate, Bill]}\n", encoding="utf-8")
    result = project.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    shown = result.stdout.str()
    assert "scenario 'wrong' (wrong.scenario.yaml) failed:\npath differs\n  expected: ['Validate', 'Bill']\n" \
           "  got:      ['Validate', 'PriceLines', 'Total', 'Big?', 'Bill']\n" in shown
    assert "path taken:\n  ✓ Validate (Task)\n" in shown
    assert "Traceback" not in result.stdout.str()


def test_a_malformed_scenario_is_a_collection_error_naming_the_place(project):
    (project.path / "typo.scenario.yaml").write_text(
        "machine: orders.asl.json\nscenarios:\n  - name: one\n    expect: {stauts: SUCCEEDED}\n", encoding="utf-8")
    (project.path / "keys.scenario.yaml").write_text(
        "machine: orders.asl.json\nscenarios:\n  - name: two\n    hanlders_file: h.py\n    zzz: 1\n", encoding="utf-8")
    (project.path / "broken.scenario.yaml").write_text("machine: [unclosed\n", encoding="utf-8")
    result = project.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=3)
    shown = result.stdout.str()
    assert "keys.scenario.yaml scenario 'two': unknown key(s) 'hanlders_file' (did you mean 'handlers_file'?), " \
        "'zzz' (known: [" in shown
    assert "typo.scenario.yaml scenario 'one': unknown expect key(s) 'stauts' (did you mean 'status'?) (known: [" \
        in shown
    assert "broken.scenario.yaml: invalid YAML at line 2, column 1" in shown
