#!/usr/bin/env bash
# Makes sure Prometheus's `promtool` is there for the /metrics test (test/status/promtool.test.ts
# checks the exposition with `promtool check metrics`, the linter Prometheus itself ships):
# $PROMTOOL_PATH, or promtool on the PATH; when neither is there, installs Debian's `prometheus`
# package with apt-get (scripts/apt-install.sh), serialized by a lock.
set -euo pipefail
found() {
  if [ -n "${PROMTOOL_PATH:-}" ] && [ -x "$PROMTOOL_PATH" ]; then return 0; fi
  command -v promtool >/dev/null 2>&1
}
if found; then exit 0; fi
exec 9>/tmp/vigil-promtool-install.lock
flock 9
if found; then exit 0; fi
bash "$(dirname "$0")/apt-install.sh" prometheus "promtool, the /metrics test's checker"
