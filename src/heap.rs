//! The wasm build's global allocator: size classes with free lists for small blocks, an address-ordered
//! coalescing list for large ones, and a bump pointer over the initial memory's unused end, then over pages
//! taken from `memory.grow`.
//!
//! Rust hands every `dealloc`/`realloc` the layout the block was allocated with, so blocks carry no header:
//! a block of `size` bytes takes `size` rounded up to [`WORD`] bytes, and only free blocks hold anything of
//! the allocator's (a link, and for large blocks their size).
//!
//! Invariants (the tests check them, `Fixture::check`):
//! - every address and every block size is a multiple of [`WORD`] (two words), and a block is at least `WORD`;
//! - `top <= end`; `[top, end)` is free memory on no list (the bump area); everything the heap handed out or
//!   keeps lies below `top`;
//! - *small blocks* (at most [`SMALL`] bytes, aligned to at most `WORD`) are cut from chunks of [`CHUNK`]
//!   bytes, themselves large blocks, at `cut` (the current chunk's unused part is `[cut, chunk_end)`); a free
//!   small block is on the list of its size class (`small[size / WORD - 1]`, linked through its first word)
//!   and stays in it: small blocks never merge;
//! - every other free block is on the `large` list (its first word the link, its second its size): freed large
//!   or over-aligned blocks, the rest of a block split to serve a smaller one, the tail of a shrunk block, the
//!   padding of an aligned one. The list is sorted by address, and no block on it touches the next one or
//!   `top`: a block freed beside another merges with it, and one that reaches `top` lowers `top`;
//! - no free block is on two lists, and free blocks overlap neither each other nor a live block.
//!
//! What it trades: a small block serves only its size class again, which suits the load's many short strings and
//! lists of the same few sizes, reused load after load; kept in chunks of their own, they do not keep the large
//! blocks around them from merging (mixed with them, the memory grew by a page every ~1,500 loads of S3). The few
//! large blocks (the plan's arenas, growing by doubling, and the loader's 16 KiB windows) merge and go back to
//! `top`, and a large block that ends at `top` grows in place. The memory never shrinks (wasm cannot return pages),
//! so what matters is the peak of one load, and that a freed engine's memory serves the next load (a client
//! replaces snapshots for hours: thousands of loads and frees). The small blocks take, for each size class, the
//! most blocks of that size ever live at once; the large ones fragment as with any best-fit allocator that merges.
//! A workload repeated needs no more memory after its first rounds (the tests check that, and www/test's
//! `engine.test.js` over 1,000 loads of a 320 KB snapshot).
//! One thread only: the build without the `atomics` target feature (`lib.rs`).

use core::mem::size_of;
use core::ptr::null_mut;

/// The granule: every block's size and address are multiples of it: two words (a free block's link and
/// size; 8 bytes in wasm32). A block aligned to more is a large block (see [`Heap::alloc`]).
pub(crate) const WORD: usize = 2 * size_of::<usize>();
/// The largest small block: 32 size classes of 8 to 256 bytes in wasm32.
pub(crate) const SMALL: usize = 32 * WORD;
/// Small blocks are cut from chunks of this size, taken as large blocks.
pub(crate) const CHUNK: usize = 16 * SMALL;
/// A wasm page.
pub(crate) const PAGE: usize = 65536;
/// Whether the global allocator enters by [`Heap::alloc_lean`]: the runtime's `crate::LEAN_LOAD` in wasm (the
/// speed build), which this file cannot name (the operators module includes it too, `regex-module/src/lib.rs`).
#[cfg(target_arch = "wasm32")]
const LEAN: bool = cfg!(edgeflag_speed);

/// Where the heap's memory comes from: `memory.grow` in wasm, a fixed buffer in the tests.
pub(crate) trait Grow {
    /// Adds `pages` pages; returns the memory's previous size in pages, or `usize::MAX` when it cannot grow.
    fn grow(&mut self, pages: usize) -> usize;
    /// Free memory the heap starts with, `[start, end)` (`start` a multiple of [`WORD`]; empty: none).
    fn initial(&self) -> (usize, usize);
}

/// The allocator's state: this and the free blocks' first two words.
pub(crate) struct Heap<G> {
    /// The first free block of each small size class (0: none).
    small: [usize; SMALL / WORD],
    /// The free large block of the lowest address (0: none).
    large: usize,
    /// The unused part of the current chunk: `[cut, chunk_end)`.
    cut: usize,
    /// The end of the current chunk.
    chunk_end: usize,
    /// The bump pointer: the start of the free memory at the end of the heap.
    top: usize,
    /// The end of the memory the heap owns.
    end: usize,
    /// Where more memory comes from.
    grow: G,
}

/// `size` rounded up to a multiple of [`WORD`] (at least `WORD`). `size` comes from a `Layout`, at most
/// `isize::MAX`, so the sum cannot overflow.
fn round(size: usize) -> usize {
    (size.max(1) + WORD - 1) & !(WORD - 1)
}

/// The word at `addr`.
/// SAFETY (for callers): `addr` is a word of the first two of a free block of this heap (memory that no live
/// allocation uses), whose address is a multiple of [`WORD`].
unsafe fn get(addr: usize) -> usize {
    // SAFETY: as the caller promises, `addr` is aligned, in owned memory and not aliased by a live block.
    unsafe { (addr as *const usize).read() }
}

/// Writes the word at `addr`. SAFETY (for callers): as for [`get`].
unsafe fn set(addr: usize, value: usize) {
    // SAFETY: as for `get`.
    unsafe { (addr as *mut usize).write(value) }
}

/// The size word of the free large block `node`. SAFETY (for callers): `node` is on the large list.
unsafe fn size_of_free(node: usize) -> usize {
    // SAFETY: the second word of a free large block (every block has two words).
    unsafe { get(node + size_of::<usize>()) }
}

impl<G: Grow> Heap<G> {
    /// An empty heap: it takes its first memory (`Grow::initial`, then `Grow::grow`) on the first allocation.
    pub(crate) const fn new(grow: G) -> Self {
        Self { small: [0; SMALL / WORD], large: 0, cut: 0, chunk_end: 0, top: 0, end: 0, grow }
    }

    /// Makes room for `n` more bytes at `top`; false when memory cannot grow. Memory that does not follow
    /// `end` (someone else grew it) starts a new bump area; the rest of the old one is freed.
    fn extend(&mut self, n: usize) -> bool {
        let need = match self.top.checked_add(n) {
            Some(need) => need,
            None => return false,
        };
        if need <= self.end {
            return true;
        }
        if self.end == 0 {
            (self.top, self.end) = self.grow.initial();
            if self.end != 0 {
                return self.extend(n);
            }
        }
        let pages = (need - self.end).div_ceil(PAGE);
        let prev = self.grow.grow(pages);
        if prev == usize::MAX {
            return false;
        }
        let start = prev * PAGE;
        if start != self.end {
            let (rest, len) = (self.top, self.end - self.top);
            self.top = start;
            self.end = start + pages * PAGE;
            self.insert(rest, len);
            return self.extend(n);
        }
        self.end = start + pages * PAGE;
        true
    }

    /// [`Heap::alloc`] with its common case first, short: a small block off its size class's list, else cut
    /// from the current chunk; the rest by `alloc`, out of line. The global allocator's entry where the load is
    /// lean (`LEAN`: the speed build): a cold start's wasm runs it once per allocation in baseline code, which
    /// charges a function's whole size to V8's tier-up budget at each call, so that `alloc` alone grew hot
    /// and V8 recompiled all of it during the load (docs/ARCHITECTURE.md, "Cold start"). The same blocks as
    /// `alloc` gives.
    #[cfg_attr(edgeflag_speed, inline(never))]
    pub(crate) fn alloc_lean(&mut self, size: usize, align: usize) -> *mut u8 {
        let n = round(size);
        if n <= SMALL && align <= WORD {
            let head = self.small[n / WORD - 1];
            if head != 0 {
                // SAFETY: `head` is a free block of this class (invariant); its first word is the link.
                self.small[n / WORD - 1] = unsafe { get(head) };
                return head as *mut u8;
            }
            if self.chunk_end - self.cut >= n {
                self.cut += n;
                return (self.cut - n) as *mut u8;
            }
        }
        self.alloc(size, align)
    }

    /// A block of `size` bytes aligned to `align` (a power of two), or null when memory cannot grow.
    #[cfg_attr(edgeflag_speed, inline(never))]
    pub(crate) fn alloc(&mut self, size: usize, align: usize) -> *mut u8 {
        let n = round(size);
        if align > WORD {
            // Rare (a `u128` in `cidr`): a large block with room to align it; the bytes before and after it go
            // back to the large list, where they merge with it again once it is freed.
            let at = self.large_block(n.saturating_add(align - WORD));
            if at == 0 {
                return null_mut();
            }
            let aligned = (at + align - 1) & !(align - 1);
            self.insert(at, aligned - at);
            self.insert(aligned + n, at + align - WORD - aligned);
            return aligned as *mut u8;
        }
        if n > SMALL {
            return self.large_block(n) as *mut u8;
        }
        let head = self.small[n / WORD - 1];
        if head != 0 {
            // SAFETY: `head` is a free block of this class (invariant); its first word is the link.
            self.small[n / WORD - 1] = unsafe { get(head) };
            return head as *mut u8;
        }
        if self.chunk_end - self.cut < n {
            let chunk = self.large_block(CHUNK);
            if chunk == 0 {
                return null_mut();
            }
            if self.chunk_end != self.cut {
                self.push_small(self.cut, self.chunk_end - self.cut);
            }
            (self.cut, self.chunk_end) = (chunk, chunk + CHUNK);
        }
        self.cut += n;
        (self.cut - n) as *mut u8
    }

    /// A block of `n` bytes (a multiple of [`WORD`]) off the large list or at `top` (0: memory cannot grow).
    /// From the list: the smallest free block that holds it (the lowest of equal ones), whose rest stays there.
    fn large_block(&mut self, n: usize) -> usize {
        // `link`: the block whose link points at `node` (0: `node` is the list's head).
        let (mut link, mut node) = (0, self.large);
        let mut best: Option<(usize, usize, usize)> = None; // (link, node, size)
        while node != 0 {
            // SAFETY: `node` is on the large list.
            let size = unsafe { size_of_free(node) };
            if size >= n && best.is_none_or(|(_, _, s)| size < s) {
                best = Some((link, node, size));
                if size == n {
                    break;
                }
            }
            link = node;
            // SAFETY: as above; the first word is the link.
            node = unsafe { get(node) };
        }
        let Some((link, node, size)) = best else {
            if !self.extend(n) {
                return 0;
            }
            self.top += n;
            return self.top - n;
        };
        // SAFETY: `node` is a free large block.
        let mut after = unsafe { get(node) };
        if size != n {
            // SAFETY: `node + n` is inside the free block `node`, `size - n` (a multiple of WORD) bytes before
            // its end: the rest becomes a free block in the same place on the list.
            unsafe {
                set(node + n, after);
                set(node + n + size_of::<usize>(), size - n);
            }
            after = node + n;
        }
        self.relink(link, after);
        node
    }

    /// Points the large list's link at `link` (0: its head) to `node`.
    fn relink(&mut self, link: usize, node: usize) {
        if link == 0 {
            self.large = node;
        } else {
            // SAFETY: `link` is a free block on the large list; its first word is the link.
            unsafe { set(link, node) }
        }
    }

    /// Frees the small block `at` of `n` bytes (`WORD <= n <= SMALL`) onto its size class.
    fn push_small(&mut self, at: usize, n: usize) {
        // SAFETY: the block is free from now on and at least a word long.
        unsafe { set(at, self.small[n / WORD - 1]) };
        self.small[n / WORD - 1] = at;
    }

    /// Frees the block `at` of `n` bytes (a multiple of [`WORD`]; 0 does nothing) onto the large list, merged
    /// with the free blocks beside it, or into the bump area when it reaches `top`.
    fn insert(&mut self, at: usize, n: usize) {
        if n == 0 {
            return;
        }
        // The last free large block below `at` (`prev`, 0: none), the one before it (`pp`) and the first
        // above it (`next`).
        let (mut pp, mut prev, mut next) = (0, 0, self.large);
        while next != 0 && next < at {
            (pp, prev) = (prev, next);
            // SAFETY: `next` is on the large list.
            next = unsafe { get(next) };
        }
        // `link`: the block whose link will point at the freed block (0: the list's head).
        let (mut start, mut len, mut link) = (at, n, prev);
        // SAFETY (the block below): `prev` and `next` are on the large list and `at` is the block being freed,
        // at least two words: each word read or written is a link or size word of a free block.
        unsafe {
            if next != 0 && at + n == next {
                len += size_of_free(next);
                next = get(next);
            }
            if prev != 0 && prev + size_of_free(prev) == at {
                start = prev;
                len += size_of_free(prev);
                link = pp;
            }
            if start + len == self.top {
                self.top = start;
                self.relink(link, next);
                return;
            }
            set(start, next);
            set(start + size_of::<usize>(), len);
        }
        self.relink(link, start);
    }

    /// Frees the block `at` of `size` bytes aligned to `align` (as it was allocated).
    pub(crate) fn dealloc(&mut self, at: *mut u8, size: usize, align: usize) {
        let n = round(size);
        if n <= SMALL && align <= WORD {
            self.push_small(at as usize, n);
        } else {
            self.insert(at as usize, n);
        }
    }

    /// The block `at` of `size` bytes resized to `new` bytes (its contents kept), or null (the block untouched)
    /// when memory cannot grow. A large block that stays large is resized in place when it ends at `top` or
    /// shrinks; any other is moved.
    pub(crate) fn realloc(&mut self, at: *mut u8, size: usize, align: usize, new: usize) -> *mut u8 {
        let (a, old, n) = (at as usize, round(size), round(new));
        if n == old {
            return at;
        }
        if old > SMALL && n > SMALL {
            if a + old == self.top {
                if n < old || (self.extend(n - old) && a + old == self.top) {
                    self.top = a + n;
                    return at;
                }
            } else if n < old {
                self.insert(a + n, old - n);
                return at;
            }
        }
        let to = self.alloc(new, align);
        if !to.is_null() {
            // SAFETY: `at` holds `size` live bytes, `to` is a new block of at least `new` bytes that does not
            // overlap it (`at` is still allocated).
            unsafe { core::ptr::copy_nonoverlapping(at, to, size.min(new)) };
            self.dealloc(at, size, align);
        }
        to
    }
}

/// `memory.grow` of the wasm instance's memory 0.
#[cfg(target_arch = "wasm32")]
pub(crate) struct WasmMemory;

#[cfg(target_arch = "wasm32")]
impl Grow for WasmMemory {
    fn grow(&mut self, pages: usize) -> usize {
        core::arch::wasm32::memory_grow::<0>(pages)
    }

    /// The end of the module's initial memory after its stack and data (the linker's `__heap_base`): about
    /// 55 KB that nothing else uses.
    fn initial(&self) -> (usize, usize) {
        extern "C" {
            static __heap_base: u8;
        }
        let start = (core::ptr::addr_of!(__heap_base) as usize + WORD - 1) & !(WORD - 1);
        (start, (core::arch::wasm32::memory_size::<0>() * PAGE).max(start))
    }
}

/// The global allocator of the wasm build (`lib.rs`): a [`Heap`] over [`WasmMemory`].
#[cfg(target_arch = "wasm32")]
pub struct Global(core::cell::UnsafeCell<Heap<WasmMemory>>);

#[cfg(target_arch = "wasm32")]
impl Global {
    /// The allocator, empty until the first allocation.
    pub const fn new() -> Self {
        Self(core::cell::UnsafeCell::new(Heap::new(WasmMemory)))
    }
}

// SAFETY: built only without the `atomics` target feature (`lib.rs`), i.e. for a single-threaded instance:
// no two threads ever reach the heap.
#[cfg(target_arch = "wasm32")]
unsafe impl Sync for Global {}

// SAFETY: the heap hands out blocks of at least the size asked for, aligned as asked (`Heap::alloc`), that
// overlap nothing live until they are freed; `dealloc`/`realloc` receive the layout of the allocation
// (`GlobalAlloc`'s contract), which is all the heap needs to free or resize it; the `&mut` taken of the
// state lasts one call, and no call re-enters another (the heap allocates nothing itself; one thread).
#[cfg(target_arch = "wasm32")]
unsafe impl core::alloc::GlobalAlloc for Global {
    unsafe fn alloc(&self, layout: core::alloc::Layout) -> *mut u8 {
        // SAFETY: see the impl: the only reference to the state during this call.
        let heap = unsafe { &mut *self.0.get() };
        if LEAN {
            heap.alloc_lean(layout.size(), layout.align())
        } else {
            heap.alloc(layout.size(), layout.align())
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: core::alloc::Layout) {
        // SAFETY: as in `alloc`.
        unsafe { &mut *self.0.get() }.dealloc(ptr, layout.size(), layout.align())
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: core::alloc::Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as in `alloc`.
        unsafe { &mut *self.0.get() }.realloc(ptr, layout.size(), layout.align(), new_size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::alloc::{alloc_zeroed, dealloc as free_buffer, Layout};

    /// Fake wasm memory: a page-aligned buffer of `max` pages, grown a page count at a time like `memory.grow`.
    struct Fake {
        base: usize,
        pages: usize,
        max: usize,
        /// The free memory at the end of the initial pages, in bytes.
        slack: usize,
    }

    impl Grow for Fake {
        fn grow(&mut self, pages: usize) -> usize {
            if self.pages + pages > self.max {
                return usize::MAX;
            }
            self.pages += pages;
            self.base / PAGE + self.pages - pages
        }

        fn initial(&self) -> (usize, usize) {
            let end = self.base + self.pages * PAGE;
            (end - self.slack, end)
        }
    }

    /// A heap over a fresh fake memory (freed on drop).
    struct Fixture {
        heap: Heap<Fake>,
        buffer: Layout,
    }

    impl Fixture {
        fn new(max: usize) -> Self {
            Self::with_initial(max, 0, 0)
        }

        /// A heap over `max` pages of which `pages` are there from the start, their last `slack` bytes free.
        fn with_initial(max: usize, pages: usize, slack: usize) -> Self {
            let buffer = Layout::from_size_align(max * PAGE, PAGE).unwrap();
            // SAFETY (test): a non-zero size.
            let base = unsafe { alloc_zeroed(buffer) } as usize;
            assert_ne!(base, 0);
            Self { heap: Heap::new(Fake { base, pages, max, slack }), buffer }
        }

        fn pages(&self) -> usize {
            self.heap.grow.pages
        }

        /// The free large blocks, (address, size), in list order.
        fn large(&self) -> Vec<(usize, usize)> {
            let mut out = vec![];
            let mut node = self.heap.large;
            while node != 0 {
                // SAFETY (test): `node` is on the large list.
                out.push((node, unsafe { size_of_free(node) }));
                node = unsafe { get(node) };
            }
            out
        }

        /// Checks the module's invariants against the live blocks `live` (address, rounded size): every free
        /// block, the chunk's rest and the bump area lie in the heap's memory, aligned, and overlap nothing.
        fn check(&self, live: &[(usize, usize)]) {
            let h = &self.heap;
            let lo = h.grow.base;
            let hi = lo + h.grow.pages * PAGE;
            assert!(h.top <= h.end && h.end <= hi && (h.top >= lo || h.end == 0));
            let mut spans: Vec<(usize, usize)> = live.to_vec();
            let large = self.large();
            for w in large.windows(2) {
                assert!(w[0].0 + w[0].1 < w[1].0, "large list sorted and merged: {large:x?}");
            }
            for &(at, size) in &large {
                assert!(at + size < h.top, "a free large block below top, not touching it");
                spans.push((at, size));
            }
            for (class, &head) in h.small.iter().enumerate() {
                let mut node = head;
                while node != 0 {
                    spans.push((node, (class + 1) * WORD));
                    // SAFETY (test): a free small block.
                    node = unsafe { get(node) };
                }
            }
            spans.push((h.cut, h.chunk_end - h.cut));
            spans.push((h.top, h.end - h.top));
            spans.retain(|s| s.1 != 0);
            spans.sort();
            for &(at, size) in &spans {
                assert!(at % WORD == 0 && size % WORD == 0 && at >= lo && at + size <= hi, "{at:x} {size}");
            }
            for w in spans.windows(2) {
                assert!(w[0].0 + w[0].1 <= w[1].0, "overlap: {:x?}", w);
            }
        }
    }

    impl Drop for Fixture {
        fn drop(&mut self) {
            // SAFETY (test): the buffer allocated in `new`, with its layout.
            unsafe { free_buffer(self.heap.grow.base as *mut u8, self.buffer) }
        }
    }

    #[test]
    fn a_freed_small_block_serves_its_size_class() {
        let mut f = Fixture::new(4);
        let a = f.heap.alloc(3 * WORD - 4, 4);
        let b = f.heap.alloc(WORD, 1);
        f.heap.dealloc(a, 3 * WORD - 4, WORD);
        assert_eq!(f.heap.alloc(3 * WORD, 8), a, "same class");
        assert_ne!(f.heap.alloc(3 * WORD, 8), a);
        // Small blocks come from one chunk, taken from `top`.
        assert_eq!(b as usize, a as usize + 3 * WORD);
        assert_eq!(f.heap.top, a as usize + CHUNK);
        f.check(&[(a as usize, 3 * WORD), (b as usize, WORD)]);
    }

    #[test]
    fn freed_large_blocks_merge_and_return_to_top() {
        let mut f = Fixture::new(4);
        let n = 2 * SMALL;
        let [a, b, c] = [0; 3].map(|_| f.heap.alloc(n, WORD) as usize);
        assert_eq!((b - a, c - b), (n, n));
        f.heap.dealloc(b as *mut u8, n, WORD);
        f.check(&[(a, n), (c, n)]);
        f.heap.dealloc(a as *mut u8, n, WORD);
        assert_eq!(f.large(), [(a, 2 * n)]);
        f.heap.dealloc(c as *mut u8, n, WORD);
        assert_eq!((f.large(), f.heap.top), (vec![], a));
        // The smallest block that fits is taken, its rest left on the list.
        let sep = SMALL + WORD;
        let [x, s1, y, s2] = [3 * n, sep, n, sep].map(|s| f.heap.alloc(s, WORD) as usize);
        f.heap.dealloc(x as *mut u8, 3 * n, WORD);
        f.heap.dealloc(y as *mut u8, n, WORD);
        assert_eq!(f.heap.alloc(n - WORD, WORD) as usize, y);
        assert_eq!(f.large(), [(x, 3 * n), (y + n - WORD, WORD)]);
        f.check(&[(s1, sep), (y, n - WORD), (s2, sep)]);
    }

    #[test]
    fn a_block_at_top_grows_and_shrinks_in_place() {
        let mut f = Fixture::new(8);
        let a = f.heap.alloc(1024, WORD);
        // SAFETY (test): `a` has 1024 bytes.
        unsafe { a.write_bytes(7, 1024) };
        let b = f.heap.realloc(a, 1024, WORD, 3 * PAGE);
        assert_eq!(b, a);
        assert_eq!(f.pages(), 3, "only the pages needed");
        // SAFETY (test): the first 1024 bytes were kept.
        assert!(unsafe { std::slice::from_raw_parts(b, 1024) }.iter().all(|&x| x == 7));
        assert_eq!(f.heap.realloc(b, 3 * PAGE, WORD, 2048), a);
        assert_eq!(f.heap.top, a as usize + 2048);
        // Not at top: a shrink frees the tail, a growth moves the block and keeps its bytes.
        let c = f.heap.alloc(1024, WORD);
        assert_eq!(f.heap.realloc(a, 2048, WORD, 1024), a);
        assert_eq!(f.large(), [(a as usize + 1024, 1024)]);
        let d = f.heap.realloc(a, 1024, WORD, 5120);
        assert!(d as usize > c as usize);
        // SAFETY (test): `d` holds the 1024 bytes moved.
        assert!(unsafe { std::slice::from_raw_parts(d, 1024) }.iter().all(|&x| x == 7));
        assert_eq!(f.large(), [(a as usize, 2048)]);
        f.check(&[(c as usize, 1024), (d as usize, 5120)]);
    }

    #[test]
    fn larger_alignments_and_running_out_of_memory() {
        let mut f = Fixture::new(2);
        let a = f.heap.alloc(WORD, WORD) as usize;
        let b = f.heap.alloc(100, 4096) as usize;
        assert_eq!(b % 4096, 0);
        f.check(&[(a, WORD), (b, round(100))]);
        assert!(f.heap.alloc(2 * PAGE, WORD).is_null());
        assert!(f.heap.realloc(b as *mut u8, 100, 4096, 2 * PAGE).is_null());
        f.check(&[(a, WORD), (b, round(100))]);
        assert!(!f.heap.alloc(PAGE / 2, WORD).is_null());
        // An aligned block is a large one: freed, it merges with the bytes around it (no small class keeps it).
        let c = f.heap.alloc(WORD, 4 * WORD) as usize;
        assert_eq!(c % (4 * WORD), 0);
        let top = f.heap.top;
        f.heap.dealloc(c as *mut u8, WORD, 4 * WORD);
        assert!(f.heap.top < top && f.heap.small.iter().all(|&h| h == 0));
    }

    #[test]
    fn the_initial_memory_is_used_first_then_grown_from_its_end() {
        let mut f = Fixture::with_initial(4, 1, PAGE / 4);
        let start = f.heap.grow.base + PAGE - PAGE / 4;
        assert_eq!(f.heap.alloc(PAGE / 8, WORD) as usize, start);
        assert_eq!(f.pages(), 1);
        // A block at the end of the initial memory grows in place into new pages.
        let a = f.heap.alloc(PAGE / 16, WORD);
        assert_eq!(f.heap.realloc(a, PAGE / 16, WORD, PAGE), a);
        assert_eq!(f.pages(), 2);
        f.check(&[(start, PAGE / 8), (a as usize, PAGE)]);
    }

    /// A small deterministic generator (xorshift).
    fn rng(seed: &mut u64) -> usize {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        *seed as usize
    }

    /// One round of a load-like workload: many small blocks, a few large ones growing by doubling, frees and
    /// resizes at random, every block's bytes checked; everything freed at the end.
    fn round_of(f: &mut Fixture, seed: &mut u64, check: bool) {
        let mut live: Vec<(*mut u8, usize, usize, u8)> = vec![];
        for step in 0..3000 {
            let r = rng(seed);
            let k = r % 10;
            if k < 5 || live.is_empty() {
                let size = match r / 10 % 8 {
                    0 => 1 + r / 80 % 12_000,
                    1 if r / 80 % 50 == 0 => 40_000 + r / 4000 % 60_000,
                    _ => 1 + r / 80 % (SMALL + 40),
                };
                let align = if r / 7 % 16 == 0 { 4 * WORD } else { [1, 4, 8][r / 7 % 3] };
                // (both entries, sharing the heap: `alloc_lean` gives what `alloc` gives)
                let p = if r / 3 % 2 == 0 { f.heap.alloc(size, align) } else { f.heap.alloc_lean(size, align) };
                assert_eq!(p as usize % align, 0);
                assert!(!p.is_null());
                let mark = step as u8;
                // SAFETY (test): `p` has `size` bytes.
                unsafe { p.write_bytes(mark, size) };
                live.push((p, size, align, mark));
            } else {
                let i = r / 10 % live.len();
                let (p, size, align, mark) = live[i];
                // SAFETY (test): the block is live with `size` bytes.
                assert!(unsafe { std::slice::from_raw_parts(p, size) }.iter().all(|&x| x == mark));
                if k < 8 {
                    f.heap.dealloc(p, size, align);
                    live.swap_remove(i);
                } else {
                    let new = if k == 8 { size * 2 } else { 1 + size / 2 };
                    let q = f.heap.realloc(p, size, align, new);
                    assert_eq!(q as usize % align, 0);
                    assert!(!q.is_null());
                    // SAFETY (test): `q` has `new` bytes, the first `min(size, new)` kept.
                    unsafe { q.add(size.min(new)).write_bytes(mark, new.saturating_sub(size)) };
                    live[i] = (q, new, align, mark);
                }
            }
            if check && step % 50 == 0 {
                f.check(&live.iter().map(|&(p, s, _, _)| (p as usize, round(s))).collect::<Vec<_>>());
            }
        }
        for (p, size, align, _) in live {
            f.heap.dealloc(p, size, align);
        }
        f.check(&[]);
    }

    #[test]
    fn random_workloads_keep_the_invariants_and_the_bytes() {
        for s in 1..6 {
            let mut f = Fixture::new(512);
            let mut seed = 0x9e37_79b9_7f4a_7c15 ^ s;
            round_of(&mut f, &mut seed, true);
        }
    }

    #[test]
    fn the_same_workload_again_and_again_needs_no_more_memory() {
        let mut f = Fixture::new(512);
        let mut pages = vec![];
        for _ in 0..40 {
            let mut seed = 0x2545_f491_4f6c_dd1d;
            round_of(&mut f, &mut seed, false);
            pages.push(f.pages());
        }
        assert!(pages[3..].iter().all(|&p| p == pages[3]), "{pages:?}");
    }
}
