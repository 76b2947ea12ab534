//! Generation by inverse renormalisation ("dreaming", SPEC B.3): apply a lifting rule level
//! after level, `L0 → 2L0 → … → L0·2^k`, streaming.
//!
//! Only the current coarse and fine lattices live at any time (peak memory 1.25 × the final
//! lattice). Fine rows are drawn in parallel, each from its own random stream derived from
//! `(seed, sample, level, row)`, so a sample is the same bits whatever the thread count, and
//! whether samples run one after another or side by side. Observables (`m`, `e`, from
//! [`Lattice::observables`]) can be taken at every level on the way up without keeping the
//! intermediate lattices.

use super::lift::Lifter;
use crate::error::{Error, Result};
use crate::lattice::model::Lattice;
use crate::rng::{SbRng, stream};
use ndarray::Array2;
use rand::Rng;
use rayon::prelude::*;

/// Purpose tag of the dreaming streams.
pub const DREAM: u64 = 0x44_52_4d;

/// Fine sides from which a level's rows are drawn in parallel.
const PARALLEL_SIDE: usize = 256;

/// The stream of row `row` of level `level` (1-based; 0 is the starting spin) of `sample`.
///
/// The item packs the low 24 bits of `sample`, the level (8 bits) and the row (32 bits); the
/// higher bits of `sample` go into the purpose tag, so samples 2²⁴ apart have distinct
/// streams (for samples below 2²⁴ the tag is [`DREAM`] itself).
fn row_stream(seed: u64, sample: u64, level: usize, row: usize) -> SbRng {
    let high = sample >> 24;
    let tag = if high == 0 {
        DREAM
    } else {
        DREAM ^ crate::rng::splitmix64(high)
    };
    stream(
        seed,
        tag,
        ((sample & 0xff_ffff) << 40) | ((level as u64) << 32) | row as u64,
    )
}

/// A starting lattice of one spin, `±1` with equal probability.
pub fn single_spin(seed: u64, sample: u64) -> Lattice {
    let mut rng = row_stream(seed, sample, 0, 0);
    Lattice {
        l: 1,
        spins: vec![if rng.next_u64() >> 63 == 1 { 1 } else { -1 }],
    }
}

/// One lift of `coarse` at level `level` of `sample`.
pub fn lift_level(
    lifter: &Lifter,
    coarse: &Lattice,
    seed: u64,
    sample: u64,
    level: usize,
) -> Lattice {
    let fl = 2 * coarse.l;
    let mut fine = vec![0i8; fl * fl];
    let draw = |(x, row): (usize, &mut [i8])| {
        let mut rng = row_stream(seed, sample, level, x);
        let mut keys = vec![0u32; fl];
        lifter.lift_row(&coarse.spins, coarse.l, x, &mut keys, row, &mut rng);
    };
    if fl >= PARALLEL_SIDE {
        fine.par_chunks_exact_mut(fl).enumerate().for_each(draw);
    } else {
        fine.chunks_exact_mut(fl).enumerate().for_each(draw);
    }
    Lattice { l: fl, spins: fine }
}

/// `levels` lifts of `start` for `sample`; `visit(level, lattice)` sees every lattice on the
/// way up (level 0 is `start`). Returns the final lattice.
pub fn dream(
    lifter: &Lifter,
    start: Lattice,
    levels: usize,
    seed: u64,
    sample: u64,
    mut visit: impl FnMut(usize, &Lattice),
) -> Lattice {
    let mut lat = start;
    visit(0, &lat);
    for level in 1..=levels {
        lat = lift_level(lifter, &lat, seed, sample, level);
        visit(level, &lat);
    }
    lat
}

/// Final side `l0·2^levels`, checked against overflow and the memory a lift needs (1.25 × the
/// final lattice, one byte per spin) before anything is allocated.
pub fn final_side(l0: usize, levels: usize) -> Result<usize> {
    let side = (levels < 48)
        .then(|| l0.checked_mul(1usize << levels))
        .flatten()
        .filter(|s| s.checked_mul(*s).is_some() && *s <= u32::MAX as usize);
    let Some(side) = side else {
        return Err(Error::param(
            "levels",
            levels,
            &format!("small enough that L0·2^levels (L0 = {l0}) is a representable lattice"),
        ));
    };
    crate::limits::require_memory(
        "levels",
        levels,
        &format!("a {side}² lattice and its parent"),
        crate::limits::array_bytes(&[side, side], 1).map(|b| b * 5 / 4),
    )?;
    Ok(side)
}

/// An ensemble of dreamed lattices: what to generate.
#[derive(Clone, Debug)]
pub struct DreamParams {
    /// Lifts per sample.
    pub levels: usize,
    /// Samples.
    pub n: usize,
    /// Random seed.
    pub seed: u64,
    /// Observables at every size `>= 2` on the way up (else only at the final size).
    pub measure_levels: bool,
}

/// Per-level observables of a dreamed ensemble: `m[r][i]`, `e[r][i]` of sample `i` at side
/// `sides[r]`.
#[derive(Clone, Debug, PartialEq)]
pub struct LevelObservables {
    /// The recorded levels (lifts from the start).
    pub levels: Vec<usize>,
    /// Sides of the recorded levels.
    pub sides: Vec<usize>,
    /// Magnetisation per site, `(levels, n)`.
    pub m: Array2<f64>,
    /// Energy per site, `(levels, n)`.
    pub e: Array2<f64>,
}

impl LevelObservables {
    /// Writes `observables.npz`: `L` int64 `(levels,)`, `m` and `e` `(levels, n)`.
    pub fn write_npz(&self, path: &std::path::Path) -> Result<()> {
        let l: ndarray::Array1<i64> = self.sides.iter().map(|&s| s as i64).collect();
        crate::io::write_npz(path, |w| {
            w.add("L", &l)?;
            w.add("m", &self.m)?;
            w.add("e", &self.e)
        })
    }

    /// Reads the sides and the `m` rows of an `observables.npz`, checking their shapes agree.
    pub fn read_magnetisation(path: &std::path::Path) -> Result<(Vec<usize>, Vec<Vec<f64>>)> {
        let mut z = crate::io::NpzIn::open(path)?;
        let l: ndarray::Array1<i64> = z.array("L", "int64 (levels,)")?;
        let m: Array2<f64> = z.array("m", "float64 (levels, n)")?;
        if m.nrows() != l.len() {
            return Err(z.bad(
                "m",
                format!("{} rows for {} sizes in `L`", m.nrows(), l.len()),
            ));
        }
        if let Some(v) = l.iter().find(|&&v| v < 1) {
            return Err(z.bad("L", format!("side {v} is not a lattice size")));
        }
        Ok((
            l.iter().map(|&v| v as usize).collect(),
            m.rows().into_iter().map(|r| r.to_vec()).collect(),
        ))
    }
}

/// Dreams `params.n` samples from `starts` (sample `i` from `starts[i mod len]`; `None`: one
/// random spin each), in batches of samples run side by side. `sink(i, lattice)` receives the
/// final lattices in sample order; `progress(1)` follows each. Observables are kept at the
/// levels [`DreamParams::measure_levels`] asks for.
pub fn dream_ensemble(
    lifter: &Lifter,
    starts: Option<&[Lattice]>,
    params: &DreamParams,
    sink: &mut dyn FnMut(usize, &Lattice) -> Result<()>,
    progress: &dyn Fn(u64),
) -> Result<LevelObservables> {
    let l0 = starts.map_or(1, |s| s[0].l);
    let side = final_side(l0, params.levels)?;
    let kept: Vec<usize> = (0..=params.levels)
        .filter(|&lv| (params.measure_levels && l0 << lv >= 2) || lv == params.levels)
        .collect();
    crate::limits::require_memory(
        "n",
        params.n,
        "the observables of every sample",
        crate::limits::array_bytes(&[2, kept.len(), params.n], 8),
    )?;
    let mut m = Array2::<f64>::zeros((kept.len(), params.n));
    let mut e = Array2::<f64>::zeros((kept.len(), params.n));
    let batch = ((1usize << 22) / (side * side)).clamp(1, 64);
    for first in (0..params.n).step_by(batch) {
        let last = (first + batch).min(params.n);
        let results: Vec<(Lattice, Vec<(f64, f64)>)> = (first..last)
            .into_par_iter()
            .map(|i| {
                let start = match starts {
                    Some(s) => s[i % s.len()].clone(),
                    None => single_spin(params.seed, i as u64),
                };
                let mut obs = Vec::with_capacity(kept.len());
                let lat = dream(
                    lifter,
                    start,
                    params.levels,
                    params.seed,
                    i as u64,
                    |lv, lat| {
                        if kept.contains(&lv) {
                            obs.push(lat.observables());
                        }
                    },
                );
                (lat, obs)
            })
            .collect();
        for (i, (lat, obs)) in (first..last).zip(results) {
            for (r, (mm, ee)) in obs.into_iter().enumerate() {
                m[(r, i)] = mm;
                e[(r, i)] = ee;
            }
            sink(i, &lat)?;
            progress(1);
        }
    }
    Ok(LevelObservables {
        sides: kept.iter().map(|&lv| l0 << lv).collect(),
        levels: kept,
        m,
        e,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lattice::LiftRule;
    use crate::lattice::testing::on_threads;

    /// The same sample is the same bits in a 1-thread and a 2-thread pool, and sizes double.
    #[test]
    fn dreaming_is_reproducible_across_thread_counts() {
        let lifter = Lifter::new(&LiftRule::abc(0.546, 0.628, 1.410));
        let run = |threads: usize| {
            on_threads(threads, || {
                let mut sides = Vec::new();
                let lat = dream(&lifter, single_spin(3, 7), 9, 3, 7, |_, l| sides.push(l.l));
                (lat, sides)
            })
        };
        let (a, sides) = run(1);
        let (b, _) = run(2);
        assert_eq!(sides, (0..=9).map(|k| 1usize << k).collect::<Vec<_>>());
        assert_eq!(a, b);
        assert_ne!(a, dream(&lifter, single_spin(3, 8), 9, 3, 8, |_, _| {}));
    }

    /// Regression: the sample index was shifted into the top 24 bits of the stream key, so
    /// sample i and sample i + 2²⁴ drew the same lattice.
    #[test]
    fn samples_two_to_the_24_apart_differ() {
        let lifter = Lifter::new(&LiftRule::abc(0.546, 0.628, 1.410));
        let start = Lattice::ordered(4);
        let a = dream(&lifter, start.clone(), 3, 1, 5, |_, _| {});
        let b = dream(&lifter, start, 3, 1, 5 + (1 << 24), |_, _| {});
        assert_ne!(a, b);
    }

    #[test]
    fn impossible_sizes_are_errors() {
        assert!(final_side(1, 10).is_ok());
        for (l0, levels) in [(1, 64), (3, 62), (1 << 20, 20)] {
            let e = final_side(l0, levels).unwrap_err().to_string();
            assert!(e.contains("levels"), "{e}");
        }
    }
}
