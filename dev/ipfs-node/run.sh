#!/usr/bin/env bash
# Runs the js-ipfs dev node in the foreground, serving the Kubo RPC API on 127.0.0.1:<api-port>.
# Usage: dev/ipfs-node/run.sh <api-port> <repo-dir>      (from any directory; `npm ci` in dev/ipfs-node first)
# The last step execs node, so this script's PID is the daemon's: SIGTERM/SIGINT it to stop.
set -euo pipefail

if [[ $# -ne 2 || ! $1 =~ ^[0-9]+$ ]]; then
  echo "usage: $0 <api-port> <repo-dir>" >&2
  exit 2
fi
port=$1
repo=$2

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cli="$here/node_modules/ipfs/src/cli.js"
if [[ ! -f $cli ]]; then
  echo "js-ipfs is not installed: run 'npm ci' in $here" >&2
  exit 1
fi

mkdir -p "$repo"
repo=$(cd "$repo" && pwd)
export IPFS_PATH=$repo
# ipfs@0.66.1's floating deps need Promise.withResolvers (Node 22+); Node 20 gets a polyfill.
export NODE_OPTIONS="--require $here/polyfill.cjs${NODE_OPTIONS:+ $NODE_OPTIONS}"

# A daemon killed with SIGKILL leaves repo.lock (a directory, proper-lockfile) behind, and the next start within
# its 20 s staleness window fails with "Lock already being held". js-ipfs records no PID in it, so this script
# records the daemon's PID in daemon.pid (exec keeps $$) and removes the lock only when that process is gone.
lock=$repo/repo.lock
pidfile=$repo/daemon.pid
if [[ -e $lock ]]; then
  pid=$(tr -cd '0-9' < "$pidfile" 2>/dev/null || true)
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q ipfs; then
    echo "repo $repo is in use by running daemon pid $pid" >&2
    exit 1
  fi
  echo "removing stale $lock (daemon pid '${pid}' is not running)" >&2
  rm -rf -- "$lock"
fi

if [[ ! -f $repo/config ]]; then
  # --emptyRepo: no welcome files, so the pin set starts empty.
  node "$cli" init --emptyRepo >&2
fi

# Offline, loopback-only config; the API port is rewritten on every start so it may change between runs.
node "$here/configure.cjs" "$repo" "$port"

echo $$ > "$pidfile"
exec node "$cli" daemon --offline
