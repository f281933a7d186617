#!/usr/bin/env bash
# Installs one Debian package for the tests, as root or through passwordless sudo, once even when
# several test workers ask at the same time (a lock per package). Called by install-chromium.sh and
# install-promtool.sh after they found nothing installed.
#   apt-install.sh <package> <what it is for>
set -euo pipefail
package="$1"
purpose="$2"
as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if ! sudo -n true 2>/dev/null; then
    echo "vigil: $purpose needs the Debian package $package, and there is no root to install it" >&2
    exit 1
  fi
  as_root=(sudo -n)
fi
echo "vigil: installing $package (apt-get) for $purpose" >&2
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq >&2
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "$package" >&2
