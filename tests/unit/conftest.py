"""The unit tier's rule, enforced: no servers (nothing listens on a socket), no moto, no Airflow metadata
DB. A test that needs one belongs in tests/integration/."""

from __future__ import annotations

import socket

import pytest

NOT_HERE = {"moto_server", "aws_endpoint", "s3_lake", "aws_standin", "iam_lake", "lake", "airflow_db"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/unit/" in item.path.as_posix() and NOT_HERE & set(getattr(item, "fixturenames", ())):
            raise pytest.UsageError(
                f"{item.nodeid} asks for {sorted(NOT_HERE & set(item.fixturenames))}: "
                "a unit test runs no server, no moto, no Airflow (move it to tests/integration/)"
            )


@pytest.fixture(autouse=True)
def nothing_listens(monkeypatch):
    def refuse(self, *args):
        raise AssertionError("a unit test started a server: it belongs in tests/integration/")

    monkeypatch.setattr(socket.socket, "listen", refuse)
