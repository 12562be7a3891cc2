//! The multilayer perceptron: dense layers, a hidden activation, softmax + cross-entropy.
//!
//! Everything works on whole mini-batches stored one sample per column. The buffers a batch needs
//! live in a [`Workspace`] allocated once for a maximum batch size; a batch of `n ≤ capacity`
//! samples uses the first `n` columns, so forward and backward passes never allocate. For GELU
//! and SiLU the forward pass also keeps each hidden unit's slope f′(z) there, which the backward
//! pass and the unit probe use instead of recomputing it; pre-activations z are kept only on
//! request, to be shown.

use crate::activation::Activation;
use crate::init::{InitScheme, init_uniform};
use crate::kernels::{Gemm, cols, cols_mut, cols_t};
use nalgebra::{DMatrix, DVector};
use rand::SeedableRng;
use rand::rngs::StdRng;

/// Number of classes (digits).
pub const CLASSES: usize = 10;
/// Pixels per MNIST image.
pub const INPUT: usize = 28 * 28;

/// One fully connected layer.
///
/// # Shapes
/// `weights`: outputs × inputs, `bias`: outputs. Output = weights · input + bias.
#[derive(Clone, Debug, PartialEq)]
pub struct Dense {
    pub weights: DMatrix<f32>,
    pub bias: DVector<f32>,
}

impl Dense {
    pub fn inputs(&self) -> usize {
        self.weights.ncols()
    }
    pub fn outputs(&self) -> usize {
        self.weights.nrows()
    }
}

/// A multilayer perceptron with one activation on every hidden layer and a softmax output.
#[derive(Clone, Debug, PartialEq)]
pub struct Mlp {
    pub layers: Vec<Dense>,
    pub activation: Activation,
    pub leaky_slope: f32,
}

impl Mlp {
    /// Builds `inputs → hidden… → outputs`, weights drawn from `seed` and scaled by `scheme`.
    ///
    /// The random draws depend only on the seed and the layer sizes, never on the activation or
    /// the scheme: two lanes with the same seed start from the same underlying numbers.
    pub fn new(
        inputs: usize,
        hidden: &[usize],
        outputs: usize,
        activation: Activation,
        leaky_slope: f32,
        scheme: InitScheme,
        seed: u64,
    ) -> Mlp {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut sizes = Vec::with_capacity(hidden.len() + 2);
        sizes.push(inputs);
        sizes.extend_from_slice(hidden);
        sizes.push(outputs);
        let layers = sizes
            .windows(2)
            .map(|w| Dense {
                weights: init_uniform(&mut rng, w[1], w[0], scheme),
                bias: DVector::zeros(w[1]),
            })
            .collect();
        Mlp {
            layers,
            activation,
            leaky_slope,
        }
    }

    /// Layer widths from input to output, e.g. `[784, 128, 64, 10]`.
    pub fn sizes(&self) -> Vec<usize> {
        let mut s = vec![self.layers[0].inputs()];
        s.extend(self.layers.iter().map(Dense::outputs));
        s
    }

    /// Number of trainable parameters.
    pub fn parameter_count(&self) -> usize {
        self.layers
            .iter()
            .map(|l| l.weights.len() + l.bias.len())
            .sum()
    }

    /// Multiply-adds per sample of one training step (forward, weight gradients and the
    /// input gradients of every layer but the first, which nobody needs).
    pub fn training_macs_per_sample(&self) -> usize {
        let forward: usize = self.layers.iter().map(|l| l.weights.len()).sum();
        let input_grads: usize = self.layers.iter().skip(1).map(|l| l.weights.len()).sum();
        2 * forward + input_grads
    }

    /// Forward pass over the first `n` columns of `ws.input`.
    ///
    /// Afterwards `ws.outputs[l]` holds layer `l`'s activations (the logits for the last layer)
    /// and [`Workspace::probabilities`] the softmax of the logits. A workspace that keeps slopes
    /// (for GELU and SiLU, see [`Activation::keeps_slopes`]) also holds each hidden unit's
    /// f′(z) ([`Workspace::hidden_slopes`]), one that keeps pre-activations each hidden
    /// layer's z ([`Workspace::hidden_pre_activations`]).
    pub fn forward(&self, ws: &mut Workspace, n: usize) {
        assert!(n <= ws.capacity, "batch of {n} exceeds workspace capacity");
        assert!(
            !self.activation.keeps_slopes() || ws.keeps_slopes(),
            "{} needs a workspace that keeps slopes",
            self.activation
        );
        let last = self.layers.len() - 1;
        for (l, layer) in self.layers.iter().enumerate() {
            let (before, after) = ws.outputs.split_at_mut(l);
            let input = if l == 0 {
                cols(&ws.input, n)
            } else {
                cols(&before[l - 1], n)
            };
            let out = &mut after[0];
            ws.gemm.gemm(
                &mut cols_mut(out, n),
                1.0,
                &cols(&layer.weights, layer.inputs()),
                &input,
                0.0,
            );
            let rows = layer.outputs();
            let bias = layer.bias.as_slice();
            let mut pre = ws
                .pre_activations
                .get_mut(l)
                .map(|p| p.as_mut_slice()[..rows * n].chunks_exact_mut(rows));
            let mut slopes = ws
                .slopes
                .get_mut(l)
                .map(|d| d.as_mut_slice()[..rows * n].chunks_exact_mut(rows));
            for column in out.as_mut_slice()[..rows * n].chunks_exact_mut(rows) {
                column.iter_mut().zip(bias).for_each(|(v, b)| *v += b);
                if l < last {
                    if let Some(z) = pre.as_mut().and_then(Iterator::next) {
                        z.copy_from_slice(column);
                    }
                    match slopes.as_mut().and_then(Iterator::next) {
                        Some(d) => {
                            self.activation
                                .apply_keeping_slopes(column, d, self.leaky_slope)
                        }
                        None => self.activation.apply(column, self.leaky_slope),
                    }
                }
            }
        }
        // Softmax of each column of logits, stably: p = exp(z − lse(z)), where
        // lse(z) = max + ln Σ exp(z − max) is kept for the loss.
        let logits = &ws.outputs[last].as_slice()[..CLASSES * n];
        let probs = &mut ws.probs.as_mut_slice()[..CLASSES * n];
        for ((z, p), lse) in logits
            .chunks_exact(CLASSES)
            .zip(probs.chunks_exact_mut(CLASSES))
            .zip(&mut ws.log_norm[..n])
        {
            let max = z.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let mut sum = 0.0;
            for (pk, &zk) in p.iter_mut().zip(z) {
                *pk = (zk - max).exp();
                sum += *pk;
            }
            let inv = 1.0 / sum;
            p.iter_mut().for_each(|v| *v *= inv);
            *lse = max + sum.ln();
        }
    }

    /// Mean cross-entropy of the last forward pass against `labels` (one per column), from the
    /// logits by log-sum-exp: −ln p_y = lse(z) − z_y. Exact for any finite logits; infinite or
    /// NaN logits give a non-finite loss, which is how divergence is detected.
    pub fn loss(&self, ws: &Workspace, labels: &[u8]) -> f32 {
        let n = labels.len();
        let logits = &ws.outputs[self.layers.len() - 1].as_slice()[..CLASSES * n];
        let total: f64 = logits
            .chunks_exact(CLASSES)
            .zip(&ws.log_norm[..n])
            .zip(labels)
            .map(|((z, &lse), &y)| (lse - z[y as usize]) as f64)
            .sum();
        (total / n as f64) as f32
    }

    /// Backward pass for the last forward pass of `labels.len()` samples: fills `grads` with the
    /// gradient of the mean cross-entropy. Returns that loss.
    pub fn backward(&self, ws: &mut Workspace, grads: &mut Gradients, labels: &[u8]) -> f32 {
        let n = labels.len();
        let last = self.layers.len() - 1;
        let loss = self.loss(ws, labels);
        // ∂loss/∂logits = (softmax − one-hot) / n.
        {
            let inv_n = 1.0 / n as f32;
            let probs = &ws.probs.as_slice()[..CLASSES * n];
            let delta = &mut ws.deltas[last].as_mut_slice()[..CLASSES * n];
            for ((d, p), &y) in delta
                .chunks_exact_mut(CLASSES)
                .zip(probs.chunks_exact(CLASSES))
                .zip(labels)
            {
                for (k, (dk, pk)) in d.iter_mut().zip(p).enumerate() {
                    *dk = (pk - if k == y as usize { 1.0 } else { 0.0 }) * inv_n;
                }
            }
        }
        for l in (0..=last).rev() {
            let layer = &self.layers[l];
            let rows = layer.outputs();
            let input = if l == 0 {
                &ws.input
            } else {
                &ws.outputs[l - 1]
            };
            // dW = δ · inputᵀ
            ws.gemm.gemm(
                &mut cols_mut(&mut grads.weights[l], layer.inputs()),
                1.0,
                &cols(&ws.deltas[l], n),
                &cols_t(input, n),
                0.0,
            );
            // db = Σ over the batch of δ
            let gb = grads.bias[l].as_mut_slice();
            gb.fill(0.0);
            for column in ws.deltas[l].as_slice()[..rows * n].chunks_exact(rows) {
                gb.iter_mut().zip(column).for_each(|(g, d)| *g += d);
            }
            if l > 0 {
                // δ_{l−1} = (Wᵀ · δ_l) ⊙ f′(a_{l−1})
                let (below, above) = ws.deltas.split_at_mut(l);
                ws.gemm.gemm(
                    &mut cols_mut(&mut below[l - 1], n),
                    1.0,
                    &cols_t(&layer.weights, layer.inputs()),
                    &cols(&above[0], n),
                    0.0,
                );
                let width = layer.inputs();
                self.activation.backprop(
                    &ws.outputs[l - 1].as_slice()[..width * n],
                    ws.slopes.get(l - 1).map(|d| &d.as_slice()[..width * n]),
                    &mut below[l - 1].as_mut_slice()[..width * n],
                    self.leaky_slope,
                );
            }
        }
        loss
    }

    /// Allocates gradient buffers shaped like this network.
    pub fn gradients(&self) -> Gradients {
        Gradients {
            weights: self
                .layers
                .iter()
                .map(|l| DMatrix::zeros(l.outputs(), l.inputs()))
                .collect(),
            bias: self
                .layers
                .iter()
                .map(|l| DVector::zeros(l.outputs()))
                .collect(),
        }
    }
}

/// Gradients with the shapes of an [`Mlp`]'s parameters.
#[derive(Clone, Debug)]
pub struct Gradients {
    pub weights: Vec<DMatrix<f32>>,
    pub bias: Vec<DVector<f32>>,
}

/// Per-batch buffers for a network, sized for at most `capacity` samples.
#[derive(Clone, Debug)]
pub struct Workspace {
    capacity: usize,
    /// Input pixels in [0, 1], one sample per column (`INPUT × capacity`).
    pub input: DMatrix<f32>,
    /// Each layer's outputs (activations; logits for the last layer).
    pub outputs: Vec<DMatrix<f32>>,
    /// Each hidden layer's pre-activations z, kept only in workspaces made by
    /// [`Workspace::with_pre_activations`] (to show them); empty otherwise.
    pre_activations: Vec<DMatrix<f32>>,
    /// Each hidden unit's f′(z), written by the forward pass where [`Activation::keeps_slopes`]
    /// (GELU and SiLU) for the backward pass and the probe. Empty for the other activations,
    /// whose f′ follows cheaply from the outputs, so that they pay nothing.
    slopes: Vec<DMatrix<f32>>,
    /// Softmax of the logits.
    probs: DMatrix<f32>,
    /// Per sample, ln Σ exp(logits): the softmax normaliser in log space.
    log_norm: Vec<f32>,
    deltas: Vec<DMatrix<f32>>,
    gemm: Gemm,
}

impl Workspace {
    /// Buffers for batches of up to `capacity` samples; slopes are kept only if the network's
    /// activation needs them ([`Activation::keeps_slopes`]), pre-activations not at all.
    pub fn new(net: &Mlp, capacity: usize) -> Workspace {
        Workspace::build(net, capacity, false)
    }

    /// Like [`Workspace::new`], but also keeping every hidden layer's pre-activations (to show
    /// them, e.g. the trace of one drawn digit).
    pub fn with_pre_activations(net: &Mlp, capacity: usize) -> Workspace {
        Workspace::build(net, capacity, true)
    }

    fn build(net: &Mlp, capacity: usize, keep_pre: bool) -> Workspace {
        let capacity = capacity.max(1);
        let hidden = &net.layers[..net.layers.len() - 1];
        let per_hidden_unit = |keep: bool| -> Vec<DMatrix<f32>> {
            if keep {
                hidden
                    .iter()
                    .map(|l| DMatrix::zeros(l.outputs(), capacity))
                    .collect()
            } else {
                Vec::new()
            }
        };
        Workspace {
            capacity,
            input: DMatrix::zeros(net.layers[0].inputs(), capacity),
            outputs: net
                .layers
                .iter()
                .map(|l| DMatrix::zeros(l.outputs(), capacity))
                .collect(),
            pre_activations: per_hidden_unit(keep_pre),
            slopes: per_hidden_unit(net.activation.keeps_slopes()),
            probs: DMatrix::zeros(CLASSES, capacity),
            log_norm: vec![0.0; capacity],
            deltas: net
                .layers
                .iter()
                .map(|l| DMatrix::zeros(l.outputs(), capacity))
                .collect(),
            gemm: Gemm::default(),
        }
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Writes byte images (0–255, `INPUT` bytes each) into the input columns as [0, 1] floats.
    /// Conversion happens here, per batch, so datasets stay in bytes.
    pub fn load_images<'a>(&mut self, images: impl Iterator<Item = &'a [u8]>) -> usize {
        let rows = self.input.nrows();
        let mut n = 0;
        for (column, image) in self.input.as_mut_slice().chunks_exact_mut(rows).zip(images) {
            const SCALE: f32 = 1.0 / 255.0;
            column
                .iter_mut()
                .zip(image)
                .for_each(|(x, &p)| *x = p as f32 * SCALE);
            n += 1;
        }
        n
    }

    /// The softmax probabilities of the first `n` samples, `CLASSES` per sample.
    pub fn probabilities(&self, n: usize) -> &[f32] {
        &self.probs.as_slice()[..CLASSES * n]
    }

    /// Hidden layer `l`'s activations of the first `n` samples, column by column.
    pub fn hidden_outputs(&self, l: usize, n: usize) -> &[f32] {
        let rows = self.outputs[l].nrows();
        &self.outputs[l].as_slice()[..rows * n]
    }

    /// Whether forward passes keep the hidden layers' pre-activations.
    pub fn keeps_pre_activations(&self) -> bool {
        !self.pre_activations.is_empty()
    }

    /// Hidden layer `l`'s pre-activations z of the first `n` samples, column by column, if this
    /// workspace keeps them.
    pub fn hidden_pre_activations(&self, l: usize, n: usize) -> Option<&[f32]> {
        first_columns(&self.pre_activations, l, n)
    }

    /// Whether forward passes keep the hidden units' slopes f′(z).
    pub fn keeps_slopes(&self) -> bool {
        !self.slopes.is_empty()
    }

    /// Hidden layer `l`'s slopes f′(z) of the first `n` samples, column by column, if this
    /// workspace keeps them.
    pub fn hidden_slopes(&self, l: usize, n: usize) -> Option<&[f32]> {
        first_columns(&self.slopes, l, n)
    }

    /// The logits of the first `n` samples, `CLASSES` per sample.
    pub fn logits(&self, n: usize) -> &[f32] {
        &self.outputs[self.outputs.len() - 1].as_slice()[..CLASSES * n]
    }
}

/// The first `n` columns of `layers[l]`, if there is such a layer.
fn first_columns(layers: &[DMatrix<f32>], l: usize, n: usize) -> Option<&[f32]> {
    layers.get(l).map(|m| &m.as_slice()[..m.nrows() * n])
}

/// A network's parameters as plain vectors, input side first: `weights[l]` is layer l's
/// outputs × inputs matrix in column-major order (TensorFlow's inputs × outputs kernel,
/// row-major). Used to start another framework from the very same point.
#[derive(Clone, Debug, PartialEq)]
pub struct ParameterSnapshot {
    pub layer_sizes: Vec<usize>,
    pub weights: Vec<Vec<f32>>,
    pub biases: Vec<Vec<f32>>,
}

impl Mlp {
    /// A copy of every parameter.
    pub fn snapshot(&self) -> ParameterSnapshot {
        ParameterSnapshot {
            layer_sizes: self.sizes(),
            weights: self
                .layers
                .iter()
                .map(|l| l.weights.as_slice().to_vec())
                .collect(),
            biases: self
                .layers
                .iter()
                .map(|l| l.bias.as_slice().to_vec())
                .collect(),
        }
    }
}

/// Index of the largest of `CLASSES` probabilities.
pub fn argmax(p: &[f32]) -> usize {
    let mut best = 0;
    for (i, &v) in p.iter().enumerate() {
        if v > p[best] {
            best = i;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny(act: Activation, seed: u64) -> Mlp {
        Mlp::new(6, &[5, 4], CLASSES, act, 0.01, InitScheme::Glorot, seed)
    }

    /// Biases start, start + step, start + 2·step, … in every layer.
    fn spread_biases(net: &mut Mlp, start: f32, step: f32) {
        for layer in &mut net.layers {
            for (i, b) in layer.bias.iter_mut().enumerate() {
                *b = step * i as f32 + start;
            }
        }
    }

    fn fill_input(ws: &mut Workspace, n: usize, seed: u64) {
        let mut s = seed;
        for v in ws.input.as_mut_slice()[..6 * n].iter_mut() {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1);
            *v = (s >> 40) as f32 / (1u64 << 24) as f32;
        }
    }

    /// Loss of the network on the workspace's current input, in f64 for the finite differences.
    fn loss_of(net: &Mlp, ws: &mut Workspace, labels: &[u8]) -> f64 {
        net.forward(ws, labels.len());
        net.loss(ws, labels) as f64
    }

    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn gradients_match_finite_differences_for_every_activation() {
        let labels = [3u8, 7, 0, 9, 3];
        for act in Activation::ALL {
            let mut net = tiny(act, 11);
            // Non-zero biases so that every code path (and ReLU kinks away from 0) is exercised.
            spread_biases(&mut net, -0.1, 0.05);
            let mut ws = Workspace::new(&net, 8);
            fill_input(&mut ws, labels.len(), 5);
            let mut grads = net.gradients();
            net.forward(&mut ws, labels.len());
            net.backward(&mut ws, &mut grads, &labels);

            // Central difference of the loss in one parameter, picked by `param`.
            let h = 1e-2f32;
            let mut numeric = |net: &mut Mlp, param: &dyn Fn(&mut Mlp) -> &mut f32| {
                let orig = *param(net);
                *param(net) = orig + h;
                let up = loss_of(net, &mut ws, &labels);
                *param(net) = orig - h;
                let down = loss_of(net, &mut ws, &labels);
                *param(net) = orig;
                (up - down) / (2.0 * h as f64)
            };
            let mut checked = 0;
            for l in 0..net.layers.len() {
                let weights = net.layers[l].weights.len();
                let biases = net.layers[l].bias.len();
                for (idx, is_bias) in (0..weights)
                    .map(|i| (i, false))
                    .chain((0..biases).map(|i| (i, true)))
                {
                    let (n, analytic) = if is_bias {
                        (
                            numeric(&mut net, &|m: &mut Mlp| &mut m.layers[l].bias[idx]),
                            grads.bias[l][idx],
                        )
                    } else {
                        (
                            numeric(&mut net, &|m: &mut Mlp| &mut m.layers[l].weights[idx]),
                            grads.weights[l][idx],
                        )
                    };
                    let analytic = analytic as f64;
                    // The tolerance covers f32 rounding; with this seed no ReLU pre-activation
                    // sits within h of its kink, where a central difference would be wrong.
                    assert!(
                        (n - analytic).abs() < 2e-3 + 2e-2 * analytic.abs(),
                        "{act}: layer {l} {} {idx}: numeric {n} analytic {analytic}",
                        if is_bias { "bias" } else { "weight" }
                    );
                    checked += !is_bias as usize;
                }
            }
            assert_eq!(checked, 6 * 5 + 5 * 4 + 4 * 10);
        }
    }

    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn loss_gradient_matches_finite_difference_on_logits() {
        // A network with no hidden layer: the logits are W·x + b, so ∂loss/∂b is ∂loss/∂logits.
        let mut net = Mlp::new(
            3,
            &[],
            CLASSES,
            Activation::Relu,
            0.01,
            InitScheme::Glorot,
            1,
        );
        let labels = [4u8];
        let mut ws = Workspace::new(&net, 1);
        ws.input.as_mut_slice()[..3].copy_from_slice(&[0.2, -0.4, 0.9]);
        let mut grads = net.gradients();
        net.forward(&mut ws, 1);
        net.backward(&mut ws, &mut grads, &labels);
        for k in 0..CLASSES {
            let h = 1e-3f32;
            let orig = net.layers[0].bias[k];
            net.layers[0].bias[k] = orig + h;
            let up = loss_of(&net, &mut ws, &labels);
            net.layers[0].bias[k] = orig - h;
            let down = loss_of(&net, &mut ws, &labels);
            net.layers[0].bias[k] = orig;
            let numeric = (up - down) / (2.0 * h as f64);
            assert!((numeric - grads.bias[0][k] as f64).abs() < 1e-3);
        }
    }

    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn softmax_survives_huge_logits() {
        let mut net = Mlp::new(
            1,
            &[],
            CLASSES,
            Activation::Relu,
            0.01,
            InitScheme::Glorot,
            1,
        );
        net.layers[0].weights.fill(0.0);
        for (k, b) in net.layers[0].bias.iter_mut().enumerate() {
            *b = if k == 2 {
                1e30
            } else if k == 5 {
                9.0e29
            } else {
                -1e30
            };
        }
        let mut ws = Workspace::new(&net, 2);
        net.forward(&mut ws, 2);
        let p = ws.probabilities(2);
        assert!(p.iter().all(|v| v.is_finite()));
        assert_eq!(p[2], 1.0);
        assert_eq!(argmax(&p[..CLASSES]), 2);
        // Correct and certain: zero loss. Certain and wrong: the logit gap, exactly.
        assert_eq!(net.loss(&ws, &[2, 2]), 0.0);
        let wrong = net.loss(&ws, &[5, 5]);
        assert!((wrong - 1e29).abs() < 1e23, "{wrong}");
        let hopeless = net.loss(&ws, &[0, 0]);
        assert!((hopeless - 2e30).abs() < 1e24, "{hopeless}");
        let mut grads = net.gradients();
        net.backward(&mut ws, &mut grads, &[5, 5]);
        assert!(grads.bias[0].iter().all(|g| g.is_finite()));
    }

    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn softmax_of_equal_logits_is_uniform() {
        let net = Mlp::new(
            4,
            &[3],
            CLASSES,
            Activation::Sigmoid,
            0.01,
            InitScheme::Glorot,
            1,
        );
        let mut net = net;
        net.layers[1].weights.fill(0.0);
        let mut ws = Workspace::new(&net, 1);
        net.forward(&mut ws, 1);
        for &p in ws.probabilities(1) {
            assert!((p - 0.1).abs() < 1e-7);
        }
        assert!((net.loss(&ws, &[0]) - 10f32.ln()).abs() < 1e-6);
    }

    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn same_seed_same_draws_whatever_the_activation() {
        let a = Mlp::new(
            20,
            &[7],
            CLASSES,
            Activation::Sigmoid,
            0.01,
            InitScheme::Glorot,
            9,
        );
        let b = Mlp::new(
            20,
            &[7],
            CLASSES,
            Activation::Relu,
            0.01,
            InitScheme::Glorot,
            9,
        );
        let c = Mlp::new(20, &[7], CLASSES, Activation::Relu, 0.01, InitScheme::He, 9);
        assert_eq!(a.layers, b.layers);
        // He is Glorot's draws with another scale.
        let ratio = c.layers[0].weights[(3, 4)] / a.layers[0].weights[(3, 4)];
        let expected = (6.0f32 / 20.0).sqrt() / (6.0f32 / 27.0).sqrt();
        assert!((ratio - expected).abs() < 1e-5);
    }

    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn counts() {
        let net = Mlp::new(
            INPUT,
            &[128, 64],
            CLASSES,
            Activation::Relu,
            0.01,
            InitScheme::He,
            1,
        );
        assert_eq!(net.sizes(), vec![784, 128, 64, 10]);
        assert_eq!(
            net.parameter_count(),
            784 * 128 + 128 + 128 * 64 + 64 + 64 * 10 + 10
        );
        assert_eq!(
            net.training_macs_per_sample(),
            2 * (100_352 + 8_192 + 640) + 8_192 + 640
        );
    }

    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn slopes_are_kept_only_where_needed_and_pre_activations_only_on_request() {
        for act in Activation::ALL {
            let net = tiny(act, 3);
            let ws = Workspace::new(&net, 4);
            assert!(!ws.keeps_pre_activations(), "{act}");
            assert_eq!(ws.keeps_slopes(), act.keeps_slopes(), "{act}");
            let ws = Workspace::with_pre_activations(&net, 1);
            assert!(ws.keeps_pre_activations(), "{act}");
            assert_eq!(ws.keeps_slopes(), act.keeps_slopes(), "{act}");
        }
        let net = tiny(Activation::Relu, 3);
        let mut ws = Workspace::with_pre_activations(&net, 4);
        fill_input(&mut ws, 3, 1);
        net.forward(&mut ws, 3);
        // Outputs are f(z) of the kept z, and z = W·x + b.
        for l in 0..2 {
            let z = ws.hidden_pre_activations(l, 3).unwrap();
            let a = ws.hidden_outputs(l, 3);
            assert!(z.iter().zip(a).all(|(&z, &a)| a == z.max(0.0)));
        }
        let z0 = ws.hidden_pre_activations(0, 1).unwrap()[2];
        let x = &ws.input.as_slice()[..6];
        let by_hand: f32 = (0..6)
            .map(|i| net.layers[0].weights[(2, i)] * x[i])
            .sum::<f32>()
            + net.layers[0].bias[2];
        assert!((z0 - by_hand).abs() < 1e-6);
        assert_eq!(ws.logits(1).len(), CLASSES);
    }

    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn kept_slopes_are_the_derivative_at_the_kept_pre_activations() {
        let labels = [3u8, 7, 0, 9, 3];
        for act in [Activation::Gelu, Activation::Silu] {
            let mut net = tiny(act, 5);
            // Biases spread over both sides of the dip (GELU's f′ = 0 near z = −0.75, SiLU's near
            // −1.28), where an output alone cannot tell which slope is right.
            spread_biases(&mut net, -1.8, 0.6);
            let mut both = Workspace::with_pre_activations(&net, 8);
            fill_input(&mut both, labels.len(), 2);
            net.forward(&mut both, labels.len());
            for l in 0..2 {
                let z = both.hidden_pre_activations(l, labels.len()).unwrap();
                let a = both.hidden_outputs(l, labels.len());
                let d = both.hidden_slopes(l, labels.len()).unwrap();
                assert_eq!(d.len(), z.len());
                for ((&z, &a), &d) in z.iter().zip(a).zip(d) {
                    assert_eq!((a, d), act.eval(z, 0.01), "{act}: layer {l}, z = {z}");
                }
            }
            // Keeping z as well changes nothing in training: the same gradients, bit for bit.
            let mut only_slopes = Workspace::new(&net, 8);
            only_slopes.input.copy_from(&both.input);
            net.forward(&mut only_slopes, labels.len());
            let (mut g1, mut g2) = (net.gradients(), net.gradients());
            let loss1 = net.backward(&mut both, &mut g1, &labels);
            let loss2 = net.backward(&mut only_slopes, &mut g2, &labels);
            assert_eq!(loss1, loss2, "{act}");
            assert_eq!(g1.weights, g2.weights, "{act}");
            assert_eq!(g1.bias, g2.bias, "{act}");
        }
    }

    #[test]
    #[should_panic(expected = "needs a workspace that keeps slopes")]
    fn gelu_refuses_a_workspace_without_slopes() {
        let relu = tiny(Activation::Relu, 1);
        let mut ws = Workspace::new(&relu, 2);
        let gelu = tiny(Activation::Gelu, 1);
        gelu.forward(&mut ws, 2);
    }
}
