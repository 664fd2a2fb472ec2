"""A real MLflow tracking server on a real PostgreSQL database, for the tests that
need one (``@pytest.mark.server``).

The cluster lives in a temporary folder under /tmp (reachable by the unprivileged
``postgres`` user when the tests run as root), on free loopback ports; it is stopped
and removed at the end. Skipped, with the reason, where PostgreSQL is not installed
(``.ci/run`` installs Debian's package)."""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from seqkeras.errors import SeqkerasError


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class RunningServer:
    url: str
    cluster: object
    server: object

    def restart(self) -> None:
        """Stop and start ``mlflow server`` on the same port and database."""
        self.server.stop()
        self.server.start()


@pytest.fixture(scope="module")
def mlflow_server():
    from seqkeras.tracking.server import MlflowServer, PostgresCluster, postgres_bin

    try:
        postgres_bin()
    except SeqkerasError as exc:
        pytest.skip(str(exc))
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        pytest.skip("running as root without runuser: PostgreSQL cannot be started")
    root = Path(tempfile.mkdtemp(prefix="seqkeras-pg-"))
    os.chmod(root, 0o755)
    cluster = PostgresCluster(root, free_port())
    server = MlflowServer("", root / "artifacts", free_port(), root / "mlflow-server.log")
    try:
        cluster.init()
        cluster.start()
        server.backend_uri = cluster.uri
        server.start()
        yield RunningServer(server.url, cluster, server)
    finally:
        server.stop()
        cluster.stop()
        shutil.rmtree(root, ignore_errors=True)
