#!/usr/bin/env bash
# The gpuscale demo, no cluster and no GPU needed: two agents on simulated GPUs (node mainpc with
# an RTX 4090, node pc2 with an RTX 3060, each with a simulated inference pod) and the adapter
# serving custom.metrics.k8s.io from them over a snapshot of that cluster. Ctrl-C stops it all.
set -euo pipefail
cd "$(dirname "$0")/.."

AGENT=agent/target/gpuscale-agent.jar
ADAPTER=adapter/target/gpuscale-adapter.jar
CLUSTER=deploy/examples/demo-cluster.yaml
PORT=${GPUSCALE_DEMO_PORT:-6443}
if [ ! -f "$AGENT" ] || [ ! -f "$ADAPTER" ]; then
  echo "building the jars (mvn -q -DskipTests package) ..."
  mvn -q -DskipTests package
fi

pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

mkdir -p target/demo
java -jar "$AGENT" --source sim:rtx4090@ramp:4m --node-name mainpc --listen 127.0.0.1:9410 \
  >target/demo/agent-mainpc.log 2>&1 & pids+=($!)
java -jar "$AGENT" --source sim:rtx3060@sine:90s --node-name pc2 --listen 127.0.0.1:9411 \
  >target/demo/agent-pc2.log 2>&1 & pids+=($!)
java -jar "$ADAPTER" serve --authentication-mode=None --authorization-mode=AlwaysAllow \
  --bind-address 127.0.0.1 --secure-port "$PORT" --cluster "$CLUSTER" --scrape-interval 1s \
  --agents http://127.0.0.1:9410/metrics,http://127.0.0.1:9411/metrics \
  >target/demo/adapter.log 2>&1 & pids+=($!)

SERVER="https://127.0.0.1:$PORT"
QUERY="/apis/custom.metrics.k8s.io/v1beta2/namespaces/demo/pods/*/nvidia_gpu_utilization_percent?labelSelector=app%3Dllm-server"
for _ in $(seq 1 120); do
  if curl -ksf "$SERVER$QUERY" 2>/dev/null | grep -q '"value"'; then break; fi
  sleep 0.5
done

cat <<TXT

gpuscale demo is running (logs in target/demo/):
  agent mainpc  http://127.0.0.1:9410/metrics   (RTX 4090, pod demo/llm-server-mainpc-0)
  agent pc2     http://127.0.0.1:9411/metrics   (RTX 3060, pod demo/llm-server-pc2-0)
  adapter       $SERVER                     (custom.metrics.k8s.io v1beta1 + v1beta2)

Read it as the HPA does (kubectl needs some credential; any token will do here):
  kubectl --server $SERVER --insecure-skip-tls-verify --token=demo get --raw '/apis/custom.metrics.k8s.io/v1beta2'
  kubectl --server $SERVER --insecure-skip-tls-verify --token=demo get --raw '$QUERY'
  kubectl --server $SERVER --insecure-skip-tls-verify --token=demo get --raw '/apis/custom.metrics.k8s.io/v1beta1/namespaces/demo/pods/llm-server-mainpc-0/nvidia_gpu_utilization_percent'
  kubectl --server $SERVER --insecure-skip-tls-verify --token=demo get --raw '/apis/custom.metrics.k8s.io/v1beta2/nodes/*/nvidia_gpu_memory_used_bytes'

Why is a GPU pod Pending? The placement advisor on the same cluster (exit status 1: it fits nowhere):
  java -jar $ADAPTER explain --pod deploy/examples/pod-fits-nowhere.yaml --cluster $CLUSTER

TXT
java -jar "$ADAPTER" explain --pod deploy/examples/pod-fits-nowhere.yaml --cluster "$CLUSTER" | sed 's/^/    /' || true
cat <<TXT

And a GPU pod that fits (exit status 0), also as JSON with -o json, or over HTTPS:
  java -jar $ADAPTER explain --pod deploy/examples/pod-fits.yaml --cluster $CLUSTER
  curl -sk -H 'Content-Type: application/yaml' --data-binary @deploy/examples/pod-fits.yaml $SERVER/advisor/v1/explain

TXT
java -jar "$ADAPTER" explain --pod deploy/examples/pod-fits.yaml --cluster "$CLUSTER" | sed 's/^/    /' || true
cat <<TXT

The seed HPA (deploy/examples/hpa-gpu-utilization.yaml: Pods metric nvidia_gpu_utilization_percent,
AverageValue 70) would decide, every 5 s:
TXT
while true; do
  printf '  %s  ' "$(date +%T)"
  java -jar "$ADAPTER" hpa --server "$SERVER" --insecure-skip-tls-verify --cluster "$CLUSTER" \
    --namespace demo --selector app=llm-server --target 70 --min-replicas 1 --max-replicas 4 || true
  sleep 5
done
