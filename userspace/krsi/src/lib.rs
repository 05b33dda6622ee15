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

use std::ffi::CString;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::path::{Path, PathBuf};
use std::str::FromStr;

pub mod audit;
pub use audit::{Events, Record, RecordKind};

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
    /// krsi's securityfs directory is missing.
    #[error("krsi is not active: {HOOK_DIR} does not exist (is krsi in CONFIG_LSM or lsm=, and securityfs mounted?)")]
    NotActive,
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
    /// `EOPNOTSUPP`: a mode or logging on a hook that is not an errno hook, or a program for a
    /// first_wins hook while another LSM registers it.
    #[error("{op}: not supported on this hook (a mode and logging are for errno hooks only; a first_wins hook takes no program while another LSM registers it)")]
    NotSupported {
        /// What was attempted.
        op: String,
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
            Error::NotSupported { .. } => libc::EOPNOTSUPP,
            Error::Io { source, .. } => return source.raw_os_error(),
            Error::NotActive | Error::NoSuchHook(_) | Error::Parse(_) | Error::BadRecord(_) => {
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

/// How an attach places and configures its program: where in the run order, and (on errno
/// hooks) its mode and logging. The default is what a plain attach does: last, enforcing,
/// logged; only what differs from it is sent, so the default works on every hook.
///
/// ```
/// use krsi::{AttachOptions, Mode, Position};
/// let opts = AttachOptions::default().mode(Mode::Audit).position(Position::First);
/// assert_eq!((opts.mode, opts.log), (Mode::Audit, true));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AttachOptions {
    /// Where in the run order.
    pub position: Position,
    /// Enforcing or audit-only (`mode=audit`, `KRSI_ATTACH_AUDIT`).
    pub mode: Mode,
    /// Whether its denials are recorded in the audit log (false: `log=0`, `KRSI_ATTACH_QUIET`).
    pub log: bool,
}

impl Default for AttachOptions {
    fn default() -> Self {
        AttachOptions {
            position: Position::Last,
            mode: Mode::Enforce,
            log: true,
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

    /// The words a hook file write adds after the path, each with a space before it.
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

    /// `KRSI_IOC_ATTACH`'s flags and `rel_id`.
    fn ioctl(&self) -> (u32, u32) {
        let (mut flags, rel_id) = self.position.ioctl();
        if self.mode == Mode::Audit {
            flags |= uapi::KRSI_ATTACH_AUDIT;
        }
        if !self.log {
            flags |= uapi::KRSI_ATTACH_QUIET;
        }
        (flags, rel_id)
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
/// ` reason=<lockdown|capability|lsm>`. The fields after the id may come in any order; fields a
/// later krsi adds are ignored, and a krsi without `state=` runs every program.
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

/// Whether krsi is locked: no attach or other change on any hook until reboot.
pub fn locked() -> Result<bool> {
    let text = fs::read_to_string(CONTROL_FILE).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => Error::NotActive,
        _ => Error::from_io(format!("reading {CONTROL_FILE}"), e),
    })?;
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
            io::ErrorKind::NotFound => Error::NotActive,
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
            // Fields a later krsi adds are ignored, as documented.
            _ => {}
        }
    }
    // Only a disabled program has a reason.
    if enabled && reason.is_some() {
        return Err(bad());
    }
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
    hooks_in(Path::new(HOOK_DIR))
}

fn hooks_in(dir: &Path) -> Result<Vec<String>> {
    let entries = fs::read_dir(dir).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => Error::NotActive,
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
        Self::open_in(Path::new(HOOK_DIR), name)
    }

    fn open_in(dir: &Path, name: &str) -> Result<Self> {
        if name.is_empty() || name.contains('/') || CONTROL_FILES.contains(&name) {
            return Err(Error::NoSuchHook(name.to_string()));
        }
        if !dir.is_dir() {
            return Err(Error::NotActive);
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
    /// logging) by writing `PATH [first|before=ID|after=ID] [mode=audit] [log=0]`; returns its
    /// id. A mode or logging other than the default on a hook that is not an errno hook is
    /// [`Error::NotSupported`].
    pub fn attach_pinned_with(&self, pin: impl AsRef<Path>, opts: &AttachOptions) -> Result<u32> {
        let pin = pin.as_ref();
        let op = format!("attaching {} to {}", pin.display(), self.name);
        let word = Self::pin_word(pin, &op)?;
        // The pin's program id, to find it in the listing afterwards.
        let fd = pinned_prog_fd(pin).map_err(|e| Error::from_io(op.clone(), e))?;
        let id = prog_id(fd.as_fd()).map_err(|e| Error::from_io(op.clone(), e))?;
        self.write(&op, &format!("{word}{}\n", opts.words()))
            .map_err(|e| self.not_attached(e, opts.position))?;
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
    /// mode, logging: `KRSI_ATTACH_*` flags); returns its id. A mode or logging other than the
    /// default on a hook that is not an errno hook is [`Error::NotSupported`].
    pub fn attach_fd_with(&self, prog: BorrowedFd<'_>, opts: &AttachOptions) -> Result<u32> {
        let op = format!("attaching program fd {} to {}", prog.as_raw_fd(), self.name);
        let (flags, rel_id) = opts.ioctl();
        let arg = uapi::krsi_attach {
            size: std::mem::size_of::<uapi::krsi_attach>() as u32,
            flags,
            prog_fd: prog.as_raw_fd(),
            rel_id,
        };
        // SAFETY: KRSI_IOC_ATTACH reads one `krsi_attach`, which `arg` is; it returns the id.
        unsafe { self.ioctl_id(&op, uapi::KRSI_IOC_ATTACH, &raw const arg) }
            .map_err(|e| self.not_attached(e, opts.position))
    }

    /// Swaps the program with id `id` for the loaded program of descriptor `prog`, in its place
    /// in the run order, atomically; returns the new program's id.
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
        let o = d.mode(Mode::Audit);
        assert_eq!(o.words(), " mode=audit");
        assert_eq!(o.ioctl(), (uapi::KRSI_ATTACH_AUDIT, 0));
        let o = d.log(false).position(Position::First);
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
        let dir = std::env::temp_dir().join(format!("krsi-test-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        for f in ["task_kill", "status", "control", "file_open"] {
            fs::write(dir.join(f), "").unwrap();
        }
        assert_eq!(hooks_in(&dir).unwrap(), ["file_open", "task_kill"]);
        assert!(Hook::open_in(&dir, "file_open").is_ok());
        assert!(matches!(
            Hook::open_in(&dir, "status"),
            Err(Error::NoSuchHook(_))
        ));
        assert!(matches!(
            Hook::open_in(&dir, "nope"),
            Err(Error::NoSuchHook(_))
        ));
        assert!(matches!(
            Hook::open_in(&dir, "../etc"),
            Err(Error::NoSuchHook(_))
        ));
        fs::remove_dir_all(&dir).unwrap();
        assert!(matches!(hooks_in(&dir), Err(Error::NotActive)));
        assert!(matches!(
            Hook::open_in(&dir, "file_open"),
            Err(Error::NotActive)
        ));
    }

    #[test]
    fn uapi_matches_the_header() {
        assert_eq!(std::mem::size_of::<uapi::krsi_attach>(), 16);
        assert_eq!(std::mem::size_of::<uapi::krsi_detach>(), 16);
        // _IOW(0xb9, 1, 16 bytes) and _IOW(0xb9, 2, 16 bytes) from asm-generic/ioctl.h.
        assert_eq!(uapi::KRSI_IOC_ATTACH, 0x4010_b901);
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
            ],
            [0, 4, 8, 12]
        );
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
