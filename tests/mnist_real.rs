//! The IDX reader and the splits, on the real MNIST files.

// These tests read files and spawn the CLI: native only.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use activation_race::mnist::{FILES, MAX_TRAIN_SIZE, VALIDATION_SIZE, parse_images, parse_labels};
use activation_race::native::{default_data_dir, load_mnist, read_data_file, write_assets};
use std::io::Write;

#[test]
fn the_real_set_is_complete() {
    let m = common::mnist();
    assert_eq!(m.train.len(), 60_000);
    assert_eq!(m.test.len(), 10_000);
    assert_eq!(
        m.train.label_counts(),
        [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    );
    assert_eq!(
        m.test.label_counts(),
        [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    );
    assert_eq!(m.train_split(usize::MAX).len, MAX_TRAIN_SIZE);
    let val = m.validation_split();
    assert_eq!((val.start, val.len), (MAX_TRAIN_SIZE, VALIDATION_SIZE));
    // The first training image is the famous 5, and it has ink in the middle.
    assert_eq!(m.train.label(0), 5);
    let ink: u32 = m.train.image(0).iter().map(|&p| p as u32).sum();
    assert!(ink > 20_000, "{ink}");
}

/// Damaged copies of the real files in a scratch folder: every one is refused with the file named.
#[test]
fn damaged_real_files_are_refused_with_the_file_named() {
    let dir = std::env::temp_dir().join(format!("ar-damaged-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let src = default_data_dir();
    let (_, labels) = read_data_file(&src, FILES[1]).unwrap();
    let (_, images) = read_data_file(&src, FILES[2]).unwrap();

    // Truncated by one byte.
    let e = parse_labels("train-labels", &labels[..labels.len() - 1]).unwrap_err();
    assert!(e.to_string().starts_with("train-labels: truncated"), "{e}");
    // A label byte out of range.
    let mut bad = labels.clone();
    bad[8 + 1234] = 42;
    let e = parse_labels("train-labels", &bad).unwrap_err();
    assert_eq!(e.problem, "label 42 at index 1234 is not a digit 0–9");
    // Image dimensions altered.
    let mut bad = images.clone();
    bad[11] = 27;
    assert!(
        parse_images("t10k", &bad)
            .unwrap_err()
            .problem
            .contains("27×28")
    );

    // A folder whose gzip file is corrupt: load_mnist names the .gz file.
    for name in FILES {
        let (_, bytes) = read_data_file(&src, name).unwrap();
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(&bytes).unwrap();
        let mut gz = enc.finish().unwrap();
        if name == FILES[3] {
            let mid = gz.len() / 2;
            gz[mid..mid + 64].iter_mut().for_each(|b| *b ^= 0x5a);
        }
        std::fs::write(dir.join(format!("{name}.gz")), gz).unwrap();
    }
    let e = load_mnist(&dir).unwrap_err();
    assert!(e.file.ends_with("t10k-labels-idx1-ubyte.gz"), "{e}");
    assert!(e.problem.contains("gzip"), "{e}");

    // A missing file says how to get the data.
    std::fs::remove_file(dir.join(format!("{}.gz", FILES[0]))).unwrap();
    let e = load_mnist(&dir).unwrap_err();
    assert!(e.problem.contains(".ci/setup"), "{e}");

    // write_assets refuses a bad source and leaves no half-written output.
    let out = dir.join("out");
    assert!(write_assets(&dir, &out).is_err());
    assert!(!out.exists());
    std::fs::remove_dir_all(&dir).unwrap();
}
