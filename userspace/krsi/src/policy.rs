// SPDX-License-Identifier: GPL-2.0
//! Declarative policy: a TOML file that lists the programs each hook should run, in which order,
//! mode and cgroup scope, which hooks to seal and whether to lock krsi; and the planner that
//! reconciles krsi's running state with it (`krsictl apply`).
//!
//! ```toml
//! lock = false                # lock krsi once the file is applied (default false)
//!
//! [hooks.file_mprotect]       # per-hook settings, all optional
//! seal = true                 # seal the hook once its programs are in place
//! exclusive = false           # detach the hook's programs that the file does not list
//! position = "last"           # the file's programs run after the others ("first": before)
//!
//! [[attachment]]              # one per program; a hook's programs run in the file's order
//! hook = "file_open"
//! object = "protect_name.bpf.o"   # relative to the policy file's directory
//! program = "protect_name"    # optional when the object has one LSM program
//! name = "protect"            # optional: the entry's name (default: the program's)
//! mode = "enforce"            # or "audit" (errno hooks)
//! log = true                  # false: its denials are not recorded (errno hooks)
//! cgroup = "/sys/fs/cgroup/web"   # optional: scope it to this cgroup v2 subtree
//! ```
//!
//! [`Policy::read`] parses and checks the file; every error names its line. The caller loads
//! each entry's program (krsictl does it with aya), which gives its [`Tag`], and builds the
//! [`Desired`] state with [`Policy::desired`]. [`Running::read`] reads the hooks' listings and the
//! tags of their programs, [`State`] records which attachments earlier applies made for which
//! entries, and [`plan`], a pure function of the three, gives the [`Step`]s that make the
//! running state the file's, or a [`PlanError`] when a seal or the lock forbids them.
//!
//! How an attachment is recognised as an entry's:
//!
//! - the state (by default [`DEFAULT_STATE`], in `/run`, which lasts as long as the
//!   attachments: until reboot) records, per hook and entry name, the program id and tag apply
//!   attached. A record counts only while that id is still attached to that hook with that tag,
//!   and only in the boot that wrote it;
//! - an attachment no record claims but that is identical to an entry that has none (same
//!   program name and tag, mode, logging and cgroup) is taken as that entry's, so that a lost
//!   state does not attach a policy twice;
//! - every other attachment is the file's business only on an `exclusive` hook, where it is
//!   detached.
//!
//! The tag is the kernel's SHA-1 of the program's instructions (`bpftool prog show`'s `tag`): a
//! changed program has another tag, the same program loaded again the same. It does not cover
//! the initial contents of the program's maps (`.rodata` constants).

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::io::{self, Write as _};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::{Attachment, Hook, Mode, CONTROL_FILES};

/// Where `krsictl apply` records which attachments it made for which entries.
pub const DEFAULT_STATE: &str = "/run/krsi/state.toml";

/// Where a hook's entries go among the programs the file does not list, when they are attached.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Placement {
    /// After them (an entry that is the hook's last program is appended).
    #[default]
    Last,
    /// Before them.
    First,
}

/// A policy file, checked: its hooks' settings and its entries in the file's order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Policy {
    /// Lock krsi once everything else is applied.
    pub lock: bool,
    /// The `[hooks.NAME]` tables.
    pub hooks: BTreeMap<String, HookPolicy>,
    /// The `[[attachment]]` tables, in the file's order.
    pub entries: Vec<Entry>,
}

/// A `[hooks.NAME]` table.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HookPolicy {
    /// Seal the hook once its programs are in place.
    pub seal: bool,
    /// Detach the hook's programs that the file does not list.
    pub exclusive: bool,
    /// Where the file's programs go among the others.
    pub position: Placement,
    /// The table's line.
    pub line: usize,
}

/// An `[[attachment]]` table: one program on one hook.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The hook, e.g. `file_open`.
    pub hook: String,
    /// The BPF object file, made absolute against the policy file's directory.
    pub object: PathBuf,
    /// The program's name in the object; `None`: the object's only LSM program.
    pub program: Option<String>,
    /// The entry's name, unique among the hook's entries; `None`: the program's name.
    pub name: Option<String>,
    /// Enforce or audit-only.
    pub mode: Mode,
    /// Whether its denials are recorded in the audit log.
    pub log: bool,
    /// The cgroup v2 directory it is scoped to.
    pub cgroup: Option<PathBuf>,
    /// The line of its `[[attachment]]` header.
    pub line: usize,
}

/// A policy file that cannot be read or is not right; nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// The file cannot be read.
    #[error("reading {}: {error}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        error: io::Error,
    },
    /// A line of the file is wrong: TOML syntax, an unknown key, a value of the wrong kind, or
    /// an entry that does not fit the others.
    #[error("{}:{line}: {message}", path.display())]
    Line {
        /// The file.
        path: PathBuf,
        /// The line, from 1.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The file is wrong as a whole (a TOML error without a place).
    #[error("{}: {message}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// The file's tables, as TOML gives them; unknown keys are errors.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDoc {
    #[serde(default)]
    lock: bool,
    #[serde(default)]
    hooks: BTreeMap<Spanned<String>, Spanned<FileHook>>,
    #[serde(default, rename = "attachment")]
    attachments: Vec<Spanned<FileEntry>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileHook {
    #[serde(default)]
    seal: bool,
    #[serde(default)]
    exclusive: bool,
    #[serde(default)]
    position: Placement,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileEntry {
    hook: Spanned<String>,
    object: Spanned<PathBuf>,
    program: Option<Spanned<String>>,
    name: Option<Spanned<String>>,
    #[serde(default)]
    mode: FileMode,
    #[serde(default = "yes")]
    log: bool,
    cgroup: Option<Spanned<PathBuf>>,
}

fn yes() -> bool {
    true
}

#[derive(Clone, Copy, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
enum FileMode {
    #[default]
    Enforce,
    Audit,
}

impl From<FileMode> for Mode {
    fn from(m: FileMode) -> Self {
        match m {
            FileMode::Enforce => Mode::Enforce,
            FileMode::Audit => Mode::Audit,
        }
    }
}

/// The line (from 1) of byte `offset` of `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Whether `name` can be a hook's name: not empty, no `/`, not a control file.
fn hook_name_ok(name: &str) -> bool {
    !name.is_empty() && !name.contains('/') && !CONTROL_FILES.contains(&name)
}

impl Policy {
    /// Reads and checks the policy file `path` (see [`Policy::parse`]).
    pub fn read(path: &Path) -> Result<Policy, PolicyError> {
        let text = fs::read_to_string(path).map_err(|error| PolicyError::Read {
            path: path.to_path_buf(),
            error,
        })?;
        Policy::parse(&text, path)
    }

    /// Parses and checks `text`, the contents of the policy file `path`: TOML with only the keys
    /// documented, hook names that can be hooks, entries with an object, names unique among a
    /// hook's entries, absolute cgroup directories. A relative object path is taken from
    /// `path`'s directory. Every error names its line.
    pub fn parse(text: &str, path: &Path) -> Result<Policy, PolicyError> {
        let at = |offset: usize, message: String| PolicyError::Line {
            path: path.to_path_buf(),
            line: line_of(text, offset),
            message,
        };
        let doc: FileDoc = toml::from_str(text).map_err(|e| match e.span() {
            Some(span) => at(span.start, e.message().trim_end().to_string()),
            None => PolicyError::File {
                path: path.to_path_buf(),
                message: e.message().trim_end().to_string(),
            },
        })?;
        let base = path.parent().unwrap_or(Path::new(""));
        let mut policy = Policy {
            lock: doc.lock,
            ..Default::default()
        };
        for (name, hook) in doc.hooks {
            if !hook_name_ok(name.get_ref()) {
                return Err(at(
                    name.span().start,
                    format!("{:?} is not a hook name", name.get_ref()),
                ));
            }
            let line = line_of(text, name.span().start);
            let hook = hook.into_inner();
            policy.hooks.insert(
                name.into_inner(),
                HookPolicy {
                    seal: hook.seal,
                    exclusive: hook.exclusive,
                    position: hook.position,
                    line,
                },
            );
        }
        for e in doc.attachments {
            let line = line_of(text, e.span().start);
            let e = e.into_inner();
            if !hook_name_ok(e.hook.get_ref()) {
                return Err(at(
                    e.hook.span().start,
                    format!("{:?} is not a hook name", e.hook.get_ref()),
                ));
            }
            if e.object.get_ref().as_os_str().is_empty() {
                return Err(at(e.object.span().start, "object is empty".into()));
            }
            for word in [&e.program, &e.name].into_iter().flatten() {
                if word.get_ref().is_empty() {
                    return Err(at(word.span().start, "an empty name".into()));
                }
            }
            if let Some(dir) = &e.cgroup {
                if !dir.get_ref().is_absolute() {
                    return Err(at(
                        dir.span().start,
                        format!(
                            "cgroup {} is not an absolute path (e.g. /sys/fs/cgroup/web)",
                            dir.get_ref().display()
                        ),
                    ));
                }
            }
            let entry = Entry {
                hook: e.hook.into_inner(),
                object: base.join(e.object.into_inner()),
                program: e.program.map(Spanned::into_inner),
                name: e.name.map(Spanned::into_inner),
                mode: e.mode.into(),
                log: e.log,
                cgroup: e.cgroup.map(Spanned::into_inner),
                line,
            };
            if let Some(key) = entry.key() {
                if let Some(other) = policy
                    .entries
                    .iter()
                    .find(|o| o.hook == entry.hook && o.key() == Some(key))
                {
                    return Err(duplicate(path, &entry, key, other.line));
                }
            }
            policy.entries.push(entry);
        }
        Ok(policy)
    }

    /// The hooks the file names, in its entries or its `[hooks]` tables, sorted.
    pub fn hook_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.hooks.keys().map(String::as_str).collect();
        names.extend(self.entries.iter().map(|e| e.hook.as_str()));
        names.sort_unstable();
        names.dedup();
        names
    }

    /// The desired state: every hook the file names with its settings and entries, each entry
    /// with what loading its program gave (`loaded[i]` for `self.entries[i]`). An entry without
    /// a name or a program is named after the program loaded; two entries of a hook with the
    /// same name are an error (`path` for its message).
    pub fn desired(&self, path: &Path, loaded: &[Loaded]) -> Result<Desired, PolicyError> {
        assert_eq!(loaded.len(), self.entries.len(), "one Loaded per entry");
        let mut hooks: BTreeMap<String, DesiredHook> = BTreeMap::new();
        for name in self.hook_names() {
            let h = self.hooks.get(name).cloned().unwrap_or_default();
            hooks.insert(
                name.to_string(),
                DesiredHook {
                    seal: h.seal,
                    exclusive: h.exclusive,
                    position: h.position,
                    entries: Vec::new(),
                },
            );
        }
        for (i, (e, l)) in self.entries.iter().zip(loaded).enumerate() {
            let key = e.key().unwrap_or(&l.program).to_string();
            let hook = hooks
                .get_mut(&e.hook)
                .expect("every entry's hook is in hook_names()");
            if let Some(other) = hook.entries.iter().find(|o| o.key == key) {
                return Err(duplicate(path, e, &key, other.line));
            }
            hook.entries.push(DesiredEntry {
                key,
                program: l.name.clone(),
                object: e.object.clone(),
                tag: l.tag,
                mode: e.mode,
                log: e.log,
                cgroup: e.cgroup.clone().zip(l.cgroup),
                line: e.line,
                source: i,
            });
        }
        Ok(Desired {
            lock: self.lock,
            hooks,
        })
    }
}

impl Entry {
    /// The entry's name: its `name`, else its `program`; `None` when it has neither (the
    /// object's only program names it once loaded).
    pub fn key(&self) -> Option<&str> {
        self.name.as_deref().or(self.program.as_deref())
    }
}

fn duplicate(path: &Path, e: &Entry, key: &str, other: usize) -> PolicyError {
    PolicyError::Line {
        path: path.to_path_buf(),
        line: e.line,
        message: format!(
            "a second entry {key} of {} (the first is at line {other}); give one a different \
             `name`",
            e.hook
        ),
    }
}

/// A program tag: the kernel's SHA-1 of a program's instructions, first 8 bytes, as
/// `bpftool prog show` prints it (16 hex digits).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Tag(pub [u8; 8]);

impl From<u64> for Tag {
    /// From aya's `ProgramInfo::tag()`, the tag's bytes read big-endian.
    fn from(v: u64) -> Self {
        Tag(v.to_be_bytes())
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

/// Text that is not a [`Tag`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a program tag (16 hex digits)")]
pub struct BadTag(pub String);

impl FromStr for Tag {
    type Err = BadTag;

    fn from_str(s: &str) -> Result<Self, BadTag> {
        let bad = || BadTag(s.to_string());
        if s.len() != 16 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad());
        }
        let mut tag = [0u8; 8];
        for (i, b) in tag.iter_mut().enumerate() {
            *b = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
        }
        Ok(Tag(tag))
    }
}

impl TryFrom<String> for Tag {
    type Error = BadTag;

    fn try_from(s: String) -> Result<Self, BadTag> {
        s.parse()
    }
}

impl From<Tag> for String {
    fn from(t: Tag) -> String {
        t.to_string()
    }
}

/// The tag of the BPF program with id `id` (`BPF_PROG_GET_FD_BY_ID`, then
/// `BPF_OBJ_GET_INFO_BY_FD`); `None` when there is no such program (any more).
pub fn program_tag(id: u32) -> crate::Result<Option<Tag>> {
    let op = format!("reading the tag of program {id}");
    // bpf_attr for BPF_PROG_GET_FD_BY_ID: prog_id, next_id, open_flags.
    let mut attr = [id, 0, 0];
    // SAFETY: `attr` is BPF_PROG_GET_FD_BY_ID's attribute of 12 bytes, living across the call.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_bpf,
            13, /* BPF_PROG_GET_FD_BY_ID */
            attr.as_mut_ptr(),
            std::mem::size_of_val(&attr),
        )
    };
    if fd < 0 {
        let e = io::Error::last_os_error();
        return match e.raw_os_error() {
            Some(libc::ENOENT) => Ok(None),
            _ => Err(crate::Error::from_io(op, e)),
        };
    }
    // SAFETY: the kernel returned a new descriptor that we own.
    let fd = unsafe { OwnedFd::from_raw_fd(fd as RawFd) };
    // struct bpf_prog_info starts with type (u32), id (u32), tag[8].
    let mut info = [0u8; 16];
    // bpf_attr.info: bpf_fd (u32), info_len (u32), info (u64).
    let mut attr: [u64; 2] = [
        u64::from(fd.as_raw_fd() as u32) | ((info.len() as u64) << 32),
        info.as_mut_ptr() as u64,
    ];
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
        return Err(crate::Error::from_io(op, io::Error::last_os_error()));
    }
    let mut tag = [0u8; 8];
    tag.copy_from_slice(&info[8..16]);
    Ok(Some(Tag(tag)))
}

/// The id of the cgroup v2 cgroup of directory `dir` (the inode number of the directory, as
/// the listing's `cgroup=` shows it), with the errors an attach scoped to it would give:
/// [`crate::Error::NoSuchCgroup`], [`crate::Error::NotADirectory`], [`crate::Error::NotCgroup2`].
pub fn cgroup_id(dir: &Path) -> crate::Result<u64> {
    let op = format!("reading cgroup {}", dir.display());
    let fd = crate::open_cgroup(dir, &op)?;
    let file = fs::File::from(fd);
    let meta = file.metadata().map_err(|e| crate::Error::from_io(op, e))?;
    Ok(meta.ino())
}

/// What loading an entry's program gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Loaded {
    /// The program's name in the object (the entry's name when it has none).
    pub program: String,
    /// Its name as the kernel keeps and krsi lists it (at most 15 bytes).
    pub name: String,
    /// Its tag.
    pub tag: Tag,
    /// The id of the entry's cgroup ([`cgroup_id`]), when it has one.
    pub cgroup: Option<u64>,
}

/// What the policy file asks for, with its programs loaded.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Desired {
    /// Lock krsi at the end.
    pub lock: bool,
    /// Every hook the file names.
    pub hooks: BTreeMap<String, DesiredHook>,
}

/// One hook of the file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DesiredHook {
    /// Seal it at the end.
    pub seal: bool,
    /// Detach the programs the file does not list.
    pub exclusive: bool,
    /// Where its entries go among the other programs.
    pub position: Placement,
    /// Its entries, in run order (the file's).
    pub entries: Vec<DesiredEntry>,
}

/// One entry of the file, with its program loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DesiredEntry {
    /// The entry's name, unique in the hook.
    pub key: String,
    /// The program's name as krsi lists it.
    pub program: String,
    /// The object file.
    pub object: PathBuf,
    /// The program's tag.
    pub tag: Tag,
    /// Enforce or audit.
    pub mode: Mode,
    /// Log its denials.
    pub log: bool,
    /// The cgroup directory it is scoped to, and that cgroup's id.
    pub cgroup: Option<(PathBuf, u64)>,
    /// Its line in the file.
    pub line: usize,
    /// Its index in [`Policy::entries`] (to find its loaded program).
    pub source: usize,
}

/// krsi's running state, for the hooks a plan looks at.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Running {
    /// krsi is locked.
    pub locked: bool,
    /// The hooks read.
    pub hooks: BTreeMap<String, RunningHook>,
}

/// One hook's listing, with its programs' tags.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunningHook {
    /// The hook is sealed (by itself or by the lock).
    pub sealed: bool,
    /// Its programs, in run order.
    pub attachments: Vec<RunningAttachment>,
}

/// One attached program and its tag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunningAttachment {
    /// The listing's line.
    pub attachment: Attachment,
    /// The program's tag; `None` when it went away between the listing and the look-up.
    pub tag: Option<Tag>,
}

impl Running {
    /// Reads whether krsi is locked and the listings of the hooks `names` (each must exist)
    /// with their programs' tags.
    pub fn read<'a>(names: impl IntoIterator<Item = &'a str>) -> crate::Result<Running> {
        let mut running = Running {
            locked: crate::locked()?,
            hooks: BTreeMap::new(),
        };
        for name in names {
            let listing = Hook::open(name)?.listing()?;
            let mut attachments = Vec::with_capacity(listing.attachments.len());
            for a in listing.attachments {
                let tag = program_tag(a.id)?;
                attachments.push(RunningAttachment { attachment: a, tag });
            }
            running.hooks.insert(
                name.to_string(),
                RunningHook {
                    sealed: listing.sealed,
                    attachments,
                },
            );
        }
        Ok(running)
    }
}

/// Which attachments `krsictl apply` made for which entries, kept between applies (in
/// [`DEFAULT_STATE`] by default).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct State {
    /// The boot the records belong to (`/proc/sys/kernel/random/boot_id`): program ids mean
    /// nothing in another.
    pub boot_id: String,
    /// The records.
    #[serde(default, rename = "attachment")]
    pub records: Vec<Record>,
}

/// One attachment apply made: the program with id `id` and tag `tag` on `hook`, for the entry
/// named `entry`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    /// The hook.
    pub hook: String,
    /// The entry's name.
    pub entry: String,
    /// The program id.
    pub id: u32,
    /// The program's tag.
    pub tag: Tag,
}

/// A state file that cannot be read or written.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// Reading or writing it failed.
    #[error("{op} {}: {error}", path.display())]
    Io {
        /// `reading` or `writing`.
        op: &'static str,
        /// The file.
        path: PathBuf,
        /// Why.
        error: io::Error,
    },
    /// It is not a state file.
    #[error("{}: not a krsictl state file ({message}); remove it to start afresh", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// This boot's id (`/proc/sys/kernel/random/boot_id`).
pub fn boot_id() -> io::Result<String> {
    Ok(fs::read_to_string("/proc/sys/kernel/random/boot_id")?
        .trim()
        .to_string())
}

impl State {
    /// Reads the state file `path`; `None` when there is none.
    pub fn read(path: &Path) -> Result<Option<State>, StateError> {
        let text = match fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(error) => {
                return Err(StateError::Io {
                    op: "reading",
                    path: path.to_path_buf(),
                    error,
                })
            }
        };
        toml::from_str(&text)
            .map(Some)
            .map_err(|e| StateError::Corrupt {
                path: path.to_path_buf(),
                message: e.message().trim_end().to_string(),
            })
    }

    /// The records of this state, if it belongs to boot `boot_id`; none otherwise.
    pub fn records_for(&self, boot_id: &str) -> &[Record] {
        if self.boot_id == boot_id {
            &self.records
        } else {
            &[]
        }
    }

    /// Writes the state to `path`, replacing the file at once (a new file renamed over it),
    /// mode 0600; creates its directory (mode 0700) if needed.
    pub fn write(&self, path: &Path) -> Result<(), StateError> {
        let io_err = |error| StateError::Io {
            op: "writing",
            path: path.to_path_buf(),
            error,
        };
        let text = toml::to_string(self).map_err(|e| io_err(io::Error::other(e)))?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .map_err(io_err)?;
        }
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".new");
        let tmp = PathBuf::from(tmp);
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)
            .map_err(io_err)?;
        file.write_all(text.as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(io_err)?;
        fs::rename(&tmp, path).map_err(io_err)
    }
}

/// A program in a hook's run order, as a plan names it: one running now, or the one an earlier
/// step of the plan attaches for an entry (by its index in the hook's entries).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    /// The running program with this id.
    Id(u32),
    /// The program attached for this entry by an earlier step.
    Entry(usize),
}

/// Where an attach puts its program; [`Slot`]s are resolved to ids when the step runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Anchor {
    /// Before every program.
    First,
    /// After every program (a plain append, which a sealed hook allows).
    Last,
    /// Right before this program.
    Before(Slot),
    /// Right after this program.
    After(Slot),
}

/// Why a step detaches a program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DetachReason {
    /// An earlier apply attached it for the entry of this name, which the file no longer has.
    Removed(String),
    /// The file does not list it and the hook is `exclusive`.
    NotListed,
}

/// Why a step attaches an entry's program anew in place of its running one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MoveReason {
    /// Its cgroup scope changed (a replace keeps the scope).
    Scope,
    /// It runs out of the file's order.
    Order,
}

/// One change. `hook` names the hook, `entry` the index of an entry in the hook's
/// [`DesiredHook::entries`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Attach the entry's program at `at`, with the entry's mode, logging and scope.
    Attach {
        /// The hook.
        hook: String,
        /// The entry.
        entry: usize,
        /// Where.
        at: Anchor,
    },
    /// Replace program `id` by the entry's, in its place (it keeps `id`'s mode, logging,
    /// manual disable and scope).
    Replace {
        /// The hook.
        hook: String,
        /// The entry.
        entry: usize,
        /// The program replaced.
        id: u32,
    },
    /// Attach the entry's program at `at`, then detach program `id`, the entry's running one:
    /// there is no moment without the entry's policy.
    Move {
        /// The hook.
        hook: String,
        /// The entry.
        entry: usize,
        /// Its running program.
        id: u32,
        /// Where the new one goes.
        at: Anchor,
        /// Why.
        why: MoveReason,
    },
    /// Switch the entry's program to `mode`.
    SetMode {
        /// The hook.
        hook: String,
        /// The entry.
        entry: usize,
        /// Its program.
        slot: Slot,
        /// The mode.
        mode: Mode,
    },
    /// Record the denials of the entry's program in the audit log, or not.
    SetLog {
        /// The hook.
        hook: String,
        /// The entry.
        entry: usize,
        /// Its program.
        slot: Slot,
        /// Log or not.
        log: bool,
    },
    /// Run again the entry's program, which was disabled by hand.
    Enable {
        /// The hook.
        hook: String,
        /// The entry.
        entry: usize,
        /// Its program.
        slot: Slot,
    },
    /// Detach program `id` (named `name` in the listing).
    Detach {
        /// The hook.
        hook: String,
        /// The program.
        id: u32,
        /// Its name.
        name: String,
        /// Why.
        why: DetachReason,
    },
    /// Seal the hook.
    Seal {
        /// The hook.
        hook: String,
    },
    /// Lock krsi.
    Lock,
}

impl Step {
    /// The step's operation, as `krsictl apply --json` names it: `attach`, `replace`, `move`,
    /// `mode`, `log`, `enable`, `detach`, `seal` or `lock`.
    pub fn op(&self) -> &'static str {
        match self {
            Step::Attach { .. } => "attach",
            Step::Replace { .. } => "replace",
            Step::Move { .. } => "move",
            Step::SetMode { .. } => "mode",
            Step::SetLog { .. } => "log",
            Step::Enable { .. } => "enable",
            Step::Detach { .. } => "detach",
            Step::Seal { .. } => "seal",
            Step::Lock => "lock",
        }
    }
}

/// What [`plan`] gives: the steps, in the order to take them, the records of the attachments
/// that are the file's entries' (or were, for those the steps detach) before any step, and
/// notes on what the steps leave as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    /// The changes, in order: each hook's attaches, replaces, moves and settings; then every
    /// hook's detaches; then the seals; then the lock.
    pub steps: Vec<Step>,
    /// The records before the steps: entries' running programs, and programs of removed
    /// entries.
    pub records: Vec<Record>,
    /// What the plan leaves alone and why (programs not in the file, disabled by revalidation).
    pub notes: Vec<String>,
}

/// What a seal or the lock forbids, or what the running state cannot give.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// The hook is sealed and the steps would remove, replace, reorder or weaken its programs.
    #[error(
        "{hook} is sealed and its running state differs from the file, which would need: {}",
        changes.join("; ")
    )]
    Sealed {
        /// The hook.
        hook: String,
        /// The steps refused, described.
        changes: Vec<String>,
    },
    /// krsi is locked (which refuses every change) and the running state differs from the
    /// file.
    #[error(
        "krsi is locked and the running state differs from the file, which would need: {}",
        changes.join("; ")
    )]
    Locked {
        /// The steps refused, described.
        changes: Vec<String>,
    },
    /// The entry asks for a mode or logging on a hook whose programs have none.
    #[error(
        "line {line}: entry {entry}: {hook} is not an errno hook, its programs have no mode or \
         log setting (leave mode and log out)"
    )]
    NoSetting {
        /// The hook.
        hook: String,
        /// The entry.
        entry: String,
        /// Its line.
        line: usize,
    },
}

/// The attachment's mode and logging, with an errno hook's defaults where the hook has none.
fn settings(a: &Attachment) -> (Mode, bool) {
    (a.mode.unwrap_or(Mode::Enforce), a.log.unwrap_or(true))
}

/// Whether the running program is the entry's program (same name and tag).
fn same_program(e: &DesiredEntry, r: &RunningAttachment) -> bool {
    r.attachment.name == e.program && r.tag == Some(e.tag)
}

/// Whether the running program has the entry's cgroup scope.
fn same_scope(e: &DesiredEntry, r: &RunningAttachment) -> bool {
    r.attachment.scope.as_ref().map(|s| s.id) == e.cgroup.as_ref().map(|c| c.1)
}

/// Whether the running attachment is exactly the entry's: program, scope, mode and logging.
fn identical(e: &DesiredEntry, r: &RunningAttachment) -> bool {
    same_program(e, r) && same_scope(e, r) && settings(&r.attachment) == (e.mode, e.log)
}

/// The indices of a longest strictly increasing subsequence of `v`.
fn longest_increasing(v: &[usize]) -> Vec<usize> {
    // best[i]: length of the longest one ending at i; prev[i]: the index before i in it.
    let mut best = vec![1usize; v.len()];
    let mut prev = vec![None; v.len()];
    for i in 0..v.len() {
        for j in 0..i {
            if v[j] < v[i] && best[j] + 1 > best[i] {
                best[i] = best[j] + 1;
                prev[i] = Some(j);
            }
        }
    }
    let mut out = Vec::new();
    let mut at = (0..v.len()).max_by_key(|&i| (best[i], std::cmp::Reverse(i)));
    while let Some(i) = at {
        out.push(i);
        at = prev[i];
    }
    out.reverse();
    out
}

/// The run order as the steps so far leave it, to place the next attach.
struct Order(Vec<Slot>);

impl Order {
    fn index(&self, s: Slot) -> usize {
        self.0
            .iter()
            .position(|&x| x == s)
            .expect("a plan's slot is in its order")
    }

    /// Inserts `s` at `at`.
    fn insert(&mut self, at: Anchor, s: Slot) {
        let i = match at {
            Anchor::First => 0,
            Anchor::Last => self.0.len(),
            Anchor::Before(x) => self.index(x),
            Anchor::After(x) => self.index(x) + 1,
        };
        self.0.insert(i, s);
    }

    fn remove(&mut self, s: Slot) {
        let i = self.index(s);
        self.0.remove(i);
    }

    fn replace(&mut self, old: Slot, new: Slot) {
        let i = self.index(old);
        self.0[i] = new;
    }

    /// `After(s)`, or `Last` when `s` is the last program (a plain append).
    fn after(&self, s: Slot) -> Anchor {
        if self.0.last() == Some(&s) {
            Anchor::Last
        } else {
            Anchor::After(s)
        }
    }
}

/// What planning one hook gives.
struct HookPlan {
    steps: Vec<Step>,
    records: Vec<Record>,
    notes: Vec<String>,
}

/// Plans one hook: `want` is the file's (empty for a hook only the state names), `have` its
/// listing, `owned` the state's records of this hook.
fn plan_hook(
    name: &str,
    want: &DesiredHook,
    have: &RunningHook,
    owned: &[&Record],
) -> Result<HookPlan, PlanError> {
    let entries = &want.entries;
    let atts = &have.attachments;
    let mut matched: Vec<Option<usize>> = vec![None; entries.len()];
    let mut taken = vec![false; atts.len()];
    let mut records = Vec::new();
    // Attachments an earlier apply made whose entry the file no longer has.
    let mut removed: Vec<(usize, String)> = Vec::new();
    for r in owned {
        let Some(ai) = atts
            .iter()
            .position(|a| a.attachment.id == r.id && a.tag == Some(r.tag))
        else {
            continue; // detached since, by someone else
        };
        if taken[ai] {
            continue;
        }
        taken[ai] = true;
        records.push((*r).clone());
        match entries.iter().position(|e| e.key == r.entry) {
            Some(ei) if matched[ei].is_none() => matched[ei] = Some(ai),
            _ => removed.push((ai, r.entry.clone())),
        }
    }
    // Entries without a record take an identical attachment no record claims.
    for (ei, e) in entries.iter().enumerate() {
        if matched[ei].is_some() {
            continue;
        }
        if let Some(ai) = (0..atts.len()).find(|&ai| !taken[ai] && identical(e, &atts[ai])) {
            taken[ai] = true;
            matched[ei] = Some(ai);
            records.push(Record {
                hook: name.to_string(),
                entry: e.key.clone(),
                id: atts[ai].attachment.id,
                tag: e.tag,
            });
        }
    }
    // A mode or logging on a hook whose programs have none (known when it has programs).
    if let Some(a) = atts.first().map(|a| &a.attachment) {
        if a.mode.is_none() {
            if let Some(e) = entries
                .iter()
                .find(|e| (e.mode, e.log) != (Mode::Enforce, true))
            {
                return Err(PlanError::NoSetting {
                    hook: name.to_string(),
                    entry: e.key.clone(),
                    line: e.line,
                });
            }
        }
    }

    // The matched entries that keep their place: a longest run of them already in the file's
    // order. The others move.
    let pairs: Vec<(usize, usize)> = (0..entries.len())
        .filter_map(|ei| matched[ei].map(|ai| (ei, ai)))
        .collect();
    let in_place_pairs = longest_increasing(&pairs.iter().map(|p| p.1).collect::<Vec<_>>());
    let mut in_place = vec![false; entries.len()];
    for i in in_place_pairs {
        in_place[pairs[i].0] = true;
    }

    let mut steps = Vec::new();
    let mut notes = Vec::new();
    let mut order = Order(atts.iter().map(|a| Slot::Id(a.attachment.id)).collect());
    // Each entry's program as the steps so far leave it.
    let mut slot: Vec<Option<Slot>> = matched
        .iter()
        .map(|m| m.map(|ai| Slot::Id(atts[ai].attachment.id)))
        .collect();
    let hook = || name.to_string();

    // In place: replace a changed program, switch settings, enable.
    for (ei, e) in entries.iter().enumerate() {
        let Some(ai) = matched[ei] else { continue };
        let r = &atts[ai];
        if !in_place[ei] || !same_scope(e, r) {
            continue; // moved below
        }
        let id = r.attachment.id;
        if !same_program(e, r) {
            steps.push(Step::Replace {
                hook: hook(),
                entry: ei,
                id,
            });
            order.replace(Slot::Id(id), Slot::Entry(ei));
            slot[ei] = Some(Slot::Entry(ei));
        }
        let s = slot[ei].expect("a matched entry has a slot");
        let (mode, log) = settings(&r.attachment);
        if mode != e.mode {
            steps.push(Step::SetMode {
                hook: hook(),
                entry: ei,
                slot: s,
                mode: e.mode,
            });
        }
        if log != e.log {
            steps.push(Step::SetLog {
                hook: hook(),
                entry: ei,
                slot: s,
                log: e.log,
            });
        }
        match (r.attachment.enabled, r.attachment.reason) {
            (true, _) => {}
            (false, None) => steps.push(Step::Enable {
                hook: hook(),
                entry: ei,
                slot: s,
            }),
            (false, Some(reason)) => notes.push(format!(
                "{name}: program {id} of entry {} is disabled by revalidation ({reason}: {}); \
                 it runs again when a revalidation passes",
                e.key,
                reason.describe()
            )),
        }
    }

    // Placed in the file's order: new entries, and those out of order or with another scope.
    for (ei, e) in entries.iter().enumerate() {
        let old = matched[ei].map(|ai| atts[ai].attachment.id);
        let scope_changed = matched[ei].is_some_and(|ai| !same_scope(e, &atts[ai]));
        if in_place[ei] && !scope_changed {
            continue;
        }
        let at = match (old, in_place[ei]) {
            // Another scope, in its place: right before itself.
            (Some(id), true) => Anchor::Before(Slot::Id(id)),
            _ if ei > 0 => order.after(slot[ei - 1].expect("earlier entries are placed")),
            _ => match (1..entries.len()).find(|&k| in_place[k]) {
                Some(k) => Anchor::Before(slot[k].expect("an entry in place has a slot")),
                None if want.position == Placement::First => Anchor::First,
                None => Anchor::Last,
            },
        };
        order.insert(at, Slot::Entry(ei));
        slot[ei] = Some(Slot::Entry(ei));
        steps.push(match old {
            Some(id) => {
                order.remove(Slot::Id(id));
                Step::Move {
                    hook: hook(),
                    entry: ei,
                    id,
                    at,
                    why: if scope_changed {
                        MoveReason::Scope
                    } else {
                        MoveReason::Order
                    },
                }
            }
            None => Step::Attach {
                hook: hook(),
                entry: ei,
                at,
            },
        });
    }

    // Last, the detaches: the file's policy is in place before anything goes.
    for (ai, entry) in removed {
        steps.push(Step::Detach {
            hook: hook(),
            id: atts[ai].attachment.id,
            name: atts[ai].attachment.name.clone(),
            why: DetachReason::Removed(entry),
        });
    }
    let others: Vec<&Attachment> = (0..atts.len())
        .filter(|&ai| !taken[ai])
        .map(|ai| &atts[ai].attachment)
        .collect();
    if want.exclusive {
        for a in others {
            steps.push(Step::Detach {
                hook: hook(),
                id: a.id,
                name: a.name.clone(),
                why: DetachReason::NotListed,
            });
        }
    } else if !others.is_empty() {
        let ids: Vec<String> = others
            .iter()
            .map(|a| format!("{} ({})", a.id, a.name))
            .collect();
        notes.push(format!(
            "{name}: left alone, not in the file: {}",
            ids.join(", ")
        ));
    }
    Ok(HookPlan {
        steps,
        records,
        notes,
    })
}

/// Whether a sealed hook allows `step`: appending, enabling, and settings that only
/// strengthen. A locked krsi allows no change at all.
fn sealed_allows(step: &Step, locked: bool) -> bool {
    !locked
        && matches!(
            step,
            Step::Attach {
                at: Anchor::Last,
                ..
            } | Step::Enable { .. }
                | Step::SetMode {
                    mode: Mode::Enforce,
                    ..
                }
                | Step::SetLog { log: true, .. }
        )
}

/// The steps that make `running` what `desired` asks for, given the `owned` records of earlier
/// applies (of this boot: see [`State::records_for`]).
///
/// Per hook, in this order: programs whose entry changed are replaced in place (`replace`),
/// settings switched (`mode`, `log`), programs disabled by hand enabled; entries not attached
/// yet are attached, and entries out of the file's order or with another cgroup scope attached
/// anew at their place before their old program is detached. Once every hook's are in place,
/// the programs of entries the file no longer has, and on an `exclusive` hook the programs it
/// does not list, are detached (so that an entry moved to another hook is attached there
/// before it goes here). Then the hooks to seal are sealed, then krsi is locked. A hook's entries run in the file's order;
/// placed among other programs by [`DesiredHook::position`], each after the previous one, or
/// before the next one already in place.
///
/// Every hook of `desired` and every hook of `owned` must be in `running`. A sealed hook whose
/// steps it would refuse is a [`PlanError::Sealed`] (and a locked krsi with any step a
/// [`PlanError::Locked`]): the caller must change nothing then.
pub fn plan(desired: &Desired, running: &Running, owned: &[Record]) -> Result<Plan, PlanError> {
    let mut names: Vec<&str> = desired.hooks.keys().map(String::as_str).collect();
    names.extend(owned.iter().map(|r| r.hook.as_str()));
    names.sort_unstable();
    names.dedup();
    let mut out = Plan::default();
    let mut detaches = Vec::new();
    let mut seals = Vec::new();
    let none = DesiredHook::default();
    let empty = RunningHook::default();
    let mut refused = Vec::new();
    for name in names {
        let want = desired.hooks.get(name).unwrap_or(&none);
        let have = running.hooks.get(name).unwrap_or(&empty);
        let mine: Vec<&Record> = owned.iter().filter(|r| r.hook == name).collect();
        let hp = plan_hook(name, want, have, &mine)?;
        if have.sealed {
            let changes: Vec<String> = hp
                .steps
                .iter()
                .filter(|s| !sealed_allows(s, running.locked))
                .map(|s| describe(s, desired))
                .collect();
            if !changes.is_empty() && !running.locked {
                return Err(PlanError::Sealed {
                    hook: name.to_string(),
                    changes,
                });
            }
            refused.extend(changes);
        }
        if want.seal && !have.sealed {
            seals.push(Step::Seal {
                hook: name.to_string(),
            });
        }
        let (gone, rest): (Vec<Step>, Vec<Step>) = hp
            .steps
            .into_iter()
            .partition(|s| matches!(s, Step::Detach { .. }));
        out.steps.extend(rest);
        detaches.extend(gone);
        out.records.extend(hp.records);
        out.notes.extend(hp.notes);
    }
    if !refused.is_empty() {
        return Err(PlanError::Locked { changes: refused });
    }
    out.steps.extend(detaches);
    out.steps.extend(seals);
    if desired.lock && !running.locked {
        out.steps.push(Step::Lock);
    }
    Ok(out)
}

/// The entry `entry` of `hook` in `desired`.
pub fn entry<'a>(desired: &'a Desired, hook: &str, entry: usize) -> &'a DesiredEntry {
    &desired.hooks[hook].entries[entry]
}

/// A slot in words: the program id, or the entry's new program.
fn slot_words(desired: &Desired, hook: &str, s: Slot) -> String {
    match s {
        Slot::Id(id) => id.to_string(),
        Slot::Entry(i) => format!("the new program of {}", entry(desired, hook, i).key),
    }
}

fn anchor_words(desired: &Desired, hook: &str, at: Anchor) -> String {
    match at {
        Anchor::First => "first".into(),
        Anchor::Last => "last".into(),
        Anchor::Before(s) => format!("before {}", slot_words(desired, hook, s)),
        Anchor::After(s) => format!("after {}", slot_words(desired, hook, s)),
    }
}

/// An entry's program and what it is attached with: `b (order_b of OBJ, tag T, mode=audit)`.
fn entry_words(e: &DesiredEntry) -> String {
    let mut w = format!(
        "{} ({} of {}, tag {}",
        e.key,
        e.program,
        e.object.display(),
        e.tag
    );
    if e.mode != Mode::Enforce {
        w.push_str(&format!(", mode={}", e.mode));
    }
    if !e.log {
        w.push_str(", log=0");
    }
    if let Some((dir, _)) = &e.cgroup {
        w.push_str(&format!(", cgroup={}", dir.display()));
    }
    w.push(')');
    w
}

/// A step in words, as `krsictl apply` prints it: `HOOK: VERB ...`.
pub fn describe(step: &Step, desired: &Desired) -> String {
    match step {
        Step::Attach { hook, entry: i, at } => format!(
            "{hook}: attach {} {}",
            entry_words(entry(desired, hook, *i)),
            anchor_words(desired, hook, *at)
        ),
        Step::Replace { hook, entry: i, id } => format!(
            "{hook}: replace {id} by {} in its place",
            entry_words(entry(desired, hook, *i))
        ),
        Step::Move {
            hook,
            entry: i,
            id,
            at,
            why,
        } => format!(
            "{hook}: attach {} {}, then detach {id} ({})",
            entry_words(entry(desired, hook, *i)),
            anchor_words(desired, hook, *at),
            match why {
                MoveReason::Scope => "its cgroup scope changed",
                MoveReason::Order => "out of the file's order",
            }
        ),
        Step::SetMode {
            hook,
            entry: i,
            slot,
            mode,
        } => format!(
            "{hook}: mode {} {mode} (entry {})",
            slot_words(desired, hook, *slot),
            entry(desired, hook, *i).key
        ),
        Step::SetLog {
            hook,
            entry: i,
            slot,
            log,
        } => format!(
            "{hook}: log {} {} (entry {})",
            slot_words(desired, hook, *slot),
            u8::from(*log),
            entry(desired, hook, *i).key
        ),
        Step::Enable {
            hook,
            entry: i,
            slot,
        } => format!(
            "{hook}: enable {} (entry {}, disabled by hand)",
            slot_words(desired, hook, *slot),
            entry(desired, hook, *i).key
        ),
        Step::Detach {
            hook,
            id,
            name,
            why,
        } => format!(
            "{hook}: detach {id} ({name}: {})",
            match why {
                DetachReason::Removed(e) => format!("entry {e} is no longer in the file"),
                DetachReason::NotListed => "not in the file, and the hook is exclusive".into(),
            }
        ),
        Step::Seal { hook } => format!("{hook}: seal"),
        Step::Lock => "lock krsi".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Scope;

    const PATH: &str = "/etc/krsi/policy.toml";

    fn parse(text: &str) -> Result<Policy, PolicyError> {
        Policy::parse(text, Path::new(PATH))
    }

    /// The line a policy error names.
    fn line(e: PolicyError) -> (usize, String) {
        match e {
            PolicyError::Line { line, message, .. } => (line, message),
            e => panic!("no line: {e}"),
        }
    }

    #[test]
    fn a_good_file_parses() {
        let p = parse(
            r#"
lock = true

[hooks.file_open]
seal = true
exclusive = true
position = "first"

[[attachment]]
hook = "file_open"
object = "objs/a.bpf.o"
program = "order_a"

[[attachment]]
hook = "file_open"
object = "/usr/lib/krsi/b.bpf.o"
name = "b"
mode = "audit"
log = false
cgroup = "/sys/fs/cgroup/web"

[[attachment]]
hook = "task_kill"
object = "k.bpf.o"
"#,
        )
        .unwrap();
        assert!(p.lock);
        assert_eq!(
            p.hooks["file_open"],
            HookPolicy {
                seal: true,
                exclusive: true,
                position: Placement::First,
                line: 4
            }
        );
        assert_eq!(p.entries.len(), 3);
        assert_eq!(
            p.entries[0],
            Entry {
                hook: "file_open".into(),
                object: "/etc/krsi/objs/a.bpf.o".into(),
                program: Some("order_a".into()),
                name: None,
                mode: Mode::Enforce,
                log: true,
                cgroup: None,
                line: 9,
            }
        );
        let b = &p.entries[1];
        assert_eq!(b.object, Path::new("/usr/lib/krsi/b.bpf.o"));
        assert_eq!((b.key(), b.mode, b.log), (Some("b"), Mode::Audit, false));
        assert_eq!(b.cgroup.as_deref(), Some(Path::new("/sys/fs/cgroup/web")));
        assert_eq!(b.line, 14);
        assert_eq!(p.entries[2].key(), None);
        assert_eq!(p.hook_names(), ["file_open", "task_kill"]);
        // An empty file is an empty policy.
        assert_eq!(parse("").unwrap(), Policy::default());
    }

    #[test]
    fn the_example_policy_parses() {
        let text = include_str!("../../policy.example.toml");
        let p = parse(text).unwrap();
        assert!(!p.entries.is_empty());
        assert!(p.entries.iter().all(|e| e.object.is_absolute()));
    }

    #[test]
    fn malformed_files_name_the_line() {
        // TOML syntax.
        let (l, m) =
            line(parse("[[attachment]]\nhook = \"file_open\"\nobject = a.o\n").unwrap_err());
        assert_eq!(l, 3, "{m}");
        // Unknown keys, at the top, in a hook table and in an entry.
        let (l, m) = line(parse("lock = true\nlocked = true\n").unwrap_err());
        assert_eq!(l, 2);
        assert!(m.contains("unknown field `locked`"), "{m}");
        let (l, m) = line(parse("[hooks.file_open]\nseal = true\nsealed = true\n").unwrap_err());
        assert_eq!(l, 3);
        assert!(m.contains("unknown field `sealed`"), "{m}");
        let text = "[[attachment]]\nhook = \"file_open\"\nobject = \"a.o\"\n\n\
                    [[attachment]]\nhook = \"file_open\"\nobject = \"b.o\"\nmodee = \"audit\"\n";
        let (l, m) = line(parse(text).unwrap_err());
        assert_eq!(l, 8);
        assert!(m.contains("unknown field `modee`"), "{m}");
        // Values of the wrong kind.
        let (l, m) = line(
            parse("[[attachment]]\nhook = \"file_open\"\nobject = \"a.o\"\nmode = \"learn\"\n")
                .unwrap_err(),
        );
        assert_eq!(l, 4);
        assert!(m.contains("enforce") && m.contains("audit"), "{m}");
        let (l, _) = line(parse("lock = \"yes\"\n").unwrap_err());
        assert_eq!(l, 1);
        let (l, m) = line(parse("[hooks.file_open]\nposition = \"middle\"\n").unwrap_err());
        assert_eq!(l, 2);
        assert!(m.contains("first"), "{m}");
        // A missing key.
        let (l, m) = line(parse("\n[[attachment]]\nhook = \"file_open\"\n").unwrap_err());
        assert_eq!(l, 2);
        assert!(m.contains("missing field `object`"), "{m}");
    }

    #[test]
    fn entries_that_do_not_fit_name_the_line() {
        let (l, m) =
            line(parse("[[attachment]]\nhook = \"status\"\nobject = \"a.o\"\n").unwrap_err());
        assert_eq!(l, 2, "{m}");
        let (l, _) = line(parse("[[attachment]]\nhook = \"a/b\"\nobject = \"a.o\"\n").unwrap_err());
        assert_eq!(l, 2);
        let (l, _) = line(parse("[hooks.control]\nseal = true\n").unwrap_err());
        assert_eq!(l, 1);
        let (l, m) = line(
            parse("[[attachment]]\nhook = \"file_open\"\nobject = \"a.o\"\ncgroup = \"web\"\n")
                .unwrap_err(),
        );
        assert_eq!(l, 4);
        assert!(m.contains("not an absolute path"), "{m}");
        let (l, _) =
            line(parse("[[attachment]]\nhook = \"file_open\"\nobject = \"\"\n").unwrap_err());
        assert_eq!(l, 3);
        // Two entries of a hook with one name; on two hooks it is fine.
        let text = "[[attachment]]\nhook = \"file_open\"\nobject = \"a.o\"\nprogram = \"p\"\n\
                    [[attachment]]\nhook = \"file_open\"\nobject = \"b.o\"\nname = \"p\"\n";
        let (l, m) = line(parse(text).unwrap_err());
        assert_eq!(l, 5);
        assert!(m.contains("first is at line 1"), "{m}");
        let text = "[[attachment]]\nhook = \"file_open\"\nobject = \"a.o\"\nprogram = \"p\"\n\
                    [[attachment]]\nhook = \"task_kill\"\nobject = \"b.o\"\nprogram = \"p\"\n";
        assert_eq!(parse(text).unwrap().entries.len(), 2);
    }

    #[test]
    fn desired_names_entries_after_their_program() {
        let text = "[[attachment]]\nhook = \"file_open\"\nobject = \"a.o\"\n\
                    [[attachment]]\nhook = \"file_open\"\nobject = \"b.o\"\n";
        let p = parse(text).unwrap();
        let loaded = |program: &str| Loaded {
            program: program.into(),
            name: program.into(),
            tag: Tag([1; 8]),
            cgroup: None,
        };
        let d = p
            .desired(Path::new(PATH), &[loaded("x"), loaded("y")])
            .unwrap();
        let keys: Vec<&str> = d.hooks["file_open"]
            .entries
            .iter()
            .map(|e| e.key.as_str())
            .collect();
        assert_eq!(keys, ["x", "y"]);
        // The same program twice, unnamed: the second entry's line.
        let e = p
            .desired(Path::new(PATH), &[loaded("x"), loaded("x")])
            .unwrap_err();
        assert_eq!(line(e).0, 4);
    }

    #[test]
    fn tags_read_and_write_as_hex() {
        let t: Tag = "0123456789abcdef".parse().unwrap();
        assert_eq!(t, Tag::from(0x0123_4567_89ab_cdef_u64));
        assert_eq!(t.to_string(), "0123456789abcdef");
        assert!("0123".parse::<Tag>().is_err());
        assert!("0123456789abcdeg".parse::<Tag>().is_err());
    }

    #[test]
    fn the_state_round_trips() {
        let s = State {
            boot_id: "b".into(),
            records: vec![Record {
                hook: "file_open".into(),
                entry: "a".into(),
                id: 7,
                tag: Tag([0xab; 8]),
            }],
        };
        let dir = std::env::temp_dir().join(format!("krsi-state-test-{}", std::process::id()));
        let path = dir.join("sub/state.toml");
        assert_eq!(State::read(&path).unwrap(), None);
        s.write(&path).unwrap();
        let back = State::read(&path).unwrap().unwrap();
        assert_eq!(back, s);
        assert_eq!(back.records_for("b").len(), 1);
        assert!(back.records_for("another boot").is_empty());
        fs::write(&path, "boot_id = 1\n").unwrap();
        assert!(matches!(
            State::read(&path),
            Err(StateError::Corrupt { .. })
        ));
        fs::remove_dir_all(&dir).unwrap();
    }

    // The planner.

    fn tag(n: u8) -> Tag {
        Tag([n; 8])
    }

    /// An entry `key` for program `program` with tag `t`.
    fn want(key: &str, program: &str, t: u8) -> DesiredEntry {
        DesiredEntry {
            key: key.into(),
            program: program.into(),
            object: "/o.bpf.o".into(),
            tag: tag(t),
            mode: Mode::Enforce,
            log: true,
            cgroup: None,
            line: 1,
            source: 0,
        }
    }

    /// A running program on an errno hook.
    fn att(id: u32, name: &str, t: u8) -> RunningAttachment {
        RunningAttachment {
            attachment: Attachment {
                id,
                name: name.into(),
                runs: 0,
                denied: Some(0),
                answered_true: None,
                sleepable: false,
                audited: Some(0),
                mode: Some(Mode::Enforce),
                log: Some(true),
                enabled: true,
                reason: None,
                scope: None,
            },
            tag: Some(tag(t)),
        }
    }

    fn rec(hook: &str, entry: &str, id: u32, t: u8) -> Record {
        Record {
            hook: hook.into(),
            entry: entry.into(),
            id,
            tag: tag(t),
        }
    }

    fn desired(hook: &str, entries: Vec<DesiredEntry>) -> Desired {
        let mut d = Desired::default();
        d.hooks.insert(
            hook.into(),
            DesiredHook {
                entries,
                ..Default::default()
            },
        );
        d
    }

    fn running(hook: &str, attachments: Vec<RunningAttachment>) -> Running {
        let mut r = Running::default();
        r.hooks.insert(
            hook.into(),
            RunningHook {
                sealed: false,
                attachments,
            },
        );
        r
    }

    /// Runs `plan`'s steps on `running` as krsi would, giving new programs ids from 100 and the
    /// new records; so that a plan can be applied and planned again.
    fn apply(
        desired: &Desired,
        running: &mut Running,
        plan: &Plan,
        next_id: &mut u32,
    ) -> Vec<Record> {
        let mut records = plan.records.clone();
        let mut ids: BTreeMap<(String, usize), u32> = BTreeMap::new();
        for step in &plan.steps {
            let resolve = |hook: &str, ids: &BTreeMap<(String, usize), u32>, s: Slot| match s {
                Slot::Id(id) => id,
                Slot::Entry(i) => ids[&(hook.to_string(), i)],
            };
            let new_att = |e: &DesiredEntry, id: u32| {
                let mut a = att(id, &e.program, e.tag.0[0]);
                a.attachment.mode = Some(e.mode);
                a.attachment.log = Some(e.log);
                a.attachment.scope = e.cgroup.as_ref().map(|c| Scope {
                    id: c.1,
                    path: Some(c.0.display().to_string()),
                });
                a
            };
            match step {
                Step::Attach { hook, entry: i, at }
                | Step::Move {
                    hook, entry: i, at, ..
                } => {
                    let e = entry(desired, hook, *i);
                    let id = *next_id;
                    *next_id += 1;
                    let list = &mut running.hooks.get_mut(hook).unwrap().attachments;
                    let pos = |x: u32| list.iter().position(|a| a.attachment.id == x).unwrap();
                    let at = match *at {
                        Anchor::First => 0,
                        Anchor::Last => list.len(),
                        Anchor::Before(s) => pos(resolve(hook, &ids, s)),
                        Anchor::After(s) => pos(resolve(hook, &ids, s)) + 1,
                    };
                    list.insert(at, new_att(e, id));
                    if let Step::Move { id: old, .. } = step {
                        list.retain(|a| a.attachment.id != *old);
                        records.retain(|r| r.id != *old);
                    }
                    ids.insert((hook.clone(), *i), id);
                    records.push(rec(hook, &e.key, id, e.tag.0[0]));
                }
                Step::Replace { hook, entry: i, id } => {
                    let e = entry(desired, hook, *i);
                    let list = &mut running.hooks.get_mut(hook).unwrap().attachments;
                    let a = list.iter_mut().find(|a| a.attachment.id == *id).unwrap();
                    let new = *next_id;
                    *next_id += 1;
                    a.attachment.id = new;
                    a.attachment.name = e.program.clone();
                    a.tag = Some(e.tag);
                    records.retain(|r| r.id != *id);
                    ids.insert((hook.clone(), *i), new);
                    records.push(rec(hook, &e.key, new, e.tag.0[0]));
                }
                Step::SetMode {
                    hook, slot, mode, ..
                } => {
                    let id = resolve(hook, &ids, *slot);
                    let list = &mut running.hooks.get_mut(hook).unwrap().attachments;
                    let a = list.iter_mut().find(|a| a.attachment.id == id).unwrap();
                    a.attachment.mode = Some(*mode);
                }
                Step::SetLog {
                    hook, slot, log, ..
                } => {
                    let id = resolve(hook, &ids, *slot);
                    let list = &mut running.hooks.get_mut(hook).unwrap().attachments;
                    let a = list.iter_mut().find(|a| a.attachment.id == id).unwrap();
                    a.attachment.log = Some(*log);
                }
                Step::Enable { hook, slot, .. } => {
                    let id = resolve(hook, &ids, *slot);
                    let list = &mut running.hooks.get_mut(hook).unwrap().attachments;
                    let a = list.iter_mut().find(|a| a.attachment.id == id).unwrap();
                    a.attachment.enabled = true;
                }
                Step::Detach { hook, id, .. } => {
                    let list = &mut running.hooks.get_mut(hook).unwrap().attachments;
                    list.retain(|a| a.attachment.id != *id);
                    records.retain(|r| r.id != *id);
                }
                Step::Seal { hook } => running.hooks.get_mut(hook).unwrap().sealed = true,
                Step::Lock => {
                    running.locked = true;
                    running.hooks.values_mut().for_each(|h| h.sealed = true);
                }
            }
        }
        records
    }

    /// The ids and names of a hook's running programs, in run order.
    fn listing(r: &Running, hook: &str) -> Vec<(u32, String)> {
        r.hooks[hook]
            .attachments
            .iter()
            .map(|a| (a.attachment.id, a.attachment.name.clone()))
            .collect()
    }

    fn ops(p: &Plan) -> Vec<&'static str> {
        p.steps.iter().map(Step::op).collect()
    }

    /// Plans and applies `d` to `r` with `records`; returns the plan and the new records.
    fn converge(
        d: &Desired,
        r: &mut Running,
        records: &[Record],
        next: &mut u32,
    ) -> (Plan, Vec<Record>) {
        let p = plan(d, r, records).unwrap();
        let recs = apply(d, r, &p, next);
        (p, recs)
    }

    #[test]
    fn a_new_policy_attaches_in_the_files_order_after_the_others() {
        let d = desired(
            "file_open",
            vec![
                want("a", "order_a", 1),
                want("b", "order_b", 2),
                want("c", "order_c", 3),
            ],
        );
        let mut r = running("file_open", vec![att(5, "foreign", 9)]);
        let p = plan(&d, &r, &[]).unwrap();
        assert_eq!(
            p.steps,
            [
                Step::Attach {
                    hook: "file_open".into(),
                    entry: 0,
                    at: Anchor::Last
                },
                Step::Attach {
                    hook: "file_open".into(),
                    entry: 1,
                    at: Anchor::Last
                },
                Step::Attach {
                    hook: "file_open".into(),
                    entry: 2,
                    at: Anchor::Last
                },
            ]
        );
        assert_eq!(
            p.notes,
            ["file_open: left alone, not in the file: 5 (foreign)"]
        );
        let mut next = 100;
        let recs = apply(&d, &mut r, &p, &mut next);
        assert_eq!(
            listing(&r, "file_open"),
            [
                (5, "foreign".into()),
                (100, "order_a".into()),
                (101, "order_b".into()),
                (102, "order_c".into())
            ]
        );
        assert_eq!(recs.len(), 3);
        // position = "first": before the others, in the file's order.
        let mut d = d;
        d.hooks.get_mut("file_open").unwrap().position = Placement::First;
        let mut r = running("file_open", vec![att(5, "foreign", 9)]);
        let p = plan(&d, &r, &[]).unwrap();
        assert!(matches!(
            p.steps[0],
            Step::Attach {
                at: Anchor::First,
                ..
            }
        ));
        assert!(matches!(
            p.steps[1],
            Step::Attach {
                at: Anchor::After(Slot::Entry(0)),
                ..
            }
        ));
        apply(&d, &mut r, &p, &mut next);
        let names: Vec<String> = listing(&r, "file_open").into_iter().map(|x| x.1).collect();
        assert_eq!(names, ["order_a", "order_b", "order_c", "foreign"]);
    }

    #[test]
    fn applying_twice_changes_nothing() {
        let mut d = desired(
            "file_open",
            vec![want("a", "order_a", 1), want("b", "order_b", 2)],
        );
        d.hooks.get_mut("file_open").unwrap().entries[1].mode = Mode::Audit;
        d.hooks.get_mut("file_open").unwrap().seal = true;
        let mut r = running("file_open", vec![att(5, "foreign", 9)]);
        let mut next = 100;
        let (p, recs) = converge(&d, &mut r, &[], &mut next);
        assert_eq!(ops(&p), ["attach", "attach", "seal"]);
        let before = r.clone();
        let p = plan(&d, &r, &recs).unwrap();
        assert_eq!(p.steps, []);
        assert_eq!(p.records.len(), 2);
        assert_eq!(r, before);
        // Without the state, the identical attachments are recognised: still nothing to do.
        let p = plan(&d, &r, &[]).unwrap();
        assert_eq!(p.steps, []);
        assert_eq!(p.records.len(), 2);
    }

    #[test]
    fn a_changed_program_is_replaced_in_place_and_nothing_else() {
        let d1 = desired(
            "file_open",
            vec![
                want("a", "order_a", 1),
                want("b", "order_b", 2),
                want("c", "order_c", 3),
            ],
        );
        let mut r = running("file_open", vec![att(5, "foreign", 9)]);
        let mut next = 100;
        let (_, recs) = converge(&d1, &mut r, &[], &mut next);
        // Entry b now loads another program (another tag), in audit mode.
        let mut d2 = d1.clone();
        let b = &mut d2.hooks.get_mut("file_open").unwrap().entries[1];
        *b = want("b", "order_x", 4);
        let p = plan(&d2, &r, &recs).unwrap();
        assert_eq!(
            p.steps,
            [Step::Replace {
                hook: "file_open".into(),
                entry: 1,
                id: 101
            }]
        );
        let recs = apply(&d2, &mut r, &p, &mut next);
        assert_eq!(
            listing(&r, "file_open"),
            [
                (5, "foreign".into()),
                (100, "order_a".into()),
                (103, "order_x".into()),
                (102, "order_c".into())
            ]
        );
        // A changed mode is a mode switch of the same program.
        let mut d3 = d2.clone();
        d3.hooks.get_mut("file_open").unwrap().entries[1].mode = Mode::Audit;
        let p = plan(&d3, &r, &recs).unwrap();
        assert_eq!(
            p.steps,
            [Step::SetMode {
                hook: "file_open".into(),
                entry: 1,
                slot: Slot::Id(103),
                mode: Mode::Audit
            }]
        );
        // A new program and quiet: replace, then the switch on the new program.
        let mut d4 = d1.clone();
        d4.hooks.get_mut("file_open").unwrap().entries[1].log = false;
        let p = plan(&d4, &r, &recs).unwrap();
        assert_eq!(ops(&p), ["replace", "log"]);
        assert!(matches!(
            p.steps[1],
            Step::SetLog {
                slot: Slot::Entry(1),
                log: false,
                ..
            }
        ));
    }

    #[test]
    fn a_removed_entry_is_detached_and_foreign_programs_stay() {
        let d1 = desired(
            "file_open",
            vec![want("a", "order_a", 1), want("b", "order_b", 2)],
        );
        let mut r = running("file_open", vec![att(5, "foreign", 9)]);
        let mut next = 100;
        let (_, recs) = converge(&d1, &mut r, &[], &mut next);
        // A foreign copy of a's program, attached by hand later: identical, but not the
        // entry's, which the state says is 100.
        r.hooks
            .get_mut("file_open")
            .unwrap()
            .attachments
            .push(att(7, "order_a", 1));
        let d2 = desired("file_open", vec![want("a", "order_a", 1)]);
        let p = plan(&d2, &r, &recs).unwrap();
        assert_eq!(
            p.steps,
            [Step::Detach {
                hook: "file_open".into(),
                id: 101,
                name: "order_b".into(),
                why: DetachReason::Removed("b".into())
            }]
        );
        assert_eq!(
            p.notes,
            ["file_open: left alone, not in the file: 5 (foreign), 7 (order_a)"]
        );
        // A hook the file no longer names: its entries' programs are detached all the same.
        let p = plan(&Desired::default(), &r, &recs).unwrap();
        assert_eq!(ops(&p), ["detach", "detach"]);
        // A record whose program is gone, or whose id now has another tag, claims nothing.
        let stale = [rec("file_open", "a", 5, 1), rec("file_open", "z", 42, 1)];
        let p = plan(&d2, &r, &stale).unwrap();
        assert_eq!(p.steps, []);
        assert_eq!(p.records, [rec("file_open", "a", 100, 1)]);
    }

    #[test]
    fn an_entry_moved_to_another_hook_is_attached_there_before_it_goes() {
        let d1 = desired("file_open", vec![want("k", "deny_open", 1)]);
        let mut r = running("file_open", vec![]);
        r.hooks.insert("task_kill".into(), RunningHook::default());
        let mut next = 100;
        let (_, recs) = converge(&d1, &mut r, &[], &mut next);
        // file_open comes first, but its detach waits for task_kill's attach.
        let d2 = desired("task_kill", vec![want("k", "deny_kill", 2)]);
        let p = plan(&d2, &r, &recs).unwrap();
        assert_eq!(ops(&p), ["attach", "detach"]);
        assert!(matches!(&p.steps[0], Step::Attach { hook, .. } if hook == "task_kill"));
        assert!(matches!(&p.steps[1], Step::Detach { hook, id: 100, .. } if hook == "file_open"));
    }

    #[test]
    fn an_exclusive_hook_detaches_what_the_file_does_not_list() {
        let mut d = desired("file_open", vec![want("a", "order_a", 1)]);
        d.hooks.get_mut("file_open").unwrap().exclusive = true;
        let mut r = running("file_open", vec![att(5, "foreign", 9), att(6, "other", 8)]);
        let mut next = 100;
        let (p, recs) = converge(&d, &mut r, &[], &mut next);
        assert_eq!(ops(&p), ["attach", "detach", "detach"]);
        // The policy is attached before the others go.
        assert!(matches!(
            p.steps[0],
            Step::Attach {
                at: Anchor::Last,
                ..
            }
        ));
        assert_eq!(listing(&r, "file_open"), [(100, "order_a".into())]);
        assert_eq!(plan(&d, &r, &recs).unwrap().steps, []);
        // exclusive with no entry: the hook must be empty.
        let mut d = Desired::default();
        d.hooks.insert(
            "file_open".into(),
            DesiredHook {
                exclusive: true,
                ..Default::default()
            },
        );
        let p = plan(&d, &r, &[]).unwrap();
        assert_eq!(ops(&p), ["detach"]);
    }

    #[test]
    fn seal_and_lock_come_last() {
        let mut d = desired("task_kill", vec![want("k", "deny_kill", 1)]);
        d.hooks.insert(
            "file_open".into(),
            DesiredHook {
                seal: true,
                entries: vec![want("a", "order_a", 2)],
                ..Default::default()
            },
        );
        d.hooks.get_mut("task_kill").unwrap().seal = true;
        d.lock = true;
        let mut r = running("task_kill", vec![]);
        r.hooks.insert("file_open".into(), RunningHook::default());
        let mut next = 100;
        let (p, recs) = converge(&d, &mut r, &[], &mut next);
        assert_eq!(ops(&p), ["attach", "attach", "seal", "seal", "lock"]);
        assert_eq!(p.steps[4], Step::Lock);
        assert_eq!(describe(&p.steps[4], &d), "lock krsi");
        assert_eq!(describe(&p.steps[2], &d), "file_open: seal");
        // Locked and the same: nothing to do, no error.
        assert_eq!(plan(&d, &r, &recs).unwrap().steps, []);
        // Locked and different: refused, saying what would change.
        let mut d2 = d.clone();
        d2.hooks.get_mut("task_kill").unwrap().entries[0].tag = tag(7);
        let e = plan(&d2, &r, &recs).unwrap_err();
        assert!(
            matches!(e, PlanError::Locked { ref changes } if changes.len() == 1),
            "{e}"
        );
        assert!(e.to_string().contains("task_kill: replace 101 by k"), "{e}");
        // Even what a seal allows: a lock refuses every change.
        let mut r2 = r.clone();
        r2.hooks.get_mut("file_open").unwrap().attachments[0]
            .attachment
            .enabled = false;
        assert_eq!(
            plan(&d, &r2, &recs),
            Err(PlanError::Locked {
                changes: vec!["file_open: enable 100 (entry a, disabled by hand)".into()]
            })
        );
    }

    #[test]
    fn a_sealed_hook_refuses_what_would_weaken_it_and_allows_appends() {
        let d1 = desired("task_kill", vec![want("k", "deny_kill", 1)]);
        let mut r = running("task_kill", vec![]);
        let mut next = 100;
        let (_, recs) = converge(&d1, &mut r, &[], &mut next);
        r.hooks.get_mut("task_kill").unwrap().sealed = true;
        // A changed program: refused, with what it would take.
        let mut d2 = d1.clone();
        d2.hooks.get_mut("task_kill").unwrap().entries[0].tag = tag(2);
        let e = plan(&d2, &r, &recs).unwrap_err();
        assert_eq!(
            e.to_string(),
            "task_kill is sealed and its running state differs from the file, which would need: \
             task_kill: replace 100 by k (deny_kill of /o.bpf.o, tag 0202020202020202) in its \
             place"
        );
        // Audit-only weakens: refused.
        let mut d3 = d1.clone();
        d3.hooks.get_mut("task_kill").unwrap().entries[0].mode = Mode::Audit;
        assert!(matches!(
            plan(&d3, &r, &recs),
            Err(PlanError::Sealed { .. })
        ));
        // Removing the entry: refused.
        assert!(matches!(
            plan(&Desired::default(), &r, &recs),
            Err(PlanError::Sealed { .. })
        ));
        // A new entry after the last program is a plain append: allowed.
        let mut d4 = d1.clone();
        d4.hooks
            .get_mut("task_kill")
            .unwrap()
            .entries
            .push(want("k2", "deny_kill2", 3));
        let p = plan(&d4, &r, &recs).unwrap();
        assert_eq!(
            p.steps,
            [Step::Attach {
                hook: "task_kill".into(),
                entry: 1,
                at: Anchor::Last
            }]
        );
        // Enabling a program disabled by hand is allowed too.
        let mut r2 = r.clone();
        r2.hooks.get_mut("task_kill").unwrap().attachments[0]
            .attachment
            .enabled = false;
        assert_eq!(ops(&plan(&d1, &r2, &recs).unwrap()), ["enable"]);
        // A new entry before it is not.
        let mut d5 = d1.clone();
        d5.hooks
            .get_mut("task_kill")
            .unwrap()
            .entries
            .insert(0, want("k0", "deny_kill0", 3));
        assert!(matches!(
            plan(&d5, &r, &recs),
            Err(PlanError::Sealed { .. })
        ));
    }

    #[test]
    fn reordering_moves_the_fewest_programs() {
        let d1 = desired(
            "file_open",
            vec![
                want("a", "order_a", 1),
                want("b", "order_b", 2),
                want("c", "order_c", 3),
                want("d", "order_d", 4),
            ],
        );
        let mut r = running("file_open", vec![att(5, "foreign", 9)]);
        let mut next = 100;
        let (_, recs) = converge(&d1, &mut r, &[], &mut next);
        // d moved to the front: only d moves, before a.
        let mut d2 = d1.clone();
        let e = &mut d2.hooks.get_mut("file_open").unwrap().entries;
        let last = e.pop().unwrap();
        e.insert(0, last);
        let (p, recs) = converge(&d2, &mut r, &recs, &mut next);
        assert_eq!(
            p.steps,
            [Step::Move {
                hook: "file_open".into(),
                entry: 0,
                id: 103,
                at: Anchor::Before(Slot::Id(100)),
                why: MoveReason::Order
            }]
        );
        let names: Vec<String> = listing(&r, "file_open").into_iter().map(|x| x.1).collect();
        assert_eq!(
            names,
            ["foreign", "order_d", "order_a", "order_b", "order_c"]
        );
        assert_eq!(plan(&d2, &r, &recs).unwrap().steps, []);
    }

    #[test]
    fn a_new_scope_attaches_anew_in_place_before_detaching() {
        let d1 = desired(
            "task_setrlimit",
            vec![want("a", "sc_a", 1), want("b", "sc_b", 2)],
        );
        let mut r = running("task_setrlimit", vec![]);
        let mut next = 100;
        let (_, recs) = converge(&d1, &mut r, &[], &mut next);
        let mut d2 = d1.clone();
        d2.hooks.get_mut("task_setrlimit").unwrap().entries[0].cgroup =
            Some(("/sys/fs/cgroup/web".into(), 4021));
        let (p, recs) = converge(&d2, &mut r, &recs, &mut next);
        assert_eq!(
            p.steps,
            [Step::Move {
                hook: "task_setrlimit".into(),
                entry: 0,
                id: 100,
                at: Anchor::Before(Slot::Id(100)),
                why: MoveReason::Scope
            }]
        );
        assert_eq!(
            listing(&r, "task_setrlimit"),
            [(102, "sc_a".into()), (101, "sc_b".into())]
        );
        assert_eq!(plan(&d2, &r, &recs).unwrap().steps, []);
    }

    #[test]
    fn programs_disabled_by_hand_are_enabled_and_by_revalidation_noted() {
        let d = desired(
            "file_open",
            vec![want("a", "order_a", 1), want("b", "order_b", 2)],
        );
        let mut r = running(
            "file_open",
            vec![att(100, "order_a", 1), att(101, "order_b", 2)],
        );
        let list = &mut r.hooks.get_mut("file_open").unwrap().attachments;
        list[0].attachment.enabled = false;
        list[1].attachment.enabled = false;
        list[1].attachment.reason = Some(crate::DisableReason::Lsm);
        let p = plan(&d, &r, &[]).unwrap();
        assert_eq!(
            p.steps,
            [Step::Enable {
                hook: "file_open".into(),
                entry: 0,
                slot: Slot::Id(100)
            }]
        );
        assert!(p.notes[0].contains("program 101 of entry b is disabled by revalidation"));
    }

    #[test]
    fn a_mode_on_a_hook_without_one_is_an_error() {
        let mut d = desired("file_set_fowner", vec![want("v", "fowner_void", 1)]);
        d.hooks.get_mut("file_set_fowner").unwrap().entries[0].mode = Mode::Audit;
        d.hooks.get_mut("file_set_fowner").unwrap().entries[0].line = 12;
        let mut a = att(5, "other", 9);
        (a.attachment.mode, a.attachment.log, a.attachment.denied) = (None, None, None);
        let r = running("file_set_fowner", vec![a]);
        assert_eq!(
            plan(&d, &r, &[]),
            Err(PlanError::NoSetting {
                hook: "file_set_fowner".into(),
                entry: "v".into(),
                line: 12
            })
        );
        // Without a mode, the hook's programs match by program and scope alone.
        d.hooks.get_mut("file_set_fowner").unwrap().entries[0].mode = Mode::Enforce;
        let mut v = att(6, "fowner_void", 1);
        (v.attachment.mode, v.attachment.log) = (None, None);
        let mut r = r;
        r.hooks
            .get_mut("file_set_fowner")
            .unwrap()
            .attachments
            .push(v);
        assert_eq!(plan(&d, &r, &[]).unwrap().steps, []);
    }

    #[test]
    fn steps_read_as_the_cli_prints_them() {
        let mut d = desired(
            "file_open",
            vec![want("a", "order_a", 1), want("b", "order_b", 2)],
        );
        let b = &mut d.hooks.get_mut("file_open").unwrap().entries[1];
        b.mode = Mode::Audit;
        b.cgroup = Some(("/sys/fs/cgroup/web".into(), 9));
        let r = running("file_open", vec![att(5, "foreign", 9)]);
        let p = plan(&d, &r, &[]).unwrap();
        let words: Vec<String> = p.steps.iter().map(|s| describe(s, &d)).collect();
        assert_eq!(
            words,
            [
                "file_open: attach a (order_a of /o.bpf.o, tag 0101010101010101) last",
                "file_open: attach b (order_b of /o.bpf.o, tag 0202020202020202, mode=audit, \
                 cgroup=/sys/fs/cgroup/web) last",
            ]
        );
        let detach = Step::Detach {
            hook: "file_open".into(),
            id: 5,
            name: "foreign".into(),
            why: DetachReason::NotListed,
        };
        assert_eq!(
            describe(&detach, &d),
            "file_open: detach 5 (foreign: not in the file, and the hook is exclusive)"
        );
        let m = Step::SetMode {
            hook: "file_open".into(),
            entry: 1,
            slot: Slot::Entry(1),
            mode: Mode::Enforce,
        };
        assert_eq!(
            describe(&m, &d),
            "file_open: mode the new program of b enforce (entry b)"
        );
    }

    #[test]
    fn longest_increasing_keeps_the_most_in_place() {
        assert_eq!(longest_increasing(&[]), Vec::<usize>::new());
        assert_eq!(longest_increasing(&[1, 2, 3]), [0, 1, 2]);
        assert_eq!(longest_increasing(&[3, 0, 1, 2]), [1, 2, 3]);
        assert_eq!(longest_increasing(&[0, 3, 1, 2]), [0, 2, 3]);
    }
}
