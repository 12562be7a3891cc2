//! Hidden-layer activation functions: the one thing that differs between the lanes of a race.
//!
//! Each activation is applied in place to a layer's pre-activations, and its derivative is
//! computed from the *output* (for all four functions the output alone determines the
//! derivative), so the backward pass needs no separate pre-activation buffer.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Default negative slope of [`Activation::LeakyRelu`].
pub const DEFAULT_LEAKY_SLOPE: f32 = 0.01;

/// A hidden-layer nonlinearity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Activation {
    /// σ(z) = 1 / (1 + e^−z). σ′ = σ(1 − σ) ≤ 0.25: gradients shrink at every layer.
    Sigmoid,
    /// max(0, z). Derivative 1 for active units, 0 for inactive ones (which may die).
    Relu,
    /// z for z > 0, slope·z otherwise: inactive units keep a small gradient.
    LeakyRelu,
    /// tanh(z). tanh′ = 1 − tanh² ≤ 1, zero-centred, but saturates like the sigmoid.
    Tanh,
}

impl Activation {
    /// All activations, in the order the page lists them.
    pub const ALL: [Activation; 4] = [
        Activation::Sigmoid,
        Activation::Relu,
        Activation::LeakyRelu,
        Activation::Tanh,
    ];

    /// The name used on the command line, in URLs and in JSON.
    pub fn key(self) -> &'static str {
        match self {
            Activation::Sigmoid => "sigmoid",
            Activation::Relu => "relu",
            Activation::LeakyRelu => "leaky_relu",
            Activation::Tanh => "tanh",
        }
    }

    /// The name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            Activation::Sigmoid => "Sigmoid",
            Activation::Relu => "ReLU",
            Activation::LeakyRelu => "Leaky ReLU",
            Activation::Tanh => "Tanh",
        }
    }

    /// Whether this activation belongs to the ReLU family (units can be "dead").
    pub fn is_relu_family(self) -> bool {
        matches!(self, Activation::Relu | Activation::LeakyRelu)
    }

    /// Applies the activation in place: `z` holds pre-activations on entry, outputs on exit.
    #[inline]
    pub fn apply(self, z: &mut [f32], leaky_slope: f32) {
        match self {
            Activation::Sigmoid => z.iter_mut().for_each(|v| *v = sigmoid(*v)),
            Activation::Relu => z.iter_mut().for_each(|v| *v = v.max(0.0)),
            Activation::LeakyRelu => z
                .iter_mut()
                .for_each(|v| *v = if *v > 0.0 { *v } else { leaky_slope * *v }),
            Activation::Tanh => z.iter_mut().for_each(|v| *v = tanh(*v)),
        }
    }

    /// Multiplies the upstream gradient `grad` in place by f′, where `out` = f(z) is the
    /// forward output of the same units.
    #[inline]
    pub fn backprop(self, out: &[f32], grad: &mut [f32], leaky_slope: f32) {
        debug_assert_eq!(out.len(), grad.len());
        match self {
            Activation::Sigmoid => grad
                .iter_mut()
                .zip(out)
                .for_each(|(g, &a)| *g *= a * (1.0 - a)),
            // Selects rather than conditional stores, so that these loops vectorize.
            Activation::Relu => grad
                .iter_mut()
                .zip(out)
                .for_each(|(g, &a)| *g = if a > 0.0 { *g } else { 0.0 }),
            Activation::LeakyRelu => grad
                .iter_mut()
                .zip(out)
                .for_each(|(g, &a)| *g *= if a > 0.0 { 1.0 } else { leaky_slope }),
            Activation::Tanh => grad
                .iter_mut()
                .zip(out)
                .for_each(|(g, &a)| *g *= 1.0 - a * a),
        }
    }

    /// f′ expressed through the output a = f(z).
    #[inline]
    pub fn derivative_from_output(self, a: f32, leaky_slope: f32) -> f32 {
        match self {
            Activation::Sigmoid => a * (1.0 - a),
            Activation::Relu => {
                if a > 0.0 {
                    1.0
                } else {
                    0.0
                }
            }
            Activation::LeakyRelu => {
                if a > 0.0 {
                    1.0
                } else {
                    leaky_slope
                }
            }
            Activation::Tanh => 1.0 - a * a,
        }
    }

    /// Whether a unit with output `a` passes (almost) no gradient on this input.
    ///
    /// ReLU family: the unit is off (z ≤ 0). Sigmoid and Tanh: the derivative is below 1% of
    /// its maximum (σ′ < 0.0025, tanh′ < 0.01), i.e. the unit is saturated.
    #[inline]
    pub fn is_inactive(self, a: f32) -> bool {
        match self {
            Activation::Relu | Activation::LeakyRelu => a <= 0.0,
            Activation::Sigmoid => a * (1.0 - a) < 0.01 * 0.25,
            Activation::Tanh => 1.0 - a * a < 0.01,
        }
    }
}

/// σ(z) = 1 / (1 + e^−z). With [`fast_exp`] clamping its argument, e^−z stays finite, so this
/// form is safe for every z: z → −∞ gives 1/(1 + 6e37) ≈ 1.6e−38, z → +∞ gives 1.
#[inline]
fn sigmoid(z: f32) -> f32 {
    1.0 / (1.0 + fast_exp(-z))
}

/// tanh(z) = 2σ(2z) − 1. Its absolute error stays near f32 rounding (≈1e−7) for every z, which
/// is what the network sees; the relative error grows only for |z| < 1e−3, where tanh(z) ≈ z.
#[inline]
fn tanh(z: f32) -> f32 {
    2.0 / (1.0 + fast_exp(-2.0 * z)) - 1.0
}

/// e^x to within about 2 ulp for x in [−87, 87] (clamped outside, which keeps e^x and
/// 1/(1 + e^x) normal numbers — subnormals would slow the matrix products; NaN stays NaN).
///
/// Written out because `f32::exp` is a call into libm that the compiler cannot vectorize: with it,
/// the Sigmoid and Tanh passes took a fifth of a training step in wasm. This version is plain
/// arithmetic (range reduction x = n·ln 2 + r, |r| ≤ ln 2 / 2, a degree-6 Taylor polynomial for e^r,
/// 2^n from the exponent bits), so a loop over a layer becomes SIMD code natively and in wasm.
#[inline]
pub fn fast_exp(x: f32) -> f32 {
    const LN2_HI: f32 = 0.693_145_75;
    const LN2_LO: f32 = 1.428_606_8e-6;
    // Adding 1.5·2²³ rounds to an integer in the mantissa (no rounding instruction needed, which
    // baseline x86-64 lacks); the integer is then read back from the bits.
    const ROUND: f32 = 12_582_912.0;
    let x = x.clamp(-87.0, 87.0);
    let t = x * std::f32::consts::LOG2_E + ROUND;
    let n = t - ROUND;
    let r = (x - n * LN2_HI) - n * LN2_LO;
    let p = 1.0
        + r * (1.0
            + r * (1.0 / 2.0
                + r * (1.0 / 6.0 + r * (1.0 / 24.0 + r * (1.0 / 120.0 + r * (1.0 / 720.0))))));
    // n ∈ [−126, 126] after the clamp: a normal power of two.
    let n_int = t.to_bits() as i32 - ROUND.to_bits() as i32;
    p * f32::from_bits(((n_int + 127) as u32) << 23)
}

impl fmt::Display for Activation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl FromStr for Activation {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm: String = s
            .trim()
            .to_ascii_lowercase()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect();
        match norm.as_str() {
            "sigmoid" | "logistic" => Ok(Activation::Sigmoid),
            "relu" => Ok(Activation::Relu),
            "leakyrelu" | "leaky" | "lrelu" => Ok(Activation::LeakyRelu),
            "tanh" => Ok(Activation::Tanh),
            _ => Err(format!(
                "unknown activation '{s}' (expected sigmoid, relu, leaky_relu or tanh)"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_match_hand_computed() {
        let mut z = [-2.0f32, 0.0, 3.0];
        Activation::Sigmoid.apply(&mut z, 0.01);
        assert!((z[0] - 0.119_202_92).abs() < 1e-6);
        assert_eq!(z[1], 0.5);
        assert!((z[2] - 0.952_574_1).abs() < 1e-6);

        let mut z = [-2.0f32, 0.0, 3.0];
        Activation::Relu.apply(&mut z, 0.01);
        assert_eq!(z, [0.0, 0.0, 3.0]);

        let mut z = [-2.0f32, 0.0, 3.0];
        Activation::LeakyRelu.apply(&mut z, 0.01);
        assert_eq!(z, [-0.02, 0.0, 3.0]);

        let mut z = [-1.0f32, 0.0, 1.0];
        Activation::Tanh.apply(&mut z, 0.01);
        assert!((z[0] + 0.761_594_2).abs() < 1e-6 && z[1] == 0.0);
    }

    #[test]
    fn sigmoid_is_finite_for_huge_inputs() {
        let mut z = [-1e30f32, -500.0, 500.0, 1e30];
        Activation::Sigmoid.apply(&mut z, 0.01);
        assert!(
            z[..2]
                .iter()
                .all(|&v| v > 0.0 && v < 1e-37 && v.is_normal()),
            "{z:?}"
        );
        assert_eq!(z[2..], [1.0, 1.0]);
    }

    #[test]
    fn derivative_matches_finite_difference() {
        for act in Activation::ALL {
            for &z in &[-2.5f64, -0.7, 0.3, 1.9] {
                let h = 1e-3f64;
                let f = |x: f64| {
                    let mut v = [x as f32];
                    act.apply(&mut v, 0.01);
                    v[0] as f64
                };
                let numeric = (f(z + h) - f(z - h)) / (2.0 * h);
                let analytic = act.derivative_from_output(f(z) as f32, 0.01) as f64;
                assert!(
                    (numeric - analytic).abs() < 1e-3,
                    "{act}: z={z} numeric={numeric} analytic={analytic}"
                );
                let mut g = [1.0f32];
                act.backprop(&[f(z) as f32], &mut g, 0.01);
                assert!((g[0] as f64 - analytic).abs() < 1e-6);
            }
        }
    }

    #[test]
    fn fast_exp_matches_the_library_exp() {
        let mut worst = 0.0f64;
        for i in -87_000..=87_000 {
            let x = i as f32 / 1000.0;
            let exact = (x as f64).exp();
            let rel = ((fast_exp(x) as f64 - exact) / exact).abs();
            worst = worst.max(rel);
        }
        assert!(worst < 3e-7, "worst relative error {worst}");
        assert!(fast_exp(f32::NAN).is_nan());
        assert!(fast_exp(1e30).is_finite() && fast_exp(-1e30) >= 0.0);
    }

    #[test]
    fn sigmoid_and_tanh_match_the_library_within_rounding() {
        for i in -2000..=2000 {
            let z = i as f32 / 100.0;
            let s = 1.0 / (1.0 + (-(z as f64)).exp());
            assert!((sigmoid(z) as f64 - s).abs() < 2e-7, "sigmoid({z})");
            assert!(
                (tanh(z) as f64 - (z as f64).tanh()).abs() < 3e-7,
                "tanh({z})"
            );
        }
    }

    #[test]
    fn sigmoid_derivative_never_exceeds_a_quarter() {
        for i in -100..=100 {
            let mut v = [i as f32 / 10.0];
            Activation::Sigmoid.apply(&mut v, 0.01);
            assert!(Activation::Sigmoid.derivative_from_output(v[0], 0.01) <= 0.25);
        }
    }

    #[test]
    fn parses_names() {
        assert_eq!("ReLU".parse::<Activation>().unwrap(), Activation::Relu);
        assert_eq!(
            "leaky_relu".parse::<Activation>().unwrap(),
            Activation::LeakyRelu
        );
        assert_eq!(
            "Leaky ReLU".parse::<Activation>().unwrap(),
            Activation::LeakyRelu
        );
        assert!("swish".parse::<Activation>().is_err());
        for a in Activation::ALL {
            assert_eq!(a.key().parse::<Activation>().unwrap(), a);
        }
    }

    #[test]
    fn inactivity_thresholds() {
        assert!(Activation::Relu.is_inactive(0.0));
        assert!(!Activation::Relu.is_inactive(0.1));
        assert!(Activation::LeakyRelu.is_inactive(-0.001));
        assert!(!Activation::Sigmoid.is_inactive(0.5));
        assert!(Activation::Sigmoid.is_inactive(0.9999));
        assert!(Activation::Tanh.is_inactive(-0.9999));
        assert!(!Activation::Tanh.is_inactive(0.5));
    }
}
