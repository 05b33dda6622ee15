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
//! anyone else. A hook's retirements are freed in the order of its changes ([`RetireQueue`]),
//! whatever order their grace periods end in: each array's run counts go to its attachments
//! first (`runs::fold`), and a later retirement may free one of them.

use core::cell::UnsafeCell;
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
use crate::runs;

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
/// 6.12 and 7.2). Defined only where the count's inline form exists (the `#[cfg]`: x86-64 with
/// a count, not PREEMPT_RT).
#[cfg(all(CONFIG_X86_64, CONFIG_PREEMPT_COUNT, not(CONFIG_PREEMPT_RT)))]
const RCU_IS_PREEMPT_DISABLE: bool = cfg!(all(
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
/// this value and freed when it is dropped. `queue` is the hook's; `next` and `done` belong to
/// it (see [`RetireQueue`]).
#[repr(C)]
pub(crate) struct Retired {
    head: bindings::callback_head,
    /// Wait for RCU Tasks Trace, not only RCU.
    trace: bool,
    array: *mut ProgArray,
    atts: KVec<*mut Attachment>,
    queue: &'static RetireQueue,
    next: *mut Retired,
    /// Its grace period has ended.
    done: bool,
}

impl Retired {
    /// Allocates room for what a change of the hook of `queue` will unpublish, before it
    /// publishes anything, so that the change cannot fail after it is visible. `trace`: the hook
    /// may run sleepable programs.
    pub(crate) fn new(queue: &'static RetireQueue, trace: bool, atts: usize) -> Result<KBox<Self>> {
        Ok(KBox::new(
            Retired {
                // SAFETY: all zero is the initial state of a callback head.
                head: unsafe { core::mem::zeroed() },
                trace,
                array: ptr::null_mut(),
                atts: KVec::with_capacity(atts, GFP_KERNEL)?,
                queue,
                next: ptr::null_mut(),
                done: false,
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

/// The retirements of one hook that are not freed yet, oldest first.
///
/// # Invariants
///
/// `head` is null or the first of a list of `Retired`s linked by `next`, made by `KBox::into_raw`
/// in [`retire`], in the order of the hook's changes, whose last is `tail`. Both are read and
/// changed only under [`RETIRE_LOCK`].
pub(crate) struct RetireQueue {
    head: UnsafeCell<*mut Retired>,
    tail: UnsafeCell<*mut Retired>,
}

// SAFETY: the list is used only under `RETIRE_LOCK`, which synchronises.
unsafe impl Sync for RetireQueue {}

impl RetireQueue {
    pub(crate) const fn new() -> Self {
        Self {
            head: UnsafeCell::new(ptr::null_mut()),
            tail: UnsafeCell::new(ptr::null_mut()),
        }
    }

    /// Calls `f` with the arrays of the queue's retirements, oldest first, under the lock, which
    /// keeps the queue and every attachment's folded runs as they are while `f` runs.
    pub(crate) fn with_arrays<R>(
        &self,
        f: impl FnOnce(&mut dyn Iterator<Item = &ProgArray>) -> R,
    ) -> R {
        let _lock = RetireGuard::lock();
        // SAFETY: under the lock; by the type invariant `head` starts a list of live `Retired`s,
        // which stay queued and live while the lock is held, and their arrays with them.
        let mut next = unsafe { *self.head.get() };
        let mut arrays = core::iter::from_fn(|| loop {
            if next.is_null() {
                return None;
            }
            // SAFETY: as above.
            let r = unsafe { &*next };
            next = r.next;
            // SAFETY: the array is owned by `r` (type invariant of `Retired`).
            if let Some(array) = unsafe { r.array.as_ref() } {
                return Some(array);
            }
        });
        f(&mut arrays)
    }
}

/// The spinlock of every hook's [`RetireQueue`] (a queue changes a few times per change of its
/// hook). Taken with bottom halves off: RCU callbacks take it.
///
/// # Invariants
///
/// Initialised by [`init`] before any change.
struct RetireLock(
    UnsafeCell<bindings::spinlock_t>,
    UnsafeCell<bindings::lock_class_key>,
);

// SAFETY: the lock is used only through the kernel's spinlock functions, which synchronise.
unsafe impl Sync for RetireLock {}

// SAFETY: all-zero is the state `__spin_lock_init()` expects to initialise; same for the class.
static RETIRE_LOCK: RetireLock = unsafe { core::mem::zeroed() };

/// Holds [`RETIRE_LOCK`]; unlocks on drop.
struct RetireGuard(());

impl RetireGuard {
    fn lock() -> Self {
        // SAFETY: by the invariant of `RetireLock`, the lock is initialised.
        unsafe { bindings::krsi_spin_lock_bh(RETIRE_LOCK.0.get()) };
        RetireGuard(())
    }
}

impl Drop for RetireGuard {
    fn drop(&mut self) {
        // SAFETY: the guard exists only while this CPU holds the lock.
        unsafe { bindings::krsi_spin_unlock_bh(RETIRE_LOCK.0.get()) };
    }
}

/// Initialises the lock of the retirement queues; called once from the initcall, before any
/// change.
pub(crate) fn init() {
    // SAFETY: called once before any user of the lock.
    unsafe {
        bindings::__spin_lock_init(
            RETIRE_LOCK.0.get(),
            crate::compat::const_char_ptr(c"krsi_retire"),
            RETIRE_LOCK.1.get(),
        )
    };
}

/// Frees `retired` once no hook or listing can still be using what it holds, after what its
/// hook's earlier changes unpublished. Called under the write lock, in the order of the changes.
pub(crate) fn retire(retired: KBox<Retired>) {
    if retired.array.is_null() && retired.atts.is_empty() {
        // A first attach unpublished nothing: no reader to wait for.
        return;
    }
    let trace = retired.trace;
    let queue = retired.queue;
    let raw = KBox::into_raw(retired);
    {
        let _lock = RetireGuard::lock();
        // SAFETY: under the lock; `raw` is live and not queued, and the queue's `tail`, if any,
        // is a live queued `Retired` (type invariant of `RetireQueue`).
        unsafe {
            let tail = *queue.tail.get();
            if tail.is_null() {
                *queue.head.get() = raw;
            } else {
                (*tail).next = raw;
            }
            *queue.tail.get() = raw;
        }
    }
    // SAFETY: `raw` is a live `Retired` whose head is not queued for RCU; the callback takes it
    // off its queue and frees it.
    unsafe {
        let head = &raw mut (*raw).head;
        if trace {
            bindings::krsi_call_rcu_tasks_trace(head, Some(free_retired));
        } else {
            bindings::call_rcu(head, Some(free_retired));
        }
    }
}

/// Marks a [`Retired`] whose grace period ended, then frees the queue's oldest retirements
/// while their grace periods have ended, folding each one's array's run counts into its
/// attachments first.
///
/// # Safety
///
/// Called by RCU only, with the head of a `Retired` queued by [`retire`].
unsafe extern "C" fn free_retired(head: *mut bindings::callback_head) {
    let raw = head.cast::<Retired>();
    // SAFETY: `head` is the first field of a `#[repr(C)]` `Retired` made by `KBox::into_raw` in
    // `retire` and queued on its hook's queue, which RCU calls this for once.
    let queue = unsafe { (*raw).queue };
    let mut ready: *mut Retired = ptr::null_mut();
    let mut last: *mut Retired = ptr::null_mut();
    {
        let _lock = RetireGuard::lock();
        // SAFETY: under the lock, every queued `Retired` is live (type invariant of
        // `RetireQueue`); those taken off the queue are ours, linked on `ready`.
        unsafe {
            (*raw).done = true;
            loop {
                let first = *queue.head.get();
                if first.is_null() || !(*first).done {
                    break;
                }
                *queue.head.get() = (*first).next;
                if (*first).next.is_null() {
                    *queue.tail.get() = ptr::null_mut();
                }
                (*first).next = ptr::null_mut();
                if let Some(array) = (*first).array.as_ref() {
                    // Its grace period is over: no reader counts into it any more, and its
                    // attachments are live (this or a later retirement frees them).
                    runs::fold(array);
                }
                if last.is_null() {
                    ready = first;
                } else {
                    (*last).next = first;
                }
                last = first;
            }
        }
    }
    while !ready.is_null() {
        // SAFETY: `ready` is a list of `Retired`s taken off the queue above, ours to free.
        let r = unsafe { KBox::from_raw(ready) };
        ready = r.next;
        drop(r);
    }
}
