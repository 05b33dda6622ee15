// SPDX-License-Identifier: GPL-2.0

//! krsi - dispatch: run a hook's programs from its callback.
//!
//! This is the hot path. It takes no lock, allocates nothing and touches no string: it reads the
//! hook's published program array in an RCU read-side section ([`ReadGuard`]) and runs the
//! programs, a chain of non-sleepable ones in that section (see [`run_atomic`]), a chain with a
//! sleepable program under RCU Tasks Trace through the trampoline enter/exit functions resolved
//! at attach time.
//!
//! A callback builds the frame the BPF trampoline builds: one slot holding the number of argument
//! slots (read by `bpf_get_func_arg_cnt()`, `bpf_get_func_arg()` and `bpf_get_func_ret()` at
//! `ctx[-1]`), then the context the programs see: the arguments, then the result so far. The
//! verifier lets an LSM program store into its context, as it does for the trampoline, which
//! hands every program the same context: a later program sees arguments an earlier one changed,
//! and on an int hook the result slot holds the previous program's result, 0, since the chain
//! stopped otherwise. krsi does the same: it stores 0 there after each program of an int hook,
//! when the array holds a program that the verifier let access the slot (only such a program can
//! have written it); other chains, nearly all, run a loop without the store.
//!
//! A program of an audit-only attachment that returns non-zero does not stop the chain: the next
//! program runs as after a 0 (see `audit`). A scoped attachment whose cgroup does not hold the
//! hook's subject is skipped (see `scope`); an array without one runs the loop without the test.

use core::mem::size_of;
use core::ptr;

use kernel::{bindings, ffi};

use crate::audit;
use crate::compat;
use crate::hooks::HookId;
use crate::progs::{att, state, static_key_enabled, Attachment, Kind, ProgArray};
use crate::rcu::ReadGuard;
use crate::scope::Subject;

/// The number of u64 context slots a hook argument of type `T` takes: one per 8 bytes, as in the
/// BPF trampoline (a struct passed by value, such as `sockptr_t`, may take two).
pub(crate) const fn slots<T>() -> usize {
    size_of::<T>().div_ceil(8)
}

/// Stores `v` at slot `i` of `ctx`, zero-extended; returns the next free slot.
#[inline(always)]
pub(crate) fn pack<T: Copy>(ctx: &mut [u64], i: usize, v: T) -> usize {
    let dst = &mut ctx[i..i + slots::<T>()];
    // SAFETY: `dst` is `slots::<T>() * 8 >= size_of::<T>()` bytes of valid, writable memory.
    unsafe { ptr::write_unaligned(dst.as_mut_ptr().cast::<T>(), v) };
    i + slots::<T>()
}

/// Keeps the task on its CPU for the fast path, as `__bpf_prog_enter()` does around each program
/// with `migrate_disable()`; the fast path runs inside an RCU read-side section. Without
/// `CONFIG_PREEMPT_RCU`, `rcu_read_lock()` already disables preemption (or, without
/// `CONFIG_PREEMPT_COUNT`, nothing preempts kernel code), so there is nothing to do, as there is
/// nothing more in `__bpf_prog_enter()`. With it (PREEMPT, PREEMPT_DYNAMIC, PREEMPT_RT), the chain
/// stays preemptible, as under the trampoline, and only migration is disabled.
#[inline(always)]
fn pin_cpu() {
    #[cfg(CONFIG_PREEMPT_RCU)]
    // SAFETY: paired with `unpin_cpu` in `run_atomic`.
    unsafe {
        bindings::krsi_migrate_disable()
    };
}

#[inline(always)]
fn unpin_cpu() {
    #[cfg(CONFIG_PREEMPT_RCU)]
    // SAFETY: undoes `pin_cpu`.
    unsafe {
        bindings::krsi_migrate_enable()
    };
}

/// Whether BPF run-time statistics are on (`sysctl kernel.bpf_stats_enabled`); they are kept by
/// the trampoline enter/exit functions, so the fast path is not taken while they are.
#[inline(always)]
fn bpf_stats_enabled() -> bool {
    // SAFETY: the key is a static of the kernel.
    unsafe { static_key_enabled(&raw const bindings::bpf_stats_enabled_key.key) }
}

/// The running task's `current->bpf_ctx`, at C's offset (`layout.h`).
#[inline(always)]
fn bpf_ctx(task: *mut bindings::task_struct) -> *mut *mut bindings::bpf_run_ctx {
    // SAFETY: `task` is the running task; the offset is that of its `bpf_ctx` member, a
    // `struct bpf_run_ctx *`.
    unsafe {
        task.cast::<u8>()
            .add(bindings::KRSI_TASK_BPF_CTX as usize)
            .cast::<*mut bindings::bpf_run_ctx>()
    }
}

/// Runs `progs` on `frame` until one returns non-zero (if `stop`); returns that result or 0.
///
/// The caller is in a plain RCU read-side section and no program of `progs` is sleepable. The
/// chain runs in one section that does, once for the whole chain, what `bpf_trampoline_enter()`
/// and `_exit()` do around each non-sleepable `BPF_LSM_MAC` program (`__bpf_prog_enter` and
/// `__bpf_prog_exit` in kernel/bpf/trampoline.c: `rcu_read_lock()`, no migration,
/// `current->bpf_ctx` set to a run context): the caller's section is that RCU section, and the
/// hot path calls nothing but the programs. While BPF statistics are on, the chain goes through
/// the enter/exit functions program by program, which keep them.
///
/// `PLAIN`: the caller found the chain's kind 0 (no program resets the result slot or is
/// scoped), so the chain runs without looking at it again.
#[inline(always)]
fn run_atomic<const PLAIN: bool>(
    progs: &ProgArray,
    frame: &mut [u64],
    stop: bool,
    subject: Subject,
) -> ffi::c_int {
    if bpf_stats_enabled() {
        return run_each(progs, frame, stop, subject);
    }
    // SAFETY: all zero is a run context's initial state (no cookie).
    let mut run_ctx: bindings::bpf_tramp_run_ctx = unsafe { core::mem::zeroed() };
    pin_cpu();
    let task = compat::current();
    let slot = bpf_ctx(task);
    // SAFETY: `slot` is the running task's `bpf_ctx`, saved and restored around the programs as
    // `bpf_set_run_ctx()` does; only this task writes it.
    let saved = unsafe { slot.replace(&raw mut run_ctx.run_ctx) };
    // SAFETY: the section set up above and the caller's RCU section are what `enter` sets up for
    // a non-sleepable program (the caller's promise), and statistics are off; `task` is the
    // running task and the caller's RCU section keeps the subject's cgroup valid.
    let result = unsafe {
        match progs.kind() & (Kind::SCOPED | if stop { Kind::RESETS } else { 0 }) {
            _ if PLAIN => chain_entered::<false, false>(progs, frame, stop, subject, task),
            0 => chain_entered::<false, false>(progs, frame, stop, subject, task),
            Kind::RESETS => chain_entered::<true, false>(progs, frame, stop, subject, task),
            Kind::SCOPED => chain_entered::<false, true>(progs, frame, stop, subject, task),
            _ => chain_entered::<true, true>(progs, frame, stop, subject, task),
        }
    };
    // SAFETY: restores what was saved above, before the section closes.
    unsafe { slot.write(saved) };
    unpin_cpu();
    result
}

/// The loop of [`run_atomic`]; `RESET` stores 0 into the result slot after each program;
/// `SCOPED` skips the attachments whose scope does not hold the subject.
///
/// # Safety
///
/// As for [`Attachment::run_entered`]; `task` is the running task and the caller holds
/// `rcu_read_lock()` (for [`Subject::cgroup`]).
#[inline(always)]
unsafe fn chain_entered<const RESET: bool, const SCOPED: bool>(
    progs: &ProgArray,
    frame: &mut [u64],
    stop: bool,
    subject: Subject,
    task: *mut bindings::task_struct,
) -> ffi::c_int {
    // SAFETY: the caller's promise; the cgroup is used in the caller's RCU section only.
    let cgroup = SCOPED.then(|| unsafe { subject.cgroup(task) });
    for &a in progs.items() {
        let att = att(a);
        if cgroup.as_ref().is_some_and(|c| !att.runs_for(c)) {
            continue;
        }
        // SAFETY: the caller's promise.
        let ret = unsafe { att.run_entered(frame) };
        if judge(att, ret, stop) {
            return ret as ffi::c_int;
        }
        next_result::<RESET>(frame);
    }
    0
}

/// Runs `progs` on `frame` through the enter/exit functions program by program, as the BPF
/// trampoline does; returns the first non-zero result (if `stop`) or 0. Not the fast path: the
/// result slot is reset whenever the chain may need it, and the scope of a scoped attachment is
/// checked in an RCU section of its own (a sleepable chain runs under RCU Tasks Trace only).
fn run_each(progs: &ProgArray, frame: &mut [u64], stop: bool, subject: Subject) -> ffi::c_int {
    let reset = stop && progs.resets();
    for att in progs.iter() {
        if att.scoped() {
            let _rcu = ReadGuard::<false>::lock();
            // SAFETY: the running task, and an RCU section for its cgroup.
            let cgroup = unsafe { subject.cgroup(compat::current()) };
            if !att.runs_for(&cgroup) {
                continue;
            }
        }
        let ret = att.run(frame);
        if judge(att, ret, stop) {
            return ret as ffi::c_int;
        }
        if reset {
            next_result::<true>(frame);
        }
    }
    0
}

/// After a program of an int hook returned 0, puts that result into the frame's result slot for
/// the next program (if `RESET`), as the trampoline stores each program's result: a program that
/// may access the slot may have written it.
#[inline(always)]
fn next_result<const RESET: bool>(frame: &mut [u64]) {
    if RESET {
        if let Some(slot) = frame.last_mut() {
            *slot = 0;
        }
    }
}

/// Whether a program's result `ret` ends the chain (if `stop`): a non-zero result is a denial,
/// unless the attachment is audit-only. A zero result costs the test and nothing else; a
/// non-zero one is counted and recorded off the hot path (`audit::nonzero`).
#[inline(always)]
fn judge(att: &Attachment, ret: u32, stop: bool) -> bool {
    stop && ret != 0 && audit::nonzero(att, ret)
}

/// Runs a hook's programs on `frame` (the argument count, the arguments, then the result slot);
/// returns the first non-zero result (if `stop`), or 0.
///
/// The array is read under plain RCU, and a chain of non-sleepable programs, the common case,
/// runs there ([`run_atomic`]). Only a chain with a sleepable program, which only a `SLEEPABLE`
/// hook can have (the verifier admits sleepable programs on those hooks only), leaves it for
/// RCU Tasks Trace, reads the array again and runs program by program.
#[inline(always)]
fn run<const SLEEPABLE: bool>(
    hook: HookId,
    subject: Subject,
    frame: &mut [u64],
    stop: bool,
) -> ffi::c_int {
    let st = state(hook);
    {
        let _rcu = ReadGuard::<false>::lock();
        let Some(progs) = st.progs() else {
            return 0;
        };
        // The common chain (no sleepable program, none that resets the result slot or is
        // scoped) with one test of the chain's kind; then the others.
        let special = Kind::SCOPED
            | if SLEEPABLE { Kind::SLOW } else { 0 }
            | if stop { Kind::RESETS } else { 0 };
        if progs.kind() & special == 0 {
            return run_atomic::<true>(progs, frame, stop, subject);
        }
        if !SLEEPABLE || progs.fast() {
            return run_atomic::<false>(progs, frame, stop, subject);
        }
    }
    let _trace = ReadGuard::<true>::lock();
    st.progs()
        .map_or(0, |progs| run_each(progs, frame, stop, subject))
}

/// Runs an int hook's programs in order on `frame`. The first non-zero result stops the chain and
/// is the hook's result; otherwise the hook's default.
#[inline(always)]
pub(crate) fn run_int<const SLEEPABLE: bool>(
    hook: HookId,
    subject: Subject,
    frame: &mut [u64],
    default: ffi::c_int,
) -> ffi::c_int {
    match run::<SLEEPABLE>(hook, subject, frame, true) {
        0 => default,
        ret => ret,
    }
}

/// Runs every program of a void hook on `frame`; their results are ignored.
#[inline(always)]
pub(crate) fn run_void<const SLEEPABLE: bool>(hook: HookId, subject: Subject, frame: &mut [u64]) {
    run::<SLEEPABLE>(hook, subject, frame, false);
}
