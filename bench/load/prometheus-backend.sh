#!/usr/bin/env bash
# The adapter's Prometheus backend (--prometheus) at fleet size: a real Prometheus scrapes a
# stand-in fleet of NODES nodes x 8 GPUs x 12 pods (5,000 nodes: 60,000 pods, 325,000 series, what
# the adapter keeps of each agent's body) from TARGETS stand-in targets with honor_labels, every
# SCRAPE seconds; then the adapter's PrometheusMetrics, behind its MetricsApi and a cluster view of
# the fleet, answers (a) one pod, (b) pods/* with a selector matching 100 pods of a 1,000-pod
# namespace (and, for comparison, the same 100 pods read one query each, as before issue 13),
# a namespace's metric, nodes/*, and (c) an external metric over every GPU. Prints latency
# p50/p99/max per shape and round, Prometheus' CPU and RSS, the load average, then min/median/max
# over the rounds. Builds nothing: run `mvn -B -q -o -DskipTests package -pl bench -am` first.
#
# Usage: bench/load/prometheus-backend.sh
# Environment (defaults in brackets):
#   NODES [5000]  TARGETS [10]  SCRAPE [15, seconds]  ROUNDS [3]  WARMUP [5, seconds]  SECONDS_EACH [20]
#   TIMEOUT_MS [10000, the adapter's default --prometheus-timeout]    HEAP [3g] the bench JVM's -Xmx
#   PROMETHEUS [/usr/bin/prometheus]   JAVA [java]   JAR [bench/target/benchmarks.jar]
#   SHAPES [all] the query shapes to measure, comma-separated: a, b, b', namespace, c, nodes
#   HOLD [0]  seconds to keep the fleet up after the check, before measuring (to look at Prometheus by hand)
#   KEEP [0]  1: keep the temporary directory (Prometheus' log and data) and say where
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
jar=${JAR:-$root/bench/target/benchmarks.jar}
nodes=${NODES:-5000}
targets=${TARGETS:-10}
scrape=${SCRAPE:-15}
rounds=${ROUNDS:-3}
warmup=${WARMUP:-5}
seconds_each=${SECONDS_EACH:-20}
timeout_ms=${TIMEOUT_MS:-10000}
heap=${HEAP:-3g}
java=${JAVA:-java}
prometheus=${PROMETHEUS:-/usr/bin/prometheus}
keep=${KEEP:-0}
hold=${HOLD:-0}
shapes=${SHAPES:-}

[[ -f "$jar" ]] || { echo "no $jar: build it first with mvn -B -q -o -DskipTests package -pl bench -am" >&2; exit 1; }
[[ -x "$prometheus" ]] || { echo "no $prometheus (apt-get install prometheus)" >&2; exit 1; }

dir="$(mktemp -d -t prometheus-backend.XXXXXX)"
jvm='' prom=''
cleanup() {
    for p in $jvm $prom; do
        if kill -0 "$p" 2>/dev/null; then
            kill "$p"
            wait "$p" 2>/dev/null || true
        fi
    done
    if [[ "$keep" == 1 ]]; then
        echo "# kept $dir" >&2
    else
        rm -rf "$dir"
    fi
}
trap cleanup EXIT

free_ports() { # count
    python3 -c 'import socket,sys
socks=[socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks: s.bind(("127.0.0.1",0))
print(",".join(str(s.getsockname()[1]) for s in socks))' "$1"
}
ports=$(free_ports $((targets + 1)))
prom_port=${ports%%,*}
target_ports=${ports#*,}

{
    cat <<YAML
global:
  scrape_interval: ${scrape}s
  scrape_timeout: $((scrape < 10 ? scrape : 10))s
scrape_configs:
  - job_name: fleet
    honor_labels: true
    static_configs:
      - targets: [$(echo "$target_ports" | sed "s/\([0-9][0-9]*\)/'127.0.0.1:\1'/g")]
YAML
} >"$dir/prometheus.yml"

"$prometheus" --config.file="$dir/prometheus.yml" --web.listen-address="127.0.0.1:$prom_port" \
    --storage.tsdb.path="$dir/tsdb" --storage.tsdb.retention.time=2h --log.level=warn \
    >"$dir/prometheus.log" 2>&1 &
prom=$!

echo "# $(date -u +%FT%TZ) $(nproc) CPUs, $(lscpu | sed -n 's/^Model name: *//p'), $(free -g | awk '/^Mem:/ { print $2 " GiB" }'),"\
" $("$java" -version 2>&1 | head -1), $("$prometheus" --version 2>&1 | head -1)"
echo "# command: NODES=$nodes TARGETS=$targets SCRAPE=$scrape ROUNDS=$rounds WARMUP=$warmup SECONDS_EACH=$seconds_each"\
" TIMEOUT_MS=$timeout_ms HEAP=$heap${shapes:+ SHAPES=$shapes} bench/load/prometheus-backend.sh"
echo "# prometheus: scrape_interval ${scrape}s, $targets targets with honor_labels, data in a fresh directory; load average $(cut -d' ' -f1-3 /proc/loadavg)"

"$java" "-Xmx$heap" -cp "$jar" io.gpuscale.bench.adapter.PrometheusBackendRun --nodes "$nodes" \
    --target-ports "$target_ports" --prometheus "http://127.0.0.1:$prom_port" --scrape-interval-seconds "$scrape" \
    --timeout-ms "$timeout_ms" --rounds "$rounds" --warmup-seconds "$warmup" --seconds "$seconds_each" --hold-seconds "$hold" --shapes "$shapes" &
jvm=$!
status=0
wait "$jvm" || status=$?
jvm=''
if ! kill -0 "$prom" 2>/dev/null; then
    echo "prometheus exited during the run; its log:" >&2
    cat "$dir/prometheus.log" >&2
    exit 1
fi
echo "# prometheus peak RSS (VmHWM): $(awk '/^VmHWM/ { printf "%.0f MiB", $2 / 1024 }' "/proc/$prom/status")"
exit "$status"
