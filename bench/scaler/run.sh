#!/usr/bin/env bash
# bench/scaler: the Scaler's policy against a naive threshold policy and a static allocation on seeded traces
# (step, ramp, diurnal, spike, steady; 3 services on 4 subnets), in one simulator. Pure computation: no stack needed.
# Usage: bench/scaler/run.sh [SEED...]   (default 42 and 1 to 7; the same seeds give the same numbers)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$ROOT/scripts/lib.sh"
# Built, then run: `dotnet run` hands options it does not know (--nologo) to the program as arguments.
dotnet build "$ROOT/bench/scaler/Platform.Bench.Scaler.csproj" -c Release --nologo -v q -clp:ErrorsOnly >/dev/null || die "the scaler benchmark does not build"
exec dotnet "$ROOT/bench/scaler/bin/Release/net10.0/Platform.Bench.Scaler.dll" "$@"
