#!/usr/bin/env bash
# Install what the local stack and the tests need, only what is missing (a no-op in about a second when
# everything is there): Debian packages, the IPFS node's npm packages, the local NuGet feed package.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# ---- Debian packages: "package:probe" where probe is a command or an absolute path that proves it is installed.
APT_PACKAGES=(
    "postgresql:$PG_BIN/postgres"
    "rabbitmq-server:$RABBITMQ_BIN/rabbitmq-server"
    "skopeo:skopeo"
    "podman:podman"
    "buildah:buildah"
    "docker-registry:docker-registry"
    "ipfs-cid:ipfs_cid"
    "docker-compose:docker-compose"
    "docker.io:/usr/sbin/dockerd"
    "curl:curl"
    "iproute2:ss"
    "wrk:wrk"
    "chromium:/usr/bin/chromium"
    # The CLI test that checks the upload progress display runs the CLI in a real terminal.
    "tmux:tmux"
)
missing=()
for entry in "${APT_PACKAGES[@]}"; do
    pkg=${entry%%:*} probe=${entry#*:}
    if [[ $probe == /* ]]; then [[ -x $probe ]] && continue
    else command -v "$probe" >/dev/null 2>&1 && continue; fi
    dpkg -s "$pkg" 2>/dev/null | grep -q '^Status: install ok installed' && continue
    missing+=("$pkg")
done
if ((${#missing[@]})); then
    log "installing Debian packages: ${missing[*]}"
    sudo=(); [[ $(id -u) -eq 0 ]] || sudo=(sudo)
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# Debian starts no server from these packages here (no systemd); the scripts run their own.

command -v dotnet >/dev/null 2>&1 || die "dotnet (SDK 10) is not installed: see global.json"

# ---- Node packages, from their committed lockfiles: npm ci when node_modules is missing or older than the lockfile.
# dev/ipfs-node is the local IPFS node; tests/crosscheck/candid (@dfinity/candid) and tests/pic (@dfinity/pic, whose
# postinstall would download a PocketIC server: --ignore-scripts) are the independent judges the tests run.
npm_ci() { # DIR [npm ci options...]
    local dir=$ROOT/$1; shift
    [[ -f $dir/package-lock.json ]] || die "$dir/package-lock.json is missing"
    [[ -d $dir/node_modules && ! $dir/package-lock.json -nt $dir/node_modules ]] && return 0
    command -v npm >/dev/null 2>&1 || die "npm is needed for $dir"
    log "npm ci in ${dir#"$ROOT"/}"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error "$@") || die "npm ci in $dir failed"
    touch "$dir/node_modules"
}
npm_ci dev/ipfs-node
npm_ci tests/crosscheck/candid --ignore-scripts
npm_ci tests/pic --ignore-scripts
npm_ci tests/crosscheck/ic-wasm

# ---- Local NuGet feed: Patched.DistributedLock.Postgres (see build/Patched.DistributedLock.Postgres).
SHIM=build/Patched.DistributedLock.Postgres/Patched.DistributedLock.Postgres.csproj
SHIM_VERSION=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$ROOT/$SHIM" | head -n1)
if [[ ! -f $ROOT/.nuget-local/Patched.DistributedLock.Postgres.$SHIM_VERSION.nupkg ]]; then
    log "packing Patched.DistributedLock.Postgres $SHIM_VERSION into .nuget-local"
    (cd "$ROOT" && dotnet pack "$SHIM" -c Release -o .nuget-local --nologo -v q >/dev/null)
fi
