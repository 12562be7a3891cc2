//! Matrix products of the forward and backward passes.
//!
//! All matrices are nalgebra column-major `f32` matrices; a mini-batch is stored one sample per
//! column, so "the first `n` samples" is a contiguous prefix and transposes are zero-copy strided
//! views. Every product goes through [`gemm`], which writes into a preallocated output.
//!
//! Natively [`gemm`] is nalgebra's `gemm`, which hands dynamic `f32` matrices (with their real
//! strides, so transposed views need no copy) to `matrixmultiply` and its AVX2/FMA kernels.
//! In wasm built with `simd128` it is our own register-tiled SIMD kernel ([`simd`]), which packs
//! into buffers kept in the [`Gemm`] value (no allocation per call) and is faster than the
//! generic path there.

use nalgebra::{DMatrix, DMatrixView, DMatrixViewMut, Dyn};

/// A read-only matrix view with arbitrary strides (plain, transposed or a column prefix).
pub type MatRef<'a> = DMatrixView<'a, f32, Dyn, Dyn>;
/// A writable matrix view with arbitrary strides.
pub type MatMut<'a> = DMatrixViewMut<'a, f32, Dyn, Dyn>;

/// The first `cols` columns of `m`.
pub fn cols(m: &DMatrix<f32>, cols: usize) -> MatRef<'_> {
    let rows = m.nrows();
    DMatrixView::from_slice_with_strides_generic(
        &m.as_slice()[..rows * cols],
        Dyn(rows),
        Dyn(cols),
        Dyn(1),
        Dyn(rows),
    )
}

/// The transpose of the first `cols` columns of `m`, without copying.
pub fn cols_t(m: &DMatrix<f32>, cols: usize) -> MatRef<'_> {
    let rows = m.nrows();
    DMatrixView::from_slice_with_strides_generic(
        &m.as_slice()[..rows * cols],
        Dyn(cols),
        Dyn(rows),
        Dyn(rows),
        Dyn(1),
    )
}

/// The first `cols` columns of `m`, writable.
pub fn cols_mut(m: &mut DMatrix<f32>, cols: usize) -> MatMut<'_> {
    let rows = m.nrows();
    DMatrixViewMut::from_slice_with_strides_generic(
        &mut m.as_mut_slice()[..rows * cols],
        Dyn(rows),
        Dyn(cols),
        Dyn(1),
        Dyn(rows),
    )
}

/// Reusable state for matrix products (packing buffers of the SIMD kernel).
#[derive(Default, Debug, Clone)]
pub struct Gemm {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    scratch: simd::Scratch,
}

impl Gemm {
    /// c ← alpha · a · b + beta · c. With `beta == 0` the old contents of `c` are never read.
    ///
    /// # Shapes
    /// `a`: m×k, `b`: k×n, `c`: m×n, each with any strides.
    #[inline]
    pub fn gemm(
        &mut self,
        c: &mut MatMut<'_>,
        alpha: f32,
        a: &MatRef<'_>,
        b: &MatRef<'_>,
        beta: f32,
    ) {
        assert_eq!(a.ncols(), b.nrows(), "gemm: inner dimensions differ");
        assert_eq!(
            (c.nrows(), c.ncols()),
            (a.nrows(), b.ncols()),
            "gemm: output shape differs"
        );
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        {
            simd::gemm(&mut self.scratch, c, alpha, a, b, beta);
        }
        #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
        {
            nalgebra_gemm(c, alpha, a, b, beta);
        }
    }
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
#[inline]
fn nalgebra_gemm(c: &mut MatMut<'_>, alpha: f32, a: &MatRef<'_>, b: &MatRef<'_>, beta: f32) {
    // nalgebra hands only products with every dimension above 5 to matrixmultiply; its own
    // small-matrix path misbehaves on strided (transposed) views, so tiny products — a single
    // image to classify, a ragged last batch of a few samples — take the plain loop instead.
    const SMALL: usize = 5;
    if a.ncols() == 0 {
        scale_in_place(c, beta);
    } else if c.nrows() <= SMALL || c.ncols() <= SMALL || a.ncols() <= SMALL {
        small_gemm(c, alpha, a, b, beta);
    } else {
        c.gemm(alpha, a, b, beta);
    }
}

/// A straightforward loop for products too small to be worth packing.
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn small_gemm(c: &mut MatMut<'_>, alpha: f32, a: &MatRef<'_>, b: &MatRef<'_>, beta: f32) {
    for j in 0..c.ncols() {
        for i in 0..c.nrows() {
            let mut acc = 0.0f32;
            for p in 0..a.ncols() {
                acc += a[(i, p)] * b[(p, j)];
            }
            let old = if beta == 0.0 { 0.0 } else { beta * c[(i, j)] };
            c[(i, j)] = alpha * acc + old;
        }
    }
}

/// c ← beta · c (a product with an empty inner dimension).
fn scale_in_place(c: &mut MatMut<'_>, beta: f32) {
    if beta == 0.0 {
        c.fill(0.0);
    } else {
        *c *= beta;
    }
}

/// The textbook triple loop, in f64, as the yardstick for the fast paths in tests.
pub fn reference_gemm(c: &mut MatMut<'_>, alpha: f32, a: &MatRef<'_>, b: &MatRef<'_>, beta: f32) {
    for i in 0..c.nrows() {
        for j in 0..c.ncols() {
            let mut acc = 0.0f64;
            for p in 0..a.ncols() {
                acc += a[(i, p)] as f64 * b[(p, j)] as f64;
            }
            let old = if beta == 0.0 {
                0.0
            } else {
                beta as f64 * c[(i, j)] as f64
            };
            c[(i, j)] = (alpha as f64 * acc + old) as f32;
        }
    }
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub mod simd;

#[cfg(test)]
mod tests {
    use super::*;

    fn matrix(rows: usize, cols: usize, seed: u64) -> DMatrix<f32> {
        // A cheap deterministic fill; values in [-1, 1).
        let mut s = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        DMatrix::from_fn(rows, cols, |_, _| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
    }

    fn check(m: usize, k: usize, n: usize, ta: bool, tb: bool, beta: f32, seed: u64) {
        let a_store = if ta {
            matrix(k, m, seed)
        } else {
            matrix(m, k, seed)
        };
        let b_store = if tb {
            matrix(n, k, seed + 1)
        } else {
            matrix(k, n, seed + 1)
        };
        let a = if ta {
            cols_t(&a_store, m)
        } else {
            cols(&a_store, k)
        };
        let b = if tb {
            cols_t(&b_store, k)
        } else {
            cols(&b_store, n)
        };
        let mut fast = matrix(m, n, seed + 2);
        let mut slow = fast.clone();
        Gemm::default().gemm(&mut cols_mut(&mut fast, n), 0.7, &a, &b, beta);
        reference_gemm(&mut cols_mut(&mut slow, n), 0.7, &a, &b, beta);
        let tol = 1e-5 * (k as f32).max(1.0);
        for (x, y) in fast.iter().zip(slow.iter()) {
            assert!(
                (x - y).abs() <= tol,
                "m={m} k={k} n={n} ta={ta} tb={tb}: {x} vs {y}"
            );
        }
    }

    /// The same property on targets without proptest: many random shapes from a fixed stream.
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn many_random_shapes_match_reference() {
        let mut s = 12345u64;
        let mut next = |limit: u64| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 33) % limit) as usize
        };
        for case in 0..300 {
            let (m, k, n) = (1 + next(40), next(300), 1 + next(40));
            check(
                m,
                k,
                n,
                next(2) == 1,
                next(2) == 1,
                [0.0, 0.5, 1.0][next(3)],
                case,
            );
        }
    }

    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn network_shapes_match_reference() {
        // The three products of a 784-128-64-10 step at batch 64 and a ragged last batch.
        for n in [64, 24, 1] {
            check(128, 784, n, false, false, 0.0, 1); // forward
            check(128, 784 / 7, n, false, false, 1.0, 2);
            check(128, n, 784 / 7, false, true, 0.0, 3); // weight gradient: dZ · Aᵀ
            check(64, 128, n, true, false, 0.0, 4); // input gradient: Wᵀ · dZ
        }
    }

    #[cfg(not(target_arch = "wasm32"))]
    proptest::proptest! {
        #[test]
        fn random_shapes_match_reference(
            m in 1usize..40, k in 0usize..40, n in 1usize..40,
            ta: bool, tb: bool, beta_is_zero: bool, seed in 0u64..1000,
        ) {
            check(m, k, n, ta, tb, if beta_is_zero { 0.0 } else { 0.5 }, seed);
        }
    }

    /// Not a test: the matrix-multiply rate of this target's kernel on the network's shapes.
    /// `cargo test --release --target wasm32-unknown-unknown --lib kernel_rate -- --include-ignored --nocapture`
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[ignore = "a benchmark"]
    fn kernel_rate() {
        let now = || web_time::Instant::now();
        for (name, m, k, n, tb) in [
            ("512x512x512", 512, 512, 512, false),
            ("forward 128x784 * 784x64", 128, 784, 64, false),
            ("weight grad 128x64 * (64x784)^T", 128, 64, 784, true),
            ("input grad (128x64)^T * 128x64", 64, 128, 64, false),
        ] {
            let a = matrix(m, k, 1);
            let b = if tb { matrix(n, k, 2) } else { matrix(k, n, 2) };
            let mut c = matrix(m, n, 3);
            let mut g = Gemm::default();
            let flops = 2.0 * (m * k * n) as f64;
            let reps = (1e9 / flops) as usize + 1;
            // Best of several rounds: the machine may be busy with something else for a moment.
            let mut gflops = 0.0f64;
            for _ in 0..7 {
                let start = now();
                for _ in 0..reps {
                    let bv = if tb { cols_t(&b, k) } else { cols(&b, n) };
                    g.gemm(&mut cols_mut(&mut c, n), 1.0, &cols(&a, k), &bv, 0.0);
                }
                gflops = gflops.max(flops * reps as f64 / start.elapsed().as_secs_f64() / 1e9);
            }
            let line = format!("KERNEL_RATE {name}: {gflops:.1} GFLOP/s");
            #[cfg(target_arch = "wasm32")]
            wasm_bindgen_test::console_log!("{line}");
            #[cfg(not(target_arch = "wasm32"))]
            println!("{line}");
        }
    }

    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn beta_zero_ignores_garbage_in_output() {
        let a = matrix(8, 8, 5);
        let b = matrix(8, 8, 6);
        let mut c = DMatrix::from_element(8, 8, f32::NAN);
        Gemm::default().gemm(
            &mut cols_mut(&mut c, 8),
            1.0,
            &cols(&a, 8),
            &cols(&b, 8),
            0.0,
        );
        assert!(c.iter().all(|v| v.is_finite()));
    }
}
