//! The periodic interval `[ymin, ymax)` on which walkers live (SPEC A.1), and its binning.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// A periodic interval `[ymin, ymax)`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Domain {
    /// Left end (included).
    pub ymin: f64,
    /// Right end (excluded; identified with `ymin`).
    pub ymax: f64,
}

impl Default for Domain {
    /// The paper's `[-1, 1)`.
    fn default() -> Self {
        Domain {
            ymin: -1.0,
            ymax: 1.0,
        }
    }
}

impl Domain {
    /// A validated domain: both ends finite and `ymin < ymax`.
    pub fn new(ymin: f64, ymax: f64) -> Result<Self> {
        if !ymin.is_finite() || !ymax.is_finite() || ymin >= ymax {
            return Err(Error::param(
                "ymin,ymax",
                format!("{ymin},{ymax}"),
                "finite with ymin < ymax",
            ));
        }
        Ok(Domain { ymin, ymax })
    }

    /// Period `ymax - ymin`.
    #[inline]
    pub fn length(&self) -> f64 {
        self.ymax - self.ymin
    }

    /// Width `Δy = (ymax - ymin)/nb` of one of `nb` bins.
    #[inline]
    pub fn bin_width(&self, nb: usize) -> f64 {
        self.length() / nb as f64
    }

    /// Maps any real `y` to its periodic image in `[ymin, ymax)`.
    #[inline]
    pub fn wrap(&self, y: f64) -> f64 {
        let l = self.length();
        let mut r = self.ymin + (y - self.ymin).rem_euclid(l);
        if r >= self.ymax {
            // rem_euclid can round up to exactly l
            r = self.ymin;
        }
        r
    }

    /// Bin index `floor((y - ymin)/Δy)` of `y` among `nb` bins, clamped to `[0, nb-1]`
    /// (SPEC A.2: a position that rounds onto `ymax` belongs to the last bin).
    #[inline]
    pub fn bin_of(&self, y: f64, nb: usize) -> usize {
        let b = ((y - self.ymin) / self.bin_width(nb)).floor();
        if b <= 0.0 {
            0
        } else {
            (b as usize).min(nb - 1)
        }
    }

    /// Whether `y` lies in `[ymin, ymax)`.
    #[inline]
    pub fn contains(&self, y: f64) -> bool {
        y >= self.ymin && y < self.ymax
    }

    /// Periodic distance between two points of the domain.
    #[inline]
    pub fn distance(&self, a: f64, b: f64) -> f64 {
        let d = (a - b).abs() % self.length();
        d.min(self.length() - d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_and_bin() {
        let d = Domain::default();
        assert_eq!(d.wrap(1.0), -1.0);
        assert!((d.wrap(1.25) - (-0.75)).abs() < 1e-15);
        assert!((d.wrap(-3.5) - 0.5).abs() < 1e-15);
        assert_eq!(d.bin_of(-1.0, 24), 0);
        assert_eq!(d.bin_of(0.999_999_999, 24), 23);
        assert_eq!(d.bin_of(1.0, 24), 23);
        assert_eq!(d.bin_of(0.0, 24), 12);
        assert!((d.distance(-0.99, 0.99) - 0.02).abs() < 1e-12);
    }

    #[test]
    fn rejects_empty_interval() {
        assert!(Domain::new(1.0, 1.0).is_err());
        assert!(Domain::new(0.0, f64::NAN).is_err());
    }
}
