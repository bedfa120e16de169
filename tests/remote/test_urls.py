"""Service addresses (remote/urls.py): parsing, and redacting credentials from messages."""

from __future__ import annotations

import pytest

from flowscope.errors import MetadataError
from flowscope.remote.urls import ServiceAddress, redact, scheme_of


def test_parse_splits_a_service_url() -> None:
    a = ServiceAddress.parse(" https://meta.internal:8443/team/ ")
    assert (a.url, a.https, a.host, a.port, a.path) == (
        "https://meta.internal:8443/team",
        True,
        "meta.internal",
        8443,
        "/team",
    )
    assert ServiceAddress.parse("http://h").port is None


@pytest.mark.parametrize(
    "url,words",
    [
        ("ftp://h", "http(s)"),
        ("http://", "http(s)"),
        ("http://h:0", "port 0"),
        ("http://h:65536", "bad port"),
        ("http://h:x", "bad port"),
        ("http://h/?q=1", "query"),
        ("http://u:pw@h", "credentials"),
    ],
)
def test_parse_refuses_clearly(url: str, words: str) -> None:
    with pytest.raises(MetadataError, match=words.replace("(", r"\(").replace(")", r"\)")) as e:
        ServiceAddress.parse(url)
    assert "pw" not in str(e.value)


def test_redact_hides_user_and_password_everywhere() -> None:
    assert redact("http://u:pw@h:1/x") == "http://***@h:1/x"
    assert redact("service@u:pw@h") == "service@***@h"
    assert redact("u:pw@h/x") == "***@h/x"
    assert redact("/data/run@2/x") == "/data/run@2/x"  # a directory keeps its name
    assert redact("http://h:1/x") == "http://h:1/x"


def test_scheme_of_ignores_drive_letters() -> None:
    assert scheme_of("S3://b") == "s3"
    assert scheme_of("file:/tmp") == "file"
    assert scheme_of("C:\\store") is None
    assert scheme_of("./a:b") is None
