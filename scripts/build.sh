#!/usr/bin/env bash
# make build: dependencies (local NuGet feed), then a Release build of the whole solution.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
"$ROOT/scripts/deps.sh"
cd "$ROOT"
exec dotnet build Platform.sln -c Release --nologo
