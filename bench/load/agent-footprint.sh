#!/usr/bin/env bash
# The agent's footprint as the DaemonSet ships it: starts agent/target/gpuscale-agent.jar on
# simulated GPUs (with their simulated pods) under the JAVA_TOOL_OPTIONS read from
# deploy/base/agent-daemonset.yaml, scrapes it beside (Prometheus' full body once a second, and the
# adapter's watch with its families), warms up, then samples the process for the measured window:
# RSS (VmRSS of /proc/PID/status) every 10 s and CPU (utime + stime of /proc/PID/stat) over the
# window. Prints one summary line at the end. Builds nothing: run
# `mvn -B -q -o -DskipTests package -pl agent -am` first.
#
# NODE=real runs the agent as on a real GPU node instead: `--source nvml` into the fake NVML
# library (gcc-built, agent/src/test/native/fake_nvml.c; GPUS GPUs), pod attribution from a
# kubelet PodResources stand-in on a unix socket (PODS pods holding those GPUs, asked every sample)
# and this node's pods from a kube-apiserver stand-in (list with the spec.nodeName field selector,
# then a held watch) reached through a kubeconfig: io.gpuscale.bench.agent.RealNodeRun, in its own
# JVM. So the gRPC PodResources client and the agent's pod list and watch are loaded and working,
# which the simulated source never does. The run fails unless the agent's /metrics carries pod
# labels. Needs `mvn -B -q -o -DskipTests package -pl bench -am` (benchmarks.jar, the fake library
# in bench/target/native, and the agent jar).
#
# Usage: bench/load/agent-footprint.sh
# Environment (defaults in brackets):
#   WARMUP [60]       seconds before the window starts
#   DURATION [300]    seconds measured
#   SOURCE [sim:h100x8]  the agent's --source
#   INTERVAL [1s]     the agent's --interval
#   SCRAPERS [prometheus,adapter]  prometheus: GET /metrics every PROMETHEUS_EVERY seconds as
#                     Prometheus asks (OpenMetrics, gzip); adapter: the watch (since, name[])
#                     answered every sample, on one kept-alive connection (python3); none: no requests
#   PROMETHEUS_EVERY [1]  seconds between Prometheus' scrapes (the shipped ServiceMonitor: 15)
#   OPTS              JVM options to use INSTEAD of the manifest's (for measuring one knob); the
#                     summary says which were used
#   EXTRA_OPTS        JVM options appended to the manifest's (or to OPTS)
#   PORT [19510]  JAVA [java]  JAR [agent/target/gpuscale-agent.jar]
#   NMT [0]           1: add -XX:NativeMemoryTracking=summary and print the JVM's own account at the end
#   NODE [sim]        sim: --source SOURCE, simulated pods; real: see above (SOURCE is then ignored)
#   GPUS [8] PODS [12]  NODE=real only: the fake library's GPUs and the pods holding them
#                     (GPUS <= PODS <= 2 x GPUS: the first 2 x GPUS - PODS GPUs held whole, the rest
#                     time-sliced between two pods)
#   INFORMER [1]      NODE=real only: 0 starts the agent without --kubeconfig (no pod informer, so
#                     the pod list and watch stay unloaded; the kubelet's allocations are trusted as
#                     listed): the client's cost is the difference
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
jar=${JAR:-$root/agent/target/gpuscale-agent.jar}
manifest=$root/deploy/base/agent-daemonset.yaml
warmup=${WARMUP:-60}
duration=${DURATION:-300}
source=${SOURCE:-sim:h100x8}
interval=${INTERVAL:-1s}
scrapers=${SCRAPERS:-prometheus,adapter}
prometheus_every=${PROMETHEUS_EVERY:-1}
port=${PORT:-19510}
java=${JAVA:-java}
node=${NODE:-sim}
gpus=${GPUS:-8}
pods=${PODS:-12}
informer=${INFORMER:-1}
base="http://127.0.0.1:$port/metrics"

[[ -f "$jar" ]] || { echo "no $jar: build it first with mvn -B -q -o -DskipTests package -pl agent -am" >&2; exit 1; }

# The value of the container's JAVA_TOOL_OPTIONS: the line after "- name: JAVA_TOOL_OPTIONS".
shipped=$(awk '/- name: JAVA_TOOL_OPTIONS/ { getline; sub(/^ *value: */, ""); gsub(/"/, ""); print; exit }' "$manifest")
[[ -n "$shipped" ]] || { echo "no JAVA_TOOL_OPTIONS found in $manifest" >&2; exit 1; }
opts=${OPTS-$shipped}
opts="$opts ${EXTRA_OPTS:-}"
if [[ "${NMT:-0}" == 1 ]]; then
    opts="$opts -XX:NativeMemoryTracking=summary"
fi
opts=$(echo "$opts" | xargs) # trim

log="$(mktemp -t agent-footprint.XXXXXX.log)"
helpers=()
agent=""
stop_all() {
    for p in "${helpers[@]}"; do
        kill "$p" 2>/dev/null || true
    done
    if [[ -n "$agent" ]] && kill -0 "$agent" 2>/dev/null; then
        kill "$agent"
        wait "$agent" 2>/dev/null || true
    fi
    if [[ -n "${standins:-}" ]] && kill -0 "$standins" 2>/dev/null; then
        kill "$standins"
        wait "$standins" 2>/dev/null || true
    fi
    [[ -n "${node_dir:-}" ]] && rm -rf "$node_dir"
}
trap stop_all EXIT

case "$node" in
    sim)
        node_name=footprint-node
        source_flags=(--source "$source")
        agent_env=()
        ;;
    real)
        bench_jar=$root/bench/target/benchmarks.jar
        nvml=$root/bench/target/native/libnvidia-ml.so.1 # absolute: the agent takes a relative path as a name to look up
        for f in "$bench_jar" "$nvml"; do
            [[ -f "$f" ]] || { echo "no $f: build it first with mvn -B -q -o -DskipTests package -pl bench -am" >&2; exit 1; }
        done
        node_dir=$(mktemp -d -t agent-footprint-node.XXXXXX)
        # The stand-ins run in a small JVM of their own; their CPU is not the agent's.
        "$java" -Xmx64m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Dgpuscale.bench.fakeNvml="$nvml" \
            -cp "$bench_jar" io.gpuscale.bench.agent.RealNodeRun --socket "$node_dir/kubelet.sock" \
            --kubeconfig "$node_dir/kubeconfig" --gpus "$gpus" --pods "$pods" >"$node_dir/standins.log" 2>&1 &
        standins=$!
        deadline=$((SECONDS + 120))
        until grep -q '^READY ' "$node_dir/standins.log"; do
            if ! kill -0 "$standins" 2>/dev/null || ((SECONDS > deadline)); then
                echo "the kubelet and API server stand-ins did not start; their log:" >&2
                cat "$node_dir/standins.log" >&2
                exit 1
            fi
            sleep 0.2
        done
        node_name=$(sed -n 's/^READY node=\([^ ]*\) .*/\1/p' "$node_dir/standins.log")
        source_flags=(--source nvml --nvml-library "$nvml" --pod-resources-socket "$node_dir/kubelet.sock")
        [[ "$informer" == 1 ]] && source_flags+=(--kubeconfig "$node_dir/kubeconfig")
        agent_env=(FAKE_NVML_GPUS="$gpus")
        source="nvml ($gpus fake GPUs, $pods pods from the kubelet stand-in$([[ "$informer" == 1 ]] && echo " and the API server stand-in" || echo ", no pod informer"))"
        ;;
    *) echo "unknown NODE '$node' (sim, real)" >&2; exit 1 ;;
esac

env "${agent_env[@]}" JAVA_TOOL_OPTIONS="$opts" "$java" -jar "$jar" "${source_flags[@]}" --interval "$interval" \
    --listen "127.0.0.1:$port" --node-name "$node_name" >"$log" 2>&1 &
agent=$!

deadline=$((SECONDS + 120)) # JVM start and the first sample, on a loaded machine
until curl -fs -o /dev/null "http://127.0.0.1:$port/readyz"; do
    if ! kill -0 "$agent" 2>/dev/null || ((SECONDS > deadline)); then
        echo "agent did not become ready; its log ($log):" >&2
        cat "$log" >&2
        exit 1
    fi
    sleep 0.2
done

# Distinct pods on the agent's pod series.
attributed_pods() {
    curl -fs "$base?name%5B%5D=nvidia_gpu_pod_utilization_percent" | grep -o 'pod="[^"]*"' | sort -u | wc -l
}
if [[ "$node" == real ]]; then
    deadline=$((SECONDS + 60))
    until (($(attributed_pods) > 0)); do
        if ! kill -0 "$agent" 2>/dev/null || ((SECONDS > deadline)); then
            echo "the agent attributes no pod after 60 s; its log ($log):" >&2
            cat "$log" >&2
            exit 1
        fi
        sleep 1
    done
fi

prometheus_scraper() {
    while true; do
        curl -s -o /dev/null -H 'Accept-Encoding: gzip' \
            -H 'Accept: application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5' "$base" || true
        sleep "$prometheus_every"
    done
}

# The families the adapter keeps, and the watch: each answer's sample time is the next since.
# One kept-alive connection, as the adapter's client pool holds one per agent (a new curl per
# request would add a TCP accept and a new HTTP pipeline to every sample).
adapter_scraper() {
    exec python3 - "$port" <<'PY'
import http.client, sys, time
port = int(sys.argv[1])
families = ["nvidia_gpu_utilization_percent", "nvidia_gpu_memory_used_bytes", "nvidia_gpu_memory_total_bytes",
            "nvidia_gpu_power_usage_watts", "nvidia_gpu_temperature_celsius", "nvidia_gpu_pod_utilization_percent",
            "nvidia_gpu_pod_memory_used_bytes", "nvidia_gpu_info", "gpuscale_agent_last_sample_timestamp_seconds"]
names = "".join("&name%5B%5D=" + f for f in families)
since, conn = "0", None
while True:
    try:
        if conn is None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=40)
        conn.request("GET", "/metrics?since=" + since + "&wait=10000" + names, headers={"Accept-Encoding": "gzip"})
        answer = conn.getresponse()
        answer.read()
        t = answer.getheader("Gpuscale-Sample-Time")
        if t and t != since:
            since = t
        else:
            time.sleep(1)  # no answer or the same sample: do not spin
    except (OSError, http.client.HTTPException):
        conn = None
        time.sleep(1)
PY
}

IFS=, read -r -a wanted <<<"$scrapers"
for s in "${wanted[@]}"; do
    case "$s" in
        prometheus) prometheus_scraper & helpers+=($!) ;;
        adapter) adapter_scraper & helpers+=($!) ;;
        none) ;;
        *) echo "unknown scraper '$s' (prometheus, adapter, none)" >&2; exit 1 ;;
    esac
done

ticks_of() { awk '{ print $14 + $15 }' "/proc/$agent/stat"; }
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$agent/status"; }
hz=$(getconf CLK_TCK)

echo "# $(date -u +%FT%TZ) $(nproc) CPUs, $(lscpu | sed -n 's/^Model name: *//p'), $("$java" -version 2>&1 | head -1), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# agent pid $agent node $node_name, --source $source --interval $interval; scrapers: $scrapers (prometheus every ${prometheus_every}s)"
echo "# JAVA_TOOL_OPTIONS=\"$opts\" ($([[ -z "${OPTS+x}" ]] && echo "from $(realpath --relative-to="$root" "$manifest")" || echo "OPTS, not the manifest's"))"
echo "# warm-up ${warmup}s, then ${duration}s measured"
sleep "$warmup"

t0=$(ticks_of)
start=$SECONDS
rss_min="" rss_max=0
printf '%8s %10s\n' seconds rss-KiB
while ((SECONDS - start < duration)); do
    r=$(rss_kib)
    printf '%8d %10d\n' $((SECONDS - start)) "$r"
    ((r > rss_max)) && rss_max=$r
    [[ -z "$rss_min" || $r -lt $rss_min ]] && rss_min=$r
    left=$((duration - (SECONDS - start)))
    sleep $((left < 10 ? left : 10))
done
t1=$(ticks_of)
elapsed=$((SECONDS - start))
rss_end=$(rss_kib)
anon=$(awk '/^RssAnon:/ { print $2 }' "/proc/$agent/status")
file=$(awk '/^RssFile:/ { print $2 }' "/proc/$agent/status")
threads=$(ls "/proc/$agent/task" | wc -l)
cpu=$(awk -v d=$((t1 - t0)) -v hz="$hz" -v s="$elapsed" 'BEGIN { printf "%.3f", 100 * d / hz / s }')
if [[ "${NMT:-0}" == 1 ]] && command -v jcmd >/dev/null; then
    jcmd "$agent" VM.native_memory summary | grep -E '^(Total|-) |classes #' | sed 's/^/# NMT /'
fi
pods_seen=$(attributed_pods) || true
if [[ "$node" == real ]] && ((pods_seen == 0)); then
    echo "the agent attributed no pod at the end of the window; its log ($log):" >&2
    cat "$log" >&2
    exit 1
fi
printf 'RESULT node=%s pods=%s prometheus_every_s=%s rss_end_mib=%.1f rss_min_mib=%.1f rss_max_mib=%.1f rss_anon_mib=%.1f rss_file_mib=%.1f cpu_percent=%s threads=%d window_s=%d load="%s" opts="%s"\n' \
    "$node" "$pods_seen" "$prometheus_every" "$(echo "$rss_end/1024" | bc -l)" "$(echo "$rss_min/1024" | bc -l)" "$(echo "$rss_max/1024" | bc -l)" \
    "$(echo "$anon/1024" | bc -l)" "$(echo "$file/1024" | bc -l)" "$cpu" "$threads" "$elapsed" \
    "$(cut -d' ' -f1-3 /proc/loadavg)" "$opts"
