//! Where a law was learned: the coarse states its training data visited, and whether a
//! prediction's start lies among them.
//!
//! A law learned on some states and applied to others extrapolates, and nothing in its
//! posterior knows: the error bars of `θ` measure how well the training states pin the law
//! down, not how the law behaves elsewhere. Measured (`docs/learning.md`, `unseen.rs`): the
//! density-hop system learned from 16 smooth runs predicts a box start (20 empty bins, six
//! times the mean density, sharp edges) with error 0.17 and coverage 0.74, the same law from a
//! smooth bump 0.038 and 0.996. So a prediction from a new fine state is checked against the
//! range of the training states — an applicability domain as a bounding box of three
//! descriptors of a coarse state, each in units of the relative density `u_j = nc·ρ_j` (1 in
//! every bin of a uniform state), and one per bin:
//!
//! * the smallest and the largest `u_j` of any bin;
//! * the largest jump `|u_{j+1} − u_j|` between neighbouring bins (periodic): how sharp a
//!   state's edges are;
//! * the most empty bins of one state;
//! * the bins no training state had a walker in (a law with position-dependent terms was
//!   never shown one there; the pooled descriptors cannot see it).
//!
//! The training states are every observed row (counts of every run and time; the `X0` and the
//! counts after the step of controlled experiments). A start outside the box on any descriptor
//! gets a warning naming it; nothing is changed in the prediction. The box is the plainest
//! applicability domain there is: it can miss an unseen combination of seen values, and it
//! sees the observed counts, so a start with fewer walkers than the training rows reaches
//! further by sampling noise alone.

use super::{TrainingData, TrajectoryData};
use serde::{Deserialize, Serialize};

/// The range of the coarse states a law was learned on (see the module docs).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StateRange {
    /// The smallest and the largest relative density `u_j = nc·ρ_j` of any bin.
    pub density: [f64; 2],
    /// The largest jump of `u` between neighbouring bins.
    pub max_jump: f64,
    /// The most empty bins of one state.
    pub max_empty: usize,
    /// The bins (0-based) that no training state had a walker in, in order: where a law with
    /// position-dependent terms was never shown a walker.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unvisited: Vec<usize>,
}

/// The descriptors of one state: `(min u, max u, max jump, empty bins)`; `None` for a state
/// with no walkers (or no finite, non-negative weights).
fn describe(weights: &[f64]) -> Option<(f64, f64, f64, usize)> {
    let nc = weights.len();
    let total: f64 = weights.iter().sum();
    if nc == 0 || !(total.is_finite() && total > 0.0) || weights.iter().any(|w| *w < 0.0) {
        return None;
    }
    let u: Vec<f64> = weights.iter().map(|w| nc as f64 * w / total).collect();
    let lo = u.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = u.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let jump = (0..nc)
        .map(|j| (u[(j + 1) % nc] - u[j]).abs())
        .fold(0.0, f64::max);
    let empty = weights.iter().filter(|w| **w == 0.0).count();
    Some((lo, hi, jump, empty))
}

/// `n` things, singular or plural: `1 empty bin`, `20 empty bins`.
pub(crate) fn bins(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

impl StateRange {
    /// The range of the states `rows` (each the counts, or any non-negative weights, of one
    /// state's bins); `None` when no row holds a walker.
    pub fn of_states<'a>(rows: impl IntoIterator<Item = &'a [f64]>) -> Option<Self> {
        // the empty range, widened by every state that holds a walker
        let mut range = StateRange {
            density: [f64::INFINITY, f64::NEG_INFINITY],
            max_jump: 0.0,
            max_empty: 0,
            unvisited: Vec::new(),
        };
        let mut visited: Vec<bool> = Vec::new();
        for row in rows {
            let Some((lo, hi, jump, empty)) = describe(row) else {
                continue;
            };
            range.density = [range.density[0].min(lo), range.density[1].max(hi)];
            range.max_jump = range.max_jump.max(jump);
            range.max_empty = range.max_empty.max(empty);
            visited.resize(visited.len().max(row.len()), false);
            for (v, w) in visited.iter_mut().zip(row) {
                *v |= *w > 0.0;
            }
        }
        if visited.is_empty() {
            return None;
        }
        range.unvisited = (0..visited.len()).filter(|&j| !visited[j]).collect();
        Some(range)
    }

    /// The states of controlled experiments: every `X0` (as `ρ = softmax(X0)`) and the counts
    /// after the step.
    pub fn of_experiments(data: &TrainingData) -> Option<Self> {
        let starts: Vec<Vec<f64>> = (0..data.n)
            .map(|i| crate::math::softmax(data.x0_row(i)))
            .collect();
        Self::of_states(
            starts
                .iter()
                .map(|r| r.as_slice())
                .chain(data.counts.chunks(data.nc.max(1))),
        )
    }

    /// The states of trajectories: the counts of every run at every time.
    pub fn of_runs(data: &TrajectoryData) -> Option<Self> {
        Self::of_states(
            (0..data.n).flat_map(|i| (0..=data.steps).map(move |t| data.counts_at(i, t))),
        )
    }

    /// What puts the state `counts` (its bins' walker counts) outside this range, one phrase
    /// per descriptor; empty when it lies inside.
    pub fn outside(&self, counts: &[f64]) -> Vec<String> {
        let Some((lo, hi, jump, empty)) = describe(counts) else {
            return Vec::new();
        };
        let mut why = Vec::new();
        if hi > self.density[1] {
            why.push(format!(
                "a bin at {hi:.2} times the mean density, where no training state had one above \
                 {:.2}",
                self.density[1]
            ));
        }
        if lo < self.density[0] {
            why.push(format!(
                "a bin at {lo:.3} times the mean density, where no training state had one below \
                 {:.3}",
                self.density[0]
            ));
        }
        if empty > self.max_empty {
            why.push(format!(
                "{}, where no training state had more than {}",
                bins(empty, "empty bin"),
                self.max_empty
            ));
        }
        let entered: Vec<usize> = self
            .unvisited
            .iter()
            .copied()
            .filter(|&j| counts.get(j).is_some_and(|c| *c > 0.0))
            .collect();
        if let Some(first) = entered.first() {
            why.push(format!(
                "walkers in {} (bin {first} the first) where no training state had any",
                bins(entered.len(), "bin")
            ));
        }
        if jump > self.max_jump {
            why.push(format!(
                "a jump of {jump:.2} times the mean density between neighbouring bins, where no \
                 training state had one above {:.2}",
                self.max_jump
            ));
        }
        why
    }

    /// The warning for a start `counts` outside this range, `None` inside.
    pub fn warning(&self, counts: &[f64]) -> Option<String> {
        let why = self.outside(counts);
        (!why.is_empty()).then(|| {
            format!(
                "the initial state lies outside the coarse states the law was learned on: {}. \
                 The law extrapolates there, and its bands do not include that error \
                 (docs/prediction.md, applicability)",
                why.join("; ")
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Smooth training states; a state inside their range gets no warning, a box start (empty
    /// bins, a high and sharp plateau) one naming all three of its excesses.
    #[test]
    fn a_box_lies_outside_smooth_states_and_a_gentle_bump_inside() {
        let nc = 24;
        let bump = |a: f64, c: f64| -> Vec<f64> {
            (0..nc)
                .map(|j| {
                    100.0
                        * (a * (2.0 * std::f64::consts::PI * (j as f64 - c) / nc as f64).cos())
                            .exp()
                })
                .collect()
        };
        let train: Vec<Vec<f64>> = (0..8).map(|k| bump(2.0, 3.0 * k as f64)).collect();
        let range = StateRange::of_states(train.iter().map(|r| r.as_slice())).unwrap();
        // u = nc·e^{a cos}/Σ: the peak of a bump of amplitude 2 is e²/I0(2) ≈ 3.2
        assert!((range.density[1] - 3.2).abs() < 0.1, "{range:?}");
        assert_eq!(range.max_empty, 0);
        assert!(range.warning(&bump(1.5, 7.0)).is_none());
        let mut boxed = vec![0.0; nc];
        boxed[10..14].fill(600.0);
        let why = range.outside(&boxed);
        assert_eq!(why.len(), 4, "{why:?}");
        assert!(why[0].contains("6.00 times"), "{why:?}");
        assert!(why[2].starts_with("20 empty bins"), "{why:?}");
        assert!(range.warning(&boxed).unwrap().contains("extrapolates"));
        assert!(range.unvisited.is_empty());
        // training states that never reach bins 0..6: a uniform start enters them
        let half: Vec<Vec<f64>> = (0..4)
            .map(|k| {
                (0..nc)
                    .map(|j| {
                        if j < 6 {
                            0.0
                        } else {
                            50.0 + k as f64 + j as f64
                        }
                    })
                    .collect()
            })
            .collect();
        let range_half = StateRange::of_states(half.iter().map(|r| r.as_slice())).unwrap();
        assert_eq!(range_half.unvisited, (0..6).collect::<Vec<_>>());
        let why = range_half.outside(&vec![10.0; nc]);
        assert!(
            why.iter()
                .any(|w| w.starts_with("walkers in 6 bins (bin 0 the first)")),
            "{why:?}"
        );
        // a state with no walkers says nothing; neither do rows without any
        assert!(range.outside(&vec![0.0; nc]).is_empty());
        assert!(StateRange::of_states([vec![0.0; nc].as_slice()]).is_none());
    }
}
