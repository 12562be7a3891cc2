//! Digits drawn with a pen rather than taken from MNIST: the strokes in `strokes/digits.json`
//! are rasterized like the page's pad draws them, normalised by [`preprocess`], and classified by
//! a ReLU network trained for one epoch on real MNIST — what a visitor of the page gets when
//! drawing a digit after the first epoch.
//!
//! Set `DRAWN_DIGITS_DUMP=<folder>` to also write the pads and the 28×28 inputs as PGM images.

// These tests read files and spawn the CLI: native only.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use activation_race::preprocess::{self, CENTRE, Digit, InkChannel, SIDE};
use activation_race::{Activation, Lane, RaceConfig};
use serde::Deserialize;
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

/// The contents of `strokes/digits.json`.
#[derive(Deserialize)]
struct StrokeFile {
    /// Side of the square pad, in pixels.
    pad: usize,
    /// Width of the round brush, in pixels.
    brush: f32,
    digits: Vec<Drawing>,
}

#[derive(Deserialize)]
struct Drawing {
    label: u8,
    #[serde(default)]
    style: String,
    /// Polylines of `[x, y]` pad coordinates, one per pen stroke.
    strokes: Vec<Vec<[f32; 2]>>,
}

fn stroke_file() -> StrokeFile {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/strokes/digits.json");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Ink coverage in [0, 1] of a `pad`×`pad` raster after drawing `strokes` like a canvas 2D
/// context with `lineWidth = brush`, `lineCap = lineJoin = "round"`: the set of points within
/// `brush / 2` of each polyline, anti-aliased by the distance of each pixel's centre to the
/// outline. One stroke is one path (its overlapping parts do not darken), and each stroke is
/// composited over the earlier ones ("source-over").
fn rasterize(strokes: &[Vec<[f32; 2]>], pad: usize, brush: f32) -> Vec<f32> {
    let radius = brush / 2.0;
    let mut ink = vec![0.0f32; pad * pad];
    let mut path = vec![0.0f32; pad * pad];
    for stroke in strokes {
        path.fill(0.0);
        let segments: Vec<([f32; 2], [f32; 2])> = match stroke.as_slice() {
            [] => continue,
            [dot] => vec![(*dot, *dot)],
            points => points.windows(2).map(|w| (w[0], w[1])).collect(),
        };
        for ([ax, ay], [bx, by]) in segments {
            let lo = |a: f32, b: f32| (a.min(b) - radius - 1.0).floor().max(0.0) as usize;
            let hi = |a: f32, b: f32| ((a.max(b) + radius + 1.0).ceil() as usize).min(pad);
            let (dx, dy) = (bx - ax, by - ay);
            let len2 = dx * dx + dy * dy;
            for y in lo(ay, by)..hi(ay, by) {
                for x in lo(ax, bx)..hi(ax, bx) {
                    let (px, py) = (x as f32 + 0.5, y as f32 + 0.5);
                    let t = if len2 > 0.0 {
                        (((px - ax) * dx + (py - ay) * dy) / len2).clamp(0.0, 1.0)
                    } else {
                        0.0
                    };
                    let d = (px - ax - t * dx).hypot(py - ay - t * dy);
                    let cover = (radius - d + 0.5).clamp(0.0, 1.0);
                    let p = &mut path[y * pad + x];
                    *p = p.max(cover);
                }
            }
        }
        for (i, &p) in ink.iter_mut().zip(&path) {
            *i += p * (1.0 - *i);
        }
    }
    ink
}

/// What the page's pad hands over: `getImageData` of white ink on a transparent canvas.
fn as_rgba(ink: &[f32]) -> Vec<u8> {
    ink.iter()
        .flat_map(|&a| {
            let a = (a * 255.0).round() as u8;
            if a == 0 { [0; 4] } else { [255, 255, 255, a] }
        })
        .collect()
}

/// The page's first lane after one epoch: ReLU, otherwise the default race.
fn network() -> &'static Mutex<Lane> {
    static LANE: OnceLock<Mutex<Lane>> = OnceLock::new();
    LANE.get_or_init(|| {
        let config = RaceConfig {
            activations: vec![Activation::Relu],
            epochs: 1,
            ..RaceConfig::default()
        };
        let mut lane = Lane::new(&config, 0).unwrap_or_else(|e| panic!("{e}"));
        let mut events = Vec::new();
        lane.advance(common::mnist(), usize::MAX, &mut events);
        Mutex::new(lane)
    })
}

fn argmax(p: &[f32]) -> usize {
    activation_race::network::argmax(p)
}

#[test]
fn drawn_digits_are_recognised() {
    let file = stroke_file();
    assert!(
        file.digits.len() >= 20,
        "{} drawings; 2 per digit at least",
        file.digits.len()
    );
    let mut lane = network().lock().unwrap_or_else(|e| e.into_inner());
    let mut correct = [0usize; 10];
    let mut total = [0usize; 10];
    let mut pads = Vec::new();
    let mut inputs = Vec::new();
    let mut secs = 0.0;
    println!("label  predicted  p(pred)  p(label)  style");
    for d in &file.digits {
        let ink = rasterize(&d.strokes, file.pad, file.brush);
        let rgba = as_rgba(&ink);
        let started = Instant::now();
        let digit = preprocess::preprocess_rgba(&rgba, file.pad, file.pad, InkChannel::Alpha);
        secs += started.elapsed().as_secs_f64();
        let digit: Digit = digit
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| panic!("a drawn {} has no ink", d.label));
        let p = lane.predict(&digit.bytes);
        let guess = argmax(&p);
        let label = d.label as usize;
        total[label] += 1;
        correct[label] += (guess == label) as usize;
        println!(
            "{label:>5}  {guess:>9}  {:>7.3}  {:>8.3}  {}{}",
            p[guess],
            p[label],
            d.style,
            if guess == label { "" } else { "   ✗" }
        );
        pads.push(ink);
        inputs.push(digit.grey);
    }
    let n = file.digits.len();
    let right: usize = correct.iter().sum();
    let accuracy = right as f64 / n as f64;
    println!("per digit (right/drawn):");
    for k in 0..10 {
        println!("  {k}: {}/{}", correct[k], total[k]);
    }
    println!(
        "drawn-digit accuracy: {right}/{n} = {:.1}%; preprocessing took {:.0} µs per {}×{} pad",
        100.0 * accuracy,
        1e6 * secs / n as f64,
        file.pad,
        file.pad
    );
    // Stroke weight against MNIST's: mean ink per image, in pixels of full ink.
    let ink = |images: &mut dyn Iterator<Item = f64>, n: usize| images.sum::<f64>() / n as f64;
    let drawn_ink = ink(
        &mut inputs
            .iter()
            .map(|g| g.iter().map(|&v| v as f64).sum::<f64>()),
        n,
    );
    let test = common::mnist().test_split();
    let mnist_ink = ink(
        &mut (0..test.len).map(|i| test.image(i).iter().map(|&b| b as f64 / 255.0).sum::<f64>()),
        test.len,
    );
    println!("mean ink per 28×28 input: drawn {drawn_ink:.1}, MNIST test {mnist_ink:.1}");
    if let Ok(dir) = std::env::var("DRAWN_DIGITS_DUMP") {
        dump(&dir, file.pad, &pads, &inputs);
    }
    assert!(
        accuracy >= 0.8,
        "only {right} of {n} drawn digits recognised"
    );
}

/// The convention [`preprocess`] follows: MNIST placed each digit's centre of mass, measured in
/// pixel indices, on pixel (14, 14) by a whole-pixel shift, so it lies within half a pixel of it
/// (give or take the rounding of the grey levels to bytes, which happened after the shift).
#[test]
fn mnist_centres_of_mass_lie_within_half_a_pixel_of_14_14() {
    let mnist = common::mnist();
    let (mut worst, mut beyond, mut n) = (0.0f32, 0, 0);
    for set in [&mnist.train, &mnist.test] {
        for i in 0..set.len() {
            let grey: Vec<f32> = set.image(i).iter().map(|&b| b as f32).collect();
            let (cx, cy) = preprocess::centre_of_mass(&grey, SIDE)
                .unwrap_or_else(|| panic!("MNIST image {i} has no ink"));
            let off = (cx - CENTRE).abs().max((cy - CENTRE).abs());
            worst = worst.max(off);
            beyond += (off > 0.5) as usize;
            n += 1;
        }
    }
    println!(
        "MNIST centres of mass: {beyond} of {n} more than 0.5 px from (14, 14), the farthest {worst:.3} px"
    );
    assert!(
        worst < 0.6 && beyond * 1000 < n,
        "{beyond} of {n}, up to {worst}"
    );
}

/// Re-normalising real MNIST test digits (treating each as a small drawing) barely changes them
/// or the network's accuracy: the preprocessing is MNIST's own normalisation.
#[test]
fn preprocessing_mnist_digits_keeps_them_mnist_like() {
    let test = common::mnist().test_split();
    let mut lane = network().lock().unwrap_or_else(|e| e.into_inner());
    let n = 2_000;
    let (mut raw_right, mut pre_right, mut diff) = (0, 0, 0.0f64);
    for i in 0..n {
        let image = test.image(i);
        let grey: Vec<f32> = image.iter().map(|&b| b as f32 / 255.0).collect();
        let digit = preprocess::preprocess(&grey, SIDE, SIDE)
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| panic!("MNIST test image {i} has no ink"));
        let label = test.label(i) as usize;
        raw_right += (argmax(&lane.predict(image)) == label) as usize;
        pre_right += (argmax(&lane.predict(&digit.bytes)) == label) as usize;
        diff += grey
            .iter()
            .zip(&digit.grey)
            .map(|(a, b)| (a - b).abs() as f64)
            .sum::<f64>()
            / grey.len() as f64;
    }
    let (raw, pre) = (raw_right as f64 / n as f64, pre_right as f64 / n as f64);
    println!(
        "MNIST test digits: {:.1}% as they are, {:.1}% re-normalised; mean |Δpixel| {:.4}",
        100.0 * raw,
        100.0 * pre,
        diff / n as f64
    );
    assert!(pre > raw - 0.02, "{pre} vs {raw}");
}

/// Writes `pads.pgm` (the drawings, 10 a row) and `inputs.pgm` (their 28×28 inputs, enlarged 4×).
fn dump(dir: &str, pad: usize, pads: &[Vec<f32>], inputs: &[[f32; 784]]) {
    let sheet = |name: &str, side: usize, zoom: usize, images: Vec<&[f32]>| {
        let cols = 10;
        let rows = images.len().div_ceil(cols);
        let (w, h) = (cols * (side * zoom + 2), rows * (side * zoom + 2));
        let mut px = vec![40u8; w * h];
        for (k, image) in images.iter().enumerate() {
            let (ox, oy) = (
                (k % cols) * (side * zoom + 2),
                (k / cols) * (side * zoom + 2),
            );
            for y in 0..side * zoom {
                for x in 0..side * zoom {
                    let v = image[(y / zoom) * side + x / zoom];
                    px[(oy + y) * w + ox + x] = 255 - (v * 255.0).round() as u8;
                }
            }
        }
        let mut out = format!("P5\n{w} {h}\n255\n").into_bytes();
        out.extend(px);
        let path = std::path::Path::new(dir).join(name);
        std::fs::write(&path, out).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    };
    std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("{dir}: {e}"));
    sheet("pads.pgm", pad, 1, pads.iter().map(Vec::as_slice).collect());
    sheet(
        "inputs.pgm",
        SIDE,
        4,
        inputs.iter().map(|i| &i[..]).collect(),
    );
}
