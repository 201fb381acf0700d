//! The window filter ([`super::WindowFilter`]) in AVX2: 32 window starts per step, eight
//! per vector of 32-bit lanes. A shuffle builds eight windows from two loads; one or, one
//! multiply and a shift give each its filter word and two bit numbers; the words come by
//! plain loads (measured 10 % faster than `vpgatherdd` on AMD Zen 3), and one compare
//! tests them all. The scalar filter (`WindowFilter::block`) takes the blocks at the end
//! of a text that a step would read past.
//!
//! The crate's only unsafe code, allowed because this is the scanner's hot path: the
//! search runs 1.8 times as fast as the scalar shift-and it replaces where the processor
//! has AVX2 (1,160 against 650 MB/s on one core, see `keywords.rs`), which made a whole
//! secrets scan take a fifth to a quarter less processor time. The unsafe parts are unaligned loads
//! and unchecked table reads, each bounded by the check beside it.
#![allow(unsafe_code)]

use super::{State, WindowFilter};

/// Whether this processor runs the vector search (the answer is cached by `std`).
pub(super) fn available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// [`super::for_each_candidate_end`] with the vector filter (the scalar one near the end
/// of the text, and everywhere on a processor without AVX2).
pub(super) fn for_each_candidate_end(
    text: &[u8],
    filter: &WindowFilter,
    on_end: impl FnMut(usize, State),
) {
    #[cfg(target_arch = "x86_64")]
    if available() {
        // SAFETY: the processor has AVX2, checked just above.
        unsafe { x86::search(text, filter, on_end) };
        return;
    }
    super::for_each_candidate_end(text, |base| filter.block(text, base), on_end);
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;

    use super::{State, WindowFilter};
    use crate::keywords::{
        BLOCK, FIRST_BIT_AT, FOLD, SECOND_BIT_AT, WINDOW_MULTIPLIER, for_each_candidate_end,
    };

    /// Bytes a vector step reads from its block's start: the last group of eight windows
    /// starts at 24 and its second load reads 16 bytes from 28.
    const VECTOR_READ: usize = 44;

    #[target_feature(enable = "avx2")]
    pub(super) fn search(text: &[u8], filter: &WindowFilter, on_end: impl FnMut(usize, State)) {
        let vector_blocks_end = (text.len() + 1).saturating_sub(VECTOR_READ);
        for_each_candidate_end(
            text,
            |base| {
                if base < vector_blocks_end {
                    block(text, base, filter)
                } else {
                    filter.block(text, base)
                }
            },
            on_end,
        );
    }

    /// [`WindowFilter::block`] for `base + VECTOR_READ <= text.len()`.
    #[target_feature(enable = "avx2")]
    #[inline]
    fn block(text: &[u8], base: usize, filter: &WindowFilter) -> u32 {
        assert!(base + VECTOR_READ <= text.len());
        assert_eq!(filter.words.len(), 1 << (32 - filter.index_shift));
        // Lane `i` of each half takes bytes `i..i + 4` of its half's load.
        let windows_of = _mm256_setr_epi8(
            0, 1, 2, 3, 1, 2, 3, 4, 2, 3, 4, 5, 3, 4, 5, 6, //
            0, 1, 2, 3, 1, 2, 3, 4, 2, 3, 4, 5, 3, 4, 5, 6,
        );
        let fold = _mm256_set1_epi32(FOLD as i32);
        let multiplier = _mm256_set1_epi32(WINDOW_MULTIPLIER as i32);
        let index_shift = _mm_cvtsi32_si128(filter.index_shift as i32);
        let five_bits = _mm256_set1_epi32(31);
        let one = _mm256_set1_epi32(1);
        let mut indexes = [0u32; BLOCK];
        let mut bits = [_mm256_setzero_si256(); BLOCK / 8];
        for (group, bits) in bits.iter_mut().enumerate() {
            let at = base + 8 * group;
            // SAFETY: `at + 4 + 16 <= base + VECTOR_READ <= text.len()` (asserted above),
            // so both 16-byte loads stay inside `text`; they need no alignment.
            let bytes = unsafe {
                let ptr = text.as_ptr().add(at);
                _mm256_loadu2_m128i(ptr.add(4).cast(), ptr.cast())
            };
            let windows = _mm256_or_si256(_mm256_shuffle_epi8(bytes, windows_of), fold);
            let hash = _mm256_mullo_epi32(windows, multiplier);
            let index = _mm256_srl_epi32(hash, index_shift);
            // SAFETY: `indexes` has room for 8 lanes from `8 * group`.
            unsafe { _mm256_storeu_si256(indexes.as_mut_ptr().add(8 * group).cast(), index) };
            let first = _mm256_and_si256(_mm256_srli_epi32::<FIRST_BIT_AT_I>(hash), five_bits);
            let second = _mm256_and_si256(_mm256_srli_epi32::<SECOND_BIT_AT_I>(hash), five_bits);
            *bits = _mm256_or_si256(
                _mm256_sllv_epi32(one, first),
                _mm256_sllv_epi32(one, second),
            );
        }
        // The words by plain loads: faster here than `vpgatherdd` (measured).
        let mut words = [0u32; BLOCK];
        for (word, &index) in words.iter_mut().zip(&indexes) {
            // SAFETY: `index` is a hash shifted right by `index_shift`, so it is below
            // `2^(32 - index_shift) == filter.words.len()`.
            *word = unsafe { *filter.words.get_unchecked(index as usize) };
        }
        let mut starts = 0u32;
        for (group, bits) in bits.iter().enumerate() {
            // SAFETY: `words` holds 8 lanes from `8 * group`.
            let words = unsafe { _mm256_loadu_si256(words.as_ptr().add(8 * group).cast()) };
            let passed = _mm256_cmpeq_epi32(_mm256_and_si256(words, *bits), *bits);
            let lanes = _mm256_movemask_ps(_mm256_castsi256_ps(passed)) as u32;
            starts |= lanes << (8 * group);
        }
        starts
    }

    const FIRST_BIT_AT_I: i32 = FIRST_BIT_AT as i32;
    const SECOND_BIT_AT_I: i32 = SECOND_BIT_AT as i32;
}
