// SPDX-License-Identifier: GPL-2.0

//! krsi - audit: an attachment's mode and logging, and the records of denials and of
//! configuration changes, written through the kernel's audit subsystem.
//!
//! A denial record is built only on the denial path ([`nonzero`], called by `dispatch` when a
//! program returns non-zero), with `GFP_ATOMIC`: hooks run in every context. It is not attempted
//! in hard interrupt or NMI context, nor for the `audit_rule_*` hooks, which audit calls while it
//! starts a record; in soft interrupt context the current task is not the subject, so the record
//! leaves the task out.

use core::fmt::{self, Write as _};
use core::sync::atomic::Ordering;

use kernel::bindings;
use kernel::error::{Error, Result};

use crate::compat;
use crate::hooks::{Class, HookId};
use crate::progs::{Attachment, Ident};
use crate::revalidate::{State, Trigger};
use crate::seal::Change;

/// How an attachment treats its program's non-zero results, and whether they are recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Settings {
    /// Audit-only: a non-zero result is recorded and counted, and the action goes ahead.
    pub(crate) audit: bool,
    /// Non-zero results are recorded (`log=1`); otherwise the attachment is quiet.
    pub(crate) log: bool,
}

impl Settings {
    /// Enforce, recorded: what an attach without `mode=` or `log=` gets.
    pub(crate) const DEFAULT: Settings = Settings {
        audit: false,
        log: true,
    };

    const AUDIT: u32 = 1;
    const QUIET: u32 = 2;

    /// The settings as stored in an attachment.
    pub(crate) fn bits(self) -> u32 {
        (if self.audit { Self::AUDIT } else { 0 }) | (if self.log { 0 } else { Self::QUIET })
    }

    /// The settings stored as `bits`.
    pub(crate) fn from_bits(bits: u32) -> Self {
        Settings {
            audit: bits & Self::AUDIT != 0,
            log: bits & Self::QUIET == 0,
        }
    }

    /// What going from `self` to `new` means for a sealed hook: enforce to audit weakens the
    /// policy, log 1 to 0 its trail; the reverse only strengthens them.
    pub(crate) fn change_to(self, new: Settings) -> Change {
        if (new.audit && !self.audit) || (self.log && !new.log) {
            Change::Rewrite
        } else {
            Change::Tighten
        }
    }

    /// `enforce` or `audit`.
    pub(crate) fn mode(self) -> &'static str {
        mode_name(self.audit)
    }
}

/// `audit` for an audit-only attachment, `enforce` otherwise.
fn mode_name(audit: bool) -> &'static str {
    if audit {
        "audit"
    } else {
        "enforce"
    }
}

/// Whether `hook` has modes and logging: only on errno hooks is a non-zero result a denial.
pub(crate) fn has_modes(hook: HookId) -> bool {
    hook.class() == Class::Errno
}

/// Whether a denial on `hook` may be recorded: an errno hook, and not one of the `audit_rule_*`
/// hooks, which audit itself calls while it starts a record (`audit_rule_match` for exclude
/// rules on LSM fields): a record from there would recurse into krsi without end.
pub(crate) fn may_record(hook: HookId) -> bool {
    has_modes(hook) && !crate::compat::cstr_bytes(hook.name()).starts_with(b"audit_rule_")
}

/// Handles a program's non-zero result `ret` on an int hook: counts it, records it unless the
/// attachment is quiet, and says whether it ends the chain (it does unless the attachment is
/// audit-only). Off the hot path: called only for a non-zero result.
#[cold]
#[inline(never)]
pub(crate) fn nonzero(att: &Attachment, ret: u32) -> bool {
    let settings = att.settings();
    if settings.audit {
        att.audited.fetch_add(1, Ordering::Relaxed);
    } else {
        att.nonzero.fetch_add(1, Ordering::Relaxed);
    }
    if settings.log && att.records() {
        denial(att, ret as i32, settings);
    }
    !settings.audit
}

/// Writes the denial record of `att`'s result `ret`.
fn denial(att: &Attachment, ret: i32, settings: Settings) {
    // SAFETY: the helpers read the preempt count of this CPU.
    let (task, hardirq) = unsafe { (bindings::krsi_in_task(), bindings::krsi_in_hardirq()) };
    if hardirq {
        return;
    }
    let Some(mut rec) = Record::start(bindings::AUDIT_KRSI_ACCESS, task, true) else {
        return;
    };
    let id = att.ident();
    rec.text(format_args!(
        "hook={} prog_id={}",
        hook_name(att.hook()),
        id.id
    ));
    rec.untrusted(" prog_name=", Some(id.name()));
    rec.text(format_args!(" result={} mode={}", ret, settings.mode()));
    if task {
        rec.task();
    }
}

/// A configuration change, or an attempt at one, as its record tells it.
pub(crate) struct Op {
    /// `attach`, `detach`... or `?` for a write that does not parse.
    pub(crate) verb: &'static str,
    /// The hook; none for the control file.
    pub(crate) hook: Option<HookId>,
    /// The program's id (0 if unknown) and name (if known).
    pub(crate) prog: Ident,
    /// What the operation says besides.
    pub(crate) detail: Detail,
}

/// The fields a configuration record has for one operation.
pub(crate) enum Detail {
    /// Nothing more.
    None,
    /// An attach: the new attachment's settings and the id of the cgroup it is scoped to, once
    /// known.
    Attach(Settings, Option<u64>),
    /// A replace: the id of the program replaced.
    Replace(u32),
    /// A reset: how many programs it detached.
    Reset(usize),
    /// A mode change: audit (true) or enforce asked for.
    Mode(bool),
    /// A logging change: the logging asked for.
    Log(bool),
    /// A revalidation: how many attachments it disabled or enabled.
    Revalidate(usize),
    /// An attachment revalidation disabled (with the reason) or enabled, its state after it,
    /// and what started the revalidation.
    Revalidated(State, Trigger),
}

impl Op {
    /// An operation not (yet) known, on `hook`.
    pub(crate) fn new(hook: Option<HookId>) -> Self {
        Op {
            verb: "?",
            hook,
            prog: Ident::unknown(0),
            detail: Detail::None,
        }
    }

    /// Writes the record of this operation with its `result`. Called in process context, with
    /// no lock held.
    pub(crate) fn record<T>(&self, result: &Result<T>) {
        // SAFETY: as in `denial`.
        let task = unsafe { bindings::krsi_in_task() };
        let Some(mut rec) = Record::start(bindings::AUDIT_KRSI_CONFIG_CHANGE, task, false) else {
            return;
        };
        let hook = self.hook.map_or("?", hook_name);
        rec.text(format_args!(
            "op={} hook={} prog_id={}",
            self.verb, hook, self.prog.id
        ));
        rec.untrusted(" prog_name=", self.prog.known_name());
        match self.detail {
            Detail::None => {}
            Detail::Attach(s, cgroup) => {
                rec.text(format_args!(" mode={} log={}", s.mode(), u8::from(s.log)));
                if let Some(id) = cgroup {
                    rec.text(format_args!(" cgroup={id}"));
                }
            }
            Detail::Replace(old) => rec.text(format_args!(" old_prog_id={old}")),
            Detail::Reset(n) => rec.text(format_args!(" count={n}")),
            Detail::Mode(audit) => rec.text(format_args!(" mode={}", mode_name(audit))),
            Detail::Log(log) => rec.text(format_args!(" log={}", u8::from(log))),
            Detail::Revalidate(n) => rec.text(format_args!(" count={n}")),
            Detail::Revalidated(state, trigger) => {
                if let Some(reason) = state.reason {
                    rec.text(format_args!(" reason={}", reason.name()));
                }
                rec.text(format_args!(
                    " state={} trigger={}",
                    state.name(),
                    trigger.name()
                ));
            }
        }
        rec.task();
        match result {
            Ok(_) => rec.text(format_args!(" res=1")),
            Err(e) => rec.text(format_args!(" errno={} res=0", errno(*e))),
        }
    }
}

/// The positive errno of `e`.
fn errno(e: Error) -> i32 {
    -e.to_errno()
}

/// A hook's name as text.
pub(crate) fn hook_name(hook: HookId) -> &'static str {
    core::str::from_utf8(crate::compat::cstr_bytes(hook.name())).unwrap_or("?")
}

/// An audit record being written; ended, and queued for `kauditd`, on drop.
///
/// # Invariants
///
/// `0` is a buffer returned by `audit_log_start()` and not yet ended.
struct Record(*mut bindings::audit_buffer);

impl Record {
    /// Starts a record of type `kind`; none if audit does not take it (disabled, filtered,
    /// backlog full). In task context (`task`) it joins the syscall's audit event. `atomic` for a
    /// record made from a hook, which must not sleep.
    fn start(kind: u32, task: bool, atomic: bool) -> Option<Self> {
        let gfp = if atomic {
            bindings::GFP_ATOMIC | bindings::__GFP_NOWARN
        } else {
            bindings::GFP_KERNEL
        };
        // SAFETY: in task context `audit_context()` is the current task's; `audit_log_start()`
        // takes any context or none.
        let ab = unsafe {
            let ctx = if task {
                bindings::krsi_audit_context()
            } else {
                core::ptr::null_mut()
            };
            bindings::audit_log_start(ctx, gfp, kind as i32)
        };
        // INVARIANT: a non-null buffer from `audit_log_start()`.
        (!ab.is_null()).then_some(Record(ab))
    }

    /// Appends formatted text (at most `Line::SIZE - 1` bytes; longer text is cut).
    fn text(&mut self, args: fmt::Arguments<'_>) {
        let mut line = Line::new();
        // A line too long for the buffer is cut: the fields written here are short.
        let _ = line.write_fmt(args);
        // SAFETY: the buffer is open (type invariant); the format takes one NUL-terminated string.
        unsafe {
            bindings::audit_log_format(self.0, crate::compat::const_char_ptr(c"%s"), line.as_ptr())
        };
    }

    /// Appends `prefix` and `value` as audit writes an untrusted string (quoted, or hex when it
    /// holds a character that would break the record), or `?` for none.
    fn untrusted(&mut self, prefix: &str, value: Option<&[u8]>) {
        self.text(format_args!("{prefix}"));
        match value {
            // SAFETY: the buffer is open; `v` is `v.len()` readable bytes.
            Some(v) => unsafe {
                bindings::audit_log_n_untrustedstring(self.0, v.as_ptr().cast(), v.len())
            },
            None => self.text(format_args!("?")),
        }
    }

    /// Appends the current task's fields: `pid`, `auid`, `ses`, `comm`, `exe`.
    ///
    /// Written here rather than by `audit_log_task_info()`, which also takes the task's signal
    /// lock (for the tty) and asks the LSMs for the task's context (through hooks krsi runs
    /// programs on): a record from a hook must take no lock the hook's caller may hold.
    fn task(&mut self) {
        // SAFETY: the helpers read the current task, which is valid while it runs: its thread
        // group id, audit login uid and session id, its name and its mm. The helpers, not the
        // bindings' `task_struct`, whose layout is off (see `layout.h`).
        let (pid, auid, ses, comm, mm) = unsafe {
            (
                bindings::krsi_current_tgid(),
                bindings::krsi_audit_loginuid(),
                bindings::krsi_audit_sessionid(),
                bindings::krsi_current_comm(),
                bindings::krsi_current_mm(),
            )
        };
        self.text(format_args!(" pid={pid} auid={auid} ses={ses}"));
        // SAFETY: `comm` points at the task's fixed-size name (`TASK_COMM_LEN` bytes) that only
        // the task itself or a writer under its lock changes: a torn read gives a mixed name, as
        // `get_task_comm()` could before 6.13.
        let comm: &[u8] = unsafe { core::slice::from_raw_parts(comm.cast(), 16) };
        let len = comm.iter().position(|&b| b == 0).unwrap_or(comm.len());
        self.untrusted(" comm=", Some(&comm[..len]));
        let exe = if mm.is_null() {
            core::ptr::null_mut()
        } else {
            // SAFETY: `mm` is the current task's, alive while it runs (null for a kernel
            // thread); `get_mm_exe_file()` takes a reference to its executable under RCU, put
            // below.
            unsafe { bindings::get_mm_exe_file(mm) }
        };
        if exe.is_null() {
            self.text(format_args!(" exe=(null)"));
            return;
        }
        // SAFETY: the buffer is open; `exe` holds a reference, so its path is valid; `fput()`
        // drops that reference (deferred to task work or a worker, never freeing here). The path
        // through a helper: 7.2's `struct file` holds it in an anonymous union.
        unsafe {
            bindings::audit_log_d_path(
                self.0,
                crate::compat::const_char_ptr(c" exe="),
                bindings::krsi_file_path(exe),
            );
            bindings::fput(exe);
        }
    }
}

impl Drop for Record {
    fn drop(&mut self) {
        // SAFETY: the buffer is open (type invariant) and ended once, here.
        unsafe { bindings::audit_log_end(self.0) };
    }
}

/// A NUL-terminated line of text on the stack, for `audit_log_format("%s")`.
struct Line {
    buf: [u8; Line::SIZE],
    len: usize,
}

impl Line {
    const SIZE: usize = 128;

    fn new() -> Self {
        Line {
            buf: [0; Line::SIZE],
            len: 0,
        }
    }

    /// The text, NUL-terminated (the buffer is zeroed and keeps its last byte).
    fn as_ptr(&self) -> *const core::ffi::c_char {
        self.buf.as_ptr().cast()
    }
}

impl fmt::Write for Line {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let room = Line::SIZE - 1 - self.len;
        let n = s.len().min(room);
        compat::copy_items(&mut self.buf[self.len..self.len + n], &s.as_bytes()[..n]);
        self.len += n;
        if n < s.len() {
            return Err(fmt::Error);
        }
        Ok(())
    }
}
