// SPDX-License-Identifier: GPL-2.0
//! krsi - attach BPF LSM programs to LSM hooks through `/sys/kernel/security/bpf/<hook>`.
//!
//! ```no_run
//! # fn main() -> Result<(), krsi::Error> {
//! let hook = krsi::Hook::open("file_open")?;
//! let id = hook.attach_pinned("/sys/fs/bpf/deny_secret")?;
//! for a in hook.list()? {
//!     println!("{} {} runs={} denied={:?}", a.id, a.name, a.runs, a.denied);
//! }
//! hook.detach(id)?;
//! # Ok(())
//! # }
//! ```
//!
//! Programs loaded with aya (or libbpf) attach by file descriptor with [`Hook::attach_fd`], or at
//! a chosen place in the run order with [`Hook::attach_fd_at`]. [`Hook::replace_fd`] swaps one
//! program for another in place, [`Hook::reset`] detaches all, [`Hook::seal`] and [`lock`] make
//! the policy stay until reboot.
//!
//! On errno hooks an attachment enforces (the default) or only audits: [`AttachOptions`] chooses
//! at attach ([`Hook::attach_fd_with`], [`Hook::attach_pinned_with`]), [`Hook::set_mode`] and
//! [`Hook::set_log`] change it later. krsi's audit records (denials and configuration changes)
//! are decoded and read from the audit netlink socket by the [`audit`] module.
//!
//! [`Hook::disable`] stops running a program and keeps its place in the run order and its
//! counters; [`Hook::enable`] runs it again. krsi also checks every attachment again when the
//! lockdown level or an LSM's policy changes, or when asked with [`revalidate`]: a program whose
//! checks now fail is disabled with a [`DisableReason`], and enabled again by a later
//! revalidation that passes. [`Attachment::enabled`] and [`Attachment::reason`] show it.
//!
//! An attachment may be scoped to a cgroup v2 subtree ([`AttachOptions::cgroup`]): its program
//! then runs only when the hook's subject (the current task, or the socket of a socket hook) is
//! in that cgroup or below it. [`Attachment::scope`] shows the cgroup's id and path; a replace
//! keeps the scope of the program it replaces.
//!
//! [`status`] tells whether krsi is active and usable here, and if not why and what to do (the
//! kernel built without it, krsi left out of the active LSMs, securityfs not mounted, no
//! privilege); an operation that finds krsi's files missing fails with [`Error::NotActive`],
//! which carries the same diagnosis.
//!
//! The [`policy`] module reads a declarative policy file (which programs run on which hooks, in
//! which order, mode and scope; which hooks are sealed; whether krsi is locked) and plans the
//! changes that make krsi's running state that file's (`krsictl apply`).

use std::ffi::CString;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

pub mod audit;
pub mod policy;
pub use audit::{Events, Record, RecordKind};
mod status;
pub use status::{
    kernel_config, lsm_param, status, status_at, Evidence, Inactive, KernelConfig, Lacking, Paths,
    Status, Summary,
};

/// The ioctl ABI, generated from include/uapi/linux/krsi.h.
#[allow(missing_docs, non_camel_case_types)]
pub mod uapi {
    include!(concat!(env!("OUT_DIR"), "/uapi.rs"));
}

/// Where krsi's hook files live.
pub const HOOK_DIR: &str = "/sys/kernel/security/bpf";

/// krsi's files in [`HOOK_DIR`] that are not hooks.
const CONTROL_FILES: &[&str] = &["status", "control"];

/// The global control file.
pub const CONTROL_FILE: &str = "/sys/kernel/security/bpf/control";

/// The most programs one hook runs.
pub const MAX_PROGS: u32 = uapi::KRSI_MAX_PROGS;

/// What can go wrong, with the kernel's errno translated into what it means for krsi.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// krsi's securityfs directory is missing: why, as [`status`] tells it (the same text).
    #[error("{0}")]
    NotActive(Inactive),
    /// No file for that hook.
    #[error("no such hook: {0} (see `krsictl hooks`)")]
    NoSuchHook(String),
    /// `EPERM`: changes need `CAP_MAC_ADMIN` in the initial user namespace; an attach also needs
    /// a program that the lockdown level and the LSMs allow.
    #[error("{op}: not permitted: changes need CAP_MAC_ADMIN in the initial user namespace (and an attach needs a program that the lockdown level and the LSMs allow)")]
    NotPermitted {
        /// What was attempted.
        op: String,
    },
    /// `EACCES`: the file mode refused, or the path is not in a BPF filesystem.
    #[error("{op}: permission denied (hook files are root's, mode 0600; a pin must be in a BPF filesystem)")]
    AccessDenied {
        /// What was attempted.
        op: String,
    },
    /// `EINVAL`: not an LSM program for this hook, or a malformed request.
    #[error("{op}: invalid: not a BPF LSM program for this hook (lsm/<hook>, attach type BPF_LSM_MAC), or a malformed request")]
    Invalid {
        /// What was attempted.
        op: String,
    },
    /// `ENOENT`: no such pin, or no such program on the hook.
    #[error("{op}: not found: no such pin, or no program with that id on this hook")]
    NotFound {
        /// What was attempted.
        op: String,
    },
    /// `ENOENT` from a detach: no program with that id on the hook.
    #[error("{op}: no program with id {id} is attached to {hook} (see `krsictl list {hook}`)")]
    NotAttached {
        /// What was attempted.
        op: String,
        /// The hook.
        hook: String,
        /// The program id asked for.
        id: u32,
    },
    /// `EEXIST`: the program is already attached to this hook.
    #[error("{op}: already attached to this hook")]
    AlreadyAttached {
        /// What was attempted.
        op: String,
    },
    /// `E2BIG`: the hook runs the most programs it can.
    #[error("{op}: hook full: it already runs {MAX_PROGS} programs")]
    HookFull {
        /// What was attempted.
        op: String,
    },
    /// `EROFS`: the hook is sealed, or krsi is locked, until reboot.
    #[error("{op}: refused: the hook is sealed, or krsi is locked, until reboot (a sealed hook only accepts appending a program, enabling one, switching one to enforce and turning its logging on; a locked krsi accepts nothing but a revalidation)")]
    Sealed {
        /// What was attempted.
        op: String,
    },
    /// `EBADF`: a bad program descriptor, or a hook opened read-only.
    #[error("{op}: bad file descriptor")]
    BadFd {
        /// What was attempted.
        op: String,
    },
    /// `EOPNOTSUPP`: a mode or logging on a hook that is not an errno hook, a cgroup scope on a
    /// hook that cannot be scoped, or a program for a first_wins hook while another LSM
    /// registers it.
    #[error("{op}: not supported on this hook (a mode and logging are for errno hooks only; a cgroup scope for hooks whose programs run for a task or a socket; a first_wins hook takes no program while another LSM registers it)")]
    NotSupported {
        /// What was attempted.
        op: String,
    },
    /// `EOPNOTSUPP` from an attach scoped to a cgroup (with the default mode and logging): the
    /// hook has no subject whose cgroup could be checked (it frees an object, or runs in
    /// interrupt context), e.g. `file_send_sigiotask` or `cred_free`.
    #[error("{op}: {hook} cannot be scoped to a cgroup: its programs do not run for a task or a socket whose cgroup could be checked (a hook that frees an object or runs in interrupt context); attach it without a cgroup")]
    NotScopable {
        /// What was attempted.
        op: String,
        /// The hook.
        hook: String,
    },
    /// `ENOENT` from an attach scoped to a cgroup: no such directory, or the cgroup is being
    /// removed.
    #[error("{op}: no cgroup directory {} (or the cgroup is being removed)", .path.display())]
    NoSuchCgroup {
        /// What was attempted.
        op: String,
        /// The cgroup directory asked for.
        path: PathBuf,
    },
    /// `ENOTDIR` from an attach scoped to a cgroup: the path is not a directory.
    #[error("{op}: {} is not a directory (a scope is a cgroup v2 directory, such as /sys/fs/cgroup/NAME)", .path.display())]
    NotADirectory {
        /// What was attempted.
        op: String,
        /// The cgroup directory asked for.
        path: PathBuf,
    },
    /// `EBADF` from an attach scoped to a cgroup: a directory that is not a cgroup v2 directory
    /// (another filesystem, or a cgroup v1 hierarchy).
    #[error("{op}: {} is not a cgroup v2 directory (a scope is a directory of the cgroup2 filesystem, usually mounted at /sys/fs/cgroup; cgroup v1 hierarchies cannot scope)", .path.display())]
    NotCgroup2 {
        /// What was attempted.
        op: String,
        /// The cgroup directory asked for.
        path: PathBuf,
    },
    /// `EALREADY` from [`Hook::disable`]: the program already is disabled by hand.
    #[error("{op}: program {id} of {hook} is already disabled (`krsictl enable {hook} {id}` runs it again)")]
    AlreadyDisabled {
        /// What was attempted.
        op: String,
        /// The hook.
        hook: String,
        /// The program id.
        id: u32,
    },
    /// `EALREADY` from [`Hook::enable`]: the program is not disabled.
    #[error("{op}: program {id} of {hook} is already enabled")]
    AlreadyEnabled {
        /// What was attempted.
        op: String,
        /// The hook.
        hook: String,
        /// The program id.
        id: u32,
    },
    /// `EACCES` from [`Hook::enable`]: only revalidation disabled the program, and only a
    /// revalidation that passes enables it again.
    #[error("{op}: program {id} of {hook} is disabled by revalidation{}; it runs again when a revalidation passes (`krsictl revalidate`)", reason_words(.reason))]
    DisabledByRevalidation {
        /// What was attempted.
        op: String,
        /// The hook.
        hook: String,
        /// The program id.
        id: u32,
        /// Why, as the listing said right after the refusal (`None` if it could not be read).
        reason: Option<DisableReason>,
    },
    /// A listing line krsi should not have written.
    #[error("unexpected listing line: {0:?}")]
    Parse(String),
    /// An audit record that does not decode (see [`audit::Record::parse`]).
    #[error("malformed audit record: {0}")]
    BadRecord(String),
    /// Any other I/O error.
    #[error("{op}: {source}")]
    Io {
        /// What was attempted.
        op: String,
        /// The underlying error.
        source: io::Error,
    },
}

impl Error {
    /// Translates an I/O error of operation `op`.
    pub fn from_io(op: impl Into<String>, e: io::Error) -> Self {
        let op = op.into();
        match e.raw_os_error() {
            Some(libc::EPERM) => Error::NotPermitted { op },
            Some(libc::EACCES) => Error::AccessDenied { op },
            Some(libc::EINVAL) => Error::Invalid { op },
            Some(libc::ENOENT) => Error::NotFound { op },
            Some(libc::EEXIST) => Error::AlreadyAttached { op },
            Some(libc::E2BIG) => Error::HookFull { op },
            Some(libc::EBADF) => Error::BadFd { op },
            Some(libc::EROFS) => Error::Sealed { op },
            Some(libc::EOPNOTSUPP) => Error::NotSupported { op },
            _ => Error::Io { op, source: e },
        }
    }

    /// The errno behind the error, if any.
    pub fn errno(&self) -> Option<i32> {
        Some(match self {
            Error::NotPermitted { .. } => libc::EPERM,
            Error::AccessDenied { .. } => libc::EACCES,
            Error::Invalid { .. } => libc::EINVAL,
            Error::NotFound { .. } | Error::NotAttached { .. } => libc::ENOENT,
            Error::AlreadyDisabled { .. } | Error::AlreadyEnabled { .. } => libc::EALREADY,
            Error::DisabledByRevalidation { .. } => libc::EACCES,
            Error::AlreadyAttached { .. } => libc::EEXIST,
            Error::HookFull { .. } => libc::E2BIG,
            Error::BadFd { .. } => libc::EBADF,
            Error::Sealed { .. } => libc::EROFS,
            Error::NotSupported { .. } | Error::NotScopable { .. } => libc::EOPNOTSUPP,
            Error::NoSuchCgroup { .. } => libc::ENOENT,
            Error::NotADirectory { .. } => libc::ENOTDIR,
            Error::NotCgroup2 { .. } => libc::EBADF,
            Error::Io { source, .. } => return source.raw_os_error(),
            Error::NotActive(_) | Error::NoSuchHook(_) | Error::Parse(_) | Error::BadRecord(_) => {
                return None
            }
        })
    }
}

/// Result of krsi operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// ` (<reason>: <what it means>)`, or nothing, for [`Error::DisabledByRevalidation`].
fn reason_words(reason: &Option<DisableReason>) -> String {
    reason.map_or_else(String::new, |r| format!(" ({r}: {})", r.describe()))
}

/// One program attached to a hook, as the listing shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attachment {
    /// BPF program id (`bpftool prog show id <id>`).
    pub id: u32,
    /// Program name (`-` when it has none).
    pub name: String,
    /// Times it ran on this hook.
    pub runs: u64,
    /// Times it denied (`denied=`, on hooks where an errno denies; `None` on other hooks).
    pub denied: Option<u64>,
    /// Times it answered 1 (`true=`, on the hooks whose programs answer 0 or 1, such as
    /// `inode_xattr_skipcap`, where 1 skips a capability check; `None` on other hooks).
    pub answered_true: Option<u64>,
    /// Loaded from `SEC("lsm.s/<hook>")`.
    pub sleepable: bool,
    /// Times an audit-only program's non-zero result was let through (`audited=`, on errno
    /// hooks; `None` on other hooks).
    pub audited: Option<u64>,
    /// Whether it enforces or only audits (`mode=`, on errno hooks; `None` on other hooks).
    pub mode: Option<Mode>,
    /// Whether its denials are recorded in the audit log (`log=`, on errno hooks; `None` on
    /// other hooks).
    pub log: Option<bool>,
    /// Whether it runs (`state=enabled`); a disabled program (`state=disabled`, by
    /// [`Hook::disable`] or by revalidation) keeps its place and its counters but does not run.
    /// True when the listing has no `state=` (a krsi without disabling).
    pub enabled: bool,
    /// Why revalidation disabled it (`reason=`); `None` when it did not (the program may still be
    /// disabled by hand). A program with a reason runs again when a revalidation passes and it
    /// is not also disabled by hand.
    pub reason: Option<DisableReason>,
    /// The cgroup v2 subtree it runs for (`cgroup=` and `cgroup_path=`); `None` when it runs
    /// for every subject.
    pub scope: Option<Scope>,
}

impl Attachment {
    /// `enabled` or `disabled`, as the listing writes `state=`.
    pub fn state(&self) -> &'static str {
        if self.enabled {
            "enabled"
        } else {
            "disabled"
        }
    }
}

/// The cgroup v2 subtree an attachment is scoped to, as the listing shows it: its program runs
/// only when the hook's subject (the current task, or the socket of a socket hook) is in this
/// cgroup or below it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Scope {
    /// The cgroup's id (`cgroup=`): the inode number of its directory in the cgroup2
    /// filesystem.
    pub id: u64,
    /// Its path from the root of the cgroup2 hierarchy, as `/proc/self/cgroup` shows it
    /// (`/A/C`), unescaped (bytes that are not UTF-8 replaced by U+FFFD); `None` once the cgroup
    /// was removed (`cgroup_path=(removed)`): the attachment stays until detached, and no task
    /// can be in the cgroup any more.
    pub path: Option<String>,
}

impl Scope {
    /// Whether the cgroup was removed (`rmdir`) since the attach.
    pub fn removed(&self) -> bool {
        self.path.is_none()
    }
}

/// Undoes the listing's escapes of a cgroup path: `\ooo` (three octal digits) for a space, a
/// control character, a backslash or a byte of 0x7f and above, as `/proc/self/mounts` writes
/// paths. `None` for a backslash not followed by three octal digits of a byte.
fn unescape(word: &str) -> Option<String> {
    let bytes = word.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' {
            let digits = bytes.get(i + 1..i + 4)?;
            if !digits.iter().all(|d| (b'0'..=b'7').contains(d)) {
                return None;
            }
            let v = digits.iter().fold(0u32, |v, d| v * 8 + u32::from(d - b'0'));
            out.push(u8::try_from(v).ok()?);
            i += 4;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

/// Why revalidation disabled an attachment: a check that passed when it was attached fails now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DisableReason {
    /// The lockdown level now forbids a helper the program calls (`reason=lockdown`).
    Lockdown,
    /// The credentials that attached it no longer pass the `CAP_MAC_ADMIN` check
    /// (`reason=capability`).
    Capability,
    /// An LSM now refuses the program to the credentials that attached it (`reason=lsm`).
    Lsm,
}

impl DisableReason {
    /// The word krsi writes: `lockdown`, `capability` or `lsm`.
    pub fn as_str(self) -> &'static str {
        match self {
            DisableReason::Lockdown => "lockdown",
            DisableReason::Capability => "capability",
            DisableReason::Lsm => "lsm",
        }
    }

    /// What it means, in a few words.
    pub fn describe(self) -> &'static str {
        match self {
            DisableReason::Lockdown => "the lockdown level now forbids a helper it calls",
            DisableReason::Capability => {
                "the credentials that attached it no longer pass the CAP_MAC_ADMIN check"
            }
            DisableReason::Lsm => "an LSM now refuses it to the credentials that attached it",
        }
    }
}

impl std::fmt::Display for DisableReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A word that is not a [`DisableReason`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown reason {0:?}: lockdown, capability or lsm")]
pub struct UnknownReason(pub String);

impl FromStr for DisableReason {
    type Err = UnknownReason;

    fn from_str(s: &str) -> Result<Self, UnknownReason> {
        match s {
            "lockdown" => Ok(DisableReason::Lockdown),
            "capability" => Ok(DisableReason::Capability),
            "lsm" => Ok(DisableReason::Lsm),
            _ => Err(UnknownReason(s.to_string())),
        }
    }
}

/// Whether an attachment on an errno hook enforces its program's result or only audits it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Mode {
    /// A non-zero result denies (the default).
    #[default]
    Enforce,
    /// A non-zero result is recorded and counted in `audited=`, and the action goes ahead.
    Audit,
}

impl Mode {
    /// The word krsi writes and reads: `enforce` or `audit`.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Enforce => "enforce",
            Mode::Audit => "audit",
        }
    }

    /// `KRSI_IOC_MODE`'s value.
    fn value(self) -> u32 {
        match self {
            Mode::Enforce => uapi::KRSI_MODE_ENFORCE,
            Mode::Audit => uapi::KRSI_MODE_AUDIT,
        }
    }
}

impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A word that is not a [`Mode`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown mode {0:?}: enforce or audit")]
pub struct UnknownMode(pub String);

impl FromStr for Mode {
    type Err = UnknownMode;

    fn from_str(s: &str) -> Result<Self, UnknownMode> {
        match s {
            "enforce" => Ok(Mode::Enforce),
            "audit" => Ok(Mode::Audit),
            _ => Err(UnknownMode(s.to_string())),
        }
    }
}

/// Where an attach puts its program in the hook's run order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Position {
    /// After every program.
    #[default]
    Last,
    /// Before every program.
    First,
    /// Right before the program with this id.
    Before(u32),
    /// Right after the program with this id.
    After(u32),
}

impl Position {
    /// The words a hook file write adds after the path: none, ` first`, ` before=ID`, ` after=ID`.
    fn words(self) -> String {
        match self {
            Position::Last => String::new(),
            Position::First => " first".into(),
            Position::Before(id) => format!(" before={id}"),
            Position::After(id) => format!(" after={id}"),
        }
    }

    /// `KRSI_IOC_ATTACH`'s flags and `rel_id`.
    fn ioctl(self) -> (u32, u32) {
        match self {
            Position::Last => (0, 0),
            Position::First => (uapi::KRSI_ATTACH_FIRST, 0),
            Position::Before(id) => (uapi::KRSI_ATTACH_BEFORE, id),
            Position::After(id) => (uapi::KRSI_ATTACH_AFTER, id),
        }
    }
}

/// How an attach places and configures its program: where in the run order, (on errno hooks)
/// its mode and logging, and the cgroup v2 subtree it is scoped to. The default is what a plain
/// attach does: last, enforcing, logged, for every subject; only what differs from it is sent,
/// so the default works on every hook.
///
/// ```
/// use krsi::{AttachOptions, Mode, Position};
/// let opts = AttachOptions::default()
///     .mode(Mode::Audit)
///     .position(Position::First)
///     .cgroup("/sys/fs/cgroup/web");
/// assert_eq!((opts.mode, opts.log), (Mode::Audit, true));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttachOptions {
    /// Where in the run order.
    pub position: Position,
    /// Enforcing or audit-only (`mode=audit`, `KRSI_ATTACH_AUDIT`).
    pub mode: Mode,
    /// Whether its denials are recorded in the audit log (false: `log=0`, `KRSI_ATTACH_QUIET`).
    pub log: bool,
    /// The cgroup v2 directory (e.g. `/sys/fs/cgroup/web`) the attachment is scoped to: its
    /// program runs only for subjects in that cgroup or below it (`cgroup=DIR`,
    /// `KRSI_ATTACH_CGROUP`). `None`: for every subject.
    pub cgroup: Option<PathBuf>,
}

impl Default for AttachOptions {
    fn default() -> Self {
        AttachOptions {
            position: Position::Last,
            mode: Mode::Enforce,
            log: true,
            cgroup: None,
        }
    }
}

impl From<Position> for AttachOptions {
    fn from(position: Position) -> Self {
        AttachOptions {
            position,
            ..Default::default()
        }
    }
}

impl AttachOptions {
    /// These options at `position`.
    pub fn position(self, position: Position) -> Self {
        AttachOptions { position, ..self }
    }

    /// These options with mode `mode`.
    pub fn mode(self, mode: Mode) -> Self {
        AttachOptions { mode, ..self }
    }

    /// These options, logging denials or not.
    pub fn log(self, log: bool) -> Self {
        AttachOptions { log, ..self }
    }

    /// These options, scoped to the cgroup v2 directory `dir` (e.g. `/sys/fs/cgroup/web`): the
    /// program runs only for subjects in that cgroup or below it. Hooks with no such subject
    /// refuse it ([`Error::NotScopable`]).
    pub fn cgroup(self, dir: impl Into<PathBuf>) -> Self {
        AttachOptions {
            cgroup: Some(dir.into()),
            ..self
        }
    }

    /// The words a hook file write adds after the path, each with a space before it, but for
    /// the `cgroup=` word (see [`Hook::attach_pinned_with`]).
    fn words(&self) -> String {
        let mut w = self.position.words();
        if self.mode == Mode::Audit {
            w.push_str(" mode=audit");
        }
        if !self.log {
            w.push_str(" log=0");
        }
        w
    }

    /// `KRSI_IOC_ATTACH`'s flags and `rel_id` (`KRSI_ATTACH_CGROUP` with a cgroup).
    fn ioctl(&self) -> (u32, u32) {
        let (mut flags, rel_id) = self.position.ioctl();
        if self.mode == Mode::Audit {
            flags |= uapi::KRSI_ATTACH_AUDIT;
        }
        if !self.log {
            flags |= uapi::KRSI_ATTACH_QUIET;
        }
        if self.cgroup.is_some() {
            flags |= uapi::KRSI_ATTACH_CGROUP;
        }
        (flags, rel_id)
    }

    /// Whether the mode and logging are the defaults (so that an `EOPNOTSUPP` is not theirs).
    fn default_settings(&self) -> bool {
        self.mode == Mode::Enforce && self.log
    }
}

/// `statfs(2)`'s `f_type` of the cgroup2 filesystem (`linux/magic.h`).
const CGROUP2_SUPER_MAGIC: u64 = 0x6367_7270;

/// Opens the cgroup v2 directory `dir` (`O_RDONLY | O_DIRECTORY`) for a scope, with the errors
/// the kernel would give: [`Error::NoSuchCgroup`], [`Error::NotADirectory`],
/// [`Error::NotCgroup2`].
fn open_cgroup(dir: &Path, op: &str) -> Result<OwnedFd> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_DIRECTORY)
        .open(dir)
        .map_err(|e| match e.raw_os_error() {
            Some(libc::ENOENT | libc::ENOTDIR) => cgroup_error(Error::from_io(op, e), dir),
            _ => Error::Io {
                op: format!("{op}: opening {}", dir.display()),
                source: e,
            },
        })?;
    // SAFETY: an all-zero statfs is a valid buffer for fstatfs to fill.
    let mut st: libc::statfs = unsafe { std::mem::zeroed() };
    // SAFETY: `file` is an open descriptor and `st` a statfs buffer that lives across the call.
    if unsafe { libc::fstatfs(file.as_raw_fd(), &mut st) } != 0 {
        return Err(Error::from_io(op, io::Error::last_os_error()));
    }
    // f_type is signed on some ABIs; the magic fits in 32 bits either way.
    #[allow(clippy::unnecessary_cast)]
    let magic = st.f_type as u64 & 0xffff_ffff;
    if magic != CGROUP2_SUPER_MAGIC {
        return Err(Error::NotCgroup2 {
            op: op.to_string(),
            path: dir.to_path_buf(),
        });
    }
    Ok(file.into())
}

/// Names what an errno of an attach scoped to cgroup directory `dir` means for the cgroup:
/// `ENOENT`, `ENOTDIR` and `EBADF` (the kernel checks the cgroup before the program, and the
/// program's descriptor is open); other errors stay as they are.
fn cgroup_error(e: Error, dir: &Path) -> Error {
    let path = dir.to_path_buf();
    match e {
        Error::NotFound { op } => Error::NoSuchCgroup { op, path },
        Error::BadFd { op } => Error::NotCgroup2 { op, path },
        Error::Io { op, source } if source.raw_os_error() == Some(libc::ENOTDIR) => {
            Error::NotADirectory { op, path }
        }
        e => e,
    }
}

/// A hook file's whole listing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Listing {
    /// The hook is sealed until reboot (by itself or because krsi is locked).
    pub sealed: bool,
    /// The attached programs, in run order.
    pub attachments: Vec<Attachment>,
}

/// Parses a hook file's listing: `sealed` first if the hook is sealed, then
/// `<id> name=<name> runs=<n> [denied=<n>|true=<n>] sleepable=<0|1>` per program (void hooks
/// have neither counter), errno hooks' lines going on with
/// ` audited=<n> mode=<enforce|audit> log=<0|1>`, and every line ending with
/// ` state=<enabled|disabled>` and, for a program revalidation disabled,
/// ` reason=<lockdown|capability|lsm>`, and for a program scoped to a cgroup
/// ` cgroup=<id> cgroup_path=<path>`, the path from the cgroup2 root with `\ooo` octal escapes
/// (see [`Scope`]) or `(removed)`. The fields after the id may come in any order; fields a later
/// krsi adds are ignored, and a krsi without `state=` runs every program.
pub fn parse_hook_listing(text: &str) -> Result<Listing> {
    let mut listing = Listing::default();
    for (i, line) in text.lines().filter(|l| !l.is_empty()).enumerate() {
        if i == 0 && line == "sealed" {
            listing.sealed = true;
        } else {
            listing.attachments.push(parse_line(line)?);
        }
    }
    Ok(listing)
}

/// The programs of a hook file's listing (see [`parse_hook_listing`]).
pub fn parse_listing(text: &str) -> Result<Vec<Attachment>> {
    Ok(parse_hook_listing(text)?.attachments)
}

/// A hook as krsi's `status` file shows it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HookState {
    /// The hook's name.
    pub hook: String,
    /// How many programs are attached to it, those disabled included.
    pub programs: usize,
    /// How many of them are disabled (do not run).
    pub disabled: usize,
    /// Whether its static key is on: krsi's hook runs when the LSM hook is called.
    pub key: bool,
    /// Whether it is sealed until reboot (by itself or because krsi is locked).
    pub sealed: bool,
}

/// krsi's `status` file: the hooks in use, and the lock.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Overview {
    /// Every hook that has programs, whose static key is on or that was sealed by itself, in
    /// the kernel's order; the hooks it leaves out have no programs and no seal of their own.
    pub hooks: Vec<HookState>,
    /// Whether krsi is locked until reboot.
    pub locked: bool,
}

impl Overview {
    /// How many programs are attached, over every hook.
    pub fn programs(&self) -> usize {
        self.hooks.iter().map(|h| h.programs).sum()
    }
}

/// Parses krsi's `status` file: per hook in use, `<hook> progs=<n> key=<on|off>[ disabled=<n>][
/// sealed]`, then `locked=1` once krsi is locked; empty when nothing is attached or sealed.
pub fn parse_status(text: &str) -> Result<Overview> {
    let mut overview = Overview::default();
    for line in text.lines().filter(|l| !l.is_empty()) {
        let bad = || Error::Parse(line.to_string());
        if line == "locked=1" {
            overview.locked = true;
            continue;
        }
        let mut words = line.split(' ');
        let hook = words.next().filter(|w| !w.contains('=')).ok_or_else(bad)?;
        let (mut programs, mut key) = (None, None);
        let mut state = HookState {
            hook: hook.to_string(),
            ..HookState::default()
        };
        for w in words {
            match w.split_once('=') {
                Some(("progs", v)) => programs = Some(v.parse().map_err(|_| bad())?),
                Some(("key", "on")) => key = Some(true),
                Some(("key", "off")) => key = Some(false),
                Some(("disabled", v)) => state.disabled = v.parse().map_err(|_| bad())?,
                None if w == "sealed" => state.sealed = true,
                _ => return Err(bad()),
            }
        }
        state.programs = programs.ok_or_else(bad)?;
        state.key = key.ok_or_else(bad)?;
        overview.hooks.push(state);
    }
    Ok(overview)
}

/// krsi's `status` file, read (mode 0400: root only). Reading it is one file's read where the
/// hooks' listings are one per hook: use it to find the hooks worth listing.
pub fn overview() -> Result<Overview> {
    overview_in(&Paths::default())
}

fn overview_in(paths: &Paths) -> Result<Overview> {
    parse_status(&read_krsi_file(paths, &paths.status_file())?)
}

/// The text of krsi's file `path` (status, control); a missing file says why krsi is not
/// active.
fn read_krsi_file(paths: &Paths, path: &Path) -> Result<String> {
    fs::read_to_string(path).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => status::not_active(paths),
        _ => Error::from_io(format!("reading {}", path.display()), e),
    })
}

/// Whether krsi is locked: no attach or other change on any hook until reboot.
pub fn locked() -> Result<bool> {
    locked_in(&Paths::default())
}

fn locked_in(paths: &Paths) -> Result<bool> {
    let text = read_krsi_file(paths, &paths.control_file())?;
    match text.trim_end() {
        "locked=0" => Ok(false),
        "locked=1" => Ok(true),
        other => Err(Error::Parse(other.to_string())),
    }
}

/// Locks krsi until reboot: every hook is sealed and no program can be attached any more.
pub fn lock() -> Result<()> {
    control_ioctl("locking krsi", uapi::KRSI_IOC_LOCK).map(|_| ())
}

/// Checks every attachment of every hook again, as krsi does by itself when the lockdown level
/// or an LSM's policy changes (`KRSI_IOC_REVALIDATE`): disables those whose checks (lockdown,
/// `CAP_MAC_ADMIN`, the LSMs) now fail, with a [`DisableReason`], and enables again those that
/// pass after a revalidation disabled them; returns how many changed. Allowed after [`lock`].
pub fn revalidate() -> Result<u32> {
    control_ioctl("revalidating krsi's attachments", uapi::KRSI_IOC_REVALIDATE)
}

/// Issues ioctl `cmd`, which takes no argument, on the control file opened for writing; returns
/// its non-negative result.
fn control_ioctl(op: &str, cmd: u32) -> Result<u32> {
    let file = OpenOptions::new()
        .write(true)
        .open(CONTROL_FILE)
        .map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => status::not_active(&Paths::default()),
            _ => Error::from_io(op, e),
        })?;
    // SAFETY: the control file's ioctls KRSI_IOC_LOCK and KRSI_IOC_REVALIDATE take no argument.
    let ret = unsafe { libc::ioctl(file.as_raw_fd(), cmd as _) };
    if ret < 0 {
        return Err(Error::from_io(op, io::Error::last_os_error()));
    }
    u32::try_from(ret).map_err(|_| Error::Parse(format!("{op}: result {ret}")))
}

fn parse_line(line: &str) -> Result<Attachment> {
    let bad = || Error::Parse(line.to_string());
    let mut words = line.split(' ');
    let id = words.next().and_then(|w| w.parse().ok()).ok_or_else(bad)?;
    let (mut name, mut runs, mut sleepable) = (None, None, None);
    let (mut denied, mut answered_true) = (None, None);
    let (mut audited, mut mode, mut log) = (None, None, None);
    let (mut enabled, mut reason) = (true, None);
    let (mut cgroup, mut cgroup_path) = (None, None);
    for w in words {
        let (k, v) = w.split_once('=').ok_or_else(bad)?;
        match k {
            "name" => name = Some(v.to_string()),
            "runs" => runs = v.parse().ok(),
            "denied" => denied = Some(v.parse().map_err(|_| bad())?),
            "true" => answered_true = Some(v.parse().map_err(|_| bad())?),
            "sleepable" => sleepable = matches!(v, "0" | "1").then(|| v == "1"),
            "audited" => audited = Some(v.parse().map_err(|_| bad())?),
            "mode" => mode = Some(v.parse().map_err(|_| bad())?),
            "log" => log = Some(matches!(v, "0" | "1").then(|| v == "1").ok_or_else(bad)?),
            "state" => {
                enabled = match v {
                    "enabled" => true,
                    "disabled" => false,
                    _ => return Err(bad()),
                }
            }
            "reason" => reason = Some(v.parse().map_err(|_| bad())?),
            "cgroup" => cgroup = Some(v.parse::<u64>().map_err(|_| bad())?),
            "cgroup_path" => {
                cgroup_path = Some(match v {
                    "(removed)" => None,
                    _ if v.starts_with('/') => Some(unescape(v).ok_or_else(bad)?),
                    _ => return Err(bad()),
                })
            }
            // Fields a later krsi adds are ignored, as documented.
            _ => {}
        }
    }
    // Only a disabled program has a reason.
    if enabled && reason.is_some() {
        return Err(bad());
    }
    // A scope has both its id and its path.
    let scope = match (cgroup, cgroup_path) {
        (Some(id), Some(path)) => Some(Scope { id, path }),
        (None, None) => None,
        _ => return Err(bad()),
    };
    Ok(Attachment {
        id,
        name: name.ok_or_else(bad)?,
        runs: runs.ok_or_else(bad)?,
        denied,
        answered_true,
        sleepable: sleepable.ok_or_else(bad)?,
        audited,
        mode,
        log,
        enabled,
        reason,
        scope,
    })
}

/// Opens the BPF object pinned at `pin` (`BPF_OBJ_GET`).
fn pinned_prog_fd(pin: &Path) -> io::Result<OwnedFd> {
    let path = CString::new(pin.as_os_str().as_encoded_bytes())
        .map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?;
    // BPF_OBJ_GET's attribute: pathname (u64), bpf_fd (u32), file_flags (u32).
    let mut attr: [u64; 2] = [0; 2];
    attr[0] = path.as_ptr() as u64;
    // SAFETY: `attr` is BPF_OBJ_GET's attribute (pathname, bpf_fd, file_flags) of 16 bytes, and
    // `path` outlives the call.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_bpf,
            7, /* BPF_OBJ_GET */
            attr.as_mut_ptr(),
            std::mem::size_of_val(&attr),
        )
    };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: the kernel returned a new descriptor that we own.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

/// The id of the BPF program of descriptor `fd` (`BPF_OBJ_GET_INFO_BY_FD`).
fn prog_id(fd: BorrowedFd<'_>) -> io::Result<u32> {
    // struct bpf_prog_info starts with type (u32) and id (u32); 8 bytes are enough.
    let mut info = [0u32; 2];
    // bpf_attr.info: bpf_fd (u32), info_len (u32), info (u64).
    let mut attr: [u64; 2] = [0; 2];
    attr[0] = u64::from(fd.as_raw_fd() as u32) | ((std::mem::size_of_val(&info) as u64) << 32);
    attr[1] = info.as_mut_ptr() as u64;
    // SAFETY: `attr` is BPF_OBJ_GET_INFO_BY_FD's attribute; the kernel writes at most
    // `info_len` bytes to `info`, which lives across the call.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_bpf,
            15, /* BPF_OBJ_GET_INFO_BY_FD */
            attr.as_mut_ptr(),
            std::mem::size_of_val(&attr),
        )
    };
    if ret < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(info[1])
}

/// The hooks krsi offers, sorted: the files of [`HOOK_DIR`] but its control files.
pub fn hooks() -> Result<Vec<String>> {
    hooks_in(&Paths::default())
}

fn hooks_in(paths: &Paths) -> Result<Vec<String>> {
    let dir = &paths.hook_dir();
    let entries = fs::read_dir(dir).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => status::not_active(paths),
        _ => Error::from_io(format!("reading {}", dir.display()), e),
    })?;
    let mut names = Vec::new();
    for e in entries {
        let e = e.map_err(|e| Error::from_io(format!("reading {}", dir.display()), e))?;
        let name = e.file_name().to_string_lossy().into_owned();
        if !CONTROL_FILES.contains(&name.as_str()) {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}

/// An LSM hook's krsi file.
#[derive(Debug)]
pub struct Hook {
    name: String,
    path: PathBuf,
}

impl Hook {
    /// The hook named `name`, e.g. `file_open`.
    pub fn open(name: &str) -> Result<Self> {
        Self::open_in(&Paths::default(), name)
    }

    fn open_in(paths: &Paths, name: &str) -> Result<Self> {
        if name.is_empty() || name.contains('/') || CONTROL_FILES.contains(&name) {
            return Err(Error::NoSuchHook(name.to_string()));
        }
        let dir = paths.hook_dir();
        if !dir.is_dir() {
            return Err(status::not_active(paths));
        }
        let path = dir.join(name);
        if !path.exists() {
            return Err(Error::NoSuchHook(name.to_string()));
        }
        Ok(Hook {
            name: name.to_string(),
            path,
        })
    }

    /// The hook's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    fn file(&self, write: bool) -> Result<File> {
        OpenOptions::new()
            .read(!write)
            .write(write)
            .open(&self.path)
            .map_err(|e| Error::from_io(format!("opening {}", self.path.display()), e))
    }

    /// The programs attached to the hook, in run order.
    pub fn list(&self) -> Result<Vec<Attachment>> {
        Ok(self.listing()?.attachments)
    }

    /// The hook's whole listing: whether it is sealed, and its programs in run order.
    pub fn listing(&self) -> Result<Listing> {
        let mut text = String::new();
        self.file(false)?
            .read_to_string(&mut text)
            .map_err(|e| Error::from_io(format!("reading {}", self.path.display()), e))?;
        parse_hook_listing(&text)
    }

    /// Writes one command to the hook file.
    fn write(&self, op: &str, cmd: &str) -> Result<()> {
        self.file(true)?
            .write_all(cmd.as_bytes())
            .map_err(|e| Error::from_io(op, e))
    }

    /// An absolute pin path as a write's word: no space, no newline.
    fn pin_word(pin: &Path, op: &str) -> Result<String> {
        pin.to_str()
            .filter(|p| p.starts_with('/') && !p.contains([' ', '\n']))
            .map(str::to_string)
            .ok_or_else(|| Error::Invalid { op: op.to_string() })
    }

    /// Attaches the program pinned at `pin` (an absolute path in a BPF filesystem, without
    /// spaces) at the end of the hook's programs; returns its id.
    pub fn attach_pinned(&self, pin: impl AsRef<Path>) -> Result<u32> {
        self.attach_pinned_at(pin, Position::Last)
    }

    /// Attaches the program pinned at `pin` at `pos` in the run order; returns its id.
    pub fn attach_pinned_at(&self, pin: impl AsRef<Path>, pos: Position) -> Result<u32> {
        self.attach_pinned_with(pin, &pos.into())
    }

    /// Attaches the program pinned at `pin` as `opts` say (place in the run order, mode,
    /// logging, cgroup scope) by writing
    /// `PATH [first|before=ID|after=ID] [mode=audit] [log=0] [cgroup=DIR]`; returns its id. A
    /// mode or logging other than the default on a hook that is not an errno hook is
    /// [`Error::NotSupported`]. A cgroup directory is written as an absolute path; one that
    /// holds a space or a newline, which a write cannot carry, goes by descriptor as in
    /// [`Hook::attach_fd_with`], whose errors a scope has.
    pub fn attach_pinned_with(&self, pin: impl AsRef<Path>, opts: &AttachOptions) -> Result<u32> {
        let pin = pin.as_ref();
        let op = format!("attaching {} to {}", pin.display(), self.name);
        let word = Self::pin_word(pin, &op)?;
        let mut words = opts.words();
        let mut by_fd = false;
        if let Some(dir) = &opts.cgroup {
            let abs = std::path::absolute(dir).map_err(|e| Error::from_io(op.clone(), e))?;
            // Checked here for errors that name it; the kernel looks it up again.
            open_cgroup(&abs, &op)?;
            match Self::pin_word(&abs, &op) {
                Ok(dir) => words.push_str(&format!(" cgroup={dir}")),
                Err(_) => by_fd = true,
            }
        }
        // The pin's program id, to find it in the listing afterwards.
        let fd = pinned_prog_fd(pin).map_err(|e| Error::from_io(op.clone(), e))?;
        if by_fd {
            return self.attach_fd_with(fd.as_fd(), opts);
        }
        let id = prog_id(fd.as_fd()).map_err(|e| Error::from_io(op.clone(), e))?;
        self.write(&op, &format!("{word}{words}\n"))
            .map_err(|e| self.attach_error(e, opts))?;
        Ok(id)
    }

    /// Attaches the loaded program of descriptor `prog` (from aya's `ProgramFd` or libbpf) at the
    /// end of the hook's programs; returns its id.
    pub fn attach_fd(&self, prog: BorrowedFd<'_>) -> Result<u32> {
        self.attach_fd_at(prog, Position::Last)
    }

    /// Attaches the loaded program of descriptor `prog` at `pos` in the run order; returns its
    /// id.
    pub fn attach_fd_at(&self, prog: BorrowedFd<'_>, pos: Position) -> Result<u32> {
        self.attach_fd_with(prog, &pos.into())
    }

    /// Attaches the loaded program of descriptor `prog` as `opts` say (place in the run order,
    /// mode, logging: `KRSI_ATTACH_*` flags; a cgroup scope: `KRSI_ATTACH_CGROUP` with the
    /// directory opened here); returns its id. A mode or logging other than the default on a
    /// hook that is not an errno hook is [`Error::NotSupported`]. With a cgroup:
    /// [`Error::NoSuchCgroup`] (or it is being removed), [`Error::NotADirectory`],
    /// [`Error::NotCgroup2`] (not a cgroup v2 directory), and [`Error::NotScopable`] on a hook
    /// that cannot be scoped (with a mode or logging other than the default, that is
    /// [`Error::NotSupported`], as the kernel's `EOPNOTSUPP` could be theirs).
    pub fn attach_fd_with(&self, prog: BorrowedFd<'_>, opts: &AttachOptions) -> Result<u32> {
        let op = format!("attaching program fd {} to {}", prog.as_raw_fd(), self.name);
        let cgroup = match &opts.cgroup {
            Some(dir) => Some(open_cgroup(dir, &op)?),
            None => None,
        };
        let (flags, rel_id) = opts.ioctl();
        let arg = uapi::krsi_attach {
            size: std::mem::size_of::<uapi::krsi_attach>() as u32,
            flags,
            prog_fd: prog.as_raw_fd(),
            rel_id,
            cgroup_fd: cgroup.as_ref().map_or(0, AsRawFd::as_raw_fd),
            reserved: 0,
        };
        // SAFETY: KRSI_IOC_ATTACH reads one `krsi_attach`, which `arg` is; it returns the id.
        // `cgroup` stays open across the call.
        unsafe { self.ioctl_id(&op, uapi::KRSI_IOC_ATTACH, &raw const arg) }
            .map_err(|e| self.attach_error(e, opts))
    }

    /// Names what an attach's errno means: the program `opts.position` is relative to, or the
    /// cgroup of its scope.
    fn attach_error(&self, e: Error, opts: &AttachOptions) -> Error {
        let e = self.not_attached(e, opts.position);
        match (&opts.cgroup, e) {
            (None, e) => e,
            // Without a mode or logging asked for, the kernel's EOPNOTSUPP is the scope's.
            (Some(_), Error::NotSupported { op }) if opts.default_settings() => {
                Error::NotScopable {
                    op,
                    hook: self.name.clone(),
                }
            }
            (Some(dir), e) => cgroup_error(e, dir),
        }
    }

    /// Swaps the program with id `id` for the loaded program of descriptor `prog`, in its place
    /// in the run order, atomically; returns the new program's id. The new program keeps the
    /// replaced one's cgroup scope.
    pub fn replace_fd(&self, id: u32, prog: BorrowedFd<'_>) -> Result<u32> {
        let op = format!(
            "replacing program {id} of {} by fd {}",
            self.name,
            prog.as_raw_fd()
        );
        let arg = uapi::krsi_replace {
            size: std::mem::size_of::<uapi::krsi_replace>() as u32,
            flags: 0,
            prog_id: id,
            prog_fd: prog.as_raw_fd(),
        };
        // SAFETY: KRSI_IOC_REPLACE reads one `krsi_replace`, which `arg` is; it returns the id.
        unsafe { self.ioctl_id(&op, uapi::KRSI_IOC_REPLACE, &raw const arg) }
            .map_err(|e| self.not_attached(e, Position::Before(id)))
    }

    /// Swaps the program with id `id` for the program pinned at `pin`; returns the new id.
    pub fn replace_pinned(&self, id: u32, pin: impl AsRef<Path>) -> Result<u32> {
        let pin = pin.as_ref();
        let op = format!(
            "replacing program {id} of {} by {}",
            self.name,
            pin.display()
        );
        let word = Self::pin_word(pin, &op)?;
        let fd = pinned_prog_fd(pin).map_err(|e| Error::from_io(op.clone(), e))?;
        let new_id = prog_id(fd.as_fd()).map_err(|e| Error::from_io(op.clone(), e))?;
        self.write(&op, &format!("replace {id} {word}\n"))
            .map_err(|e| self.not_attached(e, Position::Before(id)))?;
        Ok(new_id)
    }

    /// Detaches every program of the hook at once; returns how many.
    pub fn reset(&self) -> Result<u32> {
        let op = format!("resetting {}", self.name);
        // SAFETY: KRSI_IOC_RESET takes no argument.
        unsafe { self.ioctl_id(&op, uapi::KRSI_IOC_RESET, std::ptr::null::<u8>()) }
    }

    /// Seals the hook until reboot: afterwards programs can only be appended.
    pub fn seal(&self) -> Result<()> {
        let op = format!("sealing {}", self.name);
        // SAFETY: KRSI_IOC_SEAL takes no argument.
        unsafe { self.ioctl_id(&op, uapi::KRSI_IOC_SEAL, std::ptr::null::<u8>()) }.map(|_| ())
    }

    /// Switches the program with id `id` to `mode` (`KRSI_IOC_MODE`). Only errno hooks have a
    /// mode ([`Error::NotSupported`] elsewhere); on a sealed hook, switching to audit-only is
    /// [`Error::Sealed`].
    pub fn set_mode(&self, id: u32, mode: Mode) -> Result<()> {
        let op = format!("setting program {id} of {} to mode {mode}", self.name);
        self.setting(&op, uapi::KRSI_IOC_MODE, id, mode.value())
    }

    /// Records the denials of the program with id `id` in the audit log, or not (quiet; its
    /// counters still count) (`KRSI_IOC_LOG`). Only errno hooks log ([`Error::NotSupported`]
    /// elsewhere); on a sealed hook, turning logging off is [`Error::Sealed`].
    pub fn set_log(&self, id: u32, log: bool) -> Result<()> {
        let op = format!(
            "setting log={} for program {id} of {}",
            u8::from(log),
            self.name
        );
        self.setting(&op, uapi::KRSI_IOC_LOG, id, u32::from(log))
    }

    /// Issues `KRSI_IOC_MODE` or `KRSI_IOC_LOG` for program `id` with `value`.
    fn setting(&self, op: &str, cmd: u32, id: u32, value: u32) -> Result<()> {
        let arg = uapi::krsi_setting {
            size: std::mem::size_of::<uapi::krsi_setting>() as u32,
            flags: 0,
            prog_id: id,
            value,
        };
        // SAFETY: KRSI_IOC_MODE and KRSI_IOC_LOG read one `krsi_setting`, which `arg` is.
        unsafe { self.ioctl_id(op, cmd, &raw const arg) }
            .map(|_| ())
            .map_err(|e| self.not_attached(e, Position::Before(id)))
    }

    /// Issues ioctl `cmd` with `arg` on the hook file opened for writing; returns its
    /// non-negative result.
    ///
    /// # Safety
    ///
    /// `arg` must be what `cmd` takes: a valid uapi struct of its type, or null for none.
    unsafe fn ioctl_id<T>(&self, op: &str, cmd: u32, arg: *const T) -> Result<u32> {
        let file = self.file(true)?;
        // SAFETY: the caller passes the argument `cmd` takes.
        let ret = unsafe { libc::ioctl(file.as_raw_fd(), cmd as _, arg) };
        if ret < 0 {
            return Err(Error::from_io(op, io::Error::last_os_error()));
        }
        u32::try_from(ret).map_err(|_| Error::Parse(format!("{op}: result {ret}")))
    }

    /// Names the program behind an `ENOENT` from an operation relative to program `pos`.
    fn not_attached(&self, e: Error, pos: Position) -> Error {
        match (e, pos) {
            (Error::NotFound { op }, Position::Before(id) | Position::After(id)) => {
                Error::NotAttached {
                    op,
                    hook: self.name.clone(),
                    id,
                }
            }
            (e, _) => e,
        }
    }

    /// Detaches the program with BPF id `id`.
    pub fn detach(&self, id: u32) -> Result<()> {
        let op = format!("detaching program {id} from {}", self.name);
        let file = self.file(true)?;
        let arg = uapi::krsi_detach {
            size: std::mem::size_of::<uapi::krsi_detach>() as u32,
            prog_id: id,
            ..Default::default()
        };
        // SAFETY: KRSI_IOC_DETACH reads one `krsi_detach`, which `arg` is.
        let ret = unsafe { libc::ioctl(file.as_raw_fd(), uapi::KRSI_IOC_DETACH as _, &arg) };
        if ret != 0 {
            return Err(match Error::from_io(op, io::Error::last_os_error()) {
                Error::NotFound { op } => Error::NotAttached {
                    op,
                    hook: self.name.clone(),
                    id,
                },
                e => e,
            });
        }
        Ok(())
    }

    /// Stops running the program with BPF id `id` (`KRSI_IOC_DISABLE`): it keeps its place in
    /// the run order and its counters, and runs again after [`Hook::enable`] (never after a
    /// revalidation alone). [`Error::AlreadyDisabled`] if it already is disabled by hand; disabling
    /// weakens the hook, so a sealed hook (or a locked krsi) refuses it with [`Error::Sealed`].
    pub fn disable(&self, id: u32) -> Result<()> {
        let op = format!("disabling program {id} of {}", self.name);
        self.set_enabled(op, id, false)
    }

    /// Runs again the program with BPF id `id` that [`Hook::disable`] stopped
    /// (`KRSI_IOC_ENABLE`); allowed on a sealed hook, since it only restores denials.
    /// [`Error::AlreadyEnabled`] if it is not disabled; [`Error::DisabledByRevalidation`] if only
    /// a revalidation disabled it (it runs again when a revalidation passes). A program disabled
    /// both by hand and by revalidation stays disabled until a revalidation passes.
    pub fn enable(&self, id: u32) -> Result<()> {
        let op = format!("enabling program {id} of {}", self.name);
        self.set_enabled(op, id, true)
    }

    /// Issues `KRSI_IOC_ENABLE` (`enable`) or `KRSI_IOC_DISABLE` for program `id`, and names
    /// what its errno means for that program.
    fn set_enabled(&self, op: String, id: u32, enable: bool) -> Result<()> {
        let file = self.file(true)?;
        let arg = uapi::krsi_detach {
            size: std::mem::size_of::<uapi::krsi_detach>() as u32,
            prog_id: id,
            ..Default::default()
        };
        let cmd = if enable {
            uapi::KRSI_IOC_ENABLE
        } else {
            uapi::KRSI_IOC_DISABLE
        };
        // SAFETY: KRSI_IOC_DISABLE and KRSI_IOC_ENABLE read one `krsi_detach`, which `arg` is.
        let ret = unsafe { libc::ioctl(file.as_raw_fd(), cmd as _, &raw const arg) };
        if ret >= 0 {
            return Ok(());
        }
        let e = io::Error::last_os_error();
        let hook = self.name.clone();
        Err(match (e.raw_os_error(), enable) {
            (Some(libc::EALREADY), false) => Error::AlreadyDisabled { op, hook, id },
            (Some(libc::EALREADY), true) => Error::AlreadyEnabled { op, hook, id },
            // The open succeeded, so this EACCES is the enable's.
            (Some(libc::EACCES), true) => Error::DisabledByRevalidation {
                op,
                hook,
                id,
                reason: self
                    .list()
                    .ok()
                    .and_then(|l| l.into_iter().find(|a| a.id == id))
                    .and_then(|a| a.reason),
            },
            _ => self.not_attached(Error::from_io(op, e), Position::Before(id)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_file_parses() {
        let o = parse_status(
            "file_open progs=3 key=on disabled=1\ntask_kill progs=0 key=off sealed\n\
             bprm_check_security progs=1 key=on sealed\nlocked=1\n",
        )
        .unwrap();
        assert!(o.locked);
        assert_eq!(o.programs(), 4);
        assert_eq!(
            o.hooks[0],
            HookState {
                hook: "file_open".into(),
                programs: 3,
                disabled: 1,
                key: true,
                sealed: false,
            }
        );
        assert_eq!(
            (o.hooks[1].programs, o.hooks[1].key, o.hooks[1].sealed),
            (0, false, true)
        );
        assert_eq!(o.hooks[2].hook, "bprm_check_security");
        assert_eq!(parse_status("").unwrap(), Overview::default());
        for bad in [
            "file_open key=on\n",
            "file_open progs=1\n",
            "file_open progs=-1 key=on\n",
            "file_open progs=1 key=maybe\n",
            "file_open progs=1 key=on frozen\n",
            "progs=1 key=on\n",
            "locked=0\n",
        ] {
            assert!(matches!(parse_status(bad), Err(Error::Parse(_))), "{bad:?}");
        }
    }

    #[test]
    fn listing_parses() {
        let text = "12 name=deny_open runs=7 denied=2 sleepable=0\n13 name=- runs=0 denied=0 sleepable=1\n";
        let l = parse_listing(text).unwrap();
        assert_eq!(l.len(), 2);
        assert_eq!(
            l[0],
            Attachment {
                id: 12,
                name: "deny_open".into(),
                runs: 7,
                denied: Some(2),
                answered_true: None,
                sleepable: false,
                audited: None,
                mode: None,
                log: None,
                enabled: true,
                reason: None,
                scope: None,
            }
        );
        assert_eq!(l[1].name, "-");
        assert!(l[1].sleepable);
        assert!(parse_listing("").unwrap().is_empty());
        let l =
            parse_listing("4 name=skip runs=3 true=1 sleepable=0\n5 name=v runs=2 sleepable=0\n")
                .unwrap();
        assert_eq!((l[0].denied, l[0].answered_true), (None, Some(1)));
        assert_eq!((l[1].denied, l[1].answered_true), (None, None));
    }

    #[test]
    fn listing_says_sealed_first() {
        let l = parse_hook_listing("sealed\n3 name=a runs=1 denied=0 sleepable=0\n").unwrap();
        assert!(l.sealed);
        assert_eq!(l.attachments.len(), 1);
        let l = parse_hook_listing("sealed\n").unwrap();
        assert!(l.sealed && l.attachments.is_empty());
        let l = parse_hook_listing("3 name=a runs=1 denied=0 sleepable=0\n").unwrap();
        assert!(!l.sealed);
        // Only first.
        assert!(parse_hook_listing("3 name=a runs=1 denied=0 sleepable=0\nsealed\n").is_err());
    }

    #[test]
    fn positions_spell_the_abi() {
        assert_eq!(Position::Last.words(), "");
        assert_eq!(Position::First.words(), " first");
        assert_eq!(Position::Before(7).words(), " before=7");
        assert_eq!(Position::After(9).words(), " after=9");
        assert_eq!(Position::Last.ioctl(), (0, 0));
        assert_eq!(Position::First.ioctl(), (uapi::KRSI_ATTACH_FIRST, 0));
        assert_eq!(Position::Before(7).ioctl(), (uapi::KRSI_ATTACH_BEFORE, 7));
        assert_eq!(Position::After(9).ioctl(), (uapi::KRSI_ATTACH_AFTER, 9));
        let op = "op";
        assert!(Hook::pin_word(Path::new("/sys/fs/bpf/a b"), op).is_err());
        assert!(Hook::pin_word(Path::new("sys/fs/bpf/a"), op).is_err());
        assert_eq!(
            Hook::pin_word(Path::new("/sys/fs/bpf/a"), op).unwrap(),
            "/sys/fs/bpf/a"
        );
    }

    #[test]
    fn listing_has_mode_and_logging_on_errno_hooks() {
        let text =
            "sealed\n12 name=deny_open runs=7 denied=2 sleepable=0 audited=3 mode=audit log=1\n\
                    13 name=q runs=1 denied=1 sleepable=1 audited=0 mode=enforce log=0\n\
                    4 name=skip runs=3 true=1 sleepable=0\n\
                    5 name=v runs=2 sleepable=0\n";
        let l = parse_hook_listing(text).unwrap();
        assert!(l.sealed);
        let a = &l.attachments;
        assert_eq!(
            a[0],
            Attachment {
                id: 12,
                name: "deny_open".into(),
                runs: 7,
                denied: Some(2),
                answered_true: None,
                sleepable: false,
                audited: Some(3),
                mode: Some(Mode::Audit),
                log: Some(true),
                enabled: true,
                reason: None,
                scope: None,
            }
        );
        assert_eq!(
            (a[1].audited, a[1].mode, a[1].log, a[1].sleepable),
            (Some(0), Some(Mode::Enforce), Some(false), true)
        );
        // Bool and void hooks have none of them.
        for b in &a[2..] {
            assert_eq!((b.audited, b.mode, b.log), (None, None, None));
        }
        // Any order.
        let l = parse_listing("9 log=0 mode=audit audited=5 sleepable=1 denied=4 runs=8 name=n\n")
            .unwrap();
        assert_eq!(
            (l[0].runs, l[0].denied, l[0].audited, l[0].mode, l[0].log),
            (8, Some(4), Some(5), Some(Mode::Audit), Some(false))
        );
        assert!(l[0].sleepable);
        for bad in [
            "5 name=a runs=1 denied=0 sleepable=0 audited=x mode=audit log=1",
            "5 name=a runs=1 denied=0 sleepable=0 audited=-1 mode=audit log=1",
            "5 name=a runs=1 denied=0 sleepable=0 audited=1 mode=learn log=1",
            "5 name=a runs=1 denied=0 sleepable=0 audited=1 mode=audit log=2",
            "5 name=a runs=1 denied=0 sleepable=0 audited=1 mode=audit log=",
        ] {
            assert!(matches!(parse_listing(bad), Err(Error::Parse(_))), "{bad}");
        }
    }

    #[test]
    fn modes_spell_the_abi() {
        assert_eq!(Mode::default(), Mode::Enforce);
        assert_eq!("audit".parse::<Mode>(), Ok(Mode::Audit));
        assert_eq!("enforce".parse::<Mode>(), Ok(Mode::Enforce));
        assert_eq!(
            "Audit".parse::<Mode>(),
            Err(UnknownMode("Audit".to_string()))
        );
        assert_eq!(Mode::Audit.to_string(), "audit");
        assert_eq!(
            (Mode::Enforce.value(), Mode::Audit.value()),
            (uapi::KRSI_MODE_ENFORCE, uapi::KRSI_MODE_AUDIT)
        );
        assert_eq!((uapi::KRSI_MODE_ENFORCE, uapi::KRSI_MODE_AUDIT), (0, 1));
    }

    #[test]
    fn attach_options_spell_the_abi() {
        let d = AttachOptions::default();
        assert_eq!(d, AttachOptions::from(Position::Last));
        // The default adds nothing, so it attaches to hooks of every class.
        assert_eq!((d.words(), d.ioctl()), (String::new(), (0, 0)));
        assert!(d.cgroup.is_none() && d.default_settings());
        let o = d.clone().mode(Mode::Audit);
        assert_eq!(o.words(), " mode=audit");
        assert_eq!(o.ioctl(), (uapi::KRSI_ATTACH_AUDIT, 0));
        assert!(!o.default_settings());
        let o = d.clone().log(false).position(Position::First);
        assert_eq!(o.words(), " first log=0");
        assert_eq!(
            o.ioctl(),
            (uapi::KRSI_ATTACH_FIRST | uapi::KRSI_ATTACH_QUIET, 0)
        );
        let o = AttachOptions::from(Position::After(9))
            .mode(Mode::Audit)
            .log(false);
        assert_eq!(o.words(), " after=9 mode=audit log=0");
        assert_eq!(
            o.ioctl(),
            (
                uapi::KRSI_ATTACH_AFTER | uapi::KRSI_ATTACH_AUDIT | uapi::KRSI_ATTACH_QUIET,
                9
            )
        );
        assert_eq!(
            AttachOptions::from(Position::Before(3))
                .mode(Mode::Enforce)
                .ioctl(),
            (uapi::KRSI_ATTACH_BEFORE, 3)
        );
        assert_eq!((uapi::KRSI_ATTACH_AUDIT, uapi::KRSI_ATTACH_QUIET), (8, 16));
        // A scope is a flag combinable with the others; its directory goes by descriptor (the
        // write's cgroup= word is added by attach_pinned_with).
        let o = d.cgroup("/sys/fs/cgroup/A");
        assert_eq!(o.cgroup.as_deref(), Some(Path::new("/sys/fs/cgroup/A")));
        assert_eq!(
            (o.words(), o.ioctl()),
            (String::new(), (uapi::KRSI_ATTACH_CGROUP, 0))
        );
        assert!(o.default_settings());
        let o = o.position(Position::Before(5)).mode(Mode::Audit);
        assert_eq!(o.words(), " before=5 mode=audit");
        assert_eq!(
            o.ioctl(),
            (
                uapi::KRSI_ATTACH_BEFORE | uapi::KRSI_ATTACH_AUDIT | uapi::KRSI_ATTACH_CGROUP,
                5
            )
        );
        assert_eq!(uapi::KRSI_ATTACH_CGROUP, 0x20);
    }

    #[test]
    fn listing_has_the_cgroup_scope() {
        let text = "12 name=sc_a runs=3 denied=1 sleepable=0 audited=0 mode=enforce log=1 \
                    state=enabled cgroup=4021 cgroup_path=/A\n\
                    13 name=sc_b runs=0 sleepable=0 state=disabled reason=lsm cgroup=4022 \
                    cgroup_path=/A/C\n\
                    14 name=sc_c runs=0 sleepable=0 state=enabled cgroup=4023 \
                    cgroup_path=(removed)\n\
                    15 name=sc_d runs=0 sleepable=0 state=enabled cgroup=18446744073709551615 \
                    cgroup_path=/a\\040b/tab\\011/back\\134slash/\\303\\251t\\303\\251/\\177\n\
                    16 name=x runs=0 sleepable=0 state=enabled\n";
        let a = parse_listing(text).unwrap();
        assert_eq!(
            a[0],
            Attachment {
                id: 12,
                name: "sc_a".into(),
                runs: 3,
                denied: Some(1),
                answered_true: None,
                sleepable: false,
                audited: Some(0),
                mode: Some(Mode::Enforce),
                log: Some(true),
                enabled: true,
                reason: None,
                scope: Some(Scope {
                    id: 4021,
                    path: Some("/A".into()),
                }),
            }
        );
        assert_eq!(
            (a[1].enabled, a[1].reason, a[1].scope.clone()),
            (
                false,
                Some(DisableReason::Lsm),
                Some(Scope {
                    id: 4022,
                    path: Some("/A/C".into())
                })
            )
        );
        // Removed: the attachment stays, with no path.
        let s = a[2].scope.as_ref().unwrap();
        assert_eq!((s.id, s.path.as_deref(), s.removed()), (4023, None, true));
        assert!(!a[0].scope.as_ref().unwrap().removed());
        // Octal escapes of a space, a tab, a backslash, UTF-8 bytes and DEL.
        assert_eq!(
            a[3].scope,
            Some(Scope {
                id: u64::MAX,
                path: Some("/a b/tab\t/back\\slash/\u{e9}t\u{e9}/\u{7f}".into()),
            })
        );
        assert_eq!(a[4].scope, None);
        // Any order.
        let a = parse_listing("9 cgroup_path=/B cgroup=7 name=n runs=1 sleepable=0\n").unwrap();
        assert_eq!(
            a[0].scope,
            Some(Scope {
                id: 7,
                path: Some("/B".into())
            })
        );
        // The root cgroup.
        let a = parse_listing("9 name=n runs=1 sleepable=0 cgroup=1 cgroup_path=/\n").unwrap();
        assert_eq!(a[0].scope.as_ref().unwrap().path.as_deref(), Some("/"));
        // A byte that is not UTF-8 is replaced.
        let a = parse_listing("9 name=n runs=1 sleepable=0 cgroup=1 cgroup_path=/\\377\n").unwrap();
        assert_eq!(
            a[0].scope.as_ref().unwrap().path.as_deref(),
            Some("/\u{fffd}")
        );
        for bad in [
            // One without the other.
            "5 name=a runs=1 sleepable=0 cgroup=4",
            "5 name=a runs=1 sleepable=0 cgroup_path=/A",
            "5 name=a runs=1 sleepable=0 cgroup=x cgroup_path=/A",
            "5 name=a runs=1 sleepable=0 cgroup=-1 cgroup_path=/A",
            "5 name=a runs=1 sleepable=0 cgroup= cgroup_path=/A",
            "5 name=a runs=1 sleepable=0 cgroup=18446744073709551616 cgroup_path=/A",
            // A path is absolute, or (removed).
            "5 name=a runs=1 sleepable=0 cgroup=4 cgroup_path=A",
            "5 name=a runs=1 sleepable=0 cgroup=4 cgroup_path=",
            "5 name=a runs=1 sleepable=0 cgroup=4 cgroup_path=removed",
            // Escapes are three octal digits of a byte.
            "5 name=a runs=1 sleepable=0 cgroup=4 cgroup_path=/a\\",
            "5 name=a runs=1 sleepable=0 cgroup=4 cgroup_path=/a\\04",
            "5 name=a runs=1 sleepable=0 cgroup=4 cgroup_path=/a\\048",
            "5 name=a runs=1 sleepable=0 cgroup=4 cgroup_path=/a\\400",
            "5 name=a runs=1 sleepable=0 cgroup=4 cgroup_path=/a\\n",
        ] {
            assert!(matches!(parse_listing(bad), Err(Error::Parse(_))), "{bad}");
        }
    }

    #[test]
    fn unescape_undoes_octal_escapes() {
        assert_eq!(unescape("/plain").as_deref(), Some("/plain"));
        assert_eq!(unescape("\\040\\134\\012").as_deref(), Some(" \\\n"));
        assert_eq!(unescape("a\\0000").as_deref(), Some("a\u{0}0"));
        assert_eq!(unescape("\\377"), Some("\u{fffd}".to_string()));
        assert_eq!(unescape("\\"), None);
        assert_eq!(unescape("\\9\\9"), None);
    }

    #[test]
    fn cgroup_errors_say_what_they_mean() {
        let (op, hook) = (String::from("op"), String::from("file_send_sigiotask"));
        let e = Error::NotScopable {
            op: op.clone(),
            hook: hook.clone(),
        };
        assert_eq!(e.errno(), Some(libc::EOPNOTSUPP));
        assert!(e
            .to_string()
            .starts_with("op: file_send_sigiotask cannot be scoped to a cgroup: "));
        let dir = Path::new("/sys/fs/cgroup/nope");
        let cases = [
            (
                libc::ENOENT,
                libc::ENOENT,
                "op: no cgroup directory /sys/fs/cgroup/nope (or the cgroup is being removed)",
            ),
            (
                libc::ENOTDIR,
                libc::ENOTDIR,
                "op: /sys/fs/cgroup/nope is not a directory",
            ),
            (
                libc::EBADF,
                libc::EBADF,
                "op: /sys/fs/cgroup/nope is not a cgroup v2 directory",
            ),
            // Others stay as they are.
            (libc::EROFS, libc::EROFS, "op: refused: the hook is sealed"),
            (libc::EEXIST, libc::EEXIST, "op: already attached"),
        ];
        for (errno, want, text) in cases {
            let e = cgroup_error(
                Error::from_io("op", io::Error::from_raw_os_error(errno)),
                dir,
            );
            assert_eq!(e.errno(), Some(want));
            let msg = e.to_string();
            assert!(msg.starts_with(text), "{errno}: {msg}");
        }
        assert!(matches!(
            cgroup_error(Error::from_io("op", io::Error::from_raw_os_error(libc::ENOENT)), dir),
            Error::NoSuchCgroup { ref path, .. } if path == dir
        ));
    }

    #[test]
    fn attach_errors_name_the_cgroup_or_the_hook() {
        let root = tempfile::tempdir().unwrap();
        let paths = Paths::under(root.path());
        fs::create_dir_all(paths.hook_dir()).unwrap();
        fs::write(paths.hook_dir().join("file_send_sigiotask"), "").unwrap();
        let hook = Hook::open_in(&paths, "file_send_sigiotask").unwrap();
        let eno = |errno| Error::from_io("op", io::Error::from_raw_os_error(errno));
        let scoped = AttachOptions::default().cgroup("/sys/fs/cgroup/A");
        assert!(matches!(
            hook.attach_error(eno(libc::EOPNOTSUPP), &scoped),
            Error::NotScopable { ref hook, .. } if hook == "file_send_sigiotask"
        ));
        // With a mode asked for, EOPNOTSUPP may be the mode's.
        assert!(matches!(
            hook.attach_error(eno(libc::EOPNOTSUPP), &scoped.clone().mode(Mode::Audit)),
            Error::NotSupported { .. }
        ));
        assert!(matches!(
            hook.attach_error(eno(libc::EOPNOTSUPP), &AttachOptions::default()),
            Error::NotSupported { .. }
        ));
        assert!(matches!(
            hook.attach_error(eno(libc::EBADF), &scoped),
            Error::NotCgroup2 { .. }
        ));
        assert!(matches!(
            hook.attach_error(eno(libc::EBADF), &AttachOptions::default()),
            Error::BadFd { .. }
        ));
        // ENOENT relative to a program is that program's, else the cgroup's.
        assert!(matches!(
            hook.attach_error(
                eno(libc::ENOENT),
                &scoped.clone().position(Position::After(3))
            ),
            Error::NotAttached { id: 3, .. }
        ));
        assert!(matches!(
            hook.attach_error(eno(libc::ENOENT), &scoped),
            Error::NoSuchCgroup { .. }
        ));
    }

    #[test]
    fn cgroup_directories_are_checked_before_the_kernel() {
        let dir = std::env::temp_dir().join(format!("krsi-cgroup-test-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let file = dir.join("file");
        fs::write(&file, "").unwrap();
        assert!(matches!(
            open_cgroup(&dir.join("nope"), "op"),
            Err(Error::NoSuchCgroup { ref path, .. }) if path == &dir.join("nope")
        ));
        assert!(matches!(
            open_cgroup(&file, "op"),
            Err(Error::NotADirectory { ref path, .. }) if path == &file
        ));
        // A directory, but not of the cgroup2 filesystem.
        assert!(matches!(
            open_cgroup(&dir, "op"),
            Err(Error::NotCgroup2 { ref path, .. }) if path == &dir
        ));
        fs::remove_dir_all(&dir).unwrap();
        // Where the host has cgroup2 mounted, its root passes.
        let root = Path::new("/sys/fs/cgroup");
        // SAFETY: an all-zero statfs is a valid buffer.
        let mut st: libc::statfs = unsafe { std::mem::zeroed() };
        let c = CString::new("/sys/fs/cgroup").unwrap();
        // SAFETY: a NUL-terminated path and a statfs buffer.
        #[allow(clippy::unnecessary_cast)]
        if unsafe { libc::statfs(c.as_ptr(), &mut st) } == 0
            && st.f_type as u64 & 0xffff_ffff == CGROUP2_SUPER_MAGIC
        {
            assert!(open_cgroup(root, "op").is_ok());
        }
    }

    #[test]
    fn listing_ignores_new_fields_but_not_missing_ones() {
        let l = parse_listing("5 name=x runs=1 denied=0 sleepable=0 later=field\n").unwrap();
        assert_eq!(l[0].id, 5);
        for bad in [
            "x name=a runs=1 denied=0 sleepable=0",
            "5 name=a runs=1 denied=0",
            "5 name=a runs=z denied=0 sleepable=0",
            "5 name=a runs=1 denied=x sleepable=0",
            "5 name=a runs=1 denied=0 sleepable=2",
            "5 junk runs=1 denied=0 sleepable=0",
        ] {
            assert!(matches!(parse_listing(bad), Err(Error::Parse(_))), "{bad}");
        }
    }

    #[test]
    fn listing_has_state_and_reason_on_every_hook() {
        let text = "12 name=deny_open runs=7 denied=2 sleepable=0 audited=0 mode=enforce log=1 \
                    state=disabled reason=lockdown\n\
                    13 name=q runs=1 denied=1 sleepable=1 audited=0 mode=audit log=0 state=enabled\n\
                    4 name=skip runs=3 true=1 sleepable=0 state=disabled\n\
                    5 name=v runs=2 sleepable=0 state=disabled reason=capability\n\
                    6 name=w runs=0 sleepable=0 state=disabled reason=lsm\n";
        let a = parse_listing(text).unwrap();
        assert_eq!(
            a[0],
            Attachment {
                id: 12,
                name: "deny_open".into(),
                runs: 7,
                denied: Some(2),
                answered_true: None,
                sleepable: false,
                audited: Some(0),
                mode: Some(Mode::Enforce),
                log: Some(true),
                enabled: false,
                reason: Some(DisableReason::Lockdown),
                scope: None,
            }
        );
        assert_eq!((a[0].state(), a[1].state()), ("disabled", "enabled"));
        assert_eq!((a[1].enabled, a[1].reason), (true, None));
        // Disabled by hand: no reason.
        assert_eq!(
            (a[2].enabled, a[2].reason, a[2].answered_true),
            (false, None, Some(1))
        );
        assert_eq!(
            (a[3].enabled, a[3].reason),
            (false, Some(DisableReason::Capability))
        );
        assert_eq!(
            (a[4].enabled, a[4].reason),
            (false, Some(DisableReason::Lsm))
        );
        // A krsi without disabling: every program runs.
        let a = parse_listing("5 name=a runs=1 denied=0 sleepable=0\n").unwrap();
        assert_eq!(
            (a[0].enabled, a[0].reason, a[0].state()),
            (true, None, "enabled")
        );
        // Any order.
        let a = parse_listing("9 reason=lsm state=disabled name=n runs=1 sleepable=0\n").unwrap();
        assert_eq!(
            (a[0].enabled, a[0].reason),
            (false, Some(DisableReason::Lsm))
        );
        for bad in [
            "5 name=a runs=1 sleepable=0 state=off",
            "5 name=a runs=1 sleepable=0 state=",
            "5 name=a runs=1 sleepable=0 state=disabled reason=selinux",
            "5 name=a runs=1 sleepable=0 state=disabled reason=",
            // Only a disabled program has a reason.
            "5 name=a runs=1 sleepable=0 state=enabled reason=lockdown",
            "5 name=a runs=1 sleepable=0 reason=lockdown",
        ] {
            assert!(matches!(parse_listing(bad), Err(Error::Parse(_))), "{bad}");
        }
    }

    #[test]
    fn reasons_spell_the_abi() {
        for (r, word) in [
            (DisableReason::Lockdown, "lockdown"),
            (DisableReason::Capability, "capability"),
            (DisableReason::Lsm, "lsm"),
        ] {
            assert_eq!(r.as_str(), word);
            assert_eq!(r.to_string(), word);
            assert_eq!(word.parse::<DisableReason>(), Ok(r));
            assert!(!r.describe().is_empty());
        }
        assert_eq!(
            "Lockdown".parse::<DisableReason>(),
            Err(UnknownReason("Lockdown".to_string()))
        );
    }

    #[test]
    fn state_errors_say_what_they_mean() {
        let (op, hook) = (String::from("op"), String::from("file_open"));
        let e = Error::AlreadyDisabled {
            op: op.clone(),
            hook: hook.clone(),
            id: 7,
        };
        assert_eq!(e.errno(), Some(libc::EALREADY));
        assert_eq!(
            e.to_string(),
            "op: program 7 of file_open is already disabled (`krsictl enable file_open 7` runs it again)"
        );
        let e = Error::AlreadyEnabled {
            op: op.clone(),
            hook: hook.clone(),
            id: 7,
        };
        assert_eq!(e.errno(), Some(libc::EALREADY));
        assert_eq!(
            e.to_string(),
            "op: program 7 of file_open is already enabled"
        );
        let e = Error::DisabledByRevalidation {
            op: op.clone(),
            hook: hook.clone(),
            id: 7,
            reason: Some(DisableReason::Lockdown),
        };
        assert_eq!(e.errno(), Some(libc::EACCES));
        let msg = e.to_string();
        assert!(
            msg.starts_with(
                "op: program 7 of file_open is disabled by revalidation (lockdown: the lockdown \
                 level now forbids a helper it calls); it runs again when a revalidation passes"
            ),
            "{msg}"
        );
        let e = Error::DisabledByRevalidation {
            op,
            hook,
            id: 7,
            reason: None,
        };
        assert!(e
            .to_string()
            .starts_with("op: program 7 of file_open is disabled by revalidation; it runs again"));
        // Without the context of a disable or enable, EALREADY is plain I/O.
        let e = Error::from_io("op", io::Error::from_raw_os_error(libc::EALREADY));
        assert!(matches!(e, Error::Io { .. }));
        assert_eq!(e.errno(), Some(libc::EALREADY));
        // EPERM also covers an attach that lockdown or an LSM forbids.
        let e = Error::from_io("op", io::Error::from_raw_os_error(libc::EPERM));
        assert!(e.to_string().contains("lockdown level and the LSMs"));
    }

    #[test]
    fn errno_maps_to_typed_errors_and_back() {
        let cases = [
            (libc::EPERM, "CAP_MAC_ADMIN"),
            (libc::EACCES, "permission denied"),
            (libc::EINVAL, "not a BPF LSM program for this hook"),
            (libc::ENOENT, "not found"),
            (libc::EEXIST, "already attached"),
            (libc::E2BIG, "hook full"),
            (libc::EBADF, "bad file descriptor"),
            (libc::EROFS, "sealed"),
            (libc::EOPNOTSUPP, "not supported on this hook"),
            (libc::EIO, "Input/output error"),
        ];
        for (errno, text) in cases {
            let e = Error::from_io("op", io::Error::from_raw_os_error(errno));
            assert_eq!(e.errno(), Some(errno));
            let msg = e.to_string();
            assert!(msg.starts_with("op: "), "{msg}");
            assert!(msg.contains(text), "{errno}: {msg}");
        }
        let e = Error::NotAttached {
            op: "op".into(),
            hook: "file_open".into(),
            id: 7,
        };
        assert_eq!(e.errno(), Some(libc::ENOENT));
        assert!(e
            .to_string()
            .contains("no program with id 7 is attached to file_open"));
    }

    #[test]
    fn hooks_skip_control_files_and_sort() {
        let root = tempfile::tempdir().unwrap();
        let paths = Paths::under(root.path());
        let dir = paths.hook_dir();
        fs::create_dir_all(&dir).unwrap();
        for f in ["task_kill", "status", "control", "file_open"] {
            fs::write(dir.join(f), "").unwrap();
        }
        assert_eq!(hooks_in(&paths).unwrap(), ["file_open", "task_kill"]);
        assert!(Hook::open_in(&paths, "file_open").is_ok());
        assert!(matches!(
            Hook::open_in(&paths, "status"),
            Err(Error::NoSuchHook(_))
        ));
        assert!(matches!(
            Hook::open_in(&paths, "nope"),
            Err(Error::NoSuchHook(_))
        ));
        assert!(matches!(
            Hook::open_in(&paths, "../etc"),
            Err(Error::NoSuchHook(_))
        ));
        fs::remove_dir_all(&dir).unwrap();
        // Without the directory: why (in this tree, without a mounted securityfs).
        let why = Inactive::SecurityfsNotMounted {
            mountpoint: paths.securityfs.clone(),
        };
        assert!(matches!(hooks_in(&paths), Err(Error::NotActive(ref w)) if *w == why));
        assert!(matches!(
            Hook::open_in(&paths, "file_open"),
            Err(Error::NotActive(ref w)) if *w == why
        ));
        assert!(matches!(locked_in(&paths), Err(Error::NotActive(ref w)) if *w == why));
    }

    #[test]
    fn uapi_matches_the_header() {
        // struct krsi_attach: six 32-bit fields, no padding.
        assert_eq!(std::mem::size_of::<uapi::krsi_attach>(), 24);
        assert_eq!(std::mem::align_of::<uapi::krsi_attach>(), 4);
        assert_eq!(std::mem::size_of::<uapi::krsi_detach>(), 16);
        // _IOW(0xb9, 1, 24 bytes) and _IOW(0xb9, 2, 16 bytes) from asm-generic/ioctl.h.
        assert_eq!(uapi::KRSI_IOC_ATTACH, 0x4018_b901);
        assert_eq!(uapi::KRSI_IOC_DETACH, 0x4010_b902);
        assert_eq!(MAX_PROGS, 256);
        assert_eq!(std::mem::size_of::<uapi::krsi_replace>(), 16);
        assert_eq!(uapi::KRSI_IOC_REPLACE, 0x4010_b903);
        // _IO(0xb9, n): no direction, no size.
        assert_eq!(uapi::KRSI_IOC_RESET, 0xb904);
        assert_eq!(uapi::KRSI_IOC_SEAL, 0xb905);
        assert_eq!(uapi::KRSI_IOC_LOCK, 0xb906);
        assert_eq!(
            (
                uapi::KRSI_ATTACH_FIRST,
                uapi::KRSI_ATTACH_BEFORE,
                uapi::KRSI_ATTACH_AFTER
            ),
            (1, 2, 4)
        );
        assert_eq!(
            (
                uapi::KRSI_ATTACH_AUDIT,
                uapi::KRSI_ATTACH_QUIET,
                uapi::KRSI_ATTACH_CGROUP
            ),
            (0x8, 0x10, 0x20)
        );
        // struct krsi_setting: four __u32, no padding; _IOW(0xb9, 7 and 8, 16 bytes).
        assert_eq!(std::mem::size_of::<uapi::krsi_setting>(), 16);
        assert_eq!(std::mem::align_of::<uapi::krsi_setting>(), 4);
        assert_eq!(
            [
                std::mem::offset_of!(uapi::krsi_setting, size),
                std::mem::offset_of!(uapi::krsi_setting, flags),
                std::mem::offset_of!(uapi::krsi_setting, prog_id),
                std::mem::offset_of!(uapi::krsi_setting, value),
            ],
            [0, 4, 8, 12]
        );
        assert_eq!(
            [
                std::mem::offset_of!(uapi::krsi_attach, size),
                std::mem::offset_of!(uapi::krsi_attach, flags),
                std::mem::offset_of!(uapi::krsi_attach, prog_fd),
                std::mem::offset_of!(uapi::krsi_attach, rel_id),
                std::mem::offset_of!(uapi::krsi_attach, cgroup_fd),
                std::mem::offset_of!(uapi::krsi_attach, reserved),
            ],
            [0, 4, 8, 12, 16, 20]
        );
        // cgroup_fd is a descriptor (signed), reserved a u32 that must be 0.
        let a = uapi::krsi_attach {
            cgroup_fd: -1,
            ..Default::default()
        };
        assert_eq!((a.cgroup_fd, a.reserved), (-1i32, 0u32));
        assert_eq!(uapi::KRSI_IOC_MODE, 0x4010_b907);
        assert_eq!(uapi::KRSI_IOC_LOG, 0x4010_b908);
        // _IOW(0xb9, 9 and 10, struct krsi_detach) and _IO(0xb9, 11).
        assert_eq!(uapi::KRSI_IOC_DISABLE, 0x4010_b909);
        assert_eq!(uapi::KRSI_IOC_ENABLE, 0x4010_b90a);
        assert_eq!(uapi::KRSI_IOC_REVALIDATE, 0xb90b);
        assert_eq!(
            (uapi::AUDIT_KRSI_ACCESS, uapi::AUDIT_KRSI_CONFIG_CHANGE),
            (1460, 1461)
        );
    }
}
