#!/usr/bin/env bash
# Scrape load on loopback: starts the agent jar with 8 simulated H100s, drives /metrics with wrk
# in three ways (plain text, gzip, OpenMetrics), prints requests/s and latency, then reports the
# agent's heap after a full GC and its RSS, and stops the agent. Builds nothing: run
# `mvn -q -DskipTests package` first.
#
# Usage: bench/load/scrape-load.sh
# Environment (defaults in brackets):
#   PORT [19190]  WARMUP [5s]  DURATION [15s, whole seconds]  THREADS [1]  CONNECTIONS [16]
#   PIN [1]       1: agent on CPU $AGENT_CPU [0], wrk on CPU $WRK_CPU [1] (taskset); 0: unpinned
#   HEAP [64m]    the agent's -Xmx
#   JAVA [java]   the java to start the agent with
#   JAR           the agent jar [agent/target/gpuscale-agent.jar]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
jar=${JAR:-$root/agent/target/gpuscale-agent.jar}
port=${PORT:-19190}
warmup=${WARMUP:-5s}
duration=${DURATION:-15s}
threads=${THREADS:-1}
connections=${CONNECTIONS:-16}
pin=${PIN:-1}
agent_cpu=${AGENT_CPU:-0}
wrk_cpu=${WRK_CPU:-1}
heap=${HEAP:-64m}
java=${JAVA:-java}
url="http://127.0.0.1:$port/metrics"
openmetrics='Accept: application/openmetrics-text; version=1.0.0; charset=utf-8,text/plain; version=0.0.4; q=0.5'

[[ -f "$jar" ]] || { echo "no $jar: build it first with mvn -q -DskipTests package" >&2; exit 1; }
command -v wrk >/dev/null || { echo "wrk not found" >&2; exit 1; }

agent_pin=() wrk_pin=()
if [[ "$pin" == 1 ]]; then
    agent_pin=(taskset -c "$agent_cpu")
    wrk_pin=(taskset -c "$wrk_cpu")
fi

log="$(mktemp -t scrape-load-agent.XXXXXX.log)"
"${agent_pin[@]}" "$java" "-Xmx$heap" -jar "$jar" --source sim:h100x8 --interval 1s \
    --listen "127.0.0.1:$port" --node-name bench-node >"$log" 2>&1 &
agent=$!
stop_agent() {
    if kill -0 "$agent" 2>/dev/null; then
        kill "$agent"
        wait "$agent" 2>/dev/null || true
    fi
}
trap stop_agent EXIT

deadline=$((SECONDS + 30))
until curl -fs -o /dev/null "http://127.0.0.1:$port/readyz"; do
    if ! kill -0 "$agent" 2>/dev/null || ((SECONDS > deadline)); then
        echo "agent did not become ready; its log ($log):" >&2
        cat "$log" >&2
        exit 1
    fi
    sleep 0.2
done

echo "# $(date -u +%FT%TZ) $(nproc) CPUs, $(lscpu | sed -n 's/^Model name: *//p'), $("$java" -version 2>&1 | head -1)"
echo "# agent pid $agent: -Xmx$heap --source sim:h100x8 --interval 1s; pinned: $([[ $pin == 1 ]] && echo "agent CPU $agent_cpu, wrk CPU $wrk_cpu" || echo no)"
echo "# wrk -t$threads -c$connections: $warmup warm-up, then $duration measured, per mode"
echo "# CPU columns: percent of one CPU over the measured run; other = the rest of the machine (kernel softirq, other processes)"
printf '%-12s %10s %10s %10s %10s %10s %12s %8s %8s %8s\n' mode req/s avg p50 p99 max body-bytes agent wrk other

ticks_of() { # user + system clock ticks of a process
    awk '{ print $14 + $15 }' "/proc/$1/stat"
}
busy_ticks() { # busy clock ticks of the whole machine (every CPU), from /proc/stat
    awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat
}

run_mode() { # name, wrk/curl header arguments...
    local name=$1
    shift
    local bytes out a0 a1 m0 m1 wrk_cpu
    bytes=$(curl -fs "$@" "$url" | wc -c)
    "${wrk_pin[@]}" wrk -t"$threads" -c"$connections" -d"$warmup" "$@" "$url" >/dev/null
    a0=$(ticks_of "$agent")
    m0=$(busy_ticks)
    out=$( { TIMEFORMAT='%U %S'; time "${wrk_pin[@]}" wrk -t"$threads" -c"$connections" -d"$duration" \
        --latency "$@" "$url"; } 2>&1)
    a1=$(ticks_of "$agent")
    m1=$(busy_ticks)
    if grep -q 'Non-2xx\|Socket errors' <<<"$out"; then
        echo "$out" >&2
    fi
    local rps avg p50 p99 max secs hz agent_pct wrk_pct other_pct
    rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
    avg=$(awk '$1 == "Latency" { print $2; exit }' <<<"$out")
    max=$(awk '$1 == "Latency" { print $4; exit }' <<<"$out")
    p50=$(awk '$1 == "50%" { print $2 }' <<<"$out")
    p99=$(awk '$1 == "99%" { print $2 }' <<<"$out")
    wrk_cpu=$(tail -1 <<<"$out") # user and system seconds of wrk, from bash's time
    secs=${duration%s}
    hz=$(getconf CLK_TCK)
    agent_pct=$(( (a1 - a0) * 100 / hz / secs ))
    wrk_pct=$(awk -v u="${wrk_cpu% *}" -v s="${wrk_cpu#* }" -v d="$secs" 'BEGIN { printf "%d", (u + s) * 100 / d }')
    other_pct=$(( (m1 - m0) * 100 / hz / secs - agent_pct - wrk_pct ))
    printf '%-12s %10s %10s %10s %10s %10s %12s %7s%% %7s%% %7s%%\n' "$name" "$rps" "$avg" "$p50" "$p99" "$max" \
        "$bytes" "$agent_pct" "$wrk_pct" "$other_pct"
}

run_mode text
run_mode gzip -H 'Accept-Encoding: gzip'
run_mode openmetrics -H "$openmetrics"

heap_used() { # used heap, summed over the generations (or the one G1 heap) jcmd lists
    jcmd "$agent" GC.heap_info | grep -E 'total [0-9]+K, used [0-9]+K' | grep -vE 'Metaspace|class space' \
        | grep -oE 'used [0-9]+K' | awk '{ s += $2 + 0 } END { printf "%.1f MiB", s / 1024 }'
}
echo "# heap right after the load (before GC): $(heap_used)"
jcmd "$agent" GC.run >/dev/null
sleep 1
echo "# heap after jcmd GC.run: $(heap_used); jcmd GC.heap_info:"
jcmd "$agent" GC.heap_info | sed -n '2,$p' | sed 's/^/#   /'
echo "# jvm_memory_used_bytes{area=\"heap\"} summed over pools, from /metrics: $(curl -fs "$url" \
    | awk '/^jvm_memory_used_bytes\{.*area="heap"/ {s += $NF} END {printf "%.1f MiB", s / 1048576}')"
echo "# RSS: $(awk '/^VmRSS/ {printf "%.1f MiB", $2 / 1024}' "/proc/$agent/status"), \
threads: $(awk '/^Threads/ {print $2}' "/proc/$agent/status"), GC: $(jcmd "$agent" VM.flags | grep -oE 'Use[A-Za-z0-9]+GC' | head -1)"
