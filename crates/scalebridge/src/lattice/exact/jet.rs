//! Second-order forward-mode automatic differentiation in one variable: a [`Jet`] carries a
//! value and its first and second derivatives, so any smooth formula written with jets yields
//! exact derivatives (no finite differences).

use std::ops::{Add, Div, Mul, Neg, Sub};

/// `(f, f', f'')` at a point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Jet {
    /// Value.
    pub v: f64,
    /// First derivative.
    pub d1: f64,
    /// Second derivative.
    pub d2: f64,
}

impl Jet {
    /// A constant.
    pub fn constant(v: f64) -> Self {
        Jet {
            v,
            d1: 0.0,
            d2: 0.0,
        }
    }
    /// The variable itself at `x`.
    pub fn variable(x: f64) -> Self {
        Jet {
            v: x,
            d1: 1.0,
            d2: 0.0,
        }
    }
    /// `g(self)` given `g`, `g'`, `g''` at `self.v` (the chain rule to second order).
    pub fn chain(self, g: f64, g1: f64, g2: f64) -> Self {
        Jet {
            v: g,
            d1: g1 * self.d1,
            d2: g2 * self.d1 * self.d1 + g1 * self.d2,
        }
    }
    pub fn exp(self) -> Self {
        let e = self.v.exp();
        self.chain(e, e, e)
    }
    pub fn ln(self) -> Self {
        self.chain(self.v.ln(), 1.0 / self.v, -1.0 / (self.v * self.v))
    }
    pub fn sinh(self) -> Self {
        self.chain(self.v.sinh(), self.v.cosh(), self.v.sinh())
    }
    pub fn cosh(self) -> Self {
        self.chain(self.v.cosh(), self.v.sinh(), self.v.cosh())
    }
    pub fn tanh(self) -> Self {
        let t = self.v.tanh();
        let s = 1.0 - t * t;
        self.chain(t, s, -2.0 * t * s)
    }
    /// `arccosh(x)` for `x > 1`: derivative `1/√(x²−1)`, second `−x/(x²−1)^{3/2}`. Evaluate
    /// `x − 1` accurately where it matters (see [`Jet::acosh_1p`]).
    pub fn acosh(self) -> Self {
        let w = self.v * self.v - 1.0;
        self.chain(self.v.acosh(), 1.0 / w.sqrt(), -self.v / (w * w.sqrt()))
    }
    /// `arccosh(1 + u)` from `u = x − 1 > 0`, accurate when `u` is tiny.
    pub fn acosh_1p(self) -> Self {
        let u = self.v;
        let w = u * (u + 2.0); // x² − 1
        let value = (u + w.sqrt()).ln_1p();
        self.chain(value, 1.0 / w.sqrt(), -(1.0 + u) / (w * w.sqrt()))
    }
    /// `ln(1 + x)`.
    pub fn ln_1p(self) -> Self {
        let q = 1.0 + self.v;
        self.chain(self.v.ln_1p(), 1.0 / q, -1.0 / (q * q))
    }
    /// Scalar multiple.
    pub fn scale(self, c: f64) -> Self {
        Jet {
            v: c * self.v,
            d1: c * self.d1,
            d2: c * self.d2,
        }
    }
}

impl Add for Jet {
    type Output = Jet;
    fn add(self, o: Jet) -> Jet {
        Jet {
            v: self.v + o.v,
            d1: self.d1 + o.d1,
            d2: self.d2 + o.d2,
        }
    }
}

impl Sub for Jet {
    type Output = Jet;
    fn sub(self, o: Jet) -> Jet {
        self + (-o)
    }
}

impl Neg for Jet {
    type Output = Jet;
    fn neg(self) -> Jet {
        self.scale(-1.0)
    }
}

impl Mul for Jet {
    type Output = Jet;
    fn mul(self, o: Jet) -> Jet {
        Jet {
            v: self.v * o.v,
            d1: self.d1 * o.v + self.v * o.d1,
            d2: self.d2 * o.v + 2.0 * self.d1 * o.d1 + self.v * o.d2,
        }
    }
}

impl Div for Jet {
    type Output = Jet;
    fn div(self, o: Jet) -> Jet {
        let inv = o.chain(1.0 / o.v, -1.0 / (o.v * o.v), 2.0 / (o.v * o.v * o.v));
        self * inv
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derivatives_match_closed_forms() {
        let x = Jet::variable(0.7);
        let f = (x.sinh() * x.cosh()).ln() + x.tanh() / x.exp();
        // f = ln(sinh x cosh x) + tanh(x) e^{-x}; compare with central differences of f
        let g = |t: f64| (t.sinh() * t.cosh()).ln() + t.tanh() * (-t).exp();
        let h = 1e-4;
        let d1 = (g(0.7 + h) - g(0.7 - h)) / (2.0 * h);
        let d2 = (g(0.7 + h) - 2.0 * g(0.7) + g(0.7 - h)) / (h * h);
        assert!((f.v - g(0.7)).abs() < 1e-14);
        assert!((f.d1 - d1).abs() < 1e-7);
        assert!((f.d2 - d2).abs() < 1e-5);
        let u = Jet::variable(1e-9);
        // arccosh(1 + u) = √(2u)(1 − u/12 + …)
        assert!((u.acosh_1p().v - (2e-9f64).sqrt() * (1.0 - 1e-9 / 12.0)).abs() < 1e-19);
        let y = Jet::variable(1.3);
        let a = y.acosh();
        let b = (y - Jet::constant(1.0)).acosh_1p();
        assert!(
            (a.v - b.v).abs() < 1e-14 && (a.d1 - b.d1).abs() < 1e-12 && (a.d2 - b.d2).abs() < 1e-11
        );
    }
}
