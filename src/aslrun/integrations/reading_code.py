"""Telling from a function's own code that it can only read its event, never change or keep it.

A handler gets a private copy of its event, as Lambda's is (:func:`.handler_call.call_here`), unless
it is marked as only reading it (:mod:`.shared_events`). Many handlers cannot change their event,
and their code shows it: the stubs and fixed answers of a test suite, or a function that picks a
few fields of its event into a new object::

    def validate(event, context):
        return {"isValid": True, "meterId": event.get("meterId")}

For such a function the copy is all the cost of a call (in the standard workloads a third of the
billing run, ``benchmarks/peer_bench.py``). :func:`reads_its_event_only` says a plain function is
one of them when its bytecode holds only instructions from a short list that no code can use to
change an object or hand it on: constants, its own locals, building new containers and strings,
subscripts, comparisons and operators that make new values (never an in-place ``+=``), jumps, and
``.get(...)`` called with constants only. No call of anything else, no global, closure or import,
no attribute set, item set or delete, no nested function, generator, loop or ``try``. Since the
engine's values are plain JSON (dicts, lists, strings, numbers, booleans, None), every one of those
instructions runs the built-in types' own code: the function can read its event, and nothing it does
reaches any code that could change it or keep it past the call (what it returns crosses through its
JSON text, a copy, as every result does). Any instruction outside the list, one that a later Python
adds included, means a private copy as before: the answer errs only towards copying.

Unlike a marked handler, such a function is not checked in a test session (``ASLRUN_CHECK_EVENTS``):
its code is the proof, and the check (a copy, and the event compared before and after) would cost
each call of a test suite's stubs a fourth more than the copy it replaces. The tests of this module
hold the list to that: every kind of code that could change, keep or pass on its event is refused.
"""

from __future__ import annotations

import dis
import types
from typing import Any

__all__ = ["reads_its_event_only"]

_ALLOWED = frozenset({
    "RESUME", "NOP", "PUSH_NULL", "POP_TOP", "COPY", "SWAP",
    "LOAD_CONST", "RETURN_VALUE", "RETURN_CONST",
    "LOAD_FAST", "LOAD_FAST_CHECK", "LOAD_FAST_AND_CLEAR", "LOAD_FAST_LOAD_FAST", "STORE_FAST",
    "STORE_FAST_LOAD_FAST", "STORE_FAST_STORE_FAST", "DELETE_FAST",
    "BUILD_MAP", "BUILD_CONST_KEY_MAP", "BUILD_LIST", "BUILD_TUPLE", "BUILD_STRING", "BUILD_SLICE",
    "LIST_EXTEND", "LIST_TO_TUPLE", "DICT_UPDATE", "DICT_MERGE", "FORMAT_VALUE", "FORMAT_SIMPLE",
    "FORMAT_WITH_SPEC", "CONVERT_VALUE",
    "BINARY_SUBSCR", "BINARY_SLICE", "BINARY_OP", "COMPARE_OP", "IS_OP", "CONTAINS_OP", "UNARY_NOT",
    "UNARY_NEGATIVE", "TO_BOOL",
    "JUMP_FORWARD", "JUMP_BACKWARD_NO_INTERRUPT", "POP_JUMP_FORWARD_IF_FALSE", "POP_JUMP_FORWARD_IF_TRUE",
    "POP_JUMP_FORWARD_IF_NONE", "POP_JUMP_FORWARD_IF_NOT_NONE", "POP_JUMP_IF_FALSE", "POP_JUMP_IF_TRUE",
    "POP_JUMP_IF_NONE", "POP_JUMP_IF_NOT_NONE", "JUMP_IF_FALSE_OR_POP", "JUMP_IF_TRUE_OR_POP",
    "LOAD_METHOD", "LOAD_ATTR", "CALL",
})
"""The instructions such a function may hold (the names of Python 3.11 to 3.13; ``dis`` gives them),
besides those that only carry another's argument or set up a call (:data:`_PASSED_OVER`)."""

_PASSED_OVER = ("CACHE", "EXTENDED_ARG", "PRECALL")  # (so that a call's arguments come right before it)

_NOT_PLAIN = 0x20 | 0x80 | 0x100 | 0x200  # generator, coroutine, iterable coroutine, async generator


def reads_its_event_only(handler: Any) -> bool:
    """Whether ``handler`` is a plain function whose code can only read its first argument (see the
    module docstring); False whenever that cannot be told. Asked at every handler call: the answer
    for a code object is kept, found by its identity (hashing a code object hashes its bytecode)."""
    if type(handler) is not types.FunctionType:
        return False
    code = handler.__code__
    known = _ANSWERS.get(id(code))
    if known is not None and known[0] is code:
        return known[1]
    answer = _code_reads_only(code)
    if len(_ANSWERS) >= _ANSWERS_KEPT:
        _ANSWERS.clear()
    _ANSWERS[id(code)] = (code, answer)  # (the code kept with it: its id cannot name another meanwhile)
    return answer


_ANSWERS: dict[int, tuple[types.CodeType, bool]] = {}
_ANSWERS_KEPT = 1024


def _code_reads_only(code: types.CodeType) -> bool:
    if code.co_argcount < 1 or code.co_flags & _NOT_PLAIN:
        return False
    instructions = [i for i in dis.get_instructions(code) if i.opname not in _PASSED_OVER]
    for index, instruction in enumerate(instructions):
        name = instruction.opname
        if name not in _ALLOWED:
            return False
        if name == "BINARY_OP" and str(instruction.argrepr).endswith("="):  # x += y changes a list in place
            return False
        if name in ("LOAD_METHOD", "LOAD_ATTR") and instruction.argval != "get":
            return False
        if name == "CALL" and not _calls_get_with_constants(instructions, index):
            return False
    return True


def _calls_get_with_constants(instructions: list[dis.Instruction], index: int) -> bool:
    """Whether the call at ``index`` is ``<value>.get(<constants>)``: its arguments all constants, the
    callable a ``get`` loaded just before them."""
    count = instructions[index].arg or 0
    if count not in (1, 2):
        return False
    arguments = instructions[index - count:index]
    before = instructions[index - count - 1] if index - count - 1 >= 0 else None
    return (all(a.opname == "LOAD_CONST" for a in arguments) and before is not None
            and before.opname in ("LOAD_METHOD", "LOAD_ATTR") and before.argval == "get")
