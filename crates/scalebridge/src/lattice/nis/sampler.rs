//! The seam-and-boundary-MPS generator: a periodic `L × L` configuration at coupling `K`
//! with its exact `ln q` (SPEC B.4).
//!
//! `q(s) = q_seam(row 0, column 0) · q_MPS(interior | seam)`: the seam (see [`super::seam`])
//! cuts the torus into an open `(L−1) × (L−1)` grid whose boundary spins feel the seam as
//! fields; the interior is drawn row by row with boundary-MPS conditionals (see
//! [`super::boundary`]). Both factors are products of normalised conditionals of the spins in
//! the order they are drawn, so `ln q` of a drawn configuration — and of any given one
//! ([`ExactSampler::log_q`]) — is exact, whatever the quality of the model.

use super::boundary::{Chooser, interior};
use super::seam::{Layout, SeamModel};
use crate::error::{Error, Result};
use crate::lattice::Lattice;
use crate::rng::{SbRng, uniform};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The file a fitted sampler is stored in, inside its directory.
pub const SAMPLER_FILE: &str = "sampler.json";

/// Default bond dimension of the boundary MPS.
pub const DEFAULT_CHI: usize = 4;

/// Largest bond dimension accepted.
pub const MAX_CHI: usize = 64;

/// A fitted generator.
#[derive(Clone, Debug)]
pub struct ExactSampler {
    l: usize,
    k: f64,
    chi: usize,
    seam: SeamModel,
    layout: Layout,
}

/// Draws each spin from its conditional.
struct Draw<'a>(&'a mut SbRng);

impl Chooser for Draw<'_> {
    fn choose(&mut self, _r: usize, _c: usize, p: f64) -> usize {
        usize::from(uniform(self.0) >= p)
    }
}

/// Reads each spin from a given configuration.
struct Score<'a> {
    l: usize,
    spins: &'a [i8],
}

impl Chooser for Score<'_> {
    fn choose(&mut self, r: usize, c: usize, _p: f64) -> usize {
        usize::from(self.spins[r * self.l + c] < 0)
    }
}

impl ExactSampler {
    /// A sampler of side `l`, coupling `k`, bond dimension `chi`, with a fitted seam model.
    pub fn new(l: usize, k: f64, chi: usize, seam: SeamModel) -> Result<Self> {
        check_side(l)?;
        check_coupling(k)?;
        check_chi(chi)?;
        check_memory(l, chi)?;
        let layout = Layout::new(l);
        seam.check(&layout, Path::new(SAMPLER_FILE))?;
        Ok(ExactSampler {
            l,
            k,
            chi,
            seam,
            layout,
        })
    }

    /// Linear size.
    pub fn l(&self) -> usize {
        self.l
    }

    /// Coupling.
    pub fn k(&self) -> f64 {
        self.k
    }

    /// Bond dimension.
    pub fn chi(&self) -> usize {
        self.chi
    }

    /// The seam model.
    pub fn seam(&self) -> &SeamModel {
        &self.seam
    }

    /// Draws a configuration and its `ln q`.
    pub fn draw(&self, rng: &mut SbRng) -> Result<(Lattice, f64)> {
        let mut spins = vec![1i8; self.l * self.l];
        let mut chooser = Draw(rng);
        let seam = self.seam.walk(&self.layout, &mut spins, &mut chooser);
        let rest = interior(self.l, self.k, self.chi, &mut spins, &mut chooser)?;
        Ok((Lattice { l: self.l, spins }, seam + rest))
    }

    /// `ln q` of a given configuration of side `L`.
    pub fn log_q(&self, lat: &Lattice) -> Result<f64> {
        if lat.l != self.l {
            return Err(Error::param(
                "L",
                lat.l,
                &format!("the sampler's side {}", self.l),
            ));
        }
        let mut spins = lat.spins.clone();
        let mut chooser = Score {
            l: self.l,
            spins: &lat.spins,
        };
        let seam = self.seam.walk(&self.layout, &mut spins, &mut chooser);
        let rest = interior(self.l, self.k, self.chi, &mut spins, &mut chooser)?;
        Ok(seam + rest)
    }
}

/// The sampler's side: even, at least 4, and small enough that one sample's boundary-MPS
/// environments at the default `χ` fit in memory on every thread.
pub fn check_side(l: usize) -> Result<()> {
    if l < 4 || l % 2 == 1 {
        return Err(Error::param("L", l, "even and >= 4"));
    }
    check_memory(l, DEFAULT_CHI)
}

/// Fails when the environments of one sample per thread would not fit in memory.
pub fn check_memory(l: usize, chi: usize) -> Result<()> {
    let threads = rayon::current_num_threads().max(1);
    crate::limits::require_memory(
        "L",
        l,
        "the boundary-MPS environments of one sample per thread",
        crate::limits::array_bytes(&[l, l, chi, chi, 2, 8, threads], 1),
    )
}

/// The coupling: finite and positive.
pub fn check_coupling(k: f64) -> Result<()> {
    if !(k > 0.0 && k.is_finite()) {
        return Err(Error::param("K", k, "finite and > 0"));
    }
    Ok(())
}

/// The bond dimension: 1 to [`MAX_CHI`].
pub fn check_chi(chi: usize) -> Result<()> {
    if chi == 0 || chi > MAX_CHI {
        return Err(Error::param("chi", chi, &format!("1 to {MAX_CHI}")));
    }
    Ok(())
}

/// Where the training configurations came from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Training {
    /// `wolff` (generated by the fit) or the path of the `.npy` given.
    pub source: String,
    /// Configurations.
    pub n: usize,
    /// Symmetry copies of each configuration's seam.
    pub copies: usize,
    /// Seed of the Wolff chain and of the symmetry copies.
    pub seed: u64,
    /// Wall time of the Wolff run (0 with given data).
    pub sampling_seconds: f64,
    /// Wall time of the seam fit.
    pub fit_seconds: f64,
}

/// `sampler.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SamplerFile {
    /// Linear size.
    #[serde(rename = "L")]
    pub l: usize,
    /// Coupling.
    #[serde(rename = "K")]
    pub k: f64,
    /// Bond dimension of the boundary MPS.
    pub chi: usize,
    /// How the seam was trained.
    pub training: Training,
    /// The seam model.
    pub seam: SeamModel,
}

impl SamplerFile {
    /// `dir/sampler.json`, or `path` itself when it names a file.
    pub fn path_of(path: &Path) -> PathBuf {
        if path.is_dir() {
            path.join(SAMPLER_FILE)
        } else {
            path.to_owned()
        }
    }

    /// Reads and checks a sampler (errors name the file and the field).
    pub fn read(path: &Path) -> Result<(SamplerFile, ExactSampler)> {
        let file = Self::path_of(path);
        let text = std::fs::read_to_string(&file).map_err(|e| Error::Read {
            path: file.clone(),
            source: e,
        })?;
        let parsed: SamplerFile =
            serde_json::from_str(&text).map_err(|e| Error::data(&file, "(json)", e.to_string()))?;
        if parsed.l < 4 || parsed.l % 2 == 1 {
            return Err(Error::data(
                &file,
                "L",
                format!("{}: must be even and >= 4", parsed.l),
            ));
        }
        check_coupling(parsed.k).map_err(|_| {
            Error::data(&file, "K", format!("{}: must be finite and > 0", parsed.k))
        })?;
        check_chi(parsed.chi).map_err(|_| {
            Error::data(
                &file,
                "chi",
                format!("{}: must be 1 to {MAX_CHI}", parsed.chi),
            )
        })?;
        parsed.seam.check(&Layout::new(parsed.l), &file)?;
        let sampler = ExactSampler::new(parsed.l, parsed.k, parsed.chi, parsed.seam.clone())?;
        Ok((parsed, sampler))
    }
}
