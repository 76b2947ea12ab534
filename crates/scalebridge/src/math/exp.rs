//! `exp` in plain Rust: the same bits on every machine, and no call into the C library.
//!
//! The law's evaluations spend most of their time in `exp` (the `ρ` softmax and one softmax
//! of `2B+1` hops per bin). glibc's `exp` is fast, but on machines with AVX-512 it ran 3-5
//! times slower during a kernel-law fit (gone with glibc's AVX-512 code paths turned off;
//! the mechanism not pinned down; measured in `docs/benchmarks.md`), and its results can differ between C
//! libraries. This one is the table method of Tang (1989) in the form glibc and musl use:
//! `x = (k/N) ln 2 + r` with `N = 128`, `|r| ≤ ln2/(2N)`, `e^x = 2^{k/N} e^r`, the 128 values
//! `2^{i/N}` in a table, correctly rounded and with their rounding errors beside them, and
//! `e^r − 1` by its Taylor polynomial of degree 5 (truncation error below
//! `r⁶/720 < 6·10⁻¹⁹`). Checked against the C library's `exp` in the tests: never more than
//! 1 ulp apart, and the same bits in most cases.

/// `N`, the table's size.
const N: usize = 128;
/// `N / ln 2`.
const INV_LN2_N: f64 = 184.664_965_233_787_3;
/// `ln 2 / N` in two parts: fdlibm's `ln 2` with 32 significant bits (0.693147180369…), so that `k` times it
/// is exact for every `|k| < 2²¹`, and the rest.
const LN2_HI_N: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000) / N as f64;
const LN2_LO_N: f64 = f64::from_bits(0x3dea_39ef_3579_3c76) / N as f64;
/// `1.5·2⁵²`: adding it rounds to an integer (round to nearest even).
const SHIFT: f64 = 6_755_399_441_055_744.0;

/// `2^{i/N}`, `i = 0..N`, correctly rounded (computed with 200-bit arithmetic).
const TABLE: [u64; N] = [
    0x3ff0000000000000,
    0x3ff0163da9fb3335,
    0x3ff02c9a3e778061,
    0x3ff04315e86e7f85,
    0x3ff059b0d3158574,
    0x3ff0706b29ddf6de,
    0x3ff0874518759bc8,
    0x3ff09e3ecac6f383,
    0x3ff0b5586cf9890f,
    0x3ff0cc922b7247f7,
    0x3ff0e3ec32d3d1a2,
    0x3ff0fb66affed31b,
    0x3ff11301d0125b51,
    0x3ff12abdc06c31cc,
    0x3ff1429aaea92de0,
    0x3ff15a98c8a58e51,
    0x3ff172b83c7d517b,
    0x3ff18af9388c8dea,
    0x3ff1a35beb6fcb75,
    0x3ff1bbe084045cd4,
    0x3ff1d4873168b9aa,
    0x3ff1ed5022fcd91d,
    0x3ff2063b88628cd6,
    0x3ff21f49917ddc96,
    0x3ff2387a6e756238,
    0x3ff251ce4fb2a63f,
    0x3ff26b4565e27cdd,
    0x3ff284dfe1f56381,
    0x3ff29e9df51fdee1,
    0x3ff2b87fd0dad990,
    0x3ff2d285a6e4030b,
    0x3ff2ecafa93e2f56,
    0x3ff306fe0a31b715,
    0x3ff32170fc4cd831,
    0x3ff33c08b26416ff,
    0x3ff356c55f929ff1,
    0x3ff371a7373aa9cb,
    0x3ff38cae6d05d866,
    0x3ff3a7db34e59ff7,
    0x3ff3c32dc313a8e5,
    0x3ff3dea64c123422,
    0x3ff3fa4504ac801c,
    0x3ff4160a21f72e2a,
    0x3ff431f5d950a897,
    0x3ff44e086061892d,
    0x3ff46a41ed1d0057,
    0x3ff486a2b5c13cd0,
    0x3ff4a32af0d7d3de,
    0x3ff4bfdad5362a27,
    0x3ff4dcb299fddd0d,
    0x3ff4f9b2769d2ca7,
    0x3ff516daa2cf6642,
    0x3ff5342b569d4f82,
    0x3ff551a4ca5d920f,
    0x3ff56f4736b527da,
    0x3ff58d12d497c7fd,
    0x3ff5ab07dd485429,
    0x3ff5c9268a5946b7,
    0x3ff5e76f15ad2148,
    0x3ff605e1b976dc09,
    0x3ff6247eb03a5585,
    0x3ff6434634ccc320,
    0x3ff6623882552225,
    0x3ff68155d44ca973,
    0x3ff6a09e667f3bcd,
    0x3ff6c012750bdabf,
    0x3ff6dfb23c651a2f,
    0x3ff6ff7df9519484,
    0x3ff71f75e8ec5f74,
    0x3ff73f9a48a58174,
    0x3ff75feb564267c9,
    0x3ff780694fde5d3f,
    0x3ff7a11473eb0187,
    0x3ff7c1ed0130c132,
    0x3ff7e2f336cf4e62,
    0x3ff80427543e1a12,
    0x3ff82589994cce13,
    0x3ff8471a4623c7ad,
    0x3ff868d99b4492ed,
    0x3ff88ac7d98a6699,
    0x3ff8ace5422aa0db,
    0x3ff8cf3216b5448c,
    0x3ff8f1ae99157736,
    0x3ff9145b0b91ffc6,
    0x3ff93737b0cdc5e5,
    0x3ff95a44cbc8520f,
    0x3ff97d829fde4e50,
    0x3ff9a0f170ca07ba,
    0x3ff9c49182a3f090,
    0x3ff9e86319e32323,
    0x3ffa0c667b5de565,
    0x3ffa309bec4a2d33,
    0x3ffa5503b23e255d,
    0x3ffa799e1330b358,
    0x3ffa9e6b5579fdbf,
    0x3ffac36bbfd3f37a,
    0x3ffae89f995ad3ad,
    0x3ffb0e07298db666,
    0x3ffb33a2b84f15fb,
    0x3ffb59728de5593a,
    0x3ffb7f76f2fb5e47,
    0x3ffba5b030a1064a,
    0x3ffbcc1e904bc1d2,
    0x3ffbf2c25bd71e09,
    0x3ffc199bdd85529c,
    0x3ffc40ab5fffd07a,
    0x3ffc67f12e57d14b,
    0x3ffc8f6d9406e7b5,
    0x3ffcb720dcef9069,
    0x3ffcdf0b555dc3fa,
    0x3ffd072d4a07897c,
    0x3ffd2f87080d89f2,
    0x3ffd5818dcfba487,
    0x3ffd80e316c98398,
    0x3ffda9e603db3285,
    0x3ffdd321f301b460,
    0x3ffdfc97337b9b5f,
    0x3ffe264614f5a129,
    0x3ffe502ee78b3ff6,
    0x3ffe7a51fbc74c83,
    0x3ffea4afa2a490da,
    0x3ffecf482d8e67f1,
    0x3ffefa1bee615a27,
    0x3fff252b376bba97,
    0x3fff50765b6e4540,
    0x3fff7bfdad9cbe14,
    0x3fffa7c1819e90d8,
    0x3fffd3c22b8f71f1,
];

/// `(2^{i/N} − TABLE[i]) / TABLE[i]`: what the rounded table misses, relative.
const TAIL: [f64; N] = [
    0.0,
    9.447885451727066e-17,
    -1.507066976926039e-17,
    -5.679155082825012e-17,
    4.9997448722726326e-17,
    -4.823683599994895e-17,
    7.357846871247418e-18,
    5.773230223741951e-17,
    8.189317638195515e-17,
    5.326891139980878e-17,
    1.6665881442326747e-18,
    -1.128113245461828e-17,
    -7.402825309426177e-17,
    -3.578659767309563e-18,
    -6.170654745608695e-17,
    2.919139999949279e-17,
    -2.7939114859515733e-17,
    -5.399285355184285e-17,
    4.776959425256223e-17,
    -7.927701432338473e-17,
    9.341710609905046e-17,
    -5.534520675707472e-17,
    4.585670326662351e-17,
    2.8582430411116143e-17,
    7.826573258636076e-17,
    4.053626906769216e-17,
    2.823784425951061e-17,
    -7.882802262487991e-17,
    3.2904726646008416e-17,
    -1.5792094703347882e-18,
    4.721368121170128e-17,
    1.3045277096919659e-17,
    3.3484623336251524e-17,
    3.8611199774925664e-17,
    5.527550048505249e-17,
    -3.927184172445234e-17,
    -6.346552106729483e-17,
    -8.684417614865944e-17,
    -1.5456342819397733e-17,
    -8.70763476495455e-17,
    3.750854201303127e-17,
    -6.616854503526488e-17,
    -5.346099009198751e-18,
    -2.443726321015018e-17,
    2.1023049675215714e-18,
    7.771067937501065e-17,
    1.3357510088834541e-17,
    6.938291696959204e-17,
    1.9572585293112036e-17,
    6.632256961675804e-17,
    -5.478069123926778e-17,
    -4.140839310392624e-17,
    -2.1571477251208752e-17,
    -3.8287766552120535e-17,
    6.663804589232195e-17,
    2.3936187400285282e-17,
    5.68648095791174e-17,
    1.1264523354521684e-18,
    7.007875046906994e-17,
    -5.0119214278381254e-17,
    -4.8923067513522756e-17,
    -3.5260089953269434e-17,
    -6.872303720902018e-17,
    5.001446664133532e-18,
    -6.835808657661922e-17,
    -1.1307344092910212e-17,
    -8.416011634717156e-18,
    -2.9247977035436566e-17,
    -2.092304381843353e-17,
    -3.9778645875427124e-17,
    -3.833464968654295e-17,
    5.763611164480894e-17,
    -2.3591094770850053e-17,
    7.260074661098575e-17,
    9.50689710108796e-18,
    -4.272956133839906e-17,
    -6.735219232374683e-17,
    -2.8396044410430936e-17,
    -7.226635472101257e-17,
    5.786121003395918e-17,
    5.1548301170786783e-17,
    -9.416257568878152e-18,
    2.4253985766689806e-17,
    -6.604314051707707e-17,
    -6.432131775424189e-18,
    -1.2204007601863921e-17,
    -6.336161863401293e-17,
    -3.7800879246373815e-17,
    1.5341410053603723e-17,
    1.2932855580427452e-17,
    -4.123367330661149e-17,
    4.703083974463456e-17,
    -6.152602891550265e-17,
    5.827849326195279e-17,
    3.540948262646183e-17,
    -3.2741571320938764e-17,
    4.875160526227062e-17,
    -5.718569790077838e-17,
    -4.719539664590972e-18,
    -5.773451958805706e-17,
    -1.0772487078934056e-17,
    -6.221808618533911e-17,
    1.821405440362259e-17,
    -6.155536546227639e-17,
    1.685487290628973e-17,
    5.3581249177694816e-17,
    3.621615935336894e-17,
    8.588379527574144e-18,
    1.01562190116415e-17,
    -2.869134889187244e-17,
    -5.495118966122005e-17,
    -5.56965572431627e-17,
    1.790126907604513e-17,
    -3.2211766346200164e-17,
    5.265370768556274e-17,
    3.5089866402403033e-17,
    -3.266924100901318e-17,
    -4.3657593008079375e-17,
    1.7963932659833022e-17,
    3.4300925275214166e-17,
    -5.545065618639427e-17,
    -5.149009745457733e-17,
    5.336805878514151e-17,
    3.498978661192973e-17,
    4.5784915277060095e-17,
    -5.241934575393899e-17,
    2.0414278897578303e-17,
    4.124842848606488e-18,
];

/// `2^{k/N}` for the integer `k`, as `2^{k div N} · 2^{(k mod N)/N}`; `k div N` must lie in
/// the normal exponent range.
fn scale(k: i64) -> f64 {
    let (i, e) = ((k & (N as i64 - 1)) as usize, k >> 7);
    f64::from_bits(TABLE[i].wrapping_add((e as u64) << 52))
}

/// `k` and `2^{k/N} e^r / TABLE[k mod N] − 1` for `x = (k/N) ln 2 + r`: `e^r − 1` plus the
/// table's relative rounding error.
fn reduce(x: f64) -> (i64, f64) {
    let kd = (x * INV_LN2_N + SHIFT) - SHIFT;
    let r = (x - kd * LN2_HI_N) - kd * LN2_LO_N;
    let k = kd as i64;
    let r2 = r * r;
    let tail = TAIL[(k & (N as i64 - 1)) as usize];
    let em1 = tail + r + r2 * (0.5 + r * (1.0 / 6.0)) + r2 * r2 * (1.0 / 24.0 + r * (1.0 / 120.0));
    (k, em1)
}

/// `e^x` for every `f64`: `+∞` above 709.78, `0` below −745.13, NaN for NaN.
#[inline]
pub fn exp(x: f64) -> f64 {
    if x.abs() < 708.0 {
        let (k, em1) = reduce(x);
        let s = scale(k);
        s + s * em1
    } else {
        exp_edge(x)
    }
}

/// [`exp`] where the result overflows, underflows or is subnormal.
#[cold]
fn exp_edge(x: f64) -> f64 {
    if x.is_nan() {
        x
    } else if x > 709.782_712_893_384 {
        f64::INFINITY
    } else if x < -745.133_219_101_941_2 {
        0.0
    } else if x > 0.0 {
        // 2^{k/N} near the top of the range: one exponent lower, then doubled (exact)
        let (k, em1) = reduce(x);
        let s = scale(k - N as i64);
        (s + s * em1) * 2.0
    } else {
        // a subnormal result: computed 2^1022 times larger, then scaled (a second rounding
        // at the subnormal's precision)
        let (k, em1) = reduce(x);
        let s = scale(k + 1022 * N as i64);
        (s + s * em1) * f64::from_bits(1u64 << 52)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{stream, uniform};

    /// Distance in units in the last place (both finite and of one sign).
    fn ulps(a: f64, b: f64) -> u64 {
        (a.to_bits() as i64 - b.to_bits() as i64).unsigned_abs()
    }

    #[test]
    fn the_table_is_two_to_the_i_over_n() {
        for (i, &bits) in TABLE.iter().enumerate() {
            let v = f64::from_bits(bits);
            assert!(ulps(v, (i as f64 / N as f64).exp2()) <= 1, "entry {i}");
        }
        assert_eq!(f64::from_bits(TABLE[0]), 1.0);
    }

    #[test]
    fn agrees_with_the_c_library_within_one_ulp() {
        let mut rng = stream(7, 0, 0);
        let mut exact = 0usize;
        let total = 400_000;
        for (lo, hi) in [(-1.0, 1.0), (-40.0, 40.0), (-708.0, 708.0), (-745.0, 709.7)] {
            for _ in 0..total / 4 {
                let x = lo + (hi - lo) * uniform(&mut rng);
                let (a, b) = (exp(x), x.exp());
                let d = ulps(a, b);
                assert!(d <= 1, "exp({x:e}) = {a:e}, C library {b:e}, {d} ulps");
                exact += (d == 0) as usize;
            }
        }
        // both are nearly correctly rounded: they differ only where the exact value lies
        // close to halfway between two doubles (measured: 511 of 400 000)
        assert!(
            exact as f64 > 0.99 * total as f64,
            "{exact} of {total} identical"
        );
    }

    #[test]
    fn exact_points_and_the_edges() {
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(-0.0), 1.0);
        assert_eq!(exp(1.0), std::f64::consts::E);
        assert_eq!(exp(f64::INFINITY), f64::INFINITY);
        assert_eq!(exp(f64::NEG_INFINITY), 0.0);
        assert!(exp(f64::NAN).is_nan());
        assert_eq!(exp(710.0), f64::INFINITY);
        assert_eq!(exp(-746.0), 0.0);
        for x in [709.78, 709.0, 708.5, -708.5, -720.0, -740.0, -745.0] {
            assert!(
                ulps(exp(x), x.exp()) <= 1,
                "x = {x}: {} vs {}",
                exp(x),
                x.exp()
            );
        }
        // monotone across the switch to the edge path
        let (a, b) = (exp(-708.0 - 1e-12), exp(-708.0));
        assert!(a <= b);
        // the smallest subnormal
        assert_eq!(exp(-745.0), (-745.0f64).exp());
    }
}
