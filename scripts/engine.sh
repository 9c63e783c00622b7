# shellcheck shell=bash
# The canister engine (services/Engine, PocketIC's REST API) in make up, make down and make test.
# Sourced after lib.sh; each entry point is one call: engine_up, engine_down, engine_test.
#   PLATFORM_ENGINE_PORT        make up's port (default 5200), HTTP/1.1 on 127.0.0.1
#   PLATFORM_TEST_FIXTURES=1    make test also rebuilds the test canisters and fails if the committed ones differ

PLATFORM_ENGINE_PORT=${PLATFORM_ENGINE_PORT:-5200}

# engine_up: publish to .platform/bin/engine (unless PLATFORM_SKIP_BUILD=1), start, wait for /healthz.
engine_up() {
    local dir="$PLATFORM_DIR/bin/engine" port=$PLATFORM_ENGINE_PORT deadline
    if pid_alive "$PLATFORM_RUN/engine.pid" && port_open "$port"; then log "engine already running on port $port"; return 0; fi
    pid_alive "$PLATFORM_RUN/engine.pid" && die "the engine (pid $(pid_read "$PLATFORM_RUN/engine.pid")) runs but not on port $port: run make down first"
    if [[ ${PLATFORM_SKIP_BUILD:-0} != 1 || ! -f $dir/Platform.Engine.dll ]]; then
        log "publishing the engine to .platform/bin/engine"
        rm -rf "$dir"
        (cd "$ROOT" && dotnet publish services/Engine/Platform.Engine.csproj -c Release --nologo -v q -o "$dir" \
            >"$PLATFORM_LOGS/publish-engine.log" 2>&1) || { tail_log "$PLATFORM_LOGS/publish-engine.log"; die "publish of the engine failed"; }
    fi
    ensure_port_free "$port" engine
    mkdir -p "$PLATFORM_DATA/engine/modules"
    log "starting engine on 127.0.0.1:$port (log .platform/logs/engine.log)"
    start_bg "$PLATFORM_RUN/engine.pid" "$PLATFORM_LOGS/engine.log" "$dir" \
        env Engine__ModuleCacheDirectory="$PLATFORM_DATA/engine/modules" dotnet Platform.Engine.dll --urls "http://127.0.0.1:$port"
    deadline=$((SECONDS + ${PLATFORM_READY_TIMEOUT:-180}))
    until curl -sf -o /dev/null --max-time 5 "http://127.0.0.1:$port/healthz"; do
        pid_alive "$PLATFORM_RUN/engine.pid" || { tail_log "$PLATFORM_LOGS/engine.log"; die "the engine exited"; }
        ((SECONDS < deadline)) || die "the engine did not answer /healthz within ${PLATFORM_READY_TIMEOUT:-180}s"
        sleep 0.5
    done
    log "engine (PocketIC REST API) on http://127.0.0.1:$port"
}

engine_down() {
    kill_pidfile "$PLATFORM_RUN/engine.pid" engine 30
}

# engine_test: the @dfinity/pic Node test, by URL and through POCKET_IC_BIN=scripts/pocket-ic (it starts its
# own engines on free ports), after installing its client from the committed lockfile.
engine_test() {
    command -v node >/dev/null || die "node is needed for the pic-js engine test"
    if [[ ! -d $ROOT/tests/pic/node_modules ]]; then
        log "npm ci --ignore-scripts in tests/pic"
        (cd "$ROOT/tests/pic" && npm ci --ignore-scripts --no-audit --no-fund) || die "npm ci in tests/pic failed"
    fi
    if [[ ${PLATFORM_TEST_FIXTURES:-0} == 1 ]]; then
        [[ -d $ROOT/dev/canisters/node_modules ]] || (cd "$ROOT/dev/canisters" && npm ci --ignore-scripts --no-audit --no-fund)
        log "rebuilding the test canisters (Motoko, wabt) and comparing them with dev/canisters/out"
        node "$ROOT/dev/canisters/build.js" --check || return 1
    fi
    # Built here, not by scripts/pocket-ic inside pic-js's 90 s wait for the port file.
    log "dotnet build services/Engine -c Release"
    (cd "$ROOT" && dotnet build services/Engine/Platform.Engine.csproj -c Release --nologo -v q -clp:ErrorsOnly) || die "engine build failed"
    log "pic-js engine test (tests/pic)"
    (cd "$ROOT" && node --test --test-concurrency=1 tests/pic/engine.test.cjs)
}
