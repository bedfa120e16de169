"""Metadata: records, the provider protocol, one SQL query layer, and the providers."""

from flowscope.metastore.provider import MetadataProvider
from flowscope.metastore.records import (
    ArtifactRecord,
    AttemptResult,
    AttemptStart,
    Fact,
    FlowRecord,
    NewRun,
    NewTask,
    Page,
    RunQuery,
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
