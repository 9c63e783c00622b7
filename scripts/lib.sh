# shellcheck shell=bash
# Shared helpers for the scripts in scripts/: logging, port waiting, PID files, free ports.
# Source it; it defines ROOT (the repository root) and the .platform/ layout.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PLATFORM_DIR="${PLATFORM_DIR:-$ROOT/.platform}"
PLATFORM_RUN="$PLATFORM_DIR/run"
PLATFORM_LOGS="$PLATFORM_DIR/logs"
PLATFORM_DATA="$PLATFORM_DIR/data"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
RABBITMQ_BIN="${RABBITMQ_BIN:-/usr/lib/rabbitmq/bin}"

if [[ -t 2 ]]; then _c_info=$'\e[1;34m' _c_warn=$'\e[1;33m' _c_err=$'\e[1;31m' _c_off=$'\e[0m'
else _c_info='' _c_warn='' _c_err='' _c_off=''; fi

log()  { printf '%s==>%s %s\n' "$_c_info" "$_c_off" "$*" >&2; }
warn() { printf '%sWARNING:%s %s\n' "$_c_warn" "$_c_off" "$*" >&2; }
die()  { printf '%sERROR:%s %s\n' "$_c_err" "$_c_off" "$*" >&2; exit 1; }

# Under `set -e` a failing command would end a script silently: say which one.
trap 'rc=$?; printf "%sERROR:%s command failed (exit %s) at %s:%s: %s\n" "$_c_err" "$_c_off" "$rc" "${BASH_SOURCE[0]##*/}" "$LINENO" "$BASH_COMMAND" >&2' ERR

# port_open PORT [HOST]: true when something accepts TCP connections there.
port_open() {
    local port=$1 host=${2:-127.0.0.1}
    (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null
}

# wait_port PORT TIMEOUT_S [WHAT] [PID]: wait until the port accepts connections; fails early if PID dies.
wait_port() {
    local port=$1 timeout=$2 what=${3:-port $1} pid=${4:-} i
    for ((i = 0; i < timeout * 4; i++)); do
        port_open "$port" && return 0
        if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then
            warn "$what exited before listening on port $port"; return 1
        fi
        sleep 0.25
    done
    warn "$what did not listen on port $port within ${timeout}s"; return 1
}

# wait_http TIMEOUT_S [PID] -- CURL_ARGS...: wait until curl -sf CURL_ARGS succeeds.
wait_http() {
    local timeout=$1 pid=$2 i; shift 2
    [[ ${1:-} == -- ]] && shift
    for ((i = 0; i < timeout * 2; i++)); do
        curl -sf -o /dev/null --max-time 3 "$@" && return 0
        if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then return 1; fi
        sleep 0.5
    done
    return 1
}

# ensure_port_free PORT WHAT: refuse to start WHAT on a port someone else already holds.
ensure_port_free() {
    port_open "$1" && die "port $1 (for $2) is already in use by another process; pick another with the env var (see README)"
    return 0
}

# PID files: pid_alive FILE is true when the file names a live process.
pid_read()  { [[ -s $1 ]] && head -n1 "$1" | tr -dc '0-9'; }
pid_alive() { local p; p=$(pid_read "$1") && [[ -n $p ]] && kill -0 "$p" 2>/dev/null; }

# kill_pidfile FILE NAME [TIMEOUT_S]: SIGTERM the process group the PID leads (our processes are started
# with setsid, so PID = PGID), wait, then SIGKILL. Removes the PID file.
kill_pidfile() {
    local file=$1 name=$2 timeout=${3:-20} pid i
    pid=$(pid_read "$file") || { rm -f "$file"; return 0; }
    if [[ -z $pid ]] || ! kill -0 "$pid" 2>/dev/null; then rm -f "$file"; return 0; fi
    log "stopping $name (pid $pid)"
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < timeout * 4; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.25
    done
    if kill -0 "$pid" 2>/dev/null; then
        warn "$name did not stop within ${timeout}s: SIGKILL"
        kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
        sleep 0.5
    fi
    rm -f "$file"
}

# start_bg PIDFILE LOGFILE CWD CMD...: start CMD detached in its own session (PID = PGID), append output to
# LOGFILE, record the PID. Environment is inherited: set it before calling (or use `env`).
start_bg() {
    local pidfile=$1 logfile=$2 cwd=$3; shift 3
    mkdir -p "$(dirname "$pidfile")" "$(dirname "$logfile")"
    (cd "$cwd" && exec setsid nohup "$@" >>"$logfile" 2>&1 </dev/null) &
    echo $! >"$pidfile"
}

# free_ports N: print N distinct free TCP ports on 127.0.0.1.
free_ports() {
    local n=$1
    if command -v python3 >/dev/null 2>&1; then
        python3 - "$n" <<'EOF'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
    else
        local ports=() p
        while ((${#ports[@]} < n)); do
            p=$((20000 + RANDOM % 30000))
            port_open "$p" || [[ " ${ports[*]} " == *" $p "* ]] || ports+=("$p")
        done
        echo "${ports[*]}"
    fi
}

# tail_log FILE [LINES]: show the end of a log for a failure message.
tail_log() {
    local file=$1 n=${2:-40}
    [[ -f $file ]] || return 0
    printf -- '----- last %s lines of %s -----\n' "$n" "$file" >&2
    tail -n "$n" "$file" >&2
    printf -- '-----\n' >&2
}
