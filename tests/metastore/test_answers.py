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
