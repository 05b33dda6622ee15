// SPDX-License-Identifier: GPL-2.0

//! krsi - dispatch: run a hook's programs from its callback.
//!
//! This is the hot path. It takes no lock, allocates nothing and touches no string: it reads the
//! hook's published program array in an RCU read-side section ([`ReadGuard`]) and runs the
//! programs, a chain of non-sleepable ones in one RCU section (see [`run_chain`]), others through
//! the trampoline enter/exit functions resolved at attach time.
//!
//! The context a callback builds is all zero before its arguments are packed, so its last slot,
//! the result so far, is 0; programs cannot write their context, and the chain stops at the
//! first non-zero result, so it stays 0 for every program.

use core::mem::size_of;
use core::ptr;
use core::sync::atomic::Ordering;

use kernel::{bindings, ffi};

use crate::hooks::HookId;
use crate::progs::{state, static_key_enabled, ProgArray};

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

/// An RCU read-side section over a hook's program array: RCU Tasks Trace on hooks that may run
/// sleepable programs (`SLEEPABLE`), plain RCU on the others, where the verifier admits none.
/// Writers wait for a Tasks Trace grace period, which in 6.12 implies an RCU one
/// (`rcu_trace_implies_rcu_gp()`), so both readers are covered.
struct ReadGuard<const SLEEPABLE: bool>;

impl<const SLEEPABLE: bool> ReadGuard<SLEEPABLE> {
    #[inline(always)]
    fn lock() -> Self {
        // SAFETY: both read sides may be entered in any context a hook runs in; the section is
        // closed in `drop`.
        unsafe {
            if SLEEPABLE {
                bindings::krsi_rcu_read_lock_trace();
            } else {
                bindings::krsi_rcu_read_lock();
            }
        }
        ReadGuard
    }
}

impl<const SLEEPABLE: bool> Drop for ReadGuard<SLEEPABLE> {
    #[inline(always)]
    fn drop(&mut self) {
        // SAFETY: this guard holds the section opened in `lock`.
        unsafe {
            if SLEEPABLE {
                bindings::krsi_rcu_read_unlock_trace();
            } else {
                bindings::krsi_rcu_read_unlock();
            }
        }
    }
}

/// Keeps the task on its CPU for the fast path: `preempt_disable()`, which a section that does
/// not sleep can use and which costs nothing without `CONFIG_PREEMPT_COUNT`; on PREEMPT_RT, where
/// spinlocks in BPF helpers may sleep, `migrate_disable()` as the BPF trampoline does.
#[inline(always)]
fn pin_cpu() {
    // SAFETY: paired with `unpin_cpu` on every path of `run_chain`.
    unsafe {
        #[cfg(not(CONFIG_PREEMPT_RT))]
        bindings::krsi_preempt_disable();
        #[cfg(CONFIG_PREEMPT_RT)]
        bindings::migrate_disable();
    }
}

#[inline(always)]
fn unpin_cpu() {
    // SAFETY: undoes `pin_cpu`.
    unsafe {
        #[cfg(not(CONFIG_PREEMPT_RT))]
        bindings::krsi_preempt_enable();
        #[cfg(CONFIG_PREEMPT_RT)]
        bindings::migrate_enable();
    }
}

/// Whether BPF run-time statistics are on (`sysctl kernel.bpf_stats_enabled`); they are kept by
/// the trampoline enter/exit functions, so the fast path is not taken while they are.
#[inline(always)]
fn bpf_stats_enabled() -> bool {
    // SAFETY: the key is a static of the kernel.
    unsafe { static_key_enabled(&raw const bindings::bpf_stats_enabled_key.key) }
}

/// Runs `progs` on `ctx` until one returns non-zero (if `stop`); returns that result or 0.
///
/// A chain of non-sleepable programs runs in one section that does, once for the whole chain,
/// what `bpf_trampoline_enter()`/`_exit()` do around each non-sleepable `BPF_LSM_MAC` program
/// (`__bpf_prog_enter`/`__bpf_prog_exit` in kernel/bpf/trampoline.c: `rcu_read_lock()`, no
/// migration, `current->bpf_ctx` set to a run context, and statistics when enabled): the hot
/// path then calls nothing but the programs. On an `atomic` hook the caller's [`ReadGuard`] is
/// already that RCU section. A chain with a sleepable program, or any chain while statistics
/// are on, goes through the enter/exit functions program by program.
#[inline(always)]
fn run_chain<const SLEEPABLE: bool>(progs: &ProgArray, ctx: &mut [u64], stop: bool) -> ffi::c_int {
    let mut result = 0;
    let mut judge = |att: &crate::progs::Attachment, ret: u32| {
        let ret = ret as ffi::c_int;
        if stop && ret != 0 {
            att.denials.fetch_add(1, Ordering::Relaxed);
            result = ret;
            return true;
        }
        false
    };
    if progs.fast() && !bpf_stats_enabled() {
        // SAFETY: all zero is a run context's initial state (no cookie).
        let mut run_ctx: bindings::bpf_tramp_run_ctx = unsafe { core::mem::zeroed() };
        // SAFETY: the section is closed below on every path; `current` is the running task,
        // whose `bpf_ctx` is saved and restored around the programs as `bpf_set_run_ctx()` does.
        let (task, saved) = unsafe {
            if SLEEPABLE {
                bindings::krsi_rcu_read_lock();
            }
            pin_cpu();
            let task = bindings::get_current();
            let saved = (*task).bpf_ctx;
            (*task).bpf_ctx = &raw mut run_ctx.run_ctx;
            (task, saved)
        };
        for att in progs.iter() {
            // SAFETY: the section above is what `enter` sets up; `progs.fast()` means no program
            // of the chain is sleepable, and statistics are off.
            if judge(att, unsafe { att.run_entered(ctx) }) {
                break;
            }
        }
        // SAFETY: closes the section opened above, in reverse order.
        unsafe {
            (*task).bpf_ctx = saved;
            unpin_cpu();
            if SLEEPABLE {
                bindings::krsi_rcu_read_unlock();
            }
        }
    } else {
        for att in progs.iter() {
            if judge(att, att.run(ctx)) {
                break;
            }
        }
    }
    result
}

/// Runs an int hook's programs in order on `ctx` (arguments, then the result slot). The first
/// non-zero result stops the chain and is the hook's result; otherwise the hook's default.
#[inline(always)]
pub(crate) fn run_int<const SLEEPABLE: bool>(
    hook: HookId,
    ctx: &mut [u64],
    default: ffi::c_int,
) -> ffi::c_int {
    let _rcu = ReadGuard::<SLEEPABLE>::lock();
    let Some(progs) = state(hook).progs() else {
        return default;
    };
    match run_chain::<SLEEPABLE>(progs, ctx, true) {
        0 => default,
        ret => ret,
    }
}

/// Runs every program of a void hook on `ctx`; their results are ignored.
#[inline(always)]
pub(crate) fn run_void<const SLEEPABLE: bool>(hook: HookId, ctx: &mut [u64]) {
    let _rcu = ReadGuard::<SLEEPABLE>::lock();
    if let Some(progs) = state(hook).progs() {
        run_chain::<SLEEPABLE>(progs, ctx, false);
    }
}
