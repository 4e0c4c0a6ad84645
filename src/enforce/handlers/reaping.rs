//! Who may reap our programs. Asterisk's SIGCHLD handler reaps every child of the process
//! (`waitpid(-1)`), which would take the exit status of a handler's program before we wait
//! for it. While a program runs, the host suspends that (Asterisk's own counted, nested
//! mechanism, the one `ast_safe_system` uses); outside Asterisk nothing needs doing.

pub trait ChildReaping: Send + Sync {
    /// Before a program starts: from now on only we reap it.
    fn suspend(&self);
    /// After it has been waited for: the host's reaping goes on (once every run is done).
    fn resume(&self);
}

/// A process that reaps nobody else's children (tests, tools).
pub struct OwnChildren;

impl ChildReaping for OwnChildren {
    fn suspend(&self) {}
    fn resume(&self) {}
}
