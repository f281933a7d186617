#!/usr/bin/env bash
# Makes sure a Chromium-family browser is there for the status page tests (driven by
# playwright-core). Any of these will do, first found wins (test/support/chromium.ts looks in
# the same places): $CHROMIUM_PATH, Debian's chromium, chromium-browser, Google Chrome (which
# GitHub's Ubuntu runners carry). When none is there, installs Debian's `chromium` with apt-get,
# as root or through passwordless sudo; serialized by a lock so parallel test workers install once.
set -euo pipefail
CANDIDATES=("${CHROMIUM_PATH:-}" /usr/bin/chromium /usr/bin/chromium-browser /usr/bin/google-chrome /usr/bin/google-chrome-stable)
found() {
  for c in "${CANDIDATES[@]}"; do
    if [ -n "$c" ] && [ -x "$c" ]; then return 0; fi
  done
  return 1
}
if found; then exit 0; fi
exec 9>/tmp/vigil-chromium-install.lock
flock 9
if found; then exit 0; fi
as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if ! sudo -n true 2>/dev/null; then
    echo "vigil: no Chromium found and no root to install one; install chromium or set CHROMIUM_PATH" >&2
    exit 1
  fi
  as_root=(sudo -n)
fi
echo "vigil: installing chromium (apt-get) for the status page tests" >&2
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq >&2
"${as_root[@]}" apt-get install -y -qq --no-install-recommends chromium >&2
