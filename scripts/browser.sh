#!/usr/bin/env bash
# Debian's Chromium and CJK fonts for the browser tests (Playwright drives
# /usr/bin/chromium; `playwright install` cannot download browsers here).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then
  apt-get update -qq && apt-get -y -qq install chromium fonts-noto-cjk >/dev/null
fi
# axe-core (accessibility rules) from the npm registry, for tests/browser/axe_audit.py.
cd "$(dirname "$0")/.."
if [ ! -f .cache/axe/node_modules/axe-core/axe.min.js ]; then
  command -v npm >/dev/null || { apt-get update -qq && apt-get -y -qq install npm >/dev/null; }
  npm install --silent --no-audit --no-fund --prefix .cache/axe axe-core@4 >/dev/null
fi
