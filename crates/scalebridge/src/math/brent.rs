//! Brent's method for the maximum of a function of one variable on an interval: golden-section
//! steps, with a parabola through the three best points taken whenever it falls well inside
//! the bracket and shrinks it fast enough (Brent 1973, ch. 5).

/// `(3 − √5)/2`: the golden section of an interval.
const GOLDEN: f64 = 0.381_966_011_250_105_1;

/// The point of `[lo, hi]` where `f` is largest, to within `tol` (absolute), for `f` unimodal
/// on the interval, and its value; at most `max_evals` evaluations of `f`. A non-finite value
/// counts as lower than any finite one (and never enters a parabola).
pub fn maximise(
    mut f: impl FnMut(f64) -> f64,
    lo: f64,
    hi: f64,
    tol: f64,
    max_evals: usize,
) -> (f64, f64) {
    // minimise g = −f, with −∞ for a non-finite f (worse than anything)
    let mut g = |x: f64| {
        let v = f(x);
        if v.is_finite() { -v } else { f64::INFINITY }
    };
    let (mut a, mut b) = (lo, hi);
    let mut x = a + GOLDEN * (b - a);
    let (mut w, mut v) = (x, x);
    let mut fx = g(x);
    let (mut fw, mut fv) = (fx, fx);
    // d: the last step, e: the step before it
    let (mut d, mut e) = (0.0f64, 0.0f64);
    for _ in 1..max_evals {
        let m = 0.5 * (a + b);
        if (x - m).abs() <= 2.0 * tol - 0.5 * (b - a) {
            break;
        }
        let mut golden = true;
        if e.abs() > tol && fx.is_finite() && fw.is_finite() && fv.is_finite() {
            // the parabola through (v, fv), (w, fw), (x, fx): its vertex at x + p/q
            let r = (x - w) * (fx - fv);
            let mut q = (x - v) * (fx - fw);
            let mut p = (x - v) * q - (x - w) * r;
            q = 2.0 * (q - r);
            if q > 0.0 {
                p = -p;
            } else {
                q = -q;
            }
            let last = e;
            if p.abs() < (0.5 * q * last).abs() && p > q * (a - x) && p < q * (b - x) {
                e = d;
                d = p / q;
                let u = x + d;
                if u - a < 2.0 * tol || b - u < 2.0 * tol {
                    d = tol.copysign(m - x);
                }
                golden = false;
            }
        }
        if golden {
            e = if x >= m { a - x } else { b - x };
            d = GOLDEN * e;
        }
        let u = if d.abs() >= tol {
            x + d
        } else {
            x + tol.copysign(d)
        };
        let fu = g(u);
        if fu <= fx {
            if u >= x {
                a = x;
            } else {
                b = x;
            }
            (v, fv) = (w, fw);
            (w, fw) = (x, fx);
            (x, fx) = (u, fu);
        } else {
            if u < x {
                a = u;
            } else {
                b = u;
            }
            if fu <= fw || w == x {
                (v, fv) = (w, fw);
                (w, fw) = (u, fu);
            } else if fu <= fv || v == x || v == w {
                (v, fv) = (u, fu);
            }
        }
    }
    (x, -fx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_maximum_of_smooth_and_kinked_functions() {
        // a smooth maximum inside the interval: −(x − 0.7)⁴ − (x − 0.7)², in few evaluations
        let mut n = 0;
        let (x, fx) = maximise(
            |x| {
                n += 1;
                -(x - 0.7).powi(4) - (x - 0.7).powi(2)
            },
            -3.0,
            2.0,
            1e-6,
            100,
        );
        assert!((x - 0.7).abs() < 1e-5, "{x}");
        assert!(fx <= 0.0 && fx > -1e-9, "{fx}");
        assert!(n < 20, "{n} evaluations");
        // ln s − s²/2 on [−8, 0] in ln s: the maximum at s = 1, on the upper end
        let (x, _) = maximise(|t| t - (2.0 * t).exp() / 2.0, -8.0, 0.0, 1e-3, 100);
        assert!(x > -4e-3, "{x}");
        // a wall (non-finite) on the left half: still the maximum of the finite part
        let (x, _) = maximise(
            |x| if x < 0.0 { f64::NAN } else { -(x - 0.5).abs() },
            -1.0,
            1.0,
            1e-6,
            200,
        );
        assert!((x - 0.5).abs() < 1e-5, "{x}");
    }
}
