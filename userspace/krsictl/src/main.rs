// SPDX-License-Identifier: GPL-2.0
//! krsictl - attach, detach, replace and list BPF LSM programs on krsi's hooks; set their mode
//! (enforce or audit-only) and logging; disable and enable them; reset and seal hooks; lock krsi;
//! revalidate every attachment; print krsi's audit records.
//!
//! Exit status: 0 on success, 1 when the operation failed (the message says why, from the
//! kernel's errno), 2 on a usage error.

use std::io::Write as _;
use std::os::fd::AsFd;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use aya::programs::Lsm;
use aya::{Btf, Ebpf};
use clap::{Parser, Subcommand, ValueEnum};
use serde::Serialize;

mod apply;

#[derive(Parser)]
#[command(
    name = "krsictl",
    version,
    about = "Attach, detach, replace and list BPF LSM programs on krsi's hooks \
             (/sys/kernel/security/bpf); set their mode and logging; disable and enable them; \
             reset and seal hooks; lock krsi; revalidate every attachment; print krsi's audit \
             records",
    after_help = "Exit status: 0 success, 1 the operation failed (the message says why), 2 usage error."
)]
struct Cli {
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
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
    Apply(apply::ApplyArgs),
}

/// An attachment's mode, on the command line.
#[derive(Clone, Copy, ValueEnum)]
enum ModeArg {
    /// A non-zero result denies.
    Enforce,
    /// A non-zero result is recorded and counted; the action goes ahead.
    Audit,
}

impl From<ModeArg> for krsi::Mode {
    fn from(m: ModeArg) -> Self {
        match m {
            ModeArg::Enforce => krsi::Mode::Enforce,
            ModeArg::Audit => krsi::Mode::Audit,
        }
    }
}

/// A record type, on the command line.
#[derive(Clone, Copy, ValueEnum)]
enum KindArg {
    /// KRSI_ACCESS (1460): denials, and audit-only programs' non-zero results.
    Access,
    /// KRSI_CONFIG_CHANGE (1461): changes and refused attempts.
    #[value(name = "config_change", alias = "config-change")]
    ConfigChange,
}

impl From<KindArg> for krsi::RecordKind {
    fn from(k: KindArg) -> Self {
        match k {
            KindArg::Access => krsi::RecordKind::Access,
            KindArg::ConfigChange => krsi::RecordKind::ConfigChange,
        }
    }
}

/// A duration in seconds, possibly fractional.
fn parse_secs(s: &str) -> Result<Duration, String> {
    s.parse::<f64>()
        .ok()
        .and_then(|f| Duration::try_from_secs_f64(f).ok())
        .ok_or_else(|| format!("{s:?} is not a number of seconds"))
}

/// One attached program, for `list`.
#[derive(Serialize)]
struct Entry {
    id: u32,
    name: String,
    runs: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    denied: Option<u64>,
    #[serde(rename = "true", skip_serializing_if = "Option::is_none")]
    answered_true: Option<u64>,
    sleepable: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    audited: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mode: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    log: Option<bool>,
    /// `enabled` or `disabled`.
    state: &'static str,
    /// Why a revalidation disabled it.
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'static str>,
    /// The cgroup it is scoped to.
    #[serde(skip_serializing_if = "Option::is_none")]
    cgroup: Option<CgroupEntry>,
}

/// An attachment's cgroup scope, for `list`: `{"id":N,"path":"/A"}`, the path `null` once the
/// cgroup was removed.
#[derive(Serialize)]
struct CgroupEntry {
    id: u64,
    path: Option<String>,
}

impl From<krsi::Attachment> for Entry {
    fn from(a: krsi::Attachment) -> Self {
        Entry {
            state: a.state(),
            reason: a.reason.map(krsi::DisableReason::as_str),
            id: a.id,
            name: a.name,
            runs: a.runs,
            denied: a.denied,
            answered_true: a.answered_true,
            sleepable: a.sleepable,
            audited: a.audited,
            mode: a.mode.map(krsi::Mode::as_str),
            log: a.log,
            cgroup: a.scope.map(|s| CgroupEntry {
                id: s.id,
                path: s.path,
            }),
        }
    }
}

impl Entry {
    /// The entry's line of `list`, after the hook: id, name, counters, settings, state, scope.
    fn text(&self) -> String {
        let counter = match (self.denied, self.answered_true) {
            (Some(n), _) => format!(" denied={n}"),
            (None, Some(n)) => format!(" true={n}"),
            (None, None) => String::new(),
        };
        let mut audit = String::new();
        if let Some(n) = self.audited {
            audit.push_str(&format!(" audited={n}"));
        }
        if let Some(m) = self.mode {
            audit.push_str(&format!(" mode={m}"));
        }
        if let Some(l) = self.log {
            audit.push_str(&format!(" log={}", u8::from(l)));
        }
        let mut state = format!(" state={}", self.state);
        if let Some(r) = self.reason {
            state.push_str(&format!(" reason={r}"));
        }
        if let Some(c) = &self.cgroup {
            let path = c.path.as_deref().map_or("(removed)".into(), text_value);
            state.push_str(&format!(" cgroup={} cgroup_path={path}", c.id));
        }
        format!(
            "{:>6}  {:<16} runs={}{}{}{}{}",
            self.id,
            self.name,
            self.runs,
            counter,
            audit,
            if self.sleepable { " sleepable" } else { "" },
            state
        )
    }
}

/// One hook, for `list`.
#[derive(Serialize)]
struct HookEntry {
    hook: String,
    sealed: bool,
    programs: Vec<Entry>,
}

/// What `list` shows: krsi's lock and the hooks asked for.
#[derive(Serialize)]
struct ListOut {
    locked: bool,
    hooks: Vec<HookEntry>,
}

/// HOOK's listing, or that of every hook with programs or sealed by itself.
fn list(hook: Option<String>) -> Result<ListOut> {
    let locked = krsi::locked()?;
    let (names, all) = match hook {
        Some(h) => (vec![h], false),
        None => (krsi::hooks()?, true),
    };
    let mut hooks = Vec::new();
    for name in names {
        let listing = krsi::Hook::open(&name)?.listing()?;
        // With every hook sealed by the lock, `locked` says it once.
        if all && listing.attachments.is_empty() && (!listing.sealed || locked) {
            continue;
        }
        let programs = listing.attachments.into_iter().map(Entry::from).collect();
        hooks.push(HookEntry {
            hook: name,
            sealed: listing.sealed,
            programs,
        });
    }
    Ok(ListOut { locked, hooks })
}

#[derive(Serialize)]
struct Attached {
    hook: String,
    id: u32,
    program: String,
    /// Only when --mode was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    mode: Option<&'static str>,
    /// Only with --quiet.
    #[serde(skip_serializing_if = "Option::is_none")]
    log: Option<bool>,
    /// Only with --cgroup: the directory given.
    #[serde(skip_serializing_if = "Option::is_none")]
    cgroup: Option<String>,
}

/// Loads the LSM program `program` (or the only one) of `object` for `hook_name`, pinning it at
/// `pin` if asked; returns the object and the program's name.
fn load(
    hook_name: &str,
    object: &PathBuf,
    program: Option<&str>,
    pin: Option<&PathBuf>,
) -> Result<(Ebpf, String)> {
    let mut ebpf =
        Ebpf::load_file(object).with_context(|| format!("loading {}", object.display()))?;
    let names: Vec<String> = ebpf
        .programs()
        .filter(|(_, p)| matches!(p, aya::programs::Program::Lsm(_)))
        .map(|(n, _)| n.to_string())
        .collect();
    let name = match (program, names.as_slice()) {
        (Some(p), _) if names.iter().any(|n| n == p) => p.to_string(),
        (Some(p), _) => bail!(
            "{}: no LSM program {p} (it has: {})",
            object.display(),
            names.join(", ")
        ),
        (None, [one]) => one.clone(),
        (None, []) => bail!("{}: no LSM program (SEC(\"lsm/<hook>\"))", object.display()),
        (None, _) => bail!(
            "{}: several LSM programs ({}); choose one with --program",
            object.display(),
            names.join(", ")
        ),
    };
    let btf = Btf::from_sys_fs().context("reading the kernel's BTF (/sys/kernel/btf/vmlinux)")?;
    let prog = lsm_mut(&mut ebpf, &name)?;
    prog.load(hook_name, &btf).with_context(|| {
        format!("loading program {name} for hook {hook_name} (the verifier's log says why)")
    })?;
    if let Some(pin) = pin {
        prog.pin(pin)
            .with_context(|| format!("pinning {name} at {}", pin.display()))?;
    }
    Ok((ebpf, name))
}

fn lsm_mut<'a>(ebpf: &'a mut Ebpf, name: &str) -> Result<&'a mut Lsm> {
    ebpf.program_mut(name)
        .context("program vanished")?
        .try_into()
        .context("not an LSM program")
}

/// Prints the text records of ring buffer `map`, one per line, until `count` (or forever).
fn follow(ebpf: &mut Ebpf, map: &str, count: Option<u64>) -> Result<()> {
    use std::io::Write as _;
    use std::os::fd::AsRawFd as _;

    let map = ebpf
        .take_map(map)
        .with_context(|| format!("no map {map} in the object"))?;
    let mut ring = aya::maps::RingBuf::try_from(map).context("not a ring buffer map")?;
    let mut seen = 0;
    let mut out = std::io::stdout().lock();
    while count.is_none_or(|c| seen < c) {
        while let Some(record) = ring.next() {
            let text = record.split(|&b| b == 0).next().unwrap_or(&[]);
            out.write_all(text)?;
            out.write_all(b"\n")?;
            seen += 1;
            if count.is_some_and(|c| seen >= c) {
                break;
            }
        }
        out.flush()?;
        if count.is_some_and(|c| seen >= c) {
            break;
        }
        let mut pfd = libc::pollfd {
            fd: ring.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd for the ring buffer's descriptor.
        if unsafe { libc::poll(&mut pfd, 1, -1) } < 0 {
            let e = std::io::Error::last_os_error();
            if e.kind() != std::io::ErrorKind::Interrupted {
                return Err(e).context("waiting for ring buffer records");
            }
        }
    }
    Ok(())
}

/// A value for a `key=value` line: as it is, or quoted (with `\\`, `\"` and control characters
/// escaped) when it is empty or holds a space, a quote, a backslash or a control character.
fn text_value(v: &str) -> String {
    if !v.is_empty()
        && !v
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '\\'))
    {
        return v.to_string();
    }
    let mut q = String::from("\"");
    for c in v.chars() {
        match c {
            '"' => q.push_str("\\\""),
            '\\' => q.push_str("\\\\"),
            '\n' => q.push_str("\\n"),
            '\t' => q.push_str("\\t"),
            c if c.is_control() => q.push_str(&format!("\\x{:02x}", u32::from(c))),
            c => q.push(c),
        }
    }
    q.push('"');
    q
}

/// A record as one line of text: `KRSI_ACCESS audit(<time>:<serial>) key=value ...`.
fn record_text(r: &krsi::Record) -> String {
    let mut line = format!("{} audit({}:{})", r.kind.name(), r.time, r.serial);
    for (k, v) in &r.fields {
        line.push_str(&format!(" {k}={}", text_value(v)));
    }
    line
}

/// A record as one JSON object, its fields in their order:
/// `{"type":"access","time":"...","serial":N,"fields":{"hook":"...",...}}`.
fn record_json(r: &krsi::Record) -> Result<String> {
    let mut fields = Vec::with_capacity(r.fields.len());
    for (k, v) in &r.fields {
        fields.push(format!(
            "{}:{}",
            serde_json::to_string(k)?,
            serde_json::to_string(v)?
        ));
    }
    Ok(format!(
        "{{\"type\":{},\"time\":{},\"serial\":{},\"fields\":{{{}}}}}",
        serde_json::to_string(r.kind.short_name())?,
        serde_json::to_string(&r.time.to_string())?,
        r.serial,
        fields.join(",")
    ))
}

/// Prints krsi's audit records as they come (see `Command::Events`).
fn events(
    json: bool,
    follow: bool,
    count: Option<u64>,
    timeout: Duration,
    kind: Option<krsi::RecordKind>,
) -> Result<()> {
    let mut events = krsi::Events::open()?;
    let mut out = std::io::stdout().lock();
    let (mut seen, mut overruns) = (0, 0);
    // Without --follow: until no record (of --type) came for `timeout`.
    let until = || std::time::Instant::now().checked_add(timeout);
    let mut deadline = until();
    while count.is_none_or(|c| seen < c) {
        // (A deadline beyond what Instant holds: no timeout.)
        let wait = deadline
            .filter(|_| !follow)
            .map(|d| d.saturating_duration_since(std::time::Instant::now()));
        let record = match events.next_timeout(wait) {
            Ok(Some(r)) => r,
            Ok(None) => break,
            Err(e @ krsi::Error::BadRecord(_)) => {
                eprintln!("krsictl: {e}");
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        if events.overruns() != overruns {
            overruns = events.overruns();
            eprintln!("krsictl: the audit socket overran: records were lost");
        }
        if kind.is_some_and(|k| k != record.kind) {
            continue;
        }
        let line = if json {
            record_json(&record)?
        } else {
            record_text(&record)
        };
        // Each record as it comes, for whoever reads the output while krsictl runs.
        match writeln!(out, "{line}").and_then(|()| out.flush()) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(()),
            r => r.context("writing a record")?,
        }
        seen += 1;
        deadline = until();
    }
    Ok(())
}

fn print_json<T: Serialize>(v: &T) -> Result<()> {
    println!("{}", serde_json::to_string(v)?);
    Ok(())
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Hooks => {
            let hooks = krsi::hooks()?;
            if cli.json {
                print_json(&hooks)?;
            } else {
                hooks.iter().for_each(|h| println!("{h}"));
            }
        }
        Command::List { hook } => {
            let out = list(hook)?;
            if cli.json {
                print_json(&out)?;
            } else {
                if out.locked {
                    println!("krsi is locked: every hook is sealed, nothing can be attached");
                }
                for h in &out.hooks {
                    if h.sealed && !out.locked {
                        println!("{:<24} sealed", h.hook);
                    }
                    for e in &h.programs {
                        println!("{:<24} {}", h.hook, e.text());
                    }
                }
            }
        }
        Command::Attach {
            hook,
            object,
            program,
            pin,
            first,
            before,
            after,
            mode,
            quiet,
            cgroup,
            follow: map,
            count,
        } => {
            let pos = match (first, before, after) {
                (true, _, _) => krsi::Position::First,
                (_, Some(id), _) => krsi::Position::Before(id),
                (_, _, Some(id)) => krsi::Position::After(id),
                _ => krsi::Position::Last,
            };
            let mut opts = krsi::AttachOptions::from(pos)
                .mode(mode.map_or(krsi::Mode::Enforce, krsi::Mode::from))
                .log(!quiet);
            if let Some(dir) = &cgroup {
                opts = opts.cgroup(dir);
            }
            let h = krsi::Hook::open(&hook)?;
            let (mut ebpf, name) = load(&hook, &object, program.as_deref(), pin.as_ref())?;
            let id = h.attach_fd_with(lsm_mut(&mut ebpf, &name)?.fd()?.as_fd(), &opts)?;
            let a = Attached {
                hook,
                id,
                program: name,
                mode: mode.map(|m| krsi::Mode::from(m).as_str()),
                log: quiet.then_some(false),
                cgroup: cgroup.map(|d| d.display().to_string()),
            };
            if cli.json {
                print_json(&a)?;
            } else {
                println!(
                    "attached {} to {} as program id {}",
                    a.program, a.hook, a.id
                );
                if opts.mode == krsi::Mode::Audit {
                    println!("mode audit: its denials are counted as audited=, not enforced");
                }
                if !opts.log {
                    println!("quiet: its denials are not recorded in the audit log");
                }
                if let Some(dir) = &a.cgroup {
                    println!("scoped to cgroup {dir}: it runs only for subjects in it or below it");
                }
            }
            if let Some(map) = map {
                follow(&mut ebpf, &map, count)?;
            }
        }
        Command::Detach { hook, id } => {
            krsi::Hook::open(&hook)?.detach(id)?;
            if cli.json {
                print_json(&serde_json::json!({ "hook": hook, "id": id, "detached": true }))?;
            } else {
                println!("detached program {id} from {hook}");
            }
        }
        Command::Replace {
            hook,
            id,
            object,
            program,
            pin,
        } => {
            let h = krsi::Hook::open(&hook)?;
            let (mut ebpf, name) = load(&hook, &object, program.as_deref(), pin.as_ref())?;
            let new = h.replace_fd(id, lsm_mut(&mut ebpf, &name)?.fd()?.as_fd())?;
            if cli.json {
                print_json(&serde_json::json!({
                    "hook": hook, "replaced": id, "id": new, "program": name
                }))?;
            } else {
                println!("replaced program {id} of {hook} by {name}, program id {new}");
            }
        }
        Command::Mode { hook, id, mode } => {
            let mode = krsi::Mode::from(mode);
            krsi::Hook::open(&hook)?.set_mode(id, mode)?;
            if cli.json {
                print_json(&serde_json::json!({ "hook": hook, "id": id, "mode": mode.as_str() }))?;
            } else {
                println!("program {id} of {hook} is now in mode {mode}");
            }
        }
        Command::Log { hook, id, log } => {
            let log = log == 1;
            krsi::Hook::open(&hook)?.set_log(id, log)?;
            if cli.json {
                print_json(&serde_json::json!({ "hook": hook, "id": id, "log": log }))?;
            } else if log {
                println!("the denials of program {id} of {hook} are now recorded in the audit log");
            } else {
                println!("program {id} of {hook} is now quiet: its denials are not recorded");
            }
        }
        Command::Disable { hook, id } => {
            krsi::Hook::open(&hook)?.disable(id)?;
            if cli.json {
                print_json(&serde_json::json!({ "hook": hook, "id": id, "state": "disabled" }))?;
            } else {
                println!("disabled program {id} of {hook}: it keeps its place but does not run");
            }
        }
        Command::Enable { hook, id } => {
            krsi::Hook::open(&hook)?.enable(id)?;
            if cli.json {
                print_json(&serde_json::json!({ "hook": hook, "id": id, "state": "enabled" }))?;
            } else {
                println!("enabled program {id} of {hook}: it runs again");
            }
        }
        Command::Revalidate => {
            let n = krsi::revalidate()?;
            if cli.json {
                print_json(&serde_json::json!({ "revalidated": true, "changed": n }))?;
            } else {
                println!("revalidated every attachment: {n} changed state");
            }
        }
        Command::Events {
            follow,
            count,
            timeout,
            kind,
        } => events(cli.json, follow, count, timeout, kind.map(Into::into))?,
        Command::Reset { hook } => {
            let n = krsi::Hook::open(&hook)?.reset()?;
            if cli.json {
                print_json(&serde_json::json!({ "hook": hook, "detached": n }))?;
            } else {
                println!("detached {n} programs from {hook}");
            }
        }
        Command::Seal { hook } => {
            krsi::Hook::open(&hook)?.seal()?;
            if cli.json {
                print_json(&serde_json::json!({ "hook": hook, "sealed": true }))?;
            } else {
                println!("sealed {hook} until reboot");
            }
        }
        Command::Apply(args) => apply::run(args, cli.json)?,
        Command::Lock => {
            krsi::lock()?;
            if cli.json {
                print_json(&serde_json::json!({ "locked": true }))?;
            } else {
                println!("locked krsi until reboot");
            }
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("krsictl: {e:#}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> krsi::Record {
        krsi::Record::parse(
            1460,
            "audit(1733252400.123:57): hook=file_open prog_id=42 prog_name=\"deny\" result=-1 \
             mode=audit pid=312 comm=6120620A exe=\"/bin/cat\" empty=",
        )
        .unwrap()
    }

    #[test]
    fn records_print_as_text() {
        assert_eq!(
            record_text(&record()),
            "KRSI_ACCESS audit(1733252400.123:57) hook=file_open prog_id=42 prog_name=deny \
             result=-1 mode=audit pid=312 comm=\"a b\\n\" exe=/bin/cat empty=\"\""
        );
        assert_eq!(text_value("a\"b\\c\td\u{1}"), "\"a\\\"b\\\\c\\td\\x01\"");
        assert_eq!(text_value("?"), "?");
    }

    #[test]
    fn records_print_as_json_in_field_order() {
        let line = record_json(&record()).unwrap();
        assert_eq!(
            line,
            "{\"type\":\"access\",\"time\":\"1733252400.123\",\"serial\":57,\"fields\":{\
             \"hook\":\"file_open\",\"prog_id\":\"42\",\"prog_name\":\"deny\",\"result\":\"-1\",\
             \"mode\":\"audit\",\"pid\":\"312\",\"comm\":\"a b\\n\",\"exe\":\"/bin/cat\",\
             \"empty\":\"\"}}"
        );
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["fields"]["comm"], "a b\n");
        let c = krsi::Record::parse(1461, "audit(1.000:2): op=mode res=1").unwrap();
        assert!(record_json(&c)
            .unwrap()
            .starts_with("{\"type\":\"config_change\",\"time\":\"1.000\",\"serial\":2,"));
    }

    fn attachment(line: &str) -> Entry {
        krsi::parse_listing(line).unwrap().remove(0).into()
    }

    #[test]
    fn list_shows_the_state_and_reason() {
        let e = attachment(
            "12 name=deny_open runs=7 denied=2 sleepable=0 audited=0 mode=enforce log=1 \
             state=disabled reason=lockdown",
        );
        assert_eq!(
            e.text(),
            "    12  deny_open        runs=7 denied=2 audited=0 mode=enforce log=1 state=disabled \
             reason=lockdown"
        );
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            "{\"id\":12,\"name\":\"deny_open\",\"runs\":7,\"denied\":2,\"sleepable\":false,\
             \"audited\":0,\"mode\":\"enforce\",\"log\":true,\"state\":\"disabled\",\
             \"reason\":\"lockdown\"}"
        );
        // Disabled by hand, on a void hook; sleepable.
        let e = attachment("4 name=v runs=3 sleepable=1 state=disabled");
        assert_eq!(
            e.text(),
            "     4  v                runs=3 sleepable state=disabled"
        );
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            "{\"id\":4,\"name\":\"v\",\"runs\":3,\"sleepable\":true,\"state\":\"disabled\"}"
        );
        // A krsi without disabling: enabled.
        let e = attachment("5 name=skip runs=3 true=1 sleepable=0");
        assert_eq!(
            e.text(),
            "     5  skip             runs=3 true=1 state=enabled"
        );
        assert!(serde_json::to_string(&e)
            .unwrap()
            .ends_with(",\"true\":1,\"sleepable\":false,\"state\":\"enabled\"}"));
    }

    #[test]
    fn list_shows_the_cgroup_scope() {
        let e = attachment(
            "12 name=sc_a runs=3 denied=1 sleepable=0 audited=0 mode=enforce log=1 \
             state=enabled cgroup=4021 cgroup_path=/A",
        );
        assert_eq!(
            e.text(),
            "    12  sc_a             runs=3 denied=1 audited=0 mode=enforce log=1 state=enabled \
             cgroup=4021 cgroup_path=/A"
        );
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            "{\"id\":12,\"name\":\"sc_a\",\"runs\":3,\"denied\":1,\"sleepable\":false,\
             \"audited\":0,\"mode\":\"enforce\",\"log\":true,\"state\":\"enabled\",\
             \"cgroup\":{\"id\":4021,\"path\":\"/A\"}}"
        );
        // Removed: the path is null.
        let e = attachment(
            "13 name=sc_b runs=0 sleepable=0 state=disabled reason=lsm cgroup=4022 \
             cgroup_path=(removed)",
        );
        assert_eq!(
            e.text(),
            "    13  sc_b             runs=0 state=disabled reason=lsm cgroup=4022 \
             cgroup_path=(removed)"
        );
        assert!(serde_json::to_string(&e).unwrap().ends_with(
            "\"state\":\"disabled\",\"reason\":\"lsm\",\"cgroup\":{\"id\":4022,\"path\":null}}"
        ));
        // Unescaped from the listing; quoted in text when it holds a space.
        let e = attachment("14 name=c runs=0 sleepable=0 cgroup=7 cgroup_path=/a\\040b");
        assert!(e.text().ends_with(" cgroup=7 cgroup_path=\"/a b\""));
        assert!(serde_json::to_string(&e)
            .unwrap()
            .ends_with(",\"cgroup\":{\"id\":7,\"path\":\"/a b\"}}"));
    }

    #[test]
    fn command_lines_parse() {
        use clap::error::ErrorKind;
        let parse = |args: &[&str]| Cli::try_parse_from([&["krsictl"], args].concat());
        let cli = parse(&["attach", "--mode", "audit", "--quiet", "file_open", "x.o"]).unwrap();
        assert!(matches!(
            cli.command,
            Command::Attach {
                mode: Some(ModeArg::Audit),
                quiet: true,
                ..
            }
        ));
        let cli = parse(&["attach", "file_open", "x.o"]).unwrap();
        assert!(matches!(
            cli.command,
            Command::Attach {
                mode: None,
                quiet: false,
                cgroup: None,
                ..
            }
        ));
        // --cgroup combines with a position and a mode.
        let cli = parse(&[
            "attach",
            "--first",
            "--mode",
            "audit",
            "--cgroup",
            "/sys/fs/cgroup/A",
            "task_setrlimit",
            "x.o",
        ])
        .unwrap();
        assert!(matches!(
            cli.command,
            Command::Attach {
                first: true,
                mode: Some(ModeArg::Audit),
                cgroup: Some(ref dir),
                ..
            } if dir == std::path::Path::new("/sys/fs/cgroup/A")
        ));
        assert!(matches!(
            parse(&[
                "attach",
                "--after",
                "3",
                "task_setrlimit",
                "x.o",
                "--cgroup",
                "/A"
            ])
            .unwrap()
            .command,
            Command::Attach {
                after: Some(3),
                cgroup: Some(_),
                ..
            }
        ));
        assert!(parse(&["attach", "--cgroup", "task_setrlimit", "x.o"]).is_err());
        assert!(matches!(
            parse(&["mode", "file_open", "7", "enforce"])
                .unwrap()
                .command,
            Command::Mode {
                id: 7,
                mode: ModeArg::Enforce,
                ..
            }
        ));
        assert!(parse(&["mode", "file_open", "7", "learn"]).is_err());
        assert!(matches!(
            parse(&["log", "file_open", "7", "0"]).unwrap().command,
            Command::Log { id: 7, log: 0, .. }
        ));
        assert!(parse(&["log", "file_open", "7", "2"]).is_err());
        assert!(matches!(
            parse(&["disable", "file_open", "7"]).unwrap().command,
            Command::Disable { id: 7, ref hook } if hook == "file_open"
        ));
        assert!(matches!(
            parse(&["--json", "enable", "file_open", "7"])
                .unwrap()
                .command,
            Command::Enable { id: 7, ref hook } if hook == "file_open"
        ));
        assert!(parse(&["disable", "file_open"]).is_err());
        assert!(parse(&["enable", "file_open", "x"]).is_err());
        assert!(matches!(
            parse(&["revalidate"]).unwrap().command,
            Command::Revalidate
        ));
        assert!(parse(&["revalidate", "file_open"]).is_err());
        let cli = parse(&["--json", "events", "--count", "1", "--timeout", "0.5"]).unwrap();
        assert!(cli.json);
        assert!(matches!(
            cli.command,
            Command::Events {
                follow: false,
                count: Some(1),
                timeout,
                kind: None,
            } if timeout == Duration::from_millis(500)
        ));
        assert!(matches!(
            parse(&["events"]).unwrap().command,
            Command::Events { timeout, .. } if timeout == Duration::from_secs(2)
        ));
        assert!(matches!(
            parse(&["events", "--follow", "--type", "config-change"])
                .unwrap()
                .command,
            Command::Events {
                follow: true,
                kind: Some(KindArg::ConfigChange),
                ..
            }
        ));
        assert_eq!(
            parse(&["events", "--follow", "--timeout", "3"])
                .err()
                .map(|e| e.kind()),
            Some(ErrorKind::ArgumentConflict)
        );
        assert!(parse(&["events", "--timeout", "-1"]).is_err());
    }
}
