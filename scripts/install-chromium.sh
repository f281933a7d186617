#!/usr/bin/env bash
# Installs Debian's chromium (for the status page tests, driven by playwright-core) when it is
# missing. Needs root and Debian's package sources; serialized by a lock so parallel test workers
# install once.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
exec 9>/tmp/vigil-chromium-install.lock
flock 9
if [ -x /usr/bin/chromium ]; then exit 0; fi
echo "vigil: installing chromium (apt-get) for the status page tests" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends chromium >&2
