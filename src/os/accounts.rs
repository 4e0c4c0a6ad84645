//! Users and groups by name, for an event handler that runs as another user (`user =`,
//! `group =` in its secast.conf section). Looked up in the process's own view of
//! `/etc/passwd` and `/etc/group` (NSS), so a chrooted Asterisk sees the chroot's.

use std::ffi::CString;

/// How much room the reentrant lookups get for the strings of one entry.
const BUFFER: usize = 16 * 1024;

/// A user's id and primary group: a name, or a number taken as is (then no group is known).
pub fn user_ids(name: &str) -> Option<(u32, Option<u32>)> {
    let cname = CString::new(name).ok()?;
    let mut pwd: libc::passwd = unsafe_zeroed_passwd();
    let mut buf = vec![0 as libc::c_char; BUFFER];
    let mut found: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: every pointer is to memory we own and sized as passed; getpwnam_r writes the
    // entry into `pwd`, its strings into `buf`, and sets `found` to `&pwd` or null.
    let rc = unsafe {
        libc::getpwnam_r(
            cname.as_ptr(),
            &mut pwd,
            buf.as_mut_ptr(),
            buf.len(),
            &mut found,
        )
    };
    if rc == 0 && !found.is_null() {
        return Some((pwd.pw_uid, Some(pwd.pw_gid)));
    }
    Some((name.parse().ok()?, None))
}

/// A group's id: a name, or a number taken as is.
pub fn group_id(name: &str) -> Option<u32> {
    let cname = CString::new(name).ok()?;
    // SAFETY: an all-zero `group` is a valid value for getgrnam_r to overwrite.
    let mut grp: libc::group = unsafe { std::mem::zeroed() };
    let mut buf = vec![0 as libc::c_char; BUFFER];
    let mut found: *mut libc::group = std::ptr::null_mut();
    // SAFETY: as for getpwnam_r above.
    let rc = unsafe {
        libc::getgrnam_r(
            cname.as_ptr(),
            &mut grp,
            buf.as_mut_ptr(),
            buf.len(),
            &mut found,
        )
    };
    if rc == 0 && !found.is_null() {
        return Some(grp.gr_gid);
    }
    name.parse().ok()
}

fn unsafe_zeroed_passwd() -> libc::passwd {
    // SAFETY: an all-zero `passwd` (null pointers, zero ids) is a valid value for getpwnam_r
    // to overwrite.
    unsafe { std::mem::zeroed() }
}
