"""The load client of the benches (see bench/harness.py for the whole API): prebuilt raw
requests, closed and open loops from a few processes with plain sockets, and the CPU the
server spent per request. Split from the harness so each file keeps one job."""
from __future__ import annotations

import errno
import multiprocessing
import os
import resource
import selectors
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

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

    def __init__(self, server):   # a harness.Server
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
    return target.address if hasattr(target, "worker_pids") else tuple(target)


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
    watch = _CpuWatch(target) if hasattr(target, "worker_pids") else None
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
