// SPDX-License-Identifier: GPL-2.0
/*
 * krsi - C helpers for the static inline functions krsi's Rust calls
 *
 * Linked into the kernel's rust/helpers/ by scripts/graft, so that bindgen
 * exposes them as kernel::bindings::krsi_<name>. The krsi_ prefix keeps them
 * apart from helpers the kernel itself may add under the plain names.
 */

#include <linux/cpumask.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/rcupdate.h>
#include <linux/rcupdate_trace.h>

#ifdef CONFIG_SECURITY_KRSI
void rust_helper_krsi_rcu_read_lock_trace(void)
{
	rcu_read_lock_trace();
}

void rust_helper_krsi_rcu_read_unlock_trace(void)
{
	rcu_read_unlock_trace();
}

void rust_helper_krsi_rcu_read_lock(void)
{
	rcu_read_lock();
}

void rust_helper_krsi_rcu_read_unlock(void)
{
	rcu_read_unlock();
}

bool rust_helper_krsi_rcu_trace_implies_rcu_gp(void)
{
	return rcu_trace_implies_rcu_gp();
}

u64 __percpu *rust_helper_krsi_alloc_percpu_u64(void)
{
	return alloc_percpu(u64);
}

void rust_helper_krsi_this_cpu_inc(u64 __percpu *counter)
{
	this_cpu_inc(*counter);
}

u64 *rust_helper_krsi_per_cpu_ptr_u64(u64 __percpu *counter, unsigned int cpu)
{
	return per_cpu_ptr(counter, cpu);
}

bool rust_helper_krsi_cpu_possible(unsigned int cpu)
{
	return cpu_possible(cpu);
}

unsigned int rust_helper_krsi_nr_cpu_ids(void)
{
	return nr_cpu_ids;
}
#endif
