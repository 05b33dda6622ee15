/* SPDX-License-Identifier: GPL-2.0 */
/*
 * krsi - audit's status over netlink (AUDIT_GET, AUDIT_SET), shared by the
 * selftests (common.h) and the benchmark (bench/krsi_bench.c).
 */
#ifndef KRSI_AUDIT_STATUS_H
#define KRSI_AUDIT_STATUS_H

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/audit.h>
#include <linux/netlink.h>

/*
 * Audit's status (AUDIT_GET into @s), or a change of it (AUDIT_SET of the
 * fields @s->mask names): @type is AUDIT_GET or AUDIT_SET. Returns 0, or -1
 * with errno (the kernel's, or ETIMEDOUT).
 */
static inline int audit_status(int type, struct audit_status *s)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct {
		struct nlmsghdr nlh;
		struct audit_status s;
	} req = {
		.nlh = {
			.nlmsg_len = NLMSG_LENGTH(type == AUDIT_SET ? sizeof(*s) : 0),
			.nlmsg_type = type,
			/* AUDIT_GET's reply comes from a thread: it may follow an acknowledgement. */
			.nlmsg_flags = NLM_F_REQUEST | (type == AUDIT_SET ? NLM_F_ACK : 0),
			.nlmsg_seq = 1,
		},
	};
	static union {
		struct nlmsghdr nlh;
		char buf[8192];
	} u;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int err = ETIMEDOUT;
	struct nlmsghdr *nlh;
	ssize_t len;

	if (fd < 0)
		return -1;
	if (type == AUDIT_SET)
		req.s = *s;
	if (sendto(fd, &req, req.nlh.nlmsg_len, 0, (struct sockaddr *)&kernel,
		   sizeof(kernel)) < 0) {
		err = errno;
		goto out;
	}
	/* AUDIT_GET's reply, AUDIT_SET's acknowledgement (0 for success), or an error. */
	while (err == ETIMEDOUT && poll(&pfd, 1, 5000) == 1) {
		len = recv(fd, u.buf, sizeof(u.buf), 0);
		if (len < 0) {
			err = errno;
			break;
		}
		for (nlh = &u.nlh; NLMSG_OK(nlh, len); nlh = NLMSG_NEXT(nlh, len)) {
			if (nlh->nlmsg_type == AUDIT_GET &&
			    nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(*s))) {
				*s = *(struct audit_status *)NLMSG_DATA(nlh);
				err = 0;
			} else if (nlh->nlmsg_type == NLMSG_ERROR) {
				err = -((struct nlmsgerr *)NLMSG_DATA(nlh))->error;
			}
		}
	}
out:
	close(fd);
	errno = err;
	return err ? -1 : 0;
}

#endif /* KRSI_AUDIT_STATUS_H */
