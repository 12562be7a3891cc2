//! MNIST in IDX format: a validating reader and the train / validation / test split.
//!
//! Images stay bytes (47 MB for the training set instead of 188 MB as floats); a batch is
//! converted to floats when it is formed ([`crate::network::Workspace::load_images`]).
//!
//! The reader answers every malformed input with a [`DataError`] naming the file and the
//! problem — wrong magic number, wrong dimensions, truncated or trailing bytes, out-of-range
//! labels — never with a panic or a silently shortened set.

use crate::network::INPUT;
use std::fmt;

/// The four files of the MNIST distribution, by their canonical names.
pub const TRAIN_IMAGES: &str = "train-images-idx3-ubyte";
pub const TRAIN_LABELS: &str = "train-labels-idx1-ubyte";
pub const TEST_IMAGES: &str = "t10k-images-idx3-ubyte";
pub const TEST_LABELS: &str = "t10k-labels-idx1-ubyte";
pub const FILES: [&str; 4] = [TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS];

/// Images held out of the 60,000 training images for validation (the last ones).
pub const VALIDATION_SIZE: usize = 5_000;
/// Training images available after the validation split.
pub const MAX_TRAIN_SIZE: usize = 55_000;

const IMAGES_MAGIC: u32 = 0x0000_0803; // unsigned bytes, 3 dimensions
const LABELS_MAGIC: u32 = 0x0000_0801; // unsigned bytes, 1 dimension

/// What went wrong with a data file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataError {
    /// The file, as the user knows it (a path or a URL).
    pub file: String,
    /// What is wrong with it, in words.
    pub problem: String,
}

impl DataError {
    pub fn new(file: impl Into<String>, problem: impl Into<String>) -> DataError {
        DataError {
            file: file.into(),
            problem: problem.into(),
        }
    }
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.file, self.problem)
    }
}

impl std::error::Error for DataError {}

fn read_u32(bytes: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

/// Parses an IDX3 image file of 28×28 images. Returns the pixels, `INPUT` bytes per image.
pub fn parse_images(file: &str, bytes: &[u8]) -> Result<Vec<u8>, DataError> {
    check_images(file, bytes)?;
    Ok(bytes[16..].to_vec())
}

/// Like [`parse_images`], reusing the file's buffer (no second copy of 47 MB).
pub fn images_from_vec(file: &str, mut bytes: Vec<u8>) -> Result<Vec<u8>, DataError> {
    check_images(file, &bytes)?;
    bytes.drain(..16);
    Ok(bytes)
}

fn check_images(file: &str, bytes: &[u8]) -> Result<(), DataError> {
    let err = |p: String| DataError::new(file, p);
    if bytes.len() >= 4 && read_u32(bytes, 0) != IMAGES_MAGIC {
        return Err(err(format!(
            "magic number 0x{:08x} is not 0x{IMAGES_MAGIC:08x} (IDX images: unsigned bytes, 3 dimensions){}",
            read_u32(bytes, 0),
            hint_for_magic(bytes)
        )));
    }
    if bytes.len() < 16 {
        return Err(err(format!(
            "too short for an IDX image header ({} bytes, need 16)",
            bytes.len()
        )));
    }
    let count = read_u32(bytes, 4) as usize;
    let (rows, cols) = (read_u32(bytes, 8), read_u32(bytes, 12));
    if (rows, cols) != (28, 28) {
        return Err(err(format!("images are {rows}×{cols}, expected 28×28")));
    }
    if count == 0 {
        return Err(err("the file holds no images".into()));
    }
    let expected = count
        .checked_mul(INPUT)
        .ok_or_else(|| err(format!("image count {count} is implausible")))?;
    let body = &bytes[16..];
    if body.len() != expected {
        let what = if body.len() < expected {
            "truncated"
        } else {
            "has trailing bytes"
        };
        return Err(err(format!(
            "{what}: the header announces {count} images ({expected} bytes of pixels), the file has {} bytes of pixels",
            body.len()
        )));
    }
    Ok(())
}

/// Parses an IDX1 label file. Every label must be a digit 0–9.
pub fn parse_labels(file: &str, bytes: &[u8]) -> Result<Vec<u8>, DataError> {
    check_labels(file, bytes)?;
    Ok(bytes[8..].to_vec())
}

/// Like [`parse_labels`], reusing the file's buffer.
pub fn labels_from_vec(file: &str, mut bytes: Vec<u8>) -> Result<Vec<u8>, DataError> {
    check_labels(file, &bytes)?;
    bytes.drain(..8);
    Ok(bytes)
}

fn check_labels(file: &str, bytes: &[u8]) -> Result<(), DataError> {
    let err = |p: String| DataError::new(file, p);
    if bytes.len() >= 4 && read_u32(bytes, 0) != LABELS_MAGIC {
        return Err(err(format!(
            "magic number 0x{:08x} is not 0x{LABELS_MAGIC:08x} (IDX labels: unsigned bytes, 1 dimension){}",
            read_u32(bytes, 0),
            hint_for_magic(bytes)
        )));
    }
    if bytes.len() < 8 {
        return Err(err(format!(
            "too short for an IDX label header ({} bytes, need 8)",
            bytes.len()
        )));
    }
    let count = read_u32(bytes, 4) as usize;
    if count == 0 {
        return Err(err("the file holds no labels".into()));
    }
    let body = &bytes[8..];
    if body.len() != count {
        let what = if body.len() < count {
            "truncated"
        } else {
            "has trailing bytes"
        };
        return Err(err(format!(
            "{what}: the header announces {count} labels, the file has {}",
            body.len()
        )));
    }
    if let Some((i, &bad)) = body.iter().enumerate().find(|&(_, &l)| l > 9) {
        return Err(err(format!("label {bad} at index {i} is not a digit 0–9")));
    }
    Ok(())
}

fn hint_for_magic(bytes: &[u8]) -> &'static str {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        "; this looks like gzip data that was not decompressed"
    } else if bytes.starts_with(b"<") {
        "; this looks like an HTML page (a wrong URL or a server error page?)"
    } else {
        ""
    }
}

/// A set of labelled images, pixels as bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dataset {
    pixels: Vec<u8>,
    labels: Vec<u8>,
}

impl Dataset {
    /// Pairs images with labels; `what` names the pair in the error when the counts differ.
    pub fn new(what: &str, pixels: Vec<u8>, labels: Vec<u8>) -> Result<Dataset, DataError> {
        if !pixels.len().is_multiple_of(INPUT) {
            return Err(DataError::new(
                what,
                format!(
                    "{} pixel bytes is not a whole number of images",
                    pixels.len()
                ),
            ));
        }
        if pixels.len() / INPUT != labels.len() {
            return Err(DataError::new(
                what,
                format!(
                    "{} images but {} labels",
                    pixels.len() / INPUT,
                    labels.len()
                ),
            ));
        }
        Ok(Dataset { pixels, labels })
    }

    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Image `i`: `INPUT` bytes, row by row.
    pub fn image(&self, i: usize) -> &[u8] {
        &self.pixels[i * INPUT..(i + 1) * INPUT]
    }

    pub fn label(&self, i: usize) -> u8 {
        self.labels[i]
    }

    pub fn labels(&self) -> &[u8] {
        &self.labels
    }

    /// How many images carry each digit.
    pub fn label_counts(&self) -> [usize; 10] {
        let mut counts = [0; 10];
        for &l in &self.labels {
            counts[l as usize] += 1;
        }
        counts
    }
}

/// MNIST: the 60,000 training images (of which the last 5,000 validate) and the 10,000 test
/// images.
#[derive(Clone, Debug)]
pub struct Mnist {
    pub train: Dataset,
    pub test: Dataset,
}

/// A contiguous range of one dataset.
#[derive(Clone, Copy, Debug)]
pub struct Subset<'a> {
    pub data: &'a Dataset,
    pub start: usize,
    pub len: usize,
}

impl<'a> Subset<'a> {
    pub fn image(&self, i: usize) -> &'a [u8] {
        self.data.image(self.start + i)
    }
    pub fn label(&self, i: usize) -> u8 {
        self.data.label(self.start + i)
    }
    pub fn labels(&self) -> &'a [u8] {
        &self.data.labels()[self.start..self.start + self.len]
    }
    /// The first `len` items (or all of them if there are fewer).
    pub fn prefix(&self, len: usize) -> Subset<'a> {
        Subset {
            len: len.min(self.len),
            ..*self
        }
    }
}

impl Mnist {
    /// Parses the four raw IDX files (contents in the order of [`FILES`]), naming each by
    /// `names` in errors.
    pub fn from_idx(files: [&[u8]; 4], names: [&str; 4]) -> Result<Mnist, DataError> {
        Mnist::from_parts(
            [
                parse_images(names[0], files[0])?,
                parse_labels(names[1], files[1])?,
                parse_images(names[2], files[2])?,
                parse_labels(names[3], files[3])?,
            ],
            names,
        )
    }

    /// Like [`Mnist::from_idx`], taking the file contents by value to avoid copies.
    pub fn from_idx_owned(files: [Vec<u8>; 4], names: [&str; 4]) -> Result<Mnist, DataError> {
        let [train_images, train_labels, test_images, test_labels] = files;
        Mnist::from_parts(
            [
                images_from_vec(names[0], train_images)?,
                labels_from_vec(names[1], train_labels)?,
                images_from_vec(names[2], test_images)?,
                labels_from_vec(names[3], test_labels)?,
            ],
            names,
        )
    }

    fn from_parts(parts: [Vec<u8>; 4], names: [&str; 4]) -> Result<Mnist, DataError> {
        let [train_images, train_labels, test_images, test_labels] = parts;
        let train = Dataset::new(
            &format!("{} + {}", names[0], names[1]),
            train_images,
            train_labels,
        )?;
        let test = Dataset::new(
            &format!("{} + {}", names[2], names[3]),
            test_images,
            test_labels,
        )?;
        if train.len() <= VALIDATION_SIZE {
            return Err(DataError::new(
                names[0],
                format!(
                    "only {} training images; need more than the {VALIDATION_SIZE} held out for validation",
                    train.len()
                ),
            ));
        }
        Ok(Mnist { train, test })
    }

    /// Training images available for training (all but the validation hold-out).
    pub fn train_capacity(&self) -> usize {
        self.train.len() - VALIDATION_SIZE
    }

    /// The first `size` training images (capped at what is available).
    pub fn train_split(&self, size: usize) -> Subset<'_> {
        Subset {
            data: &self.train,
            start: 0,
            len: size.min(self.train_capacity()),
        }
    }

    /// The last `VALIDATION_SIZE` training images, never trained on.
    pub fn validation_split(&self) -> Subset<'_> {
        Subset {
            data: &self.train,
            start: self.train.len() - VALIDATION_SIZE,
            len: VALIDATION_SIZE,
        }
    }

    pub fn test_split(&self) -> Subset<'_> {
        Subset {
            data: &self.test,
            start: 0,
            len: self.test.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn image_file(count: u32, rows: u32, cols: u32, fill: u8) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&IMAGES_MAGIC.to_be_bytes());
        v.extend_from_slice(&count.to_be_bytes());
        v.extend_from_slice(&rows.to_be_bytes());
        v.extend_from_slice(&cols.to_be_bytes());
        v.extend(std::iter::repeat_n(fill, (count * rows * cols) as usize));
        v
    }

    pub(crate) fn label_file(labels: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&LABELS_MAGIC.to_be_bytes());
        v.extend_from_slice(&(labels.len() as u32).to_be_bytes());
        v.extend_from_slice(labels);
        v
    }

    #[test]
    fn reads_well_formed_files() {
        let px = parse_images("imgs", &image_file(3, 28, 28, 7)).unwrap();
        assert_eq!(px.len(), 3 * 784);
        let labels = parse_labels("lbls", &label_file(&[0, 9, 4])).unwrap();
        let ds = Dataset::new("set", px, labels).unwrap();
        assert_eq!(ds.len(), 3);
        assert_eq!(ds.label(1), 9);
        assert_eq!(ds.image(2)[783], 7);
    }

    #[test]
    fn names_the_file_and_the_problem() {
        let mut truncated = image_file(3, 28, 28, 0);
        truncated.truncate(16 + 784 * 2 + 100);
        let e = parse_images("train-images", &truncated).unwrap_err();
        assert_eq!(e.file, "train-images");
        assert!(e.problem.starts_with("truncated"), "{e}");

        let mut trailing = image_file(1, 28, 28, 0);
        trailing.push(1);
        assert!(
            parse_images("x", &trailing)
                .unwrap_err()
                .problem
                .contains("trailing")
        );

        let e = parse_images("x", &image_file(1, 32, 32, 0)).unwrap_err();
        assert!(e.problem.contains("32×32"), "{e}");

        let e = parse_images("x", &label_file(&[1, 2])).unwrap_err();
        assert!(e.problem.contains("magic number 0x00000801"), "{e}");

        let e =
            parse_images("x", &[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]).unwrap_err();
        assert!(e.problem.contains("gzip"), "{e}");

        let e = parse_images("x", b"<!doctype html>").unwrap_err();
        assert!(e.problem.contains("HTML"), "{e}");

        let e = parse_images("x", &[0, 0, 8, 3, 0]).unwrap_err();
        assert!(e.problem.contains("too short"), "{e}");

        let e = parse_labels("labels", &label_file(&[1, 2, 10, 3])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "labels: label 10 at index 2 is not a digit 0–9"
        );

        let mut short = label_file(&[1, 2, 3]);
        short.pop();
        assert!(
            parse_labels("l", &short)
                .unwrap_err()
                .problem
                .contains("truncated")
        );

        let e = parse_images("x", &image_file(0, 28, 28, 0)).unwrap_err();
        assert!(e.problem.contains("no images"));

        let e = Dataset::new("pair", vec![0; 784 * 2], vec![1]).unwrap_err();
        assert!(e.problem.contains("2 images but 1 labels"));
    }

    #[test]
    fn absurd_counts_do_not_overflow_or_allocate() {
        let mut v = image_file(1, 28, 28, 0);
        v[4..8].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(
            parse_images("x", &v)
                .unwrap_err()
                .problem
                .contains("truncated")
        );
    }

    #[test]
    fn mnist_split_needs_more_than_the_validation_set() {
        let imgs = image_file(10, 28, 28, 0);
        let lbls = label_file(&[0; 10]);
        let e = Mnist::from_idx([&imgs, &lbls, &imgs, &lbls], FILES).unwrap_err();
        assert!(e.problem.contains("validation"), "{e}");
    }

    /// Every single-byte corruption of a header (and the first label bytes), combined with every
    /// cut of up to 19 bytes: a damaged file is either refused or accepted as exactly what its
    /// own header announces, never a silent partial set. Some damage is undetectable by design,
    /// e.g. a count byte lowered and the file cut to match, or a label changed to another digit;
    /// the result must then still be self-consistent. Exhaustive (56,320 cases), so deterministic.
    #[test]
    fn corrupted_valid_files_are_caught_or_consistent() {
        let mut accepted_labels = 0;
        for pos in 0..8 + 3 {
            for val in 0..=u8::MAX {
                for cut in 0..20 {
                    let mut lbls = label_file(&[1, 2, 3]);
                    lbls[pos] = val;
                    lbls.truncate(lbls.len().saturating_sub(cut));
                    match parse_labels("f", &lbls) {
                        Ok(l) => {
                            accepted_labels += 1;
                            assert_eq!(read_u32(&lbls, 0), LABELS_MAGIC);
                            assert_eq!(l.len(), read_u32(&lbls, 4) as usize);
                            assert_eq!(&l[..], &lbls[8..]);
                            assert!(l.iter().all(|&x| x <= 9));
                        }
                        Err(e) => assert_eq!(e.file, "f"),
                    }
                    let mut imgs = image_file(2, 28, 28, 3);
                    imgs[pos.min(15)] ^= val;
                    imgs.truncate(imgs.len() - cut);
                    match parse_images("f", &imgs) {
                        Ok(px) => {
                            assert_eq!(read_u32(&imgs, 0), IMAGES_MAGIC);
                            assert_eq!((read_u32(&imgs, 8), read_u32(&imgs, 12)), (28, 28));
                            assert_eq!(px.len(), read_u32(&imgs, 4) as usize * 784);
                            assert_eq!(&px[..], &imgs[16..]);
                        }
                        Err(e) => assert_eq!(e.file, "f"),
                    }
                }
            }
        }
        // Exactly these label files pass: a header byte "changed" to its own value (8 positions),
        // a label changed to any digit (3 × 10, its own value included), and the count lowered
        // to 2 or 1 with the file cut to match (2).
        assert_eq!(accepted_labels, 8 + 3 * 10 + 2);
    }

    #[cfg(not(target_arch = "wasm32"))]
    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2000))]
            /// Random bytes never panic: they parse to whole images and digit labels or fail with
            /// an error naming the file.
            #[test]
            fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..3000)) {
                match parse_images("f", &bytes) {
                    Ok(px) => prop_assert_eq!(px.len() % 784, 0),
                    Err(e) => prop_assert_eq!(e.file, "f"),
                }
                match parse_labels("f", &bytes) {
                    Ok(l) => prop_assert!(l.iter().all(|&x| x <= 9)),
                    Err(e) => prop_assert_eq!(e.file, "f"),
                }
            }
        }
    }
}
