# shellcheck shell=bash
# Start/stop the platform's dependencies as plain local processes (no Docker engine needed):
# PostgreSQL 15 (own cluster), RabbitMQ (own node), the IPFS node of dev/ipfs-node; for make test also a
# private Docker daemon (docker.io), which the docker end-to-end tests push to the gateway with.
# Used by up.sh/down.sh (the dev stack under .platform/) and test.sh (an isolated stack in a temp dir).
# Source scripts/lib.sh first.

# ---------------------------------------------------------------- PostgreSQL
# PostgreSQL refuses to run as root: every server command goes through the postgres user.
_as_postgres() {
    if [[ $(id -u) -eq 0 ]]; then (cd / && runuser -u postgres -- "$@")
    else (cd / && "$@"); fi
}

# pg_running DIR: the cluster in DIR/data is up.
pg_running() {
    [[ -f $1/data/postmaster.pid ]] && _as_postgres "$PG_BIN/pg_ctl" -D "$1/data" status >/dev/null 2>&1
}

# pg_start DIR PORT LOGFILE: initdb DIR/data if needed, start on 127.0.0.1:PORT (socket in DIR), wait.
pg_start() {
    local dir=$1 port=$2 logfile=$3
    if pg_running "$dir"; then
        port_open "$port" || die "PostgreSQL in $dir runs, but not on port $port (changed PLATFORM_PG_PORT? run make down first)"
        log "PostgreSQL already running on port $port"; return 0
    fi
    ensure_port_free "$port" PostgreSQL
    mkdir -p "$dir" "$(dirname "$logfile")"
    [[ $(id -u) -eq 0 ]] && chown postgres: "$dir"
    if [[ ! -f $dir/data/PG_VERSION ]]; then
        log "initdb $dir/data"
        _as_postgres "$PG_BIN/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --no-instructions >/dev/null \
            || die "initdb failed for $dir/data"
    fi
    touch "$logfile"; [[ $(id -u) -eq 0 ]] && chown postgres: "$logfile"
    log "starting PostgreSQL on 127.0.0.1:$port (data $dir/data, log $logfile)"
    # setsid: the postmaster must not share our process group (a Ctrl-C of a later command must not reach it).
    local -a as_pg=(); [[ $(id -u) -eq 0 ]] && as_pg=(runuser -u postgres --)
    if ! (cd / && setsid -w "${as_pg[@]}" "$PG_BIN/pg_ctl" -D "$dir/data" -l "$logfile" -w -t 60 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=400" start >/dev/null); then
        tail_log "$logfile"; die "PostgreSQL did not start"
    fi
    wait_port "$port" 30 PostgreSQL || { tail_log "$logfile"; die "PostgreSQL did not start"; }
}

# pg_stop DIR: fast shutdown (data kept).
pg_stop() {
    local dir=$1
    pg_running "$dir" || return 0
    log "stopping PostgreSQL ($dir/data)"
    _as_postgres "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null || warn "pg_ctl stop failed for $dir/data"
}

# pg_ensure_db PORT NAME: create database NAME if missing.
pg_ensure_db() {
    local port=$1 name=$2 psql=(psql -h 127.0.0.1 -p "$1" -U postgres -X -q -v ON_ERROR_STOP=1)
    [[ -x $PG_BIN/psql ]] && psql[0]=$PG_BIN/psql
    if [[ $("${psql[@]}" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$name'") != 1 ]]; then
        log "creating database $name"
        "${psql[@]}" -d postgres -c "CREATE DATABASE \"$name\"" >/dev/null
    fi
}

# ---------------------------------------------------------------- RabbitMQ
# The real scripts under /usr/lib/rabbitmq/bin (the /usr/sbin wrappers switch to the rabbitmq user and
# another Erlang cookie). HOME=DIR gives the node and its CLI tools the same cookie.
# _rabbit_env DIR PORT DIST_PORT NODENAME: print the environment as NAME=VALUE lines for `env`.
_rabbit_env() {
    local dir=$1 port=$2 dist=$3 node=$4
    printf '%s\n' \
        "HOME=$dir" \
        "RABBITMQ_NODENAME=$node" \
        "RABBITMQ_NODE_IP_ADDRESS=127.0.0.1" \
        "RABBITMQ_NODE_PORT=$port" \
        "RABBITMQ_DIST_PORT=$dist" \
        "RABBITMQ_MNESIA_BASE=$dir/mnesia" \
        "RABBITMQ_LOG_BASE=$dir/log" \
        "RABBITMQ_ENABLED_PLUGINS_FILE=$dir/enabled_plugins" \
        "RABBITMQ_PID_FILE=$dir/rabbitmq.pid" \
        "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=-kernel inet_dist_use_interface {127,0,0,1}"
}

# rabbit_ctl DIR PORT DIST_PORT NODENAME TOOL ARGS...: run a CLI tool (rabbitmqctl, rabbitmq-diagnostics...) against the node.
rabbit_ctl() {
    local dir=$1 port=$2 dist=$3 node=$4 tool=$5; shift 5
    local -a envs; mapfile -t envs < <(_rabbit_env "$dir" "$port" "$dist" "$node")
    env "${envs[@]}" "$RABBITMQ_BIN/$tool" -n "$node" "$@"
}

# _epmd_pid: PID of the process listening on the epmd port, if any.
_epmd_pid() {
    local epmd_port=${ERL_EPMD_PORT:-4369}
    ss -ltnpH "sport = :$epmd_port" 2>/dev/null | grep -o 'pid=[0-9]*' | head -n1 | cut -d= -f2 || true
}

# rabbit_start DIR PORT DIST_PORT NODENAME PIDFILE LOGFILE: start a node in the background, wait for AMQP.
rabbit_start() {
    local dir=$1 port=$2 dist=$3 node=$4 pidfile=$5 logfile=$6 epmd_before pid epmd
    if pid_alive "$pidfile" && port_open "$port"; then
        log "RabbitMQ already running on port $port"; return 0
    fi
    pid_alive "$pidfile" && die "RabbitMQ (pid $(pid_read "$pidfile")) runs but not on port $port: run make down first"
    ensure_port_free "$port" "RabbitMQ (AMQP)"
    ensure_port_free "$dist" "RabbitMQ (Erlang distribution)"
    mkdir -p "$dir/mnesia" "$dir/log"
    [[ -f $dir/enabled_plugins ]] || echo '[].' >"$dir/enabled_plugins"
    epmd_before=$(_epmd_pid)
    log "starting RabbitMQ node $node on 127.0.0.1:$port (dist $dist, dir $dir, log $logfile)"
    local -a envs; mapfile -t envs < <(_rabbit_env "$dir" "$port" "$dist" "$node")
    start_bg "$pidfile" "$logfile" "$dir" env "${envs[@]}" "$RABBITMQ_BIN/rabbitmq-server"
    pid=$(pid_read "$pidfile")
    # The CLI's ping answers before the AMQP listener is up: wait for the port itself.
    if ! wait_port "$port" 90 RabbitMQ "$pid"; then
        tail_log "$logfile"; die "RabbitMQ did not start"
    fi
    # Remember an epmd this start brought up, so stopping can end it (only if no other node uses it).
    epmd=$(_epmd_pid)
    if [[ -z $epmd_before && -n $epmd ]]; then echo "$epmd" >"$dir/epmd.pid"; else rm -f "$dir/epmd.pid"; fi
}

# rabbit_stop DIR PORT DIST_PORT NODENAME PIDFILE
rabbit_stop() {
    local dir=$1 port=$2 dist=$3 node=$4 pidfile=$5 i epmd
    if pid_alive "$pidfile"; then
        log "stopping RabbitMQ node $node"
        rabbit_ctl "$dir" "$port" "$dist" "$node" rabbitmqctl -q --timeout 30 shutdown >/dev/null 2>&1 \
            || warn "rabbitmqctl shutdown failed; signalling the node"
        for ((i = 0; i < 60; i++)); do pid_alive "$pidfile" || break; sleep 0.25; done
        kill_pidfile "$pidfile" RabbitMQ 20
    fi
    rm -f "$pidfile"
    # Never `epmd -kill` (other nodes on this machine share it): end the one we started, by PID, if unused.
    if [[ -f $dir/epmd.pid ]]; then
        epmd=$(pid_read "$dir/epmd.pid")
        if [[ -n $epmd ]] && [[ $(_epmd_pid) == "$epmd" ]]; then
            if epmd -names 2>/dev/null | grep -q '^name '; then
                log "epmd (pid $epmd) still serves other Erlang nodes: left running"
            else
                log "stopping epmd (pid $epmd) started with $node"
                kill "$epmd" 2>/dev/null || true
            fi
        fi
        rm -f "$dir/epmd.pid"
    fi
}

# ---------------------------------------------------------------- IPFS (dev/ipfs-node)
IPFS_RUN="$ROOT/dev/ipfs-node/run.sh"

ipfs_require() {
    [[ -f $IPFS_RUN ]] || die "$IPFS_RUN is missing: the IPFS node (Kubo RPC API) comes from dev/ipfs-node; \
it is required by make up and make test"
    [[ -d $ROOT/dev/ipfs-node/node_modules ]] || die "dev/ipfs-node/node_modules is missing: run scripts/deps.sh (npm ci)"
}

ipfs_ready() { curl -sf -o /dev/null --max-time 3 -X POST "http://127.0.0.1:$1/api/v0/id"; }

# ipfs_start PORT REPO_DIR PIDFILE LOGFILE: run dev/ipfs-node/run.sh in the background, wait for /api/v0/id.
ipfs_start() {
    local port=$1 repo=$2 pidfile=$3 logfile=$4 pid
    ipfs_require
    if pid_alive "$pidfile" && ipfs_ready "$port"; then
        log "IPFS node already running on port $port"; return 0
    fi
    pid_alive "$pidfile" && die "IPFS node (pid $(pid_read "$pidfile")) runs but does not answer on port $port: run make down first"
    ensure_port_free "$port" "IPFS API"
    mkdir -p "$repo"
    log "starting IPFS node on 127.0.0.1:$port (repo $repo, log $logfile)"
    start_bg "$pidfile" "$logfile" "$ROOT/dev/ipfs-node" bash "$IPFS_RUN" "$port" "$repo"
    pid=$(pid_read "$pidfile")
    if ! wait_http 120 "$pid" -- -X POST "http://127.0.0.1:$port/api/v0/id"; then
        tail_log "$logfile"; kill_pidfile "$pidfile" IPFS 10; die "IPFS node did not answer POST /api/v0/id on port $port"
    fi
}

# ipfs_stop PIDFILE: SIGTERM the node's process group (it shuts down cleanly; pins and data are kept).
ipfs_stop() { kill_pidfile "$1" "IPFS node" 20; }

# ---------------------------------------------------------------- Docker daemon (docker.io's dockerd)
# A private daemon for the docker end-to-end tests: its own data, exec root and socket under DIR, vfs storage,
# no networking of its own (no iptables, no bridge). Without systemd; stopped by its PID file.

# docker_start DIR [HTTPS_PROXY]: start dockerd on unix://DIR/docker.sock (log DIR/dockerd.log), wait for /_ping.
# A daemon that does not come up is only warned about: the docker tests then fail with its log.
# HTTPS_PROXY, if given, is the daemon's proxy for registries that are not on loopback (loopback never is proxied).
docker_start() {
    local dir=$1 proxy=${2:-} pid
    mkdir -p "$dir"
    # Its own configuration file, so neither /etc/docker/daemon.json is read nor /etc/docker/key.json written.
    printf '{"deprecated-key-path": "%s"}\n' "$dir/key.json" >"$dir/daemon.json"
    log "starting dockerd on unix://$dir/docker.sock (log $dir/dockerd.log)"
    start_bg "$dir/dockerd.launch.pid" "$dir/dockerd.log" "$dir" \
        env -u HTTP_PROXY -u http_proxy -u https_proxy -u NO_PROXY -u no_proxy HTTPS_PROXY="$proxy" \
        dockerd --data-root "$dir/data" --exec-root "$dir/exec" -H "unix://$dir/docker.sock" \
        --pidfile "$dir/docker.pid" --config-file "$dir/daemon.json" \
        --iptables=false --ip6tables=false --bridge=none --storage-driver=vfs
    pid=$(pid_read "$dir/dockerd.launch.pid")
    if ! wait_http 60 "$pid" -- --unix-socket "$dir/docker.sock" http://localhost/_ping; then
        tail_log "$dir/dockerd.log"; warn "dockerd did not start: the docker tests will fail"
    fi
}

# docker_stop DIR: SIGTERM the daemon (and the containerd it started, same process group), wait, SIGKILL if needed.
docker_stop() {
    local dir=$1
    [[ -f $dir/docker.pid ]] && kill_pidfile "$dir/docker.pid" dockerd 30
    kill_pidfile "$dir/dockerd.launch.pid" dockerd 10
}

# docker_test_start DIR: the daemon of make test's docker tests, and the PLATFORM_TEST_DOCKER_* variables they read:
# _HOST (its socket), _LOG (its log, shown when it did not start), _PROXY_PORT (the tests serve the daemon's
# HTTPS proxy there, to reach the gateway's TLS port under a name docker verifies certificates for).
docker_test_start() {
    local dir=$1 proxy_port
    read -r proxy_port < <(free_ports 1)
    docker_start "$dir" "http://127.0.0.1:$proxy_port"
    export PLATFORM_TEST_DOCKER_HOST="unix://$dir/docker.sock" PLATFORM_TEST_DOCKER_LOG="$dir/dockerd.log" \
        PLATFORM_TEST_DOCKER_PROXY_PORT="$proxy_port"
}
