#!/usr/bin/env bash
# Builds the NVML stand-in for the tests, under the only name real drivers ship:
#   OUT/libnvidia-ml.so.1         a modern driver (R550+)
#   OUT/legacy/libnvidia-ml.so.1  an old driver (R470): no _v2 memory, no _v2/_v3 processes,
#                                 no ClocksEventReasons, no ProcessesUtilizationInfo
#   OUT/sparse/libnvidia-ml.so.1  a modern driver without functions the agent has no fallback for:
#                                 nvmlDeviceGetTotalEnergyConsumption and the event API
# Usage: build.sh OUT
set -euo pipefail

out=${1:?usage: build.sh OUT}
src="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/fake_nvml.c"
cc=${CC:-gcc}
flags=(-shared -fPIC -O2 -Wall -Wextra -Werror -std=c11 -fvisibility=hidden -pthread -Wl,-soname,libnvidia-ml.so.1 -Wl,-Bsymbolic)

mkdir -p "$out/legacy" "$out/sparse"
"$cc" "${flags[@]}" -o "$out/libnvidia-ml.so.1" "$src"
"$cc" "${flags[@]}" -DFAKE_NVML_LEGACY -o "$out/legacy/libnvidia-ml.so.1" "$src"
"$cc" "${flags[@]}" -DFAKE_NVML_SPARSE -o "$out/sparse/libnvidia-ml.so.1" "$src"
