// SPDX-License-Identifier: GPL-2.0
/*
 * krsi sample - limit file creations per second per cgroup
 *
 * As Checmate's throttling example: on inode_create, each cgroup (v2) may
 * create at most create_limit[0] files per one-second window; further
 * creations fail with EAGAIN until the window ends. A limit of 0 means no
 * limit. The loader sets the limit in the "create_limit" array map.
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

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);	/* cgroup id */
	__type(value, struct window);
} create_windows SEC(".maps");

SEC("lsm/inode_create")
int BPF_PROG(create_rate, struct inode *dir, struct dentry *dentry, umode_t mode)
{
	__u64 cgroup = bpf_get_current_cgroup_id(), now = bpf_ktime_get_ns();
	struct window fresh = { .start = now, .count = 0 }, *w;
	__u32 zero = 0, *limit = bpf_map_lookup_elem(&create_limit, &zero);

	if (!limit || !*limit)
		return 0;
	w = bpf_map_lookup_elem(&create_windows, &cgroup);
	if (!w || now - w->start >= WINDOW_NS) {
		bpf_map_update_elem(&create_windows, &cgroup, &fresh, BPF_ANY);
		w = bpf_map_lookup_elem(&create_windows, &cgroup);
		if (!w)
			return 0;
	}
	return DENY_IF(__sync_fetch_and_add(&w->count, 1) >= *limit, -EAGAIN);
}
