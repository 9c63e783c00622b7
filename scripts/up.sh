#!/usr/bin/env bash
# make up: build the solution and run the whole platform locally, without a Docker engine:
# PostgreSQL, RabbitMQ and the IPFS node as local processes, then the services of services/services.tsv.
# Everything lives under .platform/ (bin, data, logs, run). Running it again while the stack runs is harmless:
# whatever already runs (PID file + live process) is left alone.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$ROOT/scripts/config.sh"
source "$ROOT/scripts/servers.sh"
source "$ROOT/scripts/secrets.sh"

"$ROOT/scripts/deps.sh"
ipfs_require
mkdir -p "$PLATFORM_RUN" "$PLATFORM_LOGS" "$PLATFORM_DATA/blobs" "$PLATFORM_DIR/bin"

service_running() { # NAME PORT
    pid_alive "$PLATFORM_RUN/$1.pid" && port_open "$2"
}

# ---- build: only when some service must be (re)started; each service runs from its own publish directory
# under .platform/bin so later `dotnet build`s of the tree never touch the running binaries.
to_start=()
for entry in "${PLATFORM_SERVICES[@]}"; do
    IFS=: read -r name project portvar _ <<<"$entry"
    service_running "$name" "${!portvar}" || to_start+=("$entry")
done
if ((${#to_start[@]})) && [[ ${PLATFORM_SKIP_BUILD:-0} != 1 ]]; then
    log "dotnet build Platform.sln -c Release"
    (cd "$ROOT" && dotnet build Platform.sln -c Release --nologo -v q -clp:ErrorsOnly) || die "build failed"
    log "publishing ${#to_start[@]} service(s) to .platform/bin/"
    pids=()
    for entry in "${to_start[@]}"; do
        IFS=: read -r name project _ <<<"$entry"
        rm -rf "$PLATFORM_DIR/bin/$name"
        (cd "$ROOT" && dotnet publish "services/$project/Platform.$project.csproj" -c Release --no-build \
            --nologo -v q -o "$PLATFORM_DIR/bin/$name" >"$PLATFORM_LOGS/publish-$name.log" 2>&1) &
        pids+=($!)
    done
    for i in "${!pids[@]}"; do
        wait "${pids[$i]}" || { IFS=: read -r name _ <<<"${to_start[$i]}"; tail_log "$PLATFORM_LOGS/publish-$name.log"; die "publish of $name failed"; }
    done
fi

# ---- dependencies
save_stack_env
pg_start "$PLATFORM_DATA/postgres" "$PLATFORM_PG_PORT" "$PLATFORM_LOGS/postgres.log"
pg_ensure_db "$PLATFORM_PG_PORT" "$PLATFORM_PG_DATABASE"
rabbit_start "$PLATFORM_DATA/rabbitmq" "$PLATFORM_RABBITMQ_PORT" "$PLATFORM_RABBITMQ_DIST_PORT" \
    "$PLATFORM_RABBITMQ_NODE" "$PLATFORM_RUN/rabbitmq.pid" "$PLATFORM_LOGS/rabbitmq.log"
ipfs_start "$PLATFORM_IPFS_PORT" "$PLATFORM_DATA/ipfs" "$PLATFORM_RUN/ipfs.pid" "$PLATFORM_LOGS/ipfs.log"

# ---- services
export ConnectionStrings__Postgres="Host=127.0.0.1;Port=$PLATFORM_PG_PORT;Username=postgres;Database=$PLATFORM_PG_DATABASE"
export ConnectionStrings__RabbitMq="amqp://guest:guest@127.0.0.1:$PLATFORM_RABBITMQ_PORT/"
export Ipfs__ApiUrl="http://127.0.0.1:$PLATFORM_IPFS_PORT"
export Storage__Root="$PLATFORM_DATA/blobs"
# Where each service listens, as Services__<Project>: the gateway routes by it, Pinning reads Ingest's from it.
for entry in "${PLATFORM_SERVICES[@]}"; do
    IFS=: read -r name project portvar _ <<<"$entry"
    export "Services__$project=http://127.0.0.1:${!portvar}"
done
export Services__IngestUploads="http://127.0.0.1:$PLATFORM_INGEST_UPLOAD_PORT"
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
# The GC's smallest gen0 budget (hex bytes; an environment-only runtime knob, not a runtimeconfig one). By default
# it is sized to the CPU's cache, and a service then carries up to ~20 MiB of garbage between collections.
# The services allocate little per request (blob bodies stream through pooled buffers): 2 MiB is plenty, and
# Gateway + Ingest together use 10-20 MiB less during a big push (bench/). docker-compose.yml sets the same.
export DOTNET_GCgen0size=${DOTNET_GCgen0size:-0x200000}
# glibc gives each thread that mallocs under contention an arena of its own (up to 8 per core) and rarely hands
# their pages back: the runtime's and the JIT's native allocations left 19 MiB in three arenas in Ingest after two
# benchmark runs. Two arenas: Ingest's anonymous memory after the same runs 55 -> 40 MiB. docker-compose.yml too.
export MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2}
# glibc raises its mmap threshold each time a big mmapped block is freed (up to 32 MiB, the trim threshold to twice
# that), and from then on keeps that much freed memory at the top of each arena. Fixed at 128 KiB (their starting
# values), freed memory goes back to the kernel: Gateway + Ingest peak RSS over three 64 MiB pushes 305-313 ->
# 289-305 MiB (Ingest's anonymous memory 37-42 -> 28-34 MiB). docker-compose.yml too.
export MALLOC_TRIM_THRESHOLD_=${MALLOC_TRIM_THRESHOLD_:-131072} MALLOC_MMAP_THRESHOLD_=${MALLOC_MMAP_THRESHOLD_:-131072}

# ---- auth: secrets generated once and kept (see scripts/secrets.sh). Every service checks the gateway's
# signature on the actor it forwards; only the gateway gets the admin password, the key directory and TLS.
PLATFORM_ABS_DIR=$(cd "$PLATFORM_DIR" && pwd)
export Auth__InternalKey
Auth__InternalKey=$(ensure_secret "$PLATFORM_ABS_DIR/internal-key")
admin_password=$(ensure_secret "$PLATFORM_ABS_DIR/admin-password")
ensure_secret "$PLATFORM_ABS_DIR/pinning-master-key" >/dev/null
ensure_tls "$PLATFORM_ABS_DIR/tls"
gateway_env=(
    "Auth__AdminPassword=$admin_password"
    "Auth__KeyDirectory=$PLATFORM_ABS_DIR/keys"
    # Two endpoints: plain HTTP and HTTPS with the local CA's certificate (these replace --urls).
    "Kestrel__Endpoints__Http__Url=http://127.0.0.1:$PLATFORM_GATEWAY_PORT"
    "Kestrel__Endpoints__Https__Url=https://127.0.0.1:$PLATFORM_GATEWAY_TLS_PORT"
    "Kestrel__Endpoints__Https__Certificate__Path=$PLATFORM_ABS_DIR/tls/gateway.crt"
    "Kestrel__Endpoints__Https__Certificate__KeyPath=$PLATFORM_ABS_DIR/tls/gateway.key"
    # A third, for Prometheus: the gateway answers /metrics there only.
    "Kestrel__Endpoints__Metrics__Url=http://127.0.0.1:$PLATFORM_GATEWAY_METRICS_PORT"
)
# Ingest: h2c for everything, and HTTP/1.1 on a second port for the upload sessions the gateway forwards
# (these replace --urls; the h2c one takes its protocol from appsettings.json).
ingest_env=(
    "Kestrel__Endpoints__Http__Url=http://127.0.0.1:$PLATFORM_INGEST_PORT"
    "Kestrel__Endpoints__Uploads__Url=http://127.0.0.1:$PLATFORM_INGEST_UPLOAD_PORT"
    "Kestrel__Endpoints__Uploads__Protocols=Http1"
)

# The canister engine keeps compiled modules (Wasmtime's serialized form) across restarts, and its long-lived
# instance `platform` (instance 0, PLATFORM_ENGINE_SUBNETS application subnets when first created) under
# data/engine/platform: a snapshot and a log of every committed update (services/Engine/README.md).
engine_env=("Engine__ModuleCacheDirectory=$PLATFORM_ABS_DIR/data/engine/modules"
    "Engine__DataDirectory=$PLATFORM_ABS_DIR/data/engine"
    "Engine__PersistentSubnets=${PLATFORM_ENGINE_SUBNETS:-3}")
mkdir -p "$PLATFORM_DATA/engine/modules"

for entry in "${PLATFORM_SERVICES[@]}"; do
    IFS=: read -r name project portvar _ <<<"$entry"
    port=${!portvar}
    if service_running "$name" "$port"; then log "$name already running on port $port"; continue; fi
    pid_alive "$PLATFORM_RUN/$name.pid" && die "$name (pid $(pid_read "$PLATFORM_RUN/$name.pid")) runs but not on port $port: run make down first"
    dir="$PLATFORM_DIR/bin/$name"
    [[ -f $dir/Platform.$project.dll ]] || die "$dir/Platform.$project.dll is missing (PLATFORM_SKIP_BUILD=1 without a previous build?)"
    ensure_port_free "$port" "$name"
    extra_env=()
    if [[ $name == gateway ]]; then
        ensure_port_free "$PLATFORM_GATEWAY_TLS_PORT" "gateway (TLS)"
        ensure_port_free "$PLATFORM_GATEWAY_METRICS_PORT" "gateway (metrics)"
        extra_env=("${gateway_env[@]}")
    elif [[ $name == ingest ]]; then
        ensure_port_free "$PLATFORM_INGEST_UPLOAD_PORT" "ingest (uploads)"
        extra_env=("${ingest_env[@]}")
    elif [[ $name == engine ]]; then
        extra_env=("${engine_env[@]}")
    elif [[ $name == deploy ]]; then
        # Releases run on the engine's persistent instance `platform`, which is always instance 0.
        extra_env=("Engine__Url=http://127.0.0.1:$PLATFORM_ENGINE_PORT" "Engine__InstanceId=0")
    elif [[ $name == pinning ]]; then
        extra_env=("Pinning__MasterKeyFile=$PLATFORM_ABS_DIR/pinning-master-key")
    fi
    log "starting $name on 127.0.0.1:$port (log .platform/logs/$name.log)"
    # cwd = the publish directory: it is the content root, where appsettings.json is found.
    start_bg "$PLATFORM_RUN/$name.pid" "$PLATFORM_LOGS/$name.log" "$dir" \
        env "${extra_env[@]+"${extra_env[@]}"}" dotnet "Platform.$project.dll" --urls "http://127.0.0.1:$port"
done

# ---- readiness: every /readyz answers 200 (backends speak h2c only, the gateway HTTP/1.1).
readyz_args() { # PROTOCOL PORT
    if [[ $1 == h2c ]]; then echo "--http2-prior-knowledge http://127.0.0.1:$2/readyz"
    else echo "http://127.0.0.1:$2/readyz"; fi
}
log "waiting for /readyz of every service (timeout ${PLATFORM_READY_TIMEOUT}s)"
deadline=$((SECONDS + PLATFORM_READY_TIMEOUT))
pending=("${PLATFORM_SERVICES[@]}")
while ((${#pending[@]})); do
    still=()
    for entry in "${pending[@]}"; do
        IFS=: read -r name project portvar protocol _ <<<"$entry"
        # shellcheck disable=SC2046
        if curl -sf -o /dev/null --max-time 5 $(readyz_args "$protocol" "${!portvar}"); then continue; fi
        pid_alive "$PLATFORM_RUN/$name.pid" || { tail_log "$PLATFORM_LOGS/$name.log"; die "$name exited (see above; make down to stop the rest)"; }
        still+=("$entry")
    done
    pending=("${still[@]+"${still[@]}"}")
    ((${#pending[@]})) || break
    if ((SECONDS >= deadline)); then
        for entry in "${pending[@]}"; do
            IFS=: read -r name project portvar protocol _ <<<"$entry"
            # shellcheck disable=SC2046
            printf '%s /readyz: %s\n' "$name" "$(curl -s --max-time 5 $(readyz_args "$protocol" "${!portvar}") || echo 'no answer')" >&2
            tail_log "$PLATFORM_LOGS/$name.log" 30
        done
        die "not ready within ${PLATFORM_READY_TIMEOUT}s: $(printf '%s ' "${pending[@]%%:*}")(make down to stop the rest)"
    fi
    sleep 1
done

services_table=$(for entry in "${PLATFORM_SERVICES[@]}"; do
    IFS=: read -r name project portvar protocol _ <<<"$entry"
    [[ $name == gateway ]] && continue
    [[ $protocol == http1 ]] && protocol=http
    printf '  %-32s %s://127.0.0.1:%s\n' "$project" "$protocol" "${!portvar}"
done)
cat <<EOF

Platform is up.
  Registry (OCI Distribution API)  http://127.0.0.1:$PLATFORM_GATEWAY_PORT/v2/
                                   https://127.0.0.1:$PLATFORM_GATEWAY_TLS_PORT/v2/ (CA: $PLATFORM_ABS_DIR/tls/ca.crt)
  Admin                            user admin, password $admin_password
                                   (kept in $PLATFORM_ABS_DIR/admin-password)
  Gateway health                   http://127.0.0.1:$PLATFORM_GATEWAY_PORT/readyz
$services_table
  Ingest upload lane (HTTP/1.1)    http://127.0.0.1:$PLATFORM_INGEST_UPLOAD_PORT
  PostgreSQL                       Host=127.0.0.1;Port=$PLATFORM_PG_PORT;Username=postgres;Database=$PLATFORM_PG_DATABASE
  RabbitMQ                         amqp://guest:guest@127.0.0.1:$PLATFORM_RABBITMQ_PORT/ (node $PLATFORM_RABBITMQ_NODE)
  IPFS (Kubo RPC)                  http://127.0.0.1:$PLATFORM_IPFS_PORT/api/v0/
  Logs .platform/logs/   PIDs .platform/run/   Data .platform/data/
  Try: podman login --tls-verify=false -u admin 127.0.0.1:$PLATFORM_GATEWAY_PORT      Stop: make down
EOF
