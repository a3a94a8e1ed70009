"""Compiling and evaluating one JSONata expression with jsonata-python, the way AWS evaluates it.

    expression = compile_expression("$states.input.a + $x")   # JsonataSyntaxError if malformed
    value = expression.evaluate(lookup)   # lookup(name) -> value or NOT_FOUND: $states, variables
                                          # and per-execution functions; UNDEFINED when no value

A compiled expression is immutable and shared by every execution of the definition. Each
evaluation gets its own variable frame whose lookups fall through to ``lookup`` (so workflow
variables are read only when the expression names them) and then to JSONata's built-ins with
AWS's functions (:mod:`.jsonata_functions`).

Where jsonata-python departs from JavaScript JSONata, this module's evaluator subclass follows
JavaScript: ``&`` writes numbers as JavaScript does, ``%`` keeps the fraction (``5.5 % 2`` is
1.5), and dividing by zero gives Infinity (an error only once used) instead of a Python
ZeroDivisionError. jsonata-python reads its evaluator from a thread-local "current instance";
evaluation installs ours there and restores the previous one afterwards, so other users of the
library in the same process (the business handlers) are unaffected.

Runaway expressions are stopped: a recursive function that never ends fails with U1001 (stack)
or U1002 (too many evaluation steps) instead of hanging the execution. Steps are counted only
for expressions that define functions, the only ones that can loop.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from jsonata.jexception import JException
from jsonata.jsonata import Jsonata
from jsonata.parser import Parser
from jsonata.utils import Utils

from .jsonata_errors import describe
from .jsonata_functions import AWS_FRAME
from .jsonata_values import ConversionMemo, UnsupportedResult, deep_copy, from_jsonata, js_string

__all__ = ["MAX_STEPS", "NOT_FOUND", "Expression", "JsonataEvaluationError", "JsonataSyntaxError",
           "JsonataUnsupportedResult",
           "compile_expression"]

NOT_FOUND = Utils.NONE  # what a lookup returns for a name it does not know
MAX_STEPS = 5_000_000  # evaluation steps allowed to an expression that defines functions

Lookup = Callable[[str], Any]


class JsonataSyntaxError(ValueError):
    """The text is not a JSONata expression (reported when the definition is compiled)."""


class JsonataEvaluationError(Exception):
    """Evaluation failed; ``str()`` is ``"<code>: <message>"`` as AWS reports it."""


class JsonataUnsupportedResult(Exception):
    """The expression's value is not JSON (a function, a regular expression)."""


class _Runaway(Exception):
    pass


class _AwsJsonata(Jsonata):
    """jsonata-python's evaluator with JavaScript's arithmetic and string concatenation."""

    def evaluate_string_concat(self, lhs: Any, rhs: Any) -> str:
        left = "" if lhs is None else js_string(lhs)
        right = "" if rhs is None else js_string(rhs)
        return left + right

    def evaluate_numeric_expression(self, lhs: Any, rhs: Any, op: Any) -> Any:
        if op != "/" and op != "%":
            return super().evaluate_numeric_expression(lhs, rhs, op)
        if lhs is not None and not Utils.is_numeric(lhs):
            raise JException("T2001", -1, op, lhs)
        if rhs is not None and not Utils.is_numeric(rhs):
            raise JException("T2002", -1, op, rhs)
        if lhs is None or rhs is None:
            return None
        left, right = float(lhs), float(rhs)
        if op == "/":
            if right == 0:
                return math.nan if left == 0 else math.copysign(math.inf, left) * math.copysign(1.0, right)
            return Utils.convert_number(left / right)
        if right == 0:
            return math.nan
        return Utils.convert_number(math.fmod(left, right))


    def evaluate_transform_expression(self, expr: Any, input: Any, environment: Any) -> Any:
        return Jsonata.JFunction(_Transformer(self, expr, environment), "<(oa):o>")

    def validate_arguments(self, signature: Any, args: Any, context: Any) -> Any:
        try:
            return super().validate_arguments(signature, args, context)
        except JException as error:
            if error.error == "T0410":
                _renumber_bad_argument(error, signature, args)
            raise


class _Transformer(Jsonata.Transformer):
    """``source ~> |pattern|update,delete|``: jsonata-python copies the source through JSON text,
    which turns every null into "no value"; this copy keeps them."""

    def call(self, input: Any, args: Any) -> Any:
        source = args[0] if args else None
        if source is None:
            return None
        result = deep_copy(source)
        expr, jsonata, environment = self._expr, self._jsonata, self._environment
        matches = jsonata.eval(expr.pattern, result, environment)
        if matches is None:
            return result
        for match in matches if isinstance(matches, list) else [matches]:
            update = jsonata.eval(expr.update, match, environment)
            if update is not None:
                if not isinstance(update, dict):
                    raise JException("T2011", expr.update.position, update)
                match.update(update)
            if expr.delete is not None:
                deletions = jsonata.eval(expr.delete, match, environment)
                if deletions is not None:
                    names = deletions if isinstance(deletions, list) else [deletions]
                    if not Utils.is_array_of_strings(names):
                        raise JException("T2012", expr.delete.position, deletions)
                    if isinstance(match, dict):
                        for name in names:
                            match.pop(name, None)
        return result


def _renumber_bad_argument(error: JException, procedure: Any, args: Any) -> None:
    """T0410 names the first argument that does not fit, found as JavaScript does: the longest
    prefix of the signature that matches the start of the arguments' types (jsonata-python
    matches whole strings, so it always blames argument 1)."""
    signature: Any = getattr(procedure, "signature", None)
    params = getattr(signature, "_params", None)
    if signature is None or not params or not isinstance(args, list):
        return
    supplied = "".join(signature.get_symbol(arg) for arg in args)
    pattern = "^"
    good_to = 0
    for param in params:
        pattern += param.regex
        match = re.match(pattern, supplied)
        if match is None:
            break
        good_to = match.end()
    error.current = good_to + 1


class _EvaluationFrame(Jsonata.Frame):
    """The top frame of one evaluation: ``$`` is undefined, names fall through to ``lookup``."""

    def __init__(self, lookup: Lookup, counter: Callable[..., None] | None) -> None:
        self.bindings = {"$": None, "__evaluate_entry": counter, "__evaluate_exit": None}
        self.parent = AWS_FRAME
        self.is_parallel_call = False
        self._lookup = lookup

    def lookup(self, name: str) -> Any:
        value = self.bindings.get(name, NOT_FOUND)
        if value is not NOT_FOUND:
            return value
        value = self._lookup(name)
        if value is not NOT_FOUND:
            return value
        return AWS_FRAME.lookup(name)


class Expression:
    """A compiled JSONata expression (the text between ``{%`` and ``%}``)."""

    __slots__ = ("text", "_jsonata", "_ast", "_loops", "names")

    def __init__(self, text: str) -> None:
        self.text = text
        previous = getattr(Jsonata.CURRENT, "jsonata", None)
        try:
            self._jsonata = _AwsJsonata(text)
        except JException as error:
            raise JsonataSyntaxError(describe(error)) from None
        except Exception as error:  # the parser's own failures (IndexError on odd input, ...)
            raise JsonataSyntaxError(f"S0000: {error}") from None
        finally:
            Jsonata.CURRENT.jsonata = previous
        if self._jsonata.errors:
            raise JsonataSyntaxError(describe(self._jsonata.errors[0]))
        self._ast = self._jsonata.ast
        names: set[str] = set()
        self._loops = _scan(self._ast, names)
        #: the ``$names`` the expression reads (variables, $states, functions): for callers
        #: that want to know which workflow variables an expression depends on
        self.names = frozenset(names)

    def __repr__(self) -> str:
        return f"Expression({self.text!r})"

    def evaluate(self, lookup: Lookup, memo: ConversionMemo | None = None) -> Any:
        """The expression's JSON value, or UNDEFINED; JsonataEvaluationError on failure.
        ``memo``: the execution's translation memo (see :func:`.jsonata_values.from_jsonata`)."""
        counter = _step_counter() if self._loops else None
        frame = _EvaluationFrame(lookup, counter)
        current = Jsonata.CURRENT
        previous = getattr(current, "jsonata", None)
        current.jsonata = self._jsonata
        try:
            result = self._jsonata.eval(self._ast, None, frame)
        except JException as error:
            raise JsonataEvaluationError(describe(error)) from None
        except _Runaway:
            raise JsonataEvaluationError("U1002: Expression evaluation timeout: Check for infinite loop") from None
        except RecursionError as error:
            raise JsonataEvaluationError(describe(error)) from None
        except (ValueError, TypeError, ArithmeticError, AttributeError, KeyError, IndexError, RuntimeError,
                OSError) as error:  # jsonata-python's own failures (RuntimeError where JavaScript throws)
            raise JsonataEvaluationError(describe(error)) from None
        finally:
            current.jsonata = previous
        try:
            return from_jsonata(result, memo)
        except UnsupportedResult:
            raise JsonataUnsupportedResult() from None


def _step_counter() -> Callable[..., None]:
    steps = [0]

    def count(_expr: Any, _input: Any, _env: Any) -> None:
        steps[0] += 1
        if steps[0] > MAX_STEPS:
            raise _Runaway()

    return count


def _scan(node: Any, names: set[str]) -> bool:
    """Collect the ``$name`` references of an AST; True if it defines a function (may loop)."""
    loops = False
    stack = [node]
    seen: set[int] = set()
    while stack:
        item = stack.pop()
        if isinstance(item, Parser.Symbol):
            if id(item) in seen:
                continue
            seen.add(id(item))
            kind = getattr(item, "type", None)
            if kind == "lambda":
                loops = True
            if kind == "variable" and isinstance(item.value, str) and item.value:
                names.add(item.value)
            if kind == "function" and isinstance(getattr(item, "procedure", None), Parser.Symbol):
                procedure = item.procedure
                if procedure.type == "variable" and procedure.value == "eval":
                    loops = True  # $eval can build any expression at run time
            for value in vars(item).values():
                if isinstance(value, (Parser.Symbol, list, tuple)):
                    stack.append(value)
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return loops


@lru_cache(maxsize=4096)
def compile_expression(text: str) -> Expression:
    """A compiled expression, shared by every definition that uses the same text."""
    return Expression(text)
