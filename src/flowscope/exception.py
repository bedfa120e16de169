"""The family's exception names (`metaflow.exception`), as the flowscope errors they are.

`except MetaflowException:` catches every error flowscope raises on purpose, as it catches
the family's; the others name the flowscope error that stands for the same failure.
"""

from flowscope.errors import (
    BlobNotFound as MetaflowDataMissing,
    FlowscopeError as MetaflowException,
    MergeConflict as UnhandledInMergeArtifactsException,
    NamespaceMismatch as MetaflowNamespaceMismatch,
    ObjectNotFound as MetaflowNotFound,
    ParameterError as CommandException,
    TagError as MetaflowTaggingError,
)

__all__ = [
    "CommandException",
    "MetaflowDataMissing",
    "MetaflowException",
    "MetaflowNamespaceMismatch",
    "MetaflowNotFound",
    "MetaflowTaggingError",
    "UnhandledInMergeArtifactsException",
]
