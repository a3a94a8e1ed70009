"""``aslrun bench``: the standard workloads, with figures (see :mod:`aslrun.bench`)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

__all__ = ["bench"]

_DEFAULT_WORKLOADS = Path("..") / "shared" / "bench" / "workloads"


@click.command()
@click.option("--workloads", "folder", type=click.Path(file_okay=False), metavar="DIR",
              help="Folder of workloads (default: $ASLRUN_BENCH_DIR or ../shared/bench/workloads).")
@click.option("--runs", type=click.IntRange(1, 100), default=5, show_default=True, help="Timed runs per workload.")
@click.option("--only", multiple=True, metavar="NAME", help="Run only these workloads (repeatable).")
@click.option("--json", "json_out", type=click.Path(dir_okay=False, writable=True), metavar="FILE",
              help="Also write the figures as JSON.")
def bench(folder: str | None, runs: int, only: tuple[str, ...], json_out: str | None) -> None:
    """Run the benchmark workloads: median time, states per second, peak memory, output checks."""
    from ..bench import run_benchmarks

    where = Path(folder or os.environ.get("ASLRUN_BENCH_DIR") or _DEFAULT_WORKLOADS)
    if not where.is_dir():
        click.echo(f"aslrun: no workloads folder at {where} (give --workloads DIR)", err=True)
        sys.exit(2)
    results = run_benchmarks(where, runs=runs, only=list(only) or None, echo=click.echo)
    if json_out:
        Path(json_out).write_text(json.dumps(results, indent=2) + "\n")
        click.echo(f"figures written to {json_out}")
    bad = [name for name, row in results["workloads"].items() if row["check"] != "ok"]
    if bad:
        click.echo(f"aslrun: wrong outputs in {', '.join(bad)}", err=True)
        sys.exit(1)
