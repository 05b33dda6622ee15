// SPDX-License-Identifier: GPL-2.0
//! `krsictl apply FILE`: make krsi's running state that of a declarative policy file (see
//! `krsi::policy` for the format and the planner).
//!
//! Everything that can be checked is checked before the first change: the file (every error
//! names its line), the hooks, the objects and programs (each entry's program is loaded, which
//! also gives its tag), the cgroup directories, and what a seal or the lock would refuse. Then
//! the plan's steps run in order, each printed as it is done; the state file records which
//! program is which entry's, also when a step fails half-way (the message says which).

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::os::fd::{AsFd, AsRawFd};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use aya::programs::{Lsm, Program};
use aya::{Btf, Ebpf, EbpfLoader};
use krsi::policy::{self, Anchor, Desired, Loaded, Plan, Policy, Record, Slot, State, Step};
use serde::Serialize;

use crate::cli::ApplyArgs;

/// An entry's program, loaded.
struct EntryProgram {
    ebpf: Ebpf,
    name: String,
}

impl EntryProgram {
    fn lsm(&self) -> Result<&Lsm> {
        let p: &Program = self.ebpf.program(&self.name).context("program vanished")?;
        p.try_into().context("not an LSM program")
    }
}

/// `FILE:LINE`, for messages about an entry.
fn at(file: &Path, line: usize) -> String {
    format!("{}:{line}", file.display())
}

/// Loads entry `e`'s program for its hook with `loader`, which has the kernel's BTF `btf` (one
/// loader for every entry: aya's reads the kernel's BTF, megabytes, when it is made).
fn load(
    file: &Path,
    e: &policy::Entry,
    loader: &mut EbpfLoader,
    btf: &Btf,
) -> Result<(EntryProgram, Loaded)> {
    let here = at(file, e.line);
    let mut ebpf = loader
        .load_file(&e.object)
        .with_context(|| format!("{here}: loading {}", e.object.display()))?;
    let names: Vec<String> = ebpf
        .programs()
        .filter(|(_, p)| matches!(p, Program::Lsm(_)))
        .map(|(n, _)| n.to_string())
        .collect();
    let name = match (&e.program, names.as_slice()) {
        (Some(p), _) if names.contains(p) => p.clone(),
        (Some(p), _) => bail!(
            "{here}: {} has no LSM program {p} (it has: {})",
            e.object.display(),
            names.join(", ")
        ),
        (None, [one]) => one.clone(),
        (None, []) => bail!(
            "{here}: {} has no LSM program (SEC(\"lsm/<hook>\"))",
            e.object.display()
        ),
        (None, _) => bail!(
            "{here}: {} has several LSM programs ({}); choose one with program = \"NAME\"",
            e.object.display(),
            names.join(", ")
        ),
    };
    let lsm: &mut Lsm = ebpf
        .program_mut(&name)
        .context("program vanished")?
        .try_into()
        .context("not an LSM program")?;
    lsm.load(&e.hook, btf).with_context(|| {
        format!(
            "{here}: loading program {name} for hook {} (the verifier's log says why)",
            e.hook
        )
    })?;
    let info = lsm
        .info()
        .with_context(|| format!("{here}: reading the tag of program {name}"))?;
    let cgroup = match &e.cgroup {
        Some(dir) => Some(policy::cgroup_id(dir).with_context(|| here.clone())?),
        None => None,
    };
    let loaded = Loaded {
        program: name.clone(),
        name: info
            .name_as_str()
            .filter(|n| !n.is_empty())
            .unwrap_or("-")
            .to_string(),
        tag: info.tag().into(),
        cgroup,
    };
    Ok((EntryProgram { ebpf, name }, loaded))
}

/// Holds an exclusive lock on `STATE.lock` while it lives, so that two applies do not
/// interleave.
fn lock_state(state: &Path) -> Result<File> {
    let mut path = state.as_os_str().to_owned();
    path.push(".lock");
    let path = PathBuf::from(path);
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .with_context(|| format!("creating {}", dir.display()))?;
    }
    let file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(&path)
        .with_context(|| format!("opening {}", path.display()))?;
    // SAFETY: flock on a descriptor we own.
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } != 0 {
        return Err(std::io::Error::last_os_error())
            .with_context(|| format!("locking {}", path.display()));
    }
    Ok(file)
}

/// One change, for `--json`.
#[derive(Serialize)]
struct Change {
    /// `attach`, `replace`, `move`, `mode`, `log`, `enable`, `detach`, `seal`, `lock`.
    op: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    hook: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    entry: Option<String>,
    /// The program the change is about (replaced, moved, switched, detached).
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<u32>,
    /// The program it attached.
    #[serde(skip_serializing_if = "Option::is_none")]
    new_id: Option<u32>,
    /// The change in words.
    text: String,
}

/// What `--json` prints.
#[derive(Serialize)]
struct Out {
    file: String,
    dry_run: bool,
    changes: Vec<Change>,
    notes: Vec<String>,
}

/// The step's hook, entry name and the program it is about.
fn subject(step: &Step, desired: &Desired) -> (Option<String>, Option<String>, Option<u32>) {
    let key = |hook: &str, i: usize| Some(policy::entry(desired, hook, i).key.clone());
    match step {
        Step::Attach { hook, entry, .. } => (Some(hook.clone()), key(hook, *entry), None),
        Step::Replace { hook, entry, id }
        | Step::Move {
            hook, entry, id, ..
        } => (Some(hook.clone()), key(hook, *entry), Some(*id)),
        Step::SetMode {
            hook, entry, slot, ..
        }
        | Step::SetLog {
            hook, entry, slot, ..
        }
        | Step::Enable { hook, entry, slot } => (
            Some(hook.clone()),
            key(hook, *entry),
            match slot {
                Slot::Id(id) => Some(*id),
                Slot::Entry(_) => None,
            },
        ),
        Step::Detach { hook, id, .. } => (Some(hook.clone()), None, Some(*id)),
        Step::Seal { hook } => (Some(hook.clone()), None, None),
        Step::Lock => (None, None, None),
    }
}

/// Runs a plan's steps, keeping track of the programs it attaches and of the records.
struct Executor<'a> {
    desired: &'a Desired,
    programs: &'a [EntryProgram],
    /// The program attached for (hook, entry) by a step.
    ids: HashMap<(String, usize), u32>,
    records: Vec<Record>,
}

impl Executor<'_> {
    fn resolve(&self, hook: &str, s: Slot) -> u32 {
        match s {
            Slot::Id(id) => id,
            Slot::Entry(i) => self.ids[&(hook.to_string(), i)],
        }
    }

    fn position(&self, hook: &str, at: Anchor) -> krsi::Position {
        match at {
            Anchor::First => krsi::Position::First,
            Anchor::Last => krsi::Position::Last,
            Anchor::Before(s) => krsi::Position::Before(self.resolve(hook, s)),
            Anchor::After(s) => krsi::Position::After(self.resolve(hook, s)),
        }
    }

    /// Records `id` as entry `i`'s program, in place of the entry's earlier record.
    fn record(&mut self, hook: &str, i: usize, id: u32) {
        let e = policy::entry(self.desired, hook, i);
        let rec = Record {
            hook: hook.to_string(),
            entry: e.key.clone(),
            id,
            tag: e.tag,
        };
        self.ids.insert((hook.to_string(), i), id);
        match self
            .records
            .iter_mut()
            .find(|r| r.hook == hook && r.entry == e.key)
        {
            Some(r) => *r = rec,
            None => self.records.push(rec),
        }
    }

    fn forget(&mut self, hook: &str, id: u32) {
        self.records.retain(|r| !(r.hook == hook && r.id == id));
    }

    /// Attaches entry `i`'s program at `at` with its settings; returns its id.
    fn attach(&mut self, hook: &str, i: usize, at: Anchor) -> Result<u32> {
        let e = policy::entry(self.desired, hook, i);
        let mut opts = krsi::AttachOptions::from(self.position(hook, at))
            .mode(e.mode)
            .log(e.log);
        if let Some((dir, _)) = &e.cgroup {
            opts = opts.cgroup(dir);
        }
        let fd = self.programs[e.source].lsm()?.fd()?;
        let id = krsi::Hook::open(hook)?.attach_fd_with(fd.as_fd(), &opts)?;
        self.record(hook, i, id);
        Ok(id)
    }

    /// Takes `step`; returns the id of the program it attached, if it did.
    fn run(&mut self, step: &Step) -> Result<Option<u32>> {
        Ok(match step {
            Step::Attach { hook, entry, at } => Some(self.attach(hook, *entry, *at)?),
            Step::Replace { hook, entry, id } => {
                let e = policy::entry(self.desired, hook, *entry);
                let fd = self.programs[e.source].lsm()?.fd()?;
                let new = krsi::Hook::open(hook)?.replace_fd(*id, fd.as_fd())?;
                self.forget(hook, *id);
                self.record(hook, *entry, new);
                Some(new)
            }
            Step::Move {
                hook,
                entry,
                id,
                at,
                ..
            } => {
                let new = self.attach(hook, *entry, *at)?;
                if let Err(e) = krsi::Hook::open(hook).and_then(|h| h.detach(*id)) {
                    // Still the entry's to detach: the next apply does.
                    if let Ok(Some(tag)) = policy::program_tag(*id) {
                        self.records.push(Record {
                            hook: hook.clone(),
                            entry: policy::entry(self.desired, hook, *entry).key.clone(),
                            id: *id,
                            tag,
                        });
                    }
                    return Err(e).context(format!("attached program {new}, then"));
                }
                Some(new)
            }
            Step::SetMode {
                hook, slot, mode, ..
            } => {
                krsi::Hook::open(hook)?.set_mode(self.resolve(hook, *slot), *mode)?;
                None
            }
            Step::SetLog {
                hook, slot, log, ..
            } => {
                krsi::Hook::open(hook)?.set_log(self.resolve(hook, *slot), *log)?;
                None
            }
            Step::Enable { hook, slot, .. } => {
                krsi::Hook::open(hook)?.enable(self.resolve(hook, *slot))?;
                None
            }
            Step::Detach { hook, id, .. } => {
                krsi::Hook::open(hook)?.detach(*id)?;
                self.forget(hook, *id);
                None
            }
            Step::Seal { hook } => {
                krsi::Hook::open(hook)?.seal()?;
                None
            }
            Step::Lock => {
                krsi::lock()?;
                None
            }
        })
    }
}

/// Checks the policy file `file` against the running kernel and loads its entries' programs:
/// the desired state, and the programs (`programs[i]` for entry `i` of the file).
fn load_policy(file: &Path) -> Result<(Desired, Vec<EntryProgram>)> {
    let pol = Policy::read(file)?;
    // krsi and the hooks, before loading anything.
    krsi::locked()?;
    for (name, h) in &pol.hooks {
        krsi::Hook::open(name).with_context(|| at(file, h.line))?;
    }
    for e in &pol.entries {
        krsi::Hook::open(&e.hook).with_context(|| at(file, e.line))?;
    }
    let mut programs = Vec::with_capacity(pol.entries.len());
    let mut loaded = Vec::with_capacity(pol.entries.len());
    if !pol.entries.is_empty() {
        let btf =
            Btf::from_sys_fs().context("reading the kernel's BTF (/sys/kernel/btf/vmlinux)")?;
        let mut loader = EbpfLoader::new();
        loader.btf(Some(&btf));
        for e in &pol.entries {
            let (p, l) = load(file, e, &mut loader, &btf)?;
            programs.push(p);
            loaded.push(l);
        }
    }
    Ok((pol.desired(file, &loaded)?, programs))
}

/// Reads the running state of the hooks of `desired` and of those the `owned` records name,
/// and plans; returns the plan.
fn make_plan(file: &Path, desired: &Desired, owned: &[Record]) -> Result<Plan> {
    let mut hooks: Vec<&str> = desired.hooks.keys().map(String::as_str).collect();
    hooks.extend(
        owned
            .iter()
            .map(|r| r.hook.as_str())
            .filter(|h| krsi::Hook::open(h).is_ok()),
    );
    hooks.sort_unstable();
    hooks.dedup();
    let running = policy::Running::read(hooks)?;
    let owned: Vec<Record> = owned
        .iter()
        .filter(|r| running.hooks.contains_key(&r.hook))
        .cloned()
        .collect();
    policy::plan(desired, &running, &owned)
        .with_context(|| format!("{}: nothing was changed", file.display()))
}

/// `krsictl apply`.
pub fn run(args: ApplyArgs, json: bool) -> Result<()> {
    let file = &args.file;
    let (desired, programs) = load_policy(file)?;
    // Applies take turns; a dry run changes nothing and creates nothing.
    let _lock = if args.dry_run {
        None
    } else {
        Some(lock_state(&args.state)?)
    };
    let boot = policy::boot_id().context("reading /proc/sys/kernel/random/boot_id")?;
    let state = State::read(&args.state)?;
    let owned = state.as_ref().map_or(&[][..], |s| s.records_for(&boot));
    let plan = make_plan(file, &desired, owned)?;

    let change = |step: &Step, new_id: Option<u32>| {
        let (hook, entry, id) = subject(step, &desired);
        Change {
            op: step.op(),
            hook,
            entry,
            id,
            new_id,
            text: policy::describe(step, &desired),
        }
    };
    let mut out = Out {
        file: file.display().to_string(),
        dry_run: args.dry_run,
        changes: Vec::new(),
        notes: plan.notes.clone(),
    };
    let nothing = || {
        println!(
            "nothing to change: the running state matches {}",
            file.display()
        )
    };
    let notes = |out: &Out| out.notes.iter().for_each(|n| println!("note: {n}"));
    if args.dry_run {
        out.changes = plan.steps.iter().map(|s| change(s, None)).collect();
        if !json {
            if plan.steps.is_empty() {
                nothing();
            } else {
                println!("plan for {} (dry run: nothing is changed):", file.display());
                out.changes.iter().for_each(|c| println!("  {}", c.text));
            }
            notes(&out);
        }
    } else {
        let mut exec = Executor {
            desired: &desired,
            programs: &programs,
            ids: HashMap::new(),
            records: plan.records.clone(),
        };
        let total = plan.steps.len();
        let mut result = Ok(());
        for (n, step) in plan.steps.iter().enumerate() {
            match exec.run(step) {
                Ok(new_id) => {
                    let c = change(step, new_id);
                    if !json {
                        match new_id {
                            Some(id) => println!("{}: program id {id}", c.text),
                            None => println!("{}", c.text),
                        }
                    }
                    out.changes.push(c);
                }
                Err(e) => {
                    result = Err(e).with_context(|| {
                        format!(
                            "{}: change {} of {total} failed, after {n} done: {}",
                            file.display(),
                            n + 1,
                            policy::describe(step, &desired)
                        )
                    });
                    break;
                }
            }
        }
        // What the steps made, also after a failure, for the next apply.
        let new = State {
            boot_id: boot,
            records: exec.records,
        };
        let unchanged = match &state {
            Some(s) => *s == new,
            None => new.records.is_empty(),
        };
        let written = if unchanged {
            Ok(())
        } else {
            new.write(&args.state)
        };
        match (result, written) {
            (Err(e), Err(w)) => {
                eprintln!("krsictl: {w}");
                return Err(e);
            }
            (r, w) => {
                r?;
                w?;
            }
        }
        if !json {
            notes(&out);
            if total == 0 {
                nothing();
            } else {
                let s = if total == 1 { "" } else { "s" };
                println!("applied {}: {total} change{s}", file.display());
            }
        }
    }
    if json {
        println!("{}", serde_json::to_string(&out)?);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: ApplyArgs,
    }

    #[test]
    fn apply_arguments_parse() {
        let cli = Cli::try_parse_from(["apply", "/etc/krsi/policy.toml"]).unwrap();
        assert_eq!(cli.args.file, Path::new("/etc/krsi/policy.toml"));
        assert!(!cli.args.dry_run);
        assert_eq!(cli.args.state, Path::new(policy::DEFAULT_STATE));
        let cli = Cli::try_parse_from(["apply", "--dry-run", "--state", "/tmp/s.toml", "p.toml"])
            .unwrap();
        assert!(cli.args.dry_run);
        assert_eq!(cli.args.state, Path::new("/tmp/s.toml"));
        assert!(Cli::try_parse_from(["apply"]).is_err());
    }
}
