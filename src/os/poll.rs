//! Waiting until one of a few file descriptors has something to read: the cluster thread
//! sleeps on its Redis subscription and on its wake-up socket at once, so that a ban decided
//! here is sent at once and one published elsewhere is read at once, without a busy loop.

use std::os::fd::RawFd;
use std::time::Duration;

/// Which of the descriptors passed to [`wait_readable`] can be read without blocking (or
/// have hung up, which a read then reports).
pub fn wait_readable(fds: &[RawFd], timeout: Duration) -> std::io::Result<Vec<bool>> {
    let mut polled: Vec<libc::pollfd> = fds
        .iter()
        .map(|&fd| libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        })
        .collect();
    let ms = libc::c_int::try_from(timeout.as_millis()).unwrap_or(libc::c_int::MAX);
    // SAFETY: `polled` is a live array of exactly `polled.len()` pollfd structures; poll only
    // writes their `revents` fields.
    let n = unsafe { libc::poll(polled.as_mut_ptr(), polled.len() as libc::nfds_t, ms) };
    if n < 0 {
        let err = std::io::Error::last_os_error();
        if err.kind() == std::io::ErrorKind::Interrupted {
            return Ok(vec![false; fds.len()]);
        }
        return Err(err);
    }
    Ok(polled
        .iter()
        .map(|p| p.revents & (libc::POLLIN | libc::POLLHUP | libc::POLLERR) != 0)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::os::fd::AsRawFd;
    use std::os::unix::net::UnixStream;

    #[test]
    fn reports_the_descriptor_with_data_and_times_out_otherwise() {
        let (mut a, b) = UnixStream::pair().unwrap();
        let (_c, d) = UnixStream::pair().unwrap();
        let idle = wait_readable(&[b.as_raw_fd(), d.as_raw_fd()], Duration::from_millis(5));
        assert_eq!(idle.unwrap(), vec![false, false]);
        a.write_all(b"x").unwrap();
        let ready = wait_readable(&[b.as_raw_fd(), d.as_raw_fd()], Duration::from_secs(1));
        assert_eq!(ready.unwrap(), vec![true, false]);
    }
}
