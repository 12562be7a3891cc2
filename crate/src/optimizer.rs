//! Parameter updates: plain SGD, SGD with momentum, Adam.
//!
//! Each update is a single pass over the parameters that also measures the per-layer L2 norm of
//! the weight gradient, so the gradient-flow chart costs no extra pass.

use crate::network::{Gradients, Mlp};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Which update rule a race uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OptimizerKind {
    /// θ ← θ − η·g
    Sgd,
    /// v ← μ·v + g; θ ← θ − η·v, with μ = 0.9.
    Momentum,
    /// Adam with β₁ = 0.9, β₂ = 0.999, ε = 1e−8 and bias correction.
    Adam,
}

impl OptimizerKind {
    pub const ALL: [OptimizerKind; 3] = [
        OptimizerKind::Sgd,
        OptimizerKind::Momentum,
        OptimizerKind::Adam,
    ];

    pub fn key(self) -> &'static str {
        match self {
            OptimizerKind::Sgd => "sgd",
            OptimizerKind::Momentum => "momentum",
            OptimizerKind::Adam => "adam",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            OptimizerKind::Sgd => "SGD",
            OptimizerKind::Momentum => "SGD + momentum 0.9",
            OptimizerKind::Adam => "Adam",
        }
    }
}

impl fmt::Display for OptimizerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

impl FromStr for OptimizerKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "sgd" => Ok(OptimizerKind::Sgd),
            "momentum" | "sgd_momentum" | "sgdm" => Ok(OptimizerKind::Momentum),
            "adam" => Ok(OptimizerKind::Adam),
            _ => Err(format!(
                "unknown optimizer '{s}' (expected sgd, momentum or adam)"
            )),
        }
    }
}

const MOMENTUM: f32 = 0.9;
const BETA1: f32 = 0.9;
const BETA2: f32 = 0.999;
const EPSILON: f32 = 1e-8;

/// An optimizer with its per-parameter state.
#[derive(Clone, Debug)]
pub struct Optimizer {
    kind: OptimizerKind,
    learning_rate: f32,
    steps: u32,
    /// Momentum velocity, or Adam's first moment; one flat buffer per layer (weights then bias).
    first: Vec<Vec<f32>>,
    /// Adam's second moment.
    second: Vec<Vec<f32>>,
}

impl Optimizer {
    pub fn new(kind: OptimizerKind, learning_rate: f32, net: &Mlp) -> Optimizer {
        let state = |needed: bool| -> Vec<Vec<f32>> {
            net.layers
                .iter()
                .map(|l| {
                    if needed {
                        vec![0.0; l.weights.len() + l.bias.len()]
                    } else {
                        Vec::new()
                    }
                })
                .collect()
        };
        Optimizer {
            kind,
            learning_rate,
            steps: 0,
            first: state(kind != OptimizerKind::Sgd),
            second: state(kind == OptimizerKind::Adam),
        }
    }

    pub fn learning_rate(&self) -> f32 {
        self.learning_rate
    }

    /// Applies one update and, if asked, writes each layer's weight-gradient L2 norm into
    /// `grad_norms` (the benchmark measures the cost of that by passing `None`).
    pub fn step(&mut self, net: &mut Mlp, grads: &Gradients, mut grad_norms: Option<&mut [f32]>) {
        self.steps += 1;
        let lr = self.learning_rate;
        let t = self.steps as i32;
        // Adam's bias corrections folded into the step size.
        let adam_lr = lr * (1.0 - BETA2.powi(t)).sqrt() / (1.0 - BETA1.powi(t));
        for (l, layer) in net.layers.iter_mut().enumerate() {
            let gw = grads.weights[l].as_slice();
            if let Some(norms) = grad_norms.as_deref_mut() {
                norms[l] = sum_of_squares(gw).sqrt();
            }
            let nw = gw.len();
            let params = [
                (layer.weights.as_mut_slice(), gw, 0),
                (layer.bias.as_mut_slice(), grads.bias[l].as_slice(), nw),
            ];
            for (theta, g, offset) in params {
                match self.kind {
                    OptimizerKind::Sgd => {
                        theta.iter_mut().zip(g).for_each(|(p, g)| *p -= lr * g);
                    }
                    OptimizerKind::Momentum => {
                        let v = &mut self.first[l][offset..offset + g.len()];
                        for ((p, g), v) in theta.iter_mut().zip(g).zip(v) {
                            *v = MOMENTUM * *v + g;
                            *p -= lr * *v;
                        }
                    }
                    OptimizerKind::Adam => {
                        let m = &mut self.first[l][offset..offset + g.len()];
                        let v = &mut self.second[l][offset..offset + g.len()];
                        for (((p, g), m), v) in theta.iter_mut().zip(g).zip(m).zip(v) {
                            *m = BETA1 * *m + (1.0 - BETA1) * g;
                            *v = BETA2 * *v + (1.0 - BETA2) * g * g;
                            *p -= adam_lr * *m / (v.sqrt() + EPSILON);
                        }
                    }
                }
            }
        }
    }
}

/// Σ x², with independent partial sums so that the compiler can vectorize it (a single f32
/// accumulator is a chain of dependent adds: it made the gradient norms cost 20% of a step).
pub fn sum_of_squares(x: &[f32]) -> f32 {
    const LANES: usize = 16;
    let mut acc = [0.0f32; LANES];
    let chunks = x.chunks_exact(LANES);
    let tail: f32 = chunks.remainder().iter().map(|v| v * v).sum();
    for chunk in chunks {
        for (a, v) in acc.iter_mut().zip(chunk) {
            *a += v * v;
        }
    }
    acc.iter().sum::<f32>() + tail
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::Activation;
    use crate::init::InitScheme;

    fn net() -> Mlp {
        Mlp::new(2, &[], 10, Activation::Relu, 0.01, InitScheme::Glorot, 1)
    }

    fn constant_grads(net: &Mlp, g: f32) -> Gradients {
        let mut grads = net.gradients();
        grads.weights[0].fill(g);
        grads.bias[0].fill(g);
        grads
    }

    #[test]
    fn sgd_moves_against_the_gradient_and_reports_norms() {
        let mut n = net();
        let before = n.layers[0].weights[(0, 0)];
        let mut opt = Optimizer::new(OptimizerKind::Sgd, 0.5, &n);
        let mut norms = [0.0];
        let g = constant_grads(&n, 0.2);
        opt.step(&mut n, &g, Some(&mut norms));
        assert!((n.layers[0].weights[(0, 0)] - (before - 0.1)).abs() < 1e-7);
        assert!((n.layers[0].bias[3] + 0.1).abs() < 1e-7);
        assert!((norms[0] - (20.0f32 * 0.04).sqrt()).abs() < 1e-6);
    }

    #[test]
    fn momentum_accumulates_velocity() {
        let mut n = net();
        let before = n.layers[0].bias[0];
        let mut opt = Optimizer::new(OptimizerKind::Momentum, 0.1, &n);
        let g = constant_grads(&n, 1.0);
        let mut norms = [0.0];
        opt.step(&mut n, &g, Some(&mut norms));
        opt.step(&mut n, &g, Some(&mut norms));
        // steps of 0.1·1 and 0.1·(0.9 + 1)
        assert!((n.layers[0].bias[0] - (before - 0.29)).abs() < 1e-6);
    }

    #[test]
    fn adam_first_step_has_learning_rate_size() {
        let mut n = net();
        let before = n.layers[0].bias[0];
        let mut opt = Optimizer::new(OptimizerKind::Adam, 0.01, &n);
        let mut norms = [0.0];
        let g = constant_grads(&n, 3.0);
        opt.step(&mut n, &g, Some(&mut norms));
        // With bias correction the first Adam step is lr · sign(g).
        assert!((n.layers[0].bias[0] - (before - 0.01)).abs() < 1e-6);
    }

    #[test]
    fn sum_of_squares_matches_the_plain_sum() {
        let x: Vec<f32> = (0..1001).map(|i| (i as f32 * 0.37).sin()).collect();
        let plain: f64 = x.iter().map(|&v| (v as f64).powi(2)).sum();
        assert!((sum_of_squares(&x) as f64 - plain).abs() < 1e-3);
        assert_eq!(sum_of_squares(&[]), 0.0);
        assert_eq!(sum_of_squares(&[3.0]), 9.0);
    }

    #[test]
    fn parses_names() {
        assert_eq!(
            "Adam".parse::<OptimizerKind>().unwrap(),
            OptimizerKind::Adam
        );
        assert!("rmsprop".parse::<OptimizerKind>().is_err());
    }
}
