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
//! Programs loaded with aya (or libbpf) attach by file descriptor with [`Hook::attach_fd`].

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, BorrowedFd};
use std::path::{Path, PathBuf};

/// The ioctl ABI, generated from include/uapi/linux/krsi.h.
#[allow(missing_docs, non_camel_case_types)]
pub mod uapi {
    include!(concat!(env!("OUT_DIR"), "/uapi.rs"));
}

/// Where krsi's hook files live.
pub const HOOK_DIR: &str = "/sys/kernel/security/bpf";

/// krsi's control files in [`HOOK_DIR`], which are not hooks.
const CONTROL_FILES: &[&str] = &["status"];

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
    /// `EPERM`: changes need `CAP_MAC_ADMIN` in the initial user namespace.
    #[error("{op}: not permitted: changes need CAP_MAC_ADMIN in the initial user namespace")]
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
    /// `EBADF`: a bad program descriptor, or a hook opened read-only.
    #[error("{op}: bad file descriptor")]
    BadFd {
        /// What was attempted.
        op: String,
    },
    /// A listing line krsi should not have written.
    #[error("unexpected listing line: {0:?}")]
    Parse(String),
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
            Error::AlreadyAttached { .. } => libc::EEXIST,
            Error::HookFull { .. } => libc::E2BIG,
            Error::BadFd { .. } => libc::EBADF,
            Error::Io { source, .. } => return source.raw_os_error(),
            Error::NotActive | Error::NoSuchHook(_) | Error::Parse(_) => return None,
        })
    }
}

/// Result of krsi operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;

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
}

/// Parses a hook file's listing:
/// `<id> name=<name> runs=<n> [denied=<n>|true=<n>] sleepable=<0|1>` per line (void hooks have
/// neither counter).
pub fn parse_listing(text: &str) -> Result<Vec<Attachment>> {
    text.lines()
        .filter(|l| !l.is_empty())
        .map(parse_line)
        .collect()
}

fn parse_line(line: &str) -> Result<Attachment> {
    let bad = || Error::Parse(line.to_string());
    let mut words = line.split(' ');
    let id = words.next().and_then(|w| w.parse().ok()).ok_or_else(bad)?;
    let (mut name, mut runs, mut sleepable) = (None, None, None);
    let (mut denied, mut answered_true) = (None, None);
    for w in words {
        let (k, v) = w.split_once('=').ok_or_else(bad)?;
        match k {
            "name" => name = Some(v.to_string()),
            "runs" => runs = v.parse().ok(),
            "denied" => denied = Some(v.parse().map_err(|_| bad())?),
            "true" => answered_true = Some(v.parse().map_err(|_| bad())?),
            "sleepable" => sleepable = matches!(v, "0" | "1").then(|| v == "1"),
            // Fields a later krsi adds are ignored, as documented.
            _ => {}
        }
    }
    Ok(Attachment {
        id,
        name: name.ok_or_else(bad)?,
        runs: runs.ok_or_else(bad)?,
        denied,
        answered_true,
        sleepable: sleepable.ok_or_else(bad)?,
    })
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
        let mut text = String::new();
        self.file(false)?
            .read_to_string(&mut text)
            .map_err(|e| Error::from_io(format!("reading {}", self.path.display()), e))?;
        parse_listing(&text)
    }

    /// Attaches the program pinned at `pin` (an absolute path in a BPF filesystem) at the end of
    /// the hook's programs; returns its id.
    pub fn attach_pinned(&self, pin: impl AsRef<Path>) -> Result<u32> {
        let pin = pin.as_ref();
        let op = format!("attaching {} to {}", pin.display(), self.name);
        let pin = pin
            .to_str()
            .filter(|p| p.starts_with('/'))
            .ok_or_else(|| Error::Invalid { op: op.clone() })?;
        self.file(true)?
            .write_all(format!("{pin}\n").as_bytes())
            .map_err(|e| Error::from_io(op.clone(), e))?;
        // The program is last in run order now.
        self.list()?
            .last()
            .map(|a| a.id)
            .ok_or(Error::NotFound { op })
    }

    /// Attaches the loaded program of descriptor `prog` (from aya's `ProgramFd` or libbpf) at the
    /// end of the hook's programs; returns its id.
    pub fn attach_fd(&self, prog: BorrowedFd<'_>) -> Result<u32> {
        let op = format!("attaching program fd {} to {}", prog.as_raw_fd(), self.name);
        let file = self.file(true)?;
        let arg = uapi::krsi_attach {
            size: std::mem::size_of::<uapi::krsi_attach>() as u32,
            prog_fd: prog.as_raw_fd(),
            ..Default::default()
        };
        // SAFETY: KRSI_IOC_ATTACH reads one `krsi_attach`, which `arg` is; it returns the id.
        let ret = unsafe { libc::ioctl(file.as_raw_fd(), uapi::KRSI_IOC_ATTACH as _, &arg) };
        if ret < 0 {
            return Err(Error::from_io(op, io::Error::last_os_error()));
        }
        u32::try_from(ret).map_err(|_| Error::Parse(format!("{op}: id {ret}")))
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
                sleepable: false
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
    fn listing_ignores_new_fields_but_not_missing_ones() {
        let l = parse_listing("5 name=x runs=1 denied=0 sleepable=0 mode=audit\n").unwrap();
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
    fn errno_maps_to_typed_errors_and_back() {
        let cases = [
            (libc::EPERM, "CAP_MAC_ADMIN"),
            (libc::EACCES, "permission denied"),
            (libc::EINVAL, "not a BPF LSM program for this hook"),
            (libc::ENOENT, "not found"),
            (libc::EEXIST, "already attached"),
            (libc::E2BIG, "hook full"),
            (libc::EBADF, "bad file descriptor"),
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
        for f in ["task_kill", "status", "file_open"] {
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
        assert_eq!(MAX_PROGS, 64);
    }
}
