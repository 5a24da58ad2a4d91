#!/usr/bin/env bash
# The adapter's scraper at fleet size: a FleetServer of N stand-in agents (each on its own
# loopback address, serving the real agent's body for 8 GPUs and 12 pods, watchable) in one JVM,
# and FleetScrapeRun (the adapter's AgentScraper and MetricStore as AdapterMain sets them up) in
# another, pinned to separate CPUs so that the adapter's CPU is its own. Repeats the measured run
# RUNS times against the same fleet. Builds nothing: run `mvn -q -DskipTests package` first.
#
# Usage: bench/load/fleet-scrape.sh
# Environment (defaults in brackets):
#   AGENTS [5000]  INTERVAL_MS [2000]  WARMUP [30]  MEASURE [60] (seconds)  RUNS [3]  FILTER [true]
#   WATCH [true]   the stand-ins name their sample time (watchable) or not (polled)
#   SAMPLE_MS [1000] the stand-ins' sampling interval
#   ADAPTER_CPUS [0]  FLEET_CPUS [1]  (taskset lists; empty: unpinned)
#   ADAPTER_HEAP [300m]  the adapter's -Xmx (the Deployment's MaxRAMPercentage=60 of 512Mi is ~300m)
#   PORT [29400]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
jar=$root/bench/target/benchmarks.jar
[[ -f "$jar" ]] || { echo "no $jar: build it first with mvn -q -DskipTests package" >&2; exit 1; }
agents=${AGENTS:-5000}
port=${PORT:-29400}
runs=${RUNS:-3}
adapter_cpus=${ADAPTER_CPUS-0}
fleet_cpus=${FLEET_CPUS-1}
pin() { if [[ -n "$1" ]]; then echo "taskset -c $1"; fi; }

ulimit -n "$(ulimit -Hn)"
log="$(mktemp -t fleet-server.XXXXXX.log)"
# shellcheck disable=SC2046
$(pin "$fleet_cpus") java -Xmx2g -XX:+UseParallelGC -cp "$jar" io.gpuscale.bench.adapter.FleetServer \
    --agents "$agents" --port "$port" --sample-ms "${SAMPLE_MS:-1000}" --watch "${WATCH:-true}" >"$log" 2>&1 &
fleet=$!
trap 'kill $fleet 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 600); do
    grep -q '^ready' "$log" && break
    kill -0 $fleet 2>/dev/null || { cat "$log" >&2; exit 1; }
    sleep 0.5
done
grep -q '^ready' "$log" || { echo "the fleet did not start within 300 s" >&2; cat "$log" >&2; exit 1; }
head -1 "$log"
echo "# $(date -u +%FT%TZ) $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), adapter on CPUs '${adapter_cpus}', fleet on CPUs '${fleet_cpus}'"
for run in $(seq 1 "$runs"); do
    echo "## run $run"
    # shellcheck disable=SC2046
    $(pin "$adapter_cpus") java -Xmx"${ADAPTER_HEAP:-300m}" -XX:+ExitOnOutOfMemoryError -cp "$jar" \
        io.gpuscale.bench.adapter.FleetScrapeRun --agents "$agents" --port "$port" \
        --interval-ms "${INTERVAL_MS:-2000}" --warmup "${WARMUP:-30}" --seconds "${MEASURE:-60}" \
        --filter "${FILTER:-true}" 2>&1 | grep -v '^WARNING\|^[A-Z][a-z][a-z] [0-9]' || true
done
