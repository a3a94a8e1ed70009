"""The definition side of aslrun: load a state machine definition and check it statically.

    definition = load_definition(path_or_text_or_dict, substitutions={"Name": "value"})
    problems = validate_definition(definition)   # [] when valid

The model parses and validates; it never executes anything. ``StateMachine`` (and the state
models in :mod:`aslrun.model.states`) describe every field of the Amazon States Language in both
query languages, JSONPath and JSONata.
"""

from aslrun.model.loader import load_definition
from aslrun.model.problems import Problem
from aslrun.model.states import StateMachine
from aslrun.model.substitutions import load_substitutions
from aslrun.model.validate import validate_definition

__all__ = ["Problem", "StateMachine", "load_definition", "load_substitutions", "validate_definition"]
