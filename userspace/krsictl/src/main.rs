// SPDX-License-Identifier: GPL-2.0
//! krsictl - attach, detach, replace and list BPF LSM programs on krsi's hooks; set their mode
//! (enforce or audit-only) and logging; disable and enable them; reset and seal hooks; lock krsi;
//! revalidate every attachment; print krsi's audit records.
//!
//! Exit status: 0 on success, 1 when the operation failed (the message says why, from the
//! kernel's errno), 2 on a usage error; `krsictl status` exits with a code per state
//! (`cli::STATUS_EXIT_CODES`).

use std::io::Write as _;
use std::os::fd::AsFd;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use aya::programs::Lsm;
use aya::{Btf, Ebpf, EbpfLoader};
use clap::Parser;
use serde::Serialize;

mod cli;
use cli::{Cli, Command, KindArg, ModeArg};
mod apply;

impl From<ModeArg> for krsi::Mode {
    fn from(m: ModeArg) -> Self {
        match m {
            ModeArg::Enforce => krsi::Mode::Enforce,
            ModeArg::Audit => krsi::Mode::Audit,
        }
    }
}

impl From<KindArg> for krsi::RecordKind {
    fn from(k: KindArg) -> Self {
        match k {
            KindArg::Access => krsi::RecordKind::Access,
            KindArg::ConfigChange => krsi::RecordKind::ConfigChange,
        }
    }
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
    // Every hook, sorted: those the status file names, the others having neither programs nor
    // a seal of their own to show.
    let (names, all) = match hook {
        Some(h) => (vec![h], false),
        None => {
            let mut names: Vec<String> = krsi::overview()?
                .hooks
                .into_iter()
                .map(|h| h.hook)
                .collect();
            names.sort();
            (names, true)
        }
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
    // The kernel's BTF (megabytes), parsed once for the hook's type id and given to the loader
    // for the object's relocations: `Ebpf::load_file()` would parse it twice besides
    // (`EbpfLoader::new()` parses it, whatever it is given after).
    let btf = Btf::from_sys_fs().context("reading the kernel's BTF (/sys/kernel/btf/vmlinux)")?;
    let mut ebpf = EbpfLoader::new()
        .btf(Some(&btf))
        .load_file(object)
        .with_context(|| format!("loading {}", object.display()))?;
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

/// What `krsictl status --json` prints: the state, whether krsi is active in the kernel, the
/// text `krsictl status` prints, and the facts of the state.
#[derive(Serialize)]
struct StatusOut {
    state: &'static str,
    active: bool,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    hooks: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    attachments: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    locked: Option<bool>,
    /// read_only: `cap_mac_admin` or `initial_user_namespace`.
    #[serde(skip_serializing_if = "Option::is_none")]
    lacking: Option<&'static str>,
    /// unreadable: the file that could not be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<String>,
    /// The active LSMs, when read.
    #[serde(skip_serializing_if = "Option::is_none")]
    lsms: Option<Vec<String>>,
    /// not_in_lsm_list: the lsm= to boot with.
    #[serde(skip_serializing_if = "Option::is_none")]
    lsm_param: Option<String>,
    /// securityfs_not_mounted: the command that mounts it.
    #[serde(skip_serializing_if = "Option::is_none")]
    mount_command: Option<String>,
    /// The kernel configuration that tells whether krsi is built in, when one was read.
    #[serde(skip_serializing_if = "Option::is_none")]
    config: Option<String>,
}

/// The name and exit code of each state of `krsictl status` (see `cli::STATUS_EXIT_CODES`).
fn status_state(s: &krsi::Status) -> (&'static str, u8) {
    use krsi::{Inactive, Status};
    match s {
        Status::Active(_) => ("active", 0),
        Status::Inactive(Inactive::NotBuiltIn(_)) => ("not_built_in", 3),
        Status::Inactive(Inactive::NotInLsmList { .. }) => ("not_in_lsm_list", 4),
        Status::Inactive(Inactive::SecurityfsNotMounted { .. }) => ("securityfs_not_mounted", 5),
        Status::Unreadable { .. } => ("unreadable", 6),
        Status::ReadOnly { .. } => ("read_only", 7),
        Status::Inactive(Inactive::NoHookDir { .. }) => ("no_hook_dir", 8),
    }
}

impl From<&krsi::Status> for StatusOut {
    fn from(s: &krsi::Status) -> Self {
        use krsi::{Evidence, Inactive, KernelConfig, Lacking, Status};
        let mut out = StatusOut {
            state: status_state(s).0,
            active: s.is_active(),
            message: s.to_string(),
            hooks: None,
            attachments: None,
            locked: None,
            lacking: None,
            path: None,
            lsms: None,
            lsm_param: None,
            mount_command: None,
            config: None,
        };
        let summary = match s {
            Status::Active(summary) => Some(summary),
            Status::ReadOnly { summary, lacking } => {
                out.lacking = Some(match lacking {
                    Lacking::MacAdmin => "cap_mac_admin",
                    Lacking::InitialUserNamespace => "initial_user_namespace",
                });
                Some(summary)
            }
            Status::Unreadable { hooks, path } => {
                out.hooks = Some(*hooks);
                out.path = Some(path.display().to_string());
                None
            }
            Status::Inactive(why) => {
                out.lsm_param = why.lsm_param();
                out.mount_command = why.mount_command();
                match why {
                    Inactive::NotBuiltIn(Evidence::Config(file)) => {
                        out.config = Some(file.display().to_string());
                    }
                    Inactive::NotInLsmList { lsms, config, .. } => {
                        out.lsms = Some(lsms.clone());
                        if let KernelConfig::BuiltIn(file) | KernelConfig::NotBuiltIn(file) = config
                        {
                            out.config = Some(file.display().to_string());
                        }
                    }
                    Inactive::NoHookDir { dir, lsms } => {
                        out.lsms = Some(lsms.clone());
                        out.path = Some(dir.display().to_string());
                    }
                    Inactive::NotBuiltIn(Evidence::NoLsmFramework(_))
                    | Inactive::SecurityfsNotMounted { .. } => {}
                }
                None
            }
        };
        if let Some(summary) = summary {
            out.hooks = Some(summary.hooks);
            out.attachments = Some(summary.attachments);
            out.locked = Some(summary.locked);
        }
        out
    }
}

/// `krsictl status`: prints the status, and exits with its state's code.
fn status(json: bool) -> Result<ExitCode> {
    let s = krsi::status()?;
    if json {
        print_json(&StatusOut::from(&s))?;
    } else {
        println!("{s}");
    }
    Ok(ExitCode::from(status_state(&s).1))
}

fn print_json<T: Serialize>(v: &T) -> Result<()> {
    println!("{}", serde_json::to_string(v)?);
    Ok(())
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Status => return status(cli.json),
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
    Ok(ExitCode::SUCCESS)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
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
    fn status_has_a_state_and_exit_code_per_diagnosis() {
        use krsi::{Evidence, Inactive, KernelConfig, Lacking, Status, Summary};
        use std::path::Path;
        let summary = Summary {
            hooks: 247,
            attachments: 2,
            locked: true,
        };
        let lsms: Vec<String> = ["capability", "bpf"].map(String::from).into();
        let json = |s: &Status| serde_json::to_string(&StatusOut::from(s)).unwrap();
        let text = |s: &Status| serde_json::to_string(&s.to_string()).unwrap();

        let s = Status::Active(summary.clone());
        assert_eq!(status_state(&s), ("active", 0));
        assert_eq!(
            json(&s),
            format!(
                "{{\"state\":\"active\",\"active\":true,\"message\":{},\"hooks\":247,\
                 \"attachments\":2,\"locked\":true}}",
                text(&s)
            )
        );
        let s = Status::Inactive(Inactive::NotBuiltIn(Evidence::Config(
            "/proc/config.gz".into(),
        )));
        assert_eq!(status_state(&s), ("not_built_in", 3));
        assert_eq!(
            json(&s),
            format!(
                "{{\"state\":\"not_built_in\",\"active\":false,\"message\":{},\
                 \"config\":\"/proc/config.gz\"}}",
                text(&s)
            )
        );
        let s = Status::Inactive(Inactive::NotBuiltIn(Evidence::NoLsmFramework(
            "/sys/kernel/security/lsm".into(),
        )));
        assert_eq!(status_state(&s), ("not_built_in", 3));
        assert!(json(&s).ends_with(&format!(",\"message\":{}}}", text(&s))));
        let s = Status::Inactive(Inactive::NotInLsmList {
            lsm_file: "/sys/kernel/security/lsm".into(),
            lsms: lsms.clone(),
            cmdline_lsm: Some("capability,bpf".into()),
            config: KernelConfig::Unknown(vec!["/proc/config.gz".into()]),
        });
        assert_eq!(status_state(&s), ("not_in_lsm_list", 4));
        assert_eq!(
            json(&s),
            format!(
                "{{\"state\":\"not_in_lsm_list\",\"active\":false,\"message\":{},\
                 \"lsms\":[\"capability\",\"bpf\"],\"lsm_param\":\"lsm=capability,krsi,bpf\"}}",
                text(&s)
            )
        );
        let Status::Inactive(Inactive::NotInLsmList { lsm_file, lsms, .. }) = s else {
            unreachable!()
        };
        let s = Status::Inactive(Inactive::NotInLsmList {
            lsm_file,
            lsms,
            cmdline_lsm: None,
            config: KernelConfig::BuiltIn("/boot/config-6.12".into()),
        });
        assert!(json(&s).ends_with(
            ",\"lsm_param\":\"lsm=capability,krsi,bpf\",\"config\":\"/boot/config-6.12\"}"
        ));
        let s = Status::Inactive(Inactive::SecurityfsNotMounted {
            mountpoint: "/sys/kernel/security".into(),
        });
        assert_eq!(status_state(&s), ("securityfs_not_mounted", 5));
        assert_eq!(
            json(&s),
            format!(
                "{{\"state\":\"securityfs_not_mounted\",\"active\":false,\"message\":{},\
                 \"mount_command\":\"mount -t securityfs securityfs /sys/kernel/security\"}}",
                text(&s)
            )
        );
        let s = Status::Unreadable {
            hooks: 247,
            path: krsi::CONTROL_FILE.into(),
        };
        assert_eq!(status_state(&s), ("unreadable", 6));
        assert_eq!(
            json(&s),
            format!(
                "{{\"state\":\"unreadable\",\"active\":true,\"message\":{},\"hooks\":247,\
                 \"path\":\"/sys/kernel/security/bpf/control\"}}",
                text(&s)
            )
        );
        for (lacking, word) in [
            (Lacking::MacAdmin, "cap_mac_admin"),
            (Lacking::InitialUserNamespace, "initial_user_namespace"),
        ] {
            let s = Status::ReadOnly {
                summary: summary.clone(),
                lacking,
            };
            assert_eq!(status_state(&s), ("read_only", 7));
            assert_eq!(
                json(&s),
                format!(
                    "{{\"state\":\"read_only\",\"active\":true,\"message\":{},\"hooks\":247,\
                     \"attachments\":2,\"locked\":true,\"lacking\":\"{word}\"}}",
                    text(&s)
                )
            );
        }
        let s = Status::Inactive(Inactive::NoHookDir {
            dir: Path::new(krsi::HOOK_DIR).into(),
            lsms: ["capability", "krsi"].map(String::from).into(),
        });
        assert_eq!(status_state(&s), ("no_hook_dir", 8));
        assert!(json(&s).ends_with(
            ",\"path\":\"/sys/kernel/security/bpf\",\"lsms\":[\"capability\",\"krsi\"]}"
        ));
        // Every exit code is the one the help lists for its state.
        for (code, words) in [
            (
                0,
                "krsi is active, and this process reads its files and may change",
            ),
            (3, "the kernel was built without krsi"),
            (4, "krsi is not in the active LSM list"),
            (5, "securityfs is not mounted"),
            (6, "krsi is active, but this process cannot read its files"),
            (
                7,
                "krsi is active and readable, but this process may not change it",
            ),
            (
                8,
                "krsi is in the active LSM list, but its directory is missing",
            ),
        ] {
            assert!(
                cli::STATUS_EXIT_CODES.contains(&format!("\n  {code}  {words}")),
                "{code} {words}"
            );
        }
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
        assert!(matches!(
            parse(&["status"]).unwrap().command,
            Command::Status
        ));
        assert!(parse(&["--json", "status"]).unwrap().json);
        assert!(parse(&["status", "file_open"]).is_err());
    }
}
