"""Each run's execution has a name of its own, as on AWS (the BUA runs used to record the same
controller ARN every time); ``--seed N`` makes names and random values repeat."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from aslrun.cli import main

MACHINE = {"StartAt": "Who", "States": {"Who": {"Type": "Pass", "Parameters": {
    "name.$": "$$.Execution.Name", "uuid.$": "States.UUID()"}, "End": True}}}


def _run(path: Path, *options: str) -> dict[str, str]:
    result = CliRunner().invoke(main, ["execute", str(path), "--json", *options])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["output"]  # type: ignore[no-any-return]


def test_runs_have_names_of_their_own_unless_a_seed_is_given(tmp_path: Path) -> None:
    path = tmp_path / "who.asl.json"
    path.write_text(json.dumps(MACHINE))
    first, second = _run(path), _run(path)
    assert first["name"] != second["name"] and first["uuid"] != second["uuid"]
    assert _run(path, "--seed", "7") == _run(path, "--seed", "7")
    assert _run(path, "--name", "mine", "--seed", "1")["name"] == "mine"
