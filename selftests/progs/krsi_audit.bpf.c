// SPDX-License-Identifier: GPL-2.0
/*
 * krsi - BPF LSM programs for the audit selftests (denial records, audit-only
 * and quiet attachments, configuration records)
 *
 * Each denies only an action the test asks for by a marker nothing else in
 * the guest uses, with an errno of its own, so that a result and a record
 * name the program that gave them.
 */

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "krsi_common.bpf.h"

#define EPERM 1
#define EACCES 13
#define EXDEV 18
#define RLIMIT_CORE 4

/*
 * setrlimit(RLIMIT_CORE) to one of these soft limits (as krsi_audit_test.c
 * sets them) is denied: MARK_BOTH by rl_eperm and rl_eacces, each other one
 * by one program.
 */
#define MARK_BOTH 4200
#define MARK_EPERM 4201
#define MARK_EACCES 4202
#define MARK_EXDEV 4203

char _license[] SEC("license") = "GPL";

/* The soft limit of a setrlimit(RLIMIT_CORE), or 0 for another resource. */
static __always_inline unsigned long core_limit(unsigned int resource, struct rlimit *new_rlim)
{
	return resource == RLIMIT_CORE ? new_rlim->rlim_cur : 0;
}

SEC("lsm/task_setrlimit")
int BPF_PROG(rl_eperm, struct task_struct *p, unsigned int resource, struct rlimit *new_rlim)
{
	unsigned long cur = core_limit(resource, new_rlim);

	return DENY_IF(cur == MARK_BOTH || cur == MARK_EPERM, -EPERM);
}

SEC("lsm/task_setrlimit")
int BPF_PROG(rl_eacces, struct task_struct *p, unsigned int resource, struct rlimit *new_rlim)
{
	unsigned long cur = core_limit(resource, new_rlim);

	return DENY_IF(cur == MARK_BOTH || cur == MARK_EACCES, -EACCES);
}

SEC("lsm/task_setrlimit")
int BPF_PROG(rl_exdev, struct task_struct *p, unsigned int resource, struct rlimit *new_rlim)
{
	return DENY_IF(core_limit(resource, new_rlim) == MARK_EXDEV, -EXDEV);
}

/* Whether task @p is named @want (@len bytes, at most 15). */
static __always_inline bool comm_is(struct task_struct *p, const char *want, int len)
{
	char comm[16] = {};
	int i;

	bpf_probe_read_kernel_str(comm, sizeof(comm), p->comm);
	for (i = 0; i < len && i < (int)sizeof(comm); i++)
		if (comm[i] != want[i])
			return false;
	return comm[len] == 0;
}

#define COMM_IS(p, lit) comm_is(p, lit, sizeof(lit) - 1)

/*
 * The sealed hook: getpgid(2) of a task named krsi-pgid-e or krsi-pgid-a is
 * denied. These stay attached until reboot; no other task has those names.
 */
SEC("lsm/task_getpgid")
int BPF_PROG(pgid_enforce, struct task_struct *p)
{
	return DENY_IF(COMM_IS(p, "krsi-pgid-e"), -EPERM);
}

SEC("lsm/task_getpgid")
int BPF_PROG(pgid_audit, struct task_struct *p)
{
	return DENY_IF(COMM_IS(p, "krsi-pgid-a"), -EACCES);
}

/* A void hook, which has no mode: fcntl(F_SETOWN). */
SEC("lsm/file_set_fowner")
int BPF_PROG(fowner_void, struct file *file)
{
	return 0;
}
