"""The ``aslrun`` command line. Each command imports what it needs when it runs (fast start-up).

Exit codes: 0 the execution succeeded (or the check passed); 1 the execution failed, timed out or
was aborted; 2 the definition, input, bindings or options are wrong (nothing ran).
"""

from __future__ import annotations

import click

from .. import __version__

__all__ = ["main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="aslrun")
def main() -> None:
    """Run AWS Step Functions state machines locally, in-process and offline."""
    _say_warnings_plainly()


def _say_warnings_plainly() -> None:
    """aslrun's own warnings (an unbound resource, an ignored mock-config field) as one line on stderr,
    ``aslrun: warning: ...``, not Python's file-and-line form."""
    import warnings

    shown = warnings.showwarning

    def show(message: Warning | str, category: type[Warning], filename: str, lineno: int, file=None,  # type: ignore[no-untyped-def]
             line=None) -> None:
        if category.__module__.startswith("aslrun"):
            click.echo(f"aslrun: warning: {message}", err=True)
        else:
            shown(message, category, filename, lineno, file, line)

    warnings.showwarning = show


from .execute import execute  # noqa: E402  (commands register on the group)

main.add_command(execute)

from .bench import bench  # noqa: E402

main.add_command(bench)

from .validate import validate  # noqa: E402

main.add_command(validate)

from .debug import debug  # noqa: E402

main.add_command(debug)

from .test_state import test_state  # noqa: E402

main.add_command(test_state)

from .aws import aws  # noqa: E402
from . import aws_trigger  # noqa: E402,F401  (adds 'aslrun aws trigger')

main.add_command(aws)

from .graph import graph  # noqa: E402

main.add_command(graph)

from .report import report  # noqa: E402

main.add_command(report)

from .serve import serve  # noqa: E402

main.add_command(serve)

from .explore import explore  # noqa: E402

main.add_command(explore)
