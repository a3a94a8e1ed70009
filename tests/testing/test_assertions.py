"""Assertion helpers on an execution: the queries read the history right, and a failed assertion
shows the path taken with the failing state's input, output and error."""

from __future__ import annotations

from pathlib import Path

import pytest

from aslrun import StateMachine
from aslrun.testing import expect, frozen_clock, run_machine

ORDERS = Path(__file__).resolve().parent / "fixtures" / "orders.asl.json"
LINES = {"lines": [{"sku": "a", "qty": 2}, {"sku": "b", "qty": 1}]}
PRICES = {"a": 30, "b": 50}


class PriceBusy(Exception):
    pass


class ApprovalDenied(Exception):
    pass


def handlers(*, busy_once=(), deny=False):
    busy = set(busy_once)

    def price(event, context):
        if event["sku"] in busy:
            busy.discard(event["sku"])
            raise PriceBusy(f"{event['sku']} busy")
        return {"amount": PRICES[event["sku"]] * event["qty"]}

    def approve(event, context):
        if deny:
            raise ApprovalDenied("too big")
        return {"approved": True}

    return {"ValidateOrder": lambda event, context: {"ok": True}, "PriceLine": price, "Approve": approve}


# Price.Busy and Approval.Denied are the error names the machine matches: name the classes so
for cls, name in ((PriceBusy, "Price.Busy"), (ApprovalDenied, "Approval.Denied")):
    cls.__name__ = name


def test_queries_on_a_successful_run():
    check = run_machine(ORDERS, LINES, handlers=handlers(busy_once={"b"}))
    check.succeeded().has_output({"billed": 110})
    assert check.path == ["Validate", "PriceLines", "Total", "Big?", "Approve", "Bill"]
    assert check.full_path == ["Validate", "PriceLines", "Price", "Price", "Total", "Big?", "Approve", "Bill"]
    assert check.runs_of("Price") == 3  # two lines, one retry
    assert check.entries_of("Price") == 2
    assert check.input_of("Price", 0) == {"sku": "a", "qty": 2}
    assert check.output_of("Price", 1) == {"amount": 50}
    assert check.input_of("Bill") == {**LINES, "validation": {"ok": True}, "priced": [{"amount": 60}, {"amount": 50}],
                                      "sum": {"total": 110}}
    assert check.error_of("Price", 1)[0] == "Price.Busy"  # the retried attempt's error
    check.ran("Price", times=3).ran("Validate", times=1).entered("Price", times=2).visited("Approve")
    check.state_output("Total", {**LINES, "validation": {"ok": True}, "priced": [{"amount": 60}, {"amount": 50}],
                                 "sum": {"total": 110}})
    check.output_includes({"billed": 110}).not_visited("Rejected")


def test_queries_on_a_failed_run():
    check = run_machine(ORDERS, LINES, handlers=handlers(deny=True))
    check.failed("Order.Rejected", "approval denied").state_failed("Approve", "Approval.Denied")
    check.took_path(["Validate", "PriceLines", "Total", "Big?", "Approve", "Rejected"])
    assert check.input_of("Rejected")["denied"]["Error"] == "Approval.Denied"
    statuses = {v.name: v.status for v in check.visits}
    assert statuses["Approve"] == "CAUGHT" and statuses["Rejected"] == "FAILED"


def test_a_failed_status_assertion_shows_the_path_and_the_failing_state():
    check = run_machine(ORDERS, LINES, handlers=handlers(deny=True))
    with pytest.raises(AssertionError) as caught:
        check.succeeded()
    message = str(caught.value)
    assert message.startswith("expected status SUCCEEDED, got FAILED")
    assert "error: Order.Rejected" in message and "cause: approval denied" in message
    lines = message.splitlines()
    path_at = lines.index("path taken:")
    shown = [line.strip() for line in lines[path_at + 1:]]
    assert shown[0] == "✓ Validate (Task)"
    assert "↪ Approve (Task)" in shown  # caught: a Catch passed it on
    approve = shown.index("↪ Approve (Task)")
    assert shown[approve + 1].startswith('input:  {"lines":[{"sku":"a","qty":2}')
    assert shown[approve + 2].startswith('output: {"lines"')
    assert shown[approve + 3].startswith("error:  Approval.Denied: ")
    assert shown[-2] == "✗ Rejected (Fail)"
    assert shown[-1].startswith('input:  {"lines":[') and '"denied":{"Error":"Approval.Denied"' in shown[-1]


@pytest.mark.parametrize("assertion, expected_message", [
    (lambda c: c.has_output({"billed": 111}), "output differs\n  expected: {\"billed\":111}\n  got:      "
                                              "{\"billed\":110}\n  first difference at $.billed: expected 111, got 110"),
    (lambda c: c.took_path(["Validate", "Bill"]), "path differs\n  expected: ['Validate', 'Bill']\n  got:      "
                                                  "['Validate', 'PriceLines', 'Total', 'Big?', 'Approve', 'Bill']"),
    (lambda c: c.ran("Price", times=1), "expected Task 'Price' to run 1 time(s), it ran 2 time(s) (entered 2 time(s))"),
    (lambda c: c.state_input("Price", {"sku": "z"}), 'input of \'Price\' differs\n  expected: {"sku":"z"}\n'
                                                     '  got:      {"sku":"b","qty":1}'),
    (lambda c: c.state_output("Rejected", 1), "state 'Rejected' was never entered"),
    (lambda c: c.not_visited("Aprove"), "the state machine has no state 'Aprove' (did you mean 'Approve'?): an "
                                        "assertion about it would prove nothing"),
    (lambda c: c.ran("Nope", times=0), "the state machine has no state 'Nope': an assertion about it would prove"),
    (lambda c: c.not_visited("Approve"), "expected ['Approve'] never to be entered, but they were"),
    (lambda c: c.output_includes({"billed": 1}), "output does not include {\"billed\":1}: $.billed is 110, "
                                                 "expected 1"),
    (lambda c: c.failed(), "expected status FAILED, got SUCCEEDED"),
])
def test_failure_messages_say_what_differs(assertion, expected_message):
    check = run_machine(ORDERS, LINES, handlers=handlers())
    with pytest.raises(AssertionError) as caught:
        assertion(check)
    assert str(caught.value).startswith(expected_message)
    assert "\npath taken:\n  ✓ Validate (Task)\n" in str(caught.value)


def test_output_includes_reads_arrays_item_by_item():
    """A Map's output: each item may hold more than the test checks; the count must agree, and JSON's
    true is not 1."""
    definition = {"StartAt": "Each", "States": {"Each": {
        "Type": "Map", "ItemProcessor": {"StartAt": "Charge", "States": {"Charge": {
            "Type": "Pass", "Parameters": {"id.$": "$.id", "charged.$": "$.qty", "paid": True}, "End": True}}},
        "End": True}}}
    items = StateMachine(definition).execute([{"id": "o1", "qty": 10}, {"id": "o2", "qty": 30}],
                                                      clock=frozen_clock())
    expect(items).output_includes([{"charged": 10}, {"charged": 30, "paid": True}])
    for subset, message in [
            ([{"charged": 10}], "$ has 2 item(s), expected 1"),
            ([{"charged": 10}, {"charged": 31}], "$[1].charged is 30, expected 31"),
            ([{"charged": 10}, {"paid": 1}], "$[1].paid is true, expected 1"),
            ({"charged": 10}, "$ is [{"),
            ([{"charged": 10}, [1]], "$[1] is {")]:
        with pytest.raises(AssertionError) as caught:
            expect(items).output_includes(subset)
        assert message in str(caught.value), (subset, str(caught.value)[:200])


def test_expect_wraps_an_execution_run_by_hand():
    machine = StateMachine.from_file(ORDERS)
    execution = machine.execute(LINES, handlers=handlers(), clock=frozen_clock())
    expect(execution).succeeded().took_path(["Validate", "PriceLines", "Total", "Big?", "Approve", "Bill"])
    no_lines = machine.execute({"lines": []}, handlers=handlers(), clock=frozen_clock())
    expect(no_lines).failed("States.Runtime")  # Total reads $.priced[0], which an empty order lacks
    with pytest.raises(AssertionError, match="expected error 'X', got 'States.Runtime'"):
        expect(no_lines).failed("X")
