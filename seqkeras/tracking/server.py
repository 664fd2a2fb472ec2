"""A shared MLflow tracking server on a PostgreSQL database, on this machine.

``make mlflow-server`` (``python -m seqkeras.tracking.server``) initialises a PostgreSQL
cluster in a folder of its own (``.mlflow-server/`` by default) the first time, starts
it on a loopback port, creates the ``mlflow`` database, and runs ``mlflow server`` on
it, with artifacts in ``<folder>/artifacts`` served by the server itself (clients
upload and download them over HTTP, so they need no access to that folder). Every
seqkeras command then logs there with ``MLFLOW_TRACKING_URI=http://127.0.0.1:PORT``.

PostgreSQL refuses to run as root; run as root, the cluster belongs to the
unprivileged ``postgres`` user (Debian's package creates it) and its commands run
through ``runuser``. The database user ``mlflow`` has a random password kept in
``<folder>/.mlflow_password`` (mode 0600), and the cluster listens on
127.0.0.1 only. The test fixtures use the same classes on temporary folders.
"""

from __future__ import annotations

import argparse
import glob
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from seqkeras.errors import SeqkerasError

PG_USER_WHEN_ROOT = "postgres"


def postgres_bin() -> Path:
    """The folder of PostgreSQL's server programs (``initdb``, ``pg_ctl``, ``postgres``).

    Raises SeqkerasError naming the package to install when there is none."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).resolve().parent
    raise SeqkerasError("PostgreSQL's server is not installed (Debian: apt-get install -y "
                        "postgresql); the default sqlite store needs no server")


class PostgresCluster:
    """A PostgreSQL cluster in ``root/pgdata``, listening on 127.0.0.1:``port``.

    Raises SeqkerasError when PostgreSQL is missing or a command fails."""

    def __init__(self, root: Path, port: int):
        self.root, self.port = Path(root).resolve(), int(port)
        self.data = self.root / "pgdata"
        self.bin = postgres_bin()
        self.as_root = os.geteuid() == 0
        self.password_file = self.root / ".mlflow_password"

    def _cmd(self, *args: str) -> list[str]:
        return ["runuser", "-u", PG_USER_WHEN_ROOT, "--", *args] if self.as_root else list(args)

    def _run(self, *args: str, timeout: float = 120) -> str:
        proc = subprocess.run(self._cmd(*args), capture_output=True, text=True, timeout=timeout,
                              cwd="/")
        if proc.returncode != 0:
            raise SeqkerasError(f"{Path(args[0]).name} failed (exit {proc.returncode}): "
                                f"{(proc.stderr or proc.stdout).strip()[-1500:]}")
        return proc.stdout

    def initialised(self) -> bool:
        return (self.data / "PG_VERSION").exists()

    def init(self) -> None:
        """Create the cluster (once) with the ``mlflow`` superuser and its password."""
        if self.initialised():
            return
        self.data.mkdir(parents=True, exist_ok=True)
        os.chmod(self.data, 0o700)
        if self.as_root:
            shutil.chown(self.data, PG_USER_WHEN_ROOT, PG_USER_WHEN_ROOT)
            check = subprocess.run(self._cmd("test", "-w", str(self.data)), timeout=30)
            if check.returncode != 0:
                raise SeqkerasError(f"{self.data}: the {PG_USER_WHEN_ROOT} user cannot reach "
                                    "this folder (a parent folder is private); choose a "
                                    "folder it can reach, e.g. MLFLOW_SERVER_DIR=/var/tmp/mlflow")
        password = secrets.token_hex(16)
        pwfile = self.root / f".initdb_password-{os.getpid()}"
        pwfile.write_text(password + "\n")
        if self.as_root:
            shutil.chown(pwfile, PG_USER_WHEN_ROOT, PG_USER_WHEN_ROOT)
        try:
            self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "mlflow",
                      "--auth=scram-sha-256", f"--pwfile={pwfile}", "-E", "UTF8",
                      "--no-instructions")
        finally:
            pwfile.unlink(missing_ok=True)
        self.password_file.write_text(password)
        os.chmod(self.password_file, 0o600)

    @property
    def password(self) -> str:
        return self.password_file.read_text().strip()

    def running(self) -> bool:
        return subprocess.run(self._cmd(str(self.bin / "pg_ctl"), "-D", str(self.data),
                                        "status"), capture_output=True, timeout=30,
                              cwd="/").returncode == 0

    def start(self) -> None:
        """Start the server (and wait until it accepts connections); creates the
        ``mlflow`` database the first time."""
        if not self.running():
            options = (f"-c listen_addresses=127.0.0.1 -p {self.port} "
                       f"-c unix_socket_directories={self.data}")
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l",
                      str(self.data / "postgres.log"), "-o", options, "-w", "-t", "60", "start")
        import psycopg2

        con = psycopg2.connect(host="127.0.0.1", port=self.port, user="mlflow",
                               password=self.password, dbname="postgres", connect_timeout=10)
        try:
            con.autocommit = True
            with con.cursor() as cur:
                cur.execute("SELECT 1 FROM pg_database WHERE datname = 'mlflow'")
                if cur.fetchone() is None:
                    cur.execute("CREATE DATABASE mlflow")
        finally:
            con.close()

    def stop(self) -> None:
        if self.initialised() and self.running():
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w",
                      "stop")

    @property
    def uri(self) -> str:
        """The SQLAlchemy URI of the ``mlflow`` database (holds the password)."""
        return f"postgresql+psycopg2://mlflow:{self.password}@127.0.0.1:{self.port}/mlflow"


class MlflowServer:
    """``mlflow server`` on ``backend_uri`` at http://127.0.0.1:``port``, artifacts in
    ``artifacts`` served by the server. ``start`` waits until ``/health`` answers."""

    def __init__(self, backend_uri: str, artifacts: Path, port: int, log_path: Path,
                 workers: int = 2):
        self.backend_uri, self.port, self.workers = backend_uri, int(port), workers
        self.artifacts, self.log_path = Path(artifacts).resolve(), Path(log_path)
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 180) -> None:
        self.artifacts.mkdir(parents=True, exist_ok=True)
        mlflow = Path(sys.executable).with_name("mlflow")
        cmd = [str(mlflow) if mlflow.exists() else "mlflow", "server",
               "--backend-store-uri", self.backend_uri,
               "--artifacts-destination", str(self.artifacts), "--serve-artifacts",
               "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(self.workers)]
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SeqkerasError(f"mlflow server exited ({self.proc.returncode}): "
                                    f"{self.log_path.read_text(errors='replace')[-1500:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.5)
        self.stop()
        raise SeqkerasError(f"mlflow server did not answer on {self.url} within {timeout:.0f} s")

    def stop(self, grace: float = 15) -> None:
        """Stop the server and its worker processes (its own process group)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(grace)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m seqkeras.tracking.server",
                                description="MLflow tracking server on PostgreSQL, on 127.0.0.1")
    p.add_argument("--dir", default=os.environ.get("MLFLOW_SERVER_DIR", ".mlflow-server"),
                   help="cluster, artifacts and logs (default .mlflow-server)")
    p.add_argument("--port", type=int, default=5001, help="MLflow server port (default 5001)")
    p.add_argument("--pg-port", type=int, default=5433, help="PostgreSQL port (default 5433)")
    args = p.parse_args(argv)
    root = Path(args.dir).resolve()
    root.mkdir(parents=True, exist_ok=True)
    cluster = PostgresCluster(root, args.pg_port)
    server = MlflowServer("", root / "artifacts", args.port, root / "mlflow-server.log")
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        cluster.init()
        cluster.start()
        server.backend_uri = cluster.uri
        server.start()
        print(f"MLflow server on PostgreSQL: {server.url} (database 127.0.0.1:{args.pg_port}, "
              f"artifacts {root / 'artifacts'}, log {server.log_path})\n"
              f"  export MLFLOW_TRACKING_URI={server.url}\n  Ctrl-C stops both", flush=True)
        while server.proc.poll() is None:
            time.sleep(1)
        print(f"mlflow server exited ({server.proc.returncode}); see {server.log_path}",
              file=sys.stderr)
        return 1
    except SeqkerasError as exc:
        print(f"seqkeras: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0
    finally:
        server.stop()
        cluster.stop()


if __name__ == "__main__":
    sys.exit(main())
