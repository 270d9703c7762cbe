"""gunicorn defaults: sync workers, one per core; override on the command line."""
import multiprocessing
import os

bind = os.environ.get("BIND", "127.0.0.1:5000")
workers = int(os.environ.get("WEB_CONCURRENCY", max(multiprocessing.cpu_count(), 2)))
worker_class = "sync"
timeout = 30
graceful_timeout = 20
max_requests = 100000          # a leak safety net: at lookup rates 5000 meant a restart every few seconds
max_requests_jitter = 10000
# Workers fork from a master that has loaded the app: a worker recycled by max_requests
# starts in milliseconds instead of re-importing everything (about a second of CPU, during
# which one of two workers is missing: latency spikes). The factory opens no database
# connection, so nothing is shared across the fork. Code changes need a restart, not HUP.
preload_app = True


def when_ready(server):
    """In the master, before the first fork: compile the portal's templates and load its
    catalogues once for every worker to inherit."""
    app = server.app.wsgi() if server.cfg.preload_app else None
    if getattr(app, "import_name", None) == "portal":
        from portal.web.setup import warm_up
        warm_up(app)


accesslog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
