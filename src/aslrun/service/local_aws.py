"""The server's local AWS: the DynamoDB, S3, SQS, SNS, EventBridge... that its Tasks reach and that
clients reach on its port (:mod:`.aws_proxy`), kept in ``--state-dir`` like everything else.

With ``--state-dir DIR`` the local AWS is a state directory of its own, ``DIR/aws``
(:mod:`aslrun.localaws.state_dir`): loaded when the server starts, every change it acknowledges
journaled and fsynced before the answer goes out (whether a Task, a function or a client through the
port made it), a snapshot written on a clean stop. So a table created through the endpoint, the
items a Task wrote and the objects a client put are there after a restart or a ``kill -9``, as the
state machines and executions are. Without ``--state-dir`` it lives in memory and goes with the
server.

It starts on first use (a server whose clients never call AWS never imports moto), unless there is
something to load or create at start: a saved state, ``--aws-seed``, a template's resources or event
sources. ``--aws-seed`` seeds a directory once, when it is new (its messages would otherwise be sent
again at every start; ``aslrun aws reset --aws-state DIR/aws`` starts afresh); a template's
resources, which hold no data, are created at every start when missing (a table added to the
template appears, what exists is kept).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..localaws import LocalAws
    from .provider import ServiceConfig

__all__ = ["AWS_STATE_DIR", "ServerAws"]

AWS_STATE_DIR = "aws"  # the local AWS's state directory inside --state-dir


class ServerAws:
    """The server's local AWS, started now or on first use (:meth:`open`), stopped with the server."""

    def __init__(self, config: ServiceConfig, state_dir: Path | None) -> None:
        self.config = config
        self.directory = state_dir / AWS_STATE_DIR if state_dir is not None else None
        self.aws: LocalAws | None = None
        self.loaded = False  # it held a saved state when it started
        self.seed_skipped = False  # --aws-seed was not applied: the directory was not new

    @property
    def template_seed(self) -> dict[str, Any] | None:
        return self.config.template.seed if self.config.template is not None else None

    def open(self) -> LocalAws | None:
        """Start it now when there is something to load or create, else on first use; the local
        AWS when started now."""
        from ..localaws.emulator import start_on_demand_with
        from ..localaws.state_dir import holds_state

        template = self.config.template
        needed_now = (self.config.aws_seed is not None or bool(self.template_seed)
                      or (template is not None and bool(template.event_sources))
                      or (self.directory is not None and holds_state(self.directory)))
        if needed_now:
            return self.start()
        start_on_demand_with(self.start)
        return None

    def start(self) -> LocalAws:
        """Start (once): the saved state loaded, the seeds applied. Called under the local AWS's lock
        when a Task or a request needs it first (the lock is that one: a start and a first use
        at once make one local AWS, and cannot wait on each other)."""
        from ..localaws.emulator import LOCAL_AWS_LOCK

        with LOCAL_AWS_LOCK:
            if self.aws is not None:
                return self.aws
            from ..localaws import LocalAws
            from ..localaws.emulator import start_on_demand_with, use_aws
            from ..localaws.seed import apply_seed
            from ..localaws.state_dir import holds_state

            self.loaded = self.directory is not None and holds_state(self.directory)
            aws = use_aws(LocalAws(region=self.config.region, account=self.config.account,
                                   state_dir=self.directory, reset=True))
            try:
                if self.config.aws_seed is not None:
                    if self.loaded:
                        self.seed_skipped = True
                    else:
                        path, document = self.config.aws_seed
                        apply_seed(aws, document, base=path.parent)
                if self.template_seed:
                    apply_seed(aws, self.template_seed)
            except BaseException:
                aws.stop(save=False)
                raise
            self.aws = aws
            # only now: after a failed start the next use fails the same way, never falling back
            # to a local AWS in memory that would keep nothing
            start_on_demand_with(None)
            return aws

    def stop(self) -> None:
        """Stop it if it started: a snapshot saved in its state directory (a clean stop)."""
        from ..localaws.emulator import LOCAL_AWS_LOCK, start_on_demand_with

        with LOCAL_AWS_LOCK:
            start_on_demand_with(None)
            aws, self.aws = self.aws, None
        if aws is not None:
            aws.stop()
