//! The module's allocator (`os::large_blocks`) maps its large blocks itself, so that freeing
//! one leaves glibc's process-wide mmap threshold where it was; freed through glibc, the same
//! block raises it, and a later 400 KiB malloc then comes from a malloc arena (the cause of
//! Asterisk's RSS creeping up at every unload/load). A test without libtest's harness, alone in
//! its process (Cargo.toml): the threshold is process-wide, and the second half raises it for
//! good.

use std::alloc::{GlobalAlloc, Layout, System};

use res_secast::os::large_blocks::{LARGE, LargeBlocksMapped};

/// Blocks glibc currently serves with their own mapping.
fn mapped_by_glibc() -> usize {
    // SAFETY: mallinfo2 only reads malloc's statistics.
    unsafe { libc::mallinfo2() }.hblks
}

/// Whether glibc serves a fresh request of `kib` KiB with a mapping of its own rather than
/// from an arena, i.e. whether its mmap threshold is still below that size. Freeing the
/// probe raises the threshold to the probe's size, so each probe must be larger than the last.
fn glibc_maps(kib: usize) -> bool {
    let before = mapped_by_glibc();
    // SAFETY: a plain malloc/free pair.
    unsafe {
        // black_box: the optimiser may not drop a malloc/free pair it can see through.
        let p = std::hint::black_box(libc::malloc(kib * 1024));
        assert!(!p.is_null());
        let mapped = mapped_by_glibc() == before + 1;
        libc::free(p);
        mapped
    }
}

fn main() {
    freeing_a_large_block_leaves_glibcs_mmap_threshold_alone();
    println!("test freeing_a_large_block_leaves_glibcs_mmap_threshold_alone ... ok");
}

fn freeing_a_large_block_leaves_glibcs_mmap_threshold_alone() {
    let layout = Layout::from_size_align(1 << 20, 8).expect("layout");
    assert!(
        glibc_maps(200),
        "the default threshold (128 KiB) to start with"
    );

    // Through the module's allocator: alloc, write, grow, shrink below LARGE, free.
    let a = LargeBlocksMapped;
    // SAFETY: GlobalAlloc used by its contract: each block freed once with its own layout.
    unsafe {
        let p = a.alloc_zeroed(layout);
        assert!(!p.is_null());
        assert_eq!(p as usize % 4096, 0, "page-aligned");
        assert!(
            std::slice::from_raw_parts(p, 1 << 20)
                .iter()
                .all(|b| *b == 0)
        );
        p.write_bytes(7, 1 << 20);
        let p = a.realloc(p, layout, 3 << 20);
        assert_eq!(*p.add((1 << 20) - 1), 7, "contents kept when grown");
        let grown = Layout::from_size_align(3 << 20, 8).expect("layout");
        let p = a.realloc(p, grown, LARGE / 2);
        assert_eq!(
            *p.add(LARGE / 2 - 1),
            7,
            "contents kept when shrunk to a small block"
        );
        a.dealloc(p, Layout::from_size_align(LARGE / 2, 8).expect("layout"));
        let p = std::hint::black_box(a.alloc(layout));
        p.write_bytes(7, 1 << 20);
        a.dealloc(std::hint::black_box(p), layout);
    }
    assert!(
        glibc_maps(300),
        "after our 1 and 3 MiB blocks were freed, glibc still maps 300 KiB requests itself"
    );

    // The same 1 MiB through glibc: its threshold rises, and 400 KiB now comes from an arena.
    // SAFETY: as above.
    unsafe {
        let p = std::hint::black_box(System.alloc(layout));
        assert!(!p.is_null());
        p.write_bytes(7, 1 << 20);
        System.dealloc(std::hint::black_box(p), layout);
    }
    assert!(
        !glibc_maps(400),
        "glibc raises its threshold after freeing a mapped 1 MiB block (what this guards against)"
    );
}
