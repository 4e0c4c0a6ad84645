//! The module's global allocator: every Rust allocation in `res_secast.so` goes through
//! [`LargeBlocksMapped`], which maps blocks from 128 KiB up itself so that glibc's
//! process-wide thresholds, and Asterisk's memory, stay as they would be without us (see
//! `os::large_blocks`). Here, in the Asterisk layer, so that tests and benches keep theirs.

use crate::os::large_blocks::LargeBlocksMapped;

#[global_allocator]
static ALLOCATOR: LargeBlocksMapped = LargeBlocksMapped;
