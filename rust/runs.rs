// SPDX-License-Identifier: GPL-2.0

//! krsi - run counts: a chain's calls counted on the hot path, each program's runs when read.
//!
//! The listing's `runs=` is how many times a program ran on its hook. The common chains (one
//! program, or several plain ones: `dispatch::run_one` and `run_many`) do not count each
//! program's runs: they count the chain's calls, one per-CPU increment per call in the array
//! ([`ProgArray::count_call`]), and, off the hot path, each stop at the program that stopped the
//! chain ([`RunItem::stopped`]). A program of such a chain ran in every call that no program
//! before it stopped: its runs in an array are the array's calls less the stops before it. Every
//! other chain (scoped, resetting the result slot, sleepable, or run while BPF statistics are
//! on) counts on the attachment's own counter, as before.
//!
//! An array's counts belong to it, and a change replaces the array; when a retired array's grace
//! period ends, nothing counts into it any more, and [`fold`] adds each of its programs' runs to
//! the attachment (`folded`) before the array is freed. The retirements of a hook are freed in
//! the order of its changes (`rcu::RetireQueue`), so an attachment outlives every array that
//! holds it. A listing ([`of`]) adds the attachment's own counter, what was folded, what the
//! retiring arrays not yet folded hold, and what the published one holds, under the queue's lock,
//! which folding takes too, so that no count is seen twice or missed.

use crate::progs::{att, Attachment, HookState, ProgArray, MAX_PROGS};

use core::ptr;
use core::sync::atomic::Ordering;

/// Calls `f` with each program of `array` that runs and its runs counted per call in `array`.
/// The stops are read before the calls: a call counted after them (still running, or started
/// since) may show as a run of a program that it has not reached, never as a negative count.
fn chain_runs(array: &ProgArray, mut f: impl FnMut(*const Attachment, u64)) {
    let items = array.runs();
    let mut before = [0u64; MAX_PROGS];
    let mut stops = 0u64;
    for (item, before) in items.iter().zip(before.iter_mut()) {
        *before = stops;
        stops = stops.wrapping_add(item.stops());
    }
    let calls = array.calls();
    for (item, before) in items.iter().zip(before) {
        f(ptr::from_ref(item.att()), calls.saturating_sub(before));
    }
}

/// Adds the runs counted per call in `array`, which no reader can reach any more, to its
/// attachments. Called once per array, under the lock of its hook's retirement queue.
pub(crate) fn fold(array: &ProgArray) {
    chain_runs(array, |a, runs| {
        att(a).folded.fetch_add(runs, Ordering::Relaxed);
    });
}

/// The runs of each program of `progs`, the published array of `st` read in an RCU read-side
/// section, in run order (zero past them).
pub(crate) fn of(st: &HookState, progs: Option<&ProgArray>) -> [u64; MAX_PROGS] {
    let mut runs = [0u64; MAX_PROGS];
    let Some(progs) = progs else {
        return runs;
    };
    let order = progs.order();
    // Adds `n` runs of attachment `a` at its place in `order`.
    let add = |runs: &mut [u64; MAX_PROGS], a: *const Attachment, n: u64| {
        if let Some(i) = order.iter().position(|&o| ptr::eq(o, a)) {
            runs[i] = runs[i].wrapping_add(n);
        }
    };
    // The published array cannot be folded before the caller's section ends; it may already be
    // queued for retirement, if a change replaced it since the caller read it.
    chain_runs(progs, |a, n| add(&mut runs, a, n));
    st.retiring.with_arrays(|arrays| {
        for array in arrays.filter(|&a| !ptr::eq(a, progs)) {
            chain_runs(array, |a, n| add(&mut runs, a, n));
        }
        for (runs, &a) in runs.iter_mut().zip(order) {
            let a = att(a);
            *runs = runs
                .wrapping_add(a.folded.load(Ordering::Relaxed))
                .wrapping_add(a.runs.sum());
        }
    });
    runs
}
