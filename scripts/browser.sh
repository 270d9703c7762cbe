#!/usr/bin/env bash
# Debian's Chromium and CJK fonts for the browser tests (Playwright drives
# /usr/bin/chromium; `playwright install` cannot download browsers here).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then
  apt-get update -qq && apt-get -y -qq install chromium fonts-noto-cjk >/dev/null
fi
