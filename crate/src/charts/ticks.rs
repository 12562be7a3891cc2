//! Axis ticks (1-2-5 steps, log decades) and the number formats of labels and legends.

/// A step of 1, 2, 2.5 or 5 × 10ⁿ giving at most `max_ticks` ticks over `span`.
pub fn nice_step(span: f64, max_ticks: usize) -> f64 {
    let raw = span / max_ticks.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let norm = raw / mag;
    let m = if norm <= 1.0 {
        1.0
    } else if norm <= 2.0 {
        2.0
    } else if norm <= 2.5 {
        2.5
    } else if norm <= 5.0 {
        5.0
    } else {
        10.0
    };
    m * mag
}

/// Ticks at multiples of a nice step within `[lo, hi]`, formatted with the step's decimals
/// and `suffix`.
pub fn linear_ticks(lo: f64, hi: f64, max_ticks: usize, suffix: &str) -> Vec<(f64, String)> {
    let step = nice_step(hi - lo, max_ticks);
    // The fewest decimals that show the step exactly (2.5 → 1, 0.25 → 2, 20 → 0).
    let decimals = (0..6)
        .find(|&d| {
            let scaled = step * 10f64.powi(d);
            (scaled - scaled.round()).abs() < 1e-6 * scaled.max(1.0)
        })
        .unwrap_or(6) as usize;
    let mut ticks = Vec::new();
    let mut k = (lo / step - 1e-9).ceil();
    while k * step <= hi + step * 1e-9 && ticks.len() < 100 {
        let v = k * step;
        let v = if v.abs() < step * 1e-9 { 0.0 } else { v };
        ticks.push((v, format!("{v:.decimals$}{suffix}")));
        k += 1.0;
    }
    ticks
}

/// Labelled and minor ticks for a log axis spanning `[lo, hi]` in log10 units, drawn
/// `height` CSS pixels tall: labels at 1-2-5 × 10ⁿ, 1-3 × 10ⁿ, every decade or every few
/// decades, whichever is the densest whose closest labels are 26 px apart; unlabelled grid
/// lines at 2…9 × 10ⁿ where decades are tall enough to take them.
pub fn log_ticks(lo: f64, hi: f64, height: f64) -> (Vec<(f64, String)>, Vec<f64>) {
    const MIN_GAP: f64 = 26.0;
    let decades = (hi - lo).max(1e-9);
    let per_decade = height / decades;
    let (first, last) = (lo.floor() as i32, hi.ceil() as i32);
    let inside = |l: f64| l >= lo - 1e-9 && l <= hi + 1e-9;
    let mantissas: &[f64] = if per_decade * 2f64.log10() >= MIN_GAP {
        &[1.0, 2.0, 5.0]
    } else if per_decade * (10f64 / 3.0).log10() >= MIN_GAP {
        &[1.0, 3.0]
    } else {
        &[1.0]
    };
    let every = ((MIN_GAP / per_decade).ceil() as i32).max(1);
    let mut ticks = Vec::new();
    let mut minor = Vec::new();
    for e in first..=last {
        let decade = f64::from(e);
        for m in 1..10 {
            let m = f64::from(m);
            let l = decade + m.log10();
            if !inside(l) {
                continue;
            }
            if mantissas.contains(&m) && (m != 1.0 || e.rem_euclid(every) == 0) {
                ticks.push((l, format_sig(m * 10f64.powi(e))));
            } else if m == 1.0 || per_decade >= 60.0 {
                minor.push(l);
            }
        }
    }
    (ticks, minor)
}

/// A log10 range around positive values `lo..=hi`, at least `min_decades` wide, with a little
/// padding.
pub fn log_range(lo: f64, hi: f64, min_decades: f64) -> (f64, f64) {
    let (mut a, mut b) = (lo.log10(), hi.log10());
    if b - a < min_decades {
        let mid = (a + b) / 2.0;
        a = mid - min_decades / 2.0;
        b = mid + min_decades / 2.0;
    }
    let pad = (b - a) * 0.04;
    (a - pad, b + pad)
}

/// A 1-, 2- or 5-like value for a tick label: "0.05", "2", "10⁻⁴", "2×10⁻⁵".
pub fn format_sig(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let e = v.abs().log10().floor() as i32;
    if (-3..5).contains(&e) {
        let decimals = (-e).max(0) as usize;
        return format!("{v:.decimals$}");
    }
    let m = (v / 10f64.powi(e)).round();
    let power = format!("10{}", superscript(e));
    if m == 1.0 {
        power
    } else {
        format!("{m}×{power}")
    }
}

/// -12 → "⁻¹²".
pub fn superscript(n: i32) -> String {
    n.to_string()
        .chars()
        .map(|c| match c {
            '-' => '⁻',
            '0' => '⁰',
            '1' => '¹',
            '2' => '²',
            '3' => '³',
            '4' => '⁴',
            '5' => '⁵',
            '6' => '⁶',
            '7' => '⁷',
            '8' => '⁸',
            _ => '⁹',
        })
        .collect()
}

/// A value with two significant digits, for legends ("0.084", "2.3", "3.1×10⁻⁴").
pub fn format_value(v: f64) -> String {
    if !v.is_finite() {
        return "—".into();
    }
    if v == 0.0 {
        return "0".into();
    }
    let e = v.abs().log10().floor() as i32;
    if (-3..4).contains(&e) {
        let decimals = (1 - e).max(0) as usize;
        return format!("{v:.decimals$}");
    }
    let m = v / 10f64.powi(e);
    format!("{m:.1}×10{}", superscript(e))
}

/// 95.0 → "95%", 97.5 → "97.5%", 99.95 → "99.95%".
pub fn format_pct(v: f64) -> String {
    if (v - v.round()).abs() < 0.005 {
        format!("{v:.0}%")
    } else if (v * 10.0 - (v * 10.0).round()).abs() < 0.05 {
        format!("{v:.1}%")
    } else {
        format!("{v:.2}%")
    }
}

/// 55000 → "55,000"; rounded to the nearest hundred above 10,000.
pub fn thousands(n: u64) -> String {
    let n = if n >= 10_000 { (n + 50) / 100 * 100 } else { n };
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(ticks: &[(f64, String)]) -> Vec<&str> {
        ticks.iter().map(|t| t.1.as_str()).collect()
    }

    #[test]
    fn steps_are_1_2_5() {
        assert_eq!(nice_step(10.0, 5), 2.0);
        assert_eq!(nice_step(10.0, 4), 2.5);
        assert_eq!(nice_step(100.0, 3), 50.0);
        assert_eq!(nice_step(7.0, 12), 1.0);
        assert!((nice_step(0.3, 4) - 0.1).abs() < 1e-15);
    }

    #[test]
    fn linear_ticks_cover_the_range_with_the_steps_decimals() {
        assert_eq!(
            labels(&linear_ticks(0.0, 1.0, 4, "")),
            ["0.00", "0.25", "0.50", "0.75", "1.00"]
        );
        assert_eq!(
            labels(&linear_ticks(0.0, 100.0, 5, "%")),
            ["0%", "20%", "40%", "60%", "80%", "100%"]
        );
        // Ticks start at the first multiple inside the range.
        assert_eq!(labels(&linear_ticks(0.3, 3.0, 3, "")), ["1", "2", "3"]);
    }

    #[test]
    fn log_ticks_thin_out_with_less_room() {
        // 400 px for 1.78 decades: 225 px per decade, room for 1-2-5 and minor lines.
        let (ticks, minor) = log_ticks(0.05f64.log10(), 3f64.log10(), 400.0);
        assert_eq!(labels(&ticks), ["0.05", "0.1", "0.2", "0.5", "1", "2"]);
        // 0.06…0.09, 0.3, 0.4, 0.6…0.9, 3 (and not 0.05: it is labelled).
        assert_eq!(minor.len(), 4 + 2 + 4 + 1, "{minor:?}");
        // 8.3 decades in 120 px: 14.5 px per decade, a label every second decade.
        let (ticks, _) = log_ticks(-6.2, 2.1, 120.0);
        assert_eq!(labels(&ticks), ["10⁻⁶", "10⁻⁴", "0.01", "1", "100"]);
        // 60 px per decade: 1 and 3 (log10(3.33) · 60 ≥ 26 > log10(2) · 60).
        let (ticks, _) = log_ticks(0.0, 2.0, 120.0);
        assert_eq!(labels(&ticks), ["1", "3", "10", "30", "100"]);
    }

    #[test]
    fn log_ranges_are_padded_and_at_least_the_minimum_wide() {
        let (a, b) = log_range(0.1, 10.0, 1.0);
        assert!(
            (a + 1.08).abs() < 1e-12 && (b - 1.08).abs() < 1e-12,
            "{a} {b}"
        );
        // One decade around √(0.2 · 0.8) = 0.4: log10 0.4 ± 0.5, padded by 0.04.
        let (a, b) = log_range(0.2, 0.8, 1.0);
        let mid = 0.4f64.log10();
        assert!((a - (mid - 0.54)).abs() < 1e-12 && (b - (mid + 0.54)).abs() < 1e-12);
    }

    #[test]
    fn number_formats() {
        assert_eq!(format_sig(1e-5), "10⁻⁵");
        assert_eq!(format_sig(2e-6), "2×10⁻⁶");
        assert_eq!(format_sig(0.05), "0.05");
        assert_eq!(format_sig(20_000.0), "20000");
        assert_eq!(format_sig(1e5), "10⁵");
        assert_eq!(superscript(-12), "⁻¹²");
        assert_eq!(format_value(0.00312), "0.0031");
        assert_eq!(format_value(2.345), "2.3");
        assert_eq!(format_value(31.7), "32");
        assert_eq!(format_value(3.1e-4), "3.1×10⁻⁴");
        assert_eq!(format_value(f64::NAN), "—");
        assert_eq!(format_pct(97.5), "97.5%");
        assert_eq!(format_pct(95.0), "95%");
        assert_eq!(format_pct(99.95), "99.95%");
        assert_eq!(thousands(55_000), "55,000");
        assert_eq!(thousands(2_000), "2,000");
        assert_eq!(thousands(54_951), "55,000");
        assert_eq!(thousands(999), "999");
    }
}
