"""Pydantic models of every state type and of the state machine that holds them.

Each model lists every field its state type may carry in either query language (JSONPath or
JSONata) and forbids all others, so an unknown or misspelt field is reported by name. Types are
strict: ``"5"`` is not ``5`` and ``true`` is not ``1``. Rules that cut across fields (``Next``
or ``End``, one field of a mutually exclusive pair, which fields the state's query language
allows, path syntax, transitions) belong to :mod:`aslrun.model.validate`.

``StateMachine.model_validate(definition)`` parses a whole definition; ``State`` is the union of
the eight state models, told apart by ``Type``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from aslrun.model import map_config as mc
from aslrun.model.fields import (
    ArrayOrJsonata,
    AslModel,
    Json,
    JsonObject,
    NonNegativeIntOrJsonata,
    ObjectOrJsonata,
    OptionalPath,
    PercentageOrJsonata,
    TaskSecondsOrJsonata,
    Text,
    TimestampOrJsonata,
    WaitSecondsOrJsonata,
    min_int,
    one_of,
)
from aslrun.model.recovery import Catcher, Retrier
from aslrun.model.rules import ChoiceRule

__all__ = [
    "Branch",
    "ChoiceState",
    "Credentials",
    "FailState",
    "ItemProcessor",
    "MapState",
    "ParallelState",
    "PassState",
    "STATE_TYPES",
    "State",
    "StateMachine",
    "SucceedState",
    "TaskState",
    "WaitState",
]

QueryLanguageName = Annotated[str, one_of("JSONPath", "JSONata")]


class _StateBase(AslModel):
    """Fields every state has."""

    Comment: Text | None = None
    QueryLanguage: QueryLanguageName | None = None


class _Flow(AslModel):
    """Where a non-terminal state goes next: ``Next`` or ``End``."""

    Next: Text | None = None
    End: bool | None = None


class _Io(AslModel):
    """JSONPath input/output filters, JSONata output and variables."""

    InputPath: OptionalPath = None
    OutputPath: OptionalPath = None
    Output: Json = None
    Assign: JsonObject | None = None


class _Recovery(AslModel):
    Retry: list[Retrier] | None = None
    Catch: list[Catcher] | None = None


class PassState(_StateBase, _Flow, _Io):
    """Passes its input (or ``Result``) on, optionally reshaped."""

    Type: Literal["Pass"]
    Parameters: Json = None  # any JSON value, as AWS accepts (a Map's stays an object)
    Result: Json = None
    ResultPath: OptionalPath = None


class Credentials(AslModel):
    """The role a Task assumes: ``RoleArn`` (or ``RoleArn.$`` read from the input)."""

    RoleArn: Text | None = None
    RoleArnPath: Text | None = Field(default=None, alias="RoleArn.$")


_Credentials = Credentials  # a field named like its class would shadow it in the annotation


class TaskState(_StateBase, _Flow, _Io, _Recovery):
    """Calls a resource (Lambda function, service integration, activity)."""

    Type: Literal["Task"]
    Resource: Text
    Parameters: Json = None  # any JSON value, as AWS accepts (a Map's stays an object)
    Arguments: Json = None
    ResultSelector: JsonObject | None = None
    ResultPath: OptionalPath = None
    TimeoutSeconds: TaskSecondsOrJsonata | None = None
    TimeoutSecondsPath: Text | None = None
    HeartbeatSeconds: TaskSecondsOrJsonata | None = None
    HeartbeatSecondsPath: Text | None = None
    Credentials: _Credentials | None = None


class ChoiceState(_StateBase):
    """Branches on its input: the first matching rule's ``Next``, else ``Default``."""

    Type: Literal["Choice"]
    Choices: Annotated[list[ChoiceRule], Field(min_length=1)]
    Default: Text | None = None
    InputPath: OptionalPath = None
    OutputPath: OptionalPath = None
    Output: Json = None
    Assign: JsonObject | None = None


class WaitState(_StateBase, _Flow, _Io):
    """Waits a number of seconds or until a timestamp."""

    Type: Literal["Wait"]
    Seconds: WaitSecondsOrJsonata | None = None
    SecondsPath: Text | None = None
    Timestamp: TimestampOrJsonata | None = None
    TimestampPath: Text | None = None


class SucceedState(_StateBase):
    """Ends the execution (or branch, or iteration) successfully."""

    Type: Literal["Succeed"]
    InputPath: OptionalPath = None
    OutputPath: OptionalPath = None
    Output: Json = None


class FailState(_StateBase):
    """Ends the execution with an error name and cause."""

    Type: Literal["Fail"]
    Error: Text | None = None
    ErrorPath: Text | None = None
    Cause: Text | None = None
    CausePath: Text | None = None


class Branch(AslModel):
    """One branch of a Parallel state: a state machine of its own."""

    StartAt: Text
    States: Annotated[dict[str, State], Field(min_length=1)]
    Comment: Text | None = None


class ParallelState(_StateBase, _Flow, _Io, _Recovery):
    """Runs every branch on the same input; its result is the list of branch outputs."""

    Type: Literal["Parallel"]
    Branches: Annotated[list[Branch], Field(min_length=1)]
    Parameters: Json = None  # any JSON value, as AWS accepts (a Map's stays an object)
    Arguments: Json = None
    ResultSelector: JsonObject | None = None
    ResultPath: OptionalPath = None


class ItemProcessor(AslModel):
    """What a Map runs for each item (``ItemProcessor``, or the legacy ``Iterator``)."""

    StartAt: Text
    States: Annotated[dict[str, State], Field(min_length=1)]
    Comment: Text | None = None
    ProcessorConfig: mc.ProcessorConfig | None = None


_ItemProcessor = ItemProcessor


class MapState(_StateBase, _Flow, _Io, _Recovery):
    """Runs its item processor once per item of an array (inline or distributed)."""

    Type: Literal["Map"]
    ItemProcessor: _ItemProcessor | None = None
    Iterator: _ItemProcessor | None = None
    ItemsPath: Text | None = None
    Items: ArrayOrJsonata | None = None
    ItemSelector: ObjectOrJsonata | None = None
    Parameters: JsonObject | None = None
    ItemReader: mc.ItemReader | None = None
    ItemBatcher: mc.ItemBatcher | None = None
    ResultWriter: mc.ResultWriter | None = None
    MaxConcurrency: NonNegativeIntOrJsonata | None = None
    MaxConcurrencyPath: Text | None = None
    ToleratedFailureCount: NonNegativeIntOrJsonata | None = None
    ToleratedFailureCountPath: Text | None = None
    ToleratedFailurePercentage: PercentageOrJsonata | None = None
    ToleratedFailurePercentagePath: Text | None = None
    Label: Text | None = None
    ResultSelector: JsonObject | None = None
    ResultPath: OptionalPath = None

#: Any state, chosen by its ``Type`` field.
State = Annotated[
    PassState | TaskState | ChoiceState | WaitState | SucceedState | FailState | ParallelState | MapState,
    Field(discriminator="Type"),
]

#: The eight ``Type`` values, in the order AWS lists them.
STATE_TYPES = ("Task", "Wait", "Pass", "Succeed", "Fail", "Choice", "Parallel", "Map")


class StateMachine(AslModel):
    """A whole definition: the top-level fields and every state, nested ones included."""

    StartAt: Text
    States: Annotated[dict[str, State], Field(min_length=1)]
    Comment: Text | None = None
    Version: Text | None = None
    TimeoutSeconds: Annotated[int, min_int(1)] | None = None
    QueryLanguage: QueryLanguageName | None = None


for _model in (Branch, ItemProcessor, ParallelState, MapState, StateMachine):
    _model.model_rebuild()
