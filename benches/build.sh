#!/usr/bin/env bash
# The `build` row of the performance table: how long a clean release build of
# a hello-world user takes, how many crates it pulls in, and how big its
# binary is, for corio and for tokio (rt-multi-thread, macros, net, time,
# sync). Bar: corio's time and size <= 0.8x tokio's.
#
# Both leave out files and signals: tokio through the features it is not
# given, corio with `default-features = false` (its `fs` and `signal`
# features). Everything else corio has is built, as tokio's five features
# build the runtime, the macros, networking, timers and sync.
#
#   bash benches/build.sh            # prints a table and the two ratios
#   ROUNDS=5 bash benches/build.sh   # more rounds (default 3)
#
# One clean build is a noisy sample on a shared machine: two builds of the
# same code minutes apart can differ by a fifth. So the script builds both
# hello worlds ROUNDS times, in turns (which goes first alternates), prints
# each round, and judges the ratio of the two median times, as `versus`
# does with its samples; it also prints the median of the rounds' ratios.
#
# Crates come from the local registry cache after the first run, so the
# timing measures compilation, not downloads (a `cargo fetch` runs first
# for both projects).
set -euo pipefail
# A failed build inside `$(build ..)` must stop the script, not read as a
# fast one: without this, bash runs command substitutions without `-e`.
shopt -s inherit_errexit
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/hello-corio/src" "$work/hello-tokio/src"

cat > "$work/hello-corio/Cargo.toml" <<TOML
[package]
name = "hello-corio"
version = "0.1.0"
edition = "2024"

[dependencies]
corio = { path = "$root", default-features = false }
TOML
cat > "$work/hello-corio/src/main.rs" <<'RS'
use std::time::Duration;

fn main() {
    let n = corio::block_on(async {
        let task = corio::spawn(async {
            corio::time::sleep(Duration::from_millis(1)).await;
            21 * 2
        });
        task.await.unwrap()
    });
    println!("hello from corio: {n}");
}
RS

cat > "$work/hello-tokio/Cargo.toml" <<'TOML'
[package]
name = "hello-tokio"
version = "0.1.0"
edition = "2024"

[dependencies]
tokio = { version = "1", features = ["rt-multi-thread", "macros", "net", "time", "sync"] }
TOML
cat > "$work/hello-tokio/src/main.rs" <<'RS'
use std::time::Duration;

#[tokio::main]
async fn main() {
    let task = tokio::spawn(async {
        tokio::time::sleep(Duration::from_millis(1)).await;
        21 * 2
    });
    println!("hello from tokio: {}", task.await.unwrap());
}
RS

rounds=${ROUNDS:-3}
if [[ ! $rounds =~ ^[0-9]+$ ]] || ((10#$rounds == 0)); then
    echo "ROUNDS must be a positive number, not '$rounds'" >&2
    exit 2
fi
rounds=$((10#$rounds))
for name in hello-corio hello-tokio; do (cd "$work/$name" && cargo fetch -q); done

build() { # name -> seconds of a clean release build
    local dir="$work/$1"
    rm -rf "$dir/target"
    local start end
    start=$(date +%s.%N)
    (cd "$dir" && CARGO_TARGET_DIR="$dir/target" cargo build --release -q)
    end=$(date +%s.%N)
    awk -v a="$start" -v b="$end" 'BEGIN { print b - a }'
}

facts() { # name -> "crates bytes" of the last build
    local dir="$work/$1"
    local crates
    # Crates actually built for this machine (the lock file also lists
    # other platforms' crates); a crate printed again is marked ` (*)`,
    # counted once.
    crates=$(cd "$dir" && cargo tree -e normal,build --prefix none | sed 's/ (\*)$//' | sort -u | wc -l)
    local bytes
    bytes=$(stat -c %s "$dir/target/release/$1")
    "$dir/target/release/$1" >/dev/null
    echo "$((crates - 1)) $bytes"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

corio_times=() tokio_times=() ratios=()
for round in $(seq "$rounds"); do
    # Which goes first alternates, as in http.sh.
    if ((round % 2)); then
        c=$(build hello-corio)
        t=$(build hello-tokio)
    else
        t=$(build hello-tokio)
        c=$(build hello-corio)
    fi
    r=$(awk -v a="$c" -v b="$t" 'BEGIN { print a / b }')
    corio_times+=("$c") tokio_times+=("$t") ratios+=("$r")
    printf 'round %d: corio %.1f s, tokio %.1f s, ratio %.2f\n' "$round" "$c" "$t" "$r"
done
corio_s=$(printf '%s\n' "${corio_times[@]}" | median)
tokio_s=$(printf '%s\n' "${tokio_times[@]}" | median)
ratio_of_rounds=$(printf '%s\n' "${ratios[@]}" | median)
read -r corio_deps corio_bytes < <(facts hello-corio)
read -r tokio_deps tokio_bytes < <(facts hello-tokio)

echo
printf '%-8s %10s %14s %12s\n' runtime "build (s)" "dependencies" "binary (KB)"
printf '%-8s %10.1f %14d %12d\n' corio "$corio_s" "$corio_deps" $((corio_bytes / 1024))
printf '%-8s %10.1f %14d %12d\n' tokio "$tokio_s" "$tokio_deps" $((tokio_bytes / 1024))
echo "(build: the median of $rounds clean builds each)"
time_ratio=$(awk -v a="$corio_s" -v b="$tokio_s" 'BEGIN { print a / b }')
# The verdict is on the ratio of the medians, as in `versus`; the rounds'
# own ratios (each pair built minutes apart) are their median here.
printf 'median of the round ratios: %.2f\n' "$ratio_of_rounds"
size_ratio=$(awk -v a="$corio_bytes" -v b="$tokio_bytes" 'BEGIN { print a / b }')
verdict() { awk -v r="$1" 'BEGIN { print (r <= 0.8) ? "yes" : "NO" }'; }
printf 'build time corio/tokio %.2f (bar <= 0.8: %s)\n' "$time_ratio" "$(verdict "$time_ratio")"
printf 'binary size corio/tokio %.2f (bar <= 0.8: %s)\n' "$size_ratio" "$(verdict "$size_ratio")"
