#!/usr/bin/env bash
# bench/scaler: the Scaler's policy against a naive threshold policy and a static allocation on seeded traces
# (step, ramp, diurnal, spike, steady; 3 services on 4 subnets), in one simulator. Pure computation: no stack needed.
# Usage: bench/scaler/run.sh [SEED...]   (default 42 and 1 to 7; the same seeds give the same numbers)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
exec dotnet run --project "$ROOT/bench/scaler/Platform.Bench.Scaler.csproj" -c Release --nologo -v q -- "$@"
