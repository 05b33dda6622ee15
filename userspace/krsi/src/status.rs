// SPDX-License-Identifier: GPL-2.0
//! Whether krsi is active and usable here, and if not why and what to do: [`status`].
//!
//! ```no_run
//! # fn main() -> Result<(), krsi::Error> {
//! match krsi::status()? {
//!     krsi::Status::Active(s) => println!("{} programs on {} hooks", s.attachments, s.hooks),
//!     other => eprintln!("{other}"),
//! }
//! # Ok(())
//! # }
//! ```
//!
//! The diagnosis reads only files: krsi's directory, securityfs's list of active LSMs, the
//! kernel's configuration (`/proc/config.gz`, else `/boot/config-<release>`), `/proc/cmdline`,
//! `/proc/self/mounts` and the process's own `/proc/self/status` and `/proc/self/uid_map`. Where
//! it looks is a [`Paths`], so that a tree under another root can stand in for the system's.

use std::fmt;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::{hooks_in, locked_in, overview_in, unescape, Error, Result};

/// `CAP_MAC_ADMIN`'s bit in `/proc/<pid>/status`'s capability masks.
const CAP_MAC_ADMIN: u32 = 33;

/// Where krsi's files and the kernel's facts about it are read.
///
/// [`Paths::default`] is the running system's; [`Paths::under`] the same tree under another
/// root (a chroot, or a fake tree in tests).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Paths {
    /// Where securityfs is mounted (`/sys/kernel/security`): krsi's directory is its `bpf`, the
    /// list of active LSMs its `lsm`.
    pub securityfs: PathBuf,
    /// procfs (`/proc`): `config.gz`, `cmdline`, `sys/kernel/osrelease`, and the process's
    /// `self/mounts`, `self/status` and `self/uid_map`.
    pub proc: PathBuf,
    /// Where kernel configurations are installed (`/boot`): `config-<release>`.
    pub boot: PathBuf,
}

impl Default for Paths {
    fn default() -> Self {
        Paths::under("/")
    }
}

impl Paths {
    /// The system's paths under `root`: `<root>/sys/kernel/security`, `<root>/proc` and
    /// `<root>/boot`.
    pub fn under(root: impl AsRef<Path>) -> Self {
        let root = root.as_ref();
        Paths {
            securityfs: root.join("sys/kernel/security"),
            proc: root.join("proc"),
            boot: root.join("boot"),
        }
    }

    /// krsi's directory: a file per hook, `status` and `control` (`/sys/kernel/security/bpf`,
    /// [`crate::HOOK_DIR`]).
    pub fn hook_dir(&self) -> PathBuf {
        self.securityfs.join("bpf")
    }

    /// krsi's control file ([`crate::CONTROL_FILE`]).
    pub fn control_file(&self) -> PathBuf {
        self.hook_dir().join("control")
    }

    /// krsi's summary of the hooks in use ([`crate::overview`]).
    pub fn status_file(&self) -> PathBuf {
        self.hook_dir().join("status")
    }

    /// The list of active LSMs, comma-separated (`/sys/kernel/security/lsm`).
    pub fn lsm_file(&self) -> PathBuf {
        self.securityfs.join("lsm")
    }
}

/// What an active krsi holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// How many hooks it offers (files in its directory, but `status` and `control`).
    pub hooks: usize,
    /// How many programs are attached, over every hook.
    pub attachments: usize,
    /// Whether it is locked until reboot.
    pub locked: bool,
}

/// Why this process may not change krsi's policy, although it reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lacking {
    /// Its effective capabilities (`CapEff` in `/proc/self/status`) lack `CAP_MAC_ADMIN`.
    MacAdmin,
    /// It is in a user namespace (`/proc/self/uid_map` is not the initial namespace's
    /// `0 0 4294967295`): its capabilities are that namespace's, and a change needs
    /// `CAP_MAC_ADMIN` in the initial one.
    InitialUserNamespace,
}

/// What the kernel's configuration says about krsi.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KernelConfig {
    /// This file sets `CONFIG_SECURITY_KRSI=y`.
    BuiltIn(PathBuf),
    /// This file does not set `CONFIG_SECURITY_KRSI=y`.
    NotBuiltIn(PathBuf),
    /// None of these files could be read (`/proc/config.gz` needs `CONFIG_IKCONFIG_PROC`;
    /// `/boot/config-<release>` is what distributions install): whether krsi is built in cannot
    /// be told.
    Unknown(Vec<PathBuf>),
}

/// How the kernel is known to lack krsi.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Evidence {
    /// Its configuration (this file) does not set `CONFIG_SECURITY_KRSI=y`.
    Config(PathBuf),
    /// securityfs is mounted, but this list of active LSMs does not exist: a kernel without
    /// `CONFIG_SECURITY`, which krsi depends on.
    NoLsmFramework(PathBuf),
}

/// Why krsi cannot be used: the kernel lacks it, it was left out of the active LSMs, or its
/// files cannot be seen. Its text (`Display`) says why and what to do; [`Error::NotActive`]
/// carries it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Inactive {
    /// The kernel was built without krsi.
    NotBuiltIn(Evidence),
    /// krsi is not in the active LSM list: `CONFIG_LSM`, or the boot's `lsm=`, leaves it out.
    NotInLsmList {
        /// The list of active LSMs that was read.
        lsm_file: PathBuf,
        /// The active LSMs, in their order.
        lsms: Vec<String>,
        /// The boot's `lsm=` parameter (its value), if `/proc/cmdline` has one.
        cmdline_lsm: Option<String>,
        /// Whether the kernel is built with krsi (never [`KernelConfig::NotBuiltIn`]: that is
        /// [`Inactive::NotBuiltIn`]).
        config: KernelConfig,
    },
    /// securityfs is not mounted, so krsi's files are not there (whether krsi is active cannot
    /// be seen until it is).
    SecurityfsNotMounted {
        /// Where it belongs.
        mountpoint: PathBuf,
    },
    /// krsi is in the active LSM list, but its directory does not exist: it could not create
    /// its files at boot (the kernel log says why).
    NoHookDir {
        /// The directory that is missing.
        dir: PathBuf,
        /// The active LSMs, krsi among them.
        lsms: Vec<String>,
    },
}

impl Inactive {
    /// For [`Inactive::NotInLsmList`]: the `lsm=` to boot with, the active LSMs with krsi
    /// added (see [`lsm_param`]).
    pub fn lsm_param(&self) -> Option<String> {
        match self {
            Inactive::NotInLsmList { lsms, .. } => Some(lsm_param(lsms)),
            _ => None,
        }
    }

    /// For [`Inactive::SecurityfsNotMounted`]: the command that mounts it.
    pub fn mount_command(&self) -> Option<String> {
        match self {
            Inactive::SecurityfsNotMounted { mountpoint } => Some(format!(
                "mount -t securityfs securityfs {}",
                mountpoint.display()
            )),
            _ => None,
        }
    }
}

/// ` (<file>: <a>,<b>)`.
fn lsm_list(file: &Path, lsms: &[String]) -> String {
    format!("({}: {})", file.display(), lsms.join(","))
}

/// `A cannot be read`, `neither A nor B can be read`.
fn unreadable(files: &[PathBuf]) -> String {
    match files {
        [one] => format!("{} cannot be read", one.display()),
        _ => {
            let names: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
            format!("neither {} can be read", names.join(" nor "))
        }
    }
}

/// The words that end a message about krsi not being built in.
const BUILD_IT: &str = "boot a kernel built with CONFIG_SECURITY_KRSI=y and krsi in CONFIG_LSM \
                        (or in the lsm= boot parameter)";

impl fmt::Display for Inactive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Inactive::NotBuiltIn(Evidence::Config(file)) => write!(
                f,
                "krsi is not active: the kernel was built without it (CONFIG_SECURITY_KRSI is \
                 not set in {}); {BUILD_IT}",
                file.display()
            ),
            Inactive::NotBuiltIn(Evidence::NoLsmFramework(file)) => write!(
                f,
                "krsi is not active: the kernel was built without the LSM framework, so without \
                 krsi (securityfs is mounted but {} does not exist: CONFIG_SECURITY is not set); \
                 {BUILD_IT}",
                file.display()
            ),
            Inactive::NotInLsmList {
                lsm_file,
                lsms,
                cmdline_lsm,
                config,
            } => {
                write!(
                    f,
                    "krsi is not active: it is not in the active LSM list {}",
                    lsm_list(lsm_file, lsms)
                )?;
                match cmdline_lsm {
                    Some(now) => write!(f, ", which the boot's lsm={now} sets")?,
                    None => write!(f, ", which CONFIG_LSM sets")?,
                }
                write!(
                    f,
                    "; boot with {} on the kernel command line",
                    lsm_param(lsms)
                )?;
                match config {
                    KernelConfig::BuiltIn(file) => write!(
                        f,
                        " (the kernel is built with krsi: CONFIG_SECURITY_KRSI=y in {})",
                        file.display()
                    ),
                    KernelConfig::NotBuiltIn(file) => write!(
                        f,
                        " (but {} does not set CONFIG_SECURITY_KRSI=y: {BUILD_IT})",
                        file.display()
                    ),
                    KernelConfig::Unknown(tried) => write!(
                        f,
                        " if the kernel is built with krsi (CONFIG_SECURITY_KRSI=y), which cannot \
                         be told: {}",
                        unreadable(tried)
                    ),
                }
            }
            Inactive::SecurityfsNotMounted { mountpoint } => write!(
                f,
                "krsi cannot be seen: securityfs is not mounted at {0}, where krsi's files are; \
                 mount it with `mount -t securityfs securityfs {0}`",
                mountpoint.display()
            ),
            Inactive::NoHookDir { dir, lsms } => write!(
                f,
                "krsi is not active: it is in the active LSM list ({}) but {} does not exist: \
                 it could not create its files at boot (the kernel log says why: \
                 `dmesg | grep krsi`)",
                lsms.join(","),
                dir.display()
            ),
        }
    }
}

/// Whether krsi is active and usable here: what [`status`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    /// krsi is active; this process reads its files and, as far as its capabilities and user
    /// namespace tell, may change its policy.
    Active(Summary),
    /// krsi is active, but this process cannot read its files (they are root's, mode 0600).
    Unreadable {
        /// How many hooks it offers (its directory can be listed by anyone).
        hooks: usize,
        /// The file that could not be read.
        path: PathBuf,
    },
    /// krsi is active and this process reads its files, but it may not change the policy.
    ReadOnly {
        /// What krsi holds.
        summary: Summary,
        /// What is missing.
        lacking: Lacking,
    },
    /// krsi cannot be used: why.
    Inactive(Inactive),
}

impl Status {
    /// Whether krsi is active in the running kernel (whatever this process may do with it).
    pub fn is_active(&self) -> bool {
        !matches!(self, Status::Inactive(_))
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        write!(
            f,
            "{} hook{}, {} attachment{}, {}",
            self.hooks,
            plural(self.hooks),
            self.attachments,
            plural(self.attachments),
            if self.locked {
                "locked until reboot"
            } else {
                "not locked"
            }
        )
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Status::Active(s) => write!(f, "krsi is active: {s}"),
            Status::Unreadable { hooks, path } => write!(
                f,
                "krsi is active ({hooks} hooks), but this process cannot read its files: {}: \
                 permission denied (krsi's files are root's, mode 0600; run as root)",
                path.display()
            ),
            Status::ReadOnly {
                summary,
                lacking: Lacking::MacAdmin,
            } => write!(
                f,
                "krsi is active: {summary}; but this process lacks CAP_MAC_ADMIN (CapEff), which \
                 every change needs: it can list, not change"
            ),
            Status::ReadOnly {
                summary,
                lacking: Lacking::InitialUserNamespace,
            } => write!(
                f,
                "krsi is active: {summary}; but this process is in a user namespace, and every \
                 change needs CAP_MAC_ADMIN in the initial one: it can list, not change"
            ),
            Status::Inactive(why) => why.fmt(f),
        }
    }
}

/// The `lsm=` boot parameter that adds krsi to the active LSMs `lsms`, keeping their order:
/// krsi right before `bpf` (so that krsi's programs run before BPF LSM's links), else last.
///
/// ```
/// let lsms = ["capability", "lockdown", "bpf"].map(String::from);
/// assert_eq!(krsi::lsm_param(&lsms), "lsm=capability,lockdown,krsi,bpf");
/// ```
pub fn lsm_param(lsms: &[String]) -> String {
    let mut out: Vec<&str> = lsms
        .iter()
        .map(String::as_str)
        .filter(|l| *l != "krsi")
        .collect();
    let at = out.iter().position(|l| *l == "bpf").unwrap_or(out.len());
    out.insert(at, "krsi");
    format!("lsm={}", out.join(","))
}

/// Whether krsi is active and usable by this process, and if not why (see [`Status`]); `Err`
/// only for an error that says nothing about krsi (an unreadable listing, I/O).
pub fn status() -> Result<Status> {
    status_at(&Paths::default())
}

/// [`status`], reading the files of `paths`.
pub fn status_at(paths: &Paths) -> Result<Status> {
    let dir = paths.hook_dir();
    if !dir.is_dir() {
        return Ok(Status::Inactive(diagnose(paths)));
    }
    let hooks = hooks_in(paths)?;
    let unreadable = |path: PathBuf| Status::Unreadable {
        hooks: hooks.len(),
        path,
    };
    let locked = match locked_in(paths) {
        Ok(locked) => locked,
        Err(e) if denied(&e) => return Ok(unreadable(paths.control_file())),
        Err(e) => return Err(e),
    };
    // One file says how many programs each hook in use has.
    let attachments = match overview_in(paths) {
        Ok(o) => o.programs(),
        Err(e) if denied(&e) => return Ok(unreadable(paths.status_file())),
        Err(e) => return Err(e),
    };
    let summary = Summary {
        hooks: hooks.len(),
        attachments,
        locked,
    };
    Ok(match lacking(paths) {
        Some(lacking) => Status::ReadOnly { summary, lacking },
        None => Status::Active(summary),
    })
}

/// Whether `e` is a refusal to read for lack of privilege.
fn denied(e: &Error) -> bool {
    matches!(e, Error::AccessDenied { .. } | Error::NotPermitted { .. })
}

/// The error of an operation that found krsi's directory or control file missing: why.
pub(crate) fn not_active(paths: &Paths) -> Error {
    Error::NotActive(diagnose(paths))
}

/// Why krsi's directory is missing: the kernel lacks krsi, securityfs is not mounted, krsi is
/// not in the active LSMs, or (in the active LSMs) it could not create its files.
fn diagnose(paths: &Paths) -> Inactive {
    let lsm_file = paths.lsm_file();
    let lsms: Option<Vec<String>> = fs::read_to_string(&lsm_file).ok().map(|text| {
        text.trim()
            .split(',')
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect()
    });
    // Listed: built in and active, whatever a configuration file says.
    if let Some(lsms) = lsms.as_ref().filter(|l| l.iter().any(|l| l == "krsi")) {
        return Inactive::NoHookDir {
            dir: paths.hook_dir(),
            lsms: lsms.clone(),
        };
    }
    let config = kernel_config(paths);
    if let KernelConfig::NotBuiltIn(file) = config {
        return Inactive::NotBuiltIn(Evidence::Config(file));
    }
    match lsms {
        Some(lsms) => Inactive::NotInLsmList {
            lsm_file,
            lsms,
            cmdline_lsm: cmdline_lsm(paths),
            config,
        },
        None if securityfs_mounted(paths) => {
            Inactive::NotBuiltIn(Evidence::NoLsmFramework(lsm_file))
        }
        None => Inactive::SecurityfsNotMounted {
            mountpoint: paths.securityfs.clone(),
        },
    }
}

/// Whether `/proc/self/mounts` has a securityfs at [`Paths::securityfs`] (false when it cannot
/// be read).
fn securityfs_mounted(paths: &Paths) -> bool {
    let Ok(mounts) = fs::read_to_string(paths.proc.join("self/mounts")) else {
        return false;
    };
    mounts.lines().any(|line| {
        let mut fields = line.split(' ');
        let (_, dir, fstype) = (fields.next(), fields.next(), fields.next());
        fstype == Some("securityfs")
            && dir.and_then(unescape).as_deref().map(Path::new) == Some(&paths.securityfs)
    })
}

/// The value of the boot's last `lsm=` parameter (the one the kernel uses), if any.
fn cmdline_lsm(paths: &Paths) -> Option<String> {
    fs::read_to_string(paths.proc.join("cmdline"))
        .ok()?
        .split_whitespace()
        .filter_map(|w| w.strip_prefix("lsm="))
        .next_back()
        .map(String::from)
}

/// What the running kernel's configuration says about krsi: `/proc/config.gz`, else
/// `/boot/config-<release>` (the release from `/proc/sys/kernel/osrelease`, else `uname(2)`).
pub fn kernel_config(paths: &Paths) -> KernelConfig {
    let gz = paths.proc.join("config.gz");
    let mut text = String::new();
    let read_gz =
        fs::File::open(&gz).and_then(|f| flate2::read::GzDecoder::new(f).read_to_string(&mut text));
    if read_gz.is_ok() {
        return config_says(&text, gz);
    }
    let mut tried = vec![gz];
    if let Some(release) = release(paths) {
        let file = paths.boot.join(format!("config-{release}"));
        match fs::read_to_string(&file) {
            Ok(text) => return config_says(&text, file),
            Err(_) => tried.push(file),
        }
    }
    KernelConfig::Unknown(tried)
}

/// What configuration `text`, read from `file`, says.
fn config_says(text: &str, file: PathBuf) -> KernelConfig {
    if text.lines().any(|l| l.trim() == "CONFIG_SECURITY_KRSI=y") {
        KernelConfig::BuiltIn(file)
    } else {
        KernelConfig::NotBuiltIn(file)
    }
}

/// The running kernel's release, as `uname -r` prints it.
fn release(paths: &Paths) -> Option<String> {
    if let Ok(r) = fs::read_to_string(paths.proc.join("sys/kernel/osrelease")) {
        return Some(r.trim().to_string()).filter(|r| !r.is_empty());
    }
    // SAFETY: an all-zero utsname is a valid buffer for uname to fill.
    let mut uts: libc::utsname = unsafe { std::mem::zeroed() };
    // SAFETY: `uts` is a utsname that lives across the call.
    if unsafe { libc::uname(&mut uts) } != 0 {
        return None;
    }
    // SAFETY: uname NUL-terminates the release within the array.
    let r = unsafe { std::ffi::CStr::from_ptr(uts.release.as_ptr()) };
    Some(r.to_string_lossy().into_owned())
}

/// What this process lacks to change krsi's policy, as far as `/proc/self` tells (nothing when
/// it cannot be read: a change then says for itself).
fn lacking(paths: &Paths) -> Option<Lacking> {
    let own = paths.proc.join("self");
    if let Ok(status) = fs::read_to_string(own.join("status")) {
        let cap_eff = status
            .lines()
            .find_map(|l| l.strip_prefix("CapEff:"))
            .and_then(|v| u64::from_str_radix(v.trim(), 16).ok());
        if cap_eff.is_some_and(|c| c & (1 << CAP_MAC_ADMIN) == 0) {
            return Some(Lacking::MacAdmin);
        }
    }
    match fs::read_to_string(own.join("uid_map")) {
        Ok(map) if !initial_uid_map(&map) => Some(Lacking::InitialUserNamespace),
        _ => None,
    }
}

/// Whether `map` (a `uid_map`) is the initial user namespace's: `0 0 4294967295`.
fn initial_uid_map(map: &str) -> bool {
    let lines: Vec<Vec<&str>> = map
        .lines()
        .map(|l| l.split_whitespace().collect())
        .filter(|w: &Vec<&str>| !w.is_empty())
        .collect();
    lines == [["0", "0", "4294967295"]]
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    /// A fake system under a temporary root: the securityfs mount point, `/proc/self` and
    /// `/boot`, with nothing in them until a test writes it.
    struct Tree {
        root: tempfile::TempDir,
        paths: Paths,
    }

    /// What `/proc/self/status` says of a root process with every capability.
    const ALL_CAPS: &str = "Name:\tkrsictl\nCapInh:\t0000000000000000\nCapPrm:\t000001ffffffffff\n\
                            CapEff:\t000001ffffffffff\nCapBnd:\t000001ffffffffff\n";

    impl Tree {
        fn new() -> Self {
            let root = tempfile::tempdir().unwrap();
            let paths = Paths::under(root.path());
            fs::create_dir_all(&paths.securityfs).unwrap();
            Tree { root, paths }
        }

        /// Writes `text` to `rel` under the root, creating its directories.
        fn write(&self, rel: &str, text: impl AsRef<[u8]>) -> PathBuf {
            let path = self.root.path().join(rel);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(&path, text).unwrap();
            path
        }

        /// `/proc/self/mounts` with securityfs mounted at the tree's mount point, or not.
        fn mounts(&self, securityfs: bool) {
            let mut m = String::from("proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\n");
            if securityfs {
                m.push_str(&format!(
                    "securityfs {} securityfs rw,nosuid,nodev,noexec,relatime 0 0\n",
                    self.paths.securityfs.display()
                ));
            }
            self.write("proc/self/mounts", m);
        }

        /// The list of active LSMs, as the kernel writes it (no newline).
        fn lsms(&self, list: &str) {
            self.mounts(true);
            self.write("sys/kernel/security/lsm", list);
        }

        /// krsi active, with `hooks` (name, listing), the status file that says the same and
        /// the control file; this process has every capability in the initial user namespace.
        fn active(&self, hooks: &[(&str, &str)], locked: bool) {
            self.lsms("capability,lockdown,krsi,bpf");
            let mut status = String::new();
            for (name, listing) in hooks {
                self.write(&format!("sys/kernel/security/bpf/{name}"), listing);
                let progs = listing.lines().filter(|l| *l != "sealed").count();
                let sealed = listing.starts_with("sealed");
                if progs > 0 || sealed {
                    status.push_str(&format!("{name} progs={progs} key=on"));
                    status.push_str(if sealed { " sealed\n" } else { "\n" });
                }
            }
            if locked {
                status.push_str("locked=1\n");
            }
            self.write("sys/kernel/security/bpf/status", status);
            self.write(
                "sys/kernel/security/bpf/control",
                format!("locked={}\n", u8::from(locked)),
            );
            self.write("proc/self/status", ALL_CAPS);
            self.write("proc/self/uid_map", "         0          0 4294967295\n");
        }

        /// `/proc/config.gz` holding `text`.
        fn config_gz(&self, text: &str) -> PathBuf {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            gz.write_all(text.as_bytes()).unwrap();
            self.write("proc/config.gz", gz.finish().unwrap())
        }

        fn status(&self) -> Status {
            status_at(&self.paths).unwrap()
        }

        /// The diagnosis, checking that an operation's error says the same.
        fn inactive(&self) -> Inactive {
            let Status::Inactive(why) = self.status() else {
                panic!("active: {:?}", self.status());
            };
            let e = not_active(&self.paths);
            assert!(matches!(e, Error::NotActive(ref w) if *w == why), "{e:?}");
            assert_eq!(e.to_string(), self.status().to_string());
            assert_eq!(e.errno(), None);
            assert!(!self.status().is_active());
            why
        }
    }

    const LISTING: &str = "12 name=a runs=1 denied=0 sleepable=0 state=enabled\n\
                           13 name=b runs=0 denied=0 sleepable=0 state=disabled\n";

    #[test]
    fn active_counts_hooks_and_attachments() {
        let t = Tree::new();
        t.active(
            &[
                ("file_open", LISTING),
                ("task_kill", ""),
                (
                    "bprm_check_security",
                    "sealed\n7 name=- runs=3 sleepable=1\n",
                ),
            ],
            false,
        );
        let s = t.status();
        assert_eq!(
            s,
            Status::Active(Summary {
                hooks: 3,
                attachments: 3,
                locked: false
            })
        );
        assert!(s.is_active());
        assert_eq!(
            s.to_string(),
            "krsi is active: 3 hooks, 3 attachments, not locked"
        );
        // Locked, one attachment.
        let t = Tree::new();
        t.active(
            &[("file_open", "sealed\n5 name=x runs=0 sleepable=0\n")],
            true,
        );
        assert_eq!(
            t.status().to_string(),
            "krsi is active: 1 hook, 1 attachment, locked until reboot"
        );
    }

    #[test]
    fn a_status_file_that_does_not_parse_is_an_error() {
        let t = Tree::new();
        t.active(&[("file_open", LISTING)], false);
        t.write(
            "sys/kernel/security/bpf/status",
            "file_open progs=x key=on\n",
        );
        assert!(matches!(status_at(&t.paths), Err(Error::Parse(_))));
        let t = Tree::new();
        t.active(&[], false);
        t.write("sys/kernel/security/bpf/control", "locked=7\n");
        assert!(matches!(status_at(&t.paths), Err(Error::Parse(_))));
    }

    #[test]
    fn without_cap_mac_admin_it_is_read_only() {
        let t = Tree::new();
        t.active(&[("file_open", LISTING)], false);
        // Root without CAP_MAC_ADMIN (bit 33): 0x1ffffffffff less 0x200000000.
        t.write(
            "proc/self/status",
            ALL_CAPS.replace("CapEff:\t000001ffffffffff", "CapEff:\t000001fdffffffff"),
        );
        let s = t.status();
        let summary = Summary {
            hooks: 1,
            attachments: 2,
            locked: false,
        };
        assert_eq!(
            s,
            Status::ReadOnly {
                summary: summary.clone(),
                lacking: Lacking::MacAdmin
            }
        );
        assert!(s.is_active());
        assert_eq!(
            s.to_string(),
            "krsi is active: 1 hook, 2 attachments, not locked; but this process lacks \
             CAP_MAC_ADMIN (CapEff), which every change needs: it can list, not change"
        );
        // Only CAP_MAC_ADMIN.
        t.write(
            "proc/self/status",
            ALL_CAPS.replace("CapEff:\t000001ffffffffff", "CapEff:\t0000000200000000"),
        );
        assert_eq!(t.status(), Status::Active(summary));
    }

    #[test]
    fn in_a_user_namespace_it_is_read_only() {
        let t = Tree::new();
        t.active(&[("file_open", LISTING)], true);
        // unshare -r: root of a new user namespace, mapped to the caller.
        t.write("proc/self/uid_map", "         0          0          1\n");
        let s = t.status();
        assert_eq!(
            s,
            Status::ReadOnly {
                summary: Summary {
                    hooks: 1,
                    attachments: 2,
                    locked: true
                },
                lacking: Lacking::InitialUserNamespace
            }
        );
        assert!(s.to_string().ends_with(
            "locked until reboot; but this process is in a user namespace, and every change \
             needs CAP_MAC_ADMIN in the initial one: it can list, not change"
        ));
        // Two ranges are not the initial namespace's either; without /proc/self, nothing is
        // known to be missing.
        t.write("proc/self/uid_map", "0 0 1000\n1000 1000 4294966295\n");
        assert!(matches!(t.status(), Status::ReadOnly { .. }));
        fs::remove_dir_all(t.paths.proc.join("self")).unwrap();
        assert!(matches!(t.status(), Status::Active(_)));
    }

    /// Runs `f` in a thread of its own without `CAP_DAC_OVERRIDE` and `CAP_DAC_READ_SEARCH`
    /// (capabilities are per thread), so that file modes apply even to root.
    fn without_dac_override<T: Send>(f: impl FnOnce() -> T + Send) -> T {
        std::thread::scope(|s| {
            s.spawn(|| {
                #[repr(C)]
                struct Header {
                    version: u32,
                    pid: i32,
                }
                #[repr(C)]
                #[derive(Clone, Copy, Default)]
                struct Data {
                    effective: u32,
                    permitted: u32,
                    inheritable: u32,
                }
                let mut header = Header {
                    version: 0x2008_0522, // _LINUX_CAPABILITY_VERSION_3
                    pid: 0,
                };
                let mut data = [Data::default(); 2];
                // SAFETY: capget fills two Data for version 3; both live across the calls.
                unsafe {
                    assert_eq!(
                        libc::syscall(libc::SYS_capget, &raw mut header, data.as_mut_ptr()),
                        0
                    );
                    // CAP_DAC_OVERRIDE (1) and CAP_DAC_READ_SEARCH (2).
                    data[0].effective &= !0b110;
                    assert_eq!(
                        libc::syscall(libc::SYS_capset, &raw mut header, data.as_ptr()),
                        0
                    );
                }
                f()
            })
            .join()
            .unwrap()
        })
    }

    #[test]
    fn unreadable_files_need_root() {
        use std::os::unix::fs::PermissionsExt as _;
        let t = Tree::new();
        t.active(&[("file_open", LISTING), ("task_kill", "")], false);
        let control = t.paths.control_file();
        fs::set_permissions(&control, fs::Permissions::from_mode(0o000)).unwrap();
        let s = without_dac_override(|| t.status());
        assert_eq!(
            s,
            Status::Unreadable {
                hooks: 2,
                path: control.clone()
            }
        );
        assert!(s.is_active());
        assert_eq!(
            s.to_string(),
            format!(
                "krsi is active (2 hooks), but this process cannot read its files: {}: \
                 permission denied (krsi's files are root's, mode 0600; run as root)",
                control.display()
            )
        );
        // The control file readable, the status file not.
        fs::set_permissions(&control, fs::Permissions::from_mode(0o600)).unwrap();
        let status = t.paths.status_file();
        fs::set_permissions(&status, fs::Permissions::from_mode(0o000)).unwrap();
        assert_eq!(
            without_dac_override(|| t.status()),
            Status::Unreadable {
                hooks: 2,
                path: status
            }
        );
    }

    #[test]
    fn not_built_in_says_which_config() {
        let t = Tree::new();
        t.lsms("capability,bpf");
        let gz = t.config_gz("CONFIG_SECURITY=y\n# CONFIG_SECURITY_KRSI is not set\n");
        let why = t.inactive();
        assert_eq!(why, Inactive::NotBuiltIn(Evidence::Config(gz.clone())));
        assert_eq!(
            why.to_string(),
            format!(
                "krsi is not active: the kernel was built without it (CONFIG_SECURITY_KRSI is \
                 not set in {}); boot a kernel built with CONFIG_SECURITY_KRSI=y and krsi in \
                 CONFIG_LSM (or in the lsm= boot parameter)",
                gz.display()
            )
        );
        assert_eq!((why.lsm_param(), why.mount_command()), (None, None));
        // Whatever the mounts: building it is what is missing.
        fs::remove_file(t.paths.lsm_file()).unwrap();
        t.mounts(false);
        assert_eq!(t.inactive(), Inactive::NotBuiltIn(Evidence::Config(gz)));
    }

    #[test]
    fn the_config_is_proc_config_gz_else_boot_config() {
        let t = Tree::new();
        t.write("proc/sys/kernel/osrelease", "6.12.99-test\n");
        let boot = t.write("boot/config-6.12.99-test", "CONFIG_SECURITY=y\n");
        assert_eq!(
            kernel_config(&t.paths),
            KernelConfig::NotBuiltIn(boot.clone())
        );
        t.lsms("capability,bpf");
        assert_eq!(
            t.inactive(),
            Inactive::NotBuiltIn(Evidence::Config(boot.clone()))
        );
        // /proc/config.gz first.
        let gz = t.config_gz("CONFIG_SECURITY_KRSI=y\n");
        assert_eq!(kernel_config(&t.paths), KernelConfig::BuiltIn(gz.clone()));
        // One that does not decompress is not read.
        t.write("proc/config.gz", "not gzip");
        assert_eq!(
            kernel_config(&t.paths),
            KernelConfig::NotBuiltIn(boot.clone())
        );
        t.write("boot/config-6.12.99-test", "CONFIG_SECURITY_KRSI=y\n");
        assert_eq!(kernel_config(&t.paths), KernelConfig::BuiltIn(boot.clone()));
        // Neither.
        fs::remove_file(&gz).unwrap();
        fs::remove_file(&boot).unwrap();
        assert_eq!(
            kernel_config(&t.paths),
            KernelConfig::Unknown(vec![gz, boot])
        );
    }

    #[test]
    fn not_in_the_lsm_list_says_the_lsm_to_boot_with() {
        let t = Tree::new();
        t.lsms("capability,lockdown,yama,bpf");
        t.write("proc/sys/kernel/osrelease", "6.12.99-test\n");
        let boot = t.write("boot/config-6.12.99-test", "CONFIG_SECURITY_KRSI=y\n");
        let why = t.inactive();
        assert_eq!(
            why,
            Inactive::NotInLsmList {
                lsm_file: t.paths.lsm_file(),
                lsms: ["capability", "lockdown", "yama", "bpf"]
                    .map(String::from)
                    .into(),
                cmdline_lsm: None,
                config: KernelConfig::BuiltIn(boot.clone()),
            }
        );
        assert_eq!(
            why.lsm_param().as_deref(),
            Some("lsm=capability,lockdown,yama,krsi,bpf")
        );
        assert_eq!(
            why.to_string(),
            format!(
                "krsi is not active: it is not in the active LSM list ({}: \
                 capability,lockdown,yama,bpf), which CONFIG_LSM sets; boot with \
                 lsm=capability,lockdown,yama,krsi,bpf on the kernel command line (the kernel \
                 is built with krsi: CONFIG_SECURITY_KRSI=y in {})",
                t.paths.lsm_file().display(),
                boot.display()
            )
        );
        // The boot's lsm= left it out, and the configuration cannot be read.
        fs::remove_file(&boot).unwrap();
        t.lsms("capability,bpf\n");
        t.write(
            "proc/cmdline",
            "console=ttyS0 lsm=capability,krsi panic=-1 lsm=capability,bpf\n",
        );
        let why = t.inactive();
        assert!(matches!(
            why,
            Inactive::NotInLsmList { ref lsms, cmdline_lsm: Some(ref c), config: KernelConfig::Unknown(_), .. }
                if lsms == &["capability", "bpf"] && c == "capability,bpf"
        ));
        assert_eq!(
            why.to_string(),
            format!(
                "krsi is not active: it is not in the active LSM list ({}: capability,bpf), \
                 which the boot's lsm=capability,bpf sets; boot with lsm=capability,krsi,bpf on \
                 the kernel command line if the kernel is built with krsi \
                 (CONFIG_SECURITY_KRSI=y), which cannot be told: neither {} nor {} can be read",
                t.paths.lsm_file().display(),
                t.paths.proc.join("config.gz").display(),
                boot.display()
            )
        );
    }

    #[test]
    fn lsm_param_puts_krsi_before_bpf() {
        let p = |l: &[&str]| lsm_param(&l.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(p(&["capability", "bpf"]), "lsm=capability,krsi,bpf");
        assert_eq!(
            p(&["capability", "selinux", "bpf", "landlock"]),
            "lsm=capability,selinux,krsi,bpf,landlock"
        );
        assert_eq!(p(&["capability", "yama"]), "lsm=capability,yama,krsi");
        assert_eq!(p(&[]), "lsm=krsi");
        assert_eq!(p(&["capability", "bpf", "krsi"]), "lsm=capability,krsi,bpf");
    }

    #[test]
    fn securityfs_not_mounted_says_how_to_mount_it() {
        let t = Tree::new();
        t.mounts(false);
        let why = t.inactive();
        assert_eq!(
            why,
            Inactive::SecurityfsNotMounted {
                mountpoint: t.paths.securityfs.clone()
            }
        );
        let mount = format!(
            "mount -t securityfs securityfs {}",
            t.paths.securityfs.display()
        );
        assert_eq!(why.mount_command(), Some(mount.clone()));
        assert_eq!(
            why.to_string(),
            format!(
                "krsi cannot be seen: securityfs is not mounted at {}, where krsi's files are; \
                 mount it with `{mount}`",
                t.paths.securityfs.display()
            )
        );
        // Without /proc either.
        fs::remove_dir_all(&t.paths.proc).unwrap();
        assert_eq!(why, t.inactive());
        // Mounted elsewhere only.
        t.write(
            "proc/self/mounts",
            "securityfs /elsewhere securityfs rw 0 0\n",
        );
        assert_eq!(why, t.inactive());
        // The default paths name the real mount point.
        assert_eq!(
            Inactive::SecurityfsNotMounted {
                mountpoint: Paths::default().securityfs
            }
            .mount_command()
            .as_deref(),
            Some("mount -t securityfs securityfs /sys/kernel/security")
        );
    }

    #[test]
    fn securityfs_without_lsm_list_is_a_kernel_without_lsms() {
        let t = Tree::new();
        t.mounts(true);
        let why = t.inactive();
        assert_eq!(
            why,
            Inactive::NotBuiltIn(Evidence::NoLsmFramework(t.paths.lsm_file()))
        );
        assert!(why.to_string().starts_with(&format!(
            "krsi is not active: the kernel was built without the LSM framework, so without \
             krsi (securityfs is mounted but {} does not exist: CONFIG_SECURITY is not set); boot",
            t.paths.lsm_file().display()
        )));
    }

    #[test]
    fn listed_without_its_directory_points_at_the_kernel_log() {
        let t = Tree::new();
        t.lsms("capability,krsi,bpf");
        // The list of the running kernel wins over a configuration file (of another build).
        t.config_gz("# CONFIG_SECURITY_KRSI is not set\n");
        let why = t.inactive();
        assert_eq!(
            why,
            Inactive::NoHookDir {
                dir: t.paths.hook_dir(),
                lsms: ["capability", "krsi", "bpf"].map(String::from).into()
            }
        );
        assert_eq!(
            why.to_string(),
            format!(
                "krsi is not active: it is in the active LSM list (capability,krsi,bpf) but {} \
                 does not exist: it could not create its files at boot (the kernel log says \
                 why: `dmesg | grep krsi`)",
                t.paths.hook_dir().display()
            )
        );
    }

    #[test]
    fn default_paths_are_the_systems() {
        let p = Paths::default();
        assert_eq!(p.hook_dir(), Path::new(crate::HOOK_DIR));
        assert_eq!(p.control_file(), Path::new(crate::CONTROL_FILE));
        assert_eq!(p.lsm_file(), Path::new("/sys/kernel/security/lsm"));
        assert_eq!(p.proc, Path::new("/proc"));
        assert_eq!(p.boot, Path::new("/boot"));
    }

    #[test]
    fn uid_maps() {
        assert!(initial_uid_map("         0          0 4294967295\n"));
        assert!(!initial_uid_map("0 0 1\n"));
        assert!(!initial_uid_map("0 100000 65536\n"));
        assert!(!initial_uid_map(""));
    }
}
