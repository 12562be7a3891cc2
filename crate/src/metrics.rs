//! Evaluation: loss, accuracy, confusion matrix, per-image predictions, and the probe of the
//! hidden units (dead/saturated units, output statistics, slopes; see [`crate::report`]).

use crate::activation::INACTIVE_SLOPE_SHARE;
use crate::mnist::Subset;
use crate::network::{CLASSES, Mlp, Workspace, argmax};
use crate::report::Histogram;

/// Images per forward pass when evaluating (larger batches make faster matrix products).
pub const EVAL_BATCH: usize = 500;

/// Results of running a network over a set of images.
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation {
    pub images: usize,
    /// Mean cross-entropy.
    pub loss: f32,
    /// Fraction classified correctly, in [0, 1].
    pub accuracy: f32,
    /// `confusion[true][predicted]` counts, when requested.
    pub confusion: Option<[[u32; CLASSES]; CLASSES]>,
    /// Unit activity on the first evaluation batch, when requested.
    pub probe: Option<Probe>,
    /// Each image's predicted class and quantised confidence, when requested.
    pub predictions: Option<Predictions>,
}

/// Per image of an evaluated set, in order: the predicted class and round(255·p) of its
/// probability.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Predictions {
    pub predicted: Vec<u8>,
    pub confidence: Vec<u8>,
}

/// The hidden units on a fixed batch of images, per hidden layer (input side first). The
/// fields the reports carry are documented in [`crate::report`].
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Probe {
    /// Images in the probe batch.
    pub images: usize,
    /// Fraction of units inactive on every probe image (a dead ReLU; a Sigmoid/Tanh unit stuck in
    /// saturation); "inactive" as [`crate::Activation::inactivity`] says.
    pub dead_fraction: Vec<f32>,
    /// Fraction of (unit, image) pairs where the unit is inactive.
    pub saturated_fraction: Vec<f32>,
    pub activation_mean: Vec<f32>,
    pub activation_std: Vec<f32>,
    pub activation_histogram: Vec<Histogram>,
    pub mean_abs_slope: Vec<f32>,
    pub signal_share: Vec<f32>,
    pub sparsity: Vec<f32>,
    /// Per hidden layer and unit: inactive on every probe image (what `dead_fraction` counts).
    pub dead_units: Vec<Vec<bool>>,
}

/// Evaluates `net` on `set`, using `ws` (any capacity) for the forward passes.
///
/// `probe` measures unit activity on the first `min(ws.capacity(), set.len)` images, which are
/// the same images every time for a given set: a fixed probe batch.
pub fn evaluate(
    net: &Mlp,
    ws: &mut Workspace,
    set: Subset<'_>,
    confusion: bool,
    probe: bool,
) -> Evaluation {
    let mut e = Evaluator::new(set.len, confusion, probe);
    while !e.is_done() {
        e.step(net, ws, set);
    }
    e.finish()
}

/// An evaluation in progress, advanced one batch at a time so that a worker can interleave it
/// with other work. The result does not depend on how the steps were spread out.
#[derive(Clone, Debug)]
pub struct Evaluator {
    len: usize,
    next: usize,
    loss_sum: f64,
    correct: usize,
    matrix: [[u32; CLASSES]; CLASSES],
    confusion: bool,
    probe: bool,
    probe_result: Option<Probe>,
    predictions: Option<Predictions>,
}

impl Evaluator {
    /// An evaluation of a set of `len` images.
    pub fn new(len: usize, confusion: bool, probe: bool) -> Evaluator {
        Evaluator {
            len,
            next: 0,
            loss_sum: 0.0,
            correct: 0,
            matrix: [[0; CLASSES]; CLASSES],
            confusion,
            probe,
            probe_result: None,
            predictions: None,
        }
    }

    /// Also records each image's prediction ([`Evaluation::predictions`]).
    pub fn with_predictions(mut self) -> Evaluator {
        self.predictions = Some(Predictions {
            predicted: Vec::with_capacity(self.len),
            confidence: Vec::with_capacity(self.len),
        });
        self
    }

    pub fn is_done(&self) -> bool {
        self.next >= self.len
    }

    /// Evaluates the next `ws.capacity()` images of `set` (which must have the length given to
    /// [`Evaluator::new`]).
    pub fn step(&mut self, net: &Mlp, ws: &mut Workspace, set: Subset<'_>) {
        debug_assert_eq!(set.len, self.len);
        let start = self.next;
        let n = ws.capacity().min(self.len - start);
        if n == 0 {
            return;
        }
        ws.load_images((start..start + n).map(|i| set.image(i)));
        net.forward(ws, n);
        let labels = &set.labels()[start..start + n];
        self.loss_sum += net.loss(ws, labels) as f64 * n as f64;
        for (p, &y) in ws.probabilities(n).chunks_exact(CLASSES).zip(labels) {
            let guess = argmax(p);
            self.correct += (guess == y as usize) as usize;
            self.matrix[y as usize][guess] += 1;
            if let Some(r) = &mut self.predictions {
                r.predicted.push(guess as u8);
                r.confidence.push(quantise(p[guess]));
            }
        }
        if self.probe && start == 0 {
            self.probe_result = Some(probe_units(net, ws, n));
        }
        self.next += n;
    }

    pub fn finish(self) -> Evaluation {
        let images = self.len.max(1);
        Evaluation {
            images: self.len,
            loss: (self.loss_sum / images as f64) as f32,
            accuracy: self.correct as f32 / images as f32,
            confusion: self.confusion.then_some(self.matrix),
            probe: self.probe_result,
            predictions: self.predictions,
        }
    }
}

/// round(255·p) for a probability p (NaN gives 0).
pub fn quantise(p: f32) -> u8 {
    (p.clamp(0.0, 1.0) * 255.0).round() as u8
}

/// The hidden units over the first `n` samples of the last forward pass of `ws`: activity,
/// output statistics and slopes of each hidden layer.
///
/// The slopes f′ are the ones the forward pass kept where the activation keeps them (GELU and
/// SiLU: recomputing them would cost an exponential per value, see
/// [`crate::Activation::keeps_slopes`]), and computed from the outputs otherwise.
pub fn probe_units(net: &Mlp, ws: &Workspace, n: usize) -> Probe {
    let hidden = net.layers.len() - 1;
    let act = net.activation;
    let slope = net.leaky_slope;
    let mut p = Probe {
        images: n,
        ..Probe::default()
    };
    // Scratch for the slopes computed from the outputs; none when the workspace has them.
    let widest = net.layers[..hidden].iter().map(|l| l.outputs()).max();
    let scratch_len = if ws.keeps_slopes() {
        0
    } else {
        widest.unwrap_or(0) * n
    };
    let mut scratch = vec![0.0f32; scratch_len];
    let relu_family = act.is_relu_family();
    let threshold = INACTIVE_SLOPE_SHARE * act.max_slope();
    for l in 0..hidden {
        let width = net.layers[l].outputs();
        let outputs = ws.hidden_outputs(l, n);
        let slopes: &[f32] = match ws.hidden_slopes(l, n) {
            Some(kept) => kept,
            None => {
                let slopes = &mut scratch[..width * n];
                act.slopes(outputs, None, slopes, slope);
                slopes
            }
        };
        let (lo, hi) = act.histogram_range();
        let mut histogram = Histogram::new(lo, hi, Histogram::BINS);
        histogram.add_all(outputs);
        let (sum, sum_sq, abs_slope) = moments(outputs, slopes, width);
        let zeros: u64 = outputs.iter().map(|&a| (a == 0.0) as u64).sum();
        // Per unit, the images on which it is inactive (two loops rather than a test per
        // value, so that each vectorizes).
        let mut inactive = vec![0u32; width];
        for (column, d) in outputs.chunks_exact(width).zip(slopes.chunks_exact(width)) {
            if relu_family {
                for (count, &a) in inactive.iter_mut().zip(column) {
                    *count += (a <= 0.0) as u32;
                }
            } else {
                for (count, &d) in inactive.iter_mut().zip(d) {
                    *count += (d.abs() < threshold) as u32;
                }
            }
        }
        let mut total_inactive = 0u64;
        let values = (width * n).max(1) as f64;
        let mean = sum / values;
        let mut dead = 0;
        let units: Vec<bool> = inactive
            .iter()
            .map(|&c| {
                total_inactive += c as u64;
                let d = n > 0 && c as usize == n;
                dead += d as usize;
                d
            })
            .collect();
        p.dead_fraction.push(dead as f32 / width as f32);
        p.saturated_fraction
            .push((total_inactive as f64 / values) as f32);
        p.activation_mean.push(mean as f32);
        p.activation_std
            .push((sum_sq / values - mean * mean).max(0.0).sqrt() as f32);
        p.activation_histogram.push(histogram);
        p.mean_abs_slope.push((abs_slope / values) as f32);
        p.sparsity.push((zeros as f64 / values) as f32);
        p.dead_units.push(units);
    }
    p.signal_share = signal_share(&p.mean_abs_slope);
    p
}

/// (Σ a, Σ a², Σ |d|) over the values `a` and `slopes` of a layer, `width` per image.
///
/// Each image's sums in f32 with eight independent partial sums, so that the loop vectorizes (a
/// single accumulator is a chain of dependent adds: it made the probe several times slower),
/// added up in f64 over the images.
fn moments(a: &[f32], slopes: &[f32], width: usize) -> (f64, f64, f64) {
    const LANES: usize = 8;
    let (mut sum, mut sum_sq, mut abs_slope) = (0.0f64, 0.0f64, 0.0f64);
    for (a, d) in a.chunks_exact(width).zip(slopes.chunks_exact(width)) {
        let (mut s, mut s2, mut sa) = ([0.0f32; LANES], [0.0f32; LANES], [0.0f32; LANES]);
        for (a, d) in a.chunks_exact(LANES).zip(d.chunks_exact(LANES)) {
            for k in 0..LANES {
                s[k] += a[k];
                s2[k] += a[k] * a[k];
                sa[k] += d[k].abs();
            }
        }
        let tail = width - width % LANES;
        for (&a, &d) in a[tail..].iter().zip(&d[tail..]) {
            s[0] += a;
            s2[0] += a * a;
            sa[0] += d.abs();
        }
        sum += s.iter().sum::<f32>() as f64;
        sum_sq += s2.iter().sum::<f32>() as f64;
        abs_slope += sa.iter().sum::<f32>() as f64;
    }
    (sum, sum_sq, abs_slope)
}

/// Entry l: the product of `mean_abs_slope[l..]` (see [`crate::report`]).
pub fn signal_share(mean_abs_slope: &[f32]) -> Vec<f32> {
    let mut share = vec![0.0; mean_abs_slope.len()];
    let mut product = 1.0f64;
    for (s, &m) in share.iter_mut().zip(mean_abs_slope).rev() {
        product *= m as f64;
        *s = product as f32;
    }
    share
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::Activation;
    use crate::init::InitScheme;
    use crate::mnist::Dataset;

    fn dataset(n: usize) -> Dataset {
        let pixels = (0..n * 784).map(|i| (i * 37 % 251) as u8).collect();
        let labels = (0..n).map(|i| (i % 10) as u8).collect();
        Dataset::new("synthetic", pixels, labels).unwrap()
    }

    #[test]
    fn confusion_rows_sum_to_class_counts_and_batches_do_not_matter() {
        let data = dataset(23);
        let set = Subset {
            data: &data,
            start: 0,
            len: 23,
        };
        let net = Mlp::new(
            784,
            &[16],
            10,
            Activation::Tanh,
            0.01,
            InitScheme::Glorot,
            4,
        );
        let big = evaluate(&net, &mut Workspace::new(&net, 100), set, true, false);
        let small = evaluate(&net, &mut Workspace::new(&net, 4), set, true, false);
        assert_eq!(big.confusion, small.confusion);
        assert!((big.loss - small.loss).abs() < 1e-5);
        let m = big.confusion.unwrap();
        let total: u32 = m.iter().flatten().sum();
        assert_eq!(total, 23);
        for (digit, row) in m.iter().enumerate() {
            let expected = (0..23).filter(|i| i % 10 == digit).count() as u32;
            assert_eq!(row.iter().sum::<u32>(), expected);
        }
        let diag: u32 = (0..10).map(|k| m[k][k]).sum();
        assert!((big.accuracy - diag as f32 / 23.0).abs() < 1e-6);
    }

    #[test]
    fn probe_finds_dead_relu_units_and_saturated_sigmoids() {
        let data = dataset(8);
        let set = Subset {
            data: &data,
            start: 0,
            len: 8,
        };
        let mut net = Mlp::new(784, &[4], 10, Activation::Relu, 0.01, InitScheme::He, 4);
        // Unit 0 always off (large negative bias), unit 1 always on, others as drawn.
        net.layers[0].weights.row_mut(0).fill(0.0);
        net.layers[0].bias[0] = -1.0;
        net.layers[0].weights.row_mut(1).fill(0.0);
        net.layers[0].bias[1] = 1.0;
        let e = evaluate(&net, &mut Workspace::new(&net, 8), set, false, true);
        let p = e.probe.unwrap();
        assert_eq!(p.images, 8);
        assert!(p.dead_fraction[0] >= 0.25 && p.dead_fraction[0] <= 0.75);

        net.activation = Activation::Sigmoid;
        net.layers[0].weights.fill(0.0);
        net.layers[0].bias.copy_from_slice(&[50.0, -50.0, 0.0, 0.0]);
        let p = evaluate(&net, &mut Workspace::new(&net, 8), set, false, true)
            .probe
            .unwrap();
        assert_eq!(p.dead_fraction, vec![0.5]);
        assert_eq!(p.saturated_fraction, vec![0.5]);
    }

    /// A network whose hidden outputs do not depend on the image: zero weights, chosen biases.
    fn constant_net(act: Activation, biases: &[&[f32]]) -> Mlp {
        let widths: Vec<usize> = biases.iter().map(|b| b.len()).collect();
        let mut net = Mlp::new(784, &widths, 10, act, 0.01, InitScheme::Glorot, 4);
        for (layer, b) in net.layers.iter_mut().zip(biases) {
            layer.weights.fill(0.0);
            layer.bias.copy_from_slice(b);
        }
        net
    }

    fn probe_of(net: &Mlp, images: usize) -> Probe {
        let data = dataset(images);
        let set = Subset {
            data: &data,
            start: 0,
            len: images,
        };
        evaluate(net, &mut Workspace::new(net, 500), set, false, true)
            .probe
            .unwrap()
    }

    #[test]
    fn probe_statistics_of_a_relu_layer_are_the_hand_computed_ones() {
        // Outputs 0, 0.5, 2 and 5 on every one of 8 images.
        let p = probe_of(
            &constant_net(Activation::Relu, &[&[-1.0, 0.5, 2.0, 5.0]]),
            8,
        );
        assert!((p.activation_mean[0] - 1.875).abs() < 1e-6);
        // √(mean of squares − mean²) = √(29.25/4 − 1.875²)
        assert!((p.activation_std[0] - 3.796_875f32.sqrt()).abs() < 1e-6);
        let h = &p.activation_histogram[0];
        assert_eq!((h.lo, h.hi, h.counts.len()), (-1.0, 4.0, Histogram::BINS));
        // Bins of 0.125 from −1: 0 → bin 8, 0.5 → bin 12, 2 → bin 24, 5 above the range.
        let mut expected = vec![0; Histogram::BINS];
        expected[8] = 8;
        expected[12] = 8;
        expected[24] = 8;
        assert_eq!(h.counts, expected);
        assert_eq!((h.below, h.above), (0, 8));
        assert_eq!(p.sparsity, vec![0.25]);
        assert_eq!(p.mean_abs_slope, vec![0.75]);
        assert_eq!(p.signal_share, vec![0.75]);
        assert_eq!(p.dead_fraction, vec![0.25]);
        assert_eq!(p.saturated_fraction, vec![0.25]);
        assert_eq!(p.dead_units, vec![vec![true, false, false, false]]);
    }

    #[test]
    fn probe_statistics_of_sigmoid_layers_and_the_signal_share() {
        // Layer 1 outputs σ(0) = 0.5 and σ(1); layer 2 (zero weights) σ(0) = 0.5 twice.
        let p = probe_of(
            &constant_net(Activation::Sigmoid, &[&[0.0, 1.0], &[0.0, 0.0]]),
            5,
        );
        let s1 = 1.0 / (1.0 + (-1.0f64).exp());
        assert!((p.activation_mean[0] as f64 - (0.5 + s1) / 2.0).abs() < 1e-6);
        assert!((p.activation_std[0] as f64 - (s1 - 0.5) / 2.0).abs() < 1e-6);
        assert_eq!((p.activation_mean[1], p.activation_std[1]), (0.5, 0.0));
        let h = &p.activation_histogram[0];
        assert_eq!((h.lo, h.hi), (0.0, 1.0));
        // Bins of 0.025: 0.5 → bin 20, σ(1) = 0.731 → bin 29.
        assert_eq!((h.counts[20], h.counts[29], h.total()), (5, 5, 10));
        let slope1 = (0.25 + s1 * (1.0 - s1)) / 2.0;
        assert!((p.mean_abs_slope[0] as f64 - slope1).abs() < 1e-6);
        assert_eq!(p.mean_abs_slope[1], 0.25);
        // Layer 1 receives the product of both layers' slopes, the top layer its own.
        assert!((p.signal_share[0] as f64 - slope1 * 0.25).abs() < 1e-6);
        assert_eq!(p.signal_share[1], 0.25);
        assert_eq!(p.sparsity, vec![0.0, 0.0]);
        assert_eq!(p.dead_fraction, vec![0.0, 0.0]);
    }

    #[test]
    fn probe_slopes_of_gelu_come_from_the_pre_activations() {
        // GELU(−0.7518) ≈ −0.17 at its minimum, where f′ = 0; GELU(2) with f′ ≈ 1.085.
        let p = probe_of(&constant_net(Activation::Gelu, &[&[-0.7518, 2.0]]), 3);
        let (_, d) = Activation::Gelu.eval(2.0, 0.01);
        assert!((p.mean_abs_slope[0] - d / 2.0).abs() < 1e-4, "{p:?}");
        // The unit at f′ = 0 passes no gradient on every image: dead by the 1% rule.
        assert_eq!(p.dead_units, vec![vec![true, false]]);
        assert_eq!(p.activation_histogram[0].counts[6], 3);
    }

    #[test]
    fn probe_slopes_of_gelu_and_silu_are_f_prime_at_each_layers_pre_activations() {
        // Both sides of each dip, in two layers of different widths.
        let biases: [&[f32]; 2] = [&[-3.0, -0.5, 1.5], &[-1.0, 0.7]];
        for act in [Activation::Gelu, Activation::Silu] {
            let p = probe_of(&constant_net(act, &biases), 4);
            for (l, z) in biases.iter().enumerate() {
                let expected = z
                    .iter()
                    .map(|&z| act.derivative(z, 0.01).abs())
                    .sum::<f32>()
                    / z.len() as f32;
                assert!(
                    (p.mean_abs_slope[l] - expected).abs() < 1e-6,
                    "{act} layer {l}: {} vs {expected}",
                    p.mean_abs_slope[l]
                );
            }
        }
    }

    #[test]
    fn histogram_edges_and_outliers() {
        let mut h = Histogram::new(0.0, 1.0, 4);
        h.add_all(&[0.0, 0.2499999, 0.25, 0.99999994, 1.0, -0.1, 1.5, f32::NAN]);
        assert_eq!(h.counts, vec![2, 1, 0, 2]);
        assert_eq!((h.below, h.above, h.total()), (1, 1, 7));
    }

    #[test]
    fn histogram_agrees_with_naive_binning() {
        let mut h = Histogram::new(-1.0, 4.0, Histogram::BINS);
        let mut naive = Histogram::new(-1.0, 4.0, Histogram::BINS);
        let mut x = 12345u64;
        let values: Vec<f32> = (0..5000)
            .map(|_| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (x >> 40) as f32 / (1u64 << 24) as f32 * 7.0 - 1.5
            })
            .collect();
        h.add_all(&values[..1234]);
        h.add_all(&values[1234..]);
        for &v in &values {
            let i = ((v as f64 + 1.0) / 0.125).floor();
            match i {
                i if i < 0.0 => naive.below += 1,
                i if i >= 40.0 && v > 4.0 => naive.above += 1,
                i => naive.counts[(i as usize).min(39)] += 1,
            }
        }
        assert_eq!(h, naive);
        assert_eq!(h.total(), 5000);
    }

    #[test]
    fn predictions_agree_with_the_confusion_matrix() {
        let data = dataset(23);
        let set = Subset {
            data: &data,
            start: 0,
            len: 23,
        };
        let net = Mlp::new(784, &[16], 10, Activation::Elu, 0.01, InitScheme::He, 2);
        let mut ws = Workspace::new(&net, 7);
        let mut e = Evaluator::new(23, true, false).with_predictions();
        while !e.is_done() {
            e.step(&net, &mut ws, set);
        }
        let e = e.finish();
        let p = e.predictions.unwrap();
        assert_eq!((p.predicted.len(), p.confidence.len()), (23, 23));
        let mut m = [[0u32; CLASSES]; CLASSES];
        for (i, &guess) in p.predicted.iter().enumerate() {
            m[data.label(i) as usize][guess as usize] += 1;
        }
        assert_eq!(Some(m), e.confusion);
        // Each image alone: the same guess and its quantised probability.
        let mut one = Workspace::new(&net, 1);
        for i in [0, 9, 22] {
            one.load_images(std::iter::once(data.image(i)));
            net.forward(&mut one, 1);
            let probs = one.probabilities(1);
            assert_eq!(p.predicted[i] as usize, argmax(probs));
            assert_eq!(p.confidence[i], quantise(probs[argmax(probs)]));
        }
        assert_eq!(
            (quantise(1.0), quantise(0.1), quantise(f32::NAN)),
            (255, 26, 0)
        );
    }
}
