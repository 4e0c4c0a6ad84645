//! Running an outside program for an event handler, with nothing inherited that it should not
//! have and nothing it can do to hold us up.
//!
//! The program is started with `std::process::Command` (an argv, never a shell) and, between
//! `fork` and `exec`, a few steps of our own ([`Command::pre_exec`]):
//!
//! - `setsid()`: its own session and process group, so that a timeout kills the whole group
//!   (`kill(-pid, SIGKILL)`: the program and whatever it started) and no terminal signal of
//!   Asterisk's reaches it;
//! - every descriptor above stderr is marked close-on-exec (`close_range(3, ~0,
//!   CLOSE_RANGE_CLOEXEC)`, or a loop of `fcntl` on kernels before 5.11): Asterisk's sockets,
//!   its database and our ledger never reach the program, while std's own exec-error pipe (already
//!   close-on-exec) keeps working;
//! - SIGPIPE back to its default (Asterisk ignores it, and an ignored signal survives exec);
//! - `prctl(PR_SET_PDEATHSIG, SIGKILL)`: if Asterisk exits or crashes while the program runs
//!   (our thread waiting for it dies with the process), the program is killed too instead of
//!   running on. What the program itself started in the background outlives such a crash
//!   (nothing in the kernel follows it then); a timeout or a module unload kills the whole
//!   process group.
//!
//! Between `fork` and `exec` in a multi-threaded process only async-signal-safe calls are
//! allowed: `setsid`, `syscall(close_range)`, `fcntl`, `signal`, `prctl` and `getppid` are
//! plain system calls; nothing there allocates or takes a lock. The descriptor limit for the
//! fallback loop and our own pid are read before the fork.
//!
//! The parent side is one thread per run: it writes the program's stdin, reads its stdout and
//! stderr (keeping at most a bounded amount of each) and waits for it with `poll` (its pipes
//! and a pidfd that signals its exit), up to a deadline after which the process group is
//! killed. A grandchild that keeps the pipes open
//! after the program exited does not hold the run: reading stops after a short grace period.

use std::ffi::OsString;
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How long output is still read after the program exited, for a grandchild that kept the pipes.
const DRAIN_GRACE: Duration = Duration::from_millis(200);
/// How often the child is checked while nothing happens on its pipes.
const POLL_STEP: Duration = Duration::from_millis(20);
/// Descriptors the fallback loop marks close-on-exec at most.
const FD_SCAN_MAX: i32 = 65_536;

/// One program to run.
#[derive(Debug, Clone)]
pub struct Spawn {
    pub program: PathBuf,
    /// argv[1..]: each element exactly as given, never split or interpreted.
    pub args: Vec<OsString>,
    /// The whole environment (nothing is inherited from Asterisk).
    pub env: Vec<(OsString, OsString)>,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    pub stdin: Vec<u8>,
    pub timeout: Duration,
    /// Bytes kept of stdout and of stderr each; the rest is read and counted.
    pub capture: usize,
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    Exited(i32),
    Signalled(i32),
    /// Killed (with its process group) at the timeout.
    TimedOut,
    /// Killed because res_secast is stopping (module unload).
    Stopped,
}

#[derive(Debug, Clone)]
pub struct Outcome {
    pub ending: Ending,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// Bytes read beyond `capture`, stdout and stderr together.
    pub discarded: usize,
    pub elapsed: Duration,
}

impl Outcome {
    pub fn succeeded(&self) -> bool {
        self.ending == Ending::Exited(0)
    }
}

impl std::fmt::Display for Ending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Ending::Exited(code) => write!(f, "exit status {code}"),
            Ending::Signalled(sig) => write!(f, "killed by signal {sig}"),
            Ending::TimedOut => f.write_str("timed out"),
            Ending::Stopped => f.write_str("stopped by the module unloading"),
        }
    }
}

/// The soft descriptor limit, read in the parent for the child's fallback loop.
fn descriptor_limit() -> i32 {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes one rlimit into the struct we own.
    let ok = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } == 0;
    if !ok {
        return 1024;
    }
    i32::try_from(lim.rlim_cur)
        .unwrap_or(FD_SCAN_MAX)
        .clamp(3, FD_SCAN_MAX)
}

/// A descriptor that becomes readable when the child exits (Linux 5.3+), so the wait for it
/// is one `poll` with the pipes; None on older kernels (then the child is checked every
/// [`POLL_STEP`]).
fn exit_notifier(child: &Child) -> Option<OwnedFd> {
    let pid = libc::pid_t::try_from(child.id()).ok()?;
    // SAFETY: pidfd_open takes a pid and flags and returns a new descriptor or -1.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    let fd = i32::try_from(fd).ok().filter(|fd| *fd >= 0)?;
    // SAFETY: a fresh descriptor that nothing else owns.
    Some(unsafe { OwnedFd::from_raw_fd(fd) })
}

fn set_nonblocking(fd: i32) -> io::Result<()> {
    // SAFETY: fcntl on a descriptor we own (a pipe end of our child), flags only.
    unsafe {
        let flags = libc::fcntl(fd, libc::F_GETFL);
        if flags == -1 || libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK) == -1 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// Starts the program as described in the module documentation.
fn start(spec: &Spawn) -> io::Result<Child> {
    let mut cmd = Command::new(&spec.program);
    cmd.args(&spec.args)
        .env_clear()
        .envs(spec.env.iter().map(|(k, v)| (k, v)))
        .current_dir("/")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(gid) = spec.gid {
        cmd.gid(gid);
    }
    if let Some(uid) = spec.uid {
        // std drops supplementary groups (setgroups(0)) before setuid when we are root.
        cmd.uid(uid);
    }
    let fd_limit = descriptor_limit();
    let parent = std::process::id() as libc::pid_t;
    // SAFETY: the closure runs in the child between fork and exec. It calls only
    // async-signal-safe system calls (setsid, close_range, fcntl, signal, prctl, getppid),
    // allocates nothing, takes no lock, and reads only `fd_limit` and `parent`, plain integers
    // copied in before the fork.
    unsafe {
        cmd.pre_exec(move || {
            if libc::setsid() == -1 {
                return Err(io::Error::last_os_error());
            }
            // Killed if we die; and if we died already (before the line above took effect),
            // do not start at all.
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong) == -1
                || libc::getppid() != parent
            {
                return Err(io::Error::from_raw_os_error(libc::ESRCH));
            }
            let marked = libc::syscall(
                libc::SYS_close_range,
                3 as libc::c_uint,
                libc::c_uint::MAX,
                libc::CLOSE_RANGE_CLOEXEC as libc::c_uint,
            );
            if marked != 0 {
                for fd in 3..fd_limit {
                    libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC);
                }
            }
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
            Ok(())
        });
    }
    cmd.spawn()
}

/// Kills the run's whole process group (its session), and the program itself in case the
/// group is gone already.
fn kill_group(child: &mut Child) {
    if let Ok(pid) = i32::try_from(child.id()) {
        // SAFETY: plain signals to our own child's process group and to the child; a group
        // that no longer exists gives ESRCH, which is fine.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
    let _ = child.kill();
}

fn ending_of(status: ExitStatus) -> Ending {
    match (status.code(), status.signal()) {
        (Some(code), _) => Ending::Exited(code),
        (None, Some(sig)) => Ending::Signalled(sig),
        (None, None) => Ending::Exited(-1),
    }
}

/// One output pipe being read into a bounded buffer.
struct Capture<R> {
    pipe: Option<R>,
    kept: Vec<u8>,
    limit: usize,
    discarded: usize,
}

impl<R: Read + AsRawFd> Capture<R> {
    fn new(pipe: Option<R>, limit: usize) -> io::Result<Self> {
        if let Some(p) = &pipe {
            set_nonblocking(p.as_raw_fd())?;
        }
        Ok(Capture {
            pipe,
            kept: Vec::new(),
            limit,
            discarded: 0,
        })
    }

    fn fd(&self) -> Option<i32> {
        self.pipe.as_ref().map(|p| p.as_raw_fd())
    }

    /// Reads what is there; closes the pipe at EOF or on error.
    fn read_available(&mut self) {
        let Some(p) = self.pipe.as_mut() else { return };
        let mut buf = [0u8; 8192];
        loop {
            match p.read(&mut buf) {
                Ok(0) => {
                    self.pipe = None;
                    return;
                }
                Ok(n) => {
                    let room = self.limit.saturating_sub(self.kept.len());
                    let keep = n.min(room);
                    self.kept.extend_from_slice(&buf[..keep]);
                    self.discarded += n - keep;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => {
                    self.pipe = None;
                    return;
                }
            }
        }
    }
}

/// Runs `spec` to its end, its timeout, or until `stop` is set. An error means the program
/// could not be started (missing, not executable, a user that cannot be switched to).
pub fn run(spec: &Spawn, stop: &AtomicBool) -> io::Result<Outcome> {
    let started = Instant::now();
    let deadline = started + spec.timeout;
    let mut child = start(spec)?;
    let result = supervise(&mut child, spec, started, deadline, stop);
    if result.is_err() {
        kill_group(&mut child);
        let _ = child.wait();
    }
    result
}

fn supervise(
    child: &mut Child,
    spec: &Spawn,
    started: Instant,
    deadline: Instant,
    stop: &AtomicBool,
) -> io::Result<Outcome> {
    let mut stdin = child.stdin.take();
    if let Some(s) = &stdin {
        set_nonblocking(s.as_raw_fd())?;
    }
    let mut written = 0usize;
    if spec.stdin.is_empty() {
        stdin = None;
    }
    let mut out = Capture::new(child.stdout.take(), spec.capture)?;
    let mut err = Capture::new(child.stderr.take(), spec.capture)?;
    let exit_fd = exit_notifier(child);
    let mut exited: Option<(ExitStatus, Instant)> = None;
    let mut killed: Option<Ending> = None;
    loop {
        if exited.is_none()
            && let Some(status) = child.try_wait()?
        {
            exited = Some((status, Instant::now()));
            // Nobody will read the rest of stdin.
            stdin = None;
        }
        let now = Instant::now();
        if let Some((_, at)) = exited
            && (out.pipe.is_none() && err.pipe.is_none() || now >= at + DRAIN_GRACE)
        {
            break;
        }
        if exited.is_none() && (now >= deadline || stop.load(Ordering::Relaxed)) {
            kill_group(child);
            let _ = child.wait();
            killed = Some(if now >= deadline {
                Ending::TimedOut
            } else {
                Ending::Stopped
            });
            break;
        }
        let mut fds: Vec<libc::pollfd> = Vec::with_capacity(3);
        if let Some(s) = &stdin {
            fds.push(libc::pollfd {
                fd: s.as_raw_fd(),
                events: libc::POLLOUT,
                revents: 0,
            });
        }
        let exit = exited
            .is_none()
            .then(|| exit_fd.as_ref().map(|f| f.as_raw_fd()));
        for fd in [out.fd(), err.fd(), exit.flatten()].into_iter().flatten() {
            fds.push(libc::pollfd {
                fd,
                events: libc::POLLIN,
                revents: 0,
            });
        }
        let wait = POLL_STEP.min(deadline.saturating_duration_since(now));
        if !fds.is_empty() {
            // SAFETY: `fds` is a live array of fds.len() pollfd structs we own.
            let n = unsafe {
                libc::poll(
                    fds.as_mut_ptr(),
                    fds.len() as libc::nfds_t,
                    wait.as_millis() as libc::c_int,
                )
            };
            if n < 0 {
                let e = io::Error::last_os_error();
                if e.kind() != io::ErrorKind::Interrupted {
                    return Err(e);
                }
            }
        } else {
            std::thread::sleep(wait);
        }
        if let Some(s) = stdin.as_mut() {
            match s.write(&spec.stdin[written..]) {
                Ok(n) => {
                    written += n;
                    if written >= spec.stdin.len() {
                        // Closing our end is the program's end of input.
                        stdin = None;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                // EPIPE: the program does not read its input; that is its business.
                Err(_) => stdin = None,
            }
        }
        out.read_available();
        err.read_available();
    }
    out.read_available();
    err.read_available();
    let ending = killed.unwrap_or_else(|| exited.map_or(Ending::Exited(-1), |(s, _)| ending_of(s)));
    Ok(Outcome {
        ending,
        discarded: out.discarded + err.discarded,
        stdout: out.kept,
        stderr: err.kept,
        elapsed: started.elapsed(),
    })
}
