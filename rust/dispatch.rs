// SPDX-License-Identifier: GPL-2.0

//! krsi - dispatch: run a hook's programs from its callback.
//!
//! This is the hot path. It takes no lock, allocates nothing and touches no string: it reads the
//! hook's published program array under `rcu_read_lock_trace()` and calls each program through
//! the trampoline enter/exit functions resolved at attach time.

use core::mem::size_of;
use core::ptr;

use kernel::{bindings, ffi};

use crate::hooks::HookId;
use crate::progs::state;

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

/// Holds `rcu_read_lock_trace()`, the read side that covers sleepable programs too.
struct TraceReadGuard;

impl TraceReadGuard {
    #[inline(always)]
    fn lock() -> Self {
        // SAFETY: may be called in any context a hook runs in; paired with the unlock in `drop`.
        unsafe { bindings::rcu_read_lock_trace() };
        TraceReadGuard
    }
}

impl Drop for TraceReadGuard {
    #[inline(always)]
    fn drop(&mut self) {
        // SAFETY: this guard holds the read lock taken in `lock`.
        unsafe { bindings::rcu_read_unlock_trace() };
    }
}

/// Runs an int hook's programs in order on `ctx` (arguments, then the result slot). The first
/// non-zero result stops the chain and is the hook's result; otherwise the hook's default.
#[inline(always)]
pub(crate) fn run_int(hook: HookId, ctx: &mut [u64], default: ffi::c_int) -> ffi::c_int {
    let _rcu = TraceReadGuard::lock();
    let Some(progs) = state(hook).progs() else {
        return default;
    };
    let ret_slot = ctx.len() - 1;
    for att in progs.iter() {
        // The result so far: the chain stops at the first objection, so it is still 0.
        ctx[ret_slot] = 0;
        let ret = att.run(ctx) as ffi::c_int;
        if ret != 0 {
            att.denials
                .fetch_add(1, core::sync::atomic::Ordering::Relaxed);
            return ret;
        }
    }
    default
}

/// Runs every program of a void hook on `ctx`; their results are ignored.
#[inline(always)]
pub(crate) fn run_void(hook: HookId, ctx: &mut [u64]) {
    let _rcu = TraceReadGuard::lock();
    if let Some(progs) = state(hook).progs() {
        let ret_slot = ctx.len() - 1;
        for att in progs.iter() {
            ctx[ret_slot] = 0;
            att.run(ctx);
        }
    }
}
