#!/usr/bin/env bash
# The adapter's retained heap at fleet size: runs io.gpuscale.bench.adapter.HeapRun (metric store
# filled through the real parser from every node's agent body, scraped twice, and the informer
# cluster view listing the same pods and nodes from a stand-in API server) in a fresh JVM per run,
# RUNS times per fleet size, and prints min/median/max of the live heap per 10k pods. Builds
# nothing: run `mvn -B -q -o -DskipTests package -pl bench -am` first.
#
# Usage: bench/load/heap.sh [NODES...]   (default: 834 4167, i.e. 10 008 and 50 004 pods)
# Environment (defaults in brackets):
#   RUNS [3]   HEAP [2g] the JVM's -Xmx   PARSERS [shared] or per-target
#   JAVA_OPTS [none] more JVM flags, e.g. -XX:+ExitOnOutOfMemoryError (as the Deployment ships) to find
#   the smallest -Xmx that starts: a run that runs out of heap then fails at once instead of retrying
#   JAVA [java]   JAR [bench/target/benchmarks.jar]   LOGS [a new temporary directory]: each run's output
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
jar=${JAR:-$root/bench/target/benchmarks.jar}
runs=${RUNS:-3}
heap=${HEAP:-2g}
parsers=${PARSERS:-shared}
java=${JAVA:-java}
read -r -a java_opts <<<"${JAVA_OPTS:-}"
logs=${LOGS:-$(mktemp -d -t heap-run.XXXXXX)}
sizes=("$@")
((${#sizes[@]})) || sizes=(834 4167)

[[ -f "$jar" ]] || { echo "no $jar: build it first with mvn -B -q -o -DskipTests package -pl bench -am" >&2; exit 1; }
mkdir -p "$logs"

echo "# $(date -u +%FT%TZ) $(nproc) CPUs, $(lscpu | sed -n 's/^Model name: *//p'), $("$java" -version 2>&1 | head -1)"
echo "# -Xmx$heap ${JAVA_OPTS:-}, parsers $parsers, $runs runs per size, one JVM each; logs in $logs"
printf '%-7s %-7s %-14s %-32s %-32s %-32s %s\n' nodes pods part "MiB per 10k pods (min/med/max)" \
    "MiB total (min/med/max)" "parsers MiB (min/med/max)" "loadavg at start of each run"

stats() { # numbers on stdin -> "min / median / max"
    sort -g | awk '{ v[NR] = $1 } END { printf "%.1f / %.1f / %.1f", v[1], v[int((NR + 1) / 2)], v[NR] }'
}

for nodes in "${sizes[@]}"; do
    loads=()
    for ((r = 1; r <= runs; r++)); do
        log="$logs/heap-$nodes-$r.txt"
        loads+=("$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' '/')")
        "$java" "-Xmx$heap" ${java_opts[@]+"${java_opts[@]}"} -cp "$jar" io.gpuscale.bench.adapter.HeapRun --nodes "$nodes" --parsers "$parsers" \
            >"$log" 2>&1 || { echo "run $r of $nodes nodes failed; its output: $log" >&2; tail -20 "$log" >&2; exit 1; }
    done
    pods=$((nodes * 12))
    for part in "metric store" "cluster view" both; do
        per10k=$(cat "$logs"/heap-"$nodes"-*.txt | awk -v p="$part" 'index($0, p) == 1 { print $(NF - 8) }' | stats)
        total=$(cat "$logs"/heap-"$nodes"-*.txt | awk -v p="$part" 'index($0, p) == 1 { print $(NF - 10) }' | stats)
        parser=$(cat "$logs"/heap-"$nodes"-*.txt | awk 'index($0, "parsers") == 1 { print $2 }' | stats)
        printf '%-7s %-7s %-14s %-32s %-32s %-32s %s\n' "$nodes" "$pods" "$part" "$per10k" "$total" "$parser" "${loads[*]}"
    done
done
echo "# class histograms (top 25) at the end of each run: $logs/heap-*.txt"
