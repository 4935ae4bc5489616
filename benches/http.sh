#!/usr/bin/env bash
# HTTP requests/s: hyper's hello-world on corio vs on tokio, loaded by wrk.
#
#   benches/http.sh            # 2 workers each, wrk -t1 -c50 -d10s, one round
#   ROUNDS=3 benches/http.sh   # alternate corio/tokio three times, keep each best
#
# Both servers are `examples/hyper_server.rs` (same service, same hyper
# settings, same adapter shape: see the example), built in release, bound to
# a free loopback port, and loaded in turn, never together. The bar
# (docs/benchmarks.md) is corio >= 1.1x tokio in requests/s. On a shared machine the
# numbers move by several percent from run to run: use ROUNDS for a verdict.
set -euo pipefail

cd "$(dirname "$0")/.."

WORKERS=${WORKERS:-2}
CONNECTIONS=${CONNECTIONS:-50}
DURATION=${DURATION:-10s}
ROUNDS=${ROUNDS:-1}

if ! command -v wrk >/dev/null; then
    echo "wrk is missing; installing it with apt-get" >&2
    sudo_if_needed=""
    [ "$(id -u)" -ne 0 ] && sudo_if_needed="sudo"
    $sudo_if_needed apt-get install -y wrk >&2 ||
        { $sudo_if_needed apt-get update >&2 && $sudo_if_needed apt-get install -y wrk >&2; }
fi

cargo build --release --example hyper_server >&2
server_bin=${CARGO_TARGET_DIR:-target}/release/examples/hyper_server

workdir=$(mktemp -d)
server_pid=""
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    rm -rf "$workdir"
}
trap cleanup EXIT

# Starts the server on `$1`'s runtime, loads it, stops it; writes
# "requests/s avg_latency p99_latency" (latencies as wrk prints them) to
# `$workdir/$1.result`. It runs in this shell, not in a `$(...)`: the
# trap then knows the server to stop, and a failure ends the script.
load() {
    local runtime=$1 out="$workdir/$1.server" addr=""
    "$server_bin" 127.0.0.1:0 --workers "$WORKERS" --runtime "$runtime" >"$out" 2>"$workdir/$runtime.err" &
    server_pid=$!
    for _ in $(seq 100); do
        addr=$(sed -n 's/^listening on //p' "$out")
        [ -n "$addr" ] && break
        sleep 0.1
    done
    [ -n "$addr" ] || { echo "the $runtime server did not start" >&2; cat "$workdir/$runtime.err" >&2; exit 1; }

    wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency "http://$addr/" >"$workdir/$runtime.wrk"
    kill -TERM "$server_pid" 2>/dev/null || true # gone already after a Ctrl-C
    wait "$server_pid" || true
    server_pid=""

    if grep -q "Non-2xx\|Socket errors" "$workdir/$runtime.wrk"; then
        echo "wrk saw errors against $runtime: no figure from this round" >&2
        cat "$workdir/$runtime.wrk" >&2
        exit 1
    fi
    awk '/Requests\/sec/ {rps=$2}
         /^ +Latency / && !avg {avg=$2}
         /^ +99%/ {p99=$2}
         END {print rps, avg, p99}' "$workdir/$runtime.wrk" >"$workdir/$runtime.result"
}

best_corio="0 - -"
best_tokio="0 - -"
better() { awk -v a="$1" -v b="$2" 'BEGIN {exit !(a > b)}'; }
for round in $(seq "$ROUNDS"); do
    # Odd rounds start with corio, even ones with tokio: neither always
    # loads a machine just warmed (or left busy) by the other.
    order="corio tokio"
    [ $((round % 2)) -eq 0 ] && order="tokio corio"
    for runtime in $order; do
        load "$runtime"
        result=$(cat "$workdir/$runtime.result")
        echo "round $round: $runtime: $result (req/s avg p99)" >&2
        if [ "$runtime" = corio ]; then
            better "${result%% *}" "${best_corio%% *}" && best_corio=$result
        else
            better "${result%% *}" "${best_tokio%% *}" && best_tokio=$result
        fi
    done
done

read -r corio_rps corio_avg corio_p99 <<<"$best_corio"
read -r tokio_rps tokio_avg tokio_p99 <<<"$best_tokio"
echo
echo "hyper hello-world, $WORKERS workers, wrk -t1 -c$CONNECTIONS -d$DURATION, best of $ROUNDS"
printf '%-8s %12s %12s %12s\n' runtime "requests/s" "latency avg" "latency p99"
printf '%-8s %12s %12s %12s\n' corio "$corio_rps" "$corio_avg" "$corio_p99"
printf '%-8s %12s %12s %12s\n' tokio "$tokio_rps" "$tokio_avg" "$tokio_p99"
ratio=$(awk -v c="$corio_rps" -v t="$tokio_rps" 'BEGIN {printf "%.2f", c / t}')
# The verdict compares the unrounded ratio (1.095 must not pass as 1.10).
verdict=$(awk -v c="$corio_rps" -v t="$tokio_rps" 'BEGIN {print (c >= 1.1 * t ? "meets" : "misses")}')
echo "corio/tokio requests/s: ${ratio}x ($verdict the 1.1x bar)"
