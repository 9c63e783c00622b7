#!/usr/bin/env bash
# The write side of `make bench` alone, for iterating on pushes: BENCH_SMALL_COUNT (50) small images pushed at
# once, and optionally (BENCH_BIG=1) the BENCH_BIG_MIB (512) MiB image, to the running platform and to the
# reference registry (distribution, started here), BENCH_ROUNDS (3) rounds with the registries taking turns;
# then the platform's pin lag for the small images of the last round. Prints each round and the medians.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/lib.sh"
source "$ROOT/scripts/config.sh"
source "$ROOT/bench/lib.sh"
load_stack_env

ROUNDS=${BENCH_ROUNDS:-3}
SMALL_COUNT=${BENCH_SMALL_COUNT:-50}
SMALL_KIB=${BENCH_SMALL_KIB:-256}
BIG_MIB=${BENCH_BIG_MIB:-512}
PLATFORM="127.0.0.1:$PLATFORM_GATEWAY_PORT"
[[ $(curl -s -o /dev/null -w '%{http_code}' "http://$PLATFORM/v2/") =~ ^(200|401)$ ]] || die "the platform is not running (make up)"

bench_start platform-push

big=0; [[ ${BENCH_BIG:-0} == 1 ]] && big=$BIG_MIB
# New images every round: a blob the platform stored once is pinned already, and would not measure the pin lag.
# (The big image is written once: the same big blob in a new repository is uploaded again all the same.)
layouts() { rm -rf "$WORK/layouts"; python3 "$ROOT/bench/layouts.py" "$WORK/layouts" 1 "$SMALL_COUNT" "$SMALL_KIB"; }
((big)) && python3 "$ROOT/bench/layouts.py" "$WORK/big" "$big" 0 "$SMALL_KIB"

ADMIN_PASSWORD=$(cat "$PLATFORM_DIR/admin-password" 2>/dev/null || true)
export BENCH_ADMIN_PASSWORD=$ADMIN_PASSWORD
copy() { # copy HOST SRC DEST
    local creds=()
    [[ $1 == "$PLATFORM" && -n $ADMIN_PASSWORD ]] && creds=(--dest-creds "admin:$ADMIN_PASSWORD")
    skopeo --insecure-policy copy -q --preserve-digests --dest-tls-verify=false "${creds[@]+"${creds[@]}"}" "$2" "$3" >/dev/null
}
push_small() { # push_small HOST REPO: prints the seconds
    local i t0 t1 pids=() rc=0
    forget_blobs; sync
    t0=$(now)
    for ((i = 0; i < SMALL_COUNT; i++)); do copy "$1" "oci:$WORK/layouts/small-$i:v1" "docker://$1/$2/small-$i:v1" & pids+=($!); done
    for p in "${pids[@]}"; do wait "$p" || rc=1; done
    t1=$(now)
    ((rc == 0)) || die "a push failed"
    elapsed "$t0" "$t1"
}
push_big() { # push_big HOST REPO
    local t0 t1
    forget_blobs; sync
    t0=$(now); copy "$1" "oci:$WORK/big/big:v1" "docker://$1/$2/big:v1"; t1=$(now)
    elapsed "$t0" "$t1"
}
wait_pinned() { python3 "$ROOT/bench/pins.py" wait "$PLATFORM" "$@" >/dev/null; }
# cpu_ticks: "name=ticks ..." (user+system, 1/100 s) of the stack's processes, PostgreSQL's backends summed as "postgres".
cpu_ticks() {
    local f n pid out=""
    for f in "$PLATFORM_RUN"/*.pid; do
        n=$(basename "$f" .pid); pid=$(cat "$f")
        # A process group: the service and whatever it runs (RabbitMQ's beam, the IPFS node's node).
        out+="$n=$(ps -o pid= -g "$pid" 2>/dev/null | while read -r p; do awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null; done | awk '{s+=$1} END {print s+0}') "
    done
    pid=$(head -1 "$PLATFORM_DIR/data/postgres/data/postmaster.pid" 2>/dev/null || true)
    [[ -n $pid ]] && out+="postgres=$( { echo "$pid"; ps -o pid= --ppid "$pid"; } | while read -r p; do awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null; done | awk '{s+=$1} END {print s+0}')"
    echo "$out"
}
cpu_diff() { python3 -c '
import sys
a = dict(x.split("=") for x in sys.argv[1].split()); b = dict(x.split("=") for x in sys.argv[2].split())
print(" ".join(f"{k} {(int(b[k]) - int(a[k])) / 100:.2f}" for k in b if int(b[k]) - int(a.get(k, 0)) > 0))' "$1" "$2"; }

# Warm-up, as make bench does: JIT, pools.
python3 "$ROOT/bench/layouts.py" "$WORK/warm" 1 10 "$SMALL_KIB"
for host in "$REFERENCE" "$PLATFORM"; do
    for ((i = 0; i < 10; i++)); do copy "$host" "oci:$WORK/warm/small-$i:v1" "docker://$host/bench/pwarm$RANDOM-$i:v1" & done
    wait_children=$(jobs -p | grep -vx "$REF_PID" || true); for p in $wait_children; do wait "$p"; done
done

declare -a PS RS PB RB
for ((r = 1; r <= ROUNDS; r++)); do
    prepo="bench/push$RANDOM$RANDOM"; rrepo="bench/push$RANDOM$RANDOM"
    layouts
    if ((r % 2)); then order=(reference platform); else order=(platform reference); fi
    for who in "${order[@]}"; do
        if [[ $who == platform ]]; then
            c0=$(cpu_ticks)
            PS+=("$(push_small "$PLATFORM" "$prepo")")
            c1=$(cpu_ticks)
            names=(); for ((i = 0; i < SMALL_COUNT; i++)); do names+=("$prepo/small-$i"); done
            wait_pinned "${names[@]}"
            c2=$(cpu_ticks)
            echo "  cpu s during the push: $(cpu_diff "$c0" "$c1")"
            echo "  cpu s after it, until pinned: $(cpu_diff "$c1" "$c2")"
            if ((big)); then
                c0=$(cpu_ticks); PB+=("$(push_big "$PLATFORM" "$prepo")"); c1=$(cpu_ticks)
                echo "  cpu s during the big push: $(cpu_diff "$c0" "$c1")"
                wait_pinned "$prepo/big"
            fi
        else
            RS+=("$(push_small "$REFERENCE" "$rrepo")")
            ((big)) && RB+=("$(push_big "$REFERENCE" "$rrepo")")
        fi
    done
    lag=$(python3 "$ROOT/bench/pins.py" lag "$PLATFORM" "$prepo" "$SMALL_COUNT")
    line="round $r: small platform ${PS[-1]} s reference ${RS[-1]} s; pin lag p50 p95 $lag s"
    ((big)) && line+="; big platform ${PB[-1]} s reference ${RB[-1]} s"
    echo "$line (load $(cut -d' ' -f1 /proc/loadavg))"
done
echo "median small: platform $(median "${PS[@]}") reference $(median "${RS[@]}") ratio $(python3 -c "print(f'{$(median "${PS[@]}")/$(median "${RS[@]}"):.2f}')")"
((big)) && echo "median big:   platform $(median "${PB[@]}") reference $(median "${RB[@]}") ratio $(python3 -c "print(f'{$(median "${PB[@]}")/$(median "${RB[@]}"):.2f}')")"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
