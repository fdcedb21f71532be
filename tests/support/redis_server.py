"""A real redis-server for the tests: own port, own directory, append-only file on."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from tests.support.ports import free_port

REQUIRE = "REQUIRE_REDIS"  # set by .ci/run: a missing redis-server fails instead of skipping


def redis_server_or_skip() -> str:
    """The redis-server executable; skips (or fails under REQUIRE_REDIS) when there is none."""
    path = shutil.which("redis-server")
    if path is None:
        reason = "redis-server is not installed (apt-get install redis-server)"
        if os.environ.get(REQUIRE):
            pytest.fail(f"{reason}, and {REQUIRE} is set")
        pytest.skip(reason)
    return path


class RedisServer:
    """Started and stopped by the tests, so stopping it mid-dialog is a test step too."""

    def __init__(
        self,
        executable: str,
        directory: Path,
        password: str | None = None,
        *,
        fsync_always: bool = False,
    ) -> None:
        self._password = password
        self._fsync = "always" if fsync_always else "everysec"  # always: each write on disk
        self._executable = executable
        self._directory = directory
        self.port = free_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        auth = f":{self._password}@" if self._password else ""
        return f"redis://{auth}127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self._process = subprocess.Popen(
            [
                self._executable,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--dir",
                str(self._directory),
                "--appendonly",
                "yes",
                "--appendfsync",
                self._fsync,
                "--save",
                "",
                *(["--requirepass", self._password] if self._password else []),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(64).startswith((b"+PONG", b"-NOAUTH")):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=10)
            self._process = None

    def flush(self) -> None:
        """Only ever on this server, which the tests started themselves."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=2) as conn:
            conn.sendall(b"FLUSHALL\r\n")
            conn.recv(16)
