//! Turning a drawing into an MNIST-like input, the way MNIST itself was made.
//!
//! MNIST's digits were normalised in two steps: each digit was scaled, keeping its aspect ratio,
//! so that it fit a 20×20 box (with anti-aliasing, hence the grey levels), and the box was then
//! placed in a 28×28 field so that the digit's centre of mass sat at the centre of the field. A
//! network trained on MNIST has only ever seen digits normalised like that. A drawing on the
//! page's pad (any size, anywhere, strokes of the pad's brush) must go through the same steps, or
//! the network is asked about something unlike anything it learned from.
//!
//! The steps, in [`preprocess`]:
//! 1. find the bounding box of the ink (pixels of at least [`INK_THRESHOLD`]; fainter ones are
//!    treated as background noise and dropped). No ink: `None`, an empty pad gets no prediction;
//! 2. scale the box so that its longer side becomes [`BOX`] pixels, the shorter side in
//!    proportion, by area averaging: every output pixel is the mean of the ink under it, partial
//!    source pixels weighted by the overlap. That is exact anti-aliasing for any scale factor,
//!    shrinking or enlarging, and keeps the total ink proportional to the area;
//! 3. compute the centre of mass of the scaled digit and shift it, by a whole number of pixels
//!    (rounded), so that the centre of mass lands on pixel (14, 14) of the 28×28 field. This is
//!    MNIST's own convention: measured in pixel indices, the centres of mass of the real MNIST
//!    images lie within 0.5 px of (14, 14) (all but 2 of the 70,000, by at most 0.52 px).
//!
//! It is plain Rust, compiled natively and to wasm alike, and cheap enough to run on every
//! pointer move: one pass over the raster to find the ink, one over the ink's bounding box to
//! scale it (about 0.12 ms for a 280×280 RGBA pad natively, optimised).
//!
//! `tests/drawn_digits.rs` checks the whole path: digits drawn as pen strokes, rasterized like
//! the page's pad, normalised here and classified by a network trained on MNIST.

use crate::network::INPUT;

/// Side of the output image, in pixels.
pub const SIDE: usize = 28;
/// Side of the box the digit is scaled to fit, in pixels (MNIST's 20×20).
pub const BOX: usize = 20;
/// Ink below this level (in [0, 1]) is background noise: it neither counts for the bounding box
/// nor reaches the output. Small, so that the faint anti-aliased rim of a stroke is kept.
pub const INK_THRESHOLD: f32 = 0.05;
/// Pixel (column and row index) where the centre of mass is placed.
pub const CENTRE: f32 = 14.0;

/// A drawing normalised like an MNIST digit.
#[derive(Clone, Debug, PartialEq)]
pub struct Digit {
    /// Grey levels in [0, 1], row by row (0 = background, 1 = full ink).
    pub grey: [f32; INPUT],
    /// The same as bytes, like the MNIST files and what the workers take (0 = background,
    /// 255 = ink): `round(255 · grey)`.
    pub bytes: [u8; INPUT],
}

/// Which channel of an RGBA raster (canvas `getImageData`) holds the ink.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InkChannel {
    /// Ink = alpha. For a pad that draws (white or any colour) on a transparent background —
    /// the page's pad. `getImageData` returns non-premultiplied colours, so a half-covered
    /// rim pixel of white ink is (255, 255, 255, ~128): only alpha says how much ink is there.
    Alpha,
    /// Ink = luminance (Rec. 601 weights). For light ink on an opaque dark background.
    /// Not for a transparent background (see [`InkChannel::Alpha`]).
    Luminance,
}

/// Normalises a grey-level raster like an MNIST digit.
///
/// `grey` holds `width × height` ink levels row by row, nominally in [0, 1] (0 = background,
/// 1 = full ink; values above 1 count as 1, NaN as background). Returns `Ok(None)` when there is
/// no ink (nothing to predict), and an error only if `grey` is not `width × height` long.
pub fn preprocess(grey: &[f32], width: usize, height: usize) -> Result<Option<Digit>, String> {
    check_len(grey.len(), width, height, 1)?;
    Ok(normalise(width, height, |i| grey[i]))
}

/// Normalises an RGBA raster (4 bytes a pixel, row by row, as canvas `getImageData` gives it),
/// taking the ink from `channel`. Otherwise like [`preprocess`].
pub fn preprocess_rgba(
    rgba: &[u8],
    width: usize,
    height: usize,
    channel: InkChannel,
) -> Result<Option<Digit>, String> {
    check_len(rgba.len(), width, height, 4)?;
    const SCALE: f32 = 1.0 / 255.0;
    Ok(match channel {
        InkChannel::Alpha => normalise(width, height, |i| rgba[4 * i + 3] as f32 * SCALE),
        InkChannel::Luminance => normalise(width, height, |i| {
            let p = &rgba[4 * i..4 * i + 3];
            (0.299 * p[0] as f32 + 0.587 * p[1] as f32 + 0.114 * p[2] as f32) * SCALE
        }),
    })
}

/// Centre of mass `(column, row)` of a `width`-wide image, in pixel indices (pixel `(x, y)`'s
/// centre is at `(x, y)`). `None` if the image has no mass (or its length is not a multiple of
/// `width`).
pub fn centre_of_mass(image: &[f32], width: usize) -> Option<(f32, f32)> {
    if width == 0 || !image.len().is_multiple_of(width) {
        return None;
    }
    let (mut mass, mut mx, mut my) = (0.0f64, 0.0f64, 0.0f64);
    for (y, row) in image.chunks_exact(width).enumerate() {
        let mut row_mass = 0.0f64;
        for (x, &v) in row.iter().enumerate() {
            let v = v as f64;
            row_mass += v;
            mx += x as f64 * v;
        }
        mass += row_mass;
        my += y as f64 * row_mass;
    }
    (mass > 0.0).then(|| ((mx / mass) as f32, (my / mass) as f32))
}

fn check_len(len: usize, width: usize, height: usize, channels: usize) -> Result<(), String> {
    let expected = width
        .checked_mul(height)
        .and_then(|n| n.checked_mul(channels))
        .ok_or_else(|| format!("a {width}×{height} raster is too large"))?;
    if len == expected {
        Ok(())
    } else {
        Err(format!(
            "a {width}×{height} raster needs {expected} values ({channels} a pixel), got {len}"
        ))
    }
}

/// Ink level of a raw value: clamped to [0, 1], noise (and NaN) to 0.
#[inline]
fn clean(v: f32) -> f32 {
    if v >= INK_THRESHOLD { v.min(1.0) } else { 0.0 }
}

/// The three steps, reading pixel `i` (row-major index) through `ink`. The caller has checked
/// that `ink` accepts every index below `width × height`.
fn normalise(width: usize, height: usize, ink: impl Fn(usize) -> f32) -> Option<Digit> {
    // 1. Bounding box of the ink.
    let (mut x0, mut x1, mut y0, mut y1) = (usize::MAX, 0, usize::MAX, 0);
    for y in 0..height {
        let row = y * width;
        let Some(first) = (0..width).find(|&x| clean(ink(row + x)) > 0.0) else {
            continue;
        };
        // The row has ink: its last ink pixel is at or after `first`.
        let last = (first..width)
            .rev()
            .find(|&x| clean(ink(row + x)) > 0.0)
            .unwrap_or(first);
        x0 = x0.min(first);
        x1 = x1.max(last);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    if x0 > x1 {
        return None;
    }
    let (cw, ch) = (x1 - x0 + 1, y1 - y0 + 1);

    // 2. Area-averaged scaling into the box, separably: rows first (ch × bw), then columns.
    let scale = BOX as f64 / cw.max(ch) as f64;
    let (xs, bw) = axis_weights(cw, scale);
    let (ys, bh) = axis_weights(ch, scale);
    let mut rows = vec![0.0f32; ch * bw];
    for (y, out) in rows.chunks_exact_mut(bw).enumerate() {
        let src = (y0 + y) * width + x0;
        for &(o, s, w) in &xs {
            out[o] += clean(ink(src + s)) * w;
        }
    }
    let mut boxed = vec![0.0f32; bh * bw];
    for &(o, s, w) in &ys {
        let out = &mut boxed[o * bw..(o + 1) * bw];
        for (v, &r) in out.iter_mut().zip(&rows[s * bw..(s + 1) * bw]) {
            *v += r * w;
        }
    }

    // 3. Centre of mass to (14, 14) by a whole-pixel shift, kept inside the field. The box is at
    // most 20 wide, so it always fits; the clamp only matters for a digit whose mass sits more
    // than 6 px from the middle of its box, which then lands up to 1–2 px off centre.
    let (cx, cy) = centre_of_mass(&boxed, bw)?;
    let place = |c: f32, extent: usize| {
        let shift = (CENTRE - c).round().max(0.0) as usize;
        shift.min(SIDE - extent)
    };
    let (ox, oy) = (place(cx, bw), place(cy, bh));
    let mut grey = [0.0f32; INPUT];
    for (y, row) in boxed.chunks_exact(bw).enumerate() {
        let start = (oy + y) * SIDE + ox;
        for (g, &v) in grey[start..start + bw].iter_mut().zip(row) {
            *g = v.clamp(0.0, 1.0);
        }
    }
    let mut bytes = [0u8; INPUT];
    for (b, &g) in bytes.iter_mut().zip(&grey) {
        *b = (g * 255.0).round() as u8;
    }
    Some(Digit { grey, bytes })
}

/// How `n` source pixels map onto output pixels when scaled by `scale`: the list of
/// `(output index, source index, weight)`, the weight being the length (in output pixels) of the
/// overlap of source pixel `[s, s+1)·scale` with output pixel `[o, o+1)`. Also returns the number
/// of output pixels, `⌈n · scale⌉` (at most [`BOX`]).
fn axis_weights(n: usize, scale: f64) -> (Vec<(usize, usize, f32)>, usize) {
    // A hair of tolerance so that 20.000000001 output pixels count as 20.
    let extent = n as f64 * scale;
    let len = ((extent - 1e-6).ceil() as usize).clamp(1, BOX);
    let mut weights = Vec::with_capacity(n + len);
    for s in 0..n {
        let (a, b) = (s as f64 * scale, ((s + 1) as f64 * scale).min(len as f64));
        let mut o = a.floor() as usize;
        while o < len && (o as f64) < b {
            let overlap = b.min((o + 1) as f64) - a.max(o as f64);
            if overlap > 0.0 {
                weights.push((o, s, overlap as f32));
            }
            o += 1;
        }
    }
    (weights, len)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAD: usize = 280;

    /// A `PAD`×`PAD` raster with the axis-aligned rectangle `[x, x+w) × [y, y+h)` filled.
    fn rectangle(x: usize, y: usize, w: usize, h: usize) -> Vec<f32> {
        let mut r = vec![0.0; PAD * PAD];
        for row in y..y + h {
            r[row * PAD + x..row * PAD + x + w].fill(1.0);
        }
        r
    }

    /// A `PAD`×`PAD` raster with anti-aliased strokes of width `brush` along the segments of
    /// `path` (in units of `size`, drawn from `(x, y)`): ink = how much of a pixel the stroke
    /// covers, estimated from the distance of the pixel's centre to the path.
    fn drawn(path: &[(f32, f32)], x: f32, y: f32, size: f32, brush: f32) -> Vec<f32> {
        let pts: Vec<(f32, f32)> = path
            .iter()
            .map(|&(u, v)| (x + u * size, y + v * size))
            .collect();
        let mut r = vec![0.0; PAD * PAD];
        for (i, v) in r.iter_mut().enumerate() {
            let (px, py) = ((i % PAD) as f32 + 0.5, (i / PAD) as f32 + 0.5);
            let d = pts
                .windows(2)
                .map(|s| {
                    let ((ax, ay), (bx, by)) = (s[0], s[1]);
                    let (dx, dy) = (bx - ax, by - ay);
                    let t =
                        (((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)).clamp(0.0, 1.0);
                    (px - ax - t * dx).hypot(py - ay - t * dy)
                })
                .fold(f32::INFINITY, f32::min);
            *v = (brush / 2.0 - d + 0.5).clamp(0.0, 1.0);
        }
        r
    }

    /// A rough, lopsided "7" (unit square coordinates), to have a shape that is not symmetric.
    const SEVEN: [(f32, f32); 4] = [(0.05, 0.1), (0.9, 0.0), (0.45, 0.6), (0.3, 1.0)];

    fn run(r: &[f32]) -> Digit {
        preprocess(r, PAD, PAD).unwrap().unwrap()
    }

    /// Bounding box `(x0, y0, x1, y1)` of the non-zero output pixels.
    fn ink_box(d: &Digit) -> (usize, usize, usize, usize) {
        let mut b = (SIDE, SIDE, 0, 0);
        for (i, &g) in d.grey.iter().enumerate() {
            if g > 0.0 {
                let (x, y) = (i % SIDE, i / SIDE);
                b = (b.0.min(x), b.1.min(y), b.2.max(x), b.3.max(y));
            }
        }
        b
    }

    fn mean_abs_diff(a: &Digit, b: &Digit) -> f32 {
        a.grey
            .iter()
            .zip(&b.grey)
            .map(|(p, q)| (p - q).abs())
            .sum::<f32>()
            / INPUT as f32
    }

    #[test]
    fn an_empty_pad_gives_no_digit() {
        assert_eq!(preprocess(&vec![0.0; PAD * PAD], PAD, PAD), Ok(None));
        // Faint noise and NaN are not ink.
        let mut noise = vec![0.02; PAD * PAD];
        noise[1234] = f32::NAN;
        assert_eq!(preprocess(&noise, PAD, PAD), Ok(None));
        assert_eq!(preprocess(&[], 0, 0), Ok(None));
        assert_eq!(
            preprocess_rgba(&vec![0; PAD * PAD * 4], PAD, PAD, InkChannel::Alpha),
            Ok(None)
        );
    }

    #[test]
    fn a_raster_of_the_wrong_size_is_refused() {
        let e = preprocess(&[1.0; 10], 4, 3).unwrap_err();
        assert!(
            e.contains("4×3") && e.contains("12") && e.contains("10"),
            "{e}"
        );
        assert!(preprocess_rgba(&[255; 12], 2, 2, InkChannel::Alpha).is_err());
        assert!(preprocess(&[], usize::MAX, 2).is_err());
    }

    #[test]
    fn a_rectangle_anywhere_ends_centred_with_its_long_side_spanning_20() {
        for (x, y) in [(0, 0), (37, 111), (101, 3), (PAD - 150, PAD - 60)] {
            let d = run(&rectangle(x, y, 150, 60));
            // 150 → 20, 60 → 8 exactly: a solid 20×8 block, centred.
            let (x0, y0, x1, y1) = ink_box(&d);
            assert_eq!((x1 - x0 + 1, y1 - y0 + 1), (20, 8), "at ({x}, {y})");
            // Centre of mass (9.5, 3.5) in the box: shifts of 4.5 and 10.5, rounded up.
            assert_eq!((x0, y0), (5, 11), "at ({x}, {y})");
            assert!(d.grey.iter().all(|&g| g == 0.0 || (g - 1.0).abs() < 1e-5));
            let (cx, cy) = centre_of_mass(&d.grey, SIDE).unwrap();
            assert!(
                (cx - 14.5).abs() < 1e-4 && (cy - 14.5).abs() < 1e-4,
                "{cx} {cy}"
            );
        }
    }

    #[test]
    fn the_aspect_ratio_is_kept() {
        // A tall thin bar, 25 × 200: 20 high and 2.5 wide, the half column a grey 0.5.
        let d = run(&rectangle(120, 40, 25, 200));
        let (x0, y0, x1, y1) = ink_box(&d);
        assert_eq!((x1 - x0 + 1, y1 - y0 + 1), (3, 20));
        let row: Vec<f32> = d.grey[10 * SIDE + x0..10 * SIDE + x0 + 3].to_vec();
        assert!(
            (row[0] - 1.0).abs() < 1e-5 && (row[1] - 1.0).abs() < 1e-5,
            "{row:?}"
        );
        assert!((row[2] - 0.5).abs() < 1e-5, "{row:?}");
        let ink: f32 = d.grey.iter().sum();
        assert!((ink - 2.5 * 20.0).abs() < 1e-3, "{ink}");
        // And a wide one stays wide.
        let (x0, y0, x1, y1) = ink_box(&run(&rectangle(10, 100, 240, 30)));
        assert_eq!((x1 - x0 + 1, y1 - y0 + 1), (20, 3));
    }

    #[test]
    fn small_drawings_are_enlarged_to_the_box() {
        let d = run(&rectangle(200, 30, 4, 8));
        let (x0, y0, x1, y1) = ink_box(&d);
        assert_eq!((x1 - x0 + 1, y1 - y0 + 1), (10, 20));
        assert!(d.grey.iter().all(|&g| g == 0.0 || (g - 1.0).abs() < 1e-5));
        // Even a single pixel (a dot) fills the box.
        let mut dot = vec![0.0; PAD * PAD];
        dot[PAD * 7 + 9] = 0.8;
        let d = run(&dot);
        assert_eq!(ink_box(&d), (5, 5, 24, 24));
        assert!(d.grey.iter().all(|&g| g == 0.0 || (g - 0.8).abs() < 1e-5));
    }

    #[test]
    fn the_centre_of_mass_lands_within_half_a_pixel_of_14_14() {
        for (x, y, size, brush) in [
            (20.0, 30.0, 200.0, 24.0),
            (150.0, 10.0, 90.0, 12.0),
            (60.0, 150.0, 120.0, 30.0),
        ] {
            let d = run(&drawn(&SEVEN, x, y, size, brush));
            let (cx, cy) = centre_of_mass(&d.grey, SIDE).unwrap();
            assert!(
                (cx - CENTRE).abs() <= 0.5 && (cy - CENTRE).abs() <= 0.5,
                "({cx}, {cy}) for a 7 at ({x}, {y}), size {size}"
            );
        }
    }

    #[test]
    fn outputs_are_grey_levels_in_0_1_and_bytes_match() {
        let mut r = drawn(&SEVEN, 40.0, 40.0, 180.0, 22.0);
        r.iter_mut().step_by(7).for_each(|v| *v *= 3.0); // Out-of-range input is clamped.
        let d = run(&r);
        assert!(d.grey.iter().all(|g| (0.0..=1.0).contains(g)));
        assert!(d.grey.iter().any(|&g| g > 0.0 && g < 1.0), "anti-aliased");
        for (&g, &b) in d.grey.iter().zip(&d.bytes) {
            assert_eq!(b, (g * 255.0).round() as u8);
        }
        assert!(d.bytes.contains(&255));
    }

    #[test]
    fn where_the_digit_is_drawn_does_not_matter() {
        let base = run(&drawn(&SEVEN, 20.0, 20.0, 150.0, 20.0));
        // Whole-pixel moves give the same image (to rounding in the test's rasterizer).
        let moved = run(&drawn(&SEVEN, 110.0, 95.0, 150.0, 20.0));
        assert!(mean_abs_diff(&moved, &base) < 1e-5);
        // Sub-pixel moves change the anti-aliasing a little.
        for (x, y) in [(77.3, 12.6), (4.5, 110.25)] {
            let d = run(&drawn(&SEVEN, x, y, 150.0, 20.0));
            assert!(mean_abs_diff(&d, &base) < 0.01, "at ({x}, {y})");
        }
    }

    #[test]
    fn how_large_the_digit_is_drawn_barely_matters() {
        // The same shape at three sizes, the brush in proportion (as a writer's pen would be
        // to a digit of MNIST's scale): after normalisation nearly the same image. What differs
        // is sub-pixel: where the bounding box's edges fall in the scaled grid.
        let big = run(&drawn(&SEVEN, 10.0, 10.0, 250.0, 30.0));
        // For scale: how different another shape (an "L") is.
        let other = run(&drawn(
            &[(0.2, 0.0), (0.2, 1.0), (0.8, 1.0)],
            10.0,
            10.0,
            250.0,
            30.0,
        ));
        let far = mean_abs_diff(&other, &big);
        for (size, brush) in [(125.0, 15.0), (60.0, 7.2)] {
            let d = run(&drawn(&SEVEN, 100.0, 50.0, size, brush));
            let diff = mean_abs_diff(&d, &big);
            assert!(
                diff < 0.03 && diff < far / 4.0,
                "size {size}: {diff} (an L: {far})"
            );
        }
    }

    #[test]
    fn rgba_rasters_read_the_chosen_channel() {
        let grey = drawn(&SEVEN, 30.0, 50.0, 160.0, 20.0);
        let expected = run(&grey);
        let byte = |g: f32| (g * 255.0).round() as u8;
        // White ink on a transparent pad: the colour of a rim pixel is white, only alpha varies.
        let alpha: Vec<u8> = grey
            .iter()
            .flat_map(|&g| {
                if g > 0.0 {
                    [255, 255, 255, byte(g)]
                } else {
                    [0; 4]
                }
            })
            .collect();
        // White ink on an opaque black pad.
        let lum: Vec<u8> = grey
            .iter()
            .flat_map(|&g| [byte(g), byte(g), byte(g), 255])
            .collect();
        for (rgba, channel) in [(alpha, InkChannel::Alpha), (lum, InkChannel::Luminance)] {
            let d = preprocess_rgba(&rgba, PAD, PAD, channel).unwrap().unwrap();
            assert!(mean_abs_diff(&d, &expected) < 1e-3, "{channel:?}");
        }
    }

    #[test]
    fn centre_of_mass_uses_pixel_indices() {
        assert_eq!(centre_of_mass(&[0.0, 0.0, 1.0, 1.0], 2), Some((0.5, 1.0)));
        assert_eq!(centre_of_mass(&[0.0; 4], 2), None);
        assert_eq!(centre_of_mass(&[1.0; 3], 2), None);
        assert_eq!(centre_of_mass(&[1.0; 3], 0), None);
    }

    #[test]
    fn area_weights_split_each_source_pixel() {
        // 3 source pixels onto 2 output pixels: the middle one is shared.
        let (w, len) = axis_weights(3, 2.0 / 3.0);
        assert_eq!(len, 2);
        let per_output: Vec<f32> = (0..2)
            .map(|o| w.iter().filter(|c| c.0 == o).map(|c| c.2).sum())
            .collect();
        assert!(
            per_output.iter().all(|&s| (s - 1.0).abs() < 1e-6),
            "{per_output:?}"
        );
        let shared: Vec<f32> = w.iter().filter(|c| c.1 == 1).map(|c| c.2).collect();
        assert_eq!(shared.len(), 2, "{w:?}");
        assert!(
            shared.iter().all(|&s| (s - 1.0 / 3.0).abs() < 1e-6),
            "{w:?}"
        );
    }
}
