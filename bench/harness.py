"""Shared bench harness: serve an app with gunicorn, load it, measure, print the table.

API (everything a bench script needs; loopback only, bounded request counts):

    from bench.harness import (serve, request, closed_loop, open_loop, RssWatch, peak_rss,
                               print_table)

    with serve("wsgi:app", workers=2, env={"DATABASE_URL": url}) as server:
        # server.base_url "http://127.0.0.1:PORT", server.host, server.port,
        # server.master_pid, server.worker_pids() (live, re-read each call)
        reqs = [request("/api/v1/lookup?q=a.cn", headers={"X-Forwarded-For": "10.0.0.1"})]
        with RssWatch(server) as rss:                 # samples worker VmHWM/VmRSS every 0.2 s
            max_run = closed_loop(server, reqs, total=5000, concurrency=6)
        rss.peak_mb                                   # peak of one worker, MB
        lat = open_loop(server, reqs, rate=0.7 * max_run.rps, total=3000)
        max_run.rps, max_run.errors, lat.p95_ms, lat.p99_ms, lat.summary()

    print_table([{"figure": "...", "target": ">= 50 %", "measured": 1234.0,
                  "baseline": 2345.0, "ratio": 0.53, "ok": True}], script="lookup")

`serve(app, *, workers=2, env=None, port=None, options=None)`: gunicorn (.venv/bin/gunicorn)
  with the settings of gunicorn.conf.py (sync workers, max_requests, timeouts) except
  access logging off and `workers`/bind given here; `app` is a WSGI spec ("wsgi:app",
  "bench.bare_app:app"); `options` overrides further settings ({"max_requests": 0}).
  Waits until the server answers any HTTP request, stops it with SIGTERM and waits.
`request(path, *, method="GET", headers=None, body=b"")`: prebuilt raw HTTP/1.1 bytes.
`closed_loop(target, requests, *, total, concurrency=6, processes=2)`: `concurrency`
  connections kept in flight, `total` requests, cycling through `requests`; a new
  connection per request (gunicorn sync workers close it after each response).
`open_loop(target, requests, *, rate, total, processes=2)`: requests started on a fixed
  schedule whatever the answers; latency counts from the scheduled start, so a stall is
  not hidden (no coordinated omission).
  Both return a `Run`: rps, count, duration, errors ({status or "conn": n} for every
  answer that is not 2xx/3xx), statuses, p50_ms/p95_ms/p99_ms/max_ms, summary().
  With a Server as target a Run also has cpu_seconds (server workers, recycled ones
  included, plus the client processes), cpu_ms (per request) and cpu_rps (requests per
  second these processes would reach with every core to themselves): a guide that holds
  while other jobs share the machine, which wall-clock rps does not.
  The client is a few processes with non-blocking plain sockets and a selector, so it
  costs little of the 2 cores it shares with the server; use the same client for a
  figure and its baseline so the ratio is fair.
`peak_rss(pids)`: the largest VmHWM (peak resident set) among pids, in MB.
`RssWatch(server)`: context manager sampling every worker (workers recycled by
  max_requests included) while the load runs; `.peak_mb` afterwards.
`print_table(rows, *, script=None, results=True)`: figure | target | measured | baseline |
  ratio | PASS/MISS; with `results` each row is appended as a JSON line to
  bench/.data/results.jsonl (with the time and `machine()`).
`machine()`: a one-line description of this machine (CPU model, cores, memory, Python).
"""
from __future__ import annotations

import contextlib
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / ".data"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"

__all__ = ["Run", "RssWatch", "Server", "closed_loop", "free_port", "machine", "open_loop",
           "peak_rss", "print_table", "request", "serve"]


# --------------------------------------------------------------------------- server

@dataclass
class Server:
    host: str
    port: int
    master_pid: int
    process: subprocess.Popen = field(repr=False)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def address(self) -> tuple[str, int]:
        return self.host, self.port

    def worker_pids(self) -> list[int]:
        """The gunicorn workers alive now (read from /proc each call)."""
        return _children(self.master_pid)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    try:
        return [int(p) for p in path.read_text().split()]
    except OSError:
        pass
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _config_file(workers: int, port: int, options: dict | None) -> str:
    """gunicorn.conf.py with our overrides appended, in a temp file."""
    # no control socket: several benches may run side by side
    lines = [(ROOT / "gunicorn.conf.py").read_text(), "", "# bench overrides",
             f"bind = '127.0.0.1:{port}'", f"workers = {workers}", "accesslog = None",
             "control_socket_disable = True", "loglevel = 'warning'"]
    lines += [f"{key} = {value!r}" for key, value in (options or {}).items()]
    handle, path = tempfile.mkstemp(prefix="bench-gunicorn-", suffix=".py")
    with os.fdopen(handle, "w") as out:
        out.write("\n".join(lines) + "\n")
    return path


def _wait_ready(host: str, port: int, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode} before answering")
        try:
            with socket.create_connection((host, port), timeout=2) as sock:
                sock.sendall(request("/__bench_ready__"))
                if sock.recv(16).startswith(b"HTTP/"):
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not answer within {timeout:.0f} s")


@contextlib.contextmanager
def serve(app: str, *, workers: int = 2, env: dict | None = None, port: int | None = None,
          options: dict | None = None, timeout: float = 60.0):
    """Run `gunicorn app` on loopback for the duration of the block; yields a Server."""
    port = port or free_port()
    config = _config_file(workers, port, options)
    environ = {**os.environ, **(env or {})}
    environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), environ.get("PYTHONPATH")]))
    process = subprocess.Popen([str(GUNICORN), "--config", config, app], cwd=ROOT, env=environ,
                               stdin=subprocess.DEVNULL)
    try:
        _wait_ready("127.0.0.1", port, process, timeout)
        deadline = time.monotonic() + timeout
        while len(_children(process.pid)) < workers and time.monotonic() < deadline:
            time.sleep(0.05)
        yield Server("127.0.0.1", port, process.pid, process)
    finally:
        stop_process(process, signal.SIGTERM)
        os.unlink(config)


def stop_process(process: subprocess.Popen, sig=signal.SIGINT, timeout: float = 30) -> None:
    """Send `sig` (SIGINT: the consumer's graceful stop), wait, kill if it hangs."""
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def start_consumer(env: dict, log) -> subprocess.Popen:
    """`flask worker` with the whole environment `env`, output to the open file `log`, in
    its own session (as scripts/start.sh does)."""
    return subprocess.Popen([str(ROOT / ".venv" / "bin" / "flask"), "--app", "wsgi", "worker"],
                            cwd=ROOT, env=env, start_new_session=True,
                            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)


from bench.load_client import Run, closed_loop, open_loop, request  # noqa: E402,F401  (re-exported)

# --------------------------------------------------------------------------- memory

def _status_kb(pid: int, field_name: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def peak_rss(pids) -> float:
    """The largest peak resident set (VmHWM, else VmRSS) among `pids`, in MB."""
    return max((max(_status_kb(pid, "VmHWM"), _status_kb(pid, "VmRSS")) for pid in pids),
               default=0) / 1024


class RssWatch:
    """Sample the server's workers every `every` seconds; `.peak_mb` is the peak of one."""

    def __init__(self, server: Server, every: float = 0.2):
        self.server, self.every = server, every
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _sample(self):
        self.peak_mb = max(self.peak_mb, peak_rss(self.server.worker_pids()))

    def _loop(self):
        while not self._stop.wait(self.every):
            self._sample()

    def __enter__(self):
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self._sample()


# --------------------------------------------------------------------------- report

def machine() -> str:
    model = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = ""
    with contextlib.suppress(OSError, IndexError, ValueError):
        kb = int(Path("/proc/meminfo").read_text().split("\n")[0].split()[1])
        memory = f", {kb / 1024 / 1024:.0f} GB RAM"
    return (f"{model}, {os.cpu_count()} cores{memory}, {platform.system()} "
            f"{platform.release()}, Python {platform.python_version()}")


def _cell(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        if abs(value) < 10:
            return f"{value:.2f}"
        return f"{value:.0f}"
    return str(value)


def _verdict(ok) -> str:
    return "-" if ok is None else ("PASS" if ok else "MISS")


def print_table(rows: list[dict], *, script: str | None = None, results: bool = True,
                out=None) -> None:
    """Print figure | target | measured | baseline | ratio | PASS/MISS; log JSON lines.

    Each row: figure, target (text), measured, baseline, ratio (numbers or text, may be
    None), ok (True/False/None), and optionally unit and note."""
    out = out or sys.stdout
    header = ["figure", "target", "measured", "baseline", "ratio", "result"]
    table = [[str(r["figure"]), str(r.get("target", "-")),
              _cell(r.get("measured")) + (f" {r['unit']}" if r.get("unit") else ""),
              _cell(r.get("baseline")), _cell(r.get("ratio")), _verdict(r.get("ok"))]
             for r in rows]
    widths = [max(len(line[i]) for line in [header] + table) for i in range(len(header))]
    fmt = " | ".join(f"{{:<{w}}}" for w in widths)
    print(fmt.format(*header), file=out)
    print("-+-".join("-" * w for w in widths), file=out)
    for line in table:
        print(fmt.format(*line), file=out)
    print(f"machine: {machine()}", file=out)
    if results:
        DATA.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        with open(DATA / "results.jsonl", "a") as log:
            log.writelines(json.dumps({"time": stamp, "script": script, "machine": machine(),
                                       **row}, ensure_ascii=False, default=str) + "\n"
                           for row in rows)
