// SPDX-License-Identifier: GPL-2.0
/*
 * krsi - C helpers for the static inline functions krsi's Rust calls
 *
 * Linked into the kernel's rust/helpers/ by scripts/graft, so that bindgen
 * exposes them as kernel::bindings::krsi_<name>. The krsi_ prefix keeps them
 * apart from helpers the kernel itself may add under the plain names.
 */

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

void rust_helper_krsi_preempt_disable(void)
{
	preempt_disable();
}

void rust_helper_krsi_preempt_enable(void)
{
	preempt_enable();
}
#endif
