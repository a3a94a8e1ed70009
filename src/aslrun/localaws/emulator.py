"""The local AWS: moto's in-process emulation of the AWS APIs, reached through boto3 clients.

A :class:`LocalAws` starts moto's mock (``moto.mock_aws``) when it is entered and stops it when it
is left; while it is active every boto3 client it hands out talks to moto's in-memory backends and
never to the network: each client carries a last ``before-send`` hook that refuses to send a request
moto did not answer (an API moto does not emulate), so nothing can leak to a real endpoint.

moto keeps its state per process (one set of tables, queues and buckets per account and region), so
there is one local AWS per process: :func:`current_aws` is the active one, and the Task integrations
start a fresh in-memory one on first use when none is active. Use ``with LocalAws(state_dir=...)``
(or ``aslrun ... --aws-state DIR``) to load a saved state before the run and keep every change the
run makes (journaled at once, see :mod:`aslrun.localaws.state_dir`).

Nothing here imports moto or boto3 until a local AWS is actually started: the engine stays light for
machines that call no AWS service.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import BindingError
from ..freed_memory import threads_share_freed_memory

__all__ = ["AWS_EXTRA_MISSING", "LOCAL_AWS_LOCK", "AwsUnavailable", "LocalAws", "NetworkBlocked", "aws_extra_installed",
           "current_aws", "fresh_on_demand", "prepare", "start_on_demand_with", "use_aws"]

AWS_EXTRA_MISSING = ("the AWS service emulation needs moto and boto3: pip install 'aslrun[aws]'")

_LOCK = threading.RLock()
LOCAL_AWS_LOCK = _LOCK  # held while a local AWS starts, stops or is chosen (current_aws)
_ACTIVE: list[LocalAws] = []  # entered local AWS instances, innermost last (moto's state is per process)


class AwsUnavailable(BindingError):
    """moto / boto3 are not installed (the ``aws`` extra)."""


class NetworkBlocked(RuntimeError):
    """A request reached the point where it would leave the process: the API is not emulated."""


def aws_extra_installed() -> bool:
    """Whether moto and boto3 can be imported (without importing them)."""
    from importlib.util import find_spec

    return find_spec("moto") is not None and find_spec("boto3") is not None


class LocalAws:
    """An in-process AWS account (moto) with boto3 clients bound to it.

    ``state_dir``: a directory holding a saved state (:mod:`aslrun.localaws.state_dir`), loaded when
    the local AWS starts. With ``autosave`` (the default) the local AWS locks the directory (a second
    writer is refused with :class:`~aslrun.localaws.state_dir.StateDirectoryBusy`), journals every
    change it acknowledges before the call returns, and saves a snapshot on a clean exit, so a crash
    loses nothing. Without, it only reads the directory (no lock) until :meth:`save` is called.
    """

    def __init__(self, *, region: str = "us-east-1", account: str = "123456789012",
                 state_dir: str | os.PathLike[str] | None = None, autosave: bool = True,
                 reset: bool | None = None, random_seed: int | None = 0) -> None:
        self.region = region
        self.account = account
        self.state_dir = Path(state_dir) if state_dir is not None else None
        self.autosave = autosave
        self.reset = reset  # empty moto's state on start (None: only when no other local AWS is active)
        self.random_seed = random_seed  # moto's ids (message ids, request ids) repeat run after run
        self._mock: Any = None
        self._clients: dict[tuple[str, str], Any] = {}
        self._depth = 0
        self._state: Any = None  # the open state directory (state_dir.StateDirectory)
        self.not_kept_told: set[str] = set()  # regions and services said not to be kept (raw_requests)

    # -- life cycle -----------------------------------------------------------------------------

    @property
    def active(self) -> bool:
        return self._mock is not None

    def start(self) -> LocalAws:
        """Start the emulation (idempotent) and load ``state_dir`` if it holds a saved state."""
        with _LOCK:
            self._depth += 1
            if self._mock is not None:
                return self
            if not aws_extra_installed():
                self._depth -= 1
                raise AwsUnavailable(AWS_EXTRA_MISSING)
            _adapt_moto()
            from moto import mock_aws

            first = not any(aws.active for aws in _ACTIVE)
            self._mock = mock_aws()
            self._mock.start(reset=first)  # a local AWS inside another one shares its state
            if self.reset and not first:
                self._mock.reset()
            if self.random_seed is not None:
                from moto.moto_api._internal import mock_random

                mock_random.seed(self.random_seed)
            _ACTIVE.append(self)
        if self.state_dir is not None:
            from .state_dir import StateDirectory

            try:
                self._state = StateDirectory.open(self, self.state_dir, writes=self.autosave)
            except BaseException:
                self._depth = 1
                self.stop(save=False)
                raise
        return self

    def stop(self, *, save: bool | None = None) -> None:
        """Stop the emulation (saving to ``state_dir`` first when asked, or by ``autosave``)."""
        with _LOCK:
            self._depth -= 1
            if self._depth > 0 or self._mock is None:
                return
            try:
                if self._state is not None and (self.autosave if save is None else save):
                    self.save()
            finally:
                state, self._state = self._state, None
                if state is not None:
                    state.close()  # the journal closed, the directory unlocked
                mock, self._mock = self._mock, None
                self._clients.clear()
                if self in _ACTIVE:
                    _ACTIVE.remove(self)
                mock.stop()

    def __enter__(self) -> LocalAws:
        return self.start()

    def __exit__(self, exc_type: Any, *_: Any) -> None:
        self.stop(save=None if exc_type is None else False)

    def save(self, state_dir: str | os.PathLike[str] | None = None) -> Path:
        """Write the whole local state (tables, queues, topics, buckets) to a directory: a snapshot."""
        from .state_dir import save_state

        target = Path(state_dir) if state_dir is not None else self.state_dir
        if target is None:
            raise ValueError("no state directory: give one to save() or to LocalAws(state_dir=...)")
        if self._state is not None and target.resolve() == self._state.directory.resolve():
            self._state.save()
        else:
            save_state(self, target)
        return target

    # -- clients --------------------------------------------------------------------------------

    def client(self, service: str, region: str | None = None) -> Any:
        """A boto3 client of ``service`` (boto3's name: ``dynamodb``, ``s3``, ``sqs``, ``sns``,
        ``events``, ``stepfunctions``...) bound to this local AWS."""
        if self._mock is None:
            self.start()
        key = (service, region or self.region)
        found = self._clients.get(key)
        if found is not None:
            return found
        with _LOCK:
            client = self._clients[key] = _process_client(*key)
        return client

    def answer_request(self, request: Any, *, service: str | None = None,
                       region: str | None = None) -> tuple[int, dict[str, str], Any] | None:
        """moto's answer to a raw AWS request (a botocore ``AWSPreparedRequest`` addressed to the
        service's AWS endpoint): status, headers and body, or None when moto has none. ``aslrun serve``
        passes on this way what clients send it for other services than Step Functions
        (:mod:`aslrun.service.aws_proxy`). Given the request's ``service`` (its SigV4 signing name)
        and ``region``, a change it makes is journaled as a client's call is, while this local AWS
        keeps a state directory (:mod:`.raw_requests` reads the operation and its parameters)."""
        if self._mock is None:
            self.start()
        from moto.core.models import botocore_stubber

        if service is None:
            return botocore_stubber.process_request(request)  # type: ignore[no-any-return]
        from .raw_requests import answer_journaled

        return answer_journaled(self, request, service, region, botocore_stubber.process_request)

    @property
    def journaling(self) -> bool:
        """Whether this local AWS writes its changes to a state directory as they are made."""
        return self._state is not None and self._state.journal is not None

    def seed(self, document: dict[str, Any], *, base: str | os.PathLike[str] | None = None) -> None:
        """Create tables, queues, topics and buckets (with their items, messages and objects) from a
        seed document (see :mod:`aslrun.localaws.seed`); ``base`` resolves ``file:`` bodies."""
        from .seed import apply_seed

        apply_seed(self, document, base=Path(base) if base is not None else None)

    def snapshot(self) -> dict[str, Any]:
        """The whole local state as a seed document (object bodies inline when text)."""
        from .seed import take_snapshot

        return take_snapshot(self)

    # -- inspection (see aslrun.localaws.inspect) -------------------------------------------------

    def table_items(self, table: str, *, typed: bool = False) -> list[dict[str, Any]]:
        """Every item of a DynamoDB table, as plain JSON (``typed``: DynamoDB's typed JSON)."""
        from .inspect import table_items

        return table_items(self, table, typed=typed)

    def queue_bodies(self, queue: str, *, parse_json: bool = False) -> list[Any]:
        """The bodies of every message in an SQS queue (not received: nothing changes)."""
        from .inspect import queue_bodies

        return queue_bodies(self, queue, parse_json=parse_json)

    def object_bytes(self, bucket: str, key: str) -> bytes:
        from .inspect import object_bytes

        return object_bytes(self, bucket, key)

    def object_text(self, bucket: str, key: str) -> str:
        return self.object_bytes(bucket, key).decode("utf-8")

    def object_json(self, bucket: str, key: str) -> Any:
        import json

        return json.loads(self.object_bytes(bucket, key))

    def put_object(self, bucket: str, key: str, body: bytes | str) -> None:
        """Write an object (the bucket is created when missing)."""
        self.seed({"s3": {bucket: {}}})
        self.client("s3").put_object(Bucket=bucket, Key=key, Body=body.encode() if isinstance(body, str) else body)

    def describe(self) -> dict[str, Any]:
        """Names and counts of everything in the local AWS."""
        from .inspect import describe

        return describe(self)

    def __repr__(self) -> str:
        where = f" state_dir={str(self.state_dir)!r}" if self.state_dir is not None else ""
        return f"<LocalAws {self.region} {'active' if self.active else 'stopped'}{where}>"


_SESSION: list[Any] = []  # [(the session, botocore's built-in handlers when it was made)], made on first use
_CLIENTS: dict[tuple[str, str], Any] = {}  # (service, region) -> a client of the session in _SESSION


def _adapt_moto() -> None:
    """What this package changes in moto, once per process (each step is idempotent)."""
    os.environ.setdefault("MOTO_ALLOW_NONEXISTENT_REGION", "true")
    threads_share_freed_memory()  # (the threads answering workers' S3 calls do not each keep what they freed)
    from .event_targets import apply as deliver_other_targets
    from .journal import hook_every_session
    from .moto_calls import apply as one_call_at_a_time
    from .moto_fixes import apply as answer_as_aws_does
    from .moto_speedups import apply as speed_up_moto

    speed_up_moto()
    one_call_at_a_time()
    deliver_other_targets()
    answer_as_aws_does()
    hook_every_session()  # (before the session is made: see its docstring)


def prepare(services: Iterable[str], region: str = "us-east-1") -> None:
    """Do now, without starting a local AWS, what the first one started in this process would do
    on its way: moto imported and adapted, and this process's clients of ``services`` made (about
    10 ms each: a model, endpoint rules, hooks) with moto's URL tables for them. For a process that
    forks others, each of which starts a local AWS (a test suite's fork server): each fork then
    starts warm instead of making them again. Holds no emulated state (no moto backend, no mock started)."""
    if not aws_extra_installed():
        raise AwsUnavailable(AWS_EXTRA_MISSING)
    from .moto_speedups import warm_url_tables

    services = tuple(services)
    with _LOCK:
        _adapt_moto()
        for service in services:
            _process_client(service, region)
        warm_url_tables(services)


def _process_session() -> Any:
    """The boto3 session every local AWS of this process makes its clients from (under ``_LOCK``).

    One session, not one per local AWS: a session loads botocore's endpoint rules and each
    service's model from JSON on its first client (about 0.2 s), and they are the same for every
    local AWS (the region is given per client; the credentials are fixed fakes; a client holds no
    emulated state: moto's backends are the process's anyway). A session takes botocore's built-in
    handlers when it is made, and hooks are added to them later (the journal's, the answered
    calls'): when they changed since, a new session is made."""
    from botocore import handlers  # type: ignore[import-untyped]

    built_in = tuple(handlers.BUILTIN_HANDLERS)
    if not _SESSION or _SESSION[0][1] != built_in:
        import boto3  # type: ignore[import-untyped]

        # explicit fake credentials: botocore never looks for real ones (no metadata service)
        session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                                        aws_session_token="testing")
        _SESSION[:] = [(session, built_in)]
        _CLIENTS.clear()
    return _SESSION[0][0]


def _process_client(service: str, region: str) -> Any:
    """The process's client of ``service`` in ``region`` (under ``_LOCK``), routed to moto only and
    journaled. Clients are kept for the process, like the session: a client holds no emulated state
    and no tie to one local AWS (its hooks find the active journal and moto's state when called),
    and making one costs about 7 ms (its model, endpoint rules and hooks), which every local AWS
    started again (each command of ``aslrun aws``, each test) paid for each service it used."""
    session = _process_session()
    found = _CLIENTS.get((service, region))
    if found is not None:
        return found
    from botocore.config import Config  # type: ignore[import-untyped]

    client = session.client(service, region_name=region,
                            config=Config(retries={"max_attempts": 1, "mode": "standard"}))
    _route_to_moto_only(client)
    _skip_what_moto_does_not_read(client, service)
    from .journal import install_hooks

    install_hooks(client.meta.events)  # what it changes is journaled while a state_dir is kept
    _CLIENTS[(service, region)] = client
    return client


#: services whose moto emulation reads the request's signature (S3: an unsigned request is an
#: anonymous one, which bucket policies and ACLs treat differently)
_SIGNATURE_READ = frozenset({"s3", "s3control", "sts", "iam"})


def _skip_what_moto_does_not_read(client: Any, service: str) -> None:
    """Leave out two per-request costs of a botocore client that moto never looks at (together about
    a third of a local call: 0.83 -> 0.53 ms for a small PutItem): the User-Agent string, built
    again for every request from a dozen components (here built once: it carries the same region and
    versions every time; moto reads a region from it only when the URL has none), and the SigV4
    signature (HMACs over a canonical request; moto reads the region from the URL, and with no
    Authorization header the account is its default, as it is for the fake keys these clients sign
    with). Services whose emulation reads the signature keep it."""
    creator = getattr(client, "_user_agent_creator", None)
    if creator is not None and hasattr(creator, "to_string"):
        user_agent = creator.to_string()
        creator.to_string = lambda: user_agent
    if service not in _SIGNATURE_READ:
        from botocore import UNSIGNED  # type: ignore[import-untyped]

        client.meta.events.register_first(f"choose-signer.{client.meta.service_model.service_id.hyphenize()}",
                                          lambda **_: UNSIGNED, unique_id="aslrun-local-unsigned")


def _route_to_moto_only(client: Any) -> None:
    """Send the client's requests to moto, and refuse any that moto does not answer.

    moto answers requests from a ``before-send`` hook every botocore client gets; when it has no
    answer botocore would go on to the network. This client's copy of that hook is replaced by one
    that asks moto and raises :class:`NetworkBlocked` instead of letting the request out.
    """
    from moto.core.models import botocore_stubber

    events = client.meta.events
    events.unregister("before-send", botocore_stubber)

    def send_to_moto(request: Any = None, event_name: str = "before-send", **kwargs: Any) -> Any:
        response = botocore_stubber(event_name, request, **kwargs)
        if response is None:
            url = getattr(request, "url", "?")
            raise NetworkBlocked(f"aslrun refused to send an AWS request the local emulation does not answer: {url}")
        return response

    events.register("before-send", send_to_moto)


def current_aws(*, start: bool = True) -> LocalAws | None:
    """The active local AWS; with ``start`` a fresh in-memory one is started when none is (inside
    :func:`fresh_on_demand`, a fresh one for that scope even when an earlier one is still active)."""
    with _LOCK:
        scope = _ON_DEMAND[-1] if _ON_DEMAND else None
        for aws in reversed(_ACTIVE):
            if aws.active and (scope is None or aws not in scope.earlier):
                return aws
        if not start:
            return None
        if scope is None and _ON_DEMAND_MAKER:
            return _ON_DEMAND_MAKER[-1]()
        aws = LocalAws(reset=scope is not None)
        aws.start()
        if scope is not None:
            scope.started.append(aws)
        return aws


_ON_DEMAND_MAKER: list[Callable[[], LocalAws]] = []


def start_on_demand_with(maker: Callable[[], LocalAws] | None) -> None:
    """How :func:`current_aws` starts the local AWS on first use from now on (None: a fresh one in
    memory, the default). ``aslrun serve`` starts its own, in its state directory and region: the
    first request or Task that needs AWS loads it, and a server that never does never imports moto.
    ``maker`` is called under the local AWS's lock and returns a started, active local AWS."""
    with _LOCK:
        _ON_DEMAND_MAKER[:] = [maker] if maker is not None else []


class _OnDemandScope:
    __slots__ = ("earlier", "started")

    def __init__(self, earlier: list[LocalAws]) -> None:
        self.earlier = earlier  # the local AWS instances active before the scope: not used in it
        self.started: list[LocalAws] = []


_ON_DEMAND: list[_OnDemandScope] = []


@contextmanager
def fresh_on_demand() -> Iterator[None]:
    """A scope (one CLI command) whose Tasks that reach AWS get a fresh, empty local AWS in memory,
    started on first use and stopped at the scope's end, rather than one an earlier run in the same
    process left active (moto's state is the process's: the fresh one empties it)."""
    with _LOCK:
        scope = _OnDemandScope(list(_ACTIVE))
        _ON_DEMAND.append(scope)
    try:
        yield
    finally:
        with _LOCK:
            _ON_DEMAND.remove(scope)
        for aws in scope.started:
            aws.stop()


def use_aws(aws: LocalAws) -> LocalAws:
    """Make ``aws`` the active local AWS (started if needed); returns it."""
    aws.start()
    with _LOCK:
        if aws in _ACTIVE:
            _ACTIVE.remove(aws)
        _ACTIVE.append(aws)
    return aws
