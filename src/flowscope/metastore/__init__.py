"""Metadata: records, the provider protocol, one SQL query layer, and the providers."""

from flowscope.metastore.new_records import AttemptResult, AttemptStart, NewRun, NewTask
from flowscope.metastore.provider import MetadataProvider
from flowscope.metastore.queries import Page, RunQuery
from flowscope.metastore.records import (
    ArtifactRecord,
    Fact,
    FlowRecord,
    RunRecord,
    StepRecord,
    TaskRecord,
)

__all__ = [
    "ArtifactRecord",
    "AttemptResult",
    "AttemptStart",
    "Fact",
    "FlowRecord",
    "MetadataProvider",
    "NewRun",
    "NewTask",
    "Page",
    "RunQuery",
    "RunRecord",
    "StepRecord",
    "TaskRecord",
]
