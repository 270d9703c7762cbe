#!/usr/bin/env bash
# PostgreSQL and Redis on loopback for the test matrix (DESIGN.md section 7):
# installs them with apt when missing, starts them, creates the test role.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if ! command -v pg_ctlcluster >/dev/null || ! command -v redis-server >/dev/null; then
  apt-get update -qq && apt-get -y -qq install postgresql redis-server >/dev/null
fi
version=$(ls /etc/postgresql | sort -n | tail -1)
pg_ctlcluster "$version" main start 2>/dev/null || true
for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 && break; sleep 0.5; done
su postgres -c "psql -qtAc \"SELECT 1 FROM pg_roles WHERE rolname='portal'\"" | grep -q 1 \
  || su postgres -c "psql -qc \"CREATE ROLE portal LOGIN SUPERUSER PASSWORD 'portal'\""
for db in portal_test portal_test_gw0 portal_test_gw1 portal_test_gw2 portal_test_gw3; do
  su postgres -c "psql -qtAc \"SELECT 1 FROM pg_database WHERE datname='$db'\"" | grep -q 1 \
    || su postgres -c "createdb -O portal $db"
done
redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 || redis-server --daemonize yes --bind 127.0.0.1 \
  --port 6379 --save "" --appendonly no >/dev/null
for _ in $(seq 1 20); do redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && break; sleep 0.25; done
