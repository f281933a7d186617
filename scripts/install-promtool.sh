#!/usr/bin/env bash
# Makes sure Prometheus's `promtool` is there for the /metrics test (test/status/promtool.test.ts
# checks the exposition with `promtool check metrics`, the linter Prometheus itself ships):
# $PROMTOOL_PATH, or promtool on the PATH; when neither is there, installs Debian's `prometheus`
# package with apt-get, as root or through passwordless sudo, serialized by a lock.
set -euo pipefail
found() {
  if [ -n "${PROMTOOL_PATH:-}" ] && [ -x "$PROMTOOL_PATH" ]; then return 0; fi
  command -v promtool >/dev/null 2>&1
}
if found; then exit 0; fi
exec 9>/tmp/vigil-promtool-install.lock
flock 9
if found; then exit 0; fi
as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if ! sudo -n true 2>/dev/null; then
    echo "vigil: no promtool found and no root to install it; install prometheus or set PROMTOOL_PATH" >&2
    exit 1
  fi
  as_root=(sudo -n)
fi
echo "vigil: installing prometheus (apt-get) for promtool, the /metrics test's checker" >&2
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq >&2
"${as_root[@]}" apt-get install -y -qq --no-install-recommends prometheus >&2
