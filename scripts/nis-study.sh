#!/usr/bin/env bash
# The issue-14 study, reproducible from seeds: the exact-weight generator at K_c for
# L = 16 … 256 (fit on the fit's own Wolff run, then importance sampling), against Wolff's
# time per independent configuration, and the report. About 3 minutes on 2 cores.
#   scripts/nis-study.sh [OUT]          (default OUT = nis-study)
# NIS_N="16 4096 32 4096 ..." overrides the samples per size.
set -euo pipefail
OUT=${1:-nis-study}
SB=${SB:-target/release/scalebridge}
K=0.440686793509772
[ -x "$SB" ] || cargo build --release
mkdir -p "$OUT"
read -r -a sizes <<< "${NIS_N:-16 8192 32 8192 64 4096 128 1024 256 256}"
nis_dirs=()
mc_dirs=()
for ((i = 0; i < ${#sizes[@]}; i += 2)); do
  L=${sizes[i]}
  n=${sizes[i + 1]}
  $SB ising fit-sampler --L "$L" --K $K --seed "$L" --out "$OUT/sampler$L" --quiet
  $SB ising nis --sampler "$OUT/sampler$L" --n "$n" --seed "$L" --out "$OUT/nis$L" --quiet
  # Wolff's time per independent configuration: 2·τ_int sweeps of measured wall time
  start=$(date +%s.%N)
  $SB ising sample --L "$L" --K $K --n 2000 --seed "$L" --out "$OUT/wolff$L" --quiet
  end=$(date +%s.%N)
  echo "$L $start $end" >> "$OUT/wolff-times.txt"
  nis_dirs+=("$OUT/nis$L")
  mc_dirs+=("$OUT/wolff$L")
done
$SB ising report --mc "${mc_dirs[@]}" --nis "${nis_dirs[@]}" --out "$OUT/report"
python3 - "$OUT" <<'PY'
import json, sys
out = sys.argv[1]
print("| L | ESS/N | acceptance | ln Z/N − exact (σ) | ms per sample | ms per effective sample | Wolff ms per independent configuration |")
print("|---|---|---|---|---|---|---|")
times = {int(l): (float(b) - float(a)) for l, a, b in (line.split() for line in open(f"{out}/wolff-times.txt"))}
for line in open(f"{out}/wolff-times.txt"):
    L = int(line.split()[0])
    e = json.load(open(f"{out}/nis{L}/nis.json"))
    w = json.load(open(f"{out}/wolff{L}/observables.json"))
    tau = max(w["tau_abs_m"], w["tau_energy"], 0.5)
    sweeps = 2000 + 200
    wolff = times[L] / sweeps * 2 * tau * 1e3
    per = e["seconds"] / e["n"] * 1e3
    dev = (e["ln_z_per_site"] - json.load(open(f"{out}/report/report.json"))["nis"][[r["L"] for r in json.load(open(f"{out}/report/report.json"))["nis"]].index(L)]["ln_z_exact"]) / e["ln_z_per_site_err"]
    print(f"| {L} | {e['ess_per_sample']:.4f} | {e['metropolis_acceptance']:.4f} | {dev:+.2f} | {per:.2f} | {per / e['ess_per_sample']:.2f} | {wolff:.3f} |")
PY
