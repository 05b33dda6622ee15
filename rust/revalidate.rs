// SPDX-License-Identifier: GPL-2.0

//! krsi - revalidation: what an attachment was allowed under, checked again when policy changes.
//!
//! BPF checks a program against lockdown and the LSMs once, when it is loaded. krsi owns its
//! attachments, so it can check again: each attachment keeps a [`Grant`] (the attaching task's
//! credentials and the lockdown reasons its helper calls need), and [`revalidate`] checks every
//! grant again, disabling (leaving out of the published array) the attachments that fail, with
//! their [`Reason`], and enabling again those that pass after revalidation had disabled them. A
//! manual disable is never undone by revalidation.
//!
//! Triggers: the LSM policy-change notifier (SELinux sends one on every policy load), a
//! write of `revalidate` to the control file, and every write to the lockdown LSM's securityfs
//! file, the only way to raise lockdown after boot (watched through fsnotify, see [`init`]).

use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicUsize, Ordering};

use kernel::bindings;
use kernel::error::{Error, Result};
use kernel::ffi;

use crate::audit::{Detail, Op};
use crate::compat;
use crate::progs;

/// Why revalidation disabled an attachment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Reason {
    /// Lockdown now forbids a helper the program calls.
    Lockdown = 1,
    /// The attaching task's credentials no longer pass the `CAP_MAC_ADMIN` check (an LSM's
    /// `capable` hook now refuses it).
    Capability = 2,
    /// An LSM now refuses the attaching task the use of the program (`security_bpf_prog()`).
    Lsm = 3,
}

impl Reason {
    /// The name the listing, `status` and the records use.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Reason::Lockdown => "lockdown",
            Reason::Capability => "capability",
            Reason::Lsm => "lsm",
        }
    }

    fn from_code(code: u32) -> Option<Self> {
        match code {
            1 => Some(Reason::Lockdown),
            2 => Some(Reason::Capability),
            3 => Some(Reason::Lsm),
            _ => None,
        }
    }
}

/// Whether an attachment runs: disabled by hand, by revalidation (with its reason), both, or
/// neither (enabled).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct State {
    /// Disabled by `disable ID`; only `enable ID` undoes it.
    pub(crate) manual: bool,
    /// Disabled by revalidation; a later revalidation that passes undoes it.
    pub(crate) reason: Option<Reason>,
}

impl State {
    /// Enabled.
    pub(crate) const ENABLED: State = State {
        manual: false,
        reason: None,
    };

    const MANUAL: u32 = 1;
    const REASON_SHIFT: u32 = 8;

    /// Whether the attachment runs.
    pub(crate) fn enabled(self) -> bool {
        self == Self::ENABLED
    }

    /// The state as stored in an attachment: 0 exactly when enabled.
    pub(crate) fn bits(self) -> u32 {
        (if self.manual { Self::MANUAL } else { 0 })
            | (self.reason.map_or(0, |r| r as u32) << Self::REASON_SHIFT)
    }

    /// The state stored as `bits`.
    pub(crate) fn from_bits(bits: u32) -> Self {
        State {
            manual: bits & Self::MANUAL != 0,
            reason: Reason::from_code(bits >> Self::REASON_SHIFT),
        }
    }

    /// `enabled` or `disabled`.
    pub(crate) fn name(self) -> &'static str {
        if self.enabled() {
            "enabled"
        } else {
            "disabled"
        }
    }
}

/// What started a revalidation, as its records name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Trigger {
    /// `revalidate` written to the control file (or `KRSI_IOC_REVALIDATE`).
    Request,
    /// An LSM's policy-change notification.
    LsmPolicy,
    /// A write to the lockdown LSM's securityfs file.
    Lockdown,
}

impl Trigger {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Trigger::Request => "revalidate",
            Trigger::LsmPolicy => "lsm_policy",
            Trigger::Lockdown => "lockdown",
        }
    }
}

/// The helpers whose availability to a program depends on lockdown, with the reason checked:
/// each is a helper for which `get_func_proto()` returns the helper only if
/// `security_locked_down(reason)` allows it (6.12 and 7.2: `bpf_base_func_proto()` in
/// kernel/bpf/helpers.c and `bpf_tracing_func_proto()` in kernel/trace/bpf_trace.c; the
/// `probe_read` compat helpers exist only on architectures with non-overlapping address
/// spaces). A helper is named by the function its prototype calls, which is what the verifier
/// leaves in a call instruction (`imm` = the function's offset from `__bpf_call_base`).
const LOCKDOWN_HELPERS: [(&core::ffi::CStr, bindings::lockdown_reason); 5] = [
    (
        c"bpf_probe_read_kernel",
        bindings::lockdown_reason_LOCKDOWN_BPF_READ_KERNEL,
    ),
    (
        c"bpf_probe_read_kernel_str",
        bindings::lockdown_reason_LOCKDOWN_BPF_READ_KERNEL,
    ),
    (
        c"bpf_probe_read_compat",
        bindings::lockdown_reason_LOCKDOWN_BPF_READ_KERNEL,
    ),
    (
        c"bpf_probe_read_compat_str",
        bindings::lockdown_reason_LOCKDOWN_BPF_READ_KERNEL,
    ),
    (
        c"bpf_probe_write_user",
        bindings::lockdown_reason_LOCKDOWN_BPF_WRITE_USER,
    ),
];

// A grant keeps the lockdown reasons as bits of a `u64`.
const _: () = assert!(bindings::lockdown_reason_LOCKDOWN_CONFIDENTIALITY_MAX < 64);

/// The addresses of the functions of [`LOCKDOWN_HELPERS`] (0 for one this kernel does not
/// have), resolved once by [`init`].
static HELPER_ADDRS: [AtomicUsize; LOCKDOWN_HELPERS.len()] =
    [const { AtomicUsize::new(0) }; LOCKDOWN_HELPERS.len()];

/// The lockdown reasons, as bits, that the helper calls of the `len` instructions at `insns`
/// need.
///
/// # Safety
///
/// `insns` must point at `len` instructions of a loaded program.
unsafe fn lockdown_needs(insns: *const bindings::bpf_insn, len: usize) -> u64 {
    // SAFETY: by the safety requirements.
    let insns = unsafe { core::slice::from_raw_parts(insns, len) };
    let base = bindings::__bpf_call_base as *const () as usize;
    let call = (bindings::BPF_JMP | bindings::BPF_CALL) as u8;
    let mut needs = 0u64;
    for insn in insns {
        // A helper call: source register 0 (1 is a call to a BPF function, 2 a kfunc).
        if insn.code != call || insn.src_reg() != 0 {
            continue;
        }
        let target = base.wrapping_add_signed(insn.imm as isize);
        for (addr, &(_, reason)) in HELPER_ADDRS.iter().zip(LOCKDOWN_HELPERS.iter()) {
            if addr.load(Ordering::Relaxed) == target {
                needs |= 1 << reason;
            }
        }
    }
    needs
}

/// What an attachment was allowed under: the attaching task's credentials, and the lockdown
/// reasons its program's helper calls need.
///
/// # Invariants
///
/// `cred` holds a reference owned by the grant.
pub(crate) struct Grant {
    cred: *const bindings::cred,
    lockdown: u64,
}

// SAFETY: a credential reference may be put from any task and context; `lockdown` is plain data.
unsafe impl Send for Grant {}
// SAFETY: the grant is only read after it is made.
unsafe impl Sync for Grant {}

impl Grant {
    /// The current task's credentials and what `prog` needs.
    ///
    /// # Safety
    ///
    /// `prog` must be a valid, loaded program.
    pub(crate) unsafe fn new(prog: *const bindings::bpf_prog) -> Self {
        // SAFETY: `prog` is valid; the helper returns the address of its instructions, of
        // which there are `len`.
        let lockdown = unsafe {
            lockdown_needs(
                bindings::krsi_prog_insnsi(prog.cast_mut()),
                (*prog).len as usize,
            )
        };
        // INVARIANT: `get_current_cred()` takes a reference.
        Grant {
            // SAFETY: called in task context (a write or ioctl).
            cred: unsafe { bindings::krsi_get_current_cred() },
            lockdown,
        }
    }

    /// Checks the grant again for `prog`: `None` if everything it was allowed under still
    /// allows it, or the first check that fails.
    ///
    /// Called in task context: an LSM's checks may sleep.
    pub(crate) fn check(&self, prog: *mut bindings::bpf_prog) -> Option<Reason> {
        let mut reasons = self.lockdown;
        while reasons != 0 {
            let reason = reasons.trailing_zeros();
            reasons &= reasons - 1;
            // SAFETY: any reason below `LOCKDOWN_CONFIDENTIALITY_MAX` may be asked about.
            if unsafe { bindings::security_locked_down(reason as bindings::lockdown_reason) } < 0 {
                return Some(Reason::Lockdown);
            }
        }
        // SAFETY: `cred` is valid while the grant holds its reference (type invariant).
        if unsafe { bindings::krsi_mac_admin_noaudit(self.cred) } != 0 {
            return Some(Reason::Capability);
        }
        // The LSMs check the use of a program against the current task's credentials: the
        // attaching task's stand in for them, as `override_creds()` is meant for.
        // SAFETY: `cred` is valid (type invariant); the override is reverted right after, in
        // the same task.
        let ret = unsafe {
            let old = bindings::krsi_override_creds(self.cred);
            let ret = bindings::security_bpf_prog(prog);
            bindings::krsi_revert_creds(old);
            ret
        };
        if ret != 0 {
            return Some(Reason::Lsm);
        }
        None
    }
}

impl Drop for Grant {
    fn drop(&mut self) {
        // SAFETY: the grant owns one reference (type invariant).
        unsafe { bindings::krsi_put_cred(self.cred) };
    }
}

/// Revalidates every attachment, after `trigger`; records each attachment it disables or
/// enables; returns how many it changed. Called in task context without krsi's locks.
pub(crate) fn revalidate(trigger: Trigger) -> Result<usize> {
    progs::revalidate(|att, state| {
        let op = Op {
            verb: if state.reason.is_some() {
                "disable"
            } else {
                "enable"
            },
            hook: Some(att.hook()),
            prog: att.ident(),
            detail: Detail::Revalidated(state, trigger),
        };
        op.record::<()>(&Ok(()));
    })
}

/// A notifier block, registered once and never freed.
struct Notifier(UnsafeCell<bindings::notifier_block>);

// SAFETY: the block is written only by the notifier chain's registration, under its lock.
unsafe impl Sync for Notifier {}

// SAFETY: all-zero is a valid notifier block (no callback yet, no next, priority 0).
static POLICY_NOTIFIER: Notifier = unsafe { core::mem::zeroed() };

/// The LSM policy-change notifier's callback.
extern "C" fn policy_changed(
    _nb: *mut bindings::notifier_block,
    event: ffi::c_ulong,
    _data: *mut ffi::c_void,
) -> ffi::c_int {
    if event == bindings::lsm_event_LSM_POLICY_CHANGE as ffi::c_ulong {
        if let Err(e) = revalidate(Trigger::LsmPolicy) {
            kernel::pr_err!("revalidation after a policy change failed: {:?}\n", e);
        }
    }
    bindings::NOTIFY_DONE as ffi::c_int
}

/// A write to the lockdown LSM's file ended: the lockdown level may have risen.
pub(crate) fn lockdown_written() {
    if let Err(e) = revalidate(Trigger::Lockdown) {
        kernel::pr_err!("revalidation after a lockdown change failed: {:?}\n", e);
    }
}

/// Resolves the lockdown helpers' addresses and registers the triggers. Called once from the
/// securityfs initcall; `dir` is krsi's securityfs directory.
pub(crate) fn init(dir: *mut bindings::dentry) -> Result {
    for (addr, &(name, _)) in HELPER_ADDRS.iter().zip(LOCKDOWN_HELPERS.iter()) {
        // SAFETY: `name` is NUL-terminated; krsi is built in, so kallsyms is available to it.
        let found = unsafe { bindings::kallsyms_lookup_name(compat::const_char_ptr(name)) };
        addr.store(found as usize, Ordering::Relaxed);
    }
    // SAFETY: the block is static; it is set up before it is registered, once.
    let ret = unsafe {
        (*POLICY_NOTIFIER.0.get()).notifier_call = Some(policy_changed);
        bindings::register_blocking_lsm_notifier(POLICY_NOTIFIER.0.get())
    };
    if ret != 0 {
        return Err(Error::from_errno(ret));
    }
    watch_lockdown(dir)
}

/// The fsnotify mark on the lockdown LSM's file; set up once by [`watch_lockdown`], never freed.
struct Mark(UnsafeCell<bindings::fsnotify_mark>);

// SAFETY: the mark is written once before it is added, then only by fsnotify under its locks.
unsafe impl Sync for Mark {}

// SAFETY: all-zero is what `fsnotify_init_mark()` expects to initialise.
static LOCKDOWN_MARK: Mark = unsafe { core::mem::zeroed() };

/// The lockdown watch's fsnotify operations: a callback per event on the marked inode.
static LOCKDOWN_OPS: bindings::fsnotify_ops = bindings::fsnotify_ops {
    handle_inode_event: Some(lockdown_event),
    free_mark: Some(free_mark),
    // SAFETY: all-zero is `None` for the other callbacks.
    ..unsafe { core::mem::zeroed() }
};

/// fsnotify's callback for a write to the lockdown file, in the writer's task after the write.
extern "C" fn lockdown_event(
    _mark: *mut bindings::fsnotify_mark,
    _mask: u32,
    _inode: *mut bindings::inode,
    _dir: *mut bindings::inode,
    _name: *const bindings::qstr,
    _cookie: u32,
) -> ffi::c_int {
    lockdown_written();
    0
}

/// fsnotify's callback to free a mark: the lockdown mark is static and never removed.
extern "C" fn free_mark(_mark: *mut bindings::fsnotify_mark) {}

/// Watches the lockdown LSM's securityfs file (a sibling of krsi's directory `dir`) for writes:
/// raising lockdown after boot is a write there, so each one triggers a revalidation. Without
/// the file (no lockdown LSM in the kernel) there is nothing to watch.
fn watch_lockdown(dir: *mut bindings::dentry) -> Result {
    // SAFETY: `dir` is krsi's live securityfs directory, whose parent is the securityfs root.
    let Some(file) = (unsafe { compat::lookup_child((*dir).d_parent, c"lockdown") }) else {
        return Ok(());
    };
    // SAFETY: the ops are static; the group takes no ownership of anything else.
    let group =
        kernel::error::from_err_ptr(unsafe { bindings::fsnotify_alloc_group(&LOCKDOWN_OPS, 0) });
    let ret = group.and_then(|group| {
        let mark = LOCKDOWN_MARK.0.get();
        // SAFETY: the mark is static, set up once, here, before fsnotify can see it; the group
        // keeps a reference for the mark; adding the mark takes a reference to the inode, which
        // `file` holds until then.
        let ret = unsafe {
            bindings::fsnotify_init_mark(mark, group);
            (*mark).mask = bindings::FS_MODIFY;
            bindings::krsi_fsnotify_add_inode_mark(mark, (*file).d_inode)
        };
        if ret != 0 {
            return Err(Error::from_errno(ret));
        }
        Ok(())
    });
    // SAFETY: the lookup's reference is ours.
    unsafe { bindings::dput(file) };
    ret
}
