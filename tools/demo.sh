#!/usr/bin/env bash
# Installs only what building and running hull needs and builds only the hull binary
# (tools/setup.sh --minimal), then runs the isolated-shell example: a container with its own
# pid, mount, uts, ipc and network namespaces that prints what it sees. Needs root.
# Exits with the example's status.
set -euo pipefail
cd "$(dirname "$0")/.."
./tools/setup.sh --minimal
echo
HULL="$PWD/build/hull" exec ./examples/isolated-shell/run.sh
