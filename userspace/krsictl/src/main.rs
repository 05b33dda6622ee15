// SPDX-License-Identifier: GPL-2.0
//! krsictl - attach, detach, replace and list BPF LSM programs on krsi's hooks; reset and seal
//! hooks; lock krsi.
//!
//! Exit status: 0 on success, 1 when the operation failed (the message says why, from the
//! kernel's errno), 2 on a usage error.

use std::os::fd::AsFd;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use aya::programs::Lsm;
use aya::{Btf, Ebpf};
use clap::{Parser, Subcommand};
use serde::Serialize;

#[derive(Parser)]
#[command(
    name = "krsictl",
    version,
    about = "Attach, detach, replace and list BPF LSM programs on krsi's hooks \
             (/sys/kernel/security/bpf); reset and seal hooks; lock krsi",
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
    /// List attached programs, in run order: of HOOK, or of every hook that has some.
    List {
        /// A hook, e.g. file_open.
        hook: Option<String>,
    },
    /// Load a BPF LSM program from an object file (libbpf's SEC("lsm/HOOK") or
    /// SEC("lsm.s/HOOK")) and attach it to HOOK, after the programs already there unless
    /// --first, --before or --after says where.
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
    /// HOOK's run order, atomically: every hook call runs the old program or the new one.
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
    /// Detach every program of HOOK at once.
    Reset {
        /// The hook, e.g. file_open.
        hook: String,
    },
    /// Seal HOOK until reboot: its programs can no longer be detached, replaced or
    /// reordered; programs can still be appended.
    Seal {
        /// The hook, e.g. file_open.
        hook: String,
    },
    /// Lock krsi until reboot: every hook sealed, and no program attached any more.
    Lock,
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
        let programs = listing
            .attachments
            .into_iter()
            .map(|a| Entry {
                id: a.id,
                name: a.name,
                runs: a.runs,
                denied: a.denied,
                answered_true: a.answered_true,
                sleepable: a.sleepable,
            })
            .collect();
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
                        let counter = match (e.denied, e.answered_true) {
                            (Some(n), _) => format!(" denied={n}"),
                            (None, Some(n)) => format!(" true={n}"),
                            (None, None) => String::new(),
                        };
                        println!(
                            "{:<24} {:>6}  {:<16} runs={}{}{}",
                            h.hook,
                            e.id,
                            e.name,
                            e.runs,
                            counter,
                            if e.sleepable { " sleepable" } else { "" }
                        );
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
            follow: map,
            count,
        } => {
            let pos = match (first, before, after) {
                (true, _, _) => krsi::Position::First,
                (_, Some(id), _) => krsi::Position::Before(id),
                (_, _, Some(id)) => krsi::Position::After(id),
                _ => krsi::Position::Last,
            };
            let h = krsi::Hook::open(&hook)?;
            let (mut ebpf, name) = load(&hook, &object, program.as_deref(), pin.as_ref())?;
            let id = h.attach_fd_at(lsm_mut(&mut ebpf, &name)?.fd()?.as_fd(), pos)?;
            let a = Attached {
                hook,
                id,
                program: name,
            };
            if cli.json {
                print_json(&a)?;
            } else {
                println!(
                    "attached {} to {} as program id {}",
                    a.program, a.hook, a.id
                );
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
