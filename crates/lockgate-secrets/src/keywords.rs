//! Finding every rule keyword in a text, fast: the first pass over every byte of every
//! file, so its speed is the scanner's speed.
//!
//! Each keyword is found through an anchor: the four-byte window of it least likely to
//! occur in ordinary text (`notion` through `otio`, not `tion`, which a list of the 4,096
//! most common sequences of code and prose holds), or the whole keyword when it has three
//! bytes. A search flags the places where an anchor may end; each is looked up in a hash
//! table of the anchors, and the few found are confirmed against the keywords with that
//! anchor. Two searches flag the places, and report the same occurrences in the same
//! order (tests hold them to it):
//!
//! - With AVX2 (checked at run time), a filter over every four-byte window: a blocked
//!   Bloom filter of the anchors ([`WindowFilter`], 32 KiB), case folded by setting bit 5
//!   of every byte. Vectors of eight windows are built with one shuffle, hashed with one
//!   multiply, and tested against the filter words, 32 windows per step with no
//!   dependency from one step to the next (the module `avx2`). On the benchmark below
//!   0.46 % of windows pass, fewer places than the shift-and stops at.
//! - Elsewhere, a bit-parallel shift-and over pairs of byte classes (each byte of a
//!   keyword, in either case, has a class; every other byte is class 0), in 21 buckets of
//!   anchors: a 32 KiB table says, for each pair of classes, in which buckets it occurs at
//!   which of the first three pair positions of some anchor. Two table loads, a shift, an
//!   or and an and per byte, over two halves of the text at once so that the processor
//!   overlaps them. A candidate is a bucket whose three pairs, or two for three-byte
//!   keywords, came in order; buckets keep common pairs of different anchors from
//!   chaining into candidates.
//!
//! Measured on 120 MB of crate sources with the built-in catalog's 910 keywords, on one
//! core of a busy two-core AMD EPYC (Zen 3) virtual machine, best of several rounds
//! (`examples/keyword_pass.rs`): the AVX2 search 1,160 MB/s, the shift-and 650 MB/s
//! (665 MB/s on a quiet machine). The shift-and is 1.5 times the first version of
//! this search (one lane, raw byte pairs, eight buckets, anchors chosen by letter
//! rarity), which was itself about twice as fast as `aho-corasick` with the overlapping
//! search this needs. What bounds the AVX2 search is the filter's table loads, one per
//! byte: `vpgatherdd` measured 10 % slower than plain loads on this processor, and a
//! 64 KiB filter no faster. Lookups in registers alone (Teddy's nibble masks) do not
//! scale to this many anchors: a bucket of a hundred anchors admits nearly every letter.

mod avx2;

/// The shift-and state has three bits per bucket (pair offsets 0, 1, 2). What shifts out
/// of a bucket's top bit lands on the next bucket's bit 0, which every step sets anyway.
/// Buckets 0..=19 hold keywords of four bytes or more (three pairs); bucket 20 holds
/// three-byte keywords (two pairs). Many buckets keep common pairs of different keywords
/// from chaining into candidates.
type State = u64;
const BUCKETS_OF_LONG_KEYWORDS: u32 = 20;
const SHORT_BUCKET: u32 = 20;
const BITS_PER_BUCKET: u32 = 3;
const START_BITS: State = 0o111_111_111_111_111_111_111;
const LONG_MATCH: State = 0o044_444_444_444_444_444_444;
const SHORT_MATCH: State = 0o200_000_000_000_000_000_000;
const ANY_MATCH: State = LONG_MATCH | SHORT_MATCH;

/// Texts at least this long are searched in two interleaved lanes (one per half of the
/// text): each step of a lane depends on the previous one, so one lane leaves the
/// processor waiting (measured: two lanes take 0.7 times as long).
const LANES_FROM: usize = 1024;

/// Byte classes take six bits, so a pair of them indexes a table of 4096 entries.
const CLASS_BITS: u32 = 6;
const PAIR_TABLE: usize = 1 << (2 * CLASS_BITS);

/// Keywords are at least this long (shorter ones would match almost everywhere).
pub const MIN_KEYWORD_LEN: usize = 3;

#[derive(Debug)]
pub struct KeywordSet {
    /// Which four-byte windows may start an anchor: the vector search's filter.
    starts: WindowFilter,
    /// Each byte's class: 0 for bytes in no anchor, else a number shared by the byte's
    /// upper and lower case (and, past 63 distinct bytes, by other bytes too).
    classes: [u8; 256],
    /// For each pair of classes, the state bits it keeps: 16 KiB, so it stays in the
    /// first-level cache where a table over raw byte pairs (256 KiB) does not.
    pairs: Box<[State; PAIR_TABLE]>,
    /// Open-addressing table of the anchors (lowercase, as numbers), each with the range
    /// of `by_prefix` holding its keywords; most candidates stop at an empty slot.
    anchors: Box<[AnchorSlot]>,
    /// (anchor, keyword index, anchor offset in the keyword), sorted: the keywords
    /// behind an anchor that passed the filter.
    by_prefix: Vec<(u32, u32, u32)>,
    keywords: Vec<Vec<u8>>,
}

impl KeywordSet {
    /// `keywords` must be lowercase ASCII of at least [`MIN_KEYWORD_LEN`] bytes (the
    /// catalog checks this).
    pub fn new(keywords: &[String]) -> Result<KeywordSet, String> {
        let classes = byte_classes(keywords);
        let mut pairs = Box::new([0; PAIR_TABLE]);
        let mut by_prefix = Vec::with_capacity(keywords.len());
        let mut starts = WindowFilter::new(keywords);
        for (index, keyword) in keywords.iter().enumerate() {
            let bytes = keyword.as_bytes();
            if bytes.len() < MIN_KEYWORD_LEN || !keyword.is_ascii() {
                return Err(format!(
                    "keyword `{keyword}` must be ASCII and at least {MIN_KEYWORD_LEN} characters"
                ));
            }
            let index = u32::try_from(index).map_err(|_| "too many keywords".to_string())?;
            let steps = if bytes.len() >= 4 { 3 } else { 2 };
            let anchor_offset = if steps == 3 { rarest_window(bytes) } else { 0 };
            let anchor = &bytes[anchor_offset..anchor_offset + steps + 1];
            let key = anchor_key(anchor);
            starts.insert(anchor);
            // Keywords with the same first bytes share a bucket: they are one candidate.
            let bucket = if steps == 3 {
                key.wrapping_mul(0x9E37_79B1).rotate_left(7) % BUCKETS_OF_LONG_KEYWORDS
            } else {
                SHORT_BUCKET
            };
            for offset in 0..steps {
                pairs[class_pair(&classes, anchor[offset], anchor[offset + 1])] |=
                    1 << (BITS_PER_BUCKET * bucket + offset as u32);
            }
            by_prefix.push((key, index, anchor_offset as u32));
        }
        by_prefix.sort_unstable();
        let anchors = anchor_table(&by_prefix);
        Ok(KeywordSet {
            starts,
            classes,
            pairs,
            anchors,
            by_prefix,
            keywords: keywords.iter().map(|k| k.as_bytes().to_vec()).collect(),
        })
    }

    /// Calls `each(start, keyword index)` for every occurrence of every keyword, ignoring
    /// ASCII case. Occurrences come in order of their anchors' ends: a keyword on a later
    /// line always comes after those on earlier lines.
    pub fn find(&self, text: &[u8], mut each: impl FnMut(usize, usize)) {
        if avx2::available() {
            avx2::for_each_candidate_end(text, &self.starts, |at, state| {
                self.candidate(text, at, state, &mut each);
            });
        } else {
            self.find_scalar(text, each);
        }
    }

    /// [`KeywordSet::find`] through the window filter alone, without SIMD: the vector
    /// search's own reference (it must agree with both other searches).
    #[doc(hidden)]
    pub fn find_filtered(&self, text: &[u8], mut each: impl FnMut(usize, usize)) {
        for_each_candidate_end(
            text,
            |base| self.starts.block(text, base),
            |at, state| self.candidate(text, at, state, &mut each),
        );
    }

    /// [`KeywordSet::find`] without SIMD: the search on processors without AVX2, and the
    /// reference the vector search is tested against.
    #[doc(hidden)]
    pub fn find_scalar(&self, text: &[u8], mut each: impl FnMut(usize, usize)) {
        if text.len() < LANES_FROM {
            let mut lane = Lane::default();
            for (at, &byte) in text.iter().enumerate() {
                lane = lane.step(self, byte);
                if lane.matched() {
                    self.candidate(text, at, lane.state, &mut each);
                }
            }
            return;
        }
        // Two lanes, one per half; the second takes the odd byte. The second lane first
        // reads the three bytes before its half, so an anchor that straddles the middle
        // is found by the lane where it ends. Its candidates wait in a list so that
        // `each` still sees occurrences in order. (Four lanes measured no faster: their
        // state no longer fits in registers.)
        let half = text.len() / 2;
        let mut first = Lane::default();
        let mut second = self.lane_before(text, half);
        let mut later: Vec<usize> = Vec::new();
        let halves = text[..half].iter().zip(&text[half..2 * half]);
        for (i, (&byte, &other)) in halves.enumerate() {
            first = first.step(self, byte);
            second = second.step(self, other);
            if (first.state | second.state) & ANY_MATCH != 0 {
                if first.matched() {
                    self.candidate(text, i, first.state, &mut each);
                }
                if second.matched() {
                    later.push(half + i);
                }
            }
        }
        for at in later {
            let state = self.lane_before(text, at).step(self, text[at]).state;
            self.candidate(text, at, state, &mut each);
        }
        for (at, &byte) in text.iter().enumerate().skip(2 * half) {
            second = second.step(self, byte);
            if second.matched() {
                self.candidate(text, at, second.state, &mut each);
            }
        }
    }

    /// A lane that has read the three bytes before `at` (fewer at the start).
    fn lane_before(&self, text: &[u8], at: usize) -> Lane {
        text[at.saturating_sub(3)..at]
            .iter()
            .fold(Lane::default(), |lane, &byte| lane.step(self, byte))
    }

    /// Confirms the anchors that end at `at` according to `state`.
    fn candidate(&self, text: &[u8], at: usize, state: State, each: &mut impl FnMut(usize, usize)) {
        // (An anchor has no NUL byte, and the search starts as if after one, so nothing
        // matches before the text's third byte; the checks only keep that a non-issue.)
        if state & LONG_MATCH != 0 && at >= 3 {
            self.confirm(text, at - 3, 4, each);
        }
        if state & SHORT_MATCH != 0 && at >= 2 {
            self.confirm(text, at - 2, 3, each);
        }
    }

    /// Checks the keywords whose anchor is the candidate's bytes.
    #[inline(never)]
    fn confirm(&self, text: &[u8], at: usize, len: usize, each: &mut impl FnMut(usize, usize)) {
        let key = anchor_key(&text[at..at + len]);
        let mask = self.anchors.len() - 1;
        let mut slot = anchor_slot(key, mask);
        let range = loop {
            let entry = self.anchors[slot];
            if entry.end == 0 {
                return;
            }
            if entry.key == key {
                break entry.first as usize..entry.end as usize;
            }
            slot = (slot + 1) & mask;
        };
        for &(_, index, offset) in &self.by_prefix[range] {
            let keyword = &self.keywords[index as usize];
            let Some(start) = at.checked_sub(offset as usize) else {
                continue;
            };
            if text
                .get(start..start + keyword.len())
                .is_some_and(|found| found.eq_ignore_ascii_case(keyword))
            {
                each(start, index as usize);
            }
        }
    }
}

/// One shift-and search position: the state and the classes of the last two bytes.
#[derive(Debug, Default, Clone, Copy)]
struct Lane {
    state: State,
    window: usize,
}

impl Lane {
    /// The lane after one more byte.
    #[inline(always)]
    fn step(self, set: &KeywordSet, byte: u8) -> Lane {
        let class = usize::from(set.classes[usize::from(byte)]);
        let window = ((self.window << CLASS_BITS) | class) & (PAIR_TABLE - 1);
        Lane {
            state: ((self.state << 1) | START_BITS) & set.pairs[window],
            window,
        }
    }

    /// Whether some anchor may end at the last byte.
    fn matched(self) -> bool {
        self.state & ANY_MATCH != 0
    }
}

/// Numbers the bytes the keywords use, any case, from 1. Past the 63 that six bits hold,
/// bytes share classes: a shared class only lets more candidates through to the
/// confirmation, never fewer.
fn byte_classes(keywords: &[String]) -> [u8; 256] {
    let mut classes = [0u8; 256];
    let mut next = 0usize;
    for byte in keywords.iter().flat_map(|k| k.bytes()) {
        let lower = byte.to_ascii_lowercase();
        if classes[usize::from(lower)] == 0 {
            let class = u8::try_from(next % 63 + 1).unwrap_or(1);
            classes[usize::from(lower)] = class;
            classes[usize::from(lower.to_ascii_uppercase())] = class;
            next += 1;
        }
    }
    classes
}

fn class_pair(classes: &[u8; 256], first: u8, second: u8) -> usize {
    usize::from(classes[usize::from(first)]) << CLASS_BITS
        | usize::from(classes[usize::from(second)])
}

/// The 4,096 most frequent four-byte sequences of ordinary code and prose, most frequent
/// first (see `data/common-4grams.py`, which makes the file).
static COMMON_GRAMS: &[u8] = include_bytes!("../data/common-4grams.bin");

/// The frequency rank of a lowercase four-byte sequence, if it is among the common ones.
fn common_rank(gram: &[u8]) -> Option<usize> {
    static RANKS: std::sync::OnceLock<Vec<(u32, u16)>> = std::sync::OnceLock::new();
    let ranks = RANKS.get_or_init(|| {
        let mut ranks: Vec<(u32, u16)> = COMMON_GRAMS
            .chunks_exact(4)
            .zip(0u16..)
            .map(|(gram, rank)| (prefix(gram), rank))
            .collect();
        ranks.sort_unstable();
        ranks
    });
    let key = prefix(gram);
    ranks
        .binary_search_by_key(&key, |&(gram, _)| gram)
        .ok()
        .map(|at| usize::from(ranks[at].1))
}

/// The offset of the four-byte window of `keyword` least likely in ordinary text: one
/// that is not among the common sequences, else the least common of them (`noti` for
/// `notion`, not `tion`; measured on a source tree, this cuts the places where the search
/// stops for nothing by four). Among windows that are not common, punctuation and digits
/// beat letters, and rare letters beat frequent ones. Ties go to the later window
/// (suffixes like `nsul`, `_key` vary more than prefixes like `cons`, `inte`).
fn rarest_window(keyword: &[u8]) -> usize {
    fn rarity(byte: u8) -> u32 {
        match byte {
            b'e' | b't' | b'a' | b'o' | b'i' | b'n' | b's' | b'r' => 1,
            b'h' | b'l' | b'd' | b'c' | b'u' | b'm' | b'p' | b'f' | b' ' => 2,
            b'g' | b'w' | b'y' | b'b' | b'v' | b'k' => 3,
            b'x' | b'j' | b'q' | b'z' | b'0'..=b'9' => 5,
            _ => 6,
        }
    }
    (0..=keyword.len() - 4)
        .max_by_key(|&offset| {
            let window = &keyword[offset..offset + 4];
            let rank = common_rank(window).unwrap_or(usize::MAX);
            let score: u32 = window.iter().map(|&b| rarity(b)).sum();
            (rank, score, offset)
        })
        .unwrap_or(0)
}

/// One anchor in the open-addressing table: its keywords are `by_prefix[first..end]`.
/// `end == 0` marks an empty slot.
#[derive(Debug, Default, Clone, Copy)]
struct AnchorSlot {
    key: u32,
    first: u32,
    end: u32,
}

/// The table of the distinct anchors of `by_prefix` (sorted by anchor), at most a quarter
/// full so that a probe for text that is no anchor ends at once.
fn anchor_table(by_prefix: &[(u32, u32, u32)]) -> Box<[AnchorSlot]> {
    let distinct = by_prefix.chunk_by(|a, b| a.0 == b.0).count();
    let size = (distinct * 4).next_power_of_two().max(64);
    let mut table = vec![AnchorSlot::default(); size].into_boxed_slice();
    let mut first = 0;
    for group in by_prefix.chunk_by(|a, b| a.0 == b.0) {
        let end = first + group.len();
        let mut slot = anchor_slot(group[0].0, size - 1);
        while table[slot].end != 0 {
            slot = (slot + 1) & (size - 1);
        }
        table[slot] = AnchorSlot {
            key: group[0].0,
            first: u32::try_from(first).unwrap_or(u32::MAX),
            end: u32::try_from(end).unwrap_or(u32::MAX),
        };
        first = end;
    }
    table
}

/// Multiplicative hash of an anchor into a table of `mask + 1` slots.
fn anchor_slot(key: u32, mask: usize) -> usize {
    (key.wrapping_mul(0x9E37_79B1) >> 16) as usize & mask
}

/// A bit set in the keys of three-byte anchors, which no four-byte window of ASCII text
/// has, so that a four-byte window never finds a three-byte anchor (whose key otherwise
/// ends in a zero byte, like the window of text `key\0`).
const SHORT_ANCHOR_TAG: u32 = 0x8000_0000;

/// The key of an anchor of three or four bytes, any case.
fn anchor_key(bytes: &[u8]) -> u32 {
    if bytes.len() == 3 {
        prefix(bytes) | SHORT_ANCHOR_TAG
    } else {
        prefix(bytes)
    }
}

/// Window starts are flagged 32 at a time, one bit each.
const BLOCK: usize = 32;

/// Calls `on_end(at, state)`, in increasing order of `at`, at every position where an
/// anchor may end according to the window starts that `block(base)` flags for the 32
/// positions from `base` (bit `i`: a window at `base + i`), with [`LONG_MATCH`] in `state`
/// when a four-byte anchor may end there (its window was flagged) and [`SHORT_MATCH`] when
/// a three-byte one may (the window a byte later was).
#[inline(always)]
fn for_each_candidate_end(
    text: &[u8],
    mut block: impl FnMut(usize) -> u32,
    mut on_end: impl FnMut(usize, State),
) {
    // Bit `i`: an anchor of that length may end at `base + i`. Ends reach at most 34
    // positions past a block's start, so those of a block are all known once the next
    // block is flagged.
    let mut long_ends: u64 = 0;
    let mut short_ends: u64 = 0;
    let mut base = 0;
    while base < text.len() {
        let starts = u64::from(block(base));
        long_ends |= starts << 3;
        short_ends |= starts << 2;
        let mut now = (long_ends | short_ends) as u32;
        while now != 0 {
            let bit = now.trailing_zeros();
            let at = base + bit as usize;
            if at < text.len() {
                let long = if long_ends >> bit & 1 != 0 {
                    LONG_MATCH
                } else {
                    0
                };
                let short = if short_ends >> bit & 1 != 0 {
                    SHORT_MATCH
                } else {
                    0
                };
                on_end(at, long | short);
            }
            now &= now - 1;
        }
        long_ends >>= BLOCK;
        short_ends >>= BLOCK;
        base += BLOCK;
    }
}

/// Which four-byte windows of a text may start an anchor: a blocked Bloom filter over the
/// windows with ASCII case folded the cheap way (`| 0x20` on every byte, which also merges
/// some punctuation and control bytes: the filter may say yes too often, never too
/// rarely). A window's hash picks a 32-bit word and two bits in it; the window passes
/// when both are set. A three-byte anchor is entered once for every folded fourth byte,
/// so that one test per window covers both lengths.
#[derive(Debug)]
struct WindowFilter {
    words: Box<[u32]>,
    /// `32 - log2(words.len())`: a hash's top bits pick its word.
    index_shift: u32,
}

/// The fold: sets bit 5 of every byte, which lowercases ASCII letters.
const FOLD: u32 = 0x2020_2020;
/// Odd multiplier of the window hash (Knuth's golden ratio).
const WINDOW_MULTIPLIER: u32 = 0x9E37_79B1;
/// Where in a window's hash its two bit numbers start (five bits each, below the word
/// index's bits for any table of up to 2^13 words).
const FIRST_BIT_AT: u32 = 9;
const SECOND_BIT_AT: u32 = 14;
/// Sizes of the filter, in words: at least two words per entry up to 32 KiB, the
/// first-level data cache.
const FILTER_WORDS_MIN: usize = 1 << 8;
const FILTER_WORDS_MAX: usize = 1 << 13;

impl WindowFilter {
    fn new(keywords: &[String]) -> WindowFilter {
        let entries: usize = keywords
            .iter()
            .map(|k| if k.len() >= 4 { 1 } else { 128 })
            .sum();
        let words = (entries * 2)
            .next_power_of_two()
            .clamp(FILTER_WORDS_MIN, FILTER_WORDS_MAX);
        WindowFilter {
            words: vec![0; words].into_boxed_slice(),
            index_shift: 32 - words.trailing_zeros(),
        }
    }

    /// Enters an anchor of three or four lowercase bytes.
    fn insert(&mut self, anchor: &[u8]) {
        let mut window = prefix(anchor);
        if anchor.len() == 4 {
            self.insert_window(window);
        } else {
            for fourth in (0..=255u32).filter(|byte| byte & 0x20 != 0) {
                window = (window & 0x00FF_FFFF) | (fourth << 24);
                self.insert_window(window);
            }
        }
    }

    fn insert_window(&mut self, window: u32) {
        let hash = window_hash(window);
        self.words[(hash >> self.index_shift) as usize] |= window_bits(hash);
    }

    /// Whether an anchor may start with `window` (the text's bytes, little-endian, zeros
    /// past the end).
    fn may_start(&self, window: u32) -> bool {
        let hash = window_hash(window);
        let bits = window_bits(hash);
        self.words[(hash >> self.index_shift) as usize] & bits == bits
    }

    /// The windows from `base` to `base + 32` (those inside the text) that may start an
    /// anchor, bit `i` for the window at `base + i`.
    fn block(&self, text: &[u8], base: usize) -> u32 {
        let mut starts = 0;
        for (i, at) in (base..text.len().min(base + BLOCK)).enumerate() {
            let mut window = [0u8; 4];
            for (slot, byte) in window.iter_mut().zip(&text[at..]) {
                *slot = *byte;
            }
            if self.may_start(u32::from_le_bytes(window)) {
                starts |= 1 << i;
            }
        }
        starts
    }
}

fn window_hash(window: u32) -> u32 {
    (window | FOLD).wrapping_mul(WINDOW_MULTIPLIER)
}

fn window_bits(hash: u32) -> u32 {
    1 << ((hash >> FIRST_BIT_AT) & 31) | 1 << ((hash >> SECOND_BIT_AT) & 31)
}

/// Up to four bytes, lowercased, as a number.
fn prefix(bytes: &[u8]) -> u32 {
    let mut out = [0u8; 4];
    for (slot, byte) in out.iter_mut().zip(bytes) {
        *slot = byte.to_ascii_lowercase();
    }
    u32::from_le_bytes(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(keywords: &[&str], text: &str) -> Vec<(usize, usize)> {
        let set =
            KeywordSet::new(&keywords.iter().map(|k| k.to_string()).collect::<Vec<_>>()).unwrap();
        let mut out = occurrences(&set, text.as_bytes());
        out.sort_unstable();
        out
    }

    /// The occurrences `find` reports, in its order, after checking that the three
    /// searches (vector where the processor has AVX2, window filter without SIMD, and
    /// shift-and) report the same ones in the same order.
    fn occurrences(set: &KeywordSet, text: &[u8]) -> Vec<(usize, usize)> {
        let mut vector = Vec::new();
        set.find(text, |start, index| vector.push((start, index)));
        let mut filtered = Vec::new();
        set.find_filtered(text, |start, index| filtered.push((start, index)));
        let mut scalar = Vec::new();
        set.find_scalar(text, |start, index| scalar.push((start, index)));
        assert_eq!(
            vector,
            scalar,
            "vector and scalar searches of {} bytes",
            text.len()
        );
        assert_eq!(
            filtered,
            scalar,
            "filtered and scalar searches of {} bytes",
            text.len()
        );
        vector
    }

    /// Every keyword of the built-in catalog, as the scanner gathers them.
    fn catalog_keywords() -> Vec<String> {
        let mut keywords: Vec<String> = Vec::new();
        for rule in &crate::builtin_catalog().unwrap().rules {
            for keyword in &rule.spec.keywords {
                if !keywords.contains(keyword) {
                    keywords.push(keyword.clone());
                }
            }
        }
        keywords
    }

    /// A small deterministic generator (xorshift), so that a failure repeats.
    struct Random(u64);

    impl Random {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, bound: usize) -> usize {
            (self.next() % bound as u64) as usize
        }
    }

    /// `base` with keywords (in random case) written over it at random places, some
    /// overlapping and some cut off by the end.
    fn with_keywords(base: &[u8], keywords: &[String], random: &mut Random) -> Vec<u8> {
        let mut text = base.to_vec();
        for _ in 0..text.len() / 16 + 1 {
            let keyword = keywords[random.below(keywords.len())].as_bytes();
            let at = random.below(text.len() + 1);
            for (slot, &byte) in text[at..].iter_mut().zip(keyword) {
                *slot = if random.next() & 1 == 0 {
                    byte
                } else {
                    byte.to_ascii_uppercase()
                };
            }
        }
        text
    }

    #[test]
    fn vector_and_scalar_searches_agree_on_the_catalog_keywords() {
        let keywords = catalog_keywords();
        let set = KeywordSet::new(&keywords).unwrap();
        let mut random = Random(0x5EED);
        let real: Vec<&[u8]> = vec![
            include_bytes!("keywords.rs"),
            include_bytes!("scanner.rs"),
            include_bytes!("../rules/cloud.toml"),
            include_bytes!("../rules/generic.toml"),
        ];
        let mut found = 0;
        for source in &real {
            // The catalog itself holds every keyword; also in capitals, and cut so that
            // every length from 0 to 100 and every end of the vector blocks occurs.
            found += occurrences(&set, source).len();
            occurrences(&set, &source.to_ascii_uppercase());
            for length in (0..100).chain(1000..1100) {
                let start = random.below(source.len() - length);
                occurrences(&set, &source[start..start + length]);
            }
        }
        assert!(found > 1000, "the catalog's own files hold its keywords");
        const LETTERS: &[u8] = b"aeiotnsrkyp_-.:$0 \n";
        // Random bytes of every value (NUL, `| 0x20` twins such as `_` and DEL, bytes
        // past ASCII) and random letters, with keywords written in.
        for round in 0..200 {
            let length = random.below(if round % 2 == 0 { 80 } else { 5000 });
            let base: Vec<u8> = (0..length)
                .map(|_| match round % 4 {
                    0 | 1 => random.next() as u8,
                    _ => LETTERS[random.below(LETTERS.len())],
                })
                .collect();
            let text = with_keywords(&base, &keywords, &mut random);
            occurrences(&set, &text);
        }
    }

    #[test]
    fn anchors_across_vector_blocks_and_at_the_ends_are_found() {
        let keywords = catalog_keywords();
        let set = KeywordSet::new(&keywords).unwrap();
        for keyword in ["key", "pwd", "sg.", "xoxb-", "ghp_", "password"] {
            let index = keywords.iter().position(|k| k == keyword).unwrap();
            for length in [keyword.len(), 31, 32, 33, 44, 47, 48, 63, 64, 65, 100] {
                for at in 0..=length - keyword.len() {
                    let mut text = vec![b' '; length];
                    text[at..at + keyword.len()].copy_from_slice(keyword.as_bytes());
                    let found = occurrences(&set, &text);
                    assert!(
                        found.contains(&(at, index)),
                        "`{keyword}` at {at} of {length} bytes"
                    );
                }
            }
        }
    }

    #[test]
    fn a_window_ending_in_nul_is_no_three_byte_anchor() {
        // `key` + NUL once looked, as a number, like the key of the anchor `key`.
        assert_eq!(found(&["key", "keys"], "key\0key\0\0"), [(0, 0), (4, 0)]);
    }

    #[test]
    fn finds_every_occurrence_in_any_case_including_overlaps() {
        let keywords = ["ghp_", "gho_", "key", "keyring", "api_key"];
        assert_eq!(
            found(&keywords, "GHP_x API_KEY=1 keyring gho_"),
            [(0, 0), (6, 4), (10, 2), (16, 2), (16, 3), (24, 1)]
        );
        assert!(found(&keywords, "gh_ ke ghx_ kez").is_empty());
        assert_eq!(found(&["abc"], "ab"), []);
        assert_eq!(found(&["abcd"], "abcabcd"), [(3, 0)]);
    }

    #[test]
    fn agrees_with_a_plain_search_on_random_text() {
        let keywords = ["sk_live_", "xoxb-", "akia", "aws", "tok"];
        let mut state = 7u64;
        let text: String = (0..20_000)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                b"akiAWSxob-tkTOK_lve s"[(state % 21) as usize] as char
            })
            .collect();
        // Lengths below and above the four-lane threshold, and ones that leave a remainder
        // after the quarters, so occurrences straddle every lane boundary somewhere.
        let lengths = (0..40)
            .chain(LANES_FROM - 3..LANES_FROM + 9)
            .chain([4099, 20_000]);
        for length in lengths {
            let text = &text[..length];
            let mut expected = Vec::new();
            let lower = text.to_ascii_lowercase();
            for (index, keyword) in keywords.iter().enumerate() {
                for (start, _) in lower.match_indices(keyword) {
                    expected.push((start, index));
                }
            }
            expected.sort_unstable();
            assert_eq!(found(&keywords, text), expected, "text of {length} bytes");
        }
    }

    #[test]
    fn reports_occurrences_in_text_order() {
        let set = KeywordSet::new(&["secret".to_string(), "tok".to_string()]).unwrap();
        let text = "tok secret ".repeat(500);
        let mut ends = Vec::new();
        set.find(text.as_bytes(), |start, index| {
            ends.push(start + [6, 3][index]);
        });
        assert_eq!(ends.len(), 1000);
        assert!(ends.windows(2).all(|pair| pair[0] < pair[1]));
    }

    #[test]
    fn anchors_avoid_common_sequences() {
        assert_eq!(COMMON_GRAMS.len(), 4 * 4096);
        assert!(common_rank(b"tion").is_some() && common_rank(b"xoxb").is_none());
        assert_ne!(&b"notion"[rarest_window(b"notion")..][..4], b"tion");
        assert_ne!(&b"airtable"[rarest_window(b"airtable")..][..4], b"able");
        assert_eq!(
            rarest_window(b"consul"),
            2,
            "`nsul`: no common sequence, later wins"
        );
    }

    #[test]
    fn short_or_non_ascii_keywords_are_refused() {
        assert!(KeywordSet::new(&["ab".to_string()]).is_err());
        assert!(KeywordSet::new(&["clé_".to_string()]).is_err());
    }
}
