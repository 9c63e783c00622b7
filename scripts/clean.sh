#!/usr/bin/env bash
# make clean: make down, then remove .platform/ (binaries, data, logs). The local NuGet feed stays.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
"$ROOT/scripts/down.sh"
log "removing $PLATFORM_DIR"
rm -rf "$PLATFORM_DIR"
