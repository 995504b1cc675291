#!/usr/bin/env bash
# Runs one workload on one preset under every policy and prints cycles, speedup over monolithic,
# PE utilization and the ratio to the physical bound (figures from results.json).
#   bash scripts/bench-policies.sh [preset] [workload] [simulator]
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:-default}
workload=${2:-examples/alexnet-batch4.json}
sim=${3:-verilator}
out=rtl-out/bench-$(basename "$workload" .json)-$preset
for policy in monolithic static elastic; do
  npx tsx generator/cli/main.ts run --preset "$preset" --workload "$workload" --sim "$sim" --policy "$policy" --out "$out/$policy" --quiet >/dev/null || true
done
node -e '
const [out] = process.argv.slice(1);
const r = Object.fromEntries(["monolithic", "static", "elastic"].map((p) => [p, require(require("path").resolve(out, p, "results.json"))]));
const base = r.monolithic.cycles;
console.log("policy      status  cycles       speedup  PE util  bound ratio  sim s");
for (const [p, x] of Object.entries(r)) {
  console.log(`${p.padEnd(11)} ${x.status.padEnd(7)} ${String(x.cycles).padStart(11)}  ${(base / x.cycles).toFixed(2).padStart(6)}x  ${(100 * x.peUtilization).toFixed(1).padStart(6)}%  ${x.boundRatio.toFixed(2).padStart(11)}  ${x.timing.simSeconds.toFixed(1).padStart(5)}`);
}' "$out"
