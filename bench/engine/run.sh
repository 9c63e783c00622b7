#!/usr/bin/env bash
# The canister engine's benchmark (bench/engine/Program.cs): builds it in Release and runs it in-process, no server
# needed. make bench runs it after the registry benchmark; BENCH_ONLY=engine make bench runs only this.
#   BENCH_ENGINE_SECONDS (1)  time per measurement      BENCH_ENGINE_ROUNDS (3)  turns per pair, medians reported
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$ROOT/scripts/lib.sh"
# A fresh clone has no local NuGet feed yet (the engine references Platform.Hosting, which needs it).
"$ROOT/scripts/deps.sh"
log "dotnet build bench/engine -c Release"
dotnet build "$ROOT/bench/engine/Platform.EngineBench.csproj" -c Release --nologo -v q -clp:ErrorsOnly >/dev/null || die "the engine benchmark does not build"
exec dotnet "$ROOT/bench/engine/bin/Release/net10.0/Platform.EngineBench.dll" "$ROOT"
