"""Cheaper ways for moto to answer what it already answers, where its cost grows with the data or
is paid again and again for nothing.

moto's SQS queue counts its messages by asking each one whether it is visible and whether it is
delayed, and each message reads the clock (a timezone-aware datetime, made naive, turned into
milliseconds: about 6 us) for each question. Every SendMessage reads the queue's attributes (for
``ContentBasedDeduplication``), and with them the three ``ApproximateNumberOfMessages*`` counts:
sending the n-th message cost about 18 us x n, so a stage handing out 2,000 batches (the BUA
pipeline at a million accounts) spent about 40 s on sends alone, growing with the square of the
batches. Here each count reads the clock once and compares every message's ``visible_at`` and
``delayed_until`` with it, as moto's own ``visible`` and ``delayed`` do: the same counts, the same
receivable messages, at about 0.2 us a message.

:func:`apply` is called when a local AWS starts; it changes nothing when moto's queue no longer has
the properties it replaces (a later moto), and a message without the two fields falls back to
moto's own property. tests/localaws/test_moto_speedups.py checks every replacement against moto's
original on queues holding visible, received (in flight) and delayed messages.

moto's SNS signs each notification it delivers to a queue (the envelope's ``Signature``) with an
RSA key it generates for each subscription (2048 bits: 30-100 ms), so each BUA run, whose status
topic is subscribed anew by every fresh local AWS, spent about a tenth of its CPU on one key.
Nobody can check those signatures (their ``SigningCertURL`` is not a real certificate), so every
subscription of the process now signs with one key, generated on first use.

moto answers DynamoDB (and other JSON and query services) by walking the operation's output shape
and picking each member's value from the result with an attribute picker, which asks six alias
providers, member by member, which names the value might have (the member's name, its shape's name,
prefixes stripped, and each of those in snake_case). A DynamoDB item's every attribute value is a
structure of ten members, nine of them absent, so each attribute cost about 60 provider objects
and a GetItem of a 20-attribute item over 2 ms; the BUA pipeline's control table and the tests'
stage records paid it on every read. For a plain ``dict`` (what moto's DynamoDB results are) those
names depend only on the member, its shape and its parent shape, never on the dict's contents, so
they are worked out once per (member, shape, parent) and kept, and looked up in the same order as
before: the same value, without a picker context and six providers per member.

To route a request moto asks the backend of each service whose pattern matches the URL for its
``urls``: a property that formats the service's URL table again for every request (and for S3
reloads the module ``moto.s3.urls``, since its table may depend on the environment), before it
matches the URL against them. A table depends only on the backend's class and the two settings it
reads (``MOTO_S3_CUSTOM_ENDPOINTS``, ``MOTO_ENABLE_ISO_REGIONS``): it is made once for each and
kept, and moto routes as before. :func:`warm_url_tables` makes some ahead, from the backend
classes (no backend is made: :func:`aslrun.localaws.emulator.prepare`, before a test suite's fork
server forks).

moto reads a request's parameters (``parse_parameters``) through a werkzeug ``Request`` made from
it (a WSGI environment built header by header: about 50 us). For the JSON protocol (DynamoDB, SQS;
the services whose responses read their JSON themselves never ask) its parser reads only the body,
and the protocol depends only on the ``Content-Type`` header: such a request's body goes to the
same parser directly (moto 5.2.1; a later moto that reads a request otherwise is left as it is). A
mix of ten calls over six services, with the URL tables kept too: 0.81-0.87 -> 0.60-0.74 ms of CPU a
call (the least of five rounds, three times alternately).

Before each request moto lists its response class's methods with ``inspect.getmembers`` (about
0.3 ms) to see whether the action is one of them, and turns the action's name into snake_case with
a regular expression; SQS does the same for every attribute of a queue each time its attributes
are read (every SendMessage). Both answers depend only on the class or the name: they are kept.

To find the service a request is for, moto tries the URL against each service's pattern in turn
(178 of them in moto 5.2.1, in a Python loop: about 0.1 ms a request, SQS and S3 late in the list).
Each pattern begins ``https?://`` and a literal text (``sqs.``, ``s3``...); a pattern can only
match a URL whose text after ``://`` begins with its literal. For each scheme and host the patterns
that could match are picked out once, in moto's order (with every pattern whose literal is longer
than the host, or that has none, since then the path decides); moto's own loop then goes over only
those, for the request at hand (:class:`_PatternsNarrowedOnce`), and so finds the same first match.

Every response gets a request id of 52 letters and digits, which moto draws one character at a
time (``random.choice``: about 80 us a request). It is now made from one draw of 416 bits of the
same seeded generator: ids of the same form, still the same from run to run for a seeded local AWS.

An S3 object's bytes live in a spooled file (in memory up to 5 MiB, on disk past it), which moto
fills by writing the whole value into the memory part first and only then moving it to disk: a
third copy of a large object (a multipart upload's value is already a joined copy of its parts).
A value larger than the spooled file keeps in memory now goes to disk at once: the same bytes,
the same size: an upload of a 200 MB file through the local AWS 499-522 -> 291 MiB at its peak,
and 513 -> 329 MiB in the process answering a worker's upload (both with :mod:`aslrun.freed_memory`).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from typing import Any, cast

__all__ = ["apply", "warm_url_tables"]

_REPLACED = ("messages", "approximate_number_of_messages", "approximate_number_of_messages_delayed",
             "approximate_number_of_messages_not_visible")
ORIGINALS: dict[str, property] = {}
"""moto's own properties, as they were before :func:`apply` (empty until then)."""


_APPLIED: list[bool] = []
SIGNING_KEY: list[Any] = []
"""The one RSA key every SNS subscription of this process signs with (made on first use)."""


def apply() -> None:
    """Replace moto's per-message clock reads in SQS queue counts and its per-subscription SNS
    signing keys (once per process)."""
    if _APPLIED:
        return
    _APPLIED.append(True)
    _one_sns_signing_key()
    _sqs_counts_with_one_clock_read()
    _member_names_worked_out_once()
    _names_and_methods_kept()
    _url_tables_kept()
    _json_requests_read_without_werkzeug()
    _services_found_among_the_patterns_that_could_match()
    _request_ids_drawn_at_once()
    _large_values_written_to_disk_at_once()


def _one_sns_signing_key() -> None:
    try:
        from moto.sns import models
    except ImportError:
        return
    subscription: Any = models.Subscription  # (patched below: typed Any, as its methods are replaced)
    generate = getattr(subscription.__dict__.get("private_key"), "__wrapped__", None)  # (under lru_cache)
    if generate is None or not callable(generate):
        return

    def private_key(self: Any) -> Any:
        if not SIGNING_KEY:
            SIGNING_KEY.append(generate(self))
        return SIGNING_KEY[0]

    subscription.private_key = private_key


def _sqs_counts_with_one_clock_read() -> None:
    try:
        from moto.sqs import models
    except ImportError:  # (an older moto without SQS models where we expect them: nothing to do)
        return
    queue: Any = models.Queue  # (its counts are replaced below)
    found = {name: queue.__dict__.get(name) for name in _REPLACED}
    clock = getattr(models, "unix_time_millis", None)
    if clock is None or not all(isinstance(prop, property) for prop in found.values()):
        return
    ORIGINALS.update(found)  # type: ignore[arg-type]

    def receivable(self: Any) -> list[Any]:
        now = models.unix_time_millis()
        try:
            return [m for m in self._messages if now > m.visible_at and not now < m.delayed_until]
        except AttributeError:
            return ORIGINALS["messages"].fget(self)  # type: ignore[misc, no-any-return]

    def visible_count(self: Any) -> int:
        return len(self.messages)

    def delayed_count(self: Any) -> int:
        now = models.unix_time_millis()
        try:
            return sum(1 for m in self._messages if now < m.delayed_until)
        except AttributeError:
            return ORIGINALS["approximate_number_of_messages_delayed"].fget(self)  # type: ignore[misc, no-any-return]

    def not_visible_count(self: Any) -> int:
        now = models.unix_time_millis()
        try:
            return sum(1 for m in self._messages if not now > m.visible_at)
        except AttributeError:
            original = ORIGINALS["approximate_number_of_messages_not_visible"]
            return original.fget(self)  # type: ignore[misc, no-any-return]

    queue.messages = property(receivable, doc=found["messages"].__doc__)
    queue.approximate_number_of_messages = property(visible_count)
    queue.approximate_number_of_messages_delayed = property(delayed_count)
    queue.approximate_number_of_messages_not_visible = property(not_visible_count)


GET_VALUE_ORIGINAL: list[Any] = []
"""moto's own ``ResponseSerializer.get_value``, as it was before :func:`apply` (empty until then)."""


def _member_names_worked_out_once() -> None:
    try:
        from moto.core import serialize
        from moto.core.utils import get_value as moto_get_value
    except ImportError:
        return
    serializer: Any = getattr(serialize, "ResponseSerializer", None)
    kinds = tuple(getattr(serialize, name, None) for name in ("AttributePicker", "XFormedAttributePicker"))
    defaults = getattr(serialize, "DEFAULT_ALIAS_PROVIDERS", None)
    context_class = getattr(serialize, "AttributePickerContext", None)
    missing = getattr(serialize, "MISSING", None)
    original = serializer.__dict__.get("get_value") if serializer is not None else None
    if original is None or None in kinds or defaults is None or context_class is None or missing is None:
        return  # (a moto whose serializer is not the one this was written for: left as it is)
    GET_VALUE_ORIGINAL.append(original)
    names: dict[tuple[Any, ...], tuple[Any, Any, tuple[str, ...], bool]] = {}

    def get_value(self: Any, value: Any, key: str, shape: Any) -> Any:
        picker: Any = getattr(self, "_value_picker", None)
        if (type(value) is not dict or type(picker) not in kinds or picker.alias_providers is not defaults
                or picker.response_transformers):
            return original(self, value, key, shape)
        parent = getattr(shape, "parent", None)
        cache_key = (type(picker), key, id(shape), id(parent))
        found = names.get(cache_key)
        if found is None or found[0] is not shape or found[1] is not parent:
            context = context_class(obj=value, key=key, shape=shape, operation_model=self.operation_model,
                                    service_model=self.operation_model.service_model, key_path=".".join(self.path))
            possible = tuple(picker.get_possible_keys(context))
            found = names[cache_key] = (shape, parent, possible, any("." in name for name in possible))
        if found[3]:  # (a dotted name is a path into the value: moto's own lookup)
            for name in found[2]:
                picked = moto_get_value(value, name, missing)
                if picked is not missing:
                    return picked
            return None
        for name in found[2]:
            if name in value:
                return value[name]
        return None

    serializer.get_value = get_value


NAMES_ORIGINAL: dict[str, Any] = {}
"""moto's own ``method_names_from_class`` and ``camelcase_to_underscores`` (empty until :func:`apply`)."""


def _names_and_methods_kept() -> None:
    import functools

    try:
        from moto.core import responses, utils
        from moto.sqs import models as sqs_models
    except ImportError:
        return
    methods: Any = getattr(utils, "method_names_from_class", None)
    snake: Any = getattr(utils, "camelcase_to_underscores", None)
    if methods is None or snake is None or getattr(responses, "method_names_from_class", None) is not methods:
        return
    NAMES_ORIGINAL.update(method_names_from_class=methods, camelcase_to_underscores=snake)
    listed = cast("Callable[[Any], list[str]]", methods)
    kept: dict[type, list[str]] = {}

    def method_names_from_class(clazz: Any) -> list[str]:
        names = kept.get(clazz)
        if names is None:
            names = kept[clazz] = listed(clazz)
        return names

    snake_case = functools.lru_cache(maxsize=8192)(snake)
    responses.method_names_from_class = method_names_from_class
    for module in (responses, sqs_models):
        if getattr(module, "camelcase_to_underscores", None) is snake:
            setattr(module, "camelcase_to_underscores", snake_case)


URLS_ORIGINAL: list[property] = []
"""moto's own ``BaseBackend.urls`` property (empty until :func:`apply` replaced it)."""

URL_TABLES: dict[tuple[Any, ...], Any] = {}
"""(backend class, the settings its table reads) -> its URL table, as moto's ``urls`` made it."""


def _url_tables_kept() -> None:
    import os

    try:
        from moto.core.base_backend import BaseBackend
    except ImportError:
        return
    original = BaseBackend.__dict__.get("urls")
    if not isinstance(original, property) or original.fget is None:
        return  # (a moto whose backends are not the ones this was written for: left as it is)
    URLS_ORIGINAL.append(original)
    made = original.fget

    def urls(self: Any) -> Any:
        key = (type(self), os.environ.get("MOTO_S3_CUSTOM_ENDPOINTS"), os.environ.get("MOTO_ENABLE_ISO_REGIONS"))
        table = URL_TABLES.get(key)
        if table is None:
            table = URL_TABLES[key] = made(self)
        return table

    BaseBackend.urls = property(urls, doc=original.__doc__)  # type: ignore[assignment, method-assign]


def warm_url_tables(services: Iterable[str]) -> None:
    """Make now the URL tables of these services' backends (from their classes: no moto backend
    and no state is made): for a process that forks others, which then route their first
    requests warm."""
    if not URLS_ORIGINAL:
        return
    import moto.backends as backends
    from moto.core.base_backend import BackendDict

    for service in services:
        try:
            backend_dict: Any = backends.get_backend(service)  # type: ignore[call-overload]
        except (ImportError, KeyError, AttributeError):
            continue
        if isinstance(backend_dict, BackendDict):
            object.__new__(backend_dict.backend).urls  # noqa: B018 (the table is made and kept)


PARSE_ORIGINAL: list[Any] = []
"""moto's own ``BaseResponse.parse_parameters`` (empty until :func:`apply` replaced it)."""


def _json_requests_read_without_werkzeug() -> None:
    try:
        from botocore.awsrequest import AWSPreparedRequest  # type: ignore[import-untyped]
        from moto.core import responses
        from moto.core.parse import JSONParser
        from moto.utilities.constants import JSON_TYPES
    except ImportError:
        return
    base: Any = getattr(responses, "BaseResponse", None)
    original = base.__dict__.get("parse_parameters") if base is not None else None
    parsers = getattr(responses, "PROTOCOL_PARSERS", None)
    protocol_of = getattr(responses, "determine_request_protocol", None)
    service_model_of = getattr(responses, "get_service_model", None)
    if (original is None or protocol_of is None or service_model_of is None or not isinstance(parsers, dict)
            or parsers.get("json") is not JSONParser or "normalize_request" not in original.__code__.co_names):
        return  # (a moto whose responses read requests otherwise than this was written for: left as it is)
    PARSE_ORIGINAL.append(original)
    json_types = frozenset(JSON_TYPES)

    def parse_parameters(self: Any, request: Any) -> None:
        if type(request) is AWSPreparedRequest:
            headers = request.headers
            content_type = headers.get("Content-Type")
            body = request.body
            if (content_type in json_types and headers.get("Content-Encoding") != "gzip"
                    and (body is None or type(body) is bytes or type(body) is str)):
                service_model = service_model_of(self.boto3_service_name)
                if protocol_of(service_model, content_type) == "json":  # (it also refuses a protocol the service lacks)
                    operation_model = service_model.operation_model(self._get_action())
                    data = body.encode("utf-8") if type(body) is str else body or b""
                    parser = JSONParser(operation_model, map_type=self.PROTOCOL_PARSER_MAP_TYPE)
                    self.params = parser.parse({"method": request.method, "values": {},  # type: ignore[typeddict-item]
                                                "headers": headers, "body": data, "url_path": "", "url_params": {}})
                    return
        original(self, request)

    parse_parameters.__doc__ = original.__doc__
    base.parse_parameters = parse_parameters


# -- routing: only the patterns that could match the request's URL ----------------------------------------

_LITERAL_ENDS = frozenset(".^$*+?{}[]|()\\")
_QUANTIFIERS = frozenset("?*{")


def url_pattern_literal(pattern: str) -> tuple[str, str] | None:
    """``(schemes, literal)`` of a moto URL pattern: ``schemes`` is ``"https?"``, ``"http"`` or
    ``"https"``, ``literal`` the text every URL it matches has right after ``://`` (possibly
    empty); None when the pattern does not begin with one of those schemes and ``://``."""
    for schemes in ("https?", "https", "http"):
        if pattern.startswith(schemes + "://"):
            break
    else:
        return None
    literal: list[str] = []
    rest = pattern[len(schemes) + 3:]
    index = 0
    while index < len(rest):
        char = rest[index]
        if char == "\\" and index + 1 < len(rest) and not rest[index + 1].isalnum():
            literal.append(rest[index + 1])  # (an escaped punctuation mark stands for itself)
            index += 2
        elif char in _LITERAL_ENDS:
            break
        else:
            literal.append(char)
            index += 1
        if index < len(rest) and rest[index] in _QUANTIFIERS:  # (the last character may be absent)
            literal.pop()
            break
    return schemes, "".join(literal)


class _PatternsNarrowedOnce(list):  # type: ignore[type-arg]
    """moto's list of ``(service, pattern)``, whole to everyone, except to the first loop over it in a
    thread after :meth:`narrow_next_loop`: that loop (moto's routing of the request at hand) gets
    the patterns that could match the request's URL, in the same order."""

    def __init__(self, patterns: list[tuple[str, Any]]) -> None:
        super().__init__(patterns)
        self._next = threading.local()
        self._kinds: list[tuple[str, str] | None] = []
        for _, pattern in patterns:
            kind = None if pattern.flags & re.IGNORECASE else url_pattern_literal(pattern.pattern)
            self._kinds.append(kind)
        self._narrowed: dict[tuple[str, str], list[tuple[str, Any]]] = {}

    def narrow_next_loop(self, scheme: str, host: str) -> None:
        key = (scheme, host)
        narrowed = self._narrowed.get(key)
        if narrowed is None:
            narrowed = [entry for entry, kind in zip(list.__iter__(self), self._kinds)
                        if kind is None or ((kind[0] == "https?" or kind[0] == scheme)
                                            and (len(kind[1]) > len(host) or host.startswith(kind[1])))]
            if len(self._narrowed) >= 256:
                self._narrowed.clear()
            self._narrowed[key] = narrowed
        self._next.patterns = narrowed

    def forget_narrowing(self) -> None:
        self._next.patterns = None

    def __iter__(self) -> Any:
        narrowed = getattr(self._next, "patterns", None)
        if narrowed is None:
            return list.__iter__(self)
        self._next.patterns = None
        return iter(narrowed)


ROUTING_ORIGINAL: list[Any] = []
"""moto's own ``BotocoreStubber.process_request`` (empty until :func:`apply` replaced it)."""


def _services_found_among_the_patterns_that_could_match() -> None:
    try:
        import moto.backend_index as backend_index
        from moto.core import botocore_stubber
        from moto.core.utils import get_equivalent_url_in_aws_domain
    except ImportError:
        return
    stubber: Any = getattr(botocore_stubber, "BotocoreStubber", None)
    original = stubber.__dict__.get("process_request") if stubber is not None else None
    patterns = getattr(backend_index, "backend_url_patterns", None)
    if (original is None or type(patterns) is not list
            or "backend_url_patterns" not in original.__code__.co_names
            or "get_equivalent_url_in_aws_domain" not in original.__code__.co_names):
        return  # (a moto that routes requests otherwise than this was written for: left as it is)
    ROUTING_ORIGINAL.append(original)
    narrowing = _PatternsNarrowedOnce(patterns)
    backend_index.backend_url_patterns = narrowing

    def process_request(self: Any, request: Any) -> Any:
        if backend_index.backend_url_patterns is narrowing:
            parsed, _ = get_equivalent_url_in_aws_domain(request.url)
            narrowing.narrow_next_loop(parsed.scheme, parsed.netloc)
        try:
            return original(self, request)
        finally:
            narrowing.forget_narrowing()

    process_request.__doc__ = original.__doc__
    stubber.process_request = process_request


# -- request ids ----------------------------------------------------------------------------------------

_ID_CHARACTERS = (b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789" * 5)[:256]
"""Byte -> one of moto's 62 id characters (by the byte's value modulo 62)."""

REQUEST_ID_ORIGINAL: list[Any] = []
"""moto's own ``gen_amzn_requestid_long`` as ``moto.core.responses`` had it (empty until :func:`apply`)."""


def _request_ids_drawn_at_once() -> None:
    try:
        from moto.core import responses
        from moto.moto_api._internal import mock_random
    except ImportError:
        return
    original = getattr(responses, "gen_amzn_requestid_long", None)
    if original is None or getattr(original, "__module__", "") != "moto.utilities.aws_headers":
        return
    REQUEST_ID_ORIGINAL.append(original)

    def gen_amzn_requestid_long(headerdict: dict[str, Any] | None = None) -> str:
        request_id = mock_random.getrandbits(416).to_bytes(52, "little").translate(_ID_CHARACTERS).decode("ascii")
        if isinstance(headerdict, dict):
            headerdict["x-amzn-requestid"] = request_id
        return request_id

    gen_amzn_requestid_long.__doc__ = original.__doc__
    responses.gen_amzn_requestid_long = gen_amzn_requestid_long


KEY_VALUE_ORIGINAL: list[property] = []
"""moto's own ``FakeKey.value`` property (empty until :func:`apply`)."""


def _large_values_written_to_disk_at_once() -> None:
    try:
        from moto.s3.models import FakeKey
    except ImportError:
        return
    value = FakeKey.__dict__.get("value")
    if not isinstance(value, property) or value.fset is None or KEY_VALUE_ORIGINAL:
        return
    KEY_VALUE_ORIGINAL.append(value)
    write = value.fset

    def set_value(self: Any, new_value: Any) -> None:
        spooled: Any = getattr(self, "_value_buffer", None)
        if (isinstance(new_value, (bytes, bytearray)) and hasattr(spooled, "rollover")
                and len(new_value) > getattr(self, "_max_buffer_size", len(new_value))):
            spooled.rollover()  # (what it holds now, 5 MiB at most, is dropped by the write)
        write(self, new_value)

    setattr(FakeKey, "value", value.setter(set_value))  # noqa: B010 (a property, which mypy reads as a method)
