// SPDX-License-Identifier: GPL-2.0
/*
 * krsi sample - egress allowlist: IPv4 connect() only to listed addresses
 *
 * As Checmate's network example: an IPv4 connect() to an address that is not
 * a key of the "egress_allow" hash map fails with EPERM. Other families pass.
 * Fill the map (keys: IPv4 addresses in network order) before or after
 * attaching: krsictl attach socket_connect egress.bpf.o --pin ... then
 * bpftool map update, or from the loader.
 *
 * Which connections the list applies to comes from the attachment: with
 * "cgroup=/sys/fs/cgroup/<container>" (krsictl attach --cgroup), to the
 * sockets created in that cgroup or below it (socket_connect is scoped by the
 * socket's cgroup); without a scope, to every socket.
 */

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "krsi_policy.h"

#define AF_INET 2

char _license[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);	/* IPv4 address, network order */
	__type(value, __u8);
} egress_allow SEC(".maps");

SEC("lsm/socket_connect")
int BPF_PROG(egress, struct socket *sock, struct sockaddr *address, int addrlen)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)address;
	__u32 addr;

	if (address->sa_family != AF_INET || addrlen < (int)sizeof(*sin))
		return 0;
	addr = sin->sin_addr.s_addr;
	return DENY_IF(!bpf_map_lookup_elem(&egress_allow, &addr), -EPERM);
}
