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
import errno
import json
import multiprocessing
import os
import platform
import resource
import selectors
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
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        os.unlink(config)


# --------------------------------------------------------------------------- client

def request(path: str, *, method: str = "GET", headers: dict | None = None, body: bytes = b"",
            host: str = "127.0.0.1") -> bytes:
    """Raw HTTP/1.1 request bytes, `Connection: close` (one request per connection)."""
    head = [f"{method} {path} HTTP/1.1", f"Host: {host}", "Connection: close",
            "User-Agent: portal-bench"]
    head += [f"{key}: {value}" for key, value in (headers or {}).items()]
    if body or method in ("POST", "PUT", "PATCH"):
        head.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


@dataclass
class Run:
    """The outcome of one load run (latencies in seconds, sorted)."""
    count: int
    duration: float
    latencies: list = field(repr=False)
    statuses: dict
    cpu_seconds: float | None = None

    @property
    def cpu_ms(self) -> float | None:
        return self.cpu_seconds / self.count * 1000 if self.cpu_seconds and self.count else None

    @property
    def cpu_rps(self) -> float | None:
        return (self.count * (os.cpu_count() or 1) / self.cpu_seconds
                if self.cpu_seconds else None)

    @property
    def rps(self) -> float:
        return self.count / self.duration if self.duration else 0.0

    @property
    def errors(self) -> dict:
        """Every answer that is not 2xx/3xx, by status ("conn" for a failed connection)."""
        return {k: v for k, v in self.statuses.items()
                if not (isinstance(k, int) and 200 <= k < 400)}

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        index = min(len(self.latencies) - 1, max(0, round(p / 100 * len(self.latencies)) - 1))
        return self.latencies[index] * 1000

    p50_ms = property(lambda self: self.percentile(50))
    p95_ms = property(lambda self: self.percentile(95))
    p99_ms = property(lambda self: self.percentile(99))
    max_ms = property(lambda self: self.latencies[-1] * 1000 if self.latencies else float("nan"))

    def summary(self) -> str:
        errors = f", errors {self.errors}" if self.errors else ""
        cpu = (f"; cpu {self.cpu_ms:.2f} ms/req = {self.cpu_rps:.0f} req/s"
               if self.cpu_seconds else "")
        return (f"{self.count} req in {self.duration:.2f} s = {self.rps:.0f} req/s; "
                f"p50 {self.p50_ms:.1f} p95 {self.p95_ms:.1f} p99 {self.p99_ms:.1f} "
                f"max {self.max_ms:.1f} ms{errors}{cpu}")


class _Conn:
    __slots__ = ("buffer", "payload", "sock", "start")

    def __init__(self, sock, payload, start):
        self.sock, self.payload, self.start, self.buffer = sock, payload, start, bytearray()


def _status(data: bytes):
    try:
        return int(data[9:12])
    except ValueError:
        return "bad"


def _client(address, requests, offset, step, count, start_at, concurrency, interval, out):
    """One client process: `count` requests, either `concurrency` in flight (closed loop)
    or one started every `interval` seconds (open loop). Sends back (latencies, statuses)."""
    selector = selectors.DefaultSelector()
    latencies, statuses = [], {}
    started = done = 0
    index = offset

    def launch(scheduled):
        nonlocal started, index
        payload = requests[index % len(requests)]
        index += step
        started += 1
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        code = sock.connect_ex(address)
        if code not in (0, errno.EINPROGRESS):
            sock.close()
            finish(None, scheduled, "conn")
            return
        selector.register(sock, selectors.EVENT_WRITE, _Conn(sock, payload, scheduled))

    def finish(conn, scheduled, status):
        nonlocal done
        done += 1
        latencies.append(time.perf_counter() - scheduled)
        statuses[status] = statuses.get(status, 0) + 1
        if conn is not None:
            selector.unregister(conn.sock)
            conn.sock.close()

    while time.time() < start_at:
        time.sleep(min(0.01, max(0.0, start_at - time.time())))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu_start = usage.ru_utime + usage.ru_stime
    origin = time.perf_counter()
    while done < count:
        now = time.perf_counter()
        if interval is None:
            while started < count and started - done < concurrency:
                launch(time.perf_counter())
            timeout = 1.0
        else:
            while started < count and origin + started * interval <= now:
                launch(origin + started * interval)
            timeout = max(0.0, origin + started * interval - now) if started < count else 1.0
        if not selector.get_map():
            if started >= count:
                break
            time.sleep(timeout)
            continue
        for key, events in selector.select(timeout):
            conn = key.data
            try:
                if events & selectors.EVENT_WRITE:
                    error = conn.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                    if error:
                        finish(conn, conn.start, "conn")
                        continue
                    conn.sock.sendall(conn.payload)
                    selector.modify(conn.sock, selectors.EVENT_READ, conn)
                    continue
                chunk = conn.sock.recv(65536)
            except OSError:
                finish(conn, conn.start, "conn")
                continue
            if chunk:
                conn.buffer += chunk
            else:
                finish(conn, conn.start, _status(bytes(conn.buffer[:12])) if conn.buffer
                       else "conn")
    usage = resource.getrusage(resource.RUSAGE_SELF)
    out.put((latencies, statuses, time.perf_counter() - origin,
             usage.ru_utime + usage.ru_stime - cpu_start))


_TICK = os.sysconf("SC_CLK_TCK")


def _cpu_of(pid: int) -> float | None:
    """CPU seconds (user + system) a process has used, None once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / _TICK


class _CpuWatch:
    """CPU used by a server's workers over a run, recycled workers included."""

    def __init__(self, server: Server):
        self.server = server
        self.first, self.last = {}, {}
        self._stop = threading.Event()
        self._sample()
        self.first = dict(self.last)
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _sample(self):
        for pid in self.server.worker_pids() + [self.server.master_pid]:
            used = _cpu_of(pid)
            if used is not None:
                self.last[pid] = used

    def _loop(self):
        while not self._stop.wait(0.1):
            self._sample()

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        self._sample()
        return sum(used - self.first.get(pid, 0.0) for pid, used in self.last.items())


def _address(target):
    return target.address if isinstance(target, Server) else tuple(target)


def _run(target, requests, total, processes, concurrency, rate) -> Run:
    if not requests:
        raise ValueError("no requests to send")
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    processes = max(1, min(processes, total))
    start_at = time.time() + 0.3
    workers = []
    for number in range(processes):
        count = total // processes + (1 if number < total % processes else 0)
        per_conc = max(1, concurrency // processes
                       + (1 if number < concurrency % processes else 0))
        interval = None if rate is None else processes / rate
        worker = context.Process(target=_client, daemon=True, args=(
            _address(target), requests, number, processes, count, start_at, per_conc,
            interval, queue))
        worker.start()
        workers.append(worker)
    # started after the fork: a child never inherits the sampling thread
    watch = _CpuWatch(target) if isinstance(target, Server) else None
    latencies, statuses, duration, cpu = [], {}, 0.0, 0.0
    for _ in workers:
        part, codes, took, client_cpu = queue.get()
        latencies += part
        duration = max(duration, took)
        cpu += client_cpu
        for key, value in codes.items():
            statuses[key] = statuses.get(key, 0) + value
    for worker in workers:
        worker.join()
    latencies.sort()
    return Run(len(latencies), duration, latencies, statuses,
               cpu + watch.stop() if watch else None)


def closed_loop(target, requests: list[bytes], *, total: int, concurrency: int = 6,
                processes: int = 2) -> Run:
    """Maximum throughput: `concurrency` requests always in flight, `total` in all."""
    return _run(target, requests, total, processes, concurrency, None)


def open_loop(target, requests: list[bytes], *, rate: float, total: int,
              processes: int = 2) -> Run:
    """Fixed arrival rate (req/s) whatever the answers; latency from the scheduled start."""
    return _run(target, requests, total, processes, 10 ** 6, rate)


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
