// SPDX-License-Identifier: GPL-2.0
/*
 * krsi - a 32-bit task attaching through the hook file ioctls (compat_ioctl)
 *
 * Usage: krsi_compat32 HOOK PROG_FD. Attaches the program of PROG_FD to HOOK
 * with KRSI_IOC_ATTACH, prints the id it returned, detaches it again with
 * KRSI_IOC_DETACH; exits 0, or 1 with the failing step and errno.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/krsi.h>

int main(int argc, char **argv)
{
	struct krsi_attach att = { .size = sizeof(att) };
	struct krsi_detach det = { .size = sizeof(det) };
	char path[256];
	int fd, id;

	if (argc != 3 || sizeof(long) != 4) {
		fprintf(stderr, "usage: krsi_compat32 HOOK PROG_FD (a 32-bit build)\n");
		return 2;
	}
	snprintf(path, sizeof(path), "/sys/kernel/security/bpf/%s", argv[1]);
	fd = open(path, O_RDWR);
	if (fd < 0) {
		printf("open: %s\n", strerror(errno));
		return 1;
	}
	att.prog_fd = atoi(argv[2]);
	id = ioctl(fd, KRSI_IOC_ATTACH, &att);
	if (id <= 0) {
		printf("attach: %s\n", strerror(errno));
		return 1;
	}
	det.prog_id = id;
	if (ioctl(fd, KRSI_IOC_DETACH, &det)) {
		printf("detach: %s\n", strerror(errno));
		return 1;
	}
	printf("%d\n", id);
	return 0;
}
