# shellcheck shell=bash
# What bench/run.sh and bench/push-small.sh share: a scratch directory, the reference registry (distribution, as
# Debian packages it) started on a spare port, and the small timing helpers. Sourced after scripts/lib.sh.

# bench_start PREFIX: makes $WORK, starts the reference registry under it ($REFERENCE, $REF_PID) and stops it and
# removes $WORK on exit.
bench_start() {
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
    REF_PID=""
    trap bench_cleanup EXIT
    local port
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    REFERENCE="127.0.0.1:$port"
    mkdir -p "$WORK/reference"
    cat >"$WORK/reference/config.yml" <<YAML
version: 0.1
log: { level: error }
storage:
  filesystem: { rootdirectory: $WORK/reference/data }
  delete: { enabled: true }
http: { addr: $REFERENCE }
YAML
    docker-registry serve "$WORK/reference/config.yml" >"$WORK/reference/log" 2>&1 &
    REF_PID=$!
    wait_http 30 "$REF_PID" -- "http://$REFERENCE/v2/" || die "the reference registry did not start: $(tail -5 "$WORK/reference/log")"
}

bench_cleanup() {
    # The reference dies of our SIGTERM, so its wait returns 143: not the benchmark's status (set -e would make it so).
    if [[ -n ${REF_PID:-} ]]; then kill "$REF_PID" 2>/dev/null && wait "$REF_PID" 2>/dev/null || true; fi
    rm -rf "${WORK:?}"
}

# skopeo remembers where it pushed a blob and mounts instead of uploading: forget it before each measurement.
forget_blobs() { rm -f /var/lib/containers/cache/blob-info-cache-v1.* "$HOME"/.local/share/containers/cache/blob-info-cache-v1.* 2>/dev/null || true; }
now() { date +%s.%N; }
elapsed() { python3 -c "print(f'{$2 - $1:.3f}')"; }
median() { python3 -c 'import statistics, sys; print(f"{statistics.median(map(float, sys.argv[1:])):.3f}")' "$@"; }
