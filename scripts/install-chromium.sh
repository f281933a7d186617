#!/usr/bin/env bash
# Makes sure a Chromium-family browser is there for the status page tests (driven by
# playwright-core). Any of these will do, first found wins (test/support/chromium.ts looks in
# the same places): $CHROMIUM_PATH, Debian's chromium, chromium-browser, Google Chrome (which
# GitHub's Ubuntu runners carry). When none is there, installs Debian's `chromium` with apt-get
# (scripts/apt-install.sh), serialized by a lock so parallel test workers install once.
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
bash "$(dirname "$0")/apt-install.sh" chromium "the status page tests"
