#!/usr/bin/env bash
# Makes sure the PostgreSQL the store tests use answers (test/store/postgres-support.ts: the local
# server on 127.0.0.1:5432 unless VIGIL_TEST_DATABASE_URL names another). When a local cluster is
# installed but stopped, starts it with pg_ctlcluster. It never installs PostgreSQL: without one,
# the PostgreSQL tests say they are skipped on a developer machine and fail under CI=true.
set -euo pipefail
if [ -n "${VIGIL_TEST_DATABASE_URL:-}" ]; then exit 0; fi
answers() { pg_isready -q -h 127.0.0.1 -p 5432 >/dev/null 2>&1; }
if ! command -v pg_isready >/dev/null 2>&1; then
  echo "start-postgres: PostgreSQL is not installed; its tests will say so" >&2
  exit 0
fi
if answers; then exit 0; fi
if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
  for version in $(ls /etc/postgresql); do
    echo "start-postgres: starting PostgreSQL $version (cluster main)" >&2
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  done
fi
for _ in $(seq 1 30); do
  if answers; then exit 0; fi
  sleep 1
done
echo "start-postgres: PostgreSQL on 127.0.0.1:5432 does not answer" >&2
if [ "${CI:-}" = "true" ]; then exit 1; fi
