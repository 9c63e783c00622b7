#!/usr/bin/env bash
# make down: stop exactly what `make up` started, by its PID files (services, then the IPFS node, RabbitMQ,
# PostgreSQL). Data under .platform/data is kept.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$ROOT/scripts/config.sh"
source "$ROOT/scripts/servers.sh"
load_stack_env   # the ports/node name the running stack was started with

# Services: SIGTERM all (gateway first so it stops taking requests), then wait for each (SIGKILL after 30 s).
pids=()
for ((i = ${#PLATFORM_SERVICES[@]} - 1; i >= 0; i--)); do
    name=${PLATFORM_SERVICES[$i]%%:*}
    [[ -f $PLATFORM_RUN/$name.pid ]] || continue
    kill_pidfile "$PLATFORM_RUN/$name.pid" "$name" 30 &
    pids+=($!)
done
for p in "${pids[@]+"${pids[@]}"}"; do wait "$p" || true; done

ipfs_stop "$PLATFORM_RUN/ipfs.pid"
rabbit_stop "$PLATFORM_DATA/rabbitmq" "$PLATFORM_RABBITMQ_PORT" "$PLATFORM_RABBITMQ_DIST_PORT" \
    "$PLATFORM_RABBITMQ_NODE" "$PLATFORM_RUN/rabbitmq.pid"
pg_stop "$PLATFORM_DATA/postgres"
rm -f "$PLATFORM_RUN/stack.env"
log "platform stopped (data kept in .platform/data; make clean removes it)"
