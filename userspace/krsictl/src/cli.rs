// SPDX-License-Identifier: GPL-2.0
//! krsictl's command line, in a file of its own so that build.rs generates the man pages and
//! shell completions from the same definitions (it includes this file; nothing here may use
//! the krsi library or aya).

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(
    name = "krsictl",
    version,
    about = "Attach, detach, replace and list BPF LSM programs on krsi's hooks \
             (/sys/kernel/security/bpf); set their mode and logging; disable and enable them; \
             reset and seal hooks; lock krsi; revalidate every attachment; print krsi's audit \
             records",
    after_help = "Exit status: 0 success, 1 the operation failed (the message says why), 2 usage \
                  error; `krsictl status` has its own (see `krsictl status --help`)."
)]
pub struct Cli {
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Tell whether krsi is active and usable here, and if not why and what to do.
    ///
    /// Why not: the kernel built without krsi, krsi left out of the active LSMs (with the lsm=
    /// to boot with), securityfs not mounted (with the command that mounts it), or no privilege
    /// (files unreadable, or no CAP_MAC_ADMIN in the initial user namespace); when active, how
    /// many hooks and attachments it has and whether it is locked. Another command that finds
    /// krsi's files missing prints the same diagnosis.
    #[command(after_help = STATUS_EXIT_CODES)]
    Status,
    /// List the hooks programs can attach to.
    Hooks,
    /// List attached programs, in run order: of HOOK, or of every hook that has some. Each
    /// line goes on with state=enabled or state=disabled, and reason=lockdown|capability|lsm for
    /// a program a revalidation disabled; a program scoped to a cgroup ends with cgroup=ID
    /// cgroup_path=PATH (the path from the cgroup2 root, or (removed)).
    List {
        /// A hook, e.g. file_open.
        hook: Option<String>,
    },
    /// Load a BPF LSM program from an object file (libbpf's SEC("lsm/HOOK") or
    /// SEC("lsm.s/HOOK")) and attach it to HOOK, after the programs already there unless
    /// --first, --before or --after says where; for every subject, or with --cgroup only for
    /// those of a cgroup subtree.
    Attach {
        /// The hook, e.g. file_open.
        hook: String,
        /// The BPF object file.
        object: PathBuf,
        /// The program to attach, when the object has more than one LSM program.
        #[arg(long)]
        program: Option<String>,
        /// Also pin the program at PATH (in a BPF filesystem).
        #[arg(long)]
        pin: Option<PathBuf>,
        /// Run it before every program of the hook.
        #[arg(long, conflicts_with_all = ["before", "after"])]
        first: bool,
        /// Run it right before the program with id ID.
        #[arg(long, value_name = "ID", conflicts_with = "after")]
        before: Option<u32>,
        /// Run it right after the program with id ID.
        #[arg(long, value_name = "ID")]
        after: Option<u32>,
        /// enforce (the default): a non-zero result denies; audit: a non-zero result is
        /// recorded and counted as audited=, and the action goes ahead (errno hooks only).
        #[arg(long, value_enum)]
        mode: Option<ModeArg>,
        /// Do not record its denials in the audit log (log=0); its counters still count
        /// (errno hooks only).
        #[arg(long)]
        quiet: bool,
        /// Scope it to the cgroup v2 directory DIR (e.g. /sys/fs/cgroup/web): it runs only when
        /// the hook's subject (the current task, or the socket of a socket hook) is in that
        /// cgroup or below it. Hooks that free an object or run in interrupt context cannot be
        /// scoped.
        #[arg(long, value_name = "DIR")]
        cgroup: Option<PathBuf>,
        /// After attaching, print the text records the program writes to its ring buffer
        /// map MAP, one per line, until interrupted (the program stays attached).
        #[arg(long, value_name = "MAP")]
        follow: Option<String>,
        /// With --follow, stop after N records.
        #[arg(long, value_name = "N", requires = "follow")]
        count: Option<u64>,
    },
    /// Detach the program with BPF program id ID from HOOK.
    Detach {
        /// The hook, e.g. file_open.
        hook: String,
        /// The program id, as `krsictl list` shows it.
        id: u32,
    },
    /// Load a program from OBJECT and swap it for the program with id ID, in its place in
    /// HOOK's run order, atomically: every hook call runs the old program or the new one. The
    /// new program keeps the old one's cgroup scope.
    Replace {
        /// The hook, e.g. file_open.
        hook: String,
        /// The id of the program to replace.
        id: u32,
        /// The BPF object file.
        object: PathBuf,
        /// The program to attach, when the object has more than one LSM program.
        #[arg(long)]
        program: Option<String>,
        /// Also pin the program at PATH (in a BPF filesystem).
        #[arg(long)]
        pin: Option<PathBuf>,
    },
    /// Switch the program with id ID on HOOK between enforce (a non-zero result denies) and
    /// audit (a non-zero result is recorded and counted, the action goes ahead); errno hooks
    /// only. A sealed hook refuses enforce -> audit.
    Mode {
        /// The hook, e.g. file_open.
        hook: String,
        /// The program id, as `krsictl list` shows it.
        id: u32,
        /// The mode.
        #[arg(value_enum)]
        mode: ModeArg,
    },
    /// Record the denials of the program with id ID on HOOK in the audit log (1) or not (0,
    /// quiet; its counters still count); errno hooks only. A sealed hook refuses 1 -> 0.
    Log {
        /// The hook, e.g. file_open.
        hook: String,
        /// The program id, as `krsictl list` shows it.
        id: u32,
        /// 1: record its denials; 0: quiet.
        #[arg(value_name = "0|1", value_parser = clap::value_parser!(u8).range(0..=1))]
        log: u8,
    },
    /// Stop running the program with id ID on HOOK, keeping its place in the run order and its
    /// counters, until `krsictl enable`. A sealed hook refuses it.
    Disable {
        /// The hook, e.g. file_open.
        hook: String,
        /// The program id, as `krsictl list` shows it.
        id: u32,
    },
    /// Run again the program with id ID on HOOK that `krsictl disable` stopped (allowed on a
    /// sealed hook). A program a revalidation disabled (listed with reason=) runs again only
    /// when a revalidation passes.
    Enable {
        /// The hook, e.g. file_open.
        hook: String,
        /// The program id, as `krsictl list` shows it.
        id: u32,
    },
    /// Check every attachment again, as krsi does when the lockdown level or an LSM's policy
    /// changes: disable those that lockdown, CAP_MAC_ADMIN or an LSM now refuse (listed with
    /// reason=), enable again those that pass after a revalidation disabled them; print how many
    /// changed. Allowed after `krsictl lock`.
    Revalidate,
    /// Print krsi's audit records (denials: KRSI_ACCESS, changes and refused attempts:
    /// KRSI_CONFIG_CHANGE) as they arrive, one per line, from the audit netlink socket (beside
    /// a running auditd; needs CAP_AUDIT_READ). Stops after --count records, or when none came
    /// for --timeout seconds; with --follow only after --count records or when killed.
    Events {
        /// Wait for records until killed (or --count records), with no timeout.
        #[arg(long)]
        follow: bool,
        /// Stop after N records.
        #[arg(long, value_name = "N")]
        count: Option<u64>,
        /// Without --follow, stop when no record came for SECS seconds.
        #[arg(long, value_name = "SECS", default_value = "2", value_parser = parse_secs,
              conflicts_with = "follow")]
        timeout: Duration,
        /// Only records of this type.
        #[arg(long = "type", value_name = "TYPE", value_enum)]
        kind: Option<KindArg>,
    },
    /// Detach every program of HOOK at once.
    Reset {
        /// The hook, e.g. file_open.
        hook: String,
    },
    /// Seal HOOK until reboot: its programs can no longer be detached, replaced, reordered or
    /// disabled; programs can still be appended and enabled.
    Seal {
        /// The hook, e.g. file_open.
        hook: String,
    },
    /// Lock krsi until reboot: every hook sealed, and no program attached any more (only
    /// `krsictl revalidate` still runs).
    Lock,
    /// Make krsi's running state that of a policy file (TOML): attach, replace, switch and
    /// detach the programs it lists, seal its hooks, lock krsi; twice changes nothing.
    Apply(ApplyArgs),
}

/// `krsictl apply`'s arguments.
#[derive(clap::Args)]
pub struct ApplyArgs {
    /// The policy file (TOML; see Documentation/krsi.rst, "Declarative policy").
    pub file: PathBuf,
    /// Print the plan (what would be attached, replaced, switched, detached, sealed, locked)
    /// and change nothing. The programs are still loaded, to check them and learn their tags,
    /// and released.
    #[arg(long)]
    pub dry_run: bool,
    /// Where apply records which attachments it made for which entries (until
    /// reboot).
    #[arg(long, value_name = "FILE", default_value = "/run/krsi/state.toml")]
    pub state: PathBuf,
}

/// `krsictl status`'s exit codes, one per state (its --help and man page show them).
pub const STATUS_EXIT_CODES: &str = "Exit status:
  0  krsi is active, and this process reads its files and may change its policy
  1  the status could not be read (the message says why)
  2  usage error
  3  the kernel was built without krsi (CONFIG_SECURITY_KRSI)
  4  krsi is not in the active LSM list (the message gives the lsm= to boot with)
  5  securityfs is not mounted (the message gives the command that mounts it)
  6  krsi is active, but this process cannot read its files (run as root)
  7  krsi is active and readable, but this process may not change it (it lacks CAP_MAC_ADMIN, \
or is in a user namespace)
  8  krsi is in the active LSM list, but its directory is missing (the kernel log says why)";

/// An attachment's mode, on the command line.
#[derive(Clone, Copy, ValueEnum)]
pub enum ModeArg {
    /// A non-zero result denies.
    Enforce,
    /// A non-zero result is recorded and counted; the action goes ahead.
    Audit,
}

/// A record type, on the command line.
#[derive(Clone, Copy, ValueEnum)]
pub enum KindArg {
    /// KRSI_ACCESS (1460): denials, and audit-only programs' non-zero results.
    Access,
    /// KRSI_CONFIG_CHANGE (1461): changes and refused attempts.
    #[value(name = "config_change", alias = "config-change")]
    ConfigChange,
}

/// A duration in seconds, possibly fractional.
fn parse_secs(s: &str) -> Result<Duration, String> {
    s.parse::<f64>()
        .ok()
        .and_then(|f| Duration::try_from_secs_f64(f).ok())
        .ok_or_else(|| format!("{s:?} is not a number of seconds"))
}
