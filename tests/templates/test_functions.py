"""Python functions run as Lambda runs them: code from a directory, a package, a .zip or inline; the handler's
Timeout; Lambda's errors; other runtimes sent to a Lambda endpoint."""

from __future__ import annotations

import gc
import json
import textwrap
import zipfile

import pytest

from aslrun.integrations.remote_lambda import RemoteLambda
from aslrun.templates import TemplateError, load_template

SAM_HEADER = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Flow:
    Type: AWS::Serverless::StateMachine
    Properties:
      Definition:
        StartAt: Call
        States:
          Call: {Type: Task, Resource: !GetAtt Fn.Arn, End: true}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
"""


def sam(properties: str, extra: str = "") -> str:
    """A SAM template: a machine calling function Fn with these properties, and ``extra`` resources."""
    return (SAM_HEADER + textwrap.indent(textwrap.dedent(properties).strip() + "\n", " " * 6)
            + textwrap.indent(textwrap.dedent(extra), "  "))


def test_a_package_handler_with_a_slash(write):
    path = write("template.yaml", sam("Runtime: python3.12\nCodeUri: src\nHandler: pkg/jobs.work.handler"),
                 {"src/pkg/__init__.py": "", "src/pkg/jobs/__init__.py": "",
                  "src/pkg/jobs/work.py": "from .helpers import double\n\ndef handler(event, context):\n"
                                          "    return double(event['n'])\n",
                  "src/pkg/jobs/helpers.py": "def double(n):\n    return 2 * n\n"})
    execution = load_template(path).execute(input={"n": 21})
    assert execution.status == "SUCCEEDED", execution.cause
    assert execution.output == 42


def test_code_in_a_zip_file(write, tmp_path):
    archive = tmp_path / "build.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("main.py", "def handler(event, context):\n    return {'zipped': event}\n")
    path = write("template.yaml", sam("Runtime: python3.12\nCodeUri: build.zip\nHandler: main.handler"))
    assert load_template(path).execute(input=1).output == {"zipped": 1}


def test_the_scratch_directory_is_made_only_for_code_that_needs_it_and_removed_with_the_app(write, tmp_path,
                                                                                             monkeypatch):
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(temporary))
    folder_code = write("template.yaml", sam("Runtime: python3.12\nCodeUri: src\nHandler: main.handler"),
                        {"src/main.py": "def handler(event, context):\n    return event\n"})
    assert load_template(folder_code).execute(input=1).output == 1
    assert list(temporary.iterdir()) == []  # (a server killed with it loaded leaves nothing behind)

    archive = tmp_path / "build.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("main.py", "def handler(event, context):\n    return {'zipped': event}\n")
    app = load_template(write("zipped.yaml", sam("Runtime: python3.12\nCodeUri: build.zip\nHandler: main.handler")))
    [scratch] = temporary.iterdir()
    assert scratch.name.startswith("aslrun-template-") and (scratch / "Fn-zip" / "main.py").is_file()
    del app
    gc.collect()
    assert not scratch.exists()


def test_inline_code_is_written_to_index_py(write):
    definition = {"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "${Fn.Arn}", "End": True}}}
    path = write("stack.json", json.dumps({"Resources": {
        "Fn": {"Type": "AWS::Lambda::Function", "Properties": {
            "Runtime": "python3.12", "Handler": "index.handler", "Role": "arn:aws:iam::123456789012:role/r",
            "Code": {"ZipFile": "def handler(event, context):\n    return {'inline': context.function_name}\n"}}},
        "Flow": {"Type": "AWS::StepFunctions::StateMachine", "Properties": {
            "RoleArn": "arn:aws:iam::123456789012:role/r",
            "DefinitionString": {"Fn::Sub": json.dumps(definition, separators=(",", ":"))}}}}}))
    app = load_template(path)
    assert app.execute(input={}).output == {"inline": app.functions["Fn"].name}


def test_a_function_past_its_timeout_fails_as_lambda_reports_it(write):
    path = write("template.yaml", sam("Runtime: python3.12\nCodeUri: src\nHandler: slow.handler\nTimeout: 1"),
                 {"src/slow.py": "import time\n\ndef handler(event, context):\n    time.sleep(3)\n"})
    execution = load_template(path).execute(input={})
    assert execution.status == "FAILED"
    assert execution.error == "Sandbox.Timedout"
    assert "Task timed out after 1.00 seconds" in execution.cause


def test_an_exception_is_a_task_failure_named_after_its_class(write):
    path = write("template.yaml", sam("Runtime: python3.12\nCodeUri: src\nHandler: bad.handler"),
                 {"src/bad.py": "def handler(event, context):\n    raise KeyError('meter')\n"})
    execution = load_template(path).execute(input={})
    assert execution.status == "FAILED" and execution.error == "KeyError"
    assert '"errorMessage": "\'meter\'"' in execution.cause and "bad.py" in execution.cause


def test_a_function_no_machine_calls_is_imported_when_first_called(write):
    path = write("template.yaml", sam("Runtime: python3.12\nCodeUri: src\nHandler: ok.handler",
                                      extra="""\
      Spare:
        Type: AWS::Serverless::Function
        Properties: {Runtime: python3.12, CodeUri: src, Handler: ok.missing}
    """), {"src/ok.py": "def handler(event, context):\n    return 1\n"})
    app = load_template(path)  # Spare's broken handler is no reason to refuse the template
    spare = app.bindings.lambda_handler(app.functions["Spare"].name)
    from aslrun.integrations.handler_call import LambdaContext, LambdaFunctionError

    context = LambdaContext(function_name="Spare", invoked_function_arn="", aws_request_id="r", deadline=None)
    with pytest.raises(LambdaFunctionError) as failed:
        spare({}, context)
    assert failed.value.error == "Runtime.HandlerNotFound"
    assert failed.value.document["errorMessage"] == "Handler 'missing' missing on module 'ok'"


def test_other_runtimes_go_to_the_lambda_endpoint_by_logical_id(write):
    path = write("template.yaml", sam("Runtime: nodejs20.x\nCodeUri: src\nHandler: index.handler"),
                 {"src/index.js": ""})
    app = load_template(path, lambda_endpoint="http://127.0.0.1:3001")
    function = app.functions["Fn"]
    assert isinstance(function.handler, RemoteLambda)
    assert app.bindings.lambda_handler(function.arn) is function.handler

    class Context:
        function_name = function.name
        invoked_function_arn = function.arn

    assert function.handler.invocation_url(Context()) == "http://127.0.0.1:3001/2015-03-31/functions/Fn/invocations"
    assert isinstance(app.bindings.lambda_fallback, RemoteLambda)  # functions of other stacks go there too


def test_other_runtimes_no_machine_calls_need_no_endpoint(write):
    path = write("template.yaml", sam("Runtime: python3.12\nCodeUri: src\nHandler: ok.handler", extra="""\
      Web:
        Type: AWS::Serverless::Function
        Properties: {Runtime: nodejs20.x, CodeUri: src, Handler: index.handler}
    """), {"src/ok.py": "def handler(event, context):\n    return 1\n"})
    app = load_template(path)
    assert app.functions["Web"].handler is None and app.functions["Web"].runtime == "nodejs20.x"
    assert app.execute(input={}).output == 1


def test_the_function_environment_and_lambda_variables(write):
    path = write("template.yaml", sam("""\
Runtime: python3.12
CodeUri: src
Handler: env.handler
MemorySize: 256
Environment:
  Variables:
    FLAG: true
    COUNT: 3
""", extra=""), {"src/env.py": "import os\n\ndef handler(event, context):\n    return {k: os.environ.get(k) for k in "
                         "('FLAG', 'COUNT', 'AWS_REGION', 'AWS_LAMBDA_FUNCTION_NAME', "
                         "'AWS_LAMBDA_FUNCTION_MEMORY_SIZE')} | {'memory': context.memory_limit_in_mb}\n"})
    app = load_template(path, region="ap-southeast-2")
    output = app.execute(input={}).output
    assert output == {"FLAG": "true", "COUNT": "3", "AWS_REGION": "ap-southeast-2",
                      "AWS_LAMBDA_FUNCTION_NAME": app.functions["Fn"].name, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
                      "memory": 256}


def test_a_syntax_error_in_a_called_function_is_refused_at_load(write):
    path = write("template.yaml", sam("Runtime: python3.12\nCodeUri: src\nHandler: broken.handler"),
                 {"src/broken.py": "def handler(event, context)\n    return 1\n"})
    with pytest.raises(TemplateError, match="Resources.Fn.Properties.Handler: .*Runtime.UserCodeSyntaxError"):
        load_template(path)


def test_a_dependency_from_a_virtual_environment_inside_the_code_directory_is_loaded_once(write, tmp_path, monkeypatch):
    # CI's virtual environment sits inside the project, the project template's CodeUri: a package
    # installed there (a compiled extension cannot be loaded twice in one process) is the interpreter's,
    # shared by every function, not re-imported per function
    site = tmp_path / ".venv" / "lib" / "site-packages"
    site.mkdir(parents=True)
    (site / "aslrun_test_shared_dep.py").write_text("LOADS = []\nLOADS.append(1)\n")
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.delitem(__import__("sys").modules, "aslrun_test_shared_dep", raising=False)
    code = ("import aslrun_test_shared_dep\n\n"
            "def handler(event, context):\n    return len(aslrun_test_shared_dep.LOADS)\n")
    path = write("template.yaml", sam("Runtime: python3.12\nCodeUri: .\nHandler: one.handler", extra="""\
      Other:
        Type: AWS::Serverless::Function
        Properties: {Runtime: python3.12, CodeUri: ., Handler: two.handler}
    """), {"one.py": code, "two.py": code})
    app = load_template(path)
    for logical_id in ("Fn", "Other"):
        app.functions[logical_id].handler.load()
    import sys

    assert sys.modules["aslrun_test_shared_dep"].LOADS == [1]
    assert app.execute(input={}).output == 1


def test_with_handler_processes_a_function_runs_in_a_worker_process_as_in_an_environment_of_its_own(write):
    """A template's function crosses to a worker process as what it is made of (its code folder, its
    handler, its settings): the worker imports it there once and keeps it (its module state is the
    worker's), with the function's environment set for each call."""
    import os
    import warnings

    code = ("import os\n\nCALLS = []\n\ndef handler(event, context):\n    CALLS.append(event)\n"
            "    return {'pid': os.getpid(), 'calls': len(CALLS), 'stage': os.environ['STAGE'],\n"
            "            'name': context.function_name}\n")
    path = write("template.yaml", sam("Runtime: python3.12\nCodeUri: src\nHandler: app.handler\n"
                                      "Environment: {Variables: {STAGE: test}}"), {"src/app.py": code})
    app = load_template(path)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no "cannot be sent": it runs in the worker
        first = app.execute(input={"n": 1}, handler_processes=1)
        second = app.execute(input={"n": 2}, handler_processes=1)
    assert first.status == second.status == "SUCCEEDED", (first.cause, second.cause)
    assert first.output["pid"] == second.output["pid"] != os.getpid()
    assert (first.output["calls"], second.output["calls"]) == (1, 2)  # imported once, kept in the worker
    assert first.output["stage"] == "test" and first.output["name"] == app.functions["Fn"].name


LAYERED = """\
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Layers: [!Ref Shared]
Resources:
  Flow:
    Type: AWS::Serverless::StateMachine
    Properties:
      Definition:
        StartAt: Price
        States:
          Price: {Type: Task, Resource: !GetAtt Price.Arn, Next: Audit}
          Audit: {Type: Task, Resource: !GetAtt Audit.Arn, End: true}
  Shared:
    Type: AWS::Serverless::LayerVersion
    Properties: {LayerName: shared, ContentUri: layers/shared}
  Built:
    Type: AWS::Serverless::LayerVersion
    Properties: {LayerName: built, ContentUri: layers/built}
    Metadata: {BuildMethod: python3.12}  # (its source: sam build would put it under python/)
  Price:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      CodeUri: price
      Handler: app.handler
      Layers:
        - !Ref Built
        - arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV3:7
  Audit:
    Type: AWS::Serverless::Function
    Properties: {Runtime: python3.12, CodeUri: audit, Handler: app.handler}
"""


def test_a_functions_layers_are_imported_as_on_lambda(write):
    """SAM layers (by !Ref, in Globals too): a layer's python/ modules are the function's own (each
    function its own copy), its site-packages a dependency loaded once; a layer built by sam's
    BuildMethod is its own python directory; a published layer's ARN is left to the interpreter."""
    path = write("template.yaml", LAYERED, {
        "layers/shared/python/common.py": "RATE = 2\nseen = []\n",
        "layers/shared/python/lib/python3.12/site-packages/tinydep/__init__.py": "def tag(v):\n    return f'<{v}>'\n",
        "layers/built/pricing.py": "def price(n):\n    import common\n    return n * common.RATE\n",
        "price/app.py": "import common, pricing, tinydep\n\ndef handler(event, context):\n"
                        "    common.seen.append('price')\n"
                        "    return {'n': pricing.price(event['n']), 'tag': tinydep.tag(event['n'])}\n",
        "price/pricing_note.py": "",
        "audit/common.py": "seen = ['the function\\'s own common wins over the layer\\'s']\n",
        "audit/app.py": "import common, tinydep\n\ndef handler(event, context):\n"
                        "    return {**event, 'seen_by_audit': list(common.seen), 'same_dep': tinydep.__name__}\n",
    })
    app = load_template(path)
    price = app.functions["Price"]
    assert price.handler.libraries and len(price.handler.code_dirs) == 3  # its code, then Built, then Shared
    execution = app.execute(input={"n": 21})
    assert execution.status == "SUCCEEDED", execution.cause
    # Audit's own common.py comes before the layer's (its code directory is first, as /var/task is on Lambda)
    assert execution.output == {"n": 42, "tag": "<21>", "seen_by_audit": ["the function's own common wins over the "
                                                                          "layer's"], "same_dep": "tinydep"}


def test_a_layer_that_is_not_there_is_refused_naming_it(write):
    path = write("template.yaml", LAYERED, {"price/app.py": "def handler(e, c):\n    return e\n",
                                             "audit/app.py": "def handler(e, c):\n    return e\n"})
    missing = r"Resources.Shared.Properties.ContentUri: no such directory: layers/shared"
    with pytest.raises(TemplateError, match=missing):
        load_template(path)
