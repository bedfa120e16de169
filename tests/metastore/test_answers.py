"""Shape checks of the service's answers (metastore/answers.py)."""

from __future__ import annotations

import http.client

import pytest

from flowscope.errors import MetadataError
from flowscope.metastore.answers import member, record, record_list
from flowscope.metastore.records import FlowRecord, RunRecord, TaskRecord
from flowscope.remote.transport import Answer

ANSWER = Answer(200, http.client.HTTPMessage(), b"{}", "GET http://svc:1/api/v1/x")
RUN = {"flow_name": "F", "run_id": 1, "user": "u", "status": "running", "created_at": 1}


def test_good_records_pass_through() -> None:
    run = record(RunRecord, {**RUN, "user_tags": ["a"], "extra": 1}, ANSWER)
    assert run.run_id == 1 and run.user_tags == ("a",)
    flows = record_list(
        FlowRecord, {"flows": [{"flow_name": "F", "created_at": 2.5}]}, "flows", ANSWER
    )
    assert flows == [FlowRecord("F", 2.5)]
    task = {"flow_name": "F", "run_id": 1, "step_name": "s", "task_id": 2, "created_at": 1.0,
            "exception": {"type": "E"}, "foreach_stack": [[1, 2]]}  # fmt: skip
    assert record(TaskRecord, task, ANSWER).exception == {"type": "E"}


@pytest.mark.parametrize(
    "value,words",
    [
        ([], "got list"),
        ({**RUN, "run_id": "1"}, "'run_id'"),
        ({**RUN, "run_id": True}, "'run_id'"),
        ({**RUN, "created_at": None}, "'created_at'"),
        ({**RUN, "user_tags": [1]}, "'user_tags'"),
        ({k: v for k, v in RUN.items() if k != "user"}, "the field 'user'"),
    ],
)
def test_wrong_records_name_the_address_and_the_field(value: object, words: str) -> None:
    with pytest.raises(MetadataError, match=words) as info:
        record(RunRecord, value, ANSWER)
    assert "http://svc:1/api/v1/x" in str(info.value) and "expected" in str(info.value)


def test_member_checks_the_container() -> None:
    assert member({"p": {"a": 1}}, "p", dict, ANSWER) == {"a": 1}
    for data in ({"p": []}, [], {"q": {}}):
        with pytest.raises(MetadataError, match="'p'"):
            member(data, "p", dict, ANSWER)


ART = {"name": "x", "sha": "a" * 64, "size": 3, "type_name": "int", "serializer": "pickle"}


def test_an_oversized_inline_blob_or_address_is_refused_before_decoding() -> None:
    from flowscope.metastore.records import MAX_ADDRESS, MAX_INLINE_TEXT, ArtifactRecord

    fits = record(ArtifactRecord, {**ART, "inline": "A" * MAX_INLINE_TEXT}, ANSWER)
    assert fits.inline is not None and len(fits.inline) == MAX_INLINE_TEXT
    with pytest.raises(MetadataError, match=f"'inline' holds at most {MAX_INLINE_TEXT}"):
        record(ArtifactRecord, {**ART, "inline": "A" * (MAX_INLINE_TEXT + 4)}, ANSWER)
    with pytest.raises(MetadataError, match="'inline' is"):
        record(ArtifactRecord, {**ART, "inline": 12}, ANSWER)
    with pytest.raises(MetadataError, match=f"'datastore' holds at most {MAX_ADDRESS}"):
        record(RunRecord, {**RUN, "datastore": "s3://" + "b" * MAX_ADDRESS}, ANSWER)


@pytest.mark.parametrize(
    "field,value",
    [
        ("size", 1.5),
        ("size", False),
        ("created_at", "1"),
        ("created_at", True),
        ("scalar", ["1"]),
        ("name", None),
    ],
)
def test_the_precomputed_checks_refuse_what_the_annotations_refuse(
    field: str, value: object
) -> None:
    from flowscope.metastore.records import ArtifactRecord

    with pytest.raises(MetadataError, match=f"'{field}'"):
        record(ArtifactRecord, {**ART, field: value}, ANSWER)


def test_a_listing_decodes_without_reflection_per_record(monkeypatch: pytest.MonkeyPatch) -> None:
    import dataclasses
    import typing

    from flowscope import frozen
    from flowscope.metastore import answers
    from flowscope.metastore.records import ArtifactRecord

    record(ArtifactRecord, ART, ANSWER)  # the class's tables are built on first use
    calls: list[str] = []

    def counted(name: str, real: typing.Callable[..., typing.Any]) -> typing.Any:
        def wrapper(*args: typing.Any, **kwargs: typing.Any) -> typing.Any:
            calls.append(name)
            return real(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(answers, "fields", counted("fields", frozen.fields))
    monkeypatch.setattr(frozen, "fields", counted("fields", frozen.fields))
    monkeypatch.setattr(dataclasses, "fields", counted("fields", dataclasses.fields))
    monkeypatch.setattr(typing, "get_type_hints", counted("hints", typing.get_type_hints))
    listed = record_list(ArtifactRecord, {"a": [ART] * 500}, "a", ANSWER)
    assert len(listed) == 500 and listed[0] == ArtifactRecord("x", "a" * 64, 3, "int", "pickle")
    assert calls == []
