"""The `jointcare` command run as a person runs it (a subprocess with its own environment), and a production
server started by `jointcare serve` on a database built with the demo data, answering HTTPS with a
certificate from a test certificate authority."""

from __future__ import annotations

import http.client
import os
import secrets
import socket
import ssl
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import trustme

JOINTCARE = str(Path(sys.executable).parent / "jointcare")


def environment(var_dir: Path, **extra: str) -> dict[str, str]:
    """A development environment on a SQLite database in `var_dir`, whatever the test run's own database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JOINTCARE_", "DATABASE_URL", "DJANGO_"))}
    env["JOINTCARE_VAR_DIR"] = str(var_dir)
    env.update(extra)
    return env


def production(env: dict[str, str], **extra: str) -> dict[str, str]:
    return {**env, "JOINTCARE_ENV": "production", "JOINTCARE_SECRET_KEY": secrets.token_urlsafe(64), **extra}


def jointcare(*args: str, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([JOINTCARE, *args], env=env, capture_output=True, text=True, timeout=timeout, check=False)


def ok(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, f"{result.args} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def header(self, name: str) -> str:
        return self.headers.get(name, "")


@dataclass
class ProductionSite:
    host: str
    port: int
    env: dict[str, str]
    log: Path
    tls: ssl.SSLContext

    @property
    def url(self) -> str:
        return f"https://{self.host}:{self.port}"

    def get(self, path: str, *, method: str = "GET", headers: dict | None = None) -> Response:
        """One request over verified TLS; redirects are not followed."""
        connection = http.client.HTTPSConnection(self.host, self.port, timeout=30, context=self.tls)
        try:
            connection.request(method, path, headers=headers or {})
            answer = connection.getresponse()
            return Response(answer.status, answer.headers, answer.read())
        finally:
            connection.close()


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory) -> Path:
    """A SQLite database built once as `make run` builds it (`migrate`, then `demo`), for tests to copy."""
    var = tmp_path_factory.mktemp("demo")
    env = environment(var)
    ok(jointcare("migrate", "--noinput", "-v", "0", env=env))
    ok(jointcare("demo", env=env))
    return var / "jointcare.sqlite3"


def copy_database(source: Path, var_dir: Path) -> Path:
    """A copy of a SQLite database as `var_dir`'s database (through SQLite's backup, so nothing is half-copied)."""
    import sqlite3

    var_dir.mkdir(parents=True, exist_ok=True)
    target = var_dir / "jointcare.sqlite3"
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()
    return target


@pytest.fixture(scope="session")
def production_site(tmp_path_factory, demo_database):
    """`jointcare serve` with JOINTCARE_ENV=production on a free port, gunicorn terminating TLS itself
    (GUNICORN_CMD_ARGS names the certificate). The database is the demo's, built in development, where the demo
    may run."""
    var = tmp_path_factory.mktemp("production")
    env = environment(var)
    copy_database(demo_database, var)
    ca = trustme.CA()
    certificate = ca.issue_cert("127.0.0.1")
    certificate.private_key_and_cert_chain_pem.write_to_path(str(var / "server.pem"))
    tls = ssl.create_default_context()
    ca.configure_trust(tls)
    tls_args = f"--certfile {var / 'server.pem'} --keyfile {var / 'server.pem'}"
    site = ProductionSite(
        "127.0.0.1", free_port(), production(env, GUNICORN_CMD_ARGS=tls_args), var / "serve.log", tls
    )
    with site.log.open("wb") as log:
        server = subprocess.Popen(
            [JOINTCARE, "serve", f"{site.host}:{site.port}"], env=site.env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 120
        while True:
            if server.poll() is not None:
                pytest.fail(f"jointcare serve exited {server.returncode}:\n{site.log.read_text()}")
            try:
                site.get("/sign-in")
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"jointcare serve did not answer within 120 s:\n{site.log.read_text()}")
                time.sleep(0.25)
        yield site
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
