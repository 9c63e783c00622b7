# shellcheck shell=bash
# Ports and names of the local stack (make up). Every value can be overridden from the environment;
# up.sh records the values it used in .platform/run/stack.env so down.sh stops exactly that stack.

PLATFORM_GATEWAY_TLS_PORT=${PLATFORM_GATEWAY_TLS_PORT:-5443}
# The gateway's /metrics listener, for Prometheus only (the public listeners do not serve /metrics).
PLATFORM_GATEWAY_METRICS_PORT=${PLATFORM_GATEWAY_METRICS_PORT:-5009}
# Ingest's second listener, HTTP/1.1, for upload sessions through the gateway (blob bytes without HTTP/2 framing).
PLATFORM_INGEST_UPLOAD_PORT=${PLATFORM_INGEST_UPLOAD_PORT:-5111}
PLATFORM_IPFS_PORT=${PLATFORM_IPFS_PORT:-5001}
PLATFORM_PG_PORT=${PLATFORM_PG_PORT:-5433}
PLATFORM_PG_DATABASE=${PLATFORM_PG_DATABASE:-platform}
PLATFORM_RABBITMQ_PORT=${PLATFORM_RABBITMQ_PORT:-5673}
PLATFORM_RABBITMQ_DIST_PORT=${PLATFORM_RABBITMQ_DIST_PORT:-25673}
PLATFORM_RABBITMQ_NODE=${PLATFORM_RABBITMQ_NODE:-platform-$PLATFORM_RABBITMQ_DIST_PORT@localhost}
PLATFORM_READY_TIMEOUT=${PLATFORM_READY_TIMEOUT:-180}

STACK_ENV_VARS=(PLATFORM_GATEWAY_TLS_PORT PLATFORM_INGEST_UPLOAD_PORT PLATFORM_IPFS_PORT PLATFORM_PG_PORT
    PLATFORM_PG_DATABASE PLATFORM_RABBITMQ_PORT PLATFORM_RABBITMQ_DIST_PORT PLATFORM_RABBITMQ_NODE
    PLATFORM_GATEWAY_METRICS_PORT)

# The services come from services/services.tsv, the one list of them (the gateway and the tests read it too), in
# start order: backends first, since the gateway's /readyz asks theirs. Each entry is
# name:project:port variable:protocol:routed, and each port variable gets the file's port unless it is set.
PLATFORM_SERVICES=()
while read -r name project portvar port protocol routed; do
    [[ -z $name || $name == \#* ]] && continue
    printf -v "$portvar" '%s' "${!portvar:-$port}"
    PLATFORM_SERVICES+=("$name:$project:$portvar:$protocol:$routed")
    STACK_ENV_VARS+=("$portvar")
done <"$ROOT/services/services.tsv"

# save_stack_env / load_stack_env: what the running stack was started with.
save_stack_env() {
    mkdir -p "$PLATFORM_RUN"
    local v; for v in "${STACK_ENV_VARS[@]}"; do printf '%s=%q\n' "$v" "${!v}"; done >"$PLATFORM_RUN/stack.env"
}
load_stack_env() {
    # shellcheck disable=SC1091
    [[ -f $PLATFORM_RUN/stack.env ]] && source "$PLATFORM_RUN/stack.env"
    return 0
}
