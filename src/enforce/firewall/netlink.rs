//! A netfilter netlink socket: writes messages, sends a batch and collects the kernel's
//! acknowledgements, runs dumps. Knows nothing of nf_tables objects (see `nft_netlink`).
//!
//! Every reply to a batch is queued on our socket before `send` returns (nfnetlink handles a
//! batch synchronously in the sender's context), so reading the answers never waits on the
//! kernel; a receive timeout still bounds every read in case that ever changes.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::Duration;

// <linux/netlink.h>
const NETLINK_NETFILTER: i32 = 12;
const SOL_NETLINK: i32 = 270;
/// Error replies carry only the failed message's header, not its (up to 64 KiB) payload.
const NETLINK_CAP_ACK: i32 = 10;
const NLMSG_HDRLEN: usize = 16;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
const NLMSG_OVERRUN: u16 = 4;
pub(crate) const NLM_F_REQUEST: u16 = 0x1;
const NLM_F_MULTI: u16 = 0x2;
pub(crate) const NLM_F_ACK: u16 = 0x4;
const NLM_F_DUMP_INTR: u16 = 0x10;
pub(crate) const NLM_F_DUMP: u16 = 0x300;
pub(crate) const NLM_F_CREATE: u16 = 0x400;
pub(crate) const NLM_F_APPEND: u16 = 0x800;
const NLA_F_NESTED: u16 = 0x8000;
const NLA_TYPE_MASK: u16 = 0x3fff;
// <linux/netfilter/nfnetlink.h>
const NFNL_MSG_BATCH_BEGIN: u16 = 16;
const NFNL_MSG_BATCH_END: u16 = 17;
pub(crate) const NFNL_SUBSYS_NFTABLES: u16 = 10;
const NFGENMSG_LEN: usize = 4;

/// The largest nested attribute: nlattr's length is 16 bits.
pub(crate) const MAX_ATTR_LEN: usize = 65535;
/// Bounds every blocking read.
const RECV_TIMEOUT: Duration = Duration::from_secs(5);
/// Dump replies come in skbs of at most 32 KiB; room to spare.
const RECV_BUF: usize = 128 * 1024;
/// Restarts of a dump the kernel flagged as interrupted by a concurrent change.
const DUMP_RETRIES: usize = 3;
/// Upper bound on reads for one request (a dump of 1M elements is ~3,000 reads).
const MAX_READS: usize = 1_000_000;

/// What went wrong, as the kernel (or the socket) said it. For a batch it is the first error
/// reported; the kernel then rolled the whole batch back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct NlError {
    pub(crate) errno: i32,
}

impl NlError {
    fn os(err: io::Error) -> NlError {
        NlError {
            errno: err.raw_os_error().unwrap_or(libc::EIO),
        }
    }
    fn errno(errno: i32) -> NlError {
        NlError { errno }
    }
}

/// Builds netlink messages (nfnetlink: each with an nfgenmsg header) into one buffer.
pub(crate) struct Writer {
    buf: Vec<u8>,
    first_seq: u32,
    msg_start: usize,
    nests: Vec<usize>,
    next_seq: u32,
    /// Sequence numbers of the messages that asked for an acknowledgement.
    pub(crate) acked: Vec<u32>,
}

impl Writer {
    pub(crate) fn new(first_seq: u32) -> Writer {
        Writer {
            buf: Vec::with_capacity(4096),
            first_seq,
            msg_start: 0,
            nests: Vec::new(),
            next_seq: first_seq,
            acked: Vec::new(),
        }
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        &self.buf
    }

    pub(crate) fn next_seq(&self) -> u32 {
        self.next_seq
    }

    /// Starts a message; returns its sequence number.
    pub(crate) fn begin(&mut self, ty: u16, flags: u16, family: u8, res_id: u16) -> u32 {
        let seq = self.next_seq;
        self.next_seq = self.next_seq.wrapping_add(1);
        if flags & NLM_F_ACK != 0 {
            self.acked.push(seq);
        }
        self.msg_start = self.buf.len();
        self.buf.extend_from_slice(&0u32.to_ne_bytes()); // length, patched by end()
        self.buf.extend_from_slice(&ty.to_ne_bytes());
        self.buf.extend_from_slice(&flags.to_ne_bytes());
        self.buf.extend_from_slice(&seq.to_ne_bytes());
        self.buf.extend_from_slice(&0u32.to_ne_bytes()); // port id: the kernel fills it in
        self.buf.push(family);
        self.buf.push(0); // NFNETLINK_V0
        self.buf.extend_from_slice(&res_id.to_be_bytes());
        seq
    }

    pub(crate) fn end(&mut self) {
        debug_assert!(self.nests.is_empty(), "unclosed nest");
        let len = u32::try_from(self.buf.len() - self.msg_start).expect("message under 4 GiB");
        self.buf[self.msg_start..self.msg_start + 4].copy_from_slice(&len.to_ne_bytes());
    }

    pub(crate) fn batch_begin(&mut self) {
        self.begin(NFNL_MSG_BATCH_BEGIN, NLM_F_REQUEST, 0, NFNL_SUBSYS_NFTABLES);
        self.end();
    }

    pub(crate) fn batch_end(&mut self) {
        self.begin(NFNL_MSG_BATCH_END, NLM_F_REQUEST, 0, NFNL_SUBSYS_NFTABLES);
        self.end();
    }

    pub(crate) fn attr(&mut self, ty: u16, data: &[u8]) {
        let len = u16::try_from(4 + data.len()).expect("attribute under 64 KiB");
        self.buf.extend_from_slice(&len.to_ne_bytes());
        self.buf.extend_from_slice(&ty.to_ne_bytes());
        self.buf.extend_from_slice(data);
        self.pad();
    }

    /// Strings go in NUL-terminated (NLA_STRING/NLA_NUL_STRING both accept that).
    pub(crate) fn attr_str(&mut self, ty: u16, s: &str) {
        let mut data = Vec::with_capacity(s.len() + 1);
        data.extend_from_slice(s.as_bytes());
        data.push(0);
        self.attr(ty, &data);
    }

    /// nf_tables integers are big-endian on the wire.
    pub(crate) fn attr_u32(&mut self, ty: u16, v: u32) {
        self.attr(ty, &v.to_be_bytes());
    }

    pub(crate) fn attr_u64(&mut self, ty: u16, v: u64) {
        self.attr(ty, &v.to_be_bytes());
    }

    pub(crate) fn nest(&mut self, ty: u16) {
        self.nests.push(self.buf.len());
        self.buf.extend_from_slice(&0u16.to_ne_bytes());
        self.buf
            .extend_from_slice(&(ty | NLA_F_NESTED).to_ne_bytes());
    }

    pub(crate) fn end_nest(&mut self) {
        let start = self.nests.pop().expect("end_nest without nest");
        let len = u16::try_from(self.buf.len() - start).expect("nest under 64 KiB");
        self.buf[start..start + 2].copy_from_slice(&len.to_ne_bytes());
    }

    /// Bytes written into the innermost open nest so far.
    pub(crate) fn nest_len(&self) -> usize {
        self.nests.last().map_or(0, |&s| self.buf.len() - s)
    }

    fn pad(&mut self) {
        while !self.buf.len().is_multiple_of(4) {
            self.buf.push(0);
        }
    }
}

/// Iterates the attributes in `buf` as (type without flags, payload).
pub(crate) fn attrs(buf: &[u8]) -> Attrs<'_> {
    Attrs { buf }
}

pub(crate) struct Attrs<'a> {
    buf: &'a [u8],
}

impl<'a> Iterator for Attrs<'a> {
    type Item = (u16, &'a [u8]);
    fn next(&mut self) -> Option<Self::Item> {
        if self.buf.len() < 4 {
            return None;
        }
        let len = usize::from(u16::from_ne_bytes([self.buf[0], self.buf[1]]));
        let ty = u16::from_ne_bytes([self.buf[2], self.buf[3]]) & NLA_TYPE_MASK;
        if len < 4 || len > self.buf.len() {
            self.buf = &[];
            return None;
        }
        let payload = &self.buf[4..len];
        self.buf = &self.buf[len.next_multiple_of(4).min(self.buf.len())..];
        Some((ty, payload))
    }
}

/// The first attribute of type `ty` in `buf`.
pub(crate) fn attr(buf: &[u8], ty: u16) -> Option<&[u8]> {
    attrs(buf).find(|(t, _)| *t == ty).map(|(_, p)| p)
}

/// A string attribute without its terminating NUL.
pub(crate) fn attr_string(buf: &[u8], ty: u16) -> Option<&str> {
    let raw = attr(buf, ty)?;
    let raw = raw.split(|&b| b == 0).next().unwrap_or(raw);
    std::str::from_utf8(raw).ok()
}

struct Reply<'a> {
    ty: u16,
    flags: u16,
    seq: u32,
    body: &'a [u8],
}

/// Splits one datagram into its netlink messages.
fn replies(mut buf: &[u8]) -> impl Iterator<Item = Reply<'_>> {
    std::iter::from_fn(move || {
        if buf.len() < NLMSG_HDRLEN {
            return None;
        }
        let len = u32::from_ne_bytes(buf[0..4].try_into().ok()?) as usize;
        if len < NLMSG_HDRLEN || len > buf.len() {
            buf = &[];
            return None;
        }
        let reply = Reply {
            ty: u16::from_ne_bytes([buf[4], buf[5]]),
            flags: u16::from_ne_bytes([buf[6], buf[7]]),
            seq: u32::from_ne_bytes(buf[8..12].try_into().ok()?),
            body: &buf[NLMSG_HDRLEN..len],
        };
        buf = &buf[len.next_multiple_of(4).min(buf.len())..];
        Some(reply)
    })
}

/// The errno of an NLMSG_ERROR body (0 = acknowledgement).
fn error_code(body: &[u8]) -> i32 {
    body.get(0..4)
        .and_then(|b| b.try_into().ok())
        .map_or(-libc::EIO, i32::from_ne_bytes)
}

pub(crate) struct Socket {
    fd: OwnedFd,
    seq: u32,
    sndbuf: usize,
    rx: Vec<u8>,
}

impl Socket {
    pub(crate) fn open() -> Result<Socket, NlError> {
        // SAFETY: plain socket(2); the fd is owned by OwnedFd from here on.
        let fd = unsafe {
            libc::socket(
                libc::AF_NETLINK,
                libc::SOCK_RAW | libc::SOCK_CLOEXEC,
                NETLINK_NETFILTER,
            )
        };
        if fd < 0 {
            return Err(NlError::os(io::Error::last_os_error()));
        }
        // SAFETY: fd is a fresh descriptor nobody else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        // SAFETY: sockaddr_nl is plain data; zeroed = family 0, port 0 (kernel assigns).
        let mut addr: libc::sockaddr_nl = unsafe { std::mem::zeroed() };
        addr.nl_family = libc::AF_NETLINK as libc::sa_family_t;
        // SAFETY: addr is a valid sockaddr_nl of the given size.
        let rc = unsafe {
            libc::bind(
                fd.as_raw_fd(),
                (&raw const addr).cast(),
                std::mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t,
            )
        };
        if rc < 0 {
            return Err(NlError::os(io::Error::last_os_error()));
        }
        let sock = Socket {
            fd,
            // Any start works; a time-derived one keeps two sockets' traces apart in nlmon.
            seq: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_secs() as u32),
            sndbuf: 0,
            rx: vec![0; RECV_BUF],
        };
        // Best effort: without CAP_ACK an error echo is just bigger.
        let _ = sock.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1);
        let tv = libc::timeval {
            tv_sec: RECV_TIMEOUT.as_secs() as libc::time_t,
            tv_usec: 0,
        };
        sock.setsockopt_raw(libc::SOL_SOCKET, libc::SO_RCVTIMEO, &tv)
            .map_err(NlError::os)?;
        Ok(sock)
    }

    /// A sequence number range start for the next request.
    pub(crate) fn writer(&mut self) -> Writer {
        Writer::new(self.seq)
    }

    fn setsockopt(&self, level: i32, name: i32, value: i32) -> io::Result<()> {
        self.setsockopt_raw(level, name, &value)
    }

    fn setsockopt_raw<T>(&self, level: i32, name: i32, value: &T) -> io::Result<()> {
        // SAFETY: value points to a live T of the given size.
        let rc = unsafe {
            libc::setsockopt(
                self.fd.as_raw_fd(),
                level,
                name,
                (value as *const T).cast(),
                std::mem::size_of::<T>() as libc::socklen_t,
            )
        };
        if rc < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(())
        }
    }

    /// A batch must reach the kernel in one datagram, and netlink refuses datagrams larger
    /// than the send buffer: grow it to fit (FORCE works past wmem_max with CAP_NET_ADMIN).
    fn fit_sndbuf(&mut self, len: usize) {
        if len + 4096 <= self.sndbuf {
            return;
        }
        let want = i32::try_from(len + 4096).unwrap_or(i32::MAX);
        if self
            .setsockopt(libc::SOL_SOCKET, libc::SO_SNDBUFFORCE, want)
            .or_else(|_| self.setsockopt(libc::SOL_SOCKET, libc::SO_SNDBUF, want))
            .is_ok()
        {
            self.sndbuf = len + 4096;
        }
    }

    fn send(&mut self, buf: &[u8]) -> Result<(), NlError> {
        self.fit_sndbuf(buf.len());
        for _ in 0..8 {
            // SAFETY: buf is a live slice; the kernel copies it before returning.
            let n = unsafe { libc::send(self.fd.as_raw_fd(), buf.as_ptr().cast(), buf.len(), 0) };
            if n >= 0 {
                return if n as usize == buf.len() {
                    Ok(())
                } else {
                    Err(NlError::errno(libc::EMSGSIZE))
                };
            }
            let err = io::Error::last_os_error();
            if err.kind() != io::ErrorKind::Interrupted {
                return Err(NlError::os(err));
            }
        }
        Err(NlError::errno(libc::EINTR))
    }

    /// One datagram into self.rx; Ok(None) when nothing is queued and `wait` is false.
    fn recv(&mut self, wait: bool) -> Result<Option<usize>, NlError> {
        let flags = libc::MSG_TRUNC | if wait { 0 } else { libc::MSG_DONTWAIT };
        for _ in 0..8 {
            // SAFETY: rx is a live buffer of rx.len() bytes.
            let n = unsafe {
                libc::recv(
                    self.fd.as_raw_fd(),
                    self.rx.as_mut_ptr().cast(),
                    self.rx.len(),
                    flags,
                )
            };
            if n >= 0 {
                let n = n as usize;
                if n > self.rx.len() {
                    return Err(NlError::errno(libc::EMSGSIZE));
                }
                return Ok(Some(n));
            }
            let err = io::Error::last_os_error();
            match err.raw_os_error() {
                Some(libc::EINTR) => continue,
                Some(libc::EAGAIN) if !wait => return Ok(None),
                // The receive timeout fired: the kernel never answered.
                Some(libc::EAGAIN) => return Err(NlError::errno(libc::ETIMEDOUT)),
                _ => return Err(NlError::os(err)),
            }
        }
        Err(NlError::errno(libc::EINTR))
    }

    /// Throws away anything left from an earlier request that gave up early.
    fn drain(&mut self) {
        for _ in 0..1024 {
            if !matches!(self.recv(false), Ok(Some(_))) {
                break;
            }
        }
    }

    /// Sends a batch (or a single request) and waits for every acknowledgement it asked for.
    /// Returns the first error the kernel reported; the kernel has then rolled the whole
    /// batch back.
    pub(crate) fn transact(&mut self, w: &Writer) -> Result<(), NlError> {
        self.seq = w.next_seq();
        self.drain();
        self.send(w.bytes())?;
        // Every message of the request, acked or not: a refused batch is answered with the
        // seq of its BATCH_BEGIN (e.g. EPERM before any message is looked at).
        let first = w.first_seq;
        let span = w.next_seq().wrapping_sub(first);
        let mut pending = w.acked.len();
        let mut failure: Option<NlError> = None;
        for _ in 0..MAX_READS {
            if pending == 0 {
                break;
            }
            // After an error the kernel may not answer the rest: stop when the queue is empty.
            let Some(n) = self.recv(failure.is_none())? else {
                break;
            };
            for r in replies(&self.rx[..n]) {
                if r.ty == NLMSG_OVERRUN {
                    return Err(NlError::errno(libc::ENOBUFS));
                }
                if r.ty != NLMSG_ERROR || r.seq.wrapping_sub(first) >= span {
                    continue;
                }
                pending = pending.saturating_sub(1);
                let code = error_code(r.body);
                if code != 0 && failure.is_none() {
                    failure = Some(NlError::errno(-code));
                }
            }
        }
        match failure {
            Some(e) => Err(e),
            None if pending == 0 => Ok(()),
            None => Err(NlError::errno(libc::ETIMEDOUT)),
        }
    }

    /// Runs a dump request (one message, NLM_F_DUMP) and returns each reply's attributes
    /// (the bytes after the nfgenmsg header). Restarted if the kernel flags it interrupted.
    pub(crate) fn dump(&mut self, w: &Writer) -> Result<Vec<Vec<u8>>, NlError> {
        for _ in 0..DUMP_RETRIES {
            if let Some(out) = self.dump_once(w)? {
                return Ok(out);
            }
        }
        Err(NlError::errno(libc::EINTR))
    }

    fn dump_once(&mut self, w: &Writer) -> Result<Option<Vec<Vec<u8>>>, NlError> {
        let seq = w.next_seq().wrapping_sub(1);
        self.seq = w.next_seq();
        self.drain();
        self.send(w.bytes())?;
        let mut out = Vec::new();
        let mut interrupted = false;
        for _ in 0..MAX_READS {
            let n = self.recv(true)?.unwrap_or(0);
            for r in replies(&self.rx[..n]) {
                if r.seq != seq {
                    continue;
                }
                if r.flags & NLM_F_DUMP_INTR != 0 {
                    interrupted = true;
                }
                match r.ty {
                    NLMSG_DONE => return Ok((!interrupted).then_some(out)),
                    NLMSG_ERROR => {
                        let code = error_code(r.body);
                        if code != 0 {
                            return Err(NlError::errno(-code));
                        }
                    }
                    NLMSG_OVERRUN => return Err(NlError::errno(libc::ENOBUFS)),
                    _ => {
                        out.push(r.body.get(NFGENMSG_LEN..).unwrap_or_default().to_vec());
                        if r.flags & NLM_F_MULTI == 0 {
                            // A single-part answer has no DONE.
                            return Ok(Some(out));
                        }
                    }
                }
            }
        }
        Err(NlError::errno(libc::ETIMEDOUT))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writer_builds_padded_nested_attributes() {
        let mut w = Writer::new(7);
        let seq = w.begin(0x0a0c, NLM_F_REQUEST | NLM_F_ACK, 1, 0);
        assert_eq!(seq, 7);
        w.attr_str(1, "abc"); // 4 + 4 bytes
        w.nest(3);
        w.attr_u32(1, 0x0102_0304);
        w.end_nest();
        w.end();
        let b = w.bytes();
        assert_eq!(b.len(), 16 + 4 + 8 + 4 + 8);
        assert_eq!(
            u32::from_ne_bytes(b[0..4].try_into().unwrap()) as usize,
            b.len()
        );
        assert_eq!(w.acked, vec![7]);
        let body = &b[20..];
        let got: Vec<(u16, Vec<u8>)> = attrs(body).map(|(t, p)| (t, p.to_vec())).collect();
        assert_eq!(got[0], (1, b"abc\0".to_vec()));
        assert_eq!(got[1].0, 3);
        assert_eq!(attr(&got[1].1, 1), Some(&[1u8, 2, 3, 4][..]));
        assert_eq!(attr_string(body, 1), Some("abc"));
    }

    #[test]
    fn attrs_stop_at_garbage() {
        assert_eq!(attrs(&[255, 255, 1, 0, 0]).count(), 0);
        assert_eq!(attrs(&[2, 0, 1, 0]).count(), 0);
    }
}
