"""The state-machine side of the API through boto3, held to what AWS answers (codes, messages and
shapes as recorded against AWS; see the service's docstrings): CreateStateMachine, Describe, Update,
Delete, List, versions, aliases, executions through a version or an alias, tags, and
ValidateStateMachineDefinition."""

from __future__ import annotations

import collections
import concurrent.futures
import json
import time
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.helpers.service import ROLE, wait_done

PASS = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
WAIT_AN_HOUR = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 3600, "End": True}}}


def passing(result: Any) -> dict[str, Any]:
    """A one-state machine whose output is ``result``: another definition for each value."""
    return {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": result, "End": True}}}


def task(resource: str, name: str = "T") -> dict[str, Any]:
    return {"StartAt": name, "States": {name: {"Type": "Task", "Resource": resource, "End": True}}}


def refusal(call: Any, **request: Any) -> tuple[str, str]:
    """The error code and message the server answers ``call(**request)`` with (it must refuse)."""
    with pytest.raises(ClientError) as caught:
        call(**request)
    error = caught.value.response["Error"]
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    return error["Code"], error["Message"]


def answer(response: dict[str, Any]) -> dict[str, Any]:
    """The members of an answer, without botocore's ResponseMetadata."""
    return {key: value for key, value in response.items() if key != "ResponseMetadata"}


def name_of(arn: str) -> str:
    return arn.rsplit(":", 1)[-1]


def definition_error(message: str) -> tuple[str, str]:
    return "InvalidDefinition", f"Invalid State Machine Definition: '{message}'"


# -- CreateStateMachine ---------------------------------------------------------------------------------

def test_create_answers_the_machine_arn_and_its_creation_date(sfn: Any, create: Any) -> None:
    arn = create(PASS, name="created-plainly")
    assert arn == "arn:aws:states:us-east-1:123456789012:stateMachine:created-plainly"
    again = answer(sfn.create_state_machine(name="created-plainly", definition=json.dumps(PASS), roleArn=ROLE))
    assert set(again) == {"stateMachineArn", "creationDate"}


def test_create_again_with_the_byte_identical_definition_answers_the_same_machine(sfn: Any, create: Any) -> None:
    arn = create(PASS)
    first = sfn.describe_state_machine(stateMachineArn=arn)
    other_role = "arn:aws:iam::123456789012:role/another"  # the role is not part of the check, and is kept
    again = sfn.create_state_machine(name=name_of(arn), definition=json.dumps(PASS), roleArn=other_role)
    assert (again["stateMachineArn"], again["creationDate"]) == (arn, first["creationDate"])
    assert sfn.describe_state_machine(stateMachineArn=arn)["roleArn"] == ROLE


@pytest.mark.parametrize("definition", [json.dumps(PASS, indent=4), json.dumps(passing({"other": 1}))],
                         ids=["same-definition-reformatted", "other-definition"])
def test_create_again_with_another_definition_text_is_already_exists(sfn: Any, create: Any, definition: str) -> None:
    arn = create(PASS)
    assert refusal(sfn.create_state_machine, name=name_of(arn), definition=definition, roleArn=ROLE) == (
        "StateMachineAlreadyExists", f"State Machine Already Exists: '{arn}'")


def test_create_with_publish_answers_version_1_and_shows_no_revision(sfn: Any) -> None:
    made = answer(sfn.create_state_machine(name="published-at-birth", definition=json.dumps(PASS), roleArn=ROLE,
                                           publish=True, versionDescription="first"))
    arn = made["stateMachineArn"]
    try:
        assert set(made) == {"stateMachineArn", "creationDate", "stateMachineVersionArn"}
        assert made["stateMachineVersionArn"] == f"{arn}:1"
        assert "revisionId" not in sfn.describe_state_machine(stateMachineArn=arn)
        version = sfn.describe_state_machine(stateMachineArn=f"{arn}:1")
        assert (version["stateMachineArn"], version["description"]) == (f"{arn}:1", "first")
        assert "revisionId" not in version
        again = sfn.create_state_machine(name="published-at-birth", definition=json.dumps(PASS), roleArn=ROLE,
                                         publish=True, versionDescription="first")
        assert again["stateMachineVersionArn"] == f"{arn}:1"
    finally:
        sfn.delete_state_machine(stateMachineArn=arn)


def test_a_version_description_needs_publish(sfn: Any) -> None:
    assert refusal(sfn.create_state_machine, name="never-made", definition=json.dumps(PASS), roleArn=ROLE,
                   versionDescription="v1") == ("ValidationException",
                                                "Version description can only be set when publish is true")


@pytest.mark.parametrize("name", ["with space", "a/b", "a:b", "a*b", "a?b", 'a"b', "a#b", "a%b", "a{b", "a[b",
                                  "a|b", "a~b", "a`b", "a$b", "a&b", "a,b", "a;b", "a\\b", "a^b", "a<b",
                                  "\x00name", "name\x1f", "name\x7f"])
def test_create_with_an_invalid_name_is_invalid_name(sfn: Any, name: str) -> None:
    assert refusal(sfn.create_state_machine, name=name, definition=json.dumps(PASS), roleArn=ROLE) == (
        "InvalidName", f"Invalid Name: '{name}'")


@pytest.mark.parametrize("name", ["Machine1", "machine-name_123", "machine.name.v2", "M" * 80])
def test_valid_names_are_accepted(create: Any, name: str) -> None:
    assert name_of(create(PASS, name=name)) == name


def test_a_definition_without_states_is_invalid_definition_at_the_root(sfn: Any) -> None:
    definition = json.dumps({"Comment": "no states", "StartAt": "State_1"})
    assert refusal(sfn.create_state_machine, name="no-states", definition=definition, roleArn=ROLE) == \
        definition_error("SCHEMA_VALIDATION_FAILED: These fields are required: [States] at /")


def test_a_definition_that_is_not_json_is_described_as_aws_json_reader_does(sfn: Any) -> None:
    assert refusal(sfn.create_state_machine, name="not-json", definition="not json", roleArn=ROLE) == \
        definition_error("INVALID_JSON_DESCRIPTION: Unrecognized token 'not': was expecting (JSON String, Number, "
                         "Array, Object or token 'null', 'true' or 'false')\n"
                         ' at [Source: (String)"not json"; line: 1, column: 4]')


@pytest.mark.parametrize(("definition", "message"), [
    (task("arn:aws:states:::sns:publish.waitForTaskToken", "Publish"),
     "Express state machine does not support '.waitForTaskToken' service integration  at /States/Publish/Resource"),
    (task("arn:aws:states:::states:startExecution.sync", "StartExecution"),
     "Express state machine does not support '.sync' service integration at /States/StartExecution/Resource"),
    (task("arn:aws:states:::states:startExecution.sync:2", "StartExecution"),
     "Express state machine does not support '.sync' service integration at /States/StartExecution/Resource"),
    (task("arn:aws:states:us-east-1:123456789012:activity:work", "ActivityTask"),
     "Express state machine does not support Activity ARN at /States/ActivityTask/Resource"),
], ids=["waitForTaskToken", "sync", "sync2", "activity"])
def test_an_express_machine_may_not_wait(sfn: Any, create: Any, definition: dict[str, Any], message: str) -> None:
    assert refusal(sfn.create_state_machine, name="express-waits", definition=json.dumps(definition), roleArn=ROLE,
                   type="EXPRESS") == definition_error(f"SCHEMA_VALIDATION_FAILED: {message}")
    standard = create(definition, name="standard-waits")  # a STANDARD machine may
    assert sfn.describe_state_machine(stateMachineArn=standard)["type"] == "STANDARD"


def test_an_express_machine_may_not_wait_inside_a_branch_either(sfn: Any) -> None:
    inner = task("arn:aws:states:::lambda:invoke.waitForTaskToken", "Call")
    definition = {"StartAt": "Both", "States": {"Both": {"Type": "Parallel", "End": True,
                                                         "Branches": [PASS, inner]}}}
    assert refusal(sfn.create_state_machine, name="express-branch", definition=json.dumps(definition), roleArn=ROLE,
                   type="EXPRESS") == definition_error(
        "SCHEMA_VALIDATION_FAILED: Express state machine does not support '.waitForTaskToken' service integration  "
        "at /States/Both/Branches/1/States/Call/Resource")


# -- DescribeStateMachine -------------------------------------------------------------------------------

def test_describe_a_fresh_machine_has_aws_shape_and_no_revision(sfn: Any, create: Any) -> None:
    arn = create(PASS, name="described")
    described = answer(sfn.describe_state_machine(stateMachineArn=arn))
    assert set(described) == {"stateMachineArn", "name", "status", "definition", "roleArn", "type", "creationDate",
                              "loggingConfiguration", "tracingConfiguration", "encryptionConfiguration"}
    assert described["stateMachineArn"] == arn
    assert (described["name"], described["status"], described["type"]) == ("described", "ACTIVE", "STANDARD")
    assert (described["definition"], described["roleArn"]) == (json.dumps(PASS), ROLE)
    assert described["loggingConfiguration"] == {"level": "OFF", "includeExecutionData": False}
    assert described["tracingConfiguration"] == {"enabled": False}
    assert described["encryptionConfiguration"] == {"type": "AWS_OWNED_KEY"}


def test_describe_after_an_update_shows_the_revision(sfn: Any, create: Any) -> None:
    arn = create(PASS)
    updated = sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps(passing(1)))
    described = sfn.describe_state_machine(stateMachineArn=arn)
    assert described["revisionId"] == updated["revisionId"]
    assert json.loads(described["definition"]) == passing(1)


def test_describe_an_express_machine(sfn: Any, create: Any) -> None:
    arn = create(PASS, type="EXPRESS")
    assert sfn.describe_state_machine(stateMachineArn=arn)["type"] == "EXPRESS"


LOG_GROUP = {"cloudWatchLogsLogGroup": {"logGroupArn": "arn:aws:logs:us-east-1:123456789012:log-group:sfn:*"}}


@pytest.mark.parametrize(("given", "described"), [
    ({}, {"level": "OFF", "includeExecutionData": False}),
    ({"destinations": []}, {"destinations": [], "includeExecutionData": False, "level": "OFF"}),
    ({"level": "ALL", "includeExecutionData": True, "destinations": [LOG_GROUP]},
     {"level": "ALL", "includeExecutionData": True, "destinations": [LOG_GROUP]}),
    ({"level": "OFF", "destinations": [LOG_GROUP]},
     {"level": "OFF", "includeExecutionData": False, "destinations": [LOG_GROUP]}),
], ids=["empty", "no-destinations", "all", "off-with-destination"])
def test_a_logging_configuration_is_described_as_given(sfn: Any, create: Any, given: dict[str, Any],
                                                       described: dict[str, Any]) -> None:
    arn = create(PASS, loggingConfiguration=given)
    assert sfn.describe_state_machine(stateMachineArn=arn)["loggingConfiguration"] == described


def test_logging_needs_exactly_one_destination(sfn: Any, create: Any) -> None:
    refused = ("InvalidLoggingConfiguration", "Invalid Logging Configuration: Must specify exactly one Log Destination.")
    for level in ("ALL", "ERROR", "FATAL"):
        assert refusal(sfn.create_state_machine, name="logs-nowhere", definition=json.dumps(PASS), roleArn=ROLE,
                       loggingConfiguration={"level": level}) == refused
    assert refusal(sfn.create_state_machine, name="logs-twice", definition=json.dumps(PASS), roleArn=ROLE,
                   loggingConfiguration={"level": "ALL", "destinations": [LOG_GROUP, LOG_GROUP]}) == refused
    arn = create(PASS, loggingConfiguration={"level": "ERROR", "destinations": [LOG_GROUP]})
    first = sfn.update_state_machine(stateMachineArn=arn, loggingConfiguration={"level": "ALL",
                                                                                 "destinations": [LOG_GROUP]})
    again = sfn.update_state_machine(stateMachineArn=arn, loggingConfiguration={"level": "ALL",
                                                                                 "destinations": [LOG_GROUP]})
    assert again["revisionId"] == first["revisionId"]
    assert refusal(sfn.update_state_machine, stateMachineArn=arn, loggingConfiguration={"level": "ALL"}) == refused


def test_describe_a_missing_or_malformed_arn(sfn: Any) -> None:
    missing = "arn:aws:states:us-east-1:123456789012:stateMachine:never-created"
    assert refusal(sfn.describe_state_machine, stateMachineArn=missing) == (
        "StateMachineDoesNotExist", f"State Machine Does Not Exist: '{missing}'")
    assert refusal(sfn.describe_state_machine, stateMachineArn=f"{missing}:3") == (
        "StateMachineDoesNotExist", f"State Machine Does Not Exist: '{missing}:3'")
    assert refusal(sfn.describe_state_machine, stateMachineArn="not_a_valid_arn") == (
        "InvalidArn", "Invalid Arn: 'Invalid ARN prefix: not_a_valid_arn'")
    execution = "arn:aws:states:us-east-1:123456789012:execution:never-created:run"
    assert refusal(sfn.describe_state_machine, stateMachineArn=execution) == (
        "InvalidArn", "Invalid Arn: 'Resource type not valid in this context: execution'")


# -- UpdateStateMachine ---------------------------------------------------------------------------------

def test_update_with_nothing_to_update_is_missing_required_parameter(sfn: Any, create: Any) -> None:
    arn = create(PASS)
    assert refusal(sfn.update_state_machine, stateMachineArn=arn) == (
        "MissingRequiredParameter",
        "Either the definition, the role ARN, the LoggingConfiguration, or the TracingConfiguration must be specified")


def test_update_answers_a_revision_and_the_same_one_for_the_same_parameters(sfn: Any, create: Any) -> None:
    arn = create(PASS)
    first = answer(sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps(passing(1)), roleArn=ROLE))
    assert set(first) == {"revisionId", "updateDate"}
    again = answer(sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps(passing(1)), roleArn=ROLE))
    assert again["revisionId"] == first["revisionId"]
    assert again["updateDate"] >= first["updateDate"]
    changed = sfn.update_state_machine(stateMachineArn=arn, roleArn="arn:aws:iam::123456789012:role/other")
    assert changed["revisionId"] != first["revisionId"]


def test_update_with_publish_publishes_only_what_changed(sfn: Any, create: Any) -> None:
    arn = create(PASS)
    unchanged = answer(sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps(PASS), publish=True))
    assert set(unchanged) == {"stateMachineVersionArn", "updateDate"}  # no revision: nothing was changed
    assert unchanged["stateMachineVersionArn"] == f"{arn}:1"
    assert sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps(PASS),
                                    publish=True)["stateMachineVersionArn"] == f"{arn}:1"
    changed = answer(sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps(passing(2)), publish=True,
                                              versionDescription="two"))
    assert set(changed) == {"revisionId", "stateMachineVersionArn", "updateDate"}
    assert changed["stateMachineVersionArn"] == f"{arn}:2"
    version = sfn.describe_state_machine(stateMachineArn=f"{arn}:2")
    assert (version["revisionId"], version["description"]) == (changed["revisionId"], "two")
    assert "description" not in sfn.describe_state_machine(stateMachineArn=arn)


def test_update_refuses_a_version_arn_a_bad_definition_and_a_lone_version_description(sfn: Any,
                                                                                      create: Any) -> None:
    arn = create(PASS, publish=True)
    for publish in (False, True):
        assert refusal(sfn.update_state_machine, stateMachineArn=f"{arn}:1", definition=json.dumps(passing(3)),
                       publish=publish) == ("StateMachineDoesNotExist", f"State Machine Does Not Exist: '{arn}:1'")
    assert refusal(sfn.update_state_machine, stateMachineArn=arn, definition=json.dumps({"StartAt": "P"})) == \
        definition_error("SCHEMA_VALIDATION_FAILED: These fields are required: [States] at /")
    assert refusal(sfn.update_state_machine, stateMachineArn=arn, definition=json.dumps(passing(3)),
                   versionDescription="x") == ("ValidationException",
                                               "Version description can only be set when publish is true")


def test_an_express_machine_stays_express_when_updated(sfn: Any, create: Any) -> None:
    arn = create(PASS, type="EXPRESS")
    definition = task("arn:aws:states:::ecs:runTask.sync", "Run")
    assert refusal(sfn.update_state_machine, stateMachineArn=arn, definition=json.dumps(definition)) == \
        definition_error("SCHEMA_VALIDATION_FAILED: Express state machine does not support '.sync' service "
                         "integration at /States/Run/Resource")


# -- DeleteStateMachine ---------------------------------------------------------------------------------

def test_delete_is_idempotent_and_takes_versions_and_aliases_with_it(sfn: Any, create: Any) -> None:
    arn = create(PASS, publish=True)
    alias = sfn.create_state_machine_alias(name="live", routingConfiguration=[
        {"stateMachineVersionArn": f"{arn}:1", "weight": 100}])["stateMachineAliasArn"]
    assert answer(sfn.delete_state_machine(stateMachineArn=arn)) == {}
    assert answer(sfn.delete_state_machine(stateMachineArn=arn)) == {}
    for gone in (arn, f"{arn}:1"):
        assert refusal(sfn.describe_state_machine, stateMachineArn=gone) == (
            "StateMachineDoesNotExist", f"State Machine Does Not Exist: '{gone}'")
    assert refusal(sfn.describe_state_machine_alias, stateMachineAliasArn=alias) == (
        "ResourceNotFound", "Request references a resource that does not exist.")


def test_deleting_a_machine_never_created_succeeds(sfn: Any) -> None:
    missing = "arn:aws:states:us-east-1:123456789012:stateMachine:never-created"
    assert answer(sfn.delete_state_machine(stateMachineArn=missing)) == {}


def test_a_machine_with_a_running_execution_is_deleting_until_the_execution_ends(start_server: Any) -> None:
    server = start_server()  # real time: the Wait really waits
    sfn = server.client()
    arn = sfn.create_state_machine(name="waits", definition=json.dumps(WAIT_AN_HOUR), roleArn=ROLE,
                                   publish=True)["stateMachineArn"]
    running = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    assert answer(sfn.delete_state_machine(stateMachineArn=arn)) == {}
    assert sfn.describe_state_machine(stateMachineArn=arn)["status"] == "DELETING"
    assert sfn.describe_state_machine(stateMachineArn=f"{arn}:1")["status"] == "DELETING"
    assert refusal(sfn.start_execution, stateMachineArn=arn)[0] == "StateMachineDeleting"
    assert refusal(sfn.update_state_machine, stateMachineArn=arn, definition=json.dumps(PASS))[0] == \
        "StateMachineDeleting"
    assert answer(sfn.delete_state_machine(stateMachineArn=arn)) == {}
    sfn.stop_execution(executionArn=running)
    deadline = time.monotonic() + 120  # a guard against a hang only
    while [m for m in sfn.list_state_machines()["stateMachines"] if m["stateMachineArn"] == arn]:
        assert time.monotonic() < deadline, "the machine was not deleted after its last execution ended"
        time.sleep(0.02)
    assert refusal(sfn.describe_state_machine, stateMachineArn=arn)[0] == "StateMachineDoesNotExist"
    assert sfn.describe_execution(executionArn=running)["status"] == "ABORTED"


# -- ListStateMachines ----------------------------------------------------------------------------------

def listed(sfn: Any, prefix: str, **request: Any) -> list[dict[str, Any]]:
    """Every machine ListStateMachines lists whose name starts with ``prefix``, page by page."""
    items: list[dict[str, Any]] = []
    while True:
        page = sfn.list_state_machines(**request)
        items += [item for item in page["stateMachines"] if item["name"].startswith(prefix)]
        if "nextToken" not in page:
            return items
        request["nextToken"] = page["nextToken"]


def test_list_is_ordered_by_name_and_pages(sfn: Any, create: Any) -> None:
    names = ["listed_2", "listed_10", "listed_1_b", "listed_0", "listed_11", "listed_1"]
    for name in names:
        create(PASS, name=name, type="EXPRESS" if name == "listed_0" else "STANDARD")
    everything = listed(sfn, "listed_")
    assert [item["name"] for item in everything] == sorted(names)  # as AWS: listed_0, listed_1, listed_10, ...
    assert set(everything[0]) == {"stateMachineArn", "name", "type", "creationDate"}
    assert everything[0]["type"] == "EXPRESS"
    assert listed(sfn, "listed_", maxResults=2) == everything
    first = sfn.list_state_machines(maxResults=1)
    assert len(first["stateMachines"]) == 1 and "nextToken" in first


def test_list_limits_and_tokens(sfn: Any) -> None:
    assert refusal(sfn.list_state_machines, maxResults=1001) == (
        "ValidationException", "1 validation error detected: Value '1001' at 'maxResults' failed to satisfy "
                               "constraint: Member must have value less than or equal to 1000")
    assert refusal(sfn.list_state_machines, nextToken="garbage") == ("InvalidToken", "Invalid Token: 'Invalid token'")
    assert refusal(sfn.list_state_machines, nextToken="x" * 1025) == (
        "ValidationException", f"1 validation error detected: Value '{'x' * 1025}' at 'nextToken' failed to "
                               "satisfy constraint: Member must have length less than or equal to 1024")
    assert "stateMachines" in sfn.list_state_machines(maxResults=0)  # 0: the default page size


def test_a_token_from_another_listing_is_not_taken(sfn: Any, create: Any) -> None:
    arn = create(PASS, publish=True)
    sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps(passing(1)), publish=True)
    token = sfn.list_state_machine_versions(stateMachineArn=arn, maxResults=1)["nextToken"]
    assert refusal(sfn.list_state_machines, nextToken=token) == ("InvalidToken", "Invalid Token: 'Invalid token'")


def test_machines_are_regional(server: Any, sfn: Any, create: Any) -> None:
    arn = create(PASS, name="in-us-east-1")
    elsewhere = server.client(region="eu-west-1")
    assert not [m for m in elsewhere.list_state_machines()["stateMachines"] if m["stateMachineArn"] == arn]


# -- versions -------------------------------------------------------------------------------------------

def test_publish_is_idempotent_and_numbers_are_never_reused(sfn: Any, create: Any) -> None:
    arn = create(PASS)
    published = answer(sfn.publish_state_machine_version(stateMachineArn=arn, description="one"))
    assert set(published) == {"creationDate", "stateMachineVersionArn"}
    assert published["stateMachineVersionArn"] == f"{arn}:1"
    again = answer(sfn.publish_state_machine_version(stateMachineArn=arn))
    assert again == published
    sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps(passing(2)), publish=True)
    assert answer(sfn.delete_state_machine_version(stateMachineVersionArn=f"{arn}:2")) == {}
    assert answer(sfn.delete_state_machine_version(stateMachineVersionArn=f"{arn}:2")) == {}
    sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps(passing(3)))
    assert sfn.publish_state_machine_version(stateMachineArn=arn)["stateMachineVersionArn"] == f"{arn}:3"
    assert refusal(sfn.describe_state_machine, stateMachineArn=f"{arn}:2")[0] == "StateMachineDoesNotExist"


def test_versions_are_listed_newest_first_and_page(sfn: Any, create: Any) -> None:
    arn = create(PASS)
    assert answer(sfn.list_state_machine_versions(stateMachineArn=arn)) == {"stateMachineVersions": []}
    for result in range(3):
        sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps(passing(result)), publish=True)
    versions = sfn.list_state_machine_versions(stateMachineArn=arn)["stateMachineVersions"]
    assert [item["stateMachineVersionArn"] for item in versions] == [f"{arn}:3", f"{arn}:2", f"{arn}:1"]
    assert set(versions[0]) == {"stateMachineVersionArn", "creationDate"}
    first = sfn.list_state_machine_versions(stateMachineArn=arn, maxResults=2)
    rest = sfn.list_state_machine_versions(stateMachineArn=arn, maxResults=2, nextToken=first["nextToken"])
    assert first["stateMachineVersions"] + rest["stateMachineVersions"] == versions
    assert "nextToken" not in rest
    assert refusal(sfn.list_state_machine_versions, stateMachineArn=arn, maxResults=1001)[1] == (
        "1 validation error detected: Value '1001' at 'maxResults' failed to satisfy constraint: Member must have "
        "value less than or equal to 1000")


def test_publish_refuses_a_stale_revision_a_missing_machine_and_a_bad_arn(sfn: Any, create: Any) -> None:
    arn = create(PASS)
    old = sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps(passing(1)))["revisionId"]
    current = sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps(passing(2)))["revisionId"]
    assert refusal(sfn.publish_state_machine_version, stateMachineArn=arn, revisionId=old) == (
        "ConflictException", f"Failed to publish the State Machine version for revision {old}. "
                             f"The current State Machine revision is {current}.")
    assert sfn.publish_state_machine_version(stateMachineArn=arn, revisionId=current)["stateMachineVersionArn"] == \
        f"{arn}:1"
    missing = "arn:aws:states:us-east-1:123456789012:stateMachine:never-created"
    assert refusal(sfn.publish_state_machine_version, stateMachineArn=missing) == (
        "StateMachineDoesNotExist", f"State Machine Does Not Exist: '{missing}'")
    assert refusal(sfn.publish_state_machine_version, stateMachineArn="invalid_arn") == (
        "InvalidArn", "Invalid Arn: 'Invalid ARN prefix: invalid_arn'")


# -- aliases --------------------------------------------------------------------------------------------

def two_versions(sfn: Any, create: Any) -> str:
    """A machine with versions 1 and 2 (each its own output: ``{"version": n}``)."""
    arn = create(passing({"version": 1}), publish=True)
    sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps(passing({"version": 2})), publish=True)
    return arn


def routes(*pairs: tuple[str, int]) -> list[dict[str, Any]]:
    return [{"stateMachineVersionArn": version, "weight": weight} for version, weight in pairs]


def test_alias_life_cycle(sfn: Any, create: Any) -> None:
    arn = two_versions(sfn, create)
    made = answer(sfn.create_state_machine_alias(name="live", description="half and half",
                                                 routingConfiguration=routes((f"{arn}:1", 50), (f"{arn}:2", 50))))
    assert set(made) == {"stateMachineAliasArn", "creationDate"}
    alias = made["stateMachineAliasArn"]
    assert alias == f"{arn}:live"
    described = answer(sfn.describe_state_machine_alias(stateMachineAliasArn=alias))
    assert described["name"] == "live" and described["description"] == "half and half"
    assert described["routingConfiguration"] == routes((f"{arn}:1", 50), (f"{arn}:2", 50))
    assert described["creationDate"] == made["creationDate"]
    listing = answer(sfn.list_state_machine_aliases(stateMachineArn=arn))
    assert listing == {"stateMachineAliases": [{"stateMachineAliasArn": alias, "creationDate": made["creationDate"]}]}
    updated = answer(sfn.update_state_machine_alias(stateMachineAliasArn=alias, description="all on 2",
                                                    routingConfiguration=routes((f"{arn}:2", 100))))
    assert set(updated) == {"updateDate"}
    described = sfn.describe_state_machine_alias(stateMachineAliasArn=alias)
    assert (described["description"], described["routingConfiguration"]) == ("all on 2", routes((f"{arn}:2", 100)))
    assert described["updateDate"] == updated["updateDate"]
    assert answer(sfn.delete_state_machine_version(stateMachineVersionArn=f"{arn}:1")) == {}  # no longer routed to
    assert answer(sfn.delete_state_machine_alias(stateMachineAliasArn=alias)) == {}
    assert answer(sfn.delete_state_machine_alias(stateMachineAliasArn=alias)) == {}
    assert refusal(sfn.update_state_machine_alias, stateMachineAliasArn=alias, description="again") == (
        "ResourceNotFound", "Request references a resource that does not exist.")
    assert answer(sfn.list_state_machine_aliases(stateMachineArn=arn)) == {"stateMachineAliases": []}


def test_create_alias_is_idempotent_only_for_the_same_parameters(sfn: Any, create: Any) -> None:
    arn = two_versions(sfn, create)
    routing = routes((f"{arn}:1", 100))
    first = answer(sfn.create_state_machine_alias(name="stable", description="d", routingConfiguration=routing))
    assert answer(sfn.create_state_machine_alias(name="stable", description="d", routingConfiguration=routing)) == first
    conflict = ("ConflictException", "Failed to create alias because an alias with the same name and a different "
                                      "routing configuration already exists.")
    assert refusal(sfn.create_state_machine_alias, name="stable", description="other",
                   routingConfiguration=routing) == conflict
    assert refusal(sfn.create_state_machine_alias, name="stable", description="d",
                   routingConfiguration=routes((f"{arn}:2", 100))) == conflict


def test_a_version_an_alias_routes_to_cannot_be_deleted(sfn: Any, create: Any) -> None:
    arn = two_versions(sfn, create)
    sfn.create_state_machine_alias(name="state_machine_alias_name", routingConfiguration=routes((f"{arn}:1", 100)))
    assert refusal(sfn.delete_state_machine_version, stateMachineVersionArn=f"{arn}:1") == (
        "ConflictException", "Version to be deleted must not be referenced by an alias. Current list of aliases "
                             "referencing this version: [state_machine_alias_name]")


@pytest.mark.parametrize("name", ["123", "INVALID ALIAS", "!INVALID", "ALIAS@"])
def test_an_alias_name_must_match_the_pattern(sfn: Any, create: Any, name: str) -> None:
    arn = create(PASS, publish=True)
    assert refusal(sfn.create_state_machine_alias, name=name, routingConfiguration=routes((f"{arn}:1", 100))) == (
        "ValidationException", f"1 validation error detected: Value '{name}' at 'name' failed to satisfy constraint: "
                               r"Member must satisfy regular expression pattern: ^(?=.*[a-zA-Z_\-\.])[a-zA-Z0-9_\-\.]+$")


def test_alias_refusals_worded_as_aws_words_them(sfn: Any, create: Any) -> None:
    arn = two_versions(sfn, create)
    sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps(passing({"version": 3})), publish=True)
    v1, v2, v3 = f"{arn}:1", f"{arn}:2", f"{arn}:3"

    def refused(**request: Any) -> tuple[str, str]:
        return refusal(sfn.create_state_machine_alias, **{"name": "refused", **request})

    one_error = "1 validation error detected: "
    assert refused(name="A" * 81, routingConfiguration=routes((v1, 100))) == (
        "ValidationException", f"{one_error}Value '{'A' * 81}' at 'name' failed to satisfy constraint: Member must "
                               "have length less than or equal to 80")
    assert refused(routingConfiguration=routes((v1, 101))) == (
        "ValidationException", f"{one_error}Value '101' at 'routingConfiguration.1.member.weight' failed to satisfy "
                               "constraint: Member must have value less than or equal to 100")
    assert refused(routingConfiguration=routes((v1, 50), (v2, 30), (v3, 20))) == (
        "ValidationException",
        f"{one_error}Value '[RoutingConfigurationListItem(stateMachineVersionArn={v1}, weight=50), "
        f"RoutingConfigurationListItem(stateMachineVersionArn={v2}, weight=30), "
        f"RoutingConfigurationListItem(stateMachineVersionArn={v3}, weight=20)]' at 'routingConfiguration' failed "
        "to satisfy constraint: Member must have length less than or equal to 2")
    assert refused(routingConfiguration=routes((arn, 100))) == (
        "ValidationException", f"Routing configuration must contain state machine version ARNs. Received: [{arn}]")
    assert refused(routingConfiguration=routes((arn, 50), (v2, 50))) == (
        "ValidationException",
        f"Routing configuration must contain state machine version ARNs. Received: [{arn}, {v2}]")
    assert refused(routingConfiguration=routes((v1, 50), (v1, 50))) == (
        "ValidationException",
        f"Routing configuration must contain distinct state machine version ARNs. Received: [{v1}, {v1}]")
    assert refused(routingConfiguration=routes((v1, 70), (v2, 29))) == (
        "ValidationException", "Sum of routing configuration weights must equal 100. Received: [70, 29]")
    assert refused(routingConfiguration=routes((v1, 70), (v2, 31))) == (
        "ValidationException", "Sum of routing configuration weights must equal 100. Received: [70, 31]")
    assert refusal(sfn.list_state_machine_aliases, stateMachineArn=arn, nextToken="InvalidToken") == (
        "InvalidToken", "Invalid Token: 'Invalid token'")
    assert refusal(sfn.list_state_machine_aliases, stateMachineArn=arn, maxResults=1001)[0] == "ValidationException"


def test_aliases_are_listed_in_creation_order_and_page(sfn: Any, create: Any) -> None:
    arn = create(PASS, publish=True)
    made = [sfn.create_state_machine_alias(name=f"AliasName-{n}", routingConfiguration=routes((f"{arn}:1", 100)))
            ["stateMachineAliasArn"] for n in (1, 2, 3)]
    first = sfn.list_state_machine_aliases(stateMachineArn=arn, maxResults=2)
    rest = sfn.list_state_machine_aliases(stateMachineArn=arn, maxResults=2, nextToken=first["nextToken"])
    assert [item["stateMachineAliasArn"] for item in first["stateMachineAliases"] + rest["stateMachineAliases"]] == \
        made
    assert "nextToken" not in rest


# -- executions through versions and aliases ------------------------------------------------------------

def test_executions_through_a_version_and_an_alias_name_them(sfn: Any, create: Any) -> None:
    arn = two_versions(sfn, create)
    alias = sfn.create_state_machine_alias(name="prod", routingConfiguration=routes((f"{arn}:1", 100)))[
        "stateMachineAliasArn"]
    through_version = sfn.start_execution(stateMachineArn=f"{arn}:2", name="by-version")["executionArn"]
    through_alias = sfn.start_execution(stateMachineArn=alias, name="by-alias")["executionArn"]
    plain = sfn.start_execution(stateMachineArn=arn, name="plain")["executionArn"]
    assert through_version == f"arn:aws:states:us-east-1:123456789012:execution:{name_of(arn)}:by-version"
    by_version = wait_done(sfn, through_version)
    assert (by_version["stateMachineArn"], by_version["stateMachineVersionArn"]) == (arn, f"{arn}:2")
    assert "stateMachineAliasArn" not in by_version
    assert json.loads(by_version["output"]) == {"version": 2}
    by_alias = wait_done(sfn, through_alias)
    assert (by_alias["stateMachineArn"], by_alias["stateMachineVersionArn"], by_alias["stateMachineAliasArn"]) == (
        arn, f"{arn}:1", alias)
    assert json.loads(by_alias["output"]) == {"version": 1}
    assert "stateMachineVersionArn" not in wait_done(sfn, plain)
    everything = sfn.list_executions(stateMachineArn=arn)["executions"]
    assert [item["executionArn"] for item in everything] == [plain, through_alias, through_version]
    of_version = sfn.list_executions(stateMachineArn=f"{arn}:2")["executions"]
    assert [(item["executionArn"], item["stateMachineVersionArn"]) for item in of_version] == [
        (through_version, f"{arn}:2")]


def test_an_alias_splits_starts_between_its_versions_by_weight(sfn: Any, create: Any) -> None:
    arn = two_versions(sfn, create)
    alias = sfn.create_state_machine_alias(name="canary", routingConfiguration=routes((f"{arn}:1", 50),
                                                                                      (f"{arn}:2", 50)))
    with concurrent.futures.ThreadPoolExecutor(max_workers=10) as pool:  # boto3 clients may be shared
        list(pool.map(lambda _: sfn.start_execution(stateMachineArn=alias["stateMachineAliasArn"]), range(200)))
    executions = sfn.list_executions(stateMachineArn=arn, maxResults=1000)["executions"]
    counts = collections.Counter(item["stateMachineVersionArn"] for item in executions)
    assert sum(counts.values()) == 200
    assert 60 <= counts[f"{arn}:1"] <= 140 and 60 <= counts[f"{arn}:2"] <= 140, counts  # ~7 deviations apart


# -- tags -----------------------------------------------------------------------------------------------

def test_tags_are_added_replaced_listed_and_removed(sfn: Any, create: Any) -> None:
    arn = create(PASS, tags=[{"key": "team", "value": "core"}])
    assert answer(sfn.tag_resource(resourceArn=arn, tags=[{"key": "env", "value": "dev"},
                                                          {"key": "team", "value": "edge"}])) == {}
    assert answer(sfn.list_tags_for_resource(resourceArn=arn)) == {
        "tags": [{"key": "team", "value": "edge"}, {"key": "env", "value": "dev"}]}
    assert answer(sfn.untag_resource(resourceArn=arn, tagKeys=["team", "not-there"])) == {}
    assert sfn.list_tags_for_resource(resourceArn=arn)["tags"] == [{"key": "env", "value": "dev"}]


def test_tags_belong_to_machines_not_to_versions(sfn: Any, create: Any) -> None:
    arn = create(PASS, publish=True)
    for call, request in ((sfn.tag_resource, {"tags": [{"key": "k", "value": "v"}]}),
                          (sfn.list_tags_for_resource, {}), (sfn.untag_resource, {"tagKeys": ["k"]})):
        assert refusal(call, resourceArn=f"{arn}:1", **request) == (
            "ResourceNotFound", f"Resource not found: '{arn}:1'")
    missing = "arn:aws:states:us-east-1:123456789012:stateMachine:never-created"
    assert refusal(sfn.list_tags_for_resource, resourceArn=missing) == (
        "ResourceNotFound", f"Resource not found: '{missing}'")


def test_a_machine_has_at_most_50_tags(sfn: Any, create: Any) -> None:
    arn = create(PASS)
    fifty = [{"key": f"k{n}", "value": "v"} for n in range(50)]
    assert refusal(sfn.tag_resource, resourceArn=arn, tags=[*fifty, {"key": "one-more", "value": "v"}])[0] == \
        "TooManyTags"
    sfn.tag_resource(resourceArn=arn, tags=fifty)
    code, _ = refusal(sfn.tag_resource, resourceArn=arn, tags=[{"key": "one-more", "value": "v"}])
    assert code == "TooManyTags"
    assert len(sfn.list_tags_for_resource(resourceArn=arn)["tags"]) == 50  # the refused tag was not kept
    assert refusal(sfn.create_state_machine, name="too-many-tags", definition=json.dumps(PASS), roleArn=ROLE,
                   tags=[*fifty, {"key": "one-more", "value": "v"}])[0] == "TooManyTags"


# -- ValidateStateMachineDefinition ---------------------------------------------------------------------

def validated(sfn: Any, definition: Any, **request: Any) -> dict[str, Any]:
    text = definition if isinstance(definition, str) else json.dumps(definition)
    return answer(sfn.validate_state_machine_definition(definition=text, **request))


def test_validate_a_valid_definition(sfn: Any) -> None:
    assert validated(sfn, PASS) == {"result": "OK", "diagnostics": [], "truncated": False}


@pytest.mark.parametrize(("definition", "diagnostic"), [
    (" ", {"code": "SCHEMA_VALIDATION_FAILED", "message": "Definition must be a valid JSON object"}),
    ("not a definition", {
        "code": "INVALID_JSON_DESCRIPTION",
        "location": '[Source: (String)"not a definition"; line: 1, column: 4]',
        "message": "Unrecognized token 'not': was expecting (JSON String, Number, Array, Object or token 'null', "
                   "'true' or 'false')\n at [Source: (String)\"not a definition\"; line: 1, column: 4]"}),
    ({}, {"code": "SCHEMA_VALIDATION_FAILED", "location": "/", "message": "These fields are required: [States, StartAt]"}),
    ({"States": PASS["States"]},
     {"code": "SCHEMA_VALIDATION_FAILED", "location": "/", "message": "These fields are required: [StartAt]"}),
    ({"QueryLanguage": "JSONata", "StartAt": "Pass",
      "States": {"Pass": {"Type": "Pass", "QueryLanguage": "JSONPath", "End": True}}},
     {"code": "SCHEMA_VALIDATION_FAILED", "location": "/States/Pass",
      "message": "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine"}),
], ids=["blank", "not-json", "empty-object", "no-StartAt", "JSONPath-in-JSONata"])
def test_validate_words_failures_as_aws_does(sfn: Any, definition: Any, diagnostic: dict[str, str]) -> None:
    assert validated(sfn, definition) == {"result": "FAIL", "diagnostics": [{"severity": "ERROR", **diagnostic}],
                                          "truncated": False}


def test_validate_knows_what_an_express_machine_may_not_do(sfn: Any) -> None:
    definition = task("arn:aws:states:::sqs:sendMessage.waitForTaskToken", "SendMessageWithWait")
    assert validated(sfn, definition)["result"] == "OK"
    assert validated(sfn, definition, type="EXPRESS") == {"result": "FAIL", "truncated": False, "diagnostics": [{
        "severity": "ERROR", "code": "SCHEMA_VALIDATION_FAILED", "location": "/States/SendMessageWithWait/Resource",
        "message": "Express state machine does not support '.waitForTaskToken' service integration "}]}


def test_validate_cuts_the_diagnostics_at_max_results(sfn: Any) -> None:
    definition = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "X"}, "B": {"Type": "Pass", "Next": "Y"}}}
    everything = validated(sfn, definition)
    assert everything["result"] == "FAIL" and not everything["truncated"]
    assert len(everything["diagnostics"]) >= 2
    assert {diagnostic["code"] for diagnostic in everything["diagnostics"]} >= {"MISSING_TRANSITION_TARGET"}
    cut = validated(sfn, definition, maxResults=1)
    assert cut == {"result": "FAIL", "diagnostics": everything["diagnostics"][:1], "truncated": True}
    assert refusal(sfn.validate_state_machine_definition, definition=json.dumps(PASS), maxResults=101) == (
        "ValidationException", "1 validation error detected: Value '101' at 'maxResults' failed to satisfy "
                               "constraint: Member must have value less than or equal to 100")


def test_executions_of_a_deleted_machine_fail_at_their_next_state_transition(start_server: Any) -> None:
    """As AWS documents DeleteStateMachine (and its knowledge center shows the error): a running
    execution ends at its next state transition with States.Runtime; then the machine is gone."""
    server = start_server()  # real time
    sfn = server.client()
    definition = {"StartAt": "Short", "States": {"Short": {"Type": "Wait", "Seconds": 1, "Next": "Never"},
                                                 "Never": {"Type": "Pass", "End": True}}}
    arn = sfn.create_state_machine(name="doomed", definition=json.dumps(definition), roleArn=ROLE)["stateMachineArn"]
    running = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    sfn.delete_state_machine(stateMachineArn=arn)
    assert sfn.describe_state_machine(stateMachineArn=arn)["status"] == "DELETING"
    deadline = time.monotonic() + 120  # a guard against a hang only
    while (described := sfn.describe_execution(executionArn=running))["status"] == "RUNNING":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert (described["status"], described["error"], described["cause"]) == (
        "FAILED", "States.Runtime", "State machine doomed has been deleted.")
    assert "PassStateEntered" not in [e["type"] for e in sfn.get_execution_history(executionArn=running)["events"]]
    while [m for m in sfn.list_state_machines()["stateMachines"] if m["stateMachineArn"] == arn]:
        assert time.monotonic() < deadline, "the machine was not deleted after its last execution ended"
        time.sleep(0.02)
