// SPDX-License-Identifier: GPL-2.0
/*
 * krsi - BPF LSM programs the selftests attach through krsi
 *
 * Ordinary libbpf programs: SEC("lsm/<hook>") and SEC("lsm.s/<hook>"), built
 * against the vmlinux.h of the kernel under test. Each acts only on objects
 * with a name of its own, so that the rest of the guest is not disturbed.
 */

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "krsi_common.bpf.h"

#define EPERM 1
#define ENOENT 2
#define EXDEV 18
#define EACCES 13
#define AF_INET 2
#define PROT_WRITE 0x2
#define PROT_EXEC 0x4
#define SIGUSR2 12

char _license[] SEC("license") = "GPL";


SEC("lsm/file_open")
int BPF_PROG(deny_open, struct file *file)
{
	return DENY_IF(NAME_IS(file->f_path.dentry, "krsi-secret"), -EPERM);
}

/*
 * Opening a file named krsi-runctx: the program runs with current->bpf_ctx
 * pointing at a trampoline run context, as under the trampoline, which
 * bpf_get_attach_cookie() reads (no cookie: 0).
 */
SEC("lsm/file_open")
int BPF_PROG(run_ctx, struct file *file)
{
	struct task_struct *task;

	if (!NAME_IS(file->f_path.dentry, "krsi-runctx"))
		return 0;
	task = bpf_get_current_task_btf();
	if (!task->bpf_ctx)
		return -EPERM;
	if (bpf_get_attach_cookie(ctx) != 0)
		return -EXDEV;
	return 0;
}

SEC("lsm.s/file_open")
int BPF_PROG(deny_open_s, struct file *file)
{
	char c;

	/* A helper only sleepable programs may call: the verifier proves the kind. */
	bpf_copy_from_user(&c, 1, (void *)0);
	return DENY_IF(NAME_IS(file->f_path.dentry, "krsi-sleepy"), -EACCES);
}

SEC("lsm/bprm_check_security")
int BPF_PROG(deny_exec, struct linux_binprm *bprm)
{
	return DENY_IF(NAME_IS(bprm->file->f_path.dentry, "krsi-noexec"), -EPERM);
}

SEC("lsm/file_mprotect")
int BPF_PROG(deny_wx, struct vm_area_struct *vma, unsigned long reqprot,
	     unsigned long prot)
{
	return DENY_IF((prot & PROT_WRITE) && (prot & PROT_EXEC), -EACCES);
}

SEC("lsm/task_kill")
int BPF_PROG(deny_sigusr2, struct task_struct *p, struct kernel_siginfo *info,
	     int sig, const struct cred *cred)
{
	return DENY_IF(sig == SIGUSR2, -EPERM);
}

SEC("lsm/socket_connect")
int BPF_PROG(deny_port, struct socket *sock, struct sockaddr *address, int addrlen)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)address;

	if (address->sa_family != AF_INET)
		return 0;
	return DENY_IF(sin->sin_port == bpf_htons(4242), -EPERM);
}

/* Ordering and result chaining: three programs on file_open record who ran. */
struct order_state {
	__u32 n;
	char seq[8];
	int seen_ret[8];
	__u32 deny_at;	/* 1-based position of the program that denies, 0: none */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct order_state);
} order_map SEC(".maps");

static __always_inline int record(struct file *file, int ret, char me, __u32 pos)
{
	__u32 key = 0, n;
	struct order_state *s;

	if (!NAME_IS(file->f_path.dentry, "krsi-order"))
		return 0;
	s = bpf_map_lookup_elem(&order_map, &key);
	if (!s)
		return 0;
	n = s->n;
	if (n < 8) {
		s->seq[n] = me;
		s->seen_ret[n] = ret;
		s->n = n + 1;
	}
	return DENY_IF(s->deny_at == pos, -EXDEV);
}

SEC("lsm/file_open")
int BPF_PROG(order_a, struct file *file, int ret)
{
	return record(file, ret, 'a', 1);
}

SEC("lsm/file_open")
int BPF_PROG(order_b, struct file *file, int ret)
{
	return record(file, ret, 'b', 2);
}

SEC("lsm/file_open")
int BPF_PROG(order_c, struct file *file, int ret)
{
	return record(file, ret, 'c', 3);
}

/* What the control tests put in another program's place. */
SEC("lsm/file_open")
int BPF_PROG(order_x, struct file *file, int ret)
{
	return record(file, ret, 'x', 4);
}

/*
 * The same record without the result slot: a chain of these is a plain one
 * (no result resets), which krsi runs in its shared loop, two per turn.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct order_state);
} plain_map SEC(".maps");

static __always_inline int plain_record(struct file *file, char me, __u32 pos)
{
	__u32 key = 0, n;
	struct order_state *s;

	if (!NAME_IS(file->f_path.dentry, "krsi-plain"))
		return 0;
	s = bpf_map_lookup_elem(&plain_map, &key);
	if (!s)
		return 0;
	n = s->n;
	if (n < 8) {
		s->seq[n] = me;
		s->n = n + 1;
	}
	return DENY_IF(s->deny_at == pos, -EXDEV);
}

SEC("lsm/file_open")
int BPF_PROG(plain_1, struct file *file)
{
	return plain_record(file, '1', 1);
}

SEC("lsm/file_open")
int BPF_PROG(plain_2, struct file *file)
{
	return plain_record(file, '2', 2);
}

SEC("lsm/file_open")
int BPF_PROG(plain_3, struct file *file)
{
	return plain_record(file, '3', 3);
}

SEC("lsm/file_open")
int BPF_PROG(plain_4, struct file *file)
{
	return plain_record(file, '4', 4);
}

SEC("lsm/file_open")
int BPF_PROG(plain_5, struct file *file)
{
	return plain_record(file, '5', 5);
}

/* Allows everything: for capacity, stress and reference tests. */
SEC("lsm/file_open")
int BPF_PROG(allow_open, struct file *file)
{
	return 0;
}

/* Not an LSM program. */
SEC("socket")
int not_lsm(struct __sk_buff *skb)
{
	return 0;
}
