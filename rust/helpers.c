// SPDX-License-Identifier: GPL-2.0
/*
 * krsi - C helpers for the static inline functions krsi's Rust calls
 *
 * Linked into the kernel's rust/helpers/ by scripts/graft, so that bindgen
 * exposes them as kernel::bindings::krsi_<name>. The krsi_ prefix keeps them
 * apart from helpers the kernel itself may add under the plain names.
 */

#include <linux/audit.h>
#include <linux/bpf.h>
#include <linux/capability.h>
#include <linux/cgroup.h>
#include <linux/cpumask.h>
#include <linux/cred.h>
#include <linux/dcache.h>
#include <linux/filter.h>
#include <linux/fs.h>
#include <linux/fsnotify_backend.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/rcupdate.h>
#include <linux/rcupdate_trace.h>
#include <linux/sched.h>
#include <linux/security.h>
#include <linux/spinlock.h>
#include <linux/uidgid.h>

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

void rust_helper_krsi_spin_lock_bh(spinlock_t *lock)
{
	spin_lock_bh(lock);
}

void rust_helper_krsi_spin_unlock_bh(spinlock_t *lock)
{
	spin_unlock_bh(lock);
}

void rust_helper_krsi_call_rcu_tasks_trace(struct rcu_head *head, rcu_callback_t func)
{
	call_rcu_tasks_trace(head, func);
}

#ifdef CONFIG_PREEMPTION
void rust_helper_krsi_preempt_schedule(void)
{
	__preempt_schedule();
}
#endif

void rust_helper_krsi_migrate_disable(void)
{
	migrate_disable();
}

void rust_helper_krsi_migrate_enable(void)
{
	migrate_enable();
}

const struct bpf_insn *rust_helper_krsi_prog_insnsi(const struct bpf_prog *prog)
{
	return prog->insnsi;
}

u64 __percpu *rust_helper_krsi_alloc_percpu_u64(size_t n)
{
	return __alloc_percpu(n * sizeof(u64), __alignof__(u64));
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

struct audit_context *rust_helper_krsi_audit_context(void)
{
	return audit_context();
}

pid_t rust_helper_krsi_current_tgid(void)
{
	return task_tgid_nr(current);
}

const char *rust_helper_krsi_current_comm(void)
{
	return current->comm;
}

struct mm_struct *rust_helper_krsi_current_mm(void)
{
	return current->mm;
}

const struct path *rust_helper_krsi_file_path(const struct file *file)
{
	return &file->f_path;
}

u32 rust_helper_krsi_audit_loginuid(void)
{
	return from_kuid(&init_user_ns, audit_get_loginuid(current));
}

u32 rust_helper_krsi_audit_sessionid(void)
{
	return audit_get_sessionid(current);
}

bool rust_helper_krsi_in_task(void)
{
	return in_task();
}

bool rust_helper_krsi_in_hardirq(void)
{
	return in_hardirq() || in_nmi();
}

const struct cred *rust_helper_krsi_get_current_cred(void)
{
	return get_current_cred();
}

void rust_helper_krsi_put_cred(const struct cred *cred)
{
	put_cred(cred);
}

const struct cred *rust_helper_krsi_override_creds(const struct cred *cred)
{
	return override_creds(cred);
}

void rust_helper_krsi_revert_creds(const struct cred *old)
{
	revert_creds(old);
}

int rust_helper_krsi_mac_admin_noaudit(const struct cred *cred)
{
	return security_capable(cred, &init_user_ns, CAP_MAC_ADMIN, CAP_OPT_NOAUDIT);
}

struct qstr rust_helper_krsi_qstr(const char *name)
{
	return (struct qstr)QSTR_INIT(name, strlen(name));
}

int rust_helper_krsi_fsnotify_add_inode_mark(struct fsnotify_mark *mark, struct inode *inode)
{
	return fsnotify_add_inode_mark(mark, inode, 0);
}

void rust_helper_krsi_cgroup_get(struct cgroup *cgrp)
{
	cgroup_get(cgrp);
}

void rust_helper_krsi_cgroup_put(struct cgroup *cgrp)
{
	cgroup_put(cgrp);
}

struct cgroup *rust_helper_krsi_cgroup_dfl_root(void)
{
	return &cgrp_dfl_root.cgrp;
}

bool rust_helper_krsi_cgroup_on_dfl(const struct cgroup *cgrp)
{
	return cgrp->root == &cgrp_dfl_root;
}

u64 rust_helper_krsi_cgroup_id(const struct cgroup *cgrp)
{
	return cgroup_id(cgrp);
}

bool rust_helper_krsi_cgroup_removed(struct cgroup *cgrp)
{
	return !(cgrp->self.flags & CSS_ONLINE);
}

bool rust_helper_krsi_d_is_dir(const struct dentry *dentry)
{
	return d_is_dir(dentry);
}
#endif
