//! Lines from reports: runs of finite points, thinning to the pixels that show, light smoothing
//! and cutting a blow-up off at a cap. All in value space, before any pixel mapping.

/// A line as runs of finite points: a non-finite value ends a run (the line breaks there).
pub type Runs = Vec<Vec<(f64, f64)>>;

/// Points in runs of finite values.
pub fn finite_runs(points: impl Iterator<Item = (f64, f64)>) -> Runs {
    let mut runs = Vec::new();
    let mut run = Vec::new();
    for (x, y) in points {
        if x.is_finite() && y.is_finite() {
            run.push((x, y));
        } else if !run.is_empty() {
            runs.push(std::mem::take(&mut run));
        }
    }
    if !run.is_empty() {
        runs.push(run);
    }
    runs
}

/// Thins a long run to the lowest and highest point of each of `columns` columns over
/// `x0..x1` (in their original order), keeping the first and last point: at one column per CSS
/// pixel the drawn line looks the same, with at most two points per column.
pub fn downsample(points: &[(f64, f64)], x0: f64, x1: f64, columns: usize) -> Vec<(f64, f64)> {
    if points.len() <= 2 * columns.max(1) + 2 {
        return points.to_vec();
    }
    let scale = columns as f64 / (x1 - x0).max(1e-12);
    let column = |x: f64| ((x - x0) * scale).floor() as i64;
    let mut out = Vec::with_capacity(2 * columns + 4);
    out.push(points[0]);
    let mut i = 1;
    let end = points.len() - 1;
    while i < end {
        let col = column(points[i].0);
        let (mut lo, mut hi) = (i, i);
        while i < end && column(points[i].0) == col {
            if points[i].1 < points[lo].1 {
                lo = i;
            }
            if points[i].1 > points[hi].1 {
                hi = i;
            }
            i += 1;
        }
        out.push(points[lo.min(hi)]);
        if lo != hi {
            out.push(points[lo.max(hi)]);
        }
    }
    out.push(points[end]);
    out
}

/// Centred moving average over `±half_width` in x: no lag, and only as wide as a few pixels.
pub fn smooth(run: &[(f64, f64)], half_width: f64) -> Vec<(f64, f64)> {
    // The window is run[lo..hi], which always holds point i (even if x went backwards).
    let (mut lo, mut hi, mut sum) = (0, 0, 0.0);
    let mut out = Vec::with_capacity(run.len());
    for (i, &(x, _)) in run.iter().enumerate() {
        while hi < run.len() && (hi <= i || run[hi].0 <= x + half_width) {
            sum += run[hi].1;
            hi += 1;
        }
        while lo < i && run[lo].0 < x - half_width {
            sum -= run[lo].1;
            lo += 1;
        }
        out.push((x, sum / (hi - lo) as f64));
    }
    out
}

/// Ends the line where it first rises above `cap` (at the crossing, interpolated) and drops
/// everything after.
pub fn clip_runs_above(runs: &mut Runs, cap: f64) {
    for i in 0..runs.len() {
        if let Some(j) = runs[i].iter().position(|p| p.1 > cap) {
            let run = &mut runs[i];
            if j > 0 {
                let (a, b) = (run[j - 1], run[j]);
                let t = (cap - a.1) / (b.1 - a.1);
                run[j] = (a.0 + (b.0 - a.0) * t, cap);
                run.truncate(j + 1);
            } else {
                run.clear();
            }
            runs.truncate(i + 1);
            runs.retain(|r| !r.is_empty());
            return;
        }
    }
}

/// The lowest and highest y over all runs (infinite when there are no points).
pub fn y_extent<'a>(runs: impl IntoIterator<Item = &'a Vec<(f64, f64)>>) -> (f64, f64) {
    runs.into_iter()
        .flatten()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
            (a.min(p.1), b.max(p.1))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_finite_values_break_the_line() {
        let pts = [
            (0.0, 1.0),
            (1.0, f64::NAN),
            (2.0, 2.0),
            (3.0, 3.0),
            (f64::INFINITY, 4.0),
            (5.0, f64::NEG_INFINITY),
        ];
        assert_eq!(
            finite_runs(pts.into_iter()),
            vec![vec![(0.0, 1.0)], vec![(2.0, 2.0), (3.0, 3.0)]]
        );
        assert!(finite_runs([(f64::NAN, 0.0)].into_iter()).is_empty());
    }

    #[test]
    fn thinning_keeps_the_ends_the_extremes_and_two_points_per_column() {
        let run: Vec<(f64, f64)> = (0..5000)
            .map(|i| (i as f64 / 1000.0, (i as f64 * 0.37).sin()))
            .collect();
        let thin = downsample(&run, 0.0, 5.0, 100);
        assert!(thin.len() <= 202, "{}", thin.len());
        assert_eq!((thin[0], thin[thin.len() - 1]), (run[0], run[4999]));
        let max = |v: &[(f64, f64)]| v.iter().map(|p| p.1).fold(f64::MIN, f64::max);
        let min = |v: &[(f64, f64)]| v.iter().map(|p| p.1).fold(f64::MAX, f64::min);
        assert_eq!((max(&thin), min(&thin)), (max(&run), min(&run)));
        assert!(thin.windows(2).all(|w| w[0].0 <= w[1].0));
        // Short runs are left alone.
        assert_eq!(downsample(&run[..10], 0.0, 5.0, 100), run[..10].to_vec());
    }

    #[test]
    fn thinning_by_hand() {
        // 2 columns over 0..2; interior points 1..=6 fall in columns 0,0,0,1,1,1.
        let pts = [
            (0.0, 5.0),
            (0.2, 1.0),
            (0.5, 9.0),
            (0.9, 4.0),
            (1.1, 3.0),
            (1.5, 2.0),
            (1.8, 8.0),
            (2.0, 6.0),
        ];
        assert_eq!(
            downsample(&pts, 0.0, 2.0, 2),
            vec![
                (0.0, 5.0),
                (0.2, 1.0),
                (0.5, 9.0),
                (1.5, 2.0),
                (1.8, 8.0),
                (2.0, 6.0)
            ]
        );
    }

    #[test]
    fn smoothing_is_a_centred_mean() {
        let flat: Vec<(f64, f64)> = (0..50).map(|i| (f64::from(i), 3.0)).collect();
        assert!(smooth(&flat, 2.5).iter().all(|p| (p.1 - 3.0).abs() < 1e-12));
        // ±1: the ends average two points, the middle three.
        let pts = [(0.0, 0.0), (1.0, 3.0), (2.0, 6.0), (3.0, 0.0)];
        assert_eq!(
            smooth(&pts, 1.0),
            vec![(0.0, 1.5), (1.0, 3.0), (2.0, 3.0), (3.0, 3.0)]
        );
        // Never panics on odd x orders.
        let odd = [(3.0, 1.0), (1.0, 2.0), (2.0, 3.0), (0.0, 4.0)];
        assert_eq!(smooth(&odd, 1.0).len(), 4);
    }

    #[test]
    fn a_blow_up_is_cut_where_it_crosses_the_cap() {
        let mut runs = vec![vec![(0.0, 0.0), (1.0, 0.5), (2.0, 5.0), (3.0, 9.0)]];
        clip_runs_above(&mut runs, 1.0);
        // (1, 0.5) → (2, 5) crosses 1 after 0.5 / 4.5 of the step.
        assert_eq!(
            runs,
            vec![vec![(0.0, 0.0), (1.0, 0.5), (1.0 + 0.5 / 4.5, 1.0)]]
        );
        // A later run starting above the cap is dropped with everything after it.
        let mut runs = vec![
            vec![(0.0, 0.0)],
            vec![(2.0, 3.0), (3.0, 0.0)],
            vec![(4.0, 0.0)],
        ];
        clip_runs_above(&mut runs, 1.0);
        assert_eq!(runs, vec![vec![(0.0, 0.0)]]);
    }

    #[test]
    fn extents() {
        let runs = vec![vec![(0.0, 2.0), (1.0, -1.0)], vec![(2.0, 7.0)]];
        assert_eq!(y_extent(&runs), (-1.0, 7.0));
        assert_eq!(y_extent(&Runs::new()), (f64::INFINITY, f64::NEG_INFINITY));
    }
}
