//! What the page needs to show mistakes: per-class accuracy from a confusion matrix, and the
//! test images on which two lanes disagree (one right, the other wrong).

use crate::network::CLASSES;
use crate::report::TestPredictions;
use serde::{Deserialize, Serialize};

/// Accuracy on each true digit: `confusion[d][d]` over the row's total (`None` for a digit
/// without images). `confusion[true][predicted]`, as in [`crate::EpochReport::confusion`].
pub fn per_class_accuracy(confusion: &[[u32; CLASSES]; CLASSES]) -> [Option<f32>; CLASSES] {
    std::array::from_fn(|d| {
        let total: u64 = confusion[d].iter().map(|&c| c as u64).sum();
        (total > 0).then(|| confusion[d][d] as f32 / total as f32)
    })
}

/// Which lane of a pair read an image correctly.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    A,
    B,
}

/// A test image that one lane read correctly and the other did not.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Disagreement {
    /// Index into the test set.
    pub index: u32,
    /// The true digit.
    pub label: u8,
    /// The lane that was right.
    pub right: Side,
    pub a_predicted: u8,
    /// Lane a's probability of its prediction, round(255·p).
    pub a_confidence: u8,
    pub b_predicted: u8,
    pub b_confidence: u8,
}

impl Disagreement {
    /// How sure the wrong lane was of its wrong answer (round(255·p)).
    pub fn wrong_confidence(&self) -> u8 {
        match self.right {
            Side::A => self.b_confidence,
            Side::B => self.a_confidence,
        }
    }
}

/// The test images on which exactly one of `a` and `b` is right, most confident mistake first:
/// ordered by the wrong lane's confidence in its wrong answer (descending), then by the right
/// lane's confidence (descending), then by index. Images where both are right or both wrong are
/// left out. An error if the three lengths differ.
pub fn disagreements(
    a: &TestPredictions,
    b: &TestPredictions,
    labels: &[u8],
) -> Result<Vec<Disagreement>, String> {
    let n = labels.len();
    for (name, p) in [("a", a), ("b", b)] {
        if p.predicted.len() != n || p.confidence.len() != n {
            return Err(format!(
                "lane {name}'s predictions cover {} images, the labels {n}",
                p.predicted.len()
            ));
        }
    }
    let mut out: Vec<Disagreement> = (0..n)
        .filter_map(|i| {
            let (pa, pb, y) = (a.predicted[i], b.predicted[i], labels[i]);
            let right = match (pa == y, pb == y) {
                (true, false) => Side::A,
                (false, true) => Side::B,
                _ => return None,
            };
            Some(Disagreement {
                index: i as u32,
                label: y,
                right,
                a_predicted: pa,
                a_confidence: a.confidence[i],
                b_predicted: pb,
                b_confidence: b.confidence[i],
            })
        })
        .collect();
    out.sort_by(|x, y| {
        let right_conf = |d: &Disagreement| match d.right {
            Side::A => d.a_confidence,
            Side::B => d.b_confidence,
        };
        y.wrong_confidence()
            .cmp(&x.wrong_confidence())
            .then(right_conf(y).cmp(&right_conf(x)))
            .then(x.index.cmp(&y.index))
    });
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn predictions(predicted: &[u8], confidence: &[u8]) -> TestPredictions {
        TestPredictions {
            lane: 0,
            epoch: 1,
            predicted: predicted.to_vec(),
            confidence: confidence.to_vec(),
        }
    }

    #[test]
    fn per_class_accuracy_reads_the_rows() {
        let mut m = [[0u32; CLASSES]; CLASSES];
        m[0][0] = 3;
        m[0][6] = 1;
        m[7][7] = 5;
        let acc = per_class_accuracy(&m);
        assert_eq!(acc[0], Some(0.75));
        assert_eq!(acc[7], Some(1.0));
        assert_eq!(acc[3], None);
    }

    #[test]
    fn disagreements_keep_one_right_one_wrong_most_confident_mistake_first() {
        let labels = [1, 2, 3, 4, 5, 6];
        // 0: both right. 1: a wrong (conf 200), b right. 2: both wrong. 3: a right, b wrong
        // (conf 250). 4: a wrong (conf 200), b right more surely than at 1. 5: a right, b wrong 30.
        let a = predictions(&[1, 7, 8, 4, 0, 6], &[255, 200, 90, 120, 200, 99]);
        let b = predictions(&[1, 2, 9, 9, 5, 0], &[255, 100, 90, 250, 180, 30]);
        let d = disagreements(&a, &b, &labels).unwrap();
        let order: Vec<u32> = d.iter().map(|x| x.index).collect();
        assert_eq!(order, vec![3, 4, 1, 5]);
        assert_eq!(d[0].right, Side::A);
        assert_eq!((d[0].b_predicted, d[0].wrong_confidence()), (9, 250));
        assert_eq!((d[1].right, d[1].label), (Side::B, 5));
        // Symmetric: swapping the lanes swaps the sides, not the images.
        let swapped = disagreements(&b, &a, &labels).unwrap();
        assert_eq!(swapped.iter().map(|x| x.index).collect::<Vec<_>>(), order);
        assert!(swapped.iter().zip(&d).all(|(s, x)| s.right != x.right));
        assert!(disagreements(&a, &b, &labels[..5]).is_err());
    }
}
