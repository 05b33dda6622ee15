// SPDX-License-Identifier: GPL-2.0
/*
 * krsi - selftests of the sample policies in userspace/samples
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/krsi.h>

#include "kselftest_harness.h"
#include "common.h"

#define SAMPLES "samples/"

/* Loads @obj_name and attaches its program @prog to @hook through krsi's ioctl. */
static struct bpf_object *load_attach(const char *obj_name, const char *prog,
				      const char *hook, __u32 *id)
{
	char path[256];
	struct bpf_object *obj;

	snprintf(path, sizeof(path), SAMPLES "%s", obj_name);
	obj = bpf_object__open_file(test_file(path), NULL);
	if (!obj || bpf_object__load(obj))
		return NULL;
	*id = attach_fd(hook, bpf_program__fd(bpf_object__find_program_by_name(obj, prog)));
	return *id ? obj : NULL;
}

/* The cgroups the scoped samples are applied to: one in scope, one not. */
#define CG_IN "/sys/fs/cgroup/krsi-sample-in"
#define CG_OUT "/sys/fs/cgroup/krsi-sample-out"

/* Loads @obj_name and attaches its program @prog to @hook scoped to cgroup @cg. */
static struct bpf_object *load_attach_scoped(const char *obj_name, const char *prog,
					     const char *hook, const char *cg, __u32 *id)
{
	struct krsi_attach att = { .size = sizeof(att), .flags = KRSI_ATTACH_CGROUP };
	char path[256];
	struct bpf_object *obj;
	int ret;

	snprintf(path, sizeof(path), SAMPLES "%s", obj_name);
	obj = bpf_object__open_file(test_file(path), NULL);
	if (!obj || bpf_object__load(obj))
		return NULL;
	att.prog_fd = bpf_program__fd(bpf_object__find_program_by_name(obj, prog));
	att.cgroup_fd = open(cg, O_RDONLY | O_DIRECTORY);
	ret = hook_ioctl(hook, KRSI_IOC_ATTACH, &att);
	close(att.cgroup_fd);
	*id = ret > 0 ? ret : 0;
	return *id ? obj : NULL;
}

/* Makes the two sample cgroups afresh; returns 0 or errno. */
static int make_cgroups(void)
{
	rmdir(CG_IN);
	rmdir(CG_OUT);
	if (mkdir(CG_IN, 0755) || mkdir(CG_OUT, 0755))
		return errno;
	return 0;
}

/* Runs @fn(@arg) in a child moved into cgroup @cg; returns its exit status, or -1. */
static int run_in(const char *cg, int (*fn)(void *), void *arg)
{
	char procs[256];
	int status;
	pid_t pid;

	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg);
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid)
		_exit(write_at(procs, "0\n", 2, 0) ? 255 : fn(arg));
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* mmap()s an anonymous page with @prot; returns 0 or errno. */
static int try_mmap(int prot)
{
	void *p = mmap(NULL, 4096, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return errno;
	munmap(p, 4096);
	return 0;
}

TEST(protect_name)
{
	struct bpf_object *obj;
	__u32 id;

	EXPECT_EQ(0, try_open("/tmp/secret.txt"));
	obj = load_attach("protect_name.bpf.o", "protect_name", "file_open", &id);
	ASSERT_NE(NULL, obj);
	EXPECT_EQ(EPERM, try_open("/tmp/secret.txt"));
	EXPECT_EQ(EPERM, try_open("/secret.txt"));
	EXPECT_EQ(0, try_open("/tmp/secret.txt.bak"));
	EXPECT_EQ(0, try_open("/tmp/secret.tx"));
	ASSERT_EQ(0, detach_ioctl("file_open", id));
	EXPECT_EQ(0, try_open("/tmp/secret.txt"));
	bpf_object__close(obj);
}

TEST(wx)
{
	struct bpf_object *obj;
	__u32 id_mmap, id_mprotect;
	void *p;

	obj = load_attach("wx.bpf.o", "wx_mmap", "mmap_file", &id_mmap);
	ASSERT_NE(NULL, obj);
	ASSERT_NE(NULL, load_attach("wx.bpf.o", "wx_mprotect", "file_mprotect", &id_mprotect));
	EXPECT_EQ(EACCES, try_mmap(PROT_READ | PROT_WRITE | PROT_EXEC));
	EXPECT_EQ(0, try_mmap(PROT_READ | PROT_WRITE));
	EXPECT_EQ(0, try_mmap(PROT_READ | PROT_EXEC));
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-1, mprotect(p, 4096, PROT_READ | PROT_WRITE | PROT_EXEC));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(0, mprotect(p, 4096, PROT_READ | PROT_EXEC));
	munmap(p, 4096);
	ASSERT_EQ(0, detach_ioctl("mmap_file", id_mmap));
	ASSERT_EQ(0, detach_ioctl("file_mprotect", id_mprotect));
	EXPECT_EQ(0, try_mmap(PROT_READ | PROT_WRITE | PROT_EXEC));
	bpf_object__close(obj);
}

/* Connects a TCP socket to @addr:4242; returns 0 or errno. */
static int try_connect(const char *addr)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(4242) };
	int fd = socket(AF_INET, SOCK_STREAM, 0), err = 0;

	inet_pton(AF_INET, addr, &sin.sin_addr);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)))
		err = errno;
	close(fd);
	return err;
}

static int connect_in_child(void *addr)
{
	return try_connect(addr);
}

/*
 * Applied to one cgroup: the allowlist holds for sockets created there and
 * not for others.
 */
TEST(egress_allowlist)
{
	struct bpf_object *obj;
	__u32 id, key;
	__u8 one = 1;
	int map;

	ASSERT_EQ(0, make_cgroups());
	obj = load_attach_scoped("egress.bpf.o", "egress", "socket_connect", CG_IN, &id);
	ASSERT_NE(NULL, obj);
	map = bpf_map__fd(bpf_object__find_map_by_name(obj, "egress_allow"));
	ASSERT_LE(0, map);
	/* Nothing allowed yet, in the cgroup; outside it the list does not apply. */
	EXPECT_EQ(EPERM, run_in(CG_IN, connect_in_child, "127.0.0.1"));
	EXPECT_EQ(ECONNREFUSED, run_in(CG_OUT, connect_in_child, "127.0.0.1"));
	EXPECT_EQ(ECONNREFUSED, try_connect("127.0.0.1"));
	inet_pton(AF_INET, "127.0.0.1", &key);
	ASSERT_EQ(0, bpf_map_update_elem(map, &key, &one, BPF_ANY));
	/* Allowed: the connection is tried (nobody listens). */
	EXPECT_EQ(ECONNREFUSED, run_in(CG_IN, connect_in_child, "127.0.0.1"));
	EXPECT_EQ(EPERM, run_in(CG_IN, connect_in_child, "127.0.0.2"));
	EXPECT_EQ(ECONNREFUSED, run_in(CG_OUT, connect_in_child, "127.0.0.2"));
	ASSERT_EQ(0, detach_ioctl("socket_connect", id));
	EXPECT_EQ(ECONNREFUSED, run_in(CG_IN, connect_in_child, "127.0.0.2"));
	bpf_object__close(obj);
	rmdir(CG_IN);
	rmdir(CG_OUT);
}

/* Tries PTRACE_ATTACH on @pid; returns 0 or errno, detaching on success. */
static int try_attach(pid_t pid)
{
	int status;

	if (ptrace(PTRACE_ATTACH, pid, 0, 0))
		return errno;
	waitpid(pid, &status, 0);
	ptrace(PTRACE_DETACH, pid, 0, 0);
	return 0;
}

static pid_t spawn_sleeper(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		for (;;)
			pause();
	}
	return pid;
}

/* From a sibling of @target: try to attach, report the errno as exit status. */
static int sibling_attach(pid_t target)
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(try_attach(target));
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(ptrace_scope)
{
	struct bpf_object *obj;
	pid_t child = spawn_sleeper();
	__u32 id;

	ASSERT_LT(0, child);
	EXPECT_EQ(0, sibling_attach(child));
	obj = load_attach("ptrace_scope.bpf.o", "ptrace_scope", "ptrace_access_check", &id);
	ASSERT_NE(NULL, obj);
	/* A sibling may not; the parent may; reading /proc is not restricted. */
	EXPECT_EQ(EPERM, sibling_attach(child));
	EXPECT_EQ(0, try_attach(child));
	EXPECT_EQ(0, system("ps > /dev/null"));
	ASSERT_EQ(0, detach_ioctl("ptrace_access_check", id));
	EXPECT_EQ(0, sibling_attach(child));
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	bpf_object__close(obj);
}

/* Execs busybox's true as @path in a child; returns 0 or the exec's errno. */
static int try_exec(const char *path)
{
	char *argv[] = { "true", NULL };
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		execv(path, argv);
		_exit(errno);
	}
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(noexec_dir)
{
	struct { __u64 dev, ino; } key;
	struct bpf_object *obj;
	struct stat st;
	__u8 one = 1;
	__u32 id;
	int map;

	ASSERT_EQ(0, system("mkdir -p /tmp/krsi-noexec-dir && cp /bin/busybox /tmp/krsi-noexec-dir/true"));
	obj = load_attach("noexec_dir.bpf.o", "noexec_dir", "bprm_check_security", &id);
	ASSERT_NE(NULL, obj);
	EXPECT_EQ(0, try_exec("/tmp/krsi-noexec-dir/true"));
	ASSERT_EQ(0, stat("/tmp/krsi-noexec-dir", &st));
	/* The kernel's s_dev encoding (MKDEV: major << 20 | minor). */
	key.dev = ((__u64)major(st.st_dev) << 20) | minor(st.st_dev);
	key.ino = st.st_ino;
	map = bpf_map__fd(bpf_object__find_map_by_name(obj, "noexec_dirs"));
	ASSERT_EQ(0, bpf_map_update_elem(map, &key, &one, BPF_ANY));
	EXPECT_EQ(EACCES, try_exec("/tmp/krsi-noexec-dir/true"));
	EXPECT_EQ(0, try_exec("/bin/true"));
	ASSERT_EQ(0, detach_ioctl("bprm_check_security", id));
	EXPECT_EQ(0, try_exec("/tmp/krsi-noexec-dir/true"));
	bpf_object__close(obj);
}

/* Creates 12 files in /tmp/krsi-rate/<dir>; exits with refused * 16 + created (-1: other errors). */
static int create_12(void *dir)
{
	int i, created = 0, refused = 0;
	char path[64];

	for (i = 0; i < 12; i++) {
		int fd;

		snprintf(path, sizeof(path), "/tmp/krsi-rate/%s/f%d", (char *)dir, i);
		fd = open(path, O_CREAT | O_WRONLY, 0644);
		if (fd >= 0) {
			created++;
			close(fd);
		} else if (errno == EAGAIN) {
			refused++;
		} else {
			return 255;
		}
	}
	return refused * 16 + created;
}

/* Applied to one cgroup: its creations are limited, others' are not. */
TEST(create_rate)
{
	struct bpf_object *obj;
	__u32 id, zero = 0, limit = 5;

	ASSERT_EQ(0, make_cgroups());
	ASSERT_EQ(0, system("rm -rf /tmp/krsi-rate && mkdir -p /tmp/krsi-rate/in /tmp/krsi-rate/out"));
	obj = load_attach_scoped("create_rate.bpf.o", "create_rate", "inode_create", CG_IN, &id);
	ASSERT_NE(NULL, obj);
	ASSERT_EQ(0, bpf_map_update_elem(bpf_map__fd(bpf_object__find_map_by_name(obj, "create_limit")),
					 &zero, &limit, BPF_ANY));
	/* All within one window (a few ms of guest time): exactly the limit passes, in the cgroup. */
	EXPECT_EQ(7 * 16 + 5, run_in(CG_IN, create_12, "in"));
	EXPECT_EQ(12, run_in(CG_OUT, create_12, "out"));
	ASSERT_EQ(0, detach_ioctl("inode_create", id));
	EXPECT_EQ(0, system("touch /tmp/krsi-rate/in/after"));
	bpf_object__close(obj);
	rmdir(CG_IN);
	rmdir(CG_OUT);
}

TEST_HARNESS_MAIN
