//! Weight initialisation.
//!
//! Every scheme draws u ~ U(−1, 1) and scales it, so a lane's weights depend on the seed and the
//! layer sizes only; the scheme changes the scale, never the draws.

use crate::activation::Activation;
use nalgebra::DMatrix;
use rand::RngExt;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// How one layer's weights are scaled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InitScheme {
    /// Xavier/Glorot uniform: U(±√(6 / (fan_in + fan_out))). Keeps the variance of Sigmoid and
    /// Tanh layers roughly constant.
    Glorot,
    /// He/Kaiming uniform: U(±√(6 / fan_in)). Compensates for ReLU zeroing half its inputs.
    He,
    /// The "standard" heuristic U(±1/√fan_in) that Glorot & Bengio (2010) compare against:
    /// the variance 1/(3·fan_in) shrinks the activations' spread at every layer.
    Standard,
}

impl InitScheme {
    pub const ALL: [InitScheme; 3] = [InitScheme::Glorot, InitScheme::He, InitScheme::Standard];

    /// The name used on the command line, in URLs and in JSON.
    pub fn key(self) -> &'static str {
        match self {
            InitScheme::Glorot => "glorot",
            InitScheme::He => "he",
            InitScheme::Standard => "standard",
        }
    }

    /// The name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            InitScheme::Glorot => "Glorot",
            InitScheme::He => "He",
            InitScheme::Standard => "standard",
        }
    }

    /// The half-width a of U(±a) for a layer of `fan_in` inputs and `fan_out` outputs.
    pub fn limit(self, fan_in: usize, fan_out: usize) -> f32 {
        (match self {
            InitScheme::Glorot => (6.0 / (fan_in + fan_out) as f64).sqrt(),
            InitScheme::He => (6.0 / fan_in as f64).sqrt(),
            InitScheme::Standard => 1.0 / (fan_in as f64).sqrt(),
        }) as f32
    }
}

impl fmt::Display for InitScheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

impl FromStr for InitScheme {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "glorot" | "xavier" => Ok(InitScheme::Glorot),
            "he" | "kaiming" => Ok(InitScheme::He),
            "standard" => Ok(InitScheme::Standard),
            _ => Err(format!(
                "unknown initialisation scheme '{s}' (expected glorot, he or standard)"
            )),
        }
    }
}

/// How the lanes of a race choose their scheme.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InitMode {
    /// Every lane uses Glorot: identical initial weights, a strictly controlled comparison.
    Glorot,
    /// Every lane uses He: identical initial weights.
    He,
    /// Every lane uses the standard U(±1/√fan_in): identical initial weights.
    Standard,
    /// Each lane uses the scheme made for its activation (He for the ReLU family, Glorot for
    /// Sigmoid and Tanh): the same draws, different scales.
    PerActivation,
}

impl InitMode {
    pub const ALL: [InitMode; 4] = [
        InitMode::Glorot,
        InitMode::He,
        InitMode::Standard,
        InitMode::PerActivation,
    ];

    pub fn scheme_for(self, activation: Activation) -> InitScheme {
        match self {
            InitMode::Glorot => InitScheme::Glorot,
            InitMode::He => InitScheme::He,
            InitMode::Standard => InitScheme::Standard,
            InitMode::PerActivation => {
                if activation.is_relu_family() {
                    InitScheme::He
                } else {
                    InitScheme::Glorot
                }
            }
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            InitMode::Glorot => "glorot",
            InitMode::He => "he",
            InitMode::Standard => "standard",
            InitMode::PerActivation => "per_activation",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            InitMode::Glorot => "Glorot (same for all lanes)",
            InitMode::He => "He (same for all lanes)",
            InitMode::Standard => "Standard U(±1/√fan_in) (same for all lanes)",
            InitMode::PerActivation => "Per activation (He for ReLU, Glorot otherwise)",
        }
    }
}

impl fmt::Display for InitMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

impl FromStr for InitMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "glorot" | "xavier" => Ok(InitMode::Glorot),
            "he" | "kaiming" => Ok(InitMode::He),
            "standard" => Ok(InitMode::Standard),
            "per_activation" | "auto" => Ok(InitMode::PerActivation),
            _ => Err(format!(
                "unknown initialisation '{s}' (expected glorot, he, standard or per_activation)"
            )),
        }
    }
}

/// A `rows × cols` (fan_out × fan_in) weight matrix drawn from `rng` with `scheme`'s scale.
pub fn init_uniform(
    rng: &mut StdRng,
    rows: usize,
    cols: usize,
    scheme: InitScheme,
) -> DMatrix<f32> {
    let limit = scheme.limit(cols, rows);
    // Column-major fill order is part of the reproducibility contract.
    DMatrix::from_fn(rows, cols, |_, _| rng.random_range(-1.0f32..1.0) * limit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn variances_follow_the_schemes() {
        let mut rng = StdRng::seed_from_u64(3);
        let w = init_uniform(&mut rng, 200, 300, InitScheme::Glorot);
        let var: f64 = w.iter().map(|&x| (x as f64).powi(2)).sum::<f64>() / w.len() as f64;
        // Var(U(±a)) = a²/3 = 2/(fan_in+fan_out)
        assert!((var - 2.0 / 500.0).abs() < 0.05 * 2.0 / 500.0, "{var}");
        let w = init_uniform(&mut rng, 200, 300, InitScheme::He);
        let var: f64 = w.iter().map(|&x| (x as f64).powi(2)).sum::<f64>() / w.len() as f64;
        assert!((var - 2.0 / 300.0).abs() < 0.05 * 2.0 / 300.0, "{var}");
        let w = init_uniform(&mut rng, 200, 300, InitScheme::Standard);
        let var: f64 = w.iter().map(|&x| (x as f64).powi(2)).sum::<f64>() / w.len() as f64;
        // Var(U(±1/√fan_in)) = 1/(3·fan_in)
        assert!((var - 1.0 / 900.0).abs() < 0.05 / 900.0, "{var}");
        assert!(w.iter().all(|x| x.abs() <= 1.0 / 300f32.sqrt()));
    }

    #[test]
    fn standard_is_the_same_draws_scaled() {
        let glorot = init_uniform(&mut StdRng::seed_from_u64(8), 30, 50, InitScheme::Glorot);
        let standard = init_uniform(&mut StdRng::seed_from_u64(8), 30, 50, InitScheme::Standard);
        let expected = (1.0 / 50f32.sqrt()) / (6.0f32 / 80.0).sqrt();
        for (g, s) in glorot.iter().zip(standard.iter()) {
            assert!((s - g * expected).abs() < 1e-6);
        }
        for scheme in InitScheme::ALL {
            assert_eq!(scheme.key().parse::<InitScheme>().unwrap(), scheme);
        }
        assert_eq!("standard".parse::<InitMode>().unwrap(), InitMode::Standard);
        assert_eq!(
            InitMode::Standard.scheme_for(Activation::Relu),
            InitScheme::Standard
        );
        assert!("lecun".parse::<InitScheme>().is_err());
    }

    #[test]
    fn modes_pick_schemes() {
        assert_eq!(
            InitMode::PerActivation.scheme_for(Activation::Relu),
            InitScheme::He
        );
        assert_eq!(
            InitMode::PerActivation.scheme_for(Activation::Tanh),
            InitScheme::Glorot
        );
        assert_eq!(
            InitMode::Glorot.scheme_for(Activation::Relu),
            InitScheme::Glorot
        );
        assert_eq!("xavier".parse::<InitMode>().unwrap(), InitMode::Glorot);
        assert!("zeros".parse::<InitMode>().is_err());
    }
}
