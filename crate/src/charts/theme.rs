//! The charts' one look: colours, the font, and sizes in CSS pixels (scaled by the device pixel
//! ratio when drawn).

use super::painter::Color;
use crate::race::limits::MAX_LANES;

/// Lane colours: the Okabe–Ito palette, distinguishable with every common colour-vision
/// deficiency. Lane `i` has colour `i` on the page and in the CLI's figures. The first two
/// (orange, blue: the default race) differ most under every deficiency; see the tests for the
/// simulated distances.
pub const LANE_COLORS: [(u8, u8, u8); MAX_LANES] = [
    (0xE6, 0x9F, 0x00),
    (0x00, 0x72, 0xB2),
    (0x00, 0x9E, 0x73),
    (0xCC, 0x79, 0xA7),
];

/// Each lane's colour darkened (same hue) until text in it, or white text on it, has a contrast
/// of at least 4.5:1 on white (WCAG AA): Okabe–Ito's orange is only 2.2:1.
pub const LANE_INKS: [(u8, u8, u8); MAX_LANES] = [
    (0x93, 0x66, 0x00),
    (0x00, 0x72, 0xB2),
    (0x00, 0x7E, 0x5C),
    (0x99, 0x5B, 0x7D),
];

pub const FONT: &str = "system-ui, -apple-system, \"Segoe UI\", Roboto, sans-serif";
pub const BACKGROUND: Color = Color::rgb(0xff, 0xff, 0xff);
pub const GRID: Color = Color::rgb(0xe8, 0xe8, 0xee);
pub const GRID_MINOR: Color = Color::rgb(0xf4, 0xf4, 0xf7);
pub const AXIS: Color = Color::rgb(0xb4, 0xb7, 0xc4);
pub const TEXT: Color = Color::rgb(0x33, 0x33, 0x33);
pub const MUTED: Color = Color::rgb(0x6b, 0x6f, 0x7d);

/// The hint on a chart with nothing to show yet.
pub const WAITING: &str = "waiting for the first report";

// Sizes in CSS pixels.
pub const PAD: f64 = 8.0;
pub const TICK_FONT: f64 = 11.0;
pub const LEGEND_FONT: f64 = 11.5;
pub const NOTE_FONT: f64 = 10.5;
pub const HINT_FONT: f64 = 13.0;
pub const LINE_WIDTH: f64 = 2.0;

/// A chart needs at least this much room (CSS pixels); smaller canvases (e.g. hidden) are only
/// cleared.
pub const MIN_SIZE: (f64, f64) = (120.0, 90.0);

#[cfg(test)]
mod tests {
    //! The lane colours as people with a colour-vision deficiency see them: simulated with the
    //! matrices of Machado, Oliveira and Fernandes (2009, severity 1: protanopia, deuteranopia,
    //! tritanopia) in linear RGB, compared by CIEDE2000 colour difference in CIELAB (D65).
    use super::*;

    fn linear(c: u8) -> f64 {
        let c = f64::from(c) / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    }

    fn luminance((r, g, b): (u8, u8, u8)) -> f64 {
        0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)
    }

    fn contrast(a: (u8, u8, u8), b: (u8, u8, u8)) -> f64 {
        let (x, y) = (luminance(a), luminance(b));
        (x.max(y) + 0.05) / (x.min(y) + 0.05)
    }

    fn lab([r, g, b]: [f64; 3]) -> [f64; 3] {
        let x = 0.412_456_4 * r + 0.357_576_1 * g + 0.180_437_5 * b;
        let y = 0.212_672_9 * r + 0.715_152_2 * g + 0.072_175_0 * b;
        let z = 0.019_333_9 * r + 0.119_192_0 * g + 0.950_304_1 * b;
        let f = |t: f64| {
            if t > 216.0 / 24389.0 {
                t.cbrt()
            } else {
                (24389.0 / 27.0 * t + 16.0) / 116.0
            }
        };
        let (fx, fy, fz) = (f(x / 0.950_47), f(y), f(z / 1.088_83));
        [116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)]
    }

    /// CIEDE2000 (Sharma, Wu and Dalal 2005).
    fn delta_e(p: [f64; 3], q: [f64; 3]) -> f64 {
        let c7 = |c: f64| c.powi(7) / (c.powi(7) + 25f64.powi(7));
        let (c1, c2) = (p[1].hypot(p[2]), q[1].hypot(q[2]));
        let g = 0.5 * (1.0 - c7((c1 + c2) / 2.0).sqrt());
        let (a1, a2) = ((1.0 + g) * p[1], (1.0 + g) * q[1]);
        let (c1, c2) = (a1.hypot(p[2]), a2.hypot(q[2]));
        let hue = |b: f64, a: f64| {
            if a == 0.0 && b == 0.0 {
                0.0
            } else {
                b.atan2(a).to_degrees().rem_euclid(360.0)
            }
        };
        let (h1, h2) = (hue(p[2], a1), hue(q[2], a2));
        let dh = if c1 * c2 == 0.0 {
            0.0
        } else if (h2 - h1).abs() <= 180.0 {
            h2 - h1
        } else if h2 > h1 {
            h2 - h1 - 360.0
        } else {
            h2 - h1 + 360.0
        };
        let (dl, dc) = (q[0] - p[0], c2 - c1);
        let dh = 2.0 * (c1 * c2).sqrt() * (dh.to_radians() / 2.0).sin();
        let (l, c) = ((p[0] + q[0]) / 2.0, (c1 + c2) / 2.0);
        let h = if c1 * c2 == 0.0 {
            h1 + h2
        } else if (h1 - h2).abs() <= 180.0 {
            (h1 + h2) / 2.0
        } else if h1 + h2 < 360.0 {
            (h1 + h2 + 360.0) / 2.0
        } else {
            (h1 + h2 - 360.0) / 2.0
        };
        let t = 1.0 - 0.17 * (h - 30.0).to_radians().cos()
            + 0.24 * (2.0 * h).to_radians().cos()
            + 0.32 * (3.0 * h + 6.0).to_radians().cos()
            - 0.20 * (4.0 * h - 63.0).to_radians().cos();
        let rotation = 30.0 * (-((h - 275.0) / 25.0).powi(2)).exp();
        let rt = -2.0 * c7(c).sqrt() * (2.0 * rotation).to_radians().sin();
        let sl = 1.0 + 0.015 * (l - 50.0).powi(2) / (20.0 + (l - 50.0).powi(2)).sqrt();
        let (sc, sh) = (1.0 + 0.045 * c, 1.0 + 0.015 * c * t);
        ((dl / sl).powi(2) + (dc / sc).powi(2) + (dh / sh).powi(2) + rt * (dc / sc) * (dh / sh))
            .sqrt()
    }

    const VISION: [(&str, [[f64; 3]; 3]); 4] = [
        (
            "typical",
            [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
        ),
        (
            "protanopia",
            [
                [0.152_286, 1.052_583, -0.204_868],
                [0.114_503, 0.786_281, 0.099_216],
                [-0.003_882, -0.048_116, 1.051_998],
            ],
        ),
        (
            "deuteranopia",
            [
                [0.367_322, 0.860_646, -0.227_968],
                [0.280_085, 0.672_501, 0.047_413],
                [-0.011_820, 0.042_940, 0.968_881],
            ],
        ),
        (
            "tritanopia",
            [
                [1.255_528, -0.076_749, -0.178_779],
                [-0.078_411, 0.930_809, 0.147_602],
                [0.004_733, 0.691_367, 0.303_900],
            ],
        ),
    ];

    fn seen(m: &[[f64; 3]; 3], (r, g, b): (u8, u8, u8)) -> [f64; 3] {
        let v = [linear(r), linear(g), linear(b)];
        lab(m.map(|row| (row[0] * v[0] + row[1] * v[1] + row[2] * v[2]).clamp(0.0, 1.0)))
    }

    #[test]
    fn delta_e_matches_sharmas_reference_pairs() {
        // Pairs 1, 7 and 17 of Sharma, Wu and Dalal's test data.
        for (p, q, want) in [
            ([50.0, 2.6772, -79.7751], [50.0, 0.0, -82.7485], 2.0425),
            ([50.0, 0.0, 0.0], [50.0, -1.0, 2.0], 2.3669),
            ([50.0, 2.5, 0.0], [73.0, 25.0, -18.0], 27.1492),
        ] {
            let got = delta_e(p, q);
            assert!((got - want).abs() < 1e-3, "{got} vs {want}");
        }
    }

    #[test]
    fn lane_colours_stay_apart_under_every_common_colour_vision_deficiency() {
        let mut report = Vec::new();
        for (name, m) in &VISION {
            let labs: Vec<[f64; 3]> = LANE_COLORS.iter().map(|&c| seen(m, c)).collect();
            for i in 0..labs.len() {
                for j in i + 1..labs.len() {
                    let d = delta_e(labs[i], labs[j]);
                    report.push(format!("{name} {i}-{j}: {d:.1}"));
                    // The default race's two lanes: far apart for everyone.
                    if (i, j) == (0, 1) {
                        assert!(d > 45.0, "{name}: lanes 0 and 1 only {d:.1} apart");
                    }
                    // Any two lanes: clearly different side by side (a ΔE00 of 10 is about
                    // ten just-noticeable differences).
                    assert!(d > 10.0, "{name}: lanes {i} and {j} only {d:.1} apart");
                }
            }
        }
        println!("{}", report.join("\n"));
    }

    #[test]
    fn lane_inks_are_readable_on_white_and_keep_their_hue() {
        let white = (255, 255, 255);
        for (ink, colour) in LANE_INKS.iter().zip(LANE_COLORS) {
            assert!(
                contrast(*ink, white) >= 4.5,
                "{ink:?}: {:.2}",
                contrast(*ink, white)
            );
            let hue = |c| {
                let [_, a, b] = seen(&VISION[0].1, c);
                b.atan2(a).to_degrees()
            };
            assert!(
                (hue(*ink) - hue(colour)).abs() < 8.0,
                "{ink:?} vs {colour:?}"
            );
        }
    }
}
