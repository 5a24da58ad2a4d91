#!/usr/bin/env bash
# The gpuscale demo, no cluster and no GPU needed: two agents on simulated GPUs (node mainpc with
# an RTX 4090, node pc2 with an RTX 3060, each with a simulated inference pod) and the adapter
# serving custom.metrics.k8s.io from them over a snapshot of that cluster
# (deploy/examples/demo-cluster.yaml). Within the first minute it shows:
#   - the seed HPA (AverageValue 70 on nvidia_gpu_utilization_percent) going from "stay" to
#     "scale up" as the simulated load rises past the target (about 30 s after the start);
#   - the placement advisor refusing a GPU pod on pc2 because of pc2's taint
#     nvidia.com/gpu=present:NoSchedule;
#   - GPU-load-aware scores per node from the running adapter's POST /advisor/v1/explain, which
#     reads the agents' live GPU load.
#
# Usage: scripts/demo.sh            runs until Ctrl-C (or SIGTERM)
#        GPUSCALE_DEMO_SECONDS=N scripts/demo.sh
#                                   stops by itself N seconds after the start, exit status 0
#
# Ports (127.0.0.1 only), each checked to be free before anything starts:
#   GPUSCALE_DEMO_ADAPTER_PORT  8643  the adapter's HTTPS (not 6443: k3s's API server has that)
#   GPUSCALE_DEMO_MAINPC_PORT   9410  agent mainpc /metrics
#   GPUSCALE_DEMO_PC2_PORT      9411  agent pc2 /metrics
#   GPUSCALE_DEMO_METRICS_PORT  9420  the adapter's own /metrics (when the adapter has
#                                     --metrics-bind-address)
# Logs go to target/demo/. Exit status: 0 done; 1 a port taken, a process that died or did not
# get ready; 2 a bad setting or a missing tool.
set -euo pipefail
cd "$(dirname "$0")/.."

AGENT=agent/target/gpuscale-agent.jar
ADAPTER=adapter/target/gpuscale-adapter.jar
CLUSTER=deploy/examples/demo-cluster.yaml
LOGS=target/demo
ADAPTER_PORT=${GPUSCALE_DEMO_ADAPTER_PORT:-8643}
MAINPC_PORT=${GPUSCALE_DEMO_MAINPC_PORT:-9410}
PC2_PORT=${GPUSCALE_DEMO_PC2_PORT:-9411}
METRICS_PORT=${GPUSCALE_DEMO_METRICS_PORT:-9420}
RUN_SECONDS=${GPUSCALE_DEMO_SECONDS:-}
STARTUP_SECONDS=${GPUSCALE_DEMO_STARTUP_SECONDS:-120}
# The simulated load: both pods start at 50 % and rise (sine waves of 5 and 4 minutes, 10-90 %):
# their mean passes the HPA's 70 × 1.1 tolerance about 32 s after the start, stays above it until
# about 100 s, and falls below 35 % (scale down) around 150-220 s.
MAINPC_LOAD=rtx4090@sine:5m
PC2_LOAD=rtx3060@sine:4m

fail() { echo "demo.sh: $*" >&2; exit 1; }
usage_error() { echo "demo.sh: $*" >&2; exit 2; }

case "${1:-}" in
  "") ;;
  -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
  *) usage_error "unknown argument '$1' (none are taken; settings are environment variables, see --help)" ;;
esac

number() { # NAME VALUE MIN MAX
  [[ $2 =~ ^[0-9]{1,6}$ ]] && (( 10#$2 >= $3 && 10#$2 <= $4 )) || usage_error "$1 must be a whole number from $3 to $4, got '$2'"
}
number GPUSCALE_DEMO_ADAPTER_PORT "$ADAPTER_PORT" 1 65535
number GPUSCALE_DEMO_MAINPC_PORT "$MAINPC_PORT" 1 65535
number GPUSCALE_DEMO_PC2_PORT "$PC2_PORT" 1 65535
number GPUSCALE_DEMO_METRICS_PORT "$METRICS_PORT" 1 65535
number GPUSCALE_DEMO_STARTUP_SECONDS "$STARTUP_SECONDS" 10 3600
[ -z "$RUN_SECONDS" ] || number GPUSCALE_DEMO_SECONDS "$RUN_SECONDS" 1 86400
if [ "$(printf '%s\n' "$ADAPTER_PORT" "$MAINPC_PORT" "$PC2_PORT" "$METRICS_PORT" | sort -u | wc -l)" -ne 4 ]; then
  usage_error "the four ports must differ: adapter $ADAPTER_PORT, mainpc $MAINPC_PORT, pc2 $PC2_PORT, metrics $METRICS_PORT"
fi

command -v java >/dev/null || usage_error "java is not on the PATH: install a Java 17 (or newer) runtime"
command -v curl >/dev/null || usage_error "curl is not on the PATH: install curl"
JAVA_VERSION=$(java -version 2>&1 | sed -n 's/.* version "\([^"]*\)".*/\1/p' | head -n 1)
JAVA_MAJOR=${JAVA_VERSION%%[.+-]*}
[ "$JAVA_MAJOR" = 1 ] && JAVA_MAJOR=$(echo "$JAVA_VERSION" | cut -d. -f2)
[[ $JAVA_MAJOR =~ ^[0-9]+$ ]] && (( JAVA_MAJOR >= 17 )) \
  || usage_error "java on the PATH is ${JAVA_VERSION:-of unknown version}; gpuscale needs Java 17 or newer"

mkdir -p "$LOGS"
if [ ! -f "$AGENT" ] || [ ! -f "$ADAPTER" ]; then
  command -v mvn >/dev/null || usage_error "the jars are not built and mvn is not on the PATH: install Maven 3.8+"
  echo "building the jars (mvn -q -DskipTests -pl agent,adapter -am package; about a minute, log in $LOGS/build.log) ..."
  mvn -q -B -DskipTests -pl agent,adapter -am package >"$LOGS/build.log" 2>&1 \
    || fail "the build failed; the last lines of $LOGS/build.log:$(echo; grep -v '^\[INFO\]' "$LOGS/build.log" | tail -n 5)"
fi

# A port is taken when something accepts connections on it (a listener on 0.0.0.0 or 127.0.0.1).
port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
HAS_METRICS_FLAG=false
if java -jar "$ADAPTER" serve --help 2>/dev/null | grep -q -- '--metrics-bind-address'; then
  HAS_METRICS_FLAG=true
fi
check_port() { # PORT WHAT VARIABLE
  if port_taken "$1"; then
    fail "port $1 ($2) is already in use on 127.0.0.1; stop what listens there, or choose another: $3=<port> scripts/demo.sh"
  fi
}
check_port "$ADAPTER_PORT" "adapter HTTPS" GPUSCALE_DEMO_ADAPTER_PORT
check_port "$MAINPC_PORT" "agent mainpc" GPUSCALE_DEMO_MAINPC_PORT
check_port "$PC2_PORT" "agent pc2" GPUSCALE_DEMO_PC2_PORT
ADAPTER_EXTRA=()
if $HAS_METRICS_FLAG; then
  check_port "$METRICS_PORT" "adapter /metrics" GPUSCALE_DEMO_METRICS_PORT
  ADAPTER_EXTRA=(--metrics-bind-address "127.0.0.1:$METRICS_PORT")
fi

names=()
pids=()
logs=()
cleanup() {
  trap - EXIT INT TERM
  # ${a[@]+"${a[@]}"}: an empty array under set -u in bash 3.2 (macOS) too
  for p in ${pids[@]+"${pids[@]}"}; do kill "$p" 2>/dev/null || true; done
  for p in ${pids[@]+"${pids[@]}"}; do wait "$p" 2>/dev/null || true; done
}
on_signal() { echo; echo "stopping the demo ..."; cleanup; exit 0; }
trap cleanup EXIT
trap on_signal INT TERM

start() { # NAME LOG COMMAND...
  local name=$1 log=$2
  shift 2
  "$@" >"$log" 2>&1 &
  names+=("$name")
  pids+=($!)
  logs+=("$log")
}

# What a dead process said last, without Java stack frames: the first lines of a failure are the
# ones that name it.
last_lines() {
  grep -Ev '^[[:space:]]+at |^[[:space:]]*\.\.\. [0-9]+ more|^Caused by: ' "$1" | tail -n 5 | sed 's/^/    /'
}

# Every started process must still run; if one stopped, say which and why, and stop the demo.
check_alive() {
  local i
  for i in "${!pids[@]}"; do
    if ! kill -0 "${pids[$i]}" 2>/dev/null; then
      local code=0
      wait "${pids[$i]}" 2>/dev/null || code=$?
      {
        echo "demo.sh: ${names[$i]} stopped (exit status $code); the last lines of ${logs[$i]}:"
        last_lines "${logs[$i]}"
      } >&2
      exit 1
    fi
  done
}

echo "gpuscale: GPU metrics for HPAs (custom.metrics.k8s.io) and a GPU-aware placement advisor."
echo "Starting two simulated GPU nodes and the adapter (logs in $LOGS/) ..."
START=$SECONDS
start "agent mainpc" "$LOGS/agent-mainpc.log" java -jar "$AGENT" --source "sim:$MAINPC_LOAD" --node-name mainpc \
  --listen "127.0.0.1:$MAINPC_PORT"
start "agent pc2" "$LOGS/agent-pc2.log" java -jar "$AGENT" --source "sim:$PC2_LOAD" --node-name pc2 \
  --listen "127.0.0.1:$PC2_PORT"
start "adapter" "$LOGS/adapter.log" java -jar "$ADAPTER" serve --authentication-mode=None \
  --authorization-mode=AlwaysAllow --bind-address 127.0.0.1 --secure-port "$ADAPTER_PORT" --cluster "$CLUSTER" \
  --scrape-interval 1s --agents "http://127.0.0.1:$MAINPC_PORT/metrics,http://127.0.0.1:$PC2_PORT/metrics" \
  ${ADAPTER_EXTRA[@]+"${ADAPTER_EXTRA[@]}"}

SERVER="https://127.0.0.1:$ADAPTER_PORT"
QUERY="/apis/custom.metrics.k8s.io/v1beta2/namespaces/demo/pods/*/nvidia_gpu_utilization_percent?labelSelector=app%3Dllm-server"
# Ready when the adapter serves a value for both llm-server pods (each from its own agent).
while :; do
  check_alive
  if [ "$(curl -ksf --max-time 5 "$SERVER$QUERY" 2>/dev/null | grep -o '"value"' | wc -l)" -ge 2 ]; then
    break
  fi
  (( SECONDS - START < STARTUP_SECONDS )) \
    || fail "the adapter served no GPU utilization for both pods within ${STARTUP_SECONDS}s; see $LOGS/"
  sleep 0.5
done

# The seed HPA (deploy/examples/hpa-gpu-utilization.yaml), as the HPA controller would compute it.
hpa_decision() {
  local out
  if out=$(java -jar "$ADAPTER" hpa --server "$SERVER" --insecure-skip-tls-verify --cluster "$CLUSTER" \
      --namespace demo --selector app=llm-server --target 70 --min-replicas 1 --max-replicas 4 2>&1); then
    echo "$out"
  else
    echo "no decision: $(echo "$out" | grep -Ev '^[[:space:]]+at ' | head -n 1)"
  fi
}

# POST /advisor/v1/explain of a pod to the running adapter (it scores with the agents' live GPU
# load), one line per node: "NODE  feasible  score S (GPU score G)" or "NODE  refused  PLUGIN: why".
live_scores() { # POD_FILE
  local json
  json=$(curl -ksS --max-time 10 -H 'Content-Type: application/yaml' --data-binary "@$1" \
    "$SERVER/advisor/v1/explain" 2>&1) || { echo "no answer from the adapter: $json"; return; }
  local lines
  lines=$(echo "$json" | awk '
    { n = split($0, parts, /\{"name":"/) }
    END {
      for (i = 2; i <= n; i++) {
        p = parts[i]
        name = substr(p, 1, index(p, "\"") - 1)
        if (p !~ /^[^"]*","feasible":/) continue
        if (p ~ /"feasible":true/) {
          match(p, /"score":[0-9]+/); score = substr(p, RSTART + 8, RLENGTH - 8)
          match(p, /"gpuScore":[0-9]+/); gpu = substr(p, RSTART + 11, RLENGTH - 11)
          printf "%-8s feasible  score %s (GPU score %s)\n", name, score, gpu
        } else {
          match(p, /"message":"[^"]*"/); why = substr(p, RSTART + 11, RLENGTH - 12)
          match(p, /"plugin":"[^"]*"/); plugin = substr(p, RSTART + 10, RLENGTH - 11)
          printf "%-8s refused   %s: %s\n", name, plugin, why
        }
      }
    }')
  if [ -n "$lines" ]; then echo "$lines"; else echo "no scores in the adapter's answer: $(echo "$json" | head -c 300)"; fi
}

indent() { sed 's/^/    /'; }

cat <<TXT

Running (started in $((SECONDS - START)) s):
  agent mainpc  http://127.0.0.1:$MAINPC_PORT/metrics   RTX 4090, pod demo/llm-server-mainpc-0, load $MAINPC_LOAD
  agent pc2     http://127.0.0.1:$PC2_PORT/metrics   RTX 3060, pod demo/llm-server-pc2-0, load $PC2_LOAD
  adapter       $SERVER      custom.metrics.k8s.io v1beta1 + v1beta2, POST /advisor/v1/explain

1. Autoscaling on GPU load. The seed HPA (deploy/examples/hpa-gpu-utilization.yaml: Pods metric
   nvidia_gpu_utilization_percent, AverageValue 70, 1-4 replicas) over both llm-server pods decides now:
    $(hpa_decision)
   The load rises; the decision is repeated every 5 s below.

2. Why is my GPU pod Pending? pc2 (the RTX 3060) is tainted nvidia.com/gpu=present:NoSchedule, GPU
   work only. A GPU pod without the toleration (deploy/examples/pod-without-toleration.yaml):
     java -jar $ADAPTER explain --pod deploy/examples/pod-without-toleration.yaml --cluster $CLUSTER
TXT
java -jar "$ADAPTER" explain --pod deploy/examples/pod-without-toleration.yaml --cluster "$CLUSTER" 2>&1 \
  | grep -Ev '^[[:space:]]+at ' | indent || true
cat <<TXT
   With the toleration (deploy/examples/pod-fits.yaml) it fits pc2, the only node with a free GPU.

3. GPU-load-aware scoring: the running adapter scores the nodes with the agents' live GPU load
   (--gpu-policy binpack: the busier GPU node first, keeping whole GPUs free elsewhere):
     curl -sk -H 'Content-Type: application/yaml' --data-binary @deploy/examples/pod-fits.yaml $SERVER/advisor/v1/explain
TXT
live_scores deploy/examples/pod-fits.yaml | indent
cat <<TXT

Read the metrics as the HPA does (kubectl needs some credential; any token will do here):
  kubectl --server $SERVER --insecure-skip-tls-verify --token=demo get --raw '$QUERY'
  kubectl --server $SERVER --insecure-skip-tls-verify --token=demo get --raw '/apis/custom.metrics.k8s.io/v1beta2/nodes/*/nvidia_gpu_memory_used_bytes'
  curl -s http://127.0.0.1:$MAINPC_PORT/metrics | grep ^nvidia_gpu_utilization_percent

TXT
if [ -n "$RUN_SECONDS" ]; then
  echo "Every 5 s: the HPA's decision, and pc2's live score for deploy/examples/pod-fits.yaml (stops ${RUN_SECONDS}s after the start):"
else
  echo "Every 5 s: the HPA's decision, and pc2's live score for deploy/examples/pod-fits.yaml (Ctrl-C stops the demo):"
fi
while :; do
  check_alive
  decision=$(hpa_decision)
  score=$(live_scores deploy/examples/pod-fits.yaml | awk '$1 == "pc2" { $1 = ""; sub(/^ +/, ""); print }')
  check_alive
  printf '  %s  +%3ss  HPA: %s\n                   advisor: pc2 %s\n' "$(date +%T)" "$((SECONDS - START))" \
    "$decision" "${score:-(no answer)}"
  if [ -n "$RUN_SECONDS" ] && (( SECONDS - START >= RUN_SECONDS )); then
    echo "demo done after ${RUN_SECONDS}s (GPUSCALE_DEMO_SECONDS); stopping."
    exit 0
  fi
  sleep 5
done
