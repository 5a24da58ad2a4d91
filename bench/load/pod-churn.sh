#!/usr/bin/env bash
# Pod churn through the agent's sampling pipeline (io.gpuscale.bench.PodChurnRun): 10 000 cycles
# of all-new pods on 8 simulated GPUs, then asserts that the series return to the baseline and
# the heap after GC has not grown. Exit status 1 when a check fails. Builds nothing: run
# `mvn -q -DskipTests package` first. Prints the load average before and after, since the
# machine is shared.
#
# Usage: bench/load/pod-churn.sh [--cycles 10000] [--warmup 1000] [--pods 64] [--heap-bound-mib 2] [--max-seconds 600]
# Environment: HEAP [64m] the -Xmx (the agent's), JAVA [java], JAR [bench/target/benchmarks.jar]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
jar=${JAR:-$root/bench/target/benchmarks.jar}
[[ -f "$jar" ]] || { echo "no $jar: build it first with mvn -q -DskipTests package" >&2; exit 1; }

echo "start $(date -u +%FT%TZ), load average $(cut -d' ' -f1-3 /proc/loadavg)"
status=0
"${JAVA:-java}" "-Xmx${HEAP:-64m}" -cp "$jar" io.gpuscale.bench.PodChurnRun "$@" || status=$?
echo "end $(date -u +%FT%TZ), load average $(cut -d' ' -f1-3 /proc/loadavg)"
exit "$status"
