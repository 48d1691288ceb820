from __future__ import annotations

import pytest
from stigmer_server.store.connection import parse_cluster_url, parse_sentinel_url


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


def test_parses_cluster_url() -> None:
    c = parse_cluster_url("redis+cluster://u:p%40ss@h1:7000,h2:7001")
    assert c.hosts == (("h1", 7000), ("h2", 7001))
    assert (c.username, c.password, c.ssl) == ("u", "p@ss", False)
    d = parse_cluster_url("rediss+cluster://h1/0")
    assert d.hosts == (("h1", 6379),) and d.ssl and d.password is None


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("redis+cluster://h1:7000/2", "only database 0"),
        ("redis://h1:7000", "not a cluster URL"),
        ("redis+cluster://:7000", "bad host"),
    ],
)
def test_rejects_bad_cluster_urls(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_cluster_url(url)
