#!/usr/bin/env bash
# Start the portal on the embedded default (SQLite in WAL mode, SqliteHuey): the web
# server and the task consumer, with demo data loaded on first start.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
export FLASK_APP=wsgi
PORT="${PORT:-5000}"
FLASK=.venv/bin/flask
$FLASK init --admin-password demo-pass-2026 >/dev/null
echo "Loading demo data (first start only)..."
$FLASK demo
setsid $FLASK worker &   # its own session: Ctrl-C reaches it once, through the trap below
worker=$!
trap 'kill -INT $worker 2>/dev/null; wait $worker 2>/dev/null' EXIT INT TERM
echo
echo "Portal: http://127.0.0.1:${PORT}/   (task consumer pid $worker; Ctrl-C stops both)"
.venv/bin/gunicorn --config gunicorn.conf.py --bind "127.0.0.1:${PORT}" wsgi:app
