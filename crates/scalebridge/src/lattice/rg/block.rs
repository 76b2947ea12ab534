//! Coarse-graining a lattice by a factor 2 (SPEC B.2).

use crate::lattice::model::Lattice;
use crate::rng::{SbRng, uniform};

/// Majority rule on 2×2 blocks: the block spin is the sign of the block sum; a tie is broken
/// by a fair coin, independently per block.
pub fn majority_rule(fine: &Lattice, rng: &mut SbRng) -> Lattice {
    let l = fine.l / 2;
    let f = &fine.spins;
    let w = fine.l;
    let mut spins = Vec::with_capacity(l * l);
    for bi in 0..l {
        for bj in 0..l {
            let (x, y) = (2 * bi, 2 * bj);
            let sum = f[x * w + y] as i32
                + f[x * w + y + 1] as i32
                + f[(x + 1) * w + y] as i32
                + f[(x + 1) * w + y + 1] as i32;
            spins.push(match sum.signum() {
                0 => {
                    if uniform(rng) < 0.5 {
                        1
                    } else {
                        -1
                    }
                }
                s => s as i8,
            });
        }
    }
    Lattice { l, spins }
}

/// Decimation: the coarse lattice is the fine lattice's (even, even) sub-lattice.
pub fn decimate(fine: &Lattice) -> Lattice {
    let l = fine.l / 2;
    let spins = (0..l)
        .flat_map(|i| (0..l).map(move |j| (i, j)))
        .map(|(i, j)| fine.spins[2 * i * fine.l + 2 * j])
        .collect();
    Lattice { l, spins }
}

/// Purpose tag of the majority rule's tie-breaking coins.
pub const TIES: u64 = 0x54_49_45;

/// `blocks` majority-rule steps of configuration `i`: `[fine, MR(fine), MR²(fine), …]`, ties
/// broken by coins from stream `(seed, TIES, i)`.
pub fn block_chain(fine: Lattice, blocks: usize, seed: u64, i: usize) -> Vec<Lattice> {
    let mut rng = crate::rng::stream(seed, TIES, i as u64);
    let mut chain = vec![fine];
    for _ in 0..blocks {
        let next = majority_rule(&chain[chain.len() - 1], &mut rng);
        chain.push(next);
    }
    chain
}

/// `(MR(fine), fine)` for configuration `i`, with the same coins as [`block_chain`].
pub fn majority_pair(fine: Lattice, seed: u64, i: usize) -> (Lattice, Lattice) {
    let coarse = majority_rule(&fine, &mut crate::rng::stream(seed, TIES, i as u64));
    (coarse, fine)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;

    #[test]
    fn majority_and_decimation_on_a_known_lattice() {
        // 4×4: blocks (0,0) all +, (0,1) three −, (1,0) tie, (1,1) three +
        let spins: Vec<i8> = vec![
            1, 1, -1, -1, //
            1, 1, -1, 1, //
            1, -1, 1, 1, //
            -1, 1, 1, -1,
        ];
        let lat = Lattice { l: 4, spins };
        let mut rng = stream(1, 0, 0);
        let mut ties = [0i32, 0];
        for _ in 0..2000 {
            let c = majority_rule(&lat, &mut rng);
            assert_eq!((c.spins[0], c.spins[1], c.spins[3]), (1, -1, 1));
            ties[(c.spins[2] == 1) as usize] += 1;
        }
        // fair coin: 1000 ± 4·sqrt(500)
        assert!((ties[1] - 1000).abs() < 90, "{ties:?}");
        assert_eq!(decimate(&lat).spins, vec![1, -1, 1, 1]);
    }
}
