//! Evaluation: loss, accuracy, confusion matrix, and the dead/saturated-unit probe.

use crate::mnist::Subset;
use crate::network::{CLASSES, Mlp, Workspace, argmax};

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
}

/// How many hidden units pass (almost) no gradient, per hidden layer, on a fixed batch of images.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Probe {
    /// Images in the probe batch.
    pub images: usize,
    /// Fraction of units inactive on every probe image (a dead ReLU; a Sigmoid/Tanh unit stuck in
    /// saturation).
    pub dead_fraction: Vec<f32>,
    /// Fraction of (unit, image) pairs where the unit is inactive: ReLU family off (z ≤ 0);
    /// Sigmoid/Tanh derivative below 1% of its maximum.
    pub saturated_fraction: Vec<f32>,
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
        }
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
        }
    }
}

/// Unit activity of each hidden layer over the first `n` samples of the last forward pass.
pub fn probe_units(net: &Mlp, ws: &Workspace, n: usize) -> Probe {
    let hidden = net.layers.len() - 1;
    let mut dead_fraction = Vec::with_capacity(hidden);
    let mut saturated_fraction = Vec::with_capacity(hidden);
    for l in 0..hidden {
        let width = net.layers[l].outputs();
        let mut inactive = vec![0u32; width];
        for column in ws.hidden_outputs(l, n).chunks_exact(width) {
            for (count, &a) in inactive.iter_mut().zip(column) {
                *count += net.activation.is_inactive(a) as u32;
            }
        }
        let dead = inactive.iter().filter(|&&c| c as usize == n).count();
        let total: u64 = inactive.iter().map(|&c| c as u64).sum();
        dead_fraction.push(dead as f32 / width as f32);
        saturated_fraction.push((total as f64 / (width * n).max(1) as f64) as f32);
    }
    Probe {
        images: n,
        dead_fraction,
        saturated_fraction,
    }
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
}
