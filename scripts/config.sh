# shellcheck shell=bash
# Ports and names of the local stack (make up). Every value can be overridden from the environment;
# up.sh records the values it used in .platform/run/stack.env so down.sh stops exactly that stack.

PLATFORM_GATEWAY_PORT=${PLATFORM_GATEWAY_PORT:-5000}
PLATFORM_INGEST_PORT=${PLATFORM_INGEST_PORT:-5101}
PLATFORM_METADATA_PORT=${PLATFORM_METADATA_PORT:-5102}
PLATFORM_PINNING_PORT=${PLATFORM_PINNING_PORT:-5103}
PLATFORM_AUDIT_PORT=${PLATFORM_AUDIT_PORT:-5104}
PLATFORM_SCALER_PORT=${PLATFORM_SCALER_PORT:-5105}
PLATFORM_IPFS_PORT=${PLATFORM_IPFS_PORT:-5001}
PLATFORM_PG_PORT=${PLATFORM_PG_PORT:-5433}
PLATFORM_PG_DATABASE=${PLATFORM_PG_DATABASE:-platform}
PLATFORM_RABBITMQ_PORT=${PLATFORM_RABBITMQ_PORT:-5673}
PLATFORM_RABBITMQ_DIST_PORT=${PLATFORM_RABBITMQ_DIST_PORT:-25673}
PLATFORM_RABBITMQ_NODE=${PLATFORM_RABBITMQ_NODE:-platform-$PLATFORM_RABBITMQ_DIST_PORT@localhost}
PLATFORM_READY_TIMEOUT=${PLATFORM_READY_TIMEOUT:-180}

# name:project directory:port variable. Backends first: the gateway's /readyz asks theirs.
PLATFORM_SERVICES=(
    "ingest:Ingest:PLATFORM_INGEST_PORT"
    "metadata:Metadata:PLATFORM_METADATA_PORT"
    "pinning:Pinning:PLATFORM_PINNING_PORT"
    "audit:Audit:PLATFORM_AUDIT_PORT"
    "scaler:Scaler:PLATFORM_SCALER_PORT"
    "gateway:Gateway:PLATFORM_GATEWAY_PORT"
)

STACK_ENV_VARS=(PLATFORM_GATEWAY_PORT PLATFORM_INGEST_PORT PLATFORM_METADATA_PORT PLATFORM_PINNING_PORT
    PLATFORM_AUDIT_PORT PLATFORM_SCALER_PORT PLATFORM_IPFS_PORT PLATFORM_PG_PORT PLATFORM_PG_DATABASE
    PLATFORM_RABBITMQ_PORT PLATFORM_RABBITMQ_DIST_PORT PLATFORM_RABBITMQ_NODE)

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
