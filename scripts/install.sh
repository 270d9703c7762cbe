#!/usr/bin/env bash
# Create .venv and install the portal (and with "test", its test extras); compile
# the translation catalogues. Re-running is cheap: pip runs only when pyproject changes.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)${extras:+-$extras}"
if [ ! -f "$stamp" ]; then
  echo "Installing the portal${extras:+ with its $extras extras} into .venv (log: .venv/install.log)..."
  if ! .venv/bin/python -m pip install -e ".${extras:+[$extras]}" > .venv/install.log 2>&1; then
    tail -40 .venv/install.log
    echo "install failed: see .venv/install.log" >&2
    exit 1
  fi
  touch "$stamp"
fi
if ls translations/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then
  .venv/bin/pybabel compile -d translations > /dev/null
fi
