"""How a command chooses the local AWS it runs on: one set of options, one construction.

``aslrun aws execute``, ``debug``, ``test-state`` and ``report`` all take::

    --aws-seed FILE          create what FILE names before the run (what exists is kept);
                             --seed-file is its earlier name, still accepted
    --aws-state DIR          the state directory: loaded before the run, every change kept as it is
                             made (default .aslrun/aws)
    --no-save                only read the state directory
    --wait-callbacks SECONDS when every branch waits for a task token, wait this long (real time)
                             for 'aslrun aws send-task-*' from another shell (not test-state)

``aws execute`` always runs on the local AWS in the state directory. The other commands do when one
of these options is given; without any, a Task that calls an AWS service gets a fresh, empty local
AWS in memory (as ``aslrun execute`` does). :class:`LocalAwsChoice` holds what the options said:
:meth:`LocalAwsChoice.active` starts that local AWS (seeded) around the run, and
:meth:`LocalAwsChoice.callbacks` gives what answers the task tokens a run waits for.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

__all__ = ["DEFAULT_STATE_DIR", "CallbackWaiter", "LocalAwsChoice", "answer_command", "local_aws_options",
           "run_answering_callbacks", "state_dir_option"]

DEFAULT_STATE_DIR = ".aslrun/aws"
_STATE_HELP = "The local AWS state directory (loaded before, every change kept as it is made)."


def state_dir_option(function: Any) -> Any:
    """``--aws-state DIR`` with its default, for the ``aslrun aws`` commands that only manage the state."""
    return click.option("--aws-state", "state_dir", default=DEFAULT_STATE_DIR, show_default=True,
                        type=click.Path(file_okay=False), help=_STATE_HELP)(function)


@dataclass(frozen=True)
class LocalAwsChoice:
    """The local AWS a command runs on, as its options chose it."""

    seed_file: str | None = None
    state_dir: str | None = None  # None: the default directory, when the local AWS is chosen
    no_save: bool = False
    wait_callbacks: float = 0.0
    always: bool = False  # aws execute: the state directory's local AWS even without an option

    @property
    def chosen(self) -> bool:
        """Whether the run is on the state directory's local AWS (else a fresh one in memory, on demand)."""
        return self.always or self.seed_file is not None or self.state_dir is not None or self.no_save \
            or self.wait_callbacks > 0

    @property
    def directory(self) -> Path:
        return Path(self.state_dir if self.state_dir is not None else DEFAULT_STATE_DIR)

    @contextmanager
    def active(self) -> Iterator[Any]:
        """The chosen local AWS, started (its state loaded, then seeded) for what runs inside; None
        when none was chosen. Any problem (a bad seed, a busy directory) is an AslrunError."""
        if not self.chosen:
            from ..localaws.emulator import fresh_on_demand

            with fresh_on_demand():
                yield None
            return
        from ..localaws import LocalAws, use_aws

        with LocalAws(state_dir=self.directory, reset=True, autosave=not self.no_save) as local:
            use_aws(local)  # every Task of the run reaches this one
            try:
                if self.seed_file:
                    from ..localaws.seed import load_seed_file

                    local.seed(load_seed_file(self.seed_file), base=Path(self.seed_file).resolve().parent)
                yield local
            finally:
                local.stop()  # the extra start of use_aws()

    def callbacks(self, *, say: Callable[[str], None] | None = None) -> CallbackWaiter | None:
        """What waits for task tokens sent from another shell (None: nothing can send them)."""
        if not self.chosen:
            return None
        return CallbackWaiter(self.directory, self.wait_callbacks, say=say)


def local_aws_options(*, always: bool = False, callbacks: bool = True) -> Callable[[Any], Any]:
    """The options of :mod:`this module <aslrun.cli.local_aws>`, handed to the command as one
    ``local_aws`` argument (a :class:`LocalAwsChoice`). ``always``: the command runs on the state
    directory's local AWS whatever is given (``aws execute``); ``callbacks``: it takes
    ``--wait-callbacks`` (a command that runs a whole execution)."""
    options = [
        click.option("--aws-seed", "aws_seed", metavar="FILE",
                     help="Create what this seed document names in the local AWS before the run (what exists is "
                          "kept)."),
        click.option("--seed-file", "old_seed_file", metavar="FILE", hidden=True),  # the earlier name of --aws-seed
        click.option("--aws-state", "aws_state", type=click.Path(file_okay=False), metavar="DIR",
                     default=DEFAULT_STATE_DIR if always else None, show_default=always,
                     help=_STATE_HELP + ("" if always else f" Default {DEFAULT_STATE_DIR} when a local AWS option "
                                                          "is given; without any, a fresh local AWS in memory.")),
        click.option("--no-save", "no_save", is_flag=True,
                     help="Only read the state directory: nothing the run changes is kept."),
    ]
    if callbacks:
        options.append(click.option(
            "--wait-callbacks", "wait_callbacks", type=float, default=0.0, show_default=True, metavar="SECONDS",
            help="When every branch waits for a task token, wait this long (real time) for "
                 "'aslrun aws send-task-*' before letting the tasks time out."))

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(command)
        def with_choice(*args: Any, aws_seed: str | None, old_seed_file: str | None, aws_state: str | None,
                        no_save: bool, wait_callbacks: float = 0.0, **kwargs: Any) -> Any:
            choice = LocalAwsChoice(aws_seed or old_seed_file, aws_state, no_save, wait_callbacks, always)
            return command(*args, local_aws=choice, **kwargs)

        for option in reversed(options):
            with_choice = option(with_choice)
        return with_choice

    return decorate


def answer_command(state: str, state_dir: Path) -> str:
    """The command that completes the task a state waits in."""
    return f"aslrun aws send-task-success --state {state} --output JSON --aws-state {state_dir}"


class CallbackWaiter:
    """Answers the task tokens a run waits for with what ``aslrun aws send-task-*`` posts to the
    state directory: called when every branch waits for one, it lists the waiting tasks (for
    ``aws callbacks`` / ``aws show``), waits up to ``seconds`` (real time) and applies what arrived.
    It returns True when something was applied (run on, and call it again when the run waits
    again), False when the time is up (let the tasks' timeouts run out: nobody answered). The time
    counts from the first call after a False, so a debugger's every stop gets the full time."""

    def __init__(self, state_dir: Path, seconds: float, *, say: Callable[[str], None] | None = None) -> None:
        self.state_dir = state_dir
        self.seconds = seconds
        self.say = say or (lambda line: None)
        self._deadline: float | None = None
        self._announced: set[str] = set()

    def __call__(self, execution: Any) -> bool:
        from ..integrations.callbacks import TaskTokenError, apply_callback_request, pending_tasks
        from ..localaws.callback_inbox import apply_inbox, write_pending

        if self._deadline is None:
            self._deadline = time.monotonic() + self.seconds
        while time.monotonic() < self._deadline:
            waiting = pending_tasks(execution)
            write_pending(self.state_dir, waiting)
            for task in waiting:
                if task.token not in self._announced:
                    self._announced.add(task.token)
                    self.say(f"aslrun: state '{task.state_name}' waits for its task token (up to {self.seconds:g} s "
                             f"more): from another shell, {answer_command(task.state_name, self.state_dir)}")
            applied = apply_inbox(self.state_dir, apply_callback_request, (TaskTokenError,))
            for line in applied:
                self.say(f"callback {line}")
            if applied:
                return True
            time.sleep(0.1)
        write_pending(self.state_dir, [])
        self._deadline = None
        if not self.seconds:
            states = sorted({task.state_name for task in pending_tasks(execution)})
            who = (f"state '{states[0]}' waits" if len(states) == 1
                   else f"states {', '.join(repr(s) for s in states)} wait")
            self.say(f"aslrun: {who} for a task token, which nothing sends in this run: the timeout runs out "
                     "now (--wait-callbacks SECONDS waits for 'aslrun aws send-task-success' from another shell)")
        return False


def run_answering_callbacks(execution: Any, waiter: CallbackWaiter | None) -> Any:
    """Run ``execution`` to its end, its task tokens answered by ``waiter`` while it waits (without
    one, or once it gives up, time skips to the tasks' timeouts, as on AWS with nobody answering)."""
    if waiter is None:
        return execution.run()
    execution.run(until_callbacks=True)
    while execution.waiting_for_callbacks and waiter(execution):
        execution.run(until_callbacks=True)
    if execution.waiting_for_callbacks:
        execution.run()
    return execution


def deploy_target(target: Any, local: Any) -> Any:
    """Put into the local AWS what a command's target declares: a template's tables, queues, topics
    and buckets (made when missing; its event sources attached: the returned runtime delivers what
    the run sets off and is detached after), or a target's seed document. Nothing without a local AWS."""
    if local is None:
        return None
    if target.template is not None:
        return target.template.deploy(local)
    if target.seed:
        local.seed(target.seed)
    return None
