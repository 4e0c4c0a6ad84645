//! An allocator for everything Rust allocates inside `res_secast.so` (installed by
//! `host::ffi::module_allocator`): glibc's malloc for ordinary sizes, and the kernel's own
//! pages (mmap/munmap) from 128 KiB up.
//!
//! Why: when glibc frees a block it had served with its own mapping, it raises its mmap and
//! trim thresholds for the whole process, up to that block's size (up to 32 MiB). Our large
//! blocks are freed routinely: tables of the engine growing under an attack, a module
//! unload. After that, every allocation Asterisk makes below the new threshold lands in a
//! malloc arena, and each arena keeps up to twice the threshold of free memory resident.
//! Measured in the sandbox under attack: Asterisk's RSS grew by 8–15 KB at every
//! `module unload`/`module load`, and stayed flat when the threshold was held fixed
//! (MALLOC_MMAP_THRESHOLD_). Serving our large blocks ourselves leaves glibc's tuning, and
//! Asterisk's memory, as they would be without us, and gives the pages back at once.
//!
//! Installed only in the module: tests and benches keep the system allocator, or their own
//! (`tests/large_blocks.rs` checks the threshold stays put).

use std::alloc::{GlobalAlloc, Layout, System};

/// glibc's default mmap threshold: blocks from here up are mapped by us.
pub const LARGE: usize = 128 * 1024;

/// Every mapping is aligned to a page, at least 4 KiB.
const MAP_ALIGN: usize = 4096;

pub struct LargeBlocksMapped;

fn is_large(size: usize, align: usize) -> bool {
    size >= LARGE && align <= MAP_ALIGN
}

fn map(size: usize) -> *mut u8 {
    // SAFETY: a private anonymous mapping at an address of the kernel's choosing touches no
    // existing memory; it comes zeroed.
    let p = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            size,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    if p == libc::MAP_FAILED {
        std::ptr::null_mut()
    } else {
        p as *mut u8
    }
}

// SAFETY: large blocks are mappings of at least `size` bytes, page-aligned (so aligned for
// any `align` up to a page), unmapped exactly once by dealloc or moved by realloc; the rest is
// the system allocator's contract, unchanged.
unsafe impl GlobalAlloc for LargeBlocksMapped {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if is_large(layout.size(), layout.align()) {
            map(layout.size())
        } else {
            // SAFETY: the caller's layout, as GlobalAlloc::alloc requires.
            unsafe { System.alloc(layout) }
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if is_large(layout.size(), layout.align()) {
            map(layout.size()) // fresh anonymous pages are zero
        } else {
            // SAFETY: as in alloc.
            unsafe { System.alloc_zeroed(layout) }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if is_large(layout.size(), layout.align()) {
            // SAFETY: ptr is the mapping alloc made for this layout's size.
            unsafe { libc::munmap(ptr as *mut libc::c_void, layout.size()) };
        } else {
            // SAFETY: ptr came from System with this layout.
            unsafe { System.dealloc(ptr, layout) }
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let was_large = is_large(layout.size(), layout.align());
        let now_large = is_large(new_size, layout.align());
        match (was_large, now_large) {
            // SAFETY: ptr came from System with this layout; new_size is the caller's.
            (false, false) => unsafe { System.realloc(ptr, layout, new_size) },
            (true, true) => {
                // SAFETY: ptr is our mapping of layout.size() bytes; the kernel may move it,
                // keeping its contents.
                let p = unsafe {
                    libc::mremap(
                        ptr as *mut libc::c_void,
                        layout.size(),
                        new_size,
                        libc::MREMAP_MAYMOVE,
                    )
                };
                if p == libc::MAP_FAILED {
                    std::ptr::null_mut()
                } else {
                    p as *mut u8
                }
            }
            _ => {
                // SAFETY: new_size is non-zero and, rounded to align, does not overflow
                // isize (GlobalAlloc::realloc's own preconditions).
                let new_layout =
                    unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
                // SAFETY: a valid layout, as above.
                let new = unsafe { self.alloc(new_layout) };
                if !new.is_null() {
                    // SAFETY: both blocks are live and distinct, each at least this long.
                    unsafe {
                        std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                        self.dealloc(ptr, layout);
                    }
                }
                new
            }
        }
    }
}
