#!/usr/bin/env bash
# make test: validate docker-compose.yml, start an isolated PostgreSQL, RabbitMQ and IPFS node on free ports in
# a temp dir (never the `make up` ones), run `dotnet test Platform.sln` against them, always stop them.
# Extra arguments go to dotnet test, e.g. scripts/test.sh --filter FullyQualifiedName~Gateway
# PLATFORM_TEST_KEEP=1 keeps the temp dir (server logs) after the run.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$ROOT/scripts/servers.sh"

"$ROOT/scripts/deps.sh"
ipfs_require

if [[ -f $ROOT/docker-compose.yml ]]; then
    log "docker-compose config -q"
    (cd "$ROOT" && docker-compose -f docker-compose.yml config -q) || die "docker-compose.yml is invalid"
fi

TEST_DIR=$(mktemp -d /tmp/platform-test.XXXXXX)
chmod 755 "$TEST_DIR"   # PostgreSQL runs as the postgres user and must reach its directory
read -r PG_PORT AMQP_PORT DIST_PORT IPFS_PORT < <(free_ports 4)
RABBIT_NODE="platform-test-$$@localhost"

# Each failed test's name and the first lines of its message, from dotnet test's console log.
failed_tests_summary() {
    [[ -s $1 ]] || return 0
    local summary
    summary=$(awk '/^[[:space:]]+Failed .* \[[0-9<]/ { n = seen[$0]++ ? 0 : 4; if (n) print; next }
                   n > 0 && !/^[[:space:]]*(Error Message:|Stack Trace:)?[[:space:]]*$/ { print "      " $0; n-- }
                   /Stack Trace:/ { n = 0 }' "$1" | head -60)
    [[ -n $summary ]] || return 0
    warn "failed tests:"
    printf '%s\n' "$summary" >&2
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    set +e
    log "stopping the test servers"
    docker_stop "$TEST_DIR/docker"
    ipfs_stop "$TEST_DIR/ipfs.pid"
    rabbit_stop "$TEST_DIR/rabbitmq" "$AMQP_PORT" "$DIST_PORT" "$RABBIT_NODE" "$TEST_DIR/rabbitmq.pid"
    pg_stop "$TEST_DIR/pg"
    # Last, so that the end of a long log (all a CI page may show) names what failed.
    failed_tests_summary "$TEST_DIR/dotnet-test.log"
    if [[ ${PLATFORM_TEST_KEEP:-0} == 1 ]]; then log "kept $TEST_DIR"; else rm -rf "$TEST_DIR"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

pg_start "$TEST_DIR/pg" "$PG_PORT" "$TEST_DIR/postgres.log"
rabbit_start "$TEST_DIR/rabbitmq" "$AMQP_PORT" "$DIST_PORT" "$RABBIT_NODE" "$TEST_DIR/rabbitmq.pid" "$TEST_DIR/rabbitmq.log"
ipfs_start "$IPFS_PORT" "$TEST_DIR/ipfs" "$TEST_DIR/ipfs.pid" "$TEST_DIR/ipfs.log"
docker_test_start "$TEST_DIR/docker"

export PLATFORM_TEST_POSTGRES="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=postgres"
export PLATFORM_TEST_PG_BIN="$PG_BIN"
export PLATFORM_TEST_RABBITMQ="amqp://guest:guest@127.0.0.1:$AMQP_PORT/"
# To drive the broker from a test: env HOME=$PLATFORM_TEST_RABBITMQ_HOME /usr/lib/rabbitmq/bin/rabbitmqctl -n $PLATFORM_TEST_RABBITMQ_NODE ...
export PLATFORM_TEST_RABBITMQ_NODE="$RABBIT_NODE"
export PLATFORM_TEST_RABBITMQ_HOME="$TEST_DIR/rabbitmq"
export PLATFORM_TEST_IPFS="http://127.0.0.1:$IPFS_PORT"
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1

log "test servers: PostgreSQL :$PG_PORT, RabbitMQ :$AMQP_PORT ($RABBIT_NODE), IPFS :$IPFS_PORT"
log "dotnet test Platform.sln"
set +e
# Services hosted by the tests log warnings and up only (their console output lands in the test log); the health
# checks that tests turn red on purpose and the broker outages they cause are not worth a stack trace each.
(cd "$ROOT" && env Logging__LogLevel__Default=Warning \
    Logging__LogLevel__MassTransit=Error \
    'Logging__LogLevel__Microsoft.Extensions.Diagnostics.HealthChecks=Critical' \
    'Logging__LogLevel__Yarp.ReverseProxy.Forwarder=Error' \
    dotnet test Platform.sln --nologo --logger "console;verbosity=normal" "$@") 2>&1 | tee "$TEST_DIR/dotnet-test.log"
rc=${PIPESTATUS[0]}
# The pic-js engine test runs with the whole suite (not with a --filter); it needs none of the servers above.
if (($# == 0)); then source "$ROOT/scripts/engine.sh"; engine_test || rc=1; fi
set -e
if ((rc == 0)); then log "tests passed"; else warn "tests failed (exit $rc)"; fi
exit "$rc"
