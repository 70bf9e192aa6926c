//! The capabilities a host may lack, by name: the vocabulary shared by the cases (what a case
//! `needs`) and the hosts (what each offers). A case needing a capability a host lacks is
//! skipped on it with the reason, never failed.

/// A capability a host may offer; cases that need one a host lacks are skipped, not failed.
pub type Capability = &'static str;

/// Capabilities known to the suite. Cases may only name these.
pub const KNOWN_CAPABILITIES: &[(Capability, &str)] = &[
    (
        "eval",
        "a real JS engine: the standard built-ins (`Math`, `JSON`, `Symbol`, `parseInt`, \
         `Date.now`, typed arrays other than Uint8Array, a global `setTimeout`), `eval`, \
         prototypes, getters, exceptions; a host without one (wazero) models only the objects \
         Go's runtime and standard library reach",
    ),
    (
        "deadlock-event",
        "the host sends the `{id: 0}` event when Go is idle with nothing pending, as Node's \
         runner does when its event loop drains (a web page never drains)",
    ),
    ("fs", "Node's callback `fs` API backed by a file system"),
    (
        "node-globals",
        "`process`, `require`, `path` as Node provides them",
    ),
    (
        "exit-code",
        "the code given to `go.exit` becomes the process exit status",
    ),
    ("stderr", "stdout and stderr are kept apart"),
    ("timers", "`setTimeout` and the Go timer events"),
];

/// What Node with `wasm_exec_node.js`-style set-up offers: every capability above.
pub const NODE_CAPABILITIES: &[Capability] = &[
    "deadlock-event",
    "eval",
    "fs",
    "node-globals",
    "exit-code",
    "stderr",
    "timers",
];
