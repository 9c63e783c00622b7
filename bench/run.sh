#!/usr/bin/env bash
# make bench: the platform's gateway against the reference registry (distribution 2.8, Debian's
# docker-registry, started here on a spare port), in the same run, on the same machine, with the same client:
#   - push and pull of a single-layer image of BENCH_BIG_MIB (512) MiB with skopeo, BENCH_REPEAT (3) times each,
#     the two registries taking turns, the median reported;
#   - push and pull of BENCH_SMALL_COUNT (50) small images, all at once, and BENCH_GET_SECONDS (10) s of
#     concurrent manifest GETs (wrk), BENCH_REPEAT times too, the two registries taking turns, medians reported;
#   - peak RSS of Gateway + Ingest during the big pushes;
#   - pinning lag (manifest PUT -> last blob pinned) for the small images, when the platform pins.
# Pulls are measured once the platform has pinned what was pushed (its steady state; the pinning time is
# reported too). It prints each measurement, the ratio platform/reference, the goal and whether the goal was met;
# the script reports, it does not fail on a missed goal.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# `make bench` runs everything; `scripts/bench.sh scaler` only the Scaler's simulation (bench/scaler, no stack needed).
if [[ ${1:-} == scaler ]]; then shift; exec "$ROOT/bench/scaler/run.sh" "$@"; fi
source "$ROOT/scripts/lib.sh"
# The canister engine's benchmark runs in-process (bench/engine/run.sh): alone with BENCH_ONLY=engine, else after this one.
if [[ ${BENCH_ONLY:-} == engine ]]; then exec "$ROOT/bench/engine/run.sh"; fi
source "$ROOT/scripts/config.sh"
source "$ROOT/bench/lib.sh"
load_stack_env

BIG_MIB=${BENCH_BIG_MIB:-512}
REPEAT=${BENCH_REPEAT:-3}
SMALL_COUNT=${BENCH_SMALL_COUNT:-50}
SMALL_KIB=${BENCH_SMALL_KIB:-256}
GET_SECONDS=${BENCH_GET_SECONDS:-10}
PLATFORM="127.0.0.1:$PLATFORM_GATEWAY_PORT"

for tool in skopeo wrk docker-registry python3 curl; do
    command -v "$tool" >/dev/null || die "$tool is missing: run 'make up' (it installs the benchmark's tools)"
done
# With auth on, /v2/ answers 401 (log in first): either status means the gateway runs.
if [[ ! $(curl -s -o /dev/null -w '%{http_code}' "http://$PLATFORM/v2/") =~ ^(200|401)$ ]]; then
    log "the platform is not running: starting it (make up)"
    "$ROOT/scripts/up.sh"
fi

# --- the reference registry (bench/lib.sh) ----------------------------------------------------------------
bench_start platform-bench

log "writing layouts: one ${BIG_MIB} MiB image, $SMALL_COUNT images of ${SMALL_KIB} KiB per round"
python3 "$ROOT/bench/layouts.py" "$WORK/layouts" "$BIG_MIB" 0 "$SMALL_KIB"

# settle: before each measurement, write back what earlier steps left dirty in the page cache (the platform's IPFS
# node has just stored a copy of the last push), so that no measurement's fsync pays for someone else's writes.
settle() { sync; }
skopeo_copy() { skopeo --insecure-policy copy -q --preserve-digests --src-tls-verify=false --dest-tls-verify=false "${CREDS[@]+"${CREDS[@]}"}" "$@" >/dev/null; }
# The platform is measured as its admin (make up keeps the password in .platform/admin-password), with its token
# checks and rate limit (Auth:RateLimit, default 5000 requests/s per account) in the path, as users see it.
ADMIN_PASSWORD=$(cat "$PLATFORM_DIR/admin-password" 2>/dev/null || true)
export BENCH_ADMIN_PASSWORD=$ADMIN_PASSWORD
CREDS=()
# use_creds_for HOST: the platform is used as its admin, the reference anonymously.
use_creds_for() {
    CREDS=()
    if [[ $1 == "$PLATFORM" && -n $ADMIN_PASSWORD ]]; then
        CREDS=(--src-creds "admin:$ADMIN_PASSWORD" --dest-creds "admin:$ADMIN_PASSWORD")
    fi
}
# copy_all COUNT FROM TO: copies COUNT images at once; FROM and TO have %d where the index goes.
copy_all() {
    local i count=$1
    for ((i = 0; i < count; i++)); do
        # shellcheck disable=SC2059
        skopeo_copy "$(printf "$2" "$i")" "$(printf "$3" "$i")" &
    done
    wait_all
}
copy_small_all() { copy_all "$SMALL_COUNT" "$@"; }

# peak_rss_start PIDS...: samples the summed RSS and PSS (KiB) of the PIDs every 100 ms until stopped. RSS counts
# the framework's shared pages once per process; PSS splits them, so it is what the two use together.
peak_rss_start() {
    ( peak=0 peak_pss=0; while :; do
        sum=0 pss=0
        for p in "$@"; do
            read -r r s < <(awk '/^Rss:/ {r=$2} /^Pss:/ {s=$2} END {print r+0, s+0}' "/proc/$p/smaps_rollup" 2>/dev/null || echo "0 0")
            sum=$((sum + ${r:-0})); pss=$((pss + ${s:-0}))
        done
        # Written aside and renamed: the sampler is killed at any moment, and a half-written file reads as empty.
        (( sum > peak )) && { peak=$sum; echo "$peak" >"$WORK/rss.new" && mv "$WORK/rss.new" "$WORK/rss"; }
        (( pss > peak_pss )) && { peak_pss=$pss; echo "$peak_pss" >"$WORK/pss.new" && mv "$WORK/pss.new" "$WORK/pss"; }
        sleep 0.1
    done ) &
    RSS_PID=$!
}
peak_rss_stop() {
    kill "$RSS_PID" 2>/dev/null; wait "$RSS_PID" 2>/dev/null || true
    local rss pss
    rss=$(cat "$WORK/rss" 2>/dev/null || true); pss=$(cat "$WORK/pss" 2>/dev/null || true)
    RESULT[platform.pss]=$(( ${pss:-0} / 1024 ))
    RSS_MIB=$(( ${rss:-0} / 1024 ))
}

declare -A RESULT REPO PUSHES PULLS SMALL_PUSHES SMALL_PULLS GETS
LAG50="" LAG95=""
REPO[reference]="bench/run$RANDOM$RANDOM"; REPO[platform]="bench/run$RANDOM$RANDOM"
RSS_PEAK=0 PSS_PEAK=0
host_of() { if [[ $1 == platform ]]; then echo "$PLATFORM"; else echo "$REFERENCE"; fi; }

# push_big NAME ROUND: one timed push of the big image. Each push goes to a repository of its own, so every push
# uploads the whole blob.
push_big() {
    local name=$1 r=$2 host t0 t1 waited pids=() s
    host=$(host_of "$name"); use_creds_for "$host"
    forget_blobs; settle
    if [[ $name == platform ]]; then
        for s in gateway ingest; do [[ -f $PLATFORM_RUN/$s.pid ]] && pids+=("$(cat "$PLATFORM_RUN/$s.pid")"); done
        peak_rss_start "${pids[@]}"
    fi
    t0=$(now); skopeo_copy "oci:$WORK/layouts/big:v1" "docker://$host/${REPO[$name]}/big-$r:v1"; t1=$(now)
    PUSHES[$name]+="$(elapsed "$t0" "$t1") "
    if [[ $name == platform ]]; then
        peak_rss_stop
        ((RSS_MIB > RSS_PEAK)) && RSS_PEAK=$RSS_MIB
        ((${RESULT[platform.pss]} > PSS_PEAK)) && PSS_PEAK=${RESULT[platform.pss]}
        # The platform pins every pushed blob on IPFS in the background (the first push only: the same blob
        # after that is already pinned). Let that finish before the next measurement (steady state), and
        # report how long it took.
        waited=$(wait_pinned "${REPO[platform]}/big-$r"); ((r == 1)) && RESULT[platform.pin_big]=$waited
        wait_quiet
    fi
}

# pull_big NAME: one timed pull of the first pushed big image.
pull_big() {
    local name=$1 host t0 t1
    host=$(host_of "$name"); use_creds_for "$host"
    rm -rf "$WORK/pulled"; forget_blobs; settle
    t0=$(now); skopeo_copy "docker://$host/${REPO[$name]}/big-1:v1" "oci:$WORK/pulled:v1"; t1=$(now)
    PULLS[$name]+="$(elapsed "$t0" "$t1") "
    rm -rf "$WORK/pulled"
}

# Every measurement is made REPEAT times per registry and the median is reported: single runs on two
# busy cores move by a third. The two registries take turns, round by round, and the one that goes first
# alternates: what drifts on the machine over a minute (the host, the page cache's writeback) then falls on
# both alike instead of on whichever was measured later.
rounds() { # rounds push_big|pull_big|small_round
    local r first second
    for ((r = 1; r <= REPEAT; r++)); do
        if ((r % 2)); then first=reference second=platform; else first=platform second=reference; fi
        "$1" "$first" "$r"; "$1" "$second" "$r"
    done
}

# small_round NAME ROUND: the small images of one round (images of their own, written for the round: every push
# must be new to the registry, blobs and all, and so must every pin): the push of all at once, their pull, and the
# manifest GETs.
small_round() {
    local name=$1 r=$2 host repo t0 t1 i auth_header=() gets p50="" p95=""
    host=$(host_of "$name"); repo="${REPO[$name]}/s$r"
    use_creds_for "$host"
    log "[$name] round $r: push $SMALL_COUNT small images at once"
    forget_blobs; settle
    t0=$(now); copy_small_all "oci:$WORK/round-$r/small-%d:v1" "docker://$host/$repo/small-%d:v1"; t1=$(now)
    SMALL_PUSHES[$name]+="$(elapsed "$t0" "$t1") "

    if [[ $name == platform ]]; then
        local names=(); for ((i = 0; i < SMALL_COUNT; i++)); do names+=("$repo/small-$i"); done
        wait_pinned "${names[@]}" >/dev/null
        wait_quiet
        # The lag is read after the fact from the recorded times (manifest pushedAt, blob pinnedAt); all were
        # pinned just now.
        read -r p50 p95 < <(python3 "$ROOT/bench/pins.py" lag "$PLATFORM" "$repo" "$SMALL_COUNT") || true
        [[ $p50 =~ ^[0-9.]+$ && $p95 =~ ^[0-9.]+$ ]] && { LAG50+="$p50 "; LAG95+="$p95 "; }
    fi
    log "[$name] round $r: pull $SMALL_COUNT small images at once"
    forget_blobs; settle
    t0=$(now); copy_small_all "docker://$host/$repo/small-%d:v1" "oci:$WORK/pulled-%d:v1"; t1=$(now)
    SMALL_PULLS[$name]+="$(elapsed "$t0" "$t1") "
    rm -rf "$WORK"/pulled-*

    log "[$name] round $r: ${GET_SECONDS} s of manifest GETs"
    if ((${#CREDS[@]})); then
        auth_header=(-H "Authorization: Bearer $(curl -sf -u "admin:$ADMIN_PASSWORD" \
            "http://$host/token?service=platform-registry&scope=repository:$repo/small-0:pull" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')")
    fi
    gets=$(wrk -t2 -c32 -d"${GET_SECONDS}s" "${auth_header[@]+"${auth_header[@]}"}" \
        -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
        "http://$host/v2/$repo/small-0/manifests/v1" | awk '/Requests\/sec/ {print $2}')
    GETS[$name]+="${gets:-0} "
}

# wait_pinned REPO...: waits until every blob of the repositories has a CID; prints the seconds waited.
wait_pinned() { python3 "$ROOT/bench/pins.py" wait "$PLATFORM" "$@"; }

# wait_quiet: after pinning, the IPFS node and the consumers still write and compact for a few seconds; pulls
# are measured once the platform's background processes use under 15% of a core (at most 60 s of waiting).
wait_quiet() {
    local pids=() s ticks before after i
    for s in ipfs pinning audit; do [[ -f $PLATFORM_RUN/$s.pid ]] && pids+=("$(cat "$PLATFORM_RUN/$s.pid")"); done
    ticks() { local t=0 p; for p in "${pids[@]}"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0))); done; echo $t; }
    for ((i = 0; i < 60; i++)); do
        before=$(ticks); sleep 1; after=$(ticks)
        (( after - before < 15 )) && return 0   # clock ticks are 1/100 s: 15 ticks in 1 s = 15% of a core
    done
}

wait_all() { local rc=0 p; for p in $(jobs -p); do [[ $p == "${RSS_PID:-}" || $p == "$REF_PID" ]] && continue; wait "$p" || rc=1; done; return $rc; }

# Warm both up the way they are measured, concurrently, with images of their own (the measured ones must be new
# to the registry): a fresh platform JIT-compiles its code paths and opens its connection pools on first use, and
# its first burst of pins is slower than any after it.
WARM_COUNT=10
python3 "$ROOT/bench/layouts.py" "$WORK/warm" 1 "$WARM_COUNT" "$SMALL_KIB"
for host in "$REFERENCE" "$PLATFORM"; do
    use_creds_for "$host"
    copy_all "$WARM_COUNT" "oci:$WORK/warm/small-%d:v1" "docker://$host/bench/warmup-%d:v1"
    copy_all "$WARM_COUNT" "docker://$host/bench/warmup-%d:v1" "oci:$WORK/warmed-%d:v1"
    rm -rf "$WORK"/warmed-*
done
warm_names=(); for ((i = 0; i < WARM_COUNT; i++)); do warm_names+=("bench/warmup-$i"); done
wait_pinned "${warm_names[@]}" >/dev/null
wait_quiet

rounds push_big
rounds pull_big
for name in reference platform; do
    # shellcheck disable=SC2086  # the lists are space-separated numbers
    log "[$name] push ${BIG_MIB} MiB: ${PUSHES[$name]}s"
    # shellcheck disable=SC2086
    RESULT[$name.push_big]=$(median ${PUSHES[$name]})
    # shellcheck disable=SC2086
    log "[$name] pull ${BIG_MIB} MiB: ${PULLS[$name]}s"
    # shellcheck disable=SC2086
    RESULT[$name.pull_big]=$(median ${PULLS[$name]})
done
RESULT[platform.rss]=$RSS_PEAK; RESULT[platform.pss]=$PSS_PEAK
for ((r = 1; r <= REPEAT; r++)); do python3 "$ROOT/bench/layouts.py" "$WORK/round-$r" 0 "$SMALL_COUNT" "$SMALL_KIB"; done
rounds small_round
for name in reference platform; do
    log "[$name] push $SMALL_COUNT small: ${SMALL_PUSHES[$name]}s; pull: ${SMALL_PULLS[$name]}s; GETs/s: ${GETS[$name]}"
    # shellcheck disable=SC2086  # the lists are space-separated numbers
    RESULT[$name.push_small]=$(median ${SMALL_PUSHES[$name]})
    # shellcheck disable=SC2086
    RESULT[$name.pull_small]=$(median ${SMALL_PULLS[$name]})
    # shellcheck disable=SC2086
    RESULT[$name.gets]=$(median ${GETS[$name]})
done
# --- pinning lag: from each small image's manifest PUT to its last blob pinned, median over the rounds -----------
if [[ -n $LAG95 ]]; then
    log "pin lag p50: ${LAG50}s; p95: ${LAG95}s"
    # shellcheck disable=SC2086
    RESULT[platform.pin_lag50]=$(median $LAG50); RESULT[platform.pin_lag95]=$(median $LAG95)
else
    RESULT[platform.pin_lag50]=unavailable; RESULT[platform.pin_lag95]=unavailable
fi

ratio() { python3 -c "print(f'{float($1) / float($2):.2f}')" 2>/dev/null || echo "n/a"; }
# verdict VALUE OP GOAL: "met" or "MISSED" (a value that is not a number misses).
verdict() { python3 -c "import sys, operator as o; v, op, g = sys.argv[1:]; print('met' if {'<=': o.le, '<': o.lt, '>=': o.ge}[op](float(v), float(g)) else 'MISSED')" "$@" 2>/dev/null || echo MISSED; }
FMT='%-40s %12s %12s %8s   %-10s %s\n'
printf "\n$FMT" "measurement" "platform" "reference" "ratio" "goal" ""
row() { # row LABEL KEY OP GOAL: the goal is on the ratio platform/reference
    local r; r=$(ratio "${RESULT[platform.$2]}" "${RESULT[reference.$2]}")
    printf "$FMT" "$1" "${RESULT[platform.$2]}" "${RESULT[reference.$2]}" "$r" "$3 $4" "$(verdict "$r" "$3" "$4")"
}
own_row() { # own_row LABEL VALUE OP GOAL: the goal is on the platform's value
    printf "$FMT" "$1" "$2" "-" "" "$3 $4" "$(verdict "$2" "$3" "$4")"
}
row "push ${BIG_MIB} MiB, median of $REPEAT (s)" push_big "<=" 0.80
row "pull ${BIG_MIB} MiB, median of $REPEAT (s)" pull_big "<=" 0.90
row "push $SMALL_COUNT small at once, median of $REPEAT (s)" push_small "<=" 1.00
row "pull $SMALL_COUNT small at once, median of $REPEAT (s)" pull_small "<=" 1.00
row "manifest GETs per second, median of $REPEAT" gets ">=" 2.0
own_row "peak RSS gateway+ingest (MiB)" "${RESULT[platform.rss]}" "<" 300
printf "$FMT" "peak PSS gateway+ingest (MiB)" "${RESULT[platform.pss]}" "-" "" "" "(shared pages split)"
printf "$FMT" "pinning of the big blob after push (s)" "${RESULT[platform.pin_big]}" "-" "" "" ""
printf "$FMT" "pin lag p50, median of $REPEAT (s)" "${RESULT[platform.pin_lag50]}" "-" "" "" ""
own_row "pin lag p95, median of $REPEAT (s)" "${RESULT[platform.pin_lag95]}" "<" 1.5

if [[ ${BENCH_ENGINE:-1} != 0 ]]; then
    echo
    "$ROOT/bench/engine/run.sh"
fi
# --- the Scaler's policy in simulation (bench/scaler; BENCH_SCALER=0 skips it) -----------------------------------
if [[ ${BENCH_SCALER:-1} != 0 ]]; then
    printf '\n'
    "$ROOT/bench/scaler/run.sh"
fi
