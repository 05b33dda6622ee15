// SPDX-License-Identifier: GPL-2.0
/*
 * krsi - BPF LSM programs that check what krsi promises as the BPF trampoline does
 *
 * Each records what it sees only for the task group the test names in
 * cfg.tgid, so that the rest of the guest is not disturbed.
 */

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

char _license[] SEC("license") = "GPL";

#include "krsi_trampoline.h"
#include "krsi_common.bpf.h"

#define PREEMPT_MASK 0xff

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cfg);
} cfg_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SEEN_MAX);
	__type(key, __u32);
	__type(value, struct seen);
} seen_map SEC(".maps");

/*
 * The CPU's preemption count: a field of the per-CPU pcpu_hot on 6.12, a
 * per-CPU int of its own on 7.2. Both are weak and CO-RE picks the one this
 * kernel has; the verifier never sees the other path.
 */
struct pcpu_hot___krsi {
	int preempt_count;
} __attribute__((preserve_access_index));

extern struct pcpu_hot___krsi pcpu_hot __ksym __weak;
extern int __preempt_count __ksym __weak;

static __always_inline int preempt_count(void)
{
	if (bpf_core_type_exists(struct pcpu_hot___krsi))
		return ((struct pcpu_hot___krsi *)bpf_this_cpu_ptr(&pcpu_hot))->preempt_count;
	return *(int *)bpf_this_cpu_ptr(&__preempt_count);
}

static __always_inline struct cfg *cfg(void)
{
	__u32 key = 0;

	return bpf_map_lookup_elem(&cfg_map, &key);
}

static __always_inline bool mine(void)
{
	struct cfg *c = cfg();

	return c && c->tgid == bpf_get_current_pid_tgid() >> 32;
}

/* The seen_map entry @which, if the running task is the test's. */
static __always_inline struct seen *my_slot(__u32 which)
{
	if (!mine())
		return NULL;
	return bpf_map_lookup_elem(&seen_map, &which);
}

static __always_inline int record_args(void *ctx, __u32 which)
{
	struct seen *s;
	__u64 v;
	int i;

	s = my_slot(which);
	if (!s)
		return 0;
	s->cnt = bpf_get_func_arg_cnt(ctx);
	for (i = 0; i < MAX_SLOTS; i++) {
		v = 0;
		s->arg_err[i] = bpf_get_func_arg(ctx, i, &v);
		s->args[i] = v;
	}
	v = 0;
	s->ret_err = bpf_get_func_ret(ctx, &v);
	s->ret = v;
	s->hits++;
	return 0;
}

/* A program on @hook that records what it sees in seen_map[@which]. */
#define RECORD_ARGS(name, hook, which)				\
	SEC("lsm/" #hook)					\
	int name(unsigned long long *ctx)			\
	{							\
		return record_args(ctx, which);			\
	}

RECORD_ARGS(args_file_open, file_open, SEEN_FILE_OPEN)
RECORD_ARGS(args_mprotect, file_mprotect, SEEN_MPROTECT)
RECORD_ARGS(args_prctl, task_prctl, SEEN_PRCTL)
RECORD_ARGS(args_setxattr, inode_setxattr, SEEN_SETXATTR)
/* Two sockptr_t arguments by value: two slots each, as the trampoline counts them. */
RECORD_ARGS(args_peersec, socket_getpeersec_stream, SEEN_PEERSEC)

/*
 * Context writes: the verifier lets an LSM program store into its context.
 * This one overwrites its argument and the result slot, then allows.
 */
SEC("lsm/file_open")
int ctx_writer(unsigned long long *ctx)
{
	struct seen *s;

	s = my_slot(SEEN_WRITER);
	if (!s)
		return 0;
	s->hits++;
	ctx[0] = 0x4b525349;
	ctx[1] = 77;
	return 0;
}

/* Runs after ctx_writer: records the slots it is handed. */
SEC("lsm/file_open")
int ctx_reader(unsigned long long *ctx)
{
	struct seen *s;
	__u64 v = 0;

	s = my_slot(SEEN_READER);
	if (!s)
		return 0;
	s->arg0 = ctx[0];
	s->ret_slot = ctx[1];
	s->ret_err = bpf_get_func_ret(ctx, &v);
	s->ret = v;
	s->hits++;
	return 0;
}

/* What a chain may assume about its CPU: it stays on it (see the test). */
SEC("lsm/file_open")
int cpu_state(unsigned long long *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct seen *s;

	s = my_slot(SEEN_CPU);
	if (!s)
		return 0;
	s->preempt = preempt_count() & PREEMPT_MASK;
	s->migration_disabled = task->migration_disabled;
	s->hits++;
	return 0;
}

/* Whether the opened file is named "krsi-block". */
static __always_inline bool is_block(struct file *file)
{
	return FILE_IS(file, "krsi-block");
}

/*
 * A sleepable program that blocks for as long as the test likes: it reads
 * user memory that a userfaultfd of the test leaves missing.
 */
SEC("lsm.s/file_open")
int BPF_PROG(block_open, struct file *file)
{
	struct cfg *c;
	__u64 v;

	if (!is_block(file))
		return 0;
	c = cfg();
	if (c)
		bpf_copy_from_user(&v, sizeof(v), (void *)c->uaddr);
	return 0;
}

/* Answers 1 (skip the capability check) for the xattr "security.krsi". */
SEC("lsm/inode_xattr_skipcap")
int BPF_PROG(skipcap, const char *name)
{
	const char want[] = "security.krsi";
	char buf[16] = {};
	/* A stack slot the verifier tracks as the constant 0 or 1 on each path. */
	volatile long ret = 0;
	bool match = true;
	int i;

	bpf_probe_read_kernel_str(buf, sizeof(buf), name);
	for (i = 0; i < (int)sizeof(want); i++)
		if (buf[i] != want[i])
			match = false;
	if (match)
		ret = 1;
	return (int)ret;
}

/* For a hook only the first LSM is asked. */
SEC("lsm/xfrm_state_pol_flow_match")
int BPF_PROG(flow_match, struct xfrm_state *x, struct xfrm_policy *xp,
	     const struct flowi_common *flic)
{
	return 1;
}
