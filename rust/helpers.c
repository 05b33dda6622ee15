// SPDX-License-Identifier: GPL-2.0
/*
 * krsi - C helpers for the static inline functions krsi's Rust calls
 *
 * Linked into the kernel's rust/helpers/ by scripts/graft, so that bindgen
 * exposes them as kernel::bindings::<name>.
 */

#include <linux/rcupdate_trace.h>

#ifdef CONFIG_SECURITY_KRSI
void rust_helper_rcu_read_lock_trace(void)
{
	rcu_read_lock_trace();
}

void rust_helper_rcu_read_unlock_trace(void)
{
	rcu_read_unlock_trace();
}
#endif
