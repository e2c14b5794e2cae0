"""Real HTTP requests against a benchmark server process on 127.0.0.1, and its memory use."""

import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

from bench.environment import BENCH_DIR, bench_environment


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class BenchServer:
    """A `bench.serve` process, started on entry and stopped on exit."""

    def __init__(self, data_dir: Path, log_path: Path) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> "BenchServer":
        env = {**os.environ, **bench_environment(self.data_dir)}
        command = [
            sys.executable,
            "-m",
            "bench.serve",
            "--port",
            str(self.port),
            "--data-dir",
            str(self.data_dir),
        ]
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                command, cwd=BENCH_DIR.parent, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        self._wait_until_listening(timeout=60)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)

    def _wait_until_listening(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"the benchmark server exited early; see {self.log_path}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"the benchmark server did not listen within {timeout} s")

    def get(self, path: str, session_key: str = "") -> tuple[int, int]:
        """Send one GET on a new connection and return (status, body size in bytes)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Cookie": f"sessionid={session_key}"} if session_key else {}
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            body = response.read()
        finally:
            connection.close()
        return response.status, len(body)

    def memory(self) -> dict[str, int]:
        """Return the server's VmRSS, VmHWM (peak), RssAnon and RssFile in KiB from /proc."""
        assert self.process is not None
        wanted = ("VmRSS", "VmHWM", "RssAnon", "RssFile", "RssShmem")
        values: dict[str, int] = {}
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        for line in status.splitlines():
            name, _sep, rest = line.partition(":")
            if name in wanted:
                values[name] = int(rest.split()[0])
        return values
