// SPDX-License-Identifier: GPL-2.0
/*
 * krsi - selftests of cgroup-scoped attachments
 *
 * The programs of progs/krsi_scope.bpf.c deny setrlimit(2) of RLIMIT_NOFILE
 * to a soft limit of 4311 (sc_a with EPERM, sc_b with EACCES, sc_c with
 * EXDEV) and bind(2) to port 4321 (sc_bind); none looks at cgroups. Actions
 * run in children moved into sibling cgroups A and B (and A's child A/C) of
 * the guest's cgroup2 hierarchy at /sys/fs/cgroup.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/magic.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/krsi.h>

#include "kselftest_harness.h"
#include "common.h"

#define OBJ test_file("krsi_scope.bpf.o")
#define HOOK "task_setrlimit"
#define BIND_HOOK "socket_bind"
#define PEERSEC_HOOK "socket_getpeersec_dgram"
#define CG "/sys/fs/cgroup"
#define MARK 4311
#define PORT 4321

enum { SC_A, SC_B, SC_C, SC_BIND, SC_PEERSEC, SC_SIGIO, NPROGS };
static const char *const names[NPROGS] = { "sc_a", "sc_b", "sc_c", "sc_bind", "sc_peersec",
					   "sc_sigio" };

/* setrlimit(2) of RLIMIT_NOFILE to the marked soft limit; returns 0 or errno. */
static int mark(void)
{
	struct rlimit r;

	if (getrlimit(RLIMIT_NOFILE, &r))
		return errno;
	r.rlim_cur = MARK;
	if (r.rlim_max < r.rlim_cur)
		r.rlim_max = r.rlim_cur;
	return setrlimit(RLIMIT_NOFILE, &r) ? errno : 0;
}

/* Moves the calling process into cgroup @cg ("" for the root); returns 0 or errno. */
static int enter(const char *cg)
{
	char path[256];

	snprintf(path, sizeof(path), CG "%s%s/cgroup.procs", *cg ? "/" : "", cg);
	return write_at(path, "0\n", 2, 0);
}

/* The results of @n actions of a child, one char each, in shared memory. */
static char *results;

/* Records result @err of action @i: 'P' EPERM, 'A' EACCES, 'X' EXDEV, '-' none. */
static void note(int i, int err)
{
	results[i] = err == EPERM ? 'P' : err == EACCES ? 'A' : err == EXDEV ? 'X' :
		     err ? '?' : '-';
}

/* mark() in each cgroup of @cgs (NULL-terminated), in one child moved from one to the next. */
static const char *marks_in(const char *const *cgs)
{
	pid_t pid;
	int i, status;

	memset(results, 0, 64);
	pid = fork();
	if (pid < 0)
		return "fork";
	if (!pid) {
		for (i = 0; cgs[i]; i++) {
			if (enter(cgs[i])) {
				results[i] = 'E';
				_exit(1);
			}
			note(i, mark());
		}
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid)
		return "wait";
	return results;
}

#define MARKS(...) marks_in((const char *const[]){ __VA_ARGS__, NULL })

/* The cgroup id of directory @cg, as the listing shows it: its inode number. */
static unsigned long long cg_id(const char *cg)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), CG "/%s", cg);
	return stat(path, &st) ? 0 : (unsigned long long)st.st_ino;
}

/* Attaches pinned program @pin to @hook scoped to cgroup @cg (with @extra words); 0 or errno. */
static int attach_scoped(const char *hook, const char *pin, const char *cg, const char *extra)
{
	return hook_printf(hook, PIN_DIR "%s cgroup=" CG "/%s%s%s\n", pin, cg,
			   *extra ? " " : "", extra);
}

FIXTURE(scope) {
	struct prog p[NPROGS];
	char after[1024];
};

FIXTURE_SETUP(scope)
{
	struct statfs fs;
	int i;

	ASSERT_EQ(0, statfs(CG, &fs));
	ASSERT_EQ(CGROUP2_SUPER_MAGIC, fs.f_type);
	results = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, results);
	detach_all(HOOK);
	detach_all(BIND_HOOK);
	detach_all(PEERSEC_HOOK);
	for (i = 0; i < NPROGS; i++) {
		char pin[64];

		ASSERT_EQ(0, load_prog(OBJ, names[i], &self->p[i]));
		snprintf(pin, sizeof(pin), PIN_DIR "%s", names[i]);
		unlink(pin);
		ASSERT_EQ(0, bpf_obj_pin(self->p[i].fd, pin));
	}
	rmdir(CG "/A/C");
	rmdir(CG "/A");
	rmdir(CG "/B");
	rmdir(CG "/D");
	ASSERT_EQ(0, mkdir(CG "/A", 0755));
	ASSERT_EQ(0, mkdir(CG "/A/C", 0755));
	ASSERT_EQ(0, mkdir(CG "/B", 0755));
}

FIXTURE_TEARDOWN(scope)
{
	int i;

	detach_all(HOOK);
	detach_all(BIND_HOOK);
	detach_all(PEERSEC_HOOK);
	for (i = 0; i < NPROGS; i++) {
		char pin[64];

		snprintf(pin, sizeof(pin), PIN_DIR "%s", names[i]);
		unlink(pin);
		unload(&self->p[i]);
	}
	rmdir(CG "/A/C");
	rmdir(CG "/A");
	rmdir(CG "/B");
	rmdir(CG "/D");
	munmap(results, 4096);
}

/*
 * A program scoped to A denies in A and in A's child, not in B nor at the
 * root; where it does not apply it is not even called (its runs counter);
 * the listing shows the scope's id and path.
 */
TEST_F(scope, scoped_to_subtree)
{
	__u32 id = self->p[SC_A].id;
	char want[64];
	long runs;

	ASSERT_EQ(0, attach_scoped(HOOK, "sc_a", "A", ""));
	EXPECT_STREQ("PP--", MARKS("A", "A/C", "B", ""));
	runs = count_of(HOOK, id, "runs");
	EXPECT_STREQ("--", MARKS("B", ""));
	EXPECT_EQ(runs, count_of(HOOK, id, "runs"));
	EXPECT_STREQ("P", MARKS("A"));
	EXPECT_LT(runs, count_of(HOOK, id, "runs"));
	snprintf(want, sizeof(want), "%llu", cg_id("A"));
	EXPECT_STREQ(want, listed(HOOK, id, "cgroup"));
	EXPECT_STREQ("/A", listed(HOOK, id, "cgroup_path"));
	/* The same program unscoped denies everywhere. */
	ASSERT_EQ(0, detach(HOOK, id));
	ASSERT_EQ(0, attach_path(HOOK, PIN_DIR "sc_a"));
	EXPECT_STREQ("PPPP", MARKS("A", "A/C", "B", ""));
	EXPECT_STREQ("", listed(HOOK, id, "cgroup"));
}

/* Moving a task between cgroups takes effect at its next hook call. */
TEST_F(scope, move_takes_effect)
{
	ASSERT_EQ(0, attach_scoped(HOOK, "sc_a", "B", ""));
	EXPECT_STREQ("-P-P-P", MARKS("A", "B", "A/C", "B", "", "B"));
}

/*
 * Several scopes on one hook keep the one run order: sc_a (EPERM) scoped to
 * B, sc_b (EACCES) to A, sc_c (EXDEV) unscoped, in that order; then sc_c
 * moved first.
 */
TEST_F(scope, order_kept)
{
	char want[256];

	ASSERT_EQ(0, attach_scoped(HOOK, "sc_a", "B", ""));
	ASSERT_EQ(0, attach_scoped(HOOK, "sc_b", "A", ""));
	ASSERT_EQ(0, attach_path(HOOK, PIN_DIR "sc_c"));
	EXPECT_STREQ("PAAX", MARKS("B", "A", "A/C", ""));
	snprintf(want, sizeof(want),
		 "%u sc_a enabled cgroup=%llu\n%u sc_b enabled cgroup=%llu\n%u sc_c enabled\n",
		 self->p[SC_A].id, cg_id("B"), self->p[SC_B].id, cg_id("A"), self->p[SC_C].id);
	ASSERT_LE(0, attachments(HOOK, self->after, sizeof(self->after)));
	EXPECT_STREQ(want, self->after);
	ASSERT_EQ(0, detach(HOOK, self->p[SC_C].id));
	ASSERT_EQ(0, hook_printf(HOOK, PIN_DIR "sc_c first\n"));
	EXPECT_STREQ("XXX", MARKS("B", "A", ""));
	/* A scoped attach at a position: sc_c scoped to A, before sc_a. */
	ASSERT_EQ(0, detach(HOOK, self->p[SC_C].id));
	snprintf(want, sizeof(want), "before=%u", self->p[SC_A].id);
	ASSERT_EQ(0, attach_scoped(HOOK, "sc_c", "A/C", want));
	EXPECT_STREQ("PAX-", MARKS("B", "A", "A/C", ""));
}

/* A replacement takes the scope of the program it replaces. */
TEST_F(scope, replace_keeps_scope)
{
	char cmd[128];

	ASSERT_EQ(0, attach_scoped(HOOK, "sc_a", "A", ""));
	snprintf(cmd, sizeof(cmd), "replace %u " PIN_DIR "sc_b\n", self->p[SC_A].id);
	ASSERT_EQ(0, hook_write(HOOK, cmd));
	EXPECT_STREQ("A-", MARKS("A", "B"));
	EXPECT_STREQ("/A", listed(HOOK, self->p[SC_B].id, "cgroup_path"));
}

/*
 * A socket hook is scoped by the socket's cgroup (its creator's), not by the
 * cgroup of the task calling: a socket made in A is denied in B, one made in
 * B is allowed in A.
 */
TEST_F(scope, socket_subject)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(PORT) };
	pid_t pid;
	int status;

	ASSERT_EQ(0, attach_scoped(BIND_HOOK, "sc_bind", "A", ""));
	memset(results, 0, 64);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		int in_a, in_b;

		if (enter("A"))
			_exit(1);
		in_a = socket(AF_INET, SOCK_DGRAM, 0);
		if (enter("B"))
			_exit(1);
		in_b = socket(AF_INET, SOCK_DGRAM, 0);
		if (in_a < 0 || in_b < 0)
			_exit(1);
		note(0, bind(in_a, (struct sockaddr *)&sin, sizeof(sin)) ? errno : 0);
		if (enter("A"))
			_exit(1);
		note(1, bind(in_b, (struct sockaddr *)&sin, sizeof(sin)) ? errno : 0);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, status);
	EXPECT_STREQ("P-", results);
}

/*
 * Receives one UDP datagram over loopback with IP_PASSSEC in cgroup @cg, in
 * a child, so that IP's receive path calls socket_getpeersec_dgram with no
 * socket; returns 0 or -1.
 */
static int recv_passsec_in(const char *cg)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	pid_t pid;
	int status;

	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		socklen_t len = sizeof(sin);
		char buf[8], cbuf[256];
		struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
				      .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
		int one = 1, fd;

		if (enter(cg))
			_exit(1);
		fd = socket(AF_INET, SOCK_DGRAM, 0);
		if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) ||
		    getsockname(fd, (struct sockaddr *)&sin, &len) ||
		    setsockopt(fd, SOL_IP, IP_PASSSEC, &one, sizeof(one)) ||
		    sendto(fd, "x", 1, 0, (struct sockaddr *)&sin, sizeof(sin)) != 1 ||
		    recvmsg(fd, &msg, 0) != 1)
			_exit(1);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		return -1;
	return 0;
}

/*
 * socket_getpeersec_dgram, called with a NULL socket by IP's receive path,
 * is scoped by the current task: its program runs for a receiver in A, not
 * in B.
 */
TEST_F(scope, null_socket_subject)
{
	__u32 id = self->p[SC_PEERSEC].id;
	long runs;

	ASSERT_EQ(0, attach_scoped(PEERSEC_HOOK, "sc_peersec", "A", ""));
	runs = count_of(PEERSEC_HOOK, id, "runs");
	ASSERT_EQ(0, recv_passsec_in("B"));
	EXPECT_EQ(runs, count_of(PEERSEC_HOOK, id, "runs"));
	ASSERT_EQ(0, recv_passsec_in("A"));
	EXPECT_LT(runs, count_of(PEERSEC_HOOK, id, "runs"));
}

/*
 * A removed cgroup: the attachment stays, listed with its id and
 * "(removed)", until it is detached; then the program is released.
 */
TEST_F(scope, cgroup_removed)
{
	unsigned long long id;
	char want[64];

	ASSERT_EQ(0, mkdir(CG "/D", 0755));
	id = cg_id("D");
	ASSERT_EQ(0, attach_scoped(HOOK, "sc_a", "D", ""));
	EXPECT_STREQ("P-", MARKS("D", ""));
	ASSERT_EQ(0, rmdir(CG "/D"));
	snprintf(want, sizeof(want), "%llu", id);
	EXPECT_STREQ(want, listed(HOOK, self->p[SC_A].id, "cgroup"));
	EXPECT_STREQ("(removed)", listed(HOOK, self->p[SC_A].id, "cgroup_path"));
	EXPECT_STREQ("-", MARKS(""));
	/* A new cgroup at the same path is another cgroup. */
	ASSERT_EQ(0, mkdir(CG "/D", 0755));
	EXPECT_STREQ("-", MARKS("D"));
	ASSERT_EQ(0, detach(HOOK, self->p[SC_A].id));
	/* The test's own reference is the last one. */
	unlink(PIN_DIR "sc_a");
	id = self->p[SC_A].id;
	unload(&self->p[SC_A]);
	EXPECT_TRUE(released(id));
}

/* KRSI_IOC_ATTACH with KRSI_ATTACH_CGROUP and a directory descriptor. */
TEST_F(scope, ioctl_scope)
{
	struct krsi_attach att = { .size = sizeof(att), .flags = KRSI_ATTACH_CGROUP,
				   .prog_fd = self->p[SC_A].fd };
	int dir = open(CG "/A", O_RDONLY | O_DIRECTORY);
	int ret;

	ASSERT_LE(0, dir);
	att.cgroup_fd = dir;
	ret = hook_ioctl(HOOK, KRSI_IOC_ATTACH, &att);
	EXPECT_EQ((int)self->p[SC_A].id, ret);
	close(dir);
	EXPECT_STREQ("P-", MARKS("A", "B"));
	EXPECT_STREQ("/A", listed(HOOK, self->p[SC_A].id, "cgroup_path"));
}

/* Mounts a cgroup v1 hierarchy (named, no controller) at @dir; returns 0 or errno. */
static int mount_v1(const char *dir)
{
	mkdir(dir, 0755);
	return mount("none", dir, "cgroup", 0, "none,name=krsi") ? errno : 0;
}

/* Every bad scope is refused with its errno and changes nothing. */
TEST_F(scope, bad_scopes)
{
	struct krsi_attach att = { .size = sizeof(att), .prog_fd = self->p[SC_B].fd };
	int checked = 0, file, notcg, v1, cg;
	char before[1024], after[1024];

	ASSERT_EQ(0, attach_scoped(HOOK, "sc_a", "A", ""));
	ASSERT_LE(0, attachments(HOOK, before, sizeof(before)));
	ASSERT_EQ(0, mount_v1("/tmp/v1"));
	ASSERT_EQ(0, mkdir("/tmp/v1/x", 0755));
	/* Writes. */
	CHECK_UNCHANGED(HOOK, ENOENT, attach_scoped(HOOK, "sc_b", "nonexistent", ""));
	CHECK_UNCHANGED(HOOK, ENOTDIR, attach_scoped(HOOK, "sc_b", "A/cgroup.procs", ""));
	CHECK_UNCHANGED(HOOK, EBADF, hook_write(HOOK, PIN_DIR "sc_b cgroup=/tmp\n"));
	CHECK_UNCHANGED(HOOK, EBADF, hook_write(HOOK, PIN_DIR "sc_b cgroup=/tmp/v1/x\n"));
	CHECK_UNCHANGED(HOOK, EINVAL, hook_write(HOOK, PIN_DIR "sc_b cgroup=A\n"));
	CHECK_UNCHANGED(HOOK, EINVAL, hook_write(HOOK, PIN_DIR "sc_b cgroup=\n"));
	CHECK_UNCHANGED(HOOK, EINVAL,
			hook_write(HOOK, PIN_DIR "sc_b cgroup=" CG "/A cgroup=" CG "/B\n"));
	CHECK_UNCHANGED(HOOK, EEXIST, attach_scoped(HOOK, "sc_a", "B", ""));
	EXPECT_EQ(EOPNOTSUPP, attach_scoped("file_send_sigiotask", "sc_sigio", "A", ""));
	EXPECT_STREQ("", listed_line("file_send_sigiotask", self->p[SC_SIGIO].id));
	/* Unscoped, the program of that hook attaches. */
	EXPECT_EQ(0, attach_path("file_send_sigiotask", PIN_DIR "sc_sigio"));
	EXPECT_EQ(0, detach("file_send_sigiotask", self->p[SC_SIGIO].id));
	/* Ioctls. */
	file = open(CG "/A/cgroup.procs", O_RDONLY);
	notcg = open("/tmp", O_RDONLY | O_DIRECTORY);
	v1 = open("/tmp/v1/x", O_RDONLY | O_DIRECTORY);
	cg = open(CG "/B", O_RDONLY | O_DIRECTORY);
	ASSERT_LE(0, file);
	ASSERT_LE(0, notcg);
	ASSERT_LE(0, v1);
	ASSERT_LE(0, cg);
	att.flags = KRSI_ATTACH_CGROUP;
	att.cgroup_fd = file;
	CHECK_UNCHANGED(HOOK, EBADF, hook_ioctl(HOOK, KRSI_IOC_ATTACH, &att) ? errno : 0);
	att.cgroup_fd = notcg;
	CHECK_UNCHANGED(HOOK, EBADF, hook_ioctl(HOOK, KRSI_IOC_ATTACH, &att) ? errno : 0);
	att.cgroup_fd = v1;
	CHECK_UNCHANGED(HOOK, EBADF, hook_ioctl(HOOK, KRSI_IOC_ATTACH, &att) ? errno : 0);
	att.cgroup_fd = 1000;
	CHECK_UNCHANGED(HOOK, EBADF, hook_ioctl(HOOK, KRSI_IOC_ATTACH, &att) ? errno : 0);
	att.flags = 0;
	att.cgroup_fd = cg;
	CHECK_UNCHANGED(HOOK, EINVAL, hook_ioctl(HOOK, KRSI_IOC_ATTACH, &att) ? errno : 0);
	att.flags = KRSI_ATTACH_CGROUP;
	att.reserved = 1;
	CHECK_UNCHANGED(HOOK, EINVAL, hook_ioctl(HOOK, KRSI_IOC_ATTACH, &att) ? errno : 0);
	att.reserved = 0;
	att.prog_fd = self->p[SC_SIGIO].fd;
	EXPECT_EQ(-1, hook_ioctl("file_send_sigiotask", KRSI_IOC_ATTACH, &att));
	EXPECT_EQ(EOPNOTSUPP, errno);
	EXPECT_STREQ("", listed_line("file_send_sigiotask", self->p[SC_SIGIO].id));
	/* And the good one, after all that. */
	att.prog_fd = self->p[SC_B].fd;
	EXPECT_EQ((int)self->p[SC_B].id, hook_ioctl(HOOK, KRSI_IOC_ATTACH, &att));
	EXPECT_STREQ("PA", MARKS("A", "B"));
	close(file);
	close(notcg);
	close(v1);
	close(cg);
	rmdir("/tmp/v1/x");
	umount("/tmp/v1");
	EXPECT_EQ(14, checked);
}

TEST_HARNESS_MAIN
