//! Hidden-layer activation functions: the one thing that differs between the lanes of a race.
//!
//! Each activation is applied in place to a layer's pre-activations z. For six of the eight the
//! output a = f(z) alone determines the derivative (Sigmoid, Tanh, ReLU, Leaky ReLU, ELU and
//! Softplus are monotonic), so the backward pass and the unit probe compute f′ from the outputs,
//! which is cheap. GELU and SiLU are not monotonic — two inputs can give the same output with
//! different slopes — and their f′ costs an exponential, so for them the forward pass keeps f′(z),
//! computed together with f(z), in the [`Workspace`](crate::network::Workspace)
//! ([`Activation::keeps_slopes`], [`Activation::apply_keeping_slopes`]).
//!
//! The exponentials, logarithms and the error function are written out ([`fast_exp`],
//! `ln_1p`, `gaussian_tail`) as plain arithmetic instead of libm calls, so that the loops over a
//! layer vectorize natively and in wasm.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Default negative slope of [`Activation::LeakyRelu`].
pub const DEFAULT_LEAKY_SLOPE: f32 = 0.01;

/// Units whose |f′| is below this share of the activation's largest |f′| count as inactive
/// (saturated), for every activation outside the ReLU family.
pub const INACTIVE_SLOPE_SHARE: f32 = 0.01;

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
    /// Exponential linear unit with α = 1: z for z > 0, e^z − 1 otherwise (Clevert et al. 2015).
    /// Smooth, outputs down to −1 (mean closer to 0), saturates for very negative z.
    Elu,
    /// Gaussian error linear unit, the exact form z·Φ(z) (Hendrycks & Gimpel 2016), Φ the
    /// standard normal CDF. Not monotonic: dips to −0.17 near z = −0.75.
    Gelu,
    /// SiLU / Swish: z·σ(z) (Elfwing et al. 2017; Ramachandran et al. 2017). Not monotonic:
    /// dips to −0.28 near z = −1.28.
    Silu,
    /// ln(1 + e^z): a smooth ReLU, always positive, f′ = σ(z).
    Softplus,
}

impl Activation {
    /// All activations, in the order the page lists them.
    pub const ALL: [Activation; 8] = [
        Activation::Sigmoid,
        Activation::Relu,
        Activation::LeakyRelu,
        Activation::Tanh,
        Activation::Elu,
        Activation::Gelu,
        Activation::Silu,
        Activation::Softplus,
    ];

    /// The name used on the command line, in URLs and in JSON.
    pub fn key(self) -> &'static str {
        match self {
            Activation::Sigmoid => "sigmoid",
            Activation::Relu => "relu",
            Activation::LeakyRelu => "leaky_relu",
            Activation::Tanh => "tanh",
            Activation::Elu => "elu",
            Activation::Gelu => "gelu",
            Activation::Silu => "silu",
            Activation::Softplus => "softplus",
        }
    }

    /// The name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            Activation::Sigmoid => "Sigmoid",
            Activation::Relu => "ReLU",
            Activation::LeakyRelu => "Leaky ReLU",
            Activation::Tanh => "Tanh",
            Activation::Elu => "ELU",
            Activation::Gelu => "GELU",
            Activation::Silu => "SiLU",
            Activation::Softplus => "Softplus",
        }
    }

    /// A short formula for the page, in x (Leaky ReLU's a is the leaky slope, 0.01 by default).
    pub fn formula(self) -> &'static str {
        match self {
            Activation::Sigmoid => "1 / (1 + e⁻ˣ)",
            Activation::Relu => "max(0, x)",
            Activation::LeakyRelu => "max(a·x, x)",
            Activation::Tanh => "tanh(x)",
            Activation::Elu => "x if x > 0, else eˣ − 1",
            Activation::Gelu => "x·Φ(x)",
            Activation::Silu => "x·σ(x)",
            Activation::Softplus => "ln(1 + eˣ)",
        }
    }

    /// Whether this activation belongs to the ReLU family: piecewise linear with a kink at 0,
    /// a unit is "off" for z ≤ 0 and can die (Leaky ReLU only nearly). The smooth relatives
    /// (ELU, GELU, SiLU, Softplus) are not in it: their units are never exactly off.
    pub fn is_relu_family(self) -> bool {
        matches!(self, Activation::Relu | Activation::LeakyRelu)
    }

    /// Whether the forward pass keeps f′(z) for the backward pass and the probe, because the
    /// output does not determine it (GELU and SiLU). Computing it there, from the exponential
    /// that f(z) needs anyway, is what makes it cheap: afterwards only z could give it, at the
    /// price of a second exponential per value.
    pub fn keeps_slopes(self) -> bool {
        matches!(self, Activation::Gelu | Activation::Silu)
    }

    /// The largest |f′(z)| over all z (for the inactivity threshold and the page's plots).
    pub fn max_slope(self) -> f32 {
        match self {
            Activation::Sigmoid => 0.25,
            // At z = √2: Φ(√2) + √2·φ(√2).
            Activation::Gelu => 1.128_904_2,
            // At z ≈ 2.3994, where f″ = 0.
            Activation::Silu => 1.099_839_4,
            _ => 1.0,
        }
    }

    /// The range [lo, hi] of the output histograms in the reports: the whole output range for
    /// Sigmoid and Tanh; [−1, 4] for the unbounded ones (it contains every negative output of
    /// all of them — ELU's lower bound is −1 — and outputs above 4 are counted separately).
    pub fn histogram_range(self) -> (f32, f32) {
        match self {
            Activation::Sigmoid => (0.0, 1.0),
            Activation::Tanh => (-1.0, 1.0),
            _ => (-1.0, 4.0),
        }
    }

    /// What "inactive" means for this activation, in words for the page and the CLI.
    ///
    /// ReLU family: the unit is off (z ≤ 0; for ReLU f′ = 0 there). All others: the unit passes
    /// almost no gradient, |f′(z)| < 1% of the largest |f′| ([`INACTIVE_SLOPE_SHARE`]). For
    /// Sigmoid, Tanh, ELU and Softplus that is saturation; for GELU and SiLU it is the negative
    /// tail (z < −3.0 and z < −6.1 respectively) plus a narrow band where f′ crosses zero
    /// (near z = −0.75 and z = −1.28).
    pub fn inactivity(self) -> &'static str {
        match self {
            Activation::Relu | Activation::LeakyRelu => "off (z ≤ 0)",
            Activation::Sigmoid => "saturated (σ′ < 1% of its maximum 0.25)",
            Activation::Tanh => "saturated (tanh′ < 0.01)",
            Activation::Elu => "saturated (z < −4.6: f′ < 0.01)",
            Activation::Softplus => "saturated (z < −4.6: f′ < 0.01)",
            Activation::Gelu => {
                "almost no gradient (|f′| < 1% of its maximum: z < −3.0 or z ≈ −0.75)"
            }
            Activation::Silu => {
                "almost no gradient (|f′| < 1% of its maximum: z < −6.1 or z ≈ −1.28)"
            }
        }
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
            Activation::Elu => z.iter_mut().for_each(|v| *v = elu(*v)),
            Activation::Gelu => z.iter_mut().for_each(|v| *v = gelu(*v).0),
            Activation::Silu => z.iter_mut().for_each(|v| *v = silu(*v).0),
            Activation::Softplus => z.iter_mut().for_each(|v| *v = softplus(*v)),
        }
    }

    /// Like [`Activation::apply`], and also writes f′(z) of each unit into `slopes`. GELU and
    /// SiLU get both from one exponential; the others compute f′ from the output.
    #[inline]
    pub fn apply_keeping_slopes(self, z: &mut [f32], slopes: &mut [f32], leaky_slope: f32) {
        debug_assert_eq!(z.len(), slopes.len());
        match self {
            Activation::Gelu => apply_fused(gelu, z, slopes),
            Activation::Silu => apply_fused(silu, z, slopes),
            _ => {
                self.apply(z, leaky_slope);
                self.slopes(z, None, slopes, leaky_slope);
            }
        }
    }

    /// Multiplies the upstream gradient `grad` in place by f′, where `out` = f(z) is the
    /// forward output of the same units and `kept` the slopes f′(z) that
    /// [`Activation::apply_keeping_slopes`] wrote for them, which must be given when
    /// [`Activation::keeps_slopes`] (and is not read otherwise).
    #[inline]
    pub fn backprop(self, out: &[f32], kept: Option<&[f32]>, grad: &mut [f32], leaky_slope: f32) {
        debug_assert_eq!(out.len(), grad.len());
        let len = grad.len();
        let kept = || {
            let d = kept.expect("GELU and SiLU need the slopes kept by the forward pass");
            debug_assert_eq!(d.len(), len);
            d
        };
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
            Activation::Elu => grad
                .iter_mut()
                .zip(out)
                .for_each(|(g, &a)| *g *= elu_slope(a)),
            Activation::Softplus => grad
                .iter_mut()
                .zip(out)
                .for_each(|(g, &a)| *g *= softplus_slope(a)),
            Activation::Gelu | Activation::Silu => {
                grad.iter_mut().zip(kept()).for_each(|(g, &d)| *g *= d)
            }
        }
    }

    /// f′ expressed through the output a = f(z), for the activations whose output determines
    /// it (all but GELU and SiLU, for which this panics: use [`Activation::eval`]).
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
            Activation::Elu => elu_slope(a),
            Activation::Softplus => softplus_slope(a),
            Activation::Gelu | Activation::Silu => {
                panic!("{self}'s output does not determine its derivative")
            }
        }
    }

    /// f′ from the pre-activation z.
    #[inline]
    pub fn derivative(self, z: f32, leaky_slope: f32) -> f32 {
        self.eval(z, leaky_slope).1
    }

    /// (f(z), f′(z)), e.g. to plot an activation and its derivative. At ReLU's kink (z = 0)
    /// f′ is taken as 0, as in training.
    #[inline]
    pub fn eval(self, z: f32, leaky_slope: f32) -> (f32, f32) {
        match self {
            Activation::Gelu => gelu(z),
            Activation::Silu => silu(z),
            _ => {
                let mut a = [z];
                self.apply(&mut a, leaky_slope);
                (a[0], self.derivative_from_output(a[0], leaky_slope))
            }
        }
    }

    /// Writes f′ of each unit into `slopes`, from the outputs, or copied from the slopes `kept`
    /// by the forward pass where [`Activation::keeps_slopes`].
    #[inline]
    pub fn slopes(self, out: &[f32], kept: Option<&[f32]>, slopes: &mut [f32], leaky_slope: f32) {
        slopes.fill(1.0);
        self.backprop(out, kept, slopes, leaky_slope);
    }

    /// Whether a unit with output `a` and derivative `slope` = f′(z) passes (almost) no
    /// gradient on this input; see [`Activation::inactivity`].
    #[inline]
    pub fn is_inactive(self, a: f32, slope: f32) -> bool {
        if self.is_relu_family() {
            a <= 0.0
        } else {
            slope.abs() < INACTIVE_SLOPE_SHARE * self.max_slope()
        }
    }
}

/// Replaces each z by f(z) and writes f′(z) beside it, for an `f` giving both. Generic rather
/// than a function pointer, so that `f` is inlined and the loop vectorizes.
#[inline]
fn apply_fused(f: impl Fn(f32) -> (f32, f32), z: &mut [f32], slopes: &mut [f32]) {
    z.iter_mut().zip(slopes).for_each(|(v, d)| {
        let (a, slope) = f(*v);
        *v = a;
        *d = slope;
    });
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

/// ELU with α = 1. e^z − 1 is computed as such (not as expm1): near 0 that loses relative
/// precision but its absolute error stays ≈ 1e−7, like every other output here.
#[inline]
fn elu(z: f32) -> f32 {
    // Both sides computed, then selected: no branch, so the loop vectorizes.
    let negative = fast_exp(z.min(0.0)) - 1.0;
    if z > 0.0 { z } else { negative }
}

/// ELU′ from the output: 1 where a > 0, else e^z = a + 1.
#[inline]
fn elu_slope(a: f32) -> f32 {
    if a > 0.0 { 1.0 } else { a + 1.0 }
}

/// ln(1 + e^z) = max(z, 0) + ln(1 + e^−|z|): e^−|z| ≤ 1 never overflows, and the logarithm's
/// argument stays in (1, 2], where [`ln_1p`] is accurate. Always > 0 (down to ≈ 1.6e−38).
#[inline]
fn softplus(z: f32) -> f32 {
    z.max(0.0) + ln_1p(fast_exp(-z.abs()))
}

/// Softplus′ = σ(z) = 1 − e^−a from the output a = ln(1 + e^z). For small a, 1 − e^−a cancels,
/// so there the series a·(1 − a/2 + a²/6) is used (its error a⁴/24 is below f32 rounding).
#[inline]
fn softplus_slope(a: f32) -> f32 {
    let direct = 1.0 - fast_exp(-a);
    let series = a * (1.0 - a * (0.5 - a * (1.0 / 6.0)));
    if a < 0.01 { series } else { direct }
}

/// (z·σ(z), its derivative σ(z)·(1 + z·(1 − σ(z)))), sharing one exponential. 1 − σ(z) is
/// taken as e^−z·σ(z), which does not cancel for large z.
#[inline]
fn silu(z: f32) -> (f32, f32) {
    let e = fast_exp(-z);
    let s = 1.0 / (1.0 + e);
    (z * s, s * (1.0 + z * (e * s)))
}

/// (z·Φ(z), Φ(z) + z·φ(z)) for the standard normal CDF Φ and density φ, sharing one
/// exponential and one division.
///
/// The exact GELU rather than the tanh approximation: the tanh form differs from z·Φ(z) by up
/// to 4.7e−4, while [`gaussian_tail`] keeps Φ within 3e−7 for the same cost (one exponential,
/// one division), so "GELU" here is the function of the paper and of PyTorch's default.
#[inline]
fn gelu(z: f32) -> (f32, f32) {
    let (tail, density) = gaussian_tail(z.abs());
    // Φ(z) = 1 − Φ(−|z|) for z ≥ 0, Φ(−|z|) otherwise.
    let cdf = if z >= 0.0 { 1.0 - tail } else { tail };
    (z * cdf, cdf + z * density)
}

/// For x ≥ 0: (Φ(−x), φ(x)), the standard normal tail and density.
///
/// Φ(−x) = erfc(x/√2)/2 with Abramowitz & Stegun 7.1.26: erfc(u) ≈ t·(a₁ + t·(a₂ + … a₅))·e^−u²,
/// t = 1/(1 + p·u), whose absolute error is below 1.5e−7 for all u ≥ 0 — so below 7.5e−8 for Φ —
/// plus f32 rounding in the alternating polynomial: the tests measure at most 3e−7 for Φ in all
/// (2.9e−7 over x ∈ [0, 10]). φ(x) = e^−u²/√(2π) reuses the exponential.
#[inline]
fn gaussian_tail(x: f32) -> (f32, f32) {
    const P: f32 = 0.327_591_1;
    const A: [f32; 5] = [
        0.254_829_6,
        -0.284_496_74,
        1.421_413_7,
        -1.453_152,
        1.061_405_4,
    ];
    const FRAC_1_SQRT_2PI: f32 = 0.398_942_3;
    let u = x * std::f32::consts::FRAC_1_SQRT_2;
    let t = 1.0 / (1.0 + P * u);
    let poly = t * (A[0] + t * (A[1] + t * (A[2] + t * (A[3] + t * A[4]))));
    let e = fast_exp(-u * u);
    (0.5 * poly * e, FRAC_1_SQRT_2PI * e)
}

/// ln(1 + t) for t ∈ [0, 1], accurate to a few ulp also for tiny t.
///
/// u = 1 + t rounds t; ln(u) − ((u − 1) − t)/u puts the rounding error back (Goldberg's
/// correction). ln(u), u ∈ [1, 2], is split as u = m·2^e with m ∈ [√½, √2), and
/// ln m = 2·atanh(s), s = (m − 1)/(m + 1), |s| ≤ 0.172, by its odd series to s⁹ (next term
/// < 1e−9). Plain arithmetic, so that it vectorizes (see [`fast_exp`]).
#[inline]
fn ln_1p(t: f32) -> f32 {
    let u = 1.0 + t;
    let bits = u.to_bits();
    let exponent = (bits >> 23) as i32 - 127;
    let mantissa = f32::from_bits((bits & 0x007f_ffff) | 0x3f80_0000);
    let big = mantissa > std::f32::consts::SQRT_2;
    let m = if big { 0.5 * mantissa } else { mantissa };
    let e = (exponent + big as i32) as f32;
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    let ln_m = 2.0 * s * (1.0 + s2 * (1.0 / 3.0 + s2 * (1.0 / 5.0 + s2 * (1.0 / 7.0 + s2 / 9.0))));
    let ln_u = e * std::f32::consts::LN_2 + ln_m;
    // u − 1 is exact (Sterbenz), so (u − 1) − t is the rounding error of 1 + t.
    ln_u - ((u - 1.0) - t) / u
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
            "elu" => Ok(Activation::Elu),
            "gelu" => Ok(Activation::Gelu),
            "silu" | "swish" => Ok(Activation::Silu),
            "softplus" => Ok(Activation::Softplus),
            _ => Err(format!(
                "unknown activation '{s}' (expected sigmoid, relu, leaky_relu, tanh, elu, gelu, silu or softplus)"
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
                let f = |x: f64| act.eval(x as f32, 0.01).0 as f64;
                let numeric = (f(z + h) - f(z - h)) / (2.0 * h);
                let (out, analytic) = act.eval(z as f32, 0.01);
                assert!(
                    (numeric - analytic as f64).abs() < 1e-3,
                    "{act}: z={z} numeric={numeric} analytic={analytic}"
                );
                if !act.keeps_slopes() {
                    assert_eq!(act.derivative_from_output(out, 0.01), analytic, "{act}");
                }
                let mut applied = [z as f32];
                act.apply(&mut applied, 0.01);
                assert_eq!(applied[0], out);
                let (mut a, mut kept) = ([z as f32], [f32::NAN]);
                act.apply_keeping_slopes(&mut a, &mut kept, 0.01);
                assert_eq!((a[0], kept[0]), (out, analytic), "{act}");
                let mut g = [1.5f32];
                act.backprop(&[out], Some(&kept), &mut g, 0.01);
                assert_eq!(g[0], 1.5 * analytic, "{act}");
            }
        }
    }

    /// f64 references of the new activations and their derivatives.
    fn reference(act: Activation, z: f64) -> (f64, f64) {
        let sig = 1.0 / (1.0 + (-z).exp());
        match act {
            Activation::Elu => {
                if z > 0.0 {
                    (z, 1.0)
                } else {
                    (z.exp_m1(), z.exp())
                }
            }
            Activation::Gelu => {
                let cdf = 0.5 * libm::erfc(-z / std::f64::consts::SQRT_2);
                let pdf = (-z * z / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt();
                (z * cdf, cdf + z * pdf)
            }
            Activation::Silu => (z * sig, sig * (1.0 + z * (1.0 - sig))),
            Activation::Softplus => (z.max(0.0) + (-z.abs()).exp().ln_1p(), sig),
            _ => unreachable!(),
        }
    }

    #[test]
    fn modern_activations_match_f64_references() {
        for act in [
            Activation::Elu,
            Activation::Gelu,
            Activation::Silu,
            Activation::Softplus,
        ] {
            let (mut worst_f, mut worst_d) = (0.0f64, 0.0f64);
            for i in -12_000..=12_000 {
                let z = i as f32 / 1000.0;
                let (f, d) = act.eval(z, 0.01);
                let (rf, rd) = reference(act, z as f64);
                // Absolute error, relative for |f| > 1: what the next layer sees.
                worst_f = worst_f.max((f as f64 - rf).abs() / rf.abs().max(1.0));
                worst_d = worst_d.max((d as f64 - rd).abs());
            }
            assert!(worst_f < 3e-7, "{act}: worst error of f {worst_f:e}");
            assert!(worst_d < 4e-7, "{act}: worst error of f' {worst_d:e}");
        }
    }

    #[test]
    fn gelu_cdf_error_is_as_documented() {
        let mut worst = 0.0f64;
        for i in 0..=100_000 {
            let x = i as f32 / 10_000.0;
            let (tail, _) = gaussian_tail(x);
            let exact = 0.5 * libm::erfc(x as f64 / std::f64::consts::SQRT_2);
            worst = worst.max((tail as f64 - exact).abs());
        }
        assert!(worst < 3.5e-7, "Φ error {worst:e}");
    }

    #[test]
    fn ln_1p_is_accurate_down_to_tiny_arguments() {
        let mut worst = 0.0f64;
        for i in 1..=10_000 {
            let t = i as f32 / 10_000.0;
            let exact = (t as f64).ln_1p();
            let err = (ln_1p(t) as f64 - exact).abs();
            worst = worst.max(err / exact.max(1e-30));
        }
        assert!(worst < 3e-7, "ln_1p relative error {worst:e}");
        for &t in &[1e-8f32, 3e-12, 1e-30, 1.2e-38] {
            let rel = (ln_1p(t) as f64 / (t as f64).ln_1p() - 1.0).abs();
            assert!(rel < 2e-7, "ln_1p({t}) relative error {rel:e}");
        }
        assert_eq!(ln_1p(0.0), 0.0);
    }

    #[test]
    fn every_activation_is_finite_for_huge_inputs_and_softplus_stays_positive() {
        for act in Activation::ALL {
            for &z in &[-1e30f32, -500.0, -90.0, 90.0, 500.0, 1e30] {
                let (f, d) = act.eval(z, 0.01);
                assert!(f.is_finite() && d.is_finite(), "{act}({z}) = {f}, {d}");
            }
        }
        for &z in &[-1e30f32, -200.0, -30.0] {
            let f = Activation::Softplus.eval(z, 0.01).0;
            assert!(f > 0.0 && f.is_normal(), "softplus({z}) = {f}");
        }
        // The tail of Softplus is e^z, not a rounded zero.
        let f = Activation::Softplus.eval(-30.0, 0.01).0 as f64;
        assert!((f / (-30.0f64).exp() - 1.0).abs() < 1e-5, "{f}");
        assert!(Activation::Softplus.eval(f32::NAN, 0.01).0.is_nan());
        assert!(Activation::Gelu.eval(f32::NAN, 0.01).0.is_nan());
    }

    #[test]
    fn max_slopes_are_the_maxima() {
        for act in Activation::ALL {
            // Softplus approaches its supremum 1 only for large z.
            let observed = (-100_000..=100_000)
                .map(|i| act.eval(i as f32 / 5_000.0, 0.01).1.abs())
                .fold(0.0f32, f32::max);
            assert!(
                (observed - act.max_slope()).abs() < 2e-6,
                "{act}: {observed} vs {}",
                act.max_slope()
            );
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
        assert_eq!("swish".parse::<Activation>().unwrap(), Activation::Silu);
        assert_eq!("GELU".parse::<Activation>().unwrap(), Activation::Gelu);
        assert!("mish".parse::<Activation>().is_err());
        for a in Activation::ALL {
            assert_eq!(a.key().parse::<Activation>().unwrap(), a);
        }
    }

    #[test]
    fn inactivity_thresholds() {
        let inactive = |act: Activation, z: f32| {
            let (a, d) = act.eval(z, 0.01);
            act.is_inactive(a, d)
        };
        assert!(inactive(Activation::Relu, 0.0));
        assert!(!inactive(Activation::Relu, 0.1));
        assert!(inactive(Activation::LeakyRelu, -0.1));
        assert!(!inactive(Activation::Sigmoid, 0.0));
        assert!(inactive(Activation::Sigmoid, 9.3));
        assert!(inactive(Activation::Tanh, -5.0));
        assert!(!inactive(Activation::Tanh, 0.5));
        // The thresholds that `inactivity` documents.
        for (act, off, on) in [
            (Activation::Elu, -4.7, -4.5),
            (Activation::Softplus, -4.7, -4.5),
            (Activation::Gelu, -3.1, -2.9),
            (Activation::Silu, -6.2, -6.0),
        ] {
            assert!(inactive(act, off) && !inactive(act, on), "{act}");
            assert!(!inactive(act, 1.0), "{act}");
        }
        assert!(inactive(Activation::Gelu, -0.7518));
        assert!(inactive(Activation::Silu, -1.2785));
        assert!(!inactive(Activation::Gelu, -0.5) && !inactive(Activation::Silu, -1.0));
    }

    #[test]
    fn metadata_covers_every_activation() {
        for act in Activation::ALL {
            assert!(!act.formula().is_empty() && !act.inactivity().is_empty());
            let (lo, hi) = act.histogram_range();
            assert!(lo < hi);
            // Every output the activation can produce at moderate z lies in the range or above.
            for i in -1000..=1000 {
                let a = act.eval(i as f32 / 100.0, 0.01).0;
                assert!(a >= lo - 1e-6, "{act}: {a} below {lo}");
            }
            let mut slopes = [0.0; 3];
            let (mut out, mut kept) = ([-0.5f32, 0.2, 3.0], [0.0; 3]);
            act.apply_keeping_slopes(&mut out, &mut kept, 0.01);
            act.slopes(&out, Some(&kept), &mut slopes, 0.01);
            for (s, z) in slopes.iter().zip([-0.5f32, 0.2, 3.0]) {
                assert_eq!(*s, act.derivative(z, 0.01), "{act}");
            }
        }
        assert_eq!(Activation::Gelu.formula(), "x·Φ(x)");
        assert_eq!(Activation::ALL.len(), 8);
        let keeping: Vec<_> = Activation::ALL
            .into_iter()
            .filter(|a| a.keeps_slopes())
            .collect();
        assert_eq!(keeping, [Activation::Gelu, Activation::Silu]);
    }

    #[test]
    fn kept_slopes_are_the_derivative_at_each_input() {
        // 203 values: the vectorized body of the loops and their scalar tail both run.
        let z: Vec<f32> = (-100..=100)
            .map(|i| i as f32 * 0.07)
            .chain([-1e30, 1e30])
            .collect();
        for act in Activation::ALL {
            let mut out = z.clone();
            let mut kept = vec![f32::NAN; z.len()];
            act.apply_keeping_slopes(&mut out, &mut kept, 0.01);
            let mut plain = z.clone();
            act.apply(&mut plain, 0.01);
            assert_eq!(out, plain, "{act}: outputs differ from apply's");
            for ((&z, &a), &d) in z.iter().zip(&out).zip(&kept) {
                assert_eq!((a, d), act.eval(z, 0.01), "{act} at z = {z}");
            }
            // The probe's slopes and backprop's factor are the kept ones, bit for bit.
            let mut slopes = vec![0.0; z.len()];
            act.slopes(&out, Some(&kept), &mut slopes, 0.01);
            assert_eq!(slopes, kept, "{act}");
        }
    }

    #[test]
    #[should_panic(expected = "kept by the forward pass")]
    fn gelu_backprop_without_kept_slopes_panics() {
        let mut g = [1.0f32];
        Activation::Gelu.backprop(&[0.3], None, &mut g, 0.01);
    }
}
