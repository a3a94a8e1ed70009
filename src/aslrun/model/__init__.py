"""The definition side of aslrun: load a state machine definition and check it statically.

    definition = load_definition(path_or_text_or_dict, substitutions={"Name": "value"})
    problems = validate_definition(definition)   # [] when valid

The model parses and validates; it never executes anything. ``StateMachine`` (and the state
models in :mod:`aslrun.model.states`) describe every field of the Amazon States Language in both
query languages, JSONPath and JSONata.
"""

from typing import TYPE_CHECKING, Any

__all__ = ["Problem", "StateMachine", "load_definition", "load_substitutions", "validate_definition"]

if TYPE_CHECKING:
    from aslrun.model.loader import load_definition
    from aslrun.model.problems import Problem
    from aslrun.model.states import StateMachine
    from aslrun.model.substitutions import load_substitutions
    from aslrun.model.validate import validate_definition

# Imported on first use: loading a definition must not pay for building the pydantic models
# (which only validation needs), so `aslrun execute` starts fast.
_HOMES = {
    "load_definition": "aslrun.model.loader",
    "Problem": "aslrun.model.problems",
    "StateMachine": "aslrun.model.states",
    "load_substitutions": "aslrun.model.substitutions",
    "validate_definition": "aslrun.model.validate",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'aslrun.model' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(_HOMES[name]), name)
    globals()[name] = value
    return value
