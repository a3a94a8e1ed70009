"""The project's SAM template (template.yaml) deploys the four pipelines as they stand.

- cfn-lint finds no error in it (its warnings are reported as pytest warnings);
- every definition in machines/ is a state machine of the template, and every ``${...}``
  placeholder of every definition has a DefinitionSubstitutions entry of the kind it expects: what
  the entry resolves to with the parameters' defaults (in today's account and region) is the value
  machines/metering.substitutions.json and machines/bua/substitutions.json give it;
- every function a definition calls (through a placeholder, or by full ARN) is a function of the
  template under that FunctionName, whose Handler imports to the very callable the pipeline's
  ``HANDLERS`` binds that name to, inside the function's CodeUri;
- the resources fixtures/bua/aws-seed.json seeds are the template's, named as the seed names them;
- each state machine's Policies grant what its definition does (the functions it invokes, no
  other; the services it calls, no other), and no function has an event source.
"""

from __future__ import annotations

import importlib
import json
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
MACHINES = ROOT / "machines"
DEFINITIONS = sorted(MACHINES.rglob("*.asl.json"))
SUBSTITUTION_FILES = [MACHINES / "metering.substitutions.json", MACHINES / "bua" / "substitutions.json"]
SEED = ROOT / "fixtures" / "bua" / "aws-seed.json"
HANDLER_MODULES = ["handlers.metering.lambdas", "handlers.erp_import.lambdas", "handlers.bua.lambdas"]

# today's substitution values name this account and region
ACCOUNT, REGION, PARTITION = "123456789012", "ap-southeast-2", "aws"

PLACEHOLDER = re.compile(r"\$\{([^}]+)\}")
LAMBDA_ARN = re.compile(r"^arn:aws:lambda:[^:]+:\d{12}:function:([A-Za-z0-9_-]+)$")


# ---------------------------------------------------------------------------------------- helpers


def _plain(node: Any) -> Any:
    """cfn-lint's decoded nodes (dict_node, str_node, ...) as plain JSON values."""
    return json.loads(json.dumps(node))


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    """The template as cfn-lint's decoder reads it (a reader independent of aslrun's own; imported
    here, not at collection: importing cfn-lint takes most of a second)."""
    from cfnlint.decode import decode

    decoded, problems = decode(str(TEMPLATE))
    assert not problems, [str(p) for p in problems]
    return _plain(decoded)


def _resources(template: dict[str, Any], type_: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == type_}


def _machines(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return _resources(template, "AWS::Serverless::StateMachine")


def _functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return _resources(template, "AWS::Serverless::Function")


def _function_property(template: dict[str, Any], logical_id: str, name: str) -> Any:
    """A function's property, else the Globals' (SAM's Globals merge)."""
    properties = template["Resources"][logical_id].get("Properties", {})
    if name in properties:
        return properties[name]
    return template.get("Globals", {}).get("Function", {}).get(name)


def _definition_path(machine: dict[str, Any]) -> Path:
    uri = machine["Properties"]["DefinitionUri"]
    assert isinstance(uri, str), f"DefinitionUri should be the local file, got {uri!r}"
    return (TEMPLATE.parent / uri).resolve()


def _machine_for(template: dict[str, Any], definition: Path) -> tuple[str, dict[str, Any]]:
    found = [(k, v) for k, v in _machines(template).items() if _definition_path(v) == definition.resolve()]
    assert len(found) == 1, f"{definition.relative_to(ROOT)}: {len(found)} state machines use it"
    return found[0]


def _placeholders(definition: Path) -> set[str]:
    return set(PLACEHOLDER.findall(definition.read_text(encoding="utf-8")))


def _today() -> dict[str, str]:
    values: dict[str, str] = {}
    for path in SUBSTITUTION_FILES:
        values.update(json.loads(path.read_text(encoding="utf-8")))
    return values


def _handlers() -> dict[str, Any]:
    bound: dict[str, Any] = {}
    for module in HANDLER_MODULES:
        bound.update(importlib.import_module(module).HANDLERS)
    return bound


class Resolver:
    """Intrinsics as CloudFormation resolves them, for the parameters' defaults: physical names
    and ARNs. A state machine without a Name gets a generated one (resolved as None)."""

    def __init__(self, template: dict[str, Any]) -> None:
        self.template = template
        self.parameters = {k: v.get("Default") for k, v in template.get("Parameters", {}).items()}
        self.pseudo = {"AWS::AccountId": ACCOUNT, "AWS::Region": REGION, "AWS::Partition": PARTITION}

    def __call__(self, value: Any) -> Any:
        if isinstance(value, str):
            return value
        if isinstance(value, dict) and len(value) == 1:
            (fn, arg), = value.items()
            if fn == "Ref":
                return self.ref(arg)
            if fn == "Fn::GetAtt":
                logical_id, attribute = arg if isinstance(arg, list) else arg.split(".", 1)
                return self.get_att(logical_id, attribute)
            if fn == "Fn::Sub":
                return self.sub(arg)
        raise AssertionError(f"unexpected value {value!r}")

    def sub(self, arg: Any) -> str | None:
        text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
        parts = []
        for literal, name in re.findall(r"([^$]*)(?:\$\{([^}]+)\})?", text):
            parts.append(literal)
            if not name:
                continue
            if name in variables:
                value = self(variables[name])
            elif "." in name:
                value = self.get_att(*name.split(".", 1))
            else:
                value = self.ref(name)
            if value is None:
                return None
            parts.append(str(value))
        return "".join(parts)

    def ref(self, name: str) -> str | None:
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        resource = self.template["Resources"][name]
        properties = resource.get("Properties", {})
        kind = resource["Type"]
        if kind == "AWS::Serverless::Function":
            return self(properties["FunctionName"])
        if kind == "AWS::Serverless::StateMachine":
            machine_name = self.get_att(name, "Name")
            return None if machine_name is None else f"arn:{PARTITION}:states:{REGION}:{ACCOUNT}:stateMachine:{machine_name}"
        if kind == "AWS::DynamoDB::Table":
            return self(properties["TableName"])
        if kind == "AWS::S3::Bucket":
            return self(properties["BucketName"])
        if kind == "AWS::SNS::Topic":
            return f"arn:{PARTITION}:sns:{REGION}:{ACCOUNT}:{self(properties['TopicName'])}"
        if kind == "AWS::SQS::Queue":
            return f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{self(properties['QueueName'])}"
        raise AssertionError(f"Ref {name}: no rule for {kind}")

    def get_att(self, name: str, attribute: str) -> str | None:
        resource = self.template["Resources"][name]
        properties = resource.get("Properties", {})
        kind = resource["Type"]
        if (kind, attribute) == ("AWS::Serverless::Function", "Arn"):
            return f"arn:{PARTITION}:lambda:{REGION}:{ACCOUNT}:function:{self(properties['FunctionName'])}"
        if (kind, attribute) == ("AWS::Serverless::StateMachine", "Name"):
            return self(properties["Name"]) if "Name" in properties else None
        if (kind, attribute) == ("AWS::Serverless::StateMachine", "Arn"):
            return self.ref(name)
        if (kind, attribute) == ("AWS::SQS::Queue", "QueueName"):
            return self(properties["QueueName"])
        if (kind, attribute) == ("AWS::SQS::Queue", "Arn"):
            return f"arn:{PARTITION}:sqs:{REGION}:{ACCOUNT}:{self(properties['QueueName'])}"
        if (kind, attribute) == ("AWS::SNS::Topic", "TopicName"):
            return self(properties["TopicName"])
        if (kind, attribute) == ("AWS::DynamoDB::Table", "Arn"):
            return f"arn:{PARTITION}:dynamodb:{REGION}:{ACCOUNT}:table/{self(properties['TableName'])}"
        raise AssertionError(f"GetAtt {name}.{attribute}: no rule for {kind}")


def _target(value: Any) -> str:
    """The logical id a Ref / GetAtt names."""
    (fn, arg), = value.items()
    if fn == "Ref":
        return arg
    assert fn == "Fn::GetAtt", value
    return arg[0] if isinstance(arg, list) else arg.split(".", 1)[0]


def _states(states: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for state in states.values():
        yield state
        for branch in state.get("Branches", []):
            yield from _states(branch["States"])
        processor = state.get("ItemProcessor") or state.get("Iterator")
        if processor:
            yield from _states(processor["States"])


def _uses(definition: Path) -> set[str]:
    """What a definition does, as the services it calls (and how)."""
    document = json.loads(definition.read_text(encoding="utf-8"))
    uses = set()
    for state in _states(document["States"]):
        resource = state.get("Resource", "")
        if resource.startswith("arn:aws:states:::"):
            service = resource[len("arn:aws:states:::"):].removeprefix("aws-sdk:").split(":")[0]
            uses.add("states.sync" if resource.startswith("arn:aws:states:::states:startExecution.sync") else service)
        if state.get("Type") == "Map":
            processor = state.get("ItemProcessor") or {}
            if processor.get("ProcessorConfig", {}).get("Mode") == "DISTRIBUTED":
                uses.add("distributed-map")
            if "ItemReader" in state:
                uses.add("s3")
    return uses


def _policy_templates(machine: dict[str, Any]) -> dict[str, list[Any]]:
    """The machine's SAM policy templates by name, and its inline statements ('Statement')."""
    found: dict[str, list[Any]] = {}
    for policy in machine["Properties"].get("Policies", []):
        assert isinstance(policy, dict), f"policy {policy!r}: expected a policy template or a statement"
        for name, value in policy.items():
            found.setdefault(name, []).extend(value if name == "Statement" else [value])
    return found


def _granted(statements: list[dict[str, Any]], resolve: Resolver) -> set[tuple[str, str | None]]:
    """(action, resource) pairs of Allow statements, the resource resolved (None: a generated name)."""
    pairs = set()
    for statement in statements:
        assert statement["Effect"] == "Allow", statement
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        pairs |= {(action, resolve(resource)) for action in actions for resource in resources}
    return pairs


# ------------------------------------------------------------------------------------------ lint


def test_cfn_lint_finds_no_error(monkeypatch: pytest.MonkeyPatch) -> None:
    # cfn-lint's SAM transform sets AWS_DEFAULT_REGION for the whole process: put it back after the
    # test, or every server a later test of this worker starts defaults to that region (a flake)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    import cfnlint.api as cfnlint_api

    config = cfnlint_api.ManualArgs(regions=[REGION, "us-east-1"])
    matches = cfnlint_api.lint_file(TEMPLATE, config=config)
    errors = [m for m in matches if m.rule.id.startswith("E")]
    for match in matches:
        if not match.rule.id.startswith("E"):
            warnings.warn(f"cfn-lint {match.rule.id} line {match.linenumber}: {match.message}", UserWarning, stacklevel=1)
    assert not errors, "\n".join(f"{m.rule.id} line {m.linenumber}: {m.message}" for m in errors)


def test_it_is_a_sam_template(template: dict[str, Any]) -> None:
    assert template["Transform"] == "AWS::Serverless-2016-10-31"
    for logical_id, parameter in template.get("Parameters", {}).items():
        assert "Default" in parameter, f"parameter {logical_id} has no Default: `sam deploy --guided` would need an answer"


# ---------------------------------------------------------------------------------- state machines


def test_every_definition_is_a_state_machine_of_the_template(template: dict[str, Any]) -> None:
    assert len(DEFINITIONS) == 17  # billing, bulk-meter, erp-meter-import, bua + 13 BUA stages
    for definition in DEFINITIONS:
        _machine_for(template, definition)
    uris = sorted(str(_definition_path(m)) for m in _machines(template).values())
    assert uris == sorted(str(d.resolve()) for d in DEFINITIONS), "a state machine uses a file outside machines/"


@pytest.mark.parametrize("definition", DEFINITIONS, ids=lambda p: p.name.removesuffix(".asl.json"))
def test_every_placeholder_has_its_substitution(template: dict[str, Any], definition: Path) -> None:
    logical_id, machine = _machine_for(template, definition)
    given = machine["Properties"].get("DefinitionSubstitutions", {})
    assert set(given) == _placeholders(definition), f"{logical_id}: DefinitionSubstitutions vs the definition's placeholders"


@pytest.mark.parametrize("definition", DEFINITIONS, ids=lambda p: p.name.removesuffix(".asl.json"))
def test_each_substitution_resolves_to_todays_value(template: dict[str, Any], definition: Path) -> None:
    """Function ARNs, queue / table / topic / bucket names: exactly today's, with the defaults.
    Another state machine's ARN: the machine of that name's definition file (its physical name is
    CloudFormation's unless the template fixes it, and then it is today's)."""
    resolve = Resolver(template)
    today = _today()
    _, machine = _machine_for(template, definition)
    for key, value in machine["Properties"].get("DefinitionSubstitutions", {}).items():
        assert key in today, f"{key}: no value today in {[p.name for p in SUBSTITUTION_FILES]}"
        resolved = resolve(value)
        if key.endswith("StateMachineArn"):
            target = template["Resources"][_target(value)]
            assert target["Type"] == "AWS::Serverless::StateMachine", key
            name = today[key].rsplit(":", 1)[1]
            assert _definition_path(target).name == f"{name}.asl.json", f"{key} -> {_target(value)}"
            assert resolved in (None, today[key]), f"{key}: {resolved}"
        else:
            assert resolved == today[key], f"{key}: {resolved!r}, today {today[key]!r}"


def test_fixed_names_only_where_needed_and_then_the_file_stem(template: dict[str, Any]) -> None:
    for definition in DEFINITIONS:
        logical_id, machine = _machine_for(template, definition)
        stem = definition.name.removesuffix(".asl.json")
        name = machine["Properties"].get("Name")
        if "distributed-map" in _uses(definition):
            # its role starts the machine's own child executions: it has to be named
            assert name == stem, f"{logical_id}: a distributed Map needs the fixed Name {stem}"
        else:
            assert name is None, f"{logical_id}: needs no fixed Name"
        assert machine["Properties"].get("Type") == "STANDARD", logical_id


# -------------------------------------------------------------------------------------- functions


def _called_functions(template: dict[str, Any], definition: Path) -> dict[str, str]:
    """FunctionName -> logical id of each function the definition calls."""
    _, machine = _machine_for(template, definition)
    functions = _functions(template)
    resolve = Resolver(template)
    by_name = {resolve(f["Properties"]["FunctionName"]): k for k, f in functions.items()}
    called: dict[str, str] = {}
    for key, value in machine["Properties"].get("DefinitionSubstitutions", {}).items():
        if key.endswith("FunctionArn"):
            assert value.keys() == {"Fn::GetAtt"}, f"{key}: expected !GetAtt <function>.Arn"
            logical_id = _target(value)
            assert logical_id in functions, f"{key}: {logical_id} is not a function of the template"
            called[resolve(functions[logical_id]["Properties"]["FunctionName"])] = logical_id
    document = json.loads(definition.read_text(encoding="utf-8"))
    for state in _states(document["States"]):
        name = (state.get("Parameters") or {}).get("FunctionName")
        if isinstance(name, str) and not PLACEHOLDER.search(name):
            match = LAMBDA_ARN.match(name)
            function = match.group(1) if match else name
            assert function in by_name, f"{definition.name}: calls {name}, not a function of the template"
            called[function] = by_name[function]
    return called


def _import_handler(path: str) -> Any:
    module_name, _, attribute = path.rpartition(".")
    module = importlib.import_module(module_name)
    return module, getattr(module, attribute)


def test_every_called_function_is_deployed_with_an_importable_handler(template: dict[str, Any]) -> None:
    handlers = _handlers()
    called = {}
    for definition in DEFINITIONS:
        called.update(_called_functions(template, definition))
    assert called, "no function called"
    for name, logical_id in sorted(called.items()):
        module, fn = _import_handler(_function_property(template, logical_id, "Handler"))
        assert callable(fn), f"{logical_id}: Handler is not callable"
        assert fn is handlers[name], f"{logical_id}: Handler is not HANDLERS[{name!r}]"
        code = (TEMPLATE.parent / _function_property(template, logical_id, "CodeUri")).resolve()
        assert Path(module.__file__).resolve().is_relative_to(code), f"{logical_id}: {module.__name__} outside CodeUri"


def test_every_handlers_entry_is_a_function_of_the_template(template: dict[str, Any]) -> None:
    resolve = Resolver(template)
    deployed = {resolve(f["Properties"]["FunctionName"]): k for k, f in _functions(template).items()}
    handlers = _handlers()
    assert sorted(deployed) == sorted(handlers)
    for name, logical_id in deployed.items():
        _, fn = _import_handler(_function_property(template, logical_id, "Handler"))
        assert fn is handlers[name], f"{logical_id}: Handler is not HANDLERS[{name!r}]"
        assert str(_function_property(template, logical_id, "Runtime")).startswith("python3."), logical_id
    # the BUA restore stage imports the default snapshot's generator: it must ship too
    code = (TEMPLATE.parent / template["Globals"]["Function"]["CodeUri"]).resolve()
    assert Path(importlib.import_module("fixtures.bua.default").__file__).resolve().is_relative_to(code)


def test_only_the_notify_function_has_an_event_source_mapping(template: dict[str, Any]) -> None:
    """The stage machines consume their queues themselves (machines/bua/README.md, Queues): an
    event source mapping would take their messages, and the batch handlers read no SQS event. The
    trigger of seed 003 is the exception: BuaNotify reads the notify queue, which no machine reads."""
    mapped = {logical_id: function["Properties"]["Events"] for logical_id, function in _functions(template).items()
              if function["Properties"].get("Events")}
    assert list(mapped) == ["BuaNotifyFunction"]
    (event,) = mapped["BuaNotifyFunction"].values()
    assert event["Type"] == "SQS" and _target(event["Properties"]["Queue"]) == "BuaNotifyQueue"
    assert event["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    read_by_machines = set()
    for definition in DEFINITIONS:
        _, machine = _machine_for(template, definition)
        read_by_machines |= {_target(v) for v in machine["Properties"].get("DefinitionSubstitutions", {}).values()
                             if isinstance(v, dict) and next(iter(v)) in ("Ref", "Fn::GetAtt")}
    assert "BuaNotifyQueue" not in read_by_machines


# -------------------------------------------------------------------------------------- resources


def test_the_seeded_resources_are_the_templates_with_the_seeds_names(template: dict[str, Any]) -> None:
    seed = json.loads(SEED.read_text(encoding="utf-8"))
    resolve = Resolver(template)

    tables = {resolve(t["Properties"]["TableName"]): t["Properties"] for t in _resources(template, "AWS::DynamoDB::Table").values()}
    assert set(tables) == set(seed["dynamodb"])
    for name, spec in seed["dynamodb"].items():
        types = {a["AttributeName"]: a["AttributeType"] for a in tables[name]["AttributeDefinitions"]}
        keys = [k["AttributeName"] for k in tables[name]["KeySchema"]]
        assert keys == list(spec["key"]) and {k: types[k] for k in keys} == spec["key"], name

    queues = {resolve(q["Properties"]["QueueName"]): q["Properties"] for q in _resources(template, "AWS::SQS::Queue").values()}
    assert set(queues) == set(seed["sqs"])
    for name, spec in seed["sqs"].items():
        for attribute, value in spec.get("attributes", {}).items():
            declared = queues[name].get(attribute)
            if attribute == "RedrivePolicy":  # JSON text in the seed (local region), !GetAtt in the template
                declared = {**declared, "deadLetterTargetArn": resolve(declared["deadLetterTargetArn"]).rsplit(":", 1)[1]}
                value = json.loads(value)
                value["deadLetterTargetArn"] = value["deadLetterTargetArn"].rsplit(":", 1)[1]
            assert declared == value, f"{name}.{attribute}"

    topics = {resolve(t["Properties"]["TopicName"]): k for k, t in _resources(template, "AWS::SNS::Topic").items()}
    assert set(topics) == set(seed["sns"])
    subscriptions = [s["Properties"] for s in _resources(template, "AWS::SNS::Subscription").values()]
    for name, spec in seed["sns"].items():
        for wanted in spec.get("subscriptions", []):
            assert any(_target(s["TopicArn"]) == topics[name] and s["Protocol"] == wanted["protocol"]
                       and resolve(s["Endpoint"]) == f"arn:aws:sqs:{REGION}:{ACCOUNT}:{wanted['endpoint']}"
                       for s in subscriptions), f"{name} -> {wanted}"

    buckets = {resolve(b["Properties"]["BucketName"]) for b in _resources(template, "AWS::S3::Bucket").values()}
    assert buckets == set(seed["s3"])


# --------------------------------------------------------------------------------------- policies


def test_policies_grant_what_each_machine_does(template: dict[str, Any]) -> None:
    resolve = Resolver(template)
    events_rule = f"arn:{PARTITION}:events:{REGION}:{ACCOUNT}:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule"
    for definition in DEFINITIONS:
        logical_id, machine = _machine_for(template, definition)
        uses = _uses(definition)
        policies = _policy_templates(machine)
        invoked = {_target(p["FunctionName"]) for p in policies.get("LambdaInvokePolicy", [])}
        assert invoked == set(_called_functions(template, definition).values()), f"{logical_id}: LambdaInvokePolicy"
        granted = _granted(policies.get("Statement", []), resolve)
        actions = {action for action, _ in granted}
        own = resolve({"Ref": logical_id})  # None unless the machine has a fixed Name
        own_executions = own and own.replace(":stateMachine:", ":execution:")
        expected = {
            "dynamodb": "DynamoDBCrudPolicy" in policies,
            "sqs": {"SQSSendMessagePolicy", "SQSPollerPolicy"} <= set(policies) and "sqs:PurgeQueue" in actions,
            "sns": "SNSPublishMessagePolicy" in policies,
            "s3": bool({"S3ReadPolicy", "S3CrudPolicy"} & set(policies)),
            # a distributed Map's child executions are the machine's own
            "distributed-map": own is not None and {("states:StartExecution", own),
                                                    ("states:DescribeExecution", f"{own_executions}:*"),
                                                    ("states:StopExecution", f"{own_executions}:*")} <= granted,
            # aws-sdk:sfn:describeExecution asks about the machine's own executions (the BUA
            # controller about the one holding its run): CloudFormation names them LogicalId-random
            "sfn": ("states:DescribeExecution",
                    f"arn:{PARTITION}:states:{REGION}:{ACCOUNT}:execution:{logical_id}-*") in granted,
            "states.sync": {"states:StartExecution", "states:DescribeExecution", "states:StopExecution"} <= actions
            and {("events:PutTargets", events_rule), ("events:PutRule", events_rule),
                 ("events:DescribeRule", events_rule)} <= granted,
        }
        for service, granted in expected.items():
            assert granted == (service in uses), f"{logical_id}: {service} used={service in uses} granted={granted}"
        unknown = uses - set(expected) - {"lambda"}
        assert not unknown, f"{logical_id}: no policy check for {unknown}"


def test_the_controller_may_start_exactly_its_stages(template: dict[str, Any]) -> None:
    definition = MACHINES / "bua" / "bua.asl.json"
    logical_id, machine = _machine_for(template, definition)
    stages = {_target(v) for k, v in machine["Properties"]["DefinitionSubstitutions"].items() if k.endswith("StateMachineArn")}
    assert len(stages) == 13
    started, followed = set(), set()
    for statement in _policy_templates(machine)["Statement"]:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        if "states:StartExecution" in actions:
            started |= {_target(r) for r in resources}
        if {"states:DescribeExecution", "states:StopExecution"} <= set(actions):
            # !Sub arn:...:execution:${<Stage>.Name}:*
            followed |= {re.fullmatch(r".*:execution:\$\{(\w+)\.Name\}:\*", r["Fn::Sub"]).group(1) for r in resources}
    assert started == stages, logical_id
    assert followed == stages, logical_id
