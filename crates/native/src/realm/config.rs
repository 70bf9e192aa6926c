//! What the program's `process` is: argv, environment, working directory and the process
//! identity Node reports.

/// What the program's `process` looks like.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RealmConfig {
    /// `process.argv` (Node-like: node, script, wasm, args…).
    pub argv: Vec<String>,
    pub env: std::collections::BTreeMap<String, String>,
    pub cwd: String,
    pub pid: i64,
    pub ppid: i64,
    pub uid: i64,
    pub gid: i64,
    pub euid: i64,
    pub egid: i64,
    pub groups: Vec<i64>,
    /// Build the globals a Go program reaches only through JS calls of its own (console, the
    /// timer functions, performance, crypto, TextEncoder, TextDecoder) at once, as data
    /// properties, instead of on first read. A realm reused from program to program needs
    /// this: a global built on first read is reachable only through its getter, which a
    /// reset's fingerprint does not call.
    #[serde(rename = "eagerGlobals")]
    pub eager_globals: bool,
}

impl RealmConfig {
    /// Real process ids, like Node reports them.
    pub fn from_process(
        argv: Vec<String>,
        env: std::collections::BTreeMap<String, String>,
        cwd: String,
    ) -> Self {
        // SAFETY: these libc calls have no preconditions.
        let (pid, ppid, uid, gid, euid, egid) = unsafe {
            (
                libc::getpid(),
                libc::getppid(),
                libc::getuid(),
                libc::getgid(),
                libc::geteuid(),
                libc::getegid(),
            )
        };
        RealmConfig {
            argv,
            env,
            cwd,
            pid: i64::from(pid),
            ppid: i64::from(ppid),
            uid: i64::from(uid),
            gid: i64::from(gid),
            euid: i64::from(euid),
            egid: i64::from(egid),
            groups: vec![i64::from(gid)],
            eager_globals: false,
        }
    }
}
