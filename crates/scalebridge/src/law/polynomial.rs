//! First- and second-order polynomial feature families (SPEC A.3).

use super::features::{FeatureFamily, FeatureLibrary, at, offset_name};
use crate::error::{Error, Result};

/// The index of bin `j + m` (periodic).
fn index(nc: usize, j: usize, m: i64) -> usize {
    (j as i64 + m).rem_euclid(nc as i64) as usize
}

fn check_range(range: usize, nc: usize) -> Result<()> {
    if 2 * range + 1 > nc {
        return Err(Error::param(
            "range",
            range,
            &format!("such that 2M+1 <= nc = {nc} (the stencil must not wrap onto itself)"),
        ));
    }
    Ok(())
}

/// `φ_m^(j)(X) = X_{j+m}`, `m = -M..M` (`2M+1` features), named `X(j+m)`.
#[derive(Clone, Copy, Debug)]
pub struct FirstOrder {
    /// Interaction range `M`.
    pub range: usize,
}

impl FeatureFamily for FirstOrder {
    fn len(&self) -> usize {
        2 * self.range + 1
    }
    fn names(&self) -> Vec<String> {
        let m = self.range as i64;
        (-m..=m).map(|k| format!("X({})", offset_name(k))).collect()
    }
    fn eval_bin(&self, x: &[f64], j: usize, out: &mut [f64]) {
        let m = self.range as i64;
        for (o, k) in out.iter_mut().zip(-m..=m) {
            *o = at(x, j, k);
        }
    }
    fn add_gradient(&self, x: &[f64], j: usize, theta: &[f64], out: &mut [f64]) -> bool {
        let m = self.range as i64;
        for (t, k) in theta.iter().zip(-m..=m) {
            out[index(x.len(), j, k)] += t;
        }
        true
    }
    fn check(&self, nc: usize) -> Result<()> {
        check_range(self.range, nc)
    }
}

/// `φ_{m1,m2}^(j)(X) = X_{j+m1} X_{j+m2}`, `-M ≤ m1 ≤ m2 ≤ M` (unordered pairs,
/// `(2M+1)(2M+2)/2` features), named `X(j+m1)*X(j+m2)`.
///
/// The paper counts ordered pairs, which lists each off-diagonal product twice and makes the
/// design rank-deficient; scalebridge uses unordered pairs (SPEC A.3).
#[derive(Clone, Copy, Debug)]
pub struct SecondOrder {
    /// Interaction range `M`.
    pub range: usize,
}

impl SecondOrder {
    fn pairs(&self) -> impl Iterator<Item = (i64, i64)> {
        let m = self.range as i64;
        (-m..=m).flat_map(move |a| (a..=m).map(move |b| (a, b)))
    }
}

impl FeatureFamily for SecondOrder {
    fn len(&self) -> usize {
        let n = 2 * self.range + 1;
        n * (n + 1) / 2
    }
    fn names(&self) -> Vec<String> {
        self.pairs()
            .map(|(a, b)| format!("X({})*X({})", offset_name(a), offset_name(b)))
            .collect()
    }
    fn eval_bin(&self, x: &[f64], j: usize, out: &mut [f64]) {
        for (o, (a, b)) in out.iter_mut().zip(self.pairs()) {
            *o = at(x, j, a) * at(x, j, b);
        }
    }
    fn add_gradient(&self, x: &[f64], j: usize, theta: &[f64], out: &mut [f64]) -> bool {
        let nc = x.len();
        for (t, (a, b)) in theta.iter().zip(self.pairs()) {
            out[index(nc, j, a)] += t * at(x, j, b);
            out[index(nc, j, b)] += t * at(x, j, a);
        }
        true
    }
    fn check(&self, nc: usize) -> Result<()> {
        check_range(self.range, nc)
    }
}

impl FeatureLibrary {
    /// The standard polynomial library of SPEC A.3: first order `X(j+m)`, `m = -M..M`, and for
    /// `order = 2` the unordered products `X(j+m1)*X(j+m2)`, `m1 ≤ m2`.
    pub fn polynomial(range: usize, order: usize) -> Result<Self> {
        if !(1..=2).contains(&order) {
            return Err(Error::param("order", order, "1 or 2"));
        }
        let mut lib = Self::new().with(Box::new(FirstOrder { range }));
        if order == 2 {
            lib = lib.with(Box::new(SecondOrder { range }));
        }
        lib.spec = Some(super::spec::LawSpec::Polynomial { range, order });
        Ok(lib)
    }
}

#[cfg(test)]
mod tests {
    use crate::law::FeatureLibrary;

    /// The exact Jacobian in `X` equals central differences of the mean.
    #[test]
    fn jacobian_in_x_matches_finite_differences() {
        use crate::law::CoarseLaw;
        let lib = FeatureLibrary::polynomial(2, 2).unwrap();
        let x: Vec<f64> = (0..7).map(|k| (k as f64 * 1.3).sin()).collect();
        let theta: Vec<f64> = (0..lib.len()).map(|k| (k as f64 * 0.7).cos()).collect();
        let mut exact = vec![0.0; 49];
        let mut fd = vec![0.0; 49];
        lib.jacobian_x_into(&x, &theta, &mut exact);
        crate::law::family::finite_difference_jacobian(&lib, &x, &theta, &mut fd);
        for (a, b) in exact.iter().zip(&fd) {
            assert!((a - b).abs() < 1e-8, "{a} vs {b}");
        }
    }

    #[test]
    fn counts_and_names() {
        // SPEC A.3: unordered pairs give 20, 77, 104 features in all for M = 2, 5, 6
        // (the paper's ordered pairs give 30, 132, 182)
        for (m, total) in [(2usize, 20usize), (5, 77), (6, 104)] {
            assert_eq!(FeatureLibrary::polynomial(m, 2).unwrap().len(), total);
            assert_eq!(FeatureLibrary::polynomial(m, 1).unwrap().len(), 2 * m + 1);
        }
        let lib = FeatureLibrary::polynomial(1, 2).unwrap();
        assert_eq!(
            lib.names(),
            [
                "X(j-1)",
                "X(j)",
                "X(j+1)",
                "X(j-1)*X(j-1)",
                "X(j-1)*X(j)",
                "X(j-1)*X(j+1)",
                "X(j)*X(j)",
                "X(j)*X(j+1)",
                "X(j+1)*X(j+1)"
            ]
        );
        assert!(lib.check(3).is_ok());
        assert!(FeatureLibrary::polynomial(2, 1).unwrap().check(4).is_err());
    }

    #[test]
    fn design_is_periodic_and_centred() {
        let lib = FeatureLibrary::polynomial(1, 2).unwrap();
        let x = [1.0, 2.0, -4.0, 1.0];
        let d = lib.design(&x);
        let l = lib.len();
        // every column sums to zero across bins
        for c in 0..l {
            let s: f64 = (0..4).map(|j| d[j * l + c]).sum();
            assert!(s.abs() < 1e-12);
        }
        // bin 0, X(j-1) = x[3] (periodic); first order is unchanged by centring (mean x = 0)
        assert_eq!(d[0], 1.0);
        // bin 0, X(j-1)*X(j+1) = x[3]*x[1] = 2, minus the column mean over bins
        let raw: Vec<f64> = (0..4).map(|j| x[(j + 3) % 4] * x[(j + 1) % 4]).collect();
        let mean = raw.iter().sum::<f64>() / 4.0;
        assert!((d[5] - (2.0 - mean)).abs() < 1e-12);
    }
}
