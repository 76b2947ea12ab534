//! Generation by inverse renormalisation ("dreaming", SPEC B.3): apply a lifting rule level
//! after level, `L0 → 2L0 → … → L0·2^k`, streaming.
//!
//! Only the current coarse and fine lattices live at any time (peak memory 1.25 × the final
//! lattice). Fine rows are drawn in parallel, each from its own random stream derived from
//! `(seed, sample, level, row)`, so a sample is the same bits whatever the thread count, and
//! whether samples run one after another or side by side. Observables (`m`, `e`, from
//! [`Lattice::observables`]) can be taken at every level on the way up without keeping the
//! intermediate lattices.

use super::ising::Lattice;
use super::lift::Lifter;
use crate::rng::{SbRng, stream};
use rand::Rng;
use rayon::prelude::*;

/// Purpose tag of the dreaming streams.
pub const DREAM: u64 = 0x44_52_4d;

/// Fine sides from which a level's rows are drawn in parallel.
const PARALLEL_SIDE: usize = 256;

/// The stream of row `row` of level `level` (1-based; 0 is the starting spin) of `sample`.
fn row_stream(seed: u64, sample: u64, level: usize, row: usize) -> SbRng {
    stream(
        seed,
        DREAM,
        (sample << 40) | ((level as u64) << 32) | row as u64,
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
}
