#!/usr/bin/env bash
# The issue-5 study, reproducible from seeds: Wolff ensembles at K_c, the 3×3/5×5/7×7 rules
# fitted on L = 32, dreamed ensembles from one spin to L = 1024 (and one to 4096), MCRG
# eigenvalues for Wolff and dreamed pairs, and the report. ~5 minutes on 2 cores.
#   scripts/ising-study.sh [OUT]        (default OUT = ising-study)
set -euo pipefail
OUT=${1:-ising-study}
SB=${SB:-target/release/scalebridge}
K=0.440686793509772
[ -x "$SB" ] || cargo build --release
mkdir -p "$OUT"
for L in 16 32 64 128 256 512; do
  n=10000; [ "$L" -ge 512 ] && n=3200
  every=1; [ "$L" -eq 32 ] && every=2
  $SB ising sample --L $L --K $K --n $n --every $every --seed $L --out "$OUT/wolff$L" --quiet
done
$SB ising sample --L 1024 --K $K --n 320 --seed 1024 --out "$OUT/wolff1024" --quiet
for k in 3 5 7; do
  $SB ising fit-lift --data "$OUT/wolff32/configs.npy" --kernel $k --out "$OUT/lift$k"
  $SB ising dream --lift "$OUT/lift$k" --levels 10 --n 4000 --seed $k --measure-levels --no-store --out "$OUT/dream$k" --quiet
done
$SB ising dream --lift "$OUT/lift3" --levels 12 --n 128 --seed 12 --measure-levels --no-store --out "$OUT/dream3-4096" --quiet
# MCRG: Wolff pairs and dreamed pairs at L = 64 (coarse = majority rule in both cases)
$SB ising sample --L 64 --K $K --n 20000 --seed 6400 --out "$OUT/mcrg-wolff64-data" --quiet
$SB ising mcrg --data "$OUT/mcrg-wolff64-data/configs.npy" --steps 3 --out "$OUT/mcrg-wolff64"
for k in 3 5 7; do
  $SB ising dream --lift "$OUT/lift$k" --levels 6 --n 20000 --seed 64$k --out "$OUT/mcrg-dream$k-data" --quiet
  $SB ising mcrg --data "$OUT/mcrg-dream$k-data/configs.npy" --steps 3 --out "$OUT/mcrg-dream$k"
done
$SB ising report --mc "$OUT"/wolff16 "$OUT"/wolff32 "$OUT"/wolff64 "$OUT"/wolff128 "$OUT"/wolff256 "$OUT"/wolff512 "$OUT"/wolff1024 \
  --dreamed "$OUT/dream3" "$OUT/dream5" "$OUT/dream7" "$OUT/dream3-4096" --out "$OUT/report"
