# shellcheck shell=bash
# The canister engine's Node test in make test (make up and make down start and stop the engine like every other
# service of services/services.tsv). Sourced after lib.sh.
#   PLATFORM_TEST_FIXTURES=1    make test also rebuilds the test canisters (and the shop example's) and fails if the
#                               committed ones differ

# engine_test: the @dfinity/pic Node test, by URL and through POCKET_IC_BIN=scripts/pocket-ic (it starts its
# own engines on free ports); scripts/deps.sh installs its client from the committed lockfile.
engine_test() {
    command -v node >/dev/null || die "node is needed for the pic-js engine test"
    [[ -d $ROOT/tests/pic/node_modules ]] || die "tests/pic/node_modules is missing: run scripts/deps.sh"
    if [[ ${PLATFORM_TEST_FIXTURES:-0} == 1 ]]; then
        [[ -d $ROOT/dev/canisters/node_modules ]] || (cd "$ROOT/dev/canisters" && npm ci --ignore-scripts --no-audit --no-fund)
        log "rebuilding the test canisters (Motoko, wabt) and comparing them with dev/canisters/out"
        node "$ROOT/dev/canisters/build.js" --check || return 1
        [[ -d $ROOT/examples/shop/canisters/node_modules ]] || (cd "$ROOT/examples/shop/canisters" && npm ci --ignore-scripts --no-audit --no-fund)
        log "rebuilding the shop example's canisters and comparing them with examples/shop/canisters/out"
        node "$ROOT/examples/shop/canisters/build.js" --check || return 1
    fi
    # Built here, not by scripts/pocket-ic inside pic-js's 90 s wait for the port file.
    log "dotnet build services/Engine -c Release"
    (cd "$ROOT" && dotnet build services/Engine/Platform.Engine.csproj -c Release --nologo -v q -clp:ErrorsOnly) || die "engine build failed"
    log "pic-js engine test (tests/pic)"
    (cd "$ROOT" && node --test --test-concurrency=1 tests/pic/engine.test.cjs)
}
