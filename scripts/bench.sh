#!/usr/bin/env bash
# make bench: run bench/run.sh when the benchmarks exist.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
if [[ -x $ROOT/bench/run.sh ]]; then exec "$ROOT/bench/run.sh" "$@"; fi
if [[ -f $ROOT/bench/run.sh ]]; then exec bash "$ROOT/bench/run.sh" "$@"; fi
warn "bench/run.sh does not exist yet: nothing to run"
