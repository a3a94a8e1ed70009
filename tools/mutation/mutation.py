"""Mutation-test one core module with the tests that cover it (mutmut), and print its figures.

    python tools/mutation/mutation.py bill          # a module named in modules.toml
    python tools/mutation/mutation.py --list        # the names
    python tools/mutation/mutation.py choice --keep # keep the scratch copy to inspect survivors

Why a script rather than a bare ``mutmut run``: mutmut copies and mutates every file under its
source paths and runs the tests from that copy, and this project shares its working tree. So the
script copies the project (the files git knows, as they are now) into a scratch directory, writes
mutmut's settings there for the one module and its tests (``modules.toml``), runs
``mutmut run`` on one core, runs each survivor again against all the module's tests (see
:func:`recheck`), and prints killed / survived / timed out, the survivors by name with their diff,
and the share killed of the mutants not judged equivalent (``equivalent.md``).

Each mutant runs in a process forked from a server that has imported no project module
(``process_isolation = "forkserver"``, ``forkserver_warmup = "none"``): code run at import time and
``lru_cache``'d results belong to the mutant, so neither hides it as a false survivor.

Exit status: 0 when the share killed reaches ``--threshold`` (95 % by default), 1 when it does not,
2 on a usage error.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
MODULES = HERE / "modules.toml"
EQUIVALENT = HERE / "equivalent.md"
KILLED_STATES = ("killed", "timeout")  # a mutant that hangs is caught by the time limit
SKIPPED_STATES = ("no tests", "skipped", "not checked")  # after recheck(): reached by no test at all


def main(argv: list[str] | None = None) -> int:
    config = tomllib.loads(MODULES.read_text("utf-8"))
    modules = config["modules"]
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("module", nargs="?", help=f"one of: {', '.join(modules)}")
    parser.add_argument("--list", action="store_true", help="print the module names and exit")
    parser.add_argument("--keep", action="store_true", help="keep the scratch copy (its path is printed)")
    parser.add_argument("--threshold", type=float, default=95.0, help="share killed to pass, in percent")
    parser.add_argument("--jobs", type=int, default=1, help="mutants run at once (default 1: the machine is shared)")
    args = parser.parse_args(argv)
    if args.list:
        for name, module in modules.items():
            print(f"{name}: {', '.join(module['source'])}")
        return 0
    if args.module not in modules:
        parser.error(f"name a module: {', '.join(modules)} (got {args.module!r})")
    module = modules[args.module]
    scratch = Path(tempfile.mkdtemp(prefix=f"aslrun-mutation-{args.module}-"))
    try:
        copy_project(scratch)
        write_settings(scratch, config["settings"], module)
        run_mutmut(scratch, args.jobs)
        results = recheck(scratch, read_results(scratch), module["tests"])
        equivalent = equivalent_mutants(args.module)
        return report(args.module, scratch, results, equivalent, args.threshold)
    finally:
        if args.keep:
            print(f"scratch copy kept: {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


def copy_project(scratch: Path) -> None:
    """The files git tracks or would track (not ignored), as they are in the working tree now."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, check=True, capture_output=True,
    ).stdout.decode("utf-8").split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            target = scratch / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


def write_settings(scratch: Path, settings: dict, module: dict) -> None:
    """Append [tool.mutmut] for this module to the copy's pyproject.toml."""
    roots = sorted({source.split("/")[0] if not source.startswith("src/") else "src/aslrun"
                    for source in module["source"]})
    lines = ["", "[tool.mutmut]", f"source_paths = {json.dumps(roots)}",
             f"only_mutate = {json.dumps(module['source'])}",
             f"pytest_add_cli_args_test_selection = {json.dumps(module['tests'])}"]
    # the project's other code goes along unmutated: tests of the engine import handlers, and back
    others = [root for root in ("handlers", "src/aslrun") if root not in roots]
    settings = {**settings, "also_copy": [*settings.get("also_copy", []), *others]}
    lines += [f"{key} = {json.dumps(value)}" for key, value in settings.items()]
    with open(scratch / "pyproject.toml", "a", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")


def run_mutmut(scratch: Path, jobs: int) -> None:
    environment = {**os.environ, "HYPOTHESIS_PROFILE": "ci", "PYTHONDONTWRITEBYTECODE": "1",
                   "ASLRUN_TESTS_NO_BYTECODE": "1"}
    command = [sys.executable, "-m", "mutmut", "run", "--max-children", str(jobs)]
    completed = subprocess.run(command, cwd=scratch, env=environment)
    if completed.returncode != 0:
        raise SystemExit(f"mutmut run failed with exit status {completed.returncode} (see its output above)")


def read_results(scratch: Path) -> dict[str, str]:
    """Every mutant's name and mutmut's verdict on it."""
    completed = subprocess.run(
        [sys.executable, "-m", "mutmut", "results", "--all", "true"],
        cwd=scratch, check=True, capture_output=True, text=True,
    )
    results = {}
    for line in completed.stdout.splitlines():
        name, _, status = line.strip().rpartition(": ")
        if name:
            results[name] = status
    return results


def recheck(scratch: Path, results: dict[str, str], tests: list[str]) -> dict[str, str]:
    """Run each survivor again against ALL the module's tests, in a new process.

    mutmut runs a mutant only against the tests during which the mutated function was called. A
    function called at import time (a table of comparisons built when the module loads) is called
    during no test, so mutmut tries it against one test at most and reports a false survivor; this
    second run, a fresh ``python -m pytest`` with the mutant switched on, settles it."""
    checked = dict(results)
    environment = {**os.environ, "HYPOTHESIS_PROFILE": "ci", "PYTHONDONTWRITEBYTECODE": "1",
                   "ASLRUN_TESTS_NO_BYTECODE": "1"}
    for name, status in results.items():
        if status not in ("survived", "no tests"):
            continue
        command = [sys.executable, "-m", "pytest", "-x", "-q", "-n", "0", "-p", "no:cacheprovider", *tests]
        try:
            completed = subprocess.run(command, cwd=scratch / "mutants", capture_output=True, timeout=600,
                                       env={**environment, "MUTANT_UNDER_TEST": name})
        except subprocess.TimeoutExpired:
            checked[name] = "timeout"
            continue
        if completed.returncode in (1, 2):  # a test failed, or the mutant broke collection: killed
            checked[name] = "killed"
        elif completed.returncode == 0:
            checked[name] = "survived"
        else:  # pytest's internal or usage error: neither killed nor survived
            checked[name] = "suspicious"
    return checked


def equivalent_mutants(module: str) -> dict[str, str]:
    """Mutant names judged equivalent for ``module``, from the table in equivalent.md."""
    found = {}
    section = None
    for line in EQUIVALENT.read_text("utf-8").splitlines():
        heading = re.match(r"^## (\w+)", line)
        if heading:
            section = heading.group(1)
        row = re.match(r"^\| `([^`]+)` \| (.+) \|$", line)
        if row and section == module:
            found[row.group(1)] = row.group(2)
    return found


def report(module: str, scratch: Path, results: dict[str, str], equivalent: dict[str, str],
           threshold: float) -> int:
    counted = {name: status for name, status in results.items() if status not in SKIPPED_STATES}
    killed = [name for name, status in counted.items() if status in KILLED_STATES]
    judged = [name for name in counted if name in equivalent and name not in killed]
    survivors = [name for name in counted if name not in killed and name not in equivalent]
    stale = sorted(set(equivalent) - set(results))
    untested = sorted(name for name, status in results.items() if status in SKIPPED_STATES)
    for name in survivors:
        shown = subprocess.run([sys.executable, "-m", "mutmut", "show", name],
                               cwd=scratch, capture_output=True, text=True).stdout
        print(shown)
    relevant = len(counted) - len(judged)
    share = 100.0 * len(killed) / relevant if relevant else 100.0
    timeouts = sum(1 for status in counted.values() if status == "timeout")
    print(f"{module}: {len(results)} mutants; {len(killed)} killed ({timeouts} by the time limit), "
          f"{len(judged)} equivalent, {len(survivors)} surviving, {len(untested)} not run by any test")
    print(f"{module}: killed {len(killed)}/{relevant} non-equivalent mutants = {share:.1f}%")
    if untested:
        print(f"{module}: not reached by the module's tests: {', '.join(untested)}")
    if stale:
        print(f"{module}: equivalent.md names mutants that no longer exist: {', '.join(stale)}")
    return 0 if share >= threshold else 1


if __name__ == "__main__":
    sys.exit(main())
