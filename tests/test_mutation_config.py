"""tools/mutation's configuration stays runnable: every module's files and tests exist, and the fork
server preloads no project module (each mutant must import those itself, fresh)."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOOLS = ROOT / "tools" / "mutation"
CONFIG = tomllib.loads((TOOLS / "modules.toml").read_text("utf-8"))


def test_every_module_names_files_and_tests_that_exist():  # a test entry may be a folder
    missing = [path for module in CONFIG["modules"].values() for path in module["source"] + module["tests"]
               if not (ROOT / path).exists()]
    assert missing == []
    assert sorted(CONFIG["modules"]) == ["accruals", "bill", "choice", "intrinsics", "jsonpath", "runner"]


def test_each_mutant_runs_in_a_process_that_imported_no_project_module():
    settings = CONFIG["settings"]
    assert (settings["process_isolation"], settings["forkserver_warmup"]) == ("forkserver", "import")
    assert settings["preload_modules_file"] == "tools/mutation/preload.txt"
    preloaded = [line.strip() for line in (TOOLS / "preload.txt").read_text("utf-8").splitlines()
                 if line.strip() and not line.startswith("#")]
    project = {"aslrun", "handlers", "fixtures", "tests", "benchmarks"}
    assert preloaded and [name for name in preloaded if name.split(".")[0] in project] == []
