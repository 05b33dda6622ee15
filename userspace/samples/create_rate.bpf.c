// SPDX-License-Identifier: GPL-2.0
/*
 * krsi sample - limit file creations per second in one cgroup
 *
 * As Checmate's throttling example: on inode_create, at most create_limit[0]
 * files may be created per one-second window; further creations fail with
 * EAGAIN until the window ends. A limit of 0 means no limit. The loader sets
 * the limit in the "create_limit" array map.
 *
 * The program counts every creation it is run for: which tasks that is comes
 * from the attachment, not from the program. Attached with
 * "cgroup=/sys/fs/cgroup/<container>" (krsictl attach --cgroup), it limits
 * that cgroup and its descendants together; one more copy (another object,
 * with its own maps) attached with another scope limits another cgroup on its
 * own. Attached without a scope, it limits the whole machine.
 */

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "krsi_policy.h"

#define EAGAIN 11
#define WINDOW_NS 1000000000ULL

char _license[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} create_limit SEC(".maps");

struct window {
	__u64 start;	/* ns, bpf_ktime_get_ns() */
	__u64 count;
};

/* The current window of the attachment's scope. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct window);
} create_window SEC(".maps");

SEC("lsm/inode_create")
int BPF_PROG(create_rate, struct inode *dir, struct dentry *dentry, umode_t mode)
{
	__u32 zero = 0, *limit = bpf_map_lookup_elem(&create_limit, &zero);
	struct window *w = bpf_map_lookup_elem(&create_window, &zero);
	__u64 now = bpf_ktime_get_ns();

	if (!limit || !*limit || !w)
		return 0;
	/* A new window (racing openers may both reset it: a sample's precision). */
	if (!w->start || now - w->start >= WINDOW_NS) {
		w->start = now;
		w->count = 0;
	}
	return DENY_IF(__sync_fetch_and_add(&w->count, 1) >= *limit, -EAGAIN);
}
