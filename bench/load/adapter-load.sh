#!/usr/bin/env bash
# The adapter's pods/* query over HTTPS on loopback, side by side in one run with (a) a bare Vert.x
# HTTPS handler returning a fixed body of the same bytes and (b) a real Prometheus answering the
# equivalent PromQL instant query (same 100 pods, mean over their GPUs) over HTTPS. Prints one
# table row per server and the two ratios the issue sets targets for (adapter >= 50 % of bare,
# adapter >= 20x Prometheus). Builds nothing: run `mvn -q -DskipTests package` first.
#
# Data: io.gpuscale.bench.adapter.Fleet, 1 000 pods on 125 nodes x 8 GPUs in namespace bench;
# labelSelector app=app-3 matches 100. See AdapterLoadServer for what serves what.
#
# Usage: bench/load/adapter-load.sh
# Environment (defaults in brackets):
#   WARMUP [5s]  DURATION [10s, whole seconds]  THREADS [1]  CONNECTIONS [16]
#   PIN [1]      1: servers (JVM and Prometheus) on CPU $SERVER_CPU [0], wrk on CPU $WRK_CPU [1]; 0: unpinned
#   HEAP [256m]  the server JVM's -Xmx
#   PROMETHEUS [/usr/bin/prometheus]   JAVA [java]   JAR [bench/target/benchmarks.jar]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
jar=${JAR:-$root/bench/target/benchmarks.jar}
warmup=${WARMUP:-5s}
duration=${DURATION:-10s}
threads=${THREADS:-1}
connections=${CONNECTIONS:-16}
pin=${PIN:-1}
server_cpu=${SERVER_CPU:-0}
wrk_cpu=${WRK_CPU:-1}
heap=${HEAP:-256m}
java=${JAVA:-java}
prometheus=${PROMETHEUS:-/usr/bin/prometheus}

[[ -f "$jar" ]] || { echo "no $jar: build it first with mvn -q -DskipTests package" >&2; exit 1; }
command -v wrk >/dev/null || { echo "wrk not found" >&2; exit 1; }
[[ -x "$prometheus" ]] || { echo "no $prometheus" >&2; exit 1; }

server_pin=() wrk_pin=()
if [[ "$pin" == 1 ]]; then
    server_pin=(taskset -c "$server_cpu")
    wrk_pin=(taskset -c "$wrk_cpu")
fi

dir="$(mktemp -d -t adapter-load.XXXXXX)"
jvm='' prom=''
cleanup() {
    for p in $prom $jvm; do
        if kill -0 "$p" 2>/dev/null; then
            kill "$p"
            wait "$p" 2>/dev/null || true
        fi
    done
    rm -rf "$dir"
}
trap cleanup EXIT

"${server_pin[@]}" "$java" "-Xmx$heap" -cp "$jar" io.gpuscale.bench.adapter.AdapterLoadServer --dir "$dir" \
    >"$dir/server.log" 2>&1 &
jvm=$!
deadline=$((SECONDS + 60))
until [[ -f "$dir/ports.env" ]]; do
    if ! kill -0 "$jvm" 2>/dev/null || ((SECONDS > deadline)); then
        echo "load server did not start; its log:" >&2
        cat "$dir/server.log" >&2
        exit 1
    fi
    sleep 0.2
done
# shellcheck disable=SC1091
source "$dir/ports.env"

prom_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$dir/prometheus.yml" <<YAML
global:
  scrape_interval: 5s
  scrape_timeout: 4s
scrape_configs:
  - job_name: fleet
    honor_labels: true
    static_configs:
      - targets: ['127.0.0.1:$EXPO_PORT']
YAML
cat >"$dir/web.yml" <<YAML
tls_server_config:
  cert_file: $dir/cert.pem
  key_file: $dir/key.pem
YAML
"${server_pin[@]}" "$prometheus" --config.file="$dir/prometheus.yml" --web.config.file="$dir/web.yml" \
    --web.listen-address="127.0.0.1:$prom_port" --storage.tsdb.path="$dir/tsdb" \
    --storage.tsdb.retention.time=1h --log.level=warn >"$dir/prometheus.log" 2>&1 &
prom=$!

adapter_url="https://127.0.0.1:$ADAPTER_PORT$PODS_PATH?$PODS_QUERY"
bare_url="https://127.0.0.1:$BARE_PORT$PODS_PATH?$PODS_QUERY"
prom_url="https://127.0.0.1:$prom_port/api/v1/query?query=$PROMQL_ENCODED"

# Prometheus answers once it has scraped the fleet: wait for all 100 series.
deadline=$((SECONDS + 60))
until [[ "$(curl -ksf "$prom_url" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["data"]["result"]))' 2>/dev/null)" == 100 ]]; do
    if ! kill -0 "$prom" 2>/dev/null || ((SECONDS > deadline)); then
        echo "prometheus did not answer 100 series within 60 s; its log:" >&2
        cat "$dir/prometheus.log" >&2
        exit 1
    fi
    sleep 0.5
done

# The same answer: per pod, the adapter's value (canonical quantity) and Prometheus' value.
curl -ksf "$adapter_url" >"$dir/adapter.json"
curl -ksf "$prom_url" >"$dir/prom.json"
python3 - "$dir/adapter.json" "$dir/prom.json" <<'PY'
import json, sys
def quantity(q):
    return float(q[:-1]) / 1000 if q.endswith("m") else float(q)
a = {i["describedObject"]["name"]: quantity(i["value"]) for i in json.load(open(sys.argv[1]))["items"]}
p = {r["metric"]["pod"]: float(r["value"][1]) for r in json.load(open(sys.argv[2]))["data"]["result"]}
bad = [k for k in set(a) | set(p) if k not in a or k not in p or abs(a[k] - p[k]) > 1e-3]
print(f"# same answer: adapter {len(a)} pods, prometheus {len(p)} pods, {len(bad)} differ"
      + (f" (e.g. {sorted(bad)[:3]})" if bad else ""))
if bad or len(a) != 100:
    sys.exit(1)
PY

echo "# $(date -u +%FT%TZ) $(nproc) CPUs, $(lscpu | sed -n 's/^Model name: *//p'), $("$java" -version 2>&1 | head -1), $("$prometheus" --version 2>&1 | head -1)"
echo "# servers pinned: $([[ $pin == 1 ]] && echo "JVM and Prometheus on CPU $server_cpu, wrk on CPU $wrk_cpu" || echo no); wrk -t$threads -c$connections, $warmup warm-up then $duration measured per server"
echo "# adapter and bare: one JVM (-Xmx$heap), 2 event loops each, TLS; Prometheus: HTTPS (web config), the PromQL below"
echo "# query: GET $PODS_PATH?$PODS_QUERY"
echo "# promql: $PROMQL"
echo "# CPU columns: percent of one CPU over the measured run; other = rest of the machine; load = 1-min load average before the phase"
printf '%-11s %10s %9s %9s %9s %9s %10s %7s %7s %7s %6s\n' server req/s avg p50 p99 max body-B server wrk other load

ticks_of() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
busy_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
declare -A rate

run() { # name, pid, url
    local name=$1 pid=$2 url=$3 bytes out s0 s1 m0 m1 load wrk_pct server_pct other_pct secs
    bytes=$(curl -ksf "$url" | wc -c)
    "${wrk_pin[@]}" wrk -t"$threads" -c"$connections" -d"$warmup" "$url" >/dev/null
    load=$(cut -d' ' -f1 /proc/loadavg)
    s0=$(ticks_of "$pid"); m0=$(busy_ticks)
    out=$(TIMEFORMAT='%U %S'; { time "${wrk_pin[@]}" wrk -t"$threads" -c"$connections" -d"$duration" --latency "$url"; } 2>&1)
    s1=$(ticks_of "$pid"); m1=$(busy_ticks)
    secs=${duration%s}
    local hz; hz=$(getconf CLK_TCK)
    wrk_pct=$(echo "$out" | tail -1 | awk -v s="$secs" '{ printf "%.0f", 100 * ($1 + $2) / s }')
    server_pct=$(awk -v a="$s0" -v b="$s1" -v hz="$hz" -v s="$secs" 'BEGIN { printf "%.0f", 100 * (b - a) / hz / s }')
    other_pct=$(awk -v a="$m0" -v b="$m1" -v hz="$hz" -v s="$secs" -v sp="$server_pct" -v wp="$wrk_pct" \
        'BEGIN { printf "%.0f", 100 * (b - a) / hz / s - sp - wp }')
    rate[$name]=$(echo "$out" | awk '/^Requests\/sec/ { print $2 }')
    printf '%-11s %10s %9s %9s %9s %9s %10s %6s%% %6s%% %6s%% %6s\n' "$name" "${rate[$name]}" \
        "$(echo "$out" | awk '/^    Latency/ { print $2 }')" \
        "$(echo "$out" | awk '/^     50%/ { print $2 }')" \
        "$(echo "$out" | awk '/^     99%/ { print $2 }')" \
        "$(echo "$out" | awk '/^    Latency/ { print $4 }')" \
        "$bytes" "$server_pct" "$wrk_pct" "$other_pct" "$load"
    if echo "$out" | grep -q 'Non-2xx\|Socket errors'; then
        echo "$out" | grep 'Non-2xx\|Socket errors' | sed "s/^/#   $name: /"
    fi
}

run adapter "$jvm" "$adapter_url"
run bare-vertx "$jvm" "$bare_url"
run prometheus "$prom" "$prom_url"

awk -v a="${rate[adapter]}" -v b="${rate[bare-vertx]}" -v p="${rate[prometheus]}" 'BEGIN {
    printf "adapter / bare Vert.x: %.0f %% (target >= 50 %%): %s\n", 100 * a / b, (a >= 0.5 * b ? "met" : "MISSED")
    printf "adapter / Prometheus:  %.1fx (target >= 20x): %s\n", a / p, (a >= 20 * p ? "met" : "MISSED")
}'
