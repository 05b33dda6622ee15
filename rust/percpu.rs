// SPDX-License-Identifier: GPL-2.0

//! krsi - per-CPU counters: counts that every CPU bumps on the hot path without sharing a line.

use core::ptr::NonNull;

use kernel::bindings;
use kernel::error::{code::ENOMEM, Result};

/// `n >= 1` `u64`s per possible CPU, each summed over the CPUs when read.
///
/// # Invariants
///
/// `0` is a per-CPU pointer from `__alloc_percpu()` of `1` `u64`s, at least one, owned by these
/// counters.
pub(crate) struct PerCpuCounters(NonNull<u64>, usize);

// SAFETY: the counters are only bumped on the running CPU and read with plain loads; the per-CPU
// memory is not tied to a thread.
unsafe impl Send for PerCpuCounters {}
// SAFETY: as above; `inc` changes only the running CPU's slot, in one instruction or through
// `this_cpu_inc()`.
unsafe impl Sync for PerCpuCounters {}

impl PerCpuCounters {
    /// `n` counters at zero (`__alloc_percpu()` zeroes the memory).
    pub(crate) fn new(n: usize) -> Result<Self> {
        let n = n.max(1);
        // SAFETY: allocating has no precondition.
        let ptr = unsafe { bindings::krsi_alloc_percpu_u64(n) };
        // INVARIANT: a non-null result is a fresh per-CPU allocation of `n` `u64`s that we own.
        NonNull::new(ptr).map(|p| Self(p, n)).ok_or(ENOMEM)
    }

    /// Adds one to the first counter on the running CPU (see [`PerCpuRef::inc`]).
    #[inline(always)]
    pub(crate) fn inc(&self) {
        PerCpuRef(self.0).inc();
    }

    /// A copy of counter `i`'s per-CPU pointer, for the hot path to bump it without reaching the
    /// counters; it must not outlive them. `i` must be below the number of counters.
    pub(crate) fn handle(&self, i: usize) -> PerCpuRef {
        assert!(i < self.1);
        // SAFETY: `i` is within the allocation (checked above); a per-CPU pointer plus an offset
        // within its object is the per-CPU pointer of that part.
        PerCpuRef(unsafe { NonNull::new_unchecked(self.0.as_ptr().add(i)) })
    }

    /// The first counter's sum over every possible CPU (see [`PerCpuRef::sum`]).
    pub(crate) fn sum(&self) -> u64 {
        PerCpuRef(self.0).sum()
    }
}

/// The per-CPU pointer of one of [`PerCpuCounters`] ([`PerCpuCounters::handle`]).
///
/// # Invariants
///
/// `0` is the pointer of a live counter: whoever holds the value keeps the counters alive.
#[derive(Clone, Copy)]
pub(crate) struct PerCpuRef(NonNull<u64>);

impl PerCpuRef {
    /// Adds one on the running CPU: `this_cpu_inc()`, which on x86-64 is a single
    /// `%gs`-relative `inc` that neither preemption nor an interrupt can tear.
    #[inline(always)]
    pub(crate) fn inc(self) {
        #[cfg(all(CONFIG_X86_64, CONFIG_SMP))]
        // SAFETY: by the type invariant the pointer is a live per-CPU offset, which `%gs` turns
        // into the running CPU's slot, as the kernel's x86 `this_cpu_inc()` does.
        unsafe {
            core::arch::asm!("inc qword ptr gs:[{0}]", in(reg) self.0.as_ptr(), options(nostack))
        };
        #[cfg(not(all(CONFIG_X86_64, CONFIG_SMP)))]
        // SAFETY: by the type invariant the pointer is a live per-CPU allocation.
        unsafe {
            bindings::krsi_this_cpu_inc(self.0.as_ptr())
        };
    }

    /// The sum over every possible CPU. Concurrent increments may or may not be counted.
    pub(crate) fn sum(self) -> u64 {
        let mut sum = 0u64;
        // SAFETY: reading the number of CPU ids has no precondition.
        let ids = unsafe { bindings::krsi_nr_cpu_ids() };
        for cpu in 0..ids {
            // SAFETY: `cpu` is below `nr_cpu_ids`.
            if !unsafe { bindings::krsi_cpu_possible(cpu) } {
                continue;
            }
            // SAFETY: by the type invariant the pointer is a live per-CPU allocation, and `cpu`
            // a possible CPU, whose slot is allocated.
            let slot = unsafe { bindings::krsi_per_cpu_ptr_u64(self.0.as_ptr(), cpu) };
            // SAFETY: `slot` is valid and aligned; it is read while its CPU may bump it, as the
            // kernel reads its own per-CPU statistics (on a 64-bit machine the read cannot tear).
            sum = sum.wrapping_add(unsafe { core::ptr::read_volatile(slot) });
        }
        sum
    }
}

impl Drop for PerCpuCounters {
    fn drop(&mut self) {
        // SAFETY: by the type invariant we own the allocation; nothing uses it after this.
        unsafe { bindings::free_percpu(self.0.as_ptr().cast()) };
    }
}
