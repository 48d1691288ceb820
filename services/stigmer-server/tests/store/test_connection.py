from __future__ import annotations

import pytest
from stigmer_server.store.connection import parse_sentinel_url


def test_parses_sentinel_url() -> None:
    s = parse_sentinel_url(
        "redis+sentinel://:s3cret@h1:26379,h2:26380/mymaster/2?sentinel_password=sp"
    )
    assert s.hosts == (("h1", 26379), ("h2", 26380))
    assert (s.service_name, s.db, s.password, s.sentinel_password, s.ssl) == (
        "mymaster",
        2,
        "s3cret",
        "sp",
        False,
    )
    t = parse_sentinel_url("rediss+sentinel://h1/svc")
    assert t.hosts == (("h1", 26379),) and t.db == 0 and t.ssl and t.password is None


def test_rejects_url_without_service() -> None:
    with pytest.raises(ValueError, match="service name"):
        parse_sentinel_url("redis+sentinel://h1:26379")
