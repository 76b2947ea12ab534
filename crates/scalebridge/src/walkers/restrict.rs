//! Restriction (fine → coarse): binning walker positions into counts (SPEC A.2).

use crate::error::{Error, Result};
use crate::walkers::domain::Domain;

/// Walkers per bin, `m_j(x) = #{i : floor((y_i - ymin)/Δy) = j}` for `nb` equal bins of
/// `domain` (a position rounding onto `ymax` is clamped into the last bin).
pub fn bin_counts(positions: &[f64], domain: &Domain, nb: usize) -> Vec<i64> {
    let mut counts = vec![0i64; nb];
    bin_counts_into(positions, domain, &mut counts);
    counts
}

/// [`bin_counts`] into a caller's buffer (its length is the number of bins); the buffer is
/// overwritten.
pub fn bin_counts_into(positions: &[f64], domain: &Domain, counts: &mut [i64]) {
    let nb = counts.len();
    counts.fill(0);
    for &y in positions {
        counts[domain.bin_of(y, nb)] += 1;
    }
}

/// Checks that every position is finite and inside `[ymin, ymax)`; the error names `what`
/// (e.g. a file and array) and the first offending index.
pub fn check_positions(positions: &[f64], domain: &Domain, what: &str) -> Result<()> {
    for (i, &y) in positions.iter().enumerate() {
        if !y.is_finite() {
            return Err(Error::param(
                what,
                format!("position[{i}] = {y}"),
                "finite numbers",
            ));
        }
        if !domain.contains(y) {
            return Err(Error::param(
                what,
                format!("position[{i}] = {y}"),
                &format!("inside the domain [{}, {})", domain.ymin, domain.ymax),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_known_positions() {
        let d = Domain::new(0.0, 3.0).unwrap();
        let c = bin_counts(&[0.0, 0.5, 1.0, 2.999, 2.5, 1.5], &d, 3);
        assert_eq!(c, vec![2, 2, 2]);
        let c6 = bin_counts(&[0.0, 0.5, 1.0, 2.999, 2.5, 1.5], &d, 6);
        assert_eq!(c6, vec![1, 1, 1, 1, 0, 2]);
    }

    #[test]
    fn rejects_outside_positions() {
        let d = Domain::default();
        assert!(check_positions(&[0.0, 1.0], &d, "x").is_err());
        assert!(check_positions(&[0.0, f64::NAN], &d, "x").is_err());
        assert!(check_positions(&[-1.0, 0.99], &d, "x").is_ok());
    }
}
