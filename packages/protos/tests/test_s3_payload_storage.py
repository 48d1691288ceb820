"""The S3 payload storage against a real S3-compatible server (moto_server on loopback)."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator

import aioboto3
import pytest
from stigmer_devstack.ports import free_port
from stigmer_protos.payload_storage import PayloadStorageConfig, external_storage
from stigmer_protos.temporal import data_converter


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """A moto S3 server process on a free loopback port."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(url + "/moto-api/", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)


async def test_a_large_value_goes_to_the_bucket_and_back(s3_endpoint: str, aws_env: None) -> None:
    bucket = f"payloads-{uuid.uuid4().hex[:8]}"
    session = aioboto3.Session()
    async with session.client("s3", endpoint_url=s3_endpoint) as s3:
        await s3.create_bucket(Bucket=bucket)
        config = PayloadStorageConfig.from_env(
            {
                "STIGMER_PAYLOAD_STORAGE": "s3",
                "STIGMER_PAYLOAD_S3_BUCKET": bucket,
                "STIGMER_PAYLOAD_S3_ENDPOINT_URL": s3_endpoint,
                "STIGMER_PAYLOAD_THRESHOLD_BYTES": "4096",
            }
        )
        converter = data_converter(await external_storage(config))
        value = {"rows": ["r" * 100] * 1000}

        [payload] = await converter.encode([value])

        assert payload.ByteSize() < 1024
        listed = await s3.list_objects_v2(Bucket=bucket)
        assert [o["Size"] for o in listed["Contents"]] == [payload.external_payloads[0].size_bytes]
        assert await converter.decode([payload]) == [value]
        [small] = await converter.encode([{"small": True}])
        assert small.data == b'{"small":true}'


def test_the_s3_kind_needs_a_bucket() -> None:
    with pytest.raises(ValueError, match="STIGMER_PAYLOAD_S3_BUCKET"):
        PayloadStorageConfig.from_env({"STIGMER_PAYLOAD_STORAGE": "s3"})
