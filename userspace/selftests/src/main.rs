// SPDX-License-Identifier: GPL-2.0
//! krsi - selftests in Rust: aya loads the sample policies, the krsi library attaches them;
//! run in the booted kernel (`scripts/vm-run`), printing KTAP.

use std::os::fd::AsFd;
use std::process::Command;
use std::time::{Duration, Instant};

use aya::maps::RingBuf;
use aya::programs::Lsm;
use aya::{Btf, Ebpf};
use krsi::{AttachOptions, Attachment, Error, Hook, Mode, Position, RecordKind};

const SAMPLES: &str = "/krsi/selftests/samples";

type TestResult = Result<(), String>;

/// A named test.
type Test = (&'static str, fn() -> TestResult);

/// Loads program `prog` of sample `obj` for `hook` with aya.
fn load(obj: &str, prog: &str, hook: &str) -> Result<Ebpf, String> {
    let mut ebpf =
        Ebpf::load_file(format!("{SAMPLES}/{obj}")).map_err(|e| format!("{obj}: {e}"))?;
    let btf = Btf::from_sys_fs().map_err(|e| e.to_string())?;
    let p: &mut Lsm = ebpf
        .program_mut(prog)
        .ok_or(format!("no program {prog}"))?
        .try_into()
        .map_err(|e| format!("{prog}: {e}"))?;
    p.load(hook, &btf)
        .map_err(|e| format!("loading {prog}: {e}"))?;
    Ok(ebpf)
}

/// Attaches the loaded program `prog` of `ebpf` to `hook` through the library.
fn attach(ebpf: &Ebpf, prog: &str, hook: &Hook) -> Result<u32, krsi::Error> {
    let p: &Lsm = ebpf.program(prog).unwrap().try_into().unwrap();
    hook.attach_fd(p.fd().unwrap().as_fd())
}

fn check(cond: bool, what: &str) -> TestResult {
    if cond {
        Ok(())
    } else {
        Err(what.to_string())
    }
}

fn hooks_match_the_build() -> TestResult {
    let want: Vec<String> = std::fs::read_to_string("/krsi/hooks.list")
        .map_err(|e| e.to_string())?
        .lines()
        .map(str::to_string)
        .collect();
    let mut want = want;
    want.sort();
    let got = krsi::hooks().map_err(|e| e.to_string())?;
    check(
        got == want,
        &format!("{} hooks, the build listed {}", got.len(), want.len()),
    )
}

fn exec_logger_writes_events_and_never_denies() -> TestResult {
    let hook = Hook::open("bprm_check_security").map_err(|e| e.to_string())?;
    let mut ebpf = load("exec_log.bpf.o", "exec_log", "bprm_check_security")?;
    let id = attach(&ebpf, "exec_log", &hook).map_err(|e| e.to_string())?;
    let status = Command::new("/bin/true")
        .status()
        .map_err(|e| e.to_string());
    let mut ring =
        RingBuf::try_from(ebpf.take_map("exec_events").unwrap()).map_err(|e| e.to_string())?;
    let mut lines = Vec::new();
    while let Some(r) = ring.next() {
        lines.push(String::from_utf8_lossy(r.split(|&b| b == 0).next().unwrap()).into_owned());
    }
    let listing = hook.list().map_err(|e| e.to_string())?;
    hook.detach(id).map_err(|e| e.to_string())?;
    check(status?.success(), "/bin/true did not run")?;
    check(
        lines
            .iter()
            .any(|l| l.starts_with("exec pid=") && l.ends_with(" file=/bin/true")),
        &format!("no event for /bin/true in {lines:?}"),
    )?;
    let a = listing.iter().find(|a| a.id == id).ok_or("not listed")?;
    check(
        a.runs >= 1 && a.denied == Some(0),
        &format!("runs={} denied={:?}", a.runs, a.denied),
    )
}

fn mmap_rwx() -> i32 {
    // SAFETY: an anonymous mapping, unmapped at once when it succeeds.
    unsafe {
        let prot = libc::PROT_READ | libc::PROT_WRITE | libc::PROT_EXEC;
        let p = libc::mmap(
            std::ptr::null_mut(),
            4096,
            prot,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        );
        if p == libc::MAP_FAILED {
            return std::io::Error::last_os_error().raw_os_error().unwrap_or(-1);
        }
        libc::munmap(p, 4096);
        0
    }
}

fn wx_through_aya() -> TestResult {
    let hook = Hook::open("mmap_file").map_err(|e| e.to_string())?;
    let ebpf = load("wx.bpf.o", "wx_mmap", "mmap_file")?;
    check(mmap_rwx() == 0, "RWX refused before attaching")?;
    let id = attach(&ebpf, "wx_mmap", &hook).map_err(|e| e.to_string())?;
    let denied = mmap_rwx();
    hook.detach(id).map_err(|e| e.to_string())?;
    check(
        denied == libc::EACCES,
        &format!("RWX mmap gave {denied}, want EACCES"),
    )?;
    check(mmap_rwx() == 0, "RWX refused after detaching")
}

/// Program `id`'s line of `hook`'s listing.
fn listed(hook: &Hook, id: u32) -> Result<Attachment, String> {
    let listing = hook.list().map_err(|e| e.to_string())?;
    listing
        .into_iter()
        .find(|a| a.id == id)
        .ok_or(format!("program {id} not listed"))
}

/// The first KRSI_ACCESS record of program `id` within 10 s.
fn access_record(events: &mut krsi::Events, id: u32) -> Result<krsi::Record, String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    let id = id.to_string();
    let mut others = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match events.next_timeout(Some(left)).map_err(|e| e.to_string())? {
            Some(r) if r.kind == RecordKind::Access && r.get("prog_id") == Some(id.as_str()) => {
                return Ok(r)
            }
            Some(r) => others.push(r),
            None => {
                return Err(format!(
                    "no KRSI_ACCESS record of program {id} in 10 s; got {others:?}"
                ))
            }
        }
    }
}

/// W^X attached audit-only by fd: the RWX mmap goes ahead, recorded (read with
/// `krsi::Events`) and counted as audited; switched to enforce it is denied; then quiet.
fn wx_audit_only_then_enforced() -> TestResult {
    let hook = Hook::open("mmap_file").map_err(|e| e.to_string())?;
    let ebpf = load("wx.bpf.o", "wx_mmap", "mmap_file")?;
    let mut events = krsi::Events::open().map_err(|e| e.to_string())?;
    let p: &Lsm = ebpf.program("wx_mmap").unwrap().try_into().unwrap();
    let opts = AttachOptions::default().mode(Mode::Audit);
    let id = hook
        .attach_fd_with(p.fd().unwrap().as_fd(), &opts)
        .map_err(|e| e.to_string())?;
    let result = (|| {
        check(mmap_rwx() == 0, "audit-only: RWX mmap refused")?;
        let r = access_record(&mut events, id)?;
        check(
            r.get("hook") == Some("mmap_file")
                && r.get("prog_name") == Some("wx_mmap")
                && r.get("result") == Some("-13")
                && r.get("mode") == Some("audit"),
            &format!("record {r:?}"),
        )?;
        let a = listed(&hook, id)?;
        check(
            a.mode == Some(Mode::Audit) && a.audited.is_some_and(|n| n >= 1) && a.log == Some(true),
            &format!("audit-only: {a:?}"),
        )?;
        hook.set_mode(id, Mode::Enforce)
            .map_err(|e| e.to_string())?;
        let denied = mmap_rwx();
        check(
            denied == libc::EACCES,
            &format!("enforced: RWX mmap gave {denied}, want EACCES"),
        )?;
        hook.set_log(id, false).map_err(|e| e.to_string())?;
        let a = listed(&hook, id)?;
        check(
            a.mode == Some(Mode::Enforce)
                && a.log == Some(false)
                && a.denied.is_some_and(|n| n >= 1),
            &format!("enforced, quiet: {a:?}"),
        )
    })();
    hook.detach(id).map_err(|e| e.to_string())?;
    result
}

/// W^X attached by pin, first, audit-only and quiet (the words of a hook file write).
fn wx_pinned_audit_only_quiet() -> TestResult {
    let pin = "/sys/fs/bpf/krsi_rust_wx";
    let hook = Hook::open("mmap_file").map_err(|e| e.to_string())?;
    let mut ebpf = load("wx.bpf.o", "wx_mmap", "mmap_file")?;
    let _ = std::fs::remove_file(pin);
    let p: &mut Lsm = ebpf.program_mut("wx_mmap").unwrap().try_into().unwrap();
    p.pin(pin).map_err(|e| format!("pinning at {pin}: {e}"))?;
    let opts = AttachOptions::from(Position::First)
        .mode(Mode::Audit)
        .log(false);
    let attached = hook.attach_pinned_with(pin, &opts);
    let _ = std::fs::remove_file(pin);
    let id = attached.map_err(|e| e.to_string())?;
    let result = (|| {
        check(mmap_rwx() == 0, "audit-only: RWX mmap refused")?;
        let a = listed(&hook, id)?;
        check(
            a.mode == Some(Mode::Audit)
                && a.log == Some(false)
                && a.audited.is_some_and(|n| n >= 1),
            &format!("{a:?}"),
        )
    })();
    hook.detach(id).map_err(|e| e.to_string())?;
    result
}

/// W^X disabled through the library: listed as disabled with its counters kept, RWX mmap
/// allowed, a revalidation does not enable it, a second disable is refused; enabled, it denies
/// again.
fn wx_disabled_then_enabled() -> TestResult {
    let hook = Hook::open("mmap_file").map_err(|e| e.to_string())?;
    let ebpf = load("wx.bpf.o", "wx_mmap", "mmap_file")?;
    let id = attach(&ebpf, "wx_mmap", &hook).map_err(|e| e.to_string())?;
    let result = (|| {
        let denied = mmap_rwx();
        check(
            denied == libc::EACCES,
            &format!("attached: RWX mmap gave {denied}, want EACCES"),
        )?;
        let a = listed(&hook, id)?;
        check(
            a.enabled && a.state() == "enabled" && a.reason.is_none(),
            &format!("attached: {a:?}"),
        )?;
        hook.disable(id).map_err(|e| e.to_string())?;
        let d = listed(&hook, id)?;
        check(
            !d.enabled && d.state() == "disabled" && d.reason.is_none(),
            &format!("disabled: {d:?}"),
        )?;
        check(mmap_rwx() == 0, "disabled: RWX mmap refused")?;
        // Its counters are kept, and it did not run.
        let after = listed(&hook, id)?;
        check(
            d.runs >= a.runs
                && d.denied.is_some_and(|n| n >= 1)
                && (after.runs, after.denied) == (d.runs, d.denied),
            &format!("counters: {a:?}, disabled {d:?}, after an RWX mmap {after:?}"),
        )?;
        let again = hook.disable(id);
        check(
            matches!(again, Err(Error::AlreadyDisabled { id: i, .. }) if i == id),
            &format!("disable twice: {again:?}"),
        )?;
        // A manual disable is never undone by a revalidation.
        krsi::revalidate().map_err(|e| e.to_string())?;
        let r = listed(&hook, id)?;
        check(!r.enabled, &format!("revalidated: {r:?}"))?;
        check(mmap_rwx() == 0, "revalidated: RWX mmap refused")?;
        hook.enable(id).map_err(|e| e.to_string())?;
        let denied = mmap_rwx();
        check(
            denied == libc::EACCES,
            &format!("enabled: RWX mmap gave {denied}, want EACCES"),
        )?;
        let e = listed(&hook, id)?;
        check(
            e.enabled && e.reason.is_none() && e.runs > d.runs,
            &format!("enabled: {e:?}"),
        )?;
        let again = hook.enable(id);
        check(
            matches!(again, Err(Error::AlreadyEnabled { id: i, .. }) if i == id),
            &format!("enable twice: {again:?}"),
        )
    })();
    hook.detach(id).map_err(|e| e.to_string())?;
    result?;
    let gone = hook.disable(id);
    check(
        matches!(gone, Err(Error::NotAttached { id: i, .. }) if i == id),
        &format!("disable after detach: {gone:?}"),
    )
}

fn kernel_errors_are_typed() -> TestResult {
    let hook = Hook::open("mmap_file").map_err(|e| e.to_string())?;
    let ebpf = load("wx.bpf.o", "wx_mmap", "mmap_file")?;
    let id = attach(&ebpf, "wx_mmap", &hook).map_err(|e| e.to_string())?;
    let again = attach(&ebpf, "wx_mmap", &hook);
    let other = attach(
        &ebpf,
        "wx_mmap",
        &Hook::open("file_open").map_err(|e| e.to_string())?,
    );
    hook.detach(id).map_err(|e| e.to_string())?;
    let gone = hook.detach(id);
    check(
        matches!(again, Err(Error::AlreadyAttached { .. })),
        &format!("twice: {again:?}"),
    )?;
    check(
        matches!(other, Err(Error::Invalid { .. })),
        &format!("other hook: {other:?}"),
    )?;
    check(
        matches!(gone, Err(Error::NotAttached { id: i, .. }) if i == id),
        &format!("detach twice: {gone:?}"),
    )?;
    check(
        matches!(Hook::open("no_such_hook"), Err(Error::NoSuchHook(_))),
        "no_such_hook opened",
    )
}

fn main() {
    let tests: &[Test] = &[
        (
            "krsi::hooks() lists the hooks the build generated",
            hooks_match_the_build,
        ),
        (
            "exec logger: ring buffer events, never denies",
            exec_logger_writes_events_and_never_denies,
        ),
        (
            "W^X loaded with aya, attached by the krsi library",
            wx_through_aya,
        ),
        ("kernel errors come back typed", kernel_errors_are_typed),
        (
            "W^X audit-only by fd: recorded, audited; then enforced, quiet",
            wx_audit_only_then_enforced,
        ),
        (
            "W^X by pin, first, audit-only and quiet",
            wx_pinned_audit_only_quiet,
        ),
        (
            "W^X disabled (listed, counters kept, allows), revalidated, enabled (denies)",
            wx_disabled_then_enabled,
        ),
    ];
    println!("TAP version 13");
    println!("1..{}", tests.len());
    let mut failed = false;
    for (i, (name, test)) in tests.iter().enumerate() {
        match test() {
            Ok(()) => println!("ok {} {name}", i + 1),
            Err(e) => {
                println!("# {e}");
                println!("not ok {} {name}", i + 1);
                failed = true;
            }
        }
    }
    std::process::exit(i32::from(failed));
}
