//! The synthetic system follows its law exactly and lifts with the softmax map.

use crate::stats::chi_square_critical;
use scalebridge::Domain;
use scalebridge::law::{FeatureLibrary, LinearLaw};
use scalebridge::math::{centre, softmax};
use scalebridge::walkers::SoftmaxLift;
use scalebridge::walkers::experiments::run_controlled;
use scalebridge::walkers::initial::SmoothRandomField;
use scalebridge::walkers::systems::Synthetic;

/// Counts after one step are `Multinomial(nf, softmax(μ(X0)))`: the Pearson statistic summed
/// over experiments is chi-square with `N·(nc-1)` degrees of freedom.
#[test]
fn counts_follow_softmax_of_the_law() {
    let d = Domain::default();
    let law = LinearLaw::from_terms(
        FeatureLibrary::polynomial(2, 2).unwrap(),
        &LinearLaw::paper_synthetic_terms(),
    )
    .unwrap();
    let sys = Synthetic::new(law, d, 1.0);
    let init = SmoothRandomField {
        amplitude: 1.0,
        corr_min: 1.0,
        corr_max: 6.0,
    };
    let (n, nc, nf) = (64, 24, 4800);
    let data = run_controlled(
        &sys,
        &SoftmaxLift { domain: d },
        &init,
        nc,
        nf,
        n,
        17,
        &|_| {},
    )
    .unwrap();
    let mut stat = 0.0;
    for i in 0..n {
        let x0: Vec<f64> = data.x0.row(i).to_vec();
        assert!(x0.iter().sum::<f64>().abs() < 1e-12);
        let mut mu = sys.law().mean(&x0);
        centre(&mut mu);
        let rho = softmax(&mu);
        for j in 0..nc {
            let e = nf as f64 * rho[j];
            stat += (data.counts[[i, j]] as f64 - e).powi(2) / e;
        }
    }
    let dof = n * (nc - 1);
    assert!(
        stat < chi_square_critical(dof, 1e-3),
        "chi2 {stat:.1}, dof {dof}"
    );
    // and not trivially small (the counts are random)
    assert!(
        stat > chi_square_critical(dof, 1.0 - 1e-3),
        "chi2 {stat:.1}, dof {dof}"
    );
}
