// SPDX-License-Identifier: GPL-2.0
/*
 * krsi - BPF LSM programs for the selftests of disable/enable and revalidation
 *
 * Each denies only an action of its own, with an errno of its own, so that a
 * result names the program that gave it. The rv_* programs serve
 * krsi_revalidate_test, the ld_* programs krsi_lockdown_test (which raises
 * lockdown in a boot of its own).
 */

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "krsi_common.bpf.h"

#define EPERM 1
#define EACCES 13
#define EXDEV 18
#define CAP_MAC_ADMIN 33
#define CAP_OPT_NOAUDIT 2

char _license[] SEC("license") = "GPL";

/* setrlimit(2) of RLIMIT_NOFILE to a soft limit of 4211, 4212 or 4213. */
#define MARK(n) (4210 + (n))

SEC("lsm/task_setrlimit")
int BPF_PROG(rv_a, struct task_struct *p, unsigned int resource, struct rlimit *new_rlim)
{
	return DENY_IF(new_rlim->rlim_cur == MARK(1), -EPERM);
}

SEC("lsm/task_setrlimit")
int BPF_PROG(rv_b, struct task_struct *p, unsigned int resource, struct rlimit *new_rlim)
{
	return DENY_IF(new_rlim->rlim_cur == MARK(2), -EACCES);
}

SEC("lsm/task_setrlimit")
int BPF_PROG(rv_c, struct task_struct *p, unsigned int resource, struct rlimit *new_rlim)
{
	return DENY_IF(new_rlim->rlim_cur == MARK(3), -EXDEV);
}

/* The sealed-hook test seals task_getioprio with this one. */
SEC("lsm/task_getioprio")
int BPF_PROG(rv_sealed, struct task_struct *p)
{
	return 0;
}

/*
 * An LSM's policy, played by krsi itself: while the guard is 1, the use of a
 * program named rv_a is refused (security_bpf_prog()); while it is 2, the
 * check of CAP_MAC_ADMIN that revalidation makes (CAP_OPT_NOAUDIT) is refused
 * for credentials of group 4242.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, int);
} guard_map SEC(".maps");

static __always_inline int guard(void)
{
	__u32 key = 0;
	int *g = bpf_map_lookup_elem(&guard_map, &key);

	return g ? *g : 0;
}

SEC("lsm/bpf_prog")
int BPF_PROG(rv_guard_prog, struct bpf_prog *prog)
{
	const char *name = prog->aux->name;

	return DENY_IF(guard() == 1 && name[0] == 'r' && name[1] == 'v' && name[2] == '_' &&
		       name[3] == 'a' && name[4] == 0, -EPERM);
}

SEC("lsm/capable")
int BPF_PROG(rv_guard_cap, const struct cred *cred, struct user_namespace *ns, int cap,
	     unsigned int opts)
{
	return DENY_IF(guard() == 2 && cap == CAP_MAC_ADMIN && (opts & CAP_OPT_NOAUDIT) &&
		       cred->gid.val == 4242, -EPERM);
}

/*
 * Lockdown: setpriority(2) to nice 14, 15 and 16 is denied by a program that
 * reads kernel memory (LOCKDOWN_BPF_READ_KERNEL), one that calls no
 * lockdown-checked helper, and one that may write user memory
 * (LOCKDOWN_BPF_WRITE_USER; it never does, nice is never 99).
 */
SEC("lsm/task_setnice")
int BPF_PROG(ld_read, struct task_struct *p, int nice)
{
	char comm[16] = {};

	bpf_probe_read_kernel_str(comm, sizeof(comm), p->comm);
	return DENY_IF(nice == 14 && comm[0] != 0, -EPERM);
}

SEC("lsm/task_setnice")
int BPF_PROG(ld_plain, struct task_struct *p, int nice)
{
	return DENY_IF(nice == 15, -EACCES);
}

SEC("lsm/task_setnice")
int BPF_PROG(ld_write, struct task_struct *p, int nice)
{
	int zero = 0;

	if (nice == 99)
		bpf_probe_write_user((void *)0, &zero, sizeof(zero));
	return DENY_IF(nice == 16, -EXDEV);
}
