//! A register-tiled wasm `simd128` matrix product (with fused multiply-add from relaxed SIMD
//! when built with the `relaxed-simd` feature, faster by a host-dependent share: +17% on an AMD
//! EPYC host, up to twice as fast on an Intel Xeon; `bash .ci/bench` measures it, the README
//! gives the figures).
//!
//! Written by hand because the generic path (matrixmultiply behind nalgebra) allocates a packing
//! buffer on every call and is slower in wasm on our shapes; this one keeps its packing buffers
//! between calls. Layout, BLIS-style: the k dimension is cut into chunks of `KC`; for each chunk
//! A is packed into 8-row slivers and B into 4-column slivers (zero-padded at the ragged edges),
//! then an 8×4 micro-kernel keeps the whole C tile in eight `v128` registers while it walks k.
//! Any strides are accepted, so transposed views need no copies.

use super::{MatMut, MatRef};
use core::arch::wasm32::*;

const MR: usize = 8;
const NR: usize = 4;
/// k-chunk: an 8×KC sliver of A (8 KiB) and a KC×4 sliver of B (4 KiB) stay in L1.
const KC: usize = 256;

/// Packing buffers, grown to the largest product seen and then reused.
#[derive(Default, Debug, Clone)]
pub struct Scratch {
    a: Vec<f32>,
    b: Vec<f32>,
}

/// c ← alpha · a · b + beta · c (shapes checked by the caller).
#[cfg_attr(feature = "relaxed-simd", target_feature(enable = "relaxed-simd"))]
pub fn gemm(
    s: &mut Scratch,
    c: &mut MatMut<'_>,
    alpha: f32,
    a: &MatRef<'_>,
    b: &MatRef<'_>,
    beta: f32,
) {
    let (m, k, n) = (a.nrows(), a.ncols(), b.ncols());
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        super::scale_in_place(c, beta);
        return;
    }
    let m_blocks = m.div_ceil(MR);
    let n_blocks = n.div_ceil(NR);
    let kc_max = k.min(KC);
    grow(&mut s.a, m_blocks * MR * kc_max);
    grow(&mut s.b, n_blocks * NR * kc_max);
    let (rsc, csc) = c.strides();
    let c_ptr = c.as_mut_ptr();

    let mut p0 = 0;
    while p0 < k {
        let kc = KC.min(k - p0);
        pack_a(&mut s.a, a, p0, kc, m_blocks);
        pack_b(&mut s.b, b, p0, kc, n_blocks);
        // The first chunk applies the caller's beta; later ones accumulate.
        let beta_here = if p0 == 0 { beta } else { 1.0 };
        for jb in 0..n_blocks {
            let j0 = jb * NR;
            let nr = NR.min(n - j0);
            let pb = &s.b[jb * NR * kc..(jb + 1) * NR * kc];
            for ib in 0..m_blocks {
                let i0 = ib * MR;
                let mr = MR.min(m - i0);
                let pa = &s.a[ib * MR * kc..(ib + 1) * MR * kc];
                let tile = micro_kernel(kc, pa, pb);
                // SAFETY: (i0 + r, j0 + q) for r < mr, q < nr lies inside c, whose strides and
                // pointer come from a live mutable view.
                unsafe {
                    store_tile(&tile, c_ptr, rsc, csc, i0, j0, mr, nr, alpha, beta_here);
                }
            }
        }
        p0 += kc;
    }
}

fn grow(v: &mut Vec<f32>, len: usize) {
    if v.len() < len {
        v.resize(len, 0.0);
    }
}

/// Packs rows of `a`, columns p0..p0+kc, as 8-row slivers: sliver `ib` holds, for each p, the 8
/// values a[ib·8 .. ib·8+8, p] (zeros past the last row).
fn pack_a(dst: &mut [f32], a: &MatRef<'_>, p0: usize, kc: usize, m_blocks: usize) {
    let m = a.nrows();
    let (rs, cs) = a.strides();
    let src = a.as_ptr();
    for ib in 0..m_blocks {
        let i0 = ib * MR;
        let rows = MR.min(m - i0);
        let sliver = &mut dst[ib * MR * kc..(ib + 1) * MR * kc];
        for p in 0..kc {
            let out = &mut sliver[p * MR..p * MR + MR];
            // SAFETY: (i0 + r, p0 + p) is inside a for r < rows, p < kc.
            unsafe {
                let col = src.add((p0 + p) * cs + i0 * rs);
                if rs == 1 && rows == MR {
                    out.copy_from_slice(std::slice::from_raw_parts(col, MR));
                } else {
                    for (r, o) in out.iter_mut().enumerate() {
                        *o = if r < rows { *col.add(r * rs) } else { 0.0 };
                    }
                }
            }
        }
    }
}

/// Packs columns of `b`, rows p0..p0+kc, as 4-column slivers: sliver `jb` holds, for each p, the
/// 4 values b[p, jb·4 .. jb·4+4] (zeros past the last column).
fn pack_b(dst: &mut [f32], b: &MatRef<'_>, p0: usize, kc: usize, n_blocks: usize) {
    let n = b.ncols();
    let (rs, cs) = b.strides();
    let src = b.as_ptr();
    for jb in 0..n_blocks {
        let j0 = jb * NR;
        let cols = NR.min(n - j0);
        let sliver = &mut dst[jb * NR * kc..(jb + 1) * NR * kc];
        if rs == 1 && cols == NR {
            // Column-major B: four contiguous columns, interleaved.
            // SAFETY: rows p0..p0+kc of columns j0..j0+4 are inside b.
            unsafe {
                let c0 = src.add(j0 * cs + p0);
                let (c1, c2, c3) = (c0.add(cs), c0.add(2 * cs), c0.add(3 * cs));
                for p in 0..kc {
                    let out = &mut sliver[p * NR..p * NR + NR];
                    out[0] = *c0.add(p);
                    out[1] = *c1.add(p);
                    out[2] = *c2.add(p);
                    out[3] = *c3.add(p);
                }
            }
        } else {
            for p in 0..kc {
                let out = &mut sliver[p * NR..p * NR + NR];
                // SAFETY: (p0 + p, j0 + q) is inside b for q < cols.
                unsafe {
                    let row = src.add((p0 + p) * rs + j0 * cs);
                    for (q, o) in out.iter_mut().enumerate() {
                        *o = if q < cols { *row.add(q * cs) } else { 0.0 };
                    }
                }
            }
        }
    }
}

/// The 8×4 tile of (packed A sliver) · (packed B sliver) over `kc` steps, as 8 column halves:
/// `tile[2q]` holds rows 0–3 of column q, `tile[2q + 1]` rows 4–7.
#[cfg_attr(
    feature = "relaxed-simd",
    target_feature(enable = "relaxed-simd"),
    inline
)]
#[cfg_attr(not(feature = "relaxed-simd"), inline(always))]
fn micro_kernel(kc: usize, pa: &[f32], pb: &[f32]) -> [v128; 8] {
    assert!(pa.len() >= kc * MR && pb.len() >= kc * NR);
    let zero = f32x4_splat(0.0);
    let (mut c00, mut c01, mut c10, mut c11) = (zero, zero, zero, zero);
    let (mut c20, mut c21, mut c30, mut c31) = (zero, zero, zero, zero);
    let pa = pa.as_ptr();
    let pb = pb.as_ptr();
    for p in 0..kc {
        // SAFETY: p < kc and the slices hold kc·8 and kc·4 floats (asserted above);
        // wasm loads have no alignment requirement.
        unsafe {
            let a0 = v128_load(pa.add(p * MR) as *const v128);
            let a1 = v128_load(pa.add(p * MR + 4) as *const v128);
            let b = pb.add(p * NR);
            let b0 = v128_load32_splat(b as *const u32);
            let b1 = v128_load32_splat(b.add(1) as *const u32);
            let b2 = v128_load32_splat(b.add(2) as *const u32);
            let b3 = v128_load32_splat(b.add(3) as *const u32);
            c00 = madd(a0, b0, c00);
            c01 = madd(a1, b0, c01);
            c10 = madd(a0, b1, c10);
            c11 = madd(a1, b1, c11);
            c20 = madd(a0, b2, c20);
            c21 = madd(a1, b2, c21);
            c30 = madd(a0, b3, c30);
            c31 = madd(a1, b3, c31);
        }
    }
    [c00, c01, c10, c11, c20, c21, c30, c31]
}

/// c + a·b, fused (one rounding) where relaxed SIMD is available.
#[cfg(feature = "relaxed-simd")]
#[target_feature(enable = "relaxed-simd")]
#[inline]
fn madd(a: v128, b: v128, c: v128) -> v128 {
    f32x4_relaxed_madd(a, b, c)
}

/// c + a·b as a multiply and an add.
#[cfg(not(feature = "relaxed-simd"))]
#[inline(always)]
fn madd(a: v128, b: v128, c: v128) -> v128 {
    f32x4_add(c, f32x4_mul(a, b))
}

/// c[i0.., j0..] ← alpha · tile + beta · c for the `mr × nr` valid part of the tile.
///
/// # Safety
/// Every (i0 + r, j0 + q) with r < mr, q < nr must address an element of the matrix at `c`
/// with strides (rsc, csc).
#[expect(
    clippy::too_many_arguments,
    reason = "the tile, the output pointer and its strides and bounds are all needed; a struct would only wrap them"
)]
#[inline(always)]
unsafe fn store_tile(
    tile: &[v128; 8],
    c: *mut f32,
    rsc: usize,
    csc: usize,
    i0: usize,
    j0: usize,
    mr: usize,
    nr: usize,
    alpha: f32,
    beta: f32,
) {
    let va = f32x4_splat(alpha);
    let vb = f32x4_splat(beta);
    if rsc == 1 && mr == MR {
        for q in 0..nr {
            // SAFETY: rows i0..i0+8 of column j0+q are inside c (caller's contract).
            unsafe {
                let col = c.add((j0 + q) * csc + i0);
                for h in 0..2 {
                    let ptr = col.add(4 * h) as *mut v128;
                    let mut v = f32x4_mul(va, tile[2 * q + h]);
                    if beta != 0.0 {
                        v = f32x4_add(v, f32x4_mul(vb, v128_load(ptr)));
                    }
                    v128_store(ptr, v);
                }
            }
        }
    } else {
        let mut vals = [0.0f32; MR * NR];
        for (q, chunk) in vals.chunks_exact_mut(MR).enumerate() {
            chunk[..4].copy_from_slice(&lanes(tile[2 * q]));
            chunk[4..].copy_from_slice(&lanes(tile[2 * q + 1]));
        }
        for q in 0..nr {
            for r in 0..mr {
                // SAFETY: (i0 + r, j0 + q) is inside c (caller's contract).
                unsafe {
                    let ptr = c.add((j0 + q) * csc + (i0 + r) * rsc);
                    let old = if beta != 0.0 { beta * *ptr } else { 0.0 };
                    *ptr = alpha * vals[q * MR + r] + old;
                }
            }
        }
    }
}

#[inline(always)]
fn lanes(v: v128) -> [f32; 4] {
    [
        f32x4_extract_lane::<0>(v),
        f32x4_extract_lane::<1>(v),
        f32x4_extract_lane::<2>(v),
        f32x4_extract_lane::<3>(v),
    ]
}
