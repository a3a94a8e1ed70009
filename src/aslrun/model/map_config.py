"""The Map state's configuration objects: ProcessorConfig, ItemReader, ItemBatcher, ResultWriter.

``ItemReader.ReaderConfig`` and ``ResultWriter.WriterConfig`` accept fields beyond the ones
modelled here: AWS keeps adding reader and writer options, and an unknown one there is a
question for the (emulated) service at run time, not a malformed state machine.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict

from aslrun.model.fields import (
    AslModel,
    JsonObject,
    NonNegativeIntOrJsonata,
    ObjectOrJsonata,
    PositiveIntOrJsonata,
    Text,
    one_of,
)

__all__ = ["ItemBatcher", "ItemReader", "ProcessorConfig", "ReaderConfig", "ResultWriter", "WriterConfig"]


class ProcessorConfig(AslModel):
    """How a Map runs its iterations: INLINE (in this execution) or DISTRIBUTED (child runs)."""

    Mode: Annotated[str, one_of("INLINE", "DISTRIBUTED")] | None = None
    ExecutionType: Annotated[str, one_of("STANDARD", "EXPRESS")] | None = None


class ReaderConfig(AslModel):
    """How an ItemReader parses what it reads (CSV headers, item limit, ...)."""

    model_config = ConfigDict(extra="allow")

    InputType: Annotated[str, one_of("CSV", "JSON", "JSONL", "MANIFEST", "PARQUET")] | None = None
    CSVHeaderLocation: Annotated[str, one_of("FIRST_ROW", "GIVEN")] | None = None
    CSVHeaders: list[Text] | None = None
    CSVDelimiter: Text | None = None
    MaxItems: NonNegativeIntOrJsonata | None = None
    MaxItemsPath: Text | None = None


# Aliases: a field named like its model's class would shadow the class in its own annotation.
_ReaderConfig = ReaderConfig


class ItemReader(AslModel):
    """Where a distributed Map reads its items from (an S3 object, listing or manifest)."""

    Resource: Text
    Parameters: JsonObject | None = None
    Arguments: ObjectOrJsonata | None = None
    ReaderConfig: _ReaderConfig | None = None


class ItemBatcher(AslModel):
    """How a distributed Map groups items into batches for each child run."""

    MaxItemsPerBatch: PositiveIntOrJsonata | None = None
    MaxItemsPerBatchPath: Text | None = None
    MaxInputBytesPerBatch: PositiveIntOrJsonata | None = None
    MaxInputBytesPerBatchPath: Text | None = None
    BatchInput: ObjectOrJsonata | None = None


class WriterConfig(AslModel):
    """How a ResultWriter shapes and formats what it writes."""

    model_config = ConfigDict(extra="allow")

    OutputType: Text | None = None
    Transformation: Text | None = None


_WriterConfig = WriterConfig


class ResultWriter(AslModel):
    """Where a distributed Map writes its results (an S3 prefix)."""

    Resource: Text | None = None
    Parameters: JsonObject | None = None
    Arguments: ObjectOrJsonata | None = None
    WriterConfig: _WriterConfig | None = None
