// SPDX-License-Identifier: GPL-2.0
/*
 * krsi - BPF LSM programs for the control selftests (order, replace, reset,
 * seal, lock)
 *
 * Each denies only an action of its own, with an errno of its own, so that a
 * result names the program that gave it.
 */

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "krsi_common.bpf.h"

#define EPERM 1
#define EACCES 13
#define EXDEV 18

char _license[] SEC("license") = "GPL";

/* Replace under load: the two programs that replace each other. */
SEC("lsm/file_open")
int BPF_PROG(replace_eperm, struct file *file)
{
	return DENY_IF(FILE_IS(file, "krsi-replace"), -EPERM);
}

SEC("lsm/file_open")
int BPF_PROG(replace_eacces, struct file *file)
{
	return DENY_IF(FILE_IS(file, "krsi-replace"), -EACCES);
}

/* Seal: setpriority(2) to nice 11 and 12 is denied, each with its errno. */
SEC("lsm/task_setnice")
int BPF_PROG(nice_11, struct task_struct *p, int nice)
{
	return DENY_IF(nice == 11, -EPERM);
}

SEC("lsm/task_setnice")
int BPF_PROG(nice_12, struct task_struct *p, int nice)
{
	return DENY_IF(nice == 12, -EACCES);
}

SEC("lsm/task_setnice")
int BPF_PROG(nice_13, struct task_struct *p, int nice)
{
	return DENY_IF(nice == 13, -EXDEV);
}

/* Lock: getsid(2) of the lock test's own process is denied. */
static __always_inline bool is_lock_test(struct task_struct *p)
{
	static const char want[] = "krsi_lock_test";
	char comm[16] = {};
	int i;

	bpf_probe_read_kernel_str(comm, sizeof(comm), p->comm);
	for (i = 0; i < (int)sizeof(want); i++)
		if (comm[i] != want[i])
			return false;
	return true;
}

SEC("lsm/task_getsid")
int BPF_PROG(getsid_deny, struct task_struct *p)
{
	return DENY_IF(is_lock_test(p), -EPERM);
}

SEC("lsm/task_getsid")
int BPF_PROG(getsid_allow, struct task_struct *p)
{
	return 0;
}

/* krsictl_test seals task_getscheduler with this one. */
SEC("lsm/task_getscheduler")
int BPF_PROG(getsched_allow, struct task_struct *p)
{
	return 0;
}
