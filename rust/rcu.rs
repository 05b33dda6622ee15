// SPDX-License-Identifier: GPL-2.0

//! krsi - RCU: the read side of the hooks and listings, and freeing after a grace period.
//!
//! Hooks read a program array under plain RCU, or under RCU Tasks Trace while a chain with a
//! sleepable program runs (only hooks that BPF allows sleepable programs on). What a change
//! unpublishes, the old array and any detached attachment, is handed to [`retire`], which frees
//! it from an RCU callback once no reader can hold it: after an RCU grace period on hooks that
//! cannot have sleepable programs, after a Tasks Trace one on the others, which also covers the
//! plain RCU readers there: on every kernel krsi supports, a Tasks Trace grace period implies an
//! RCU one (6.12's `rcu_trace_implies_rcu_gp()` is constant true; 7.2 dropped it and BPF's own
//! `bpf_prog_array_free_sleepable()` relies on it). Nobody waits for a grace period: a sleepable
//! program that blocks delays only the freeing of what it may still be using, not the writer or
//! anyone else.

use core::ptr;
use core::sync::atomic::{compiler_fence, Ordering};

use kernel::alloc::{
    flags::{GFP_KERNEL, GFP_NOWAIT},
    KBox, KVec,
};
use kernel::bindings;
use kernel::error::Result;

#[cfg(all(CONFIG_X86_64, CONFIG_PREEMPT_COUNT, not(CONFIG_PREEMPT_RT)))]
use crate::compat;
use crate::progs::{Attachment, ProgArray};

/// An RCU read-side section: RCU Tasks Trace (`TRACE`), which a chain with a sleepable program
/// runs in, or plain RCU, which every other chain and every listing runs in.
pub(crate) struct ReadGuard<const TRACE: bool>;

impl<const TRACE: bool> ReadGuard<TRACE> {
    #[inline(always)]
    pub(crate) fn lock() -> Self {
        if TRACE {
            // SAFETY: the read side may be entered in any context a hook runs in; the section
            // is closed in `drop`.
            unsafe { bindings::krsi_rcu_read_lock_trace() };
        } else {
            rcu_lock();
        }
        compiler_fence(Ordering::SeqCst);
        ReadGuard
    }
}

impl<const TRACE: bool> Drop for ReadGuard<TRACE> {
    #[inline(always)]
    fn drop(&mut self) {
        compiler_fence(Ordering::SeqCst);
        // SAFETY: this guard holds the section opened in `lock`.
        unsafe {
            if TRACE {
                bindings::krsi_rcu_read_unlock_trace();
            } else {
                rcu_unlock();
            }
        }
    }
}

/// The read side of the hook path: an RCU read-side section in which a chain of non-sleepable
/// programs also runs on one CPU, what `__bpf_prog_enter()` sets up around each program with
/// `rcu_read_lock()` and `migrate_disable()` (see `dispatch::Entered`).
///
/// Where the kernel does not preempt kernel code in its current mode (PREEMPT_DYNAMIC booted or
/// switched to none or voluntary, on x86-64), it disables preemption instead,
/// one instruction each way: a region with preemption disabled is an RCU read-side critical
/// section that `call_rcu()` and `synchronize_rcu()` wait for (since RCU's flavours were
/// consolidated) and keeps the task on its CPU, and in those modes nothing preempts the chain
/// anyway, so no program can tell but by reading the preemption count. That saves two calls
/// each way (55 instructions on PREEMPT_DYNAMIC). Lockdep (`CONFIG_DEBUG_LOCK_ALLOC`) only
/// accepts `rcu_read_lock()` for BPF helpers' `rcu_read_lock_held()` checks, so it is taken
/// too there. Where the kernel preempts kernel code (full, lazy, PREEMPT_RT, a static
/// PREEMPT), the chain stays preemptible, as under the trampoline: `rcu_read_lock()` (see
/// [`rcu_lock`]) and, with preemptible RCU, `migrate_disable()`.
///
/// # Invariants
///
/// `preempt` (x86-64 with `CONFIG_PREEMPT_DYNAMIC`, not PREEMPT_RT): the section disabled
/// preemption (else it took RCU and, with preemptible RCU, disabled migration), as the drop must
/// undo.
pub(crate) struct HookGuard {
    #[cfg(all(CONFIG_X86_64, CONFIG_PREEMPT_DYNAMIC, not(CONFIG_PREEMPT_RT)))]
    preempt: bool,
}

impl HookGuard {
    #[inline(always)]
    pub(crate) fn lock() -> Self {
        #[cfg(all(CONFIG_X86_64, CONFIG_PREEMPT_DYNAMIC, not(CONFIG_PREEMPT_RT)))]
        if !compat::kernel_preempts() {
            compat::preempt_disable();
            if cfg!(CONFIG_DEBUG_LOCK_ALLOC) {
                rcu_lock();
            }
            compiler_fence(Ordering::SeqCst);
            // INVARIANT: preemption was disabled.
            return HookGuard { preempt: true };
        }
        rcu_lock();
        #[cfg(CONFIG_PREEMPT_RCU)]
        // SAFETY: paired with `migrate_enable()` in `drop`.
        unsafe {
            bindings::krsi_migrate_disable()
        };
        compiler_fence(Ordering::SeqCst);
        // INVARIANT: RCU taken, migration disabled with preemptible RCU.
        HookGuard {
            #[cfg(all(CONFIG_X86_64, CONFIG_PREEMPT_DYNAMIC, not(CONFIG_PREEMPT_RT)))]
            preempt: false,
        }
    }
}

impl Drop for HookGuard {
    #[inline(always)]
    fn drop(&mut self) {
        compiler_fence(Ordering::SeqCst);
        #[cfg(all(CONFIG_X86_64, CONFIG_PREEMPT_DYNAMIC, not(CONFIG_PREEMPT_RT)))]
        if self.preempt {
            if cfg!(CONFIG_DEBUG_LOCK_ALLOC) {
                // SAFETY: this guard holds the section opened in `lock` (type invariant).
                unsafe { rcu_unlock() };
            }
            compat::preempt_enable();
            return;
        }
        #[cfg(CONFIG_PREEMPT_RCU)]
        // SAFETY: undoes `lock`'s `migrate_disable()` (type invariant).
        unsafe {
            bindings::krsi_migrate_enable()
        };
        // SAFETY: this guard holds the section opened in `lock` (type invariant).
        unsafe { rcu_unlock() };
    }
}

/// Whether `rcu_read_lock()` and `rcu_read_unlock()` do anything but order the compiler: with
/// preemptible RCU (`__rcu_read_lock()` counts the nesting in the task), preemption counting
/// (`preempt_disable()`), lockdep (`rcu_lock_acquire()`, `RCU_LOCKDEP_WARN()`) or strict grace
/// periods (`rcu_read_unlock_strict()`). Without all four, both are `barrier()` (rcupdate.h on
/// 6.12 and 7.2), and the hot path makes no call for them: a compiler fence is the whole section.
const RCU_READ_SIDE_CALLS: bool = cfg!(any(
    CONFIG_PREEMPT_RCU,
    CONFIG_PREEMPT_COUNT,
    CONFIG_DEBUG_LOCK_ALLOC,
    CONFIG_RCU_STRICT_GRACE_PERIOD
));

/// Whether `rcu_read_lock()` is `preempt_disable()` and nothing else, one instruction inline:
/// non-preemptible RCU with a preemption count (7.x's PREEMPT_LAZY or PREEMPT without
/// PREEMPT_DYNAMIC, or a count kept for debugging checks), without lockdep, strict grace periods
/// or the count's own debugging and tracing (`__rcu_read_lock()` in rcupdate.h, preempt.h, on
/// 6.12 and 7.2).
#[cfg(all(CONFIG_X86_64, CONFIG_PREEMPT_COUNT, not(CONFIG_PREEMPT_RT)))]
const RCU_IS_PREEMPT_DISABLE: bool = cfg!(all(
    CONFIG_X86_64,
    CONFIG_PREEMPT_COUNT,
    not(CONFIG_PREEMPT_RCU),
    not(CONFIG_DEBUG_LOCK_ALLOC),
    not(CONFIG_RCU_STRICT_GRACE_PERIOD),
    not(CONFIG_DEBUG_PREEMPT),
    not(CONFIG_TRACE_PREEMPT_TOGGLE)
));

/// `rcu_read_lock()`: a compiler fence where that is all it is, the preemption count inline
/// where that is all it is, else C's.
#[inline(always)]
fn rcu_lock() {
    #[cfg(all(CONFIG_X86_64, CONFIG_PREEMPT_COUNT, not(CONFIG_PREEMPT_RT)))]
    if RCU_IS_PREEMPT_DISABLE {
        compat::preempt_disable();
        return;
    }
    if RCU_READ_SIDE_CALLS {
        // SAFETY: the read side may be entered in any context a hook or a listing runs in; the
        // caller closes it with `rcu_unlock`.
        unsafe { bindings::krsi_rcu_read_lock() };
    }
}

/// `rcu_read_unlock()`, for a section [`rcu_lock`] entered.
///
/// # Safety
///
/// The caller closes a section it opened with [`rcu_lock`].
#[inline(always)]
unsafe fn rcu_unlock() {
    #[cfg(all(CONFIG_X86_64, CONFIG_PREEMPT_COUNT, not(CONFIG_PREEMPT_RT)))]
    if RCU_IS_PREEMPT_DISABLE {
        compat::preempt_enable();
        return;
    }
    if RCU_READ_SIDE_CALLS {
        // SAFETY: by the safety requirements.
        unsafe { bindings::krsi_rcu_read_unlock() };
    }
}

/// What one change unpublished: freed together after the grace period.
///
/// # Invariants
///
/// `array` is null or an array made by `ProgArray::alloc` and each of `atts` a `KBox<Attachment>`, all no longer
/// reachable from a published array once the value is handed to [`retire`]; they are owned by
/// this value and freed when it is dropped.
#[repr(C)]
pub(crate) struct Retired {
    head: bindings::callback_head,
    /// Wait for RCU Tasks Trace, not only RCU.
    trace: bool,
    array: *mut ProgArray,
    atts: KVec<*mut Attachment>,
}

impl Retired {
    /// Allocates room for what a change will unpublish, before it publishes anything, so that the
    /// change cannot fail after it is visible. `trace`: the hook may run sleepable programs.
    pub(crate) fn new(trace: bool, atts: usize) -> Result<KBox<Self>> {
        Ok(KBox::new(
            Retired {
                // SAFETY: all zero is the initial state of a callback head.
                head: unsafe { core::mem::zeroed() },
                trace,
                array: ptr::null_mut(),
                atts: KVec::with_capacity(atts, GFP_KERNEL)?,
            },
            GFP_KERNEL,
        )?)
    }

    /// Records the array a change replaced (null for none).
    pub(crate) fn set_array(&mut self, array: *mut ProgArray) {
        self.array = array;
    }

    /// Records an attachment a change removed; room for it was allocated by [`Retired::new`].
    pub(crate) fn push(&mut self, att: *mut Attachment) {
        // Within the capacity reserved in `new`, `push` does not allocate and cannot fail; were
        // it exceeded (a caller bug), leaking the attachment is the safe answer.
        if self.atts.len() < self.atts.capacity() {
            let _ = self.atts.push(att, GFP_NOWAIT);
        }
    }
}

impl Drop for Retired {
    fn drop(&mut self) {
        if !self.array.is_null() {
            // SAFETY: by the type invariant `array` is an unreachable array we own.
            unsafe { ProgArray::free(self.array) };
        }
        for &att in self.atts.iter() {
            // SAFETY: by the type invariant each is an unreachable `KBox<Attachment>` we own;
            // dropping it puts its program reference.
            drop(unsafe { KBox::from_raw(att) });
        }
    }
}

/// Frees `retired` once no hook or listing can still be using what it holds.
pub(crate) fn retire(retired: KBox<Retired>) {
    if retired.array.is_null() && retired.atts.is_empty() {
        // A first attach unpublished nothing: no reader to wait for.
        return;
    }
    let trace = retired.trace;
    let raw = KBox::into_raw(retired);
    // SAFETY: `raw` is a live `Retired` whose head is not queued; the callback takes it back.
    unsafe {
        let head = &raw mut (*raw).head;
        if trace {
            bindings::krsi_call_rcu_tasks_trace(head, Some(free_retired));
        } else {
            bindings::call_rcu(head, Some(free_retired));
        }
    }
}

/// Frees a [`Retired`] after its grace period.
///
/// # Safety
///
/// Called by RCU only, with the head of a `Retired` queued by [`retire`].
unsafe extern "C" fn free_retired(head: *mut bindings::callback_head) {
    // SAFETY: `head` is the first field of a `#[repr(C)]` `Retired` made by `KBox::into_raw` in
    // `retire`, and RCU calls this once.
    drop(unsafe { KBox::from_raw(head.cast::<Retired>()) });
}
