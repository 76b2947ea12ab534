#!/usr/bin/env bash
# Every kind of output the CLI writes, small and from fixed seeds, for checking that a refactor
# changes no result:  scripts/output-snapshot.sh OLD_BINARY before; scripts/output-snapshot.sh
# NEW_BINARY after; python3 scripts/compare-snapshots.py before after   (needs numpy; ~15 s each)
set -euo pipefail
SB=$(realpath "$1"); OUT=$(realpath -m "$2")
rm -rf "$OUT"; mkdir -p "$OUT"
cd "$(dirname "$0")/.."
$SB run --out "$OUT/run-advdiff" --quiet
$SB run configs/run-burgers.toml --out "$OUT/run-burgers" --quick --quiet
$SB run configs/run-synthetic.toml --out "$OUT/run-synthetic" --quiet
$SB simulate --system advdiff --n 16 --seed 3 --out "$OUT/sim" --quiet
$SB learn --data "$OUT/sim/experiments.npz" --range 2 --order 1 --out "$OUT/m1" --quiet
$SB predict --model "$OUT/m1" --data "$OUT/sim/experiments.npz" --experiment 2 --horizon 5 --samples 100 --pairs 1:2,3:5 --out "$OUT/p1" --quiet
K=0.440686793509772
for L in 16 32; do
  $SB ising sample --L $L --K $K --n 1000 --seed $L --out "$OUT/wolff$L" --quiet
done
$SB ising sample --L 16 --K $K --n 64 --algo heatbath --seed 5 --out "$OUT/hb16" --quiet
$SB ising sample --L 128 --K $K --n 32 --algo msc --thermalise 50 --seed 5 --out "$OUT/msc128" --quiet
for k in 3 5; do
  $SB ising fit-lift --data "$OUT/wolff32/configs.npy" --kernel $k --out "$OUT/lift$k" > "$OUT/lift$k.txt"
  $SB ising dream --lift "$OUT/lift$k" --levels 7 --n 200 --seed $k --measure-levels --no-store --out "$OUT/dream$k" --quiet
done
$SB ising dream --lift "$OUT/lift3" --levels 5 --n 40 --seed 9 --out "$OUT/dreamstore" --quiet
$SB ising dream --lift "$OUT/lift3" --levels 12 --n 2 --seed 9 --out "$OUT/dreambig" --quiet
$SB ising mcrg --data "$OUT/wolff32/configs.npy" --steps 2 --out "$OUT/mcrg" > "$OUT/mcrg.txt"
$SB ising report --mc "$OUT/wolff16" "$OUT/wolff32" --dreamed "$OUT/dream3" "$OUT/dream5" --out "$OUT/report" > "$OUT/report.txt"
$SB ising exact --L 32 --K $K > "$OUT/exact.json"
