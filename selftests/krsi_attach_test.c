// SPDX-License-Identifier: GPL-2.0
/*
 * krsi - selftests of attaching, running and detaching BPF LSM programs
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/krsi.h>

#include "kselftest_harness.h"
#include "common.h"

#define STATUS HOOK_DIR "status"
#define OBJ test_file("krsi_test.bpf.o")

/* The hooks the tests attach to; the fixture detaches whatever is left on them. */
static const char *const used_hooks[] = {
	"file_open", "bprm_check_security", "file_mprotect", "task_kill",
	"socket_connect",
};

/* Loads program @name of the test object, and only that one. */
static int load(const char *name, struct prog *p)
{
	return load_prog(OBJ, name, p);
}

FIXTURE(krsi) {
	char before[8192];
};

FIXTURE_SETUP(krsi)
{
	unsigned int i;

	/* Nothing may be left from an earlier test, or the tests are not independent. */
	for (i = 0; i < ARRAY_SIZE(used_hooks); i++) {
		ASSERT_EQ(0, detach_all(used_hooks[i]));
		ASSERT_FALSE(status_lists(used_hooks[i]));
	}
}

FIXTURE_TEARDOWN(krsi)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(used_hooks); i++)
		detach_all(used_hooks[i]);
}

TEST_F(krsi, file_open_deny_allow_and_static_key)
{
	char buf[4096];
	struct prog p;
	unsigned long long runs, denied;
	unsigned int id;
	char name[32];

	ASSERT_EQ(0, load("deny_open", &p));
	EXPECT_EQ(0, try_open("/tmp/krsi-secret"));

	ASSERT_EQ(0, pin_attach("file_open", &p, "deny_open"));
	EXPECT_EQ(EPERM, try_open("/tmp/krsi-secret"));
	EXPECT_EQ(0, try_open("/tmp/krsi-other"));

	ASSERT_LT(0, listing("file_open", buf, sizeof(buf)));
	TH_LOG("file_open: %s", buf);
	EXPECT_EQ(1, count_lines(buf));
	ASSERT_EQ(4, sscanf(buf, "%u name=%31s runs=%llu denied=%llu", &id, name, &runs, &denied));
	EXPECT_EQ(p.id, id);
	EXPECT_STREQ("deny_open", name);
	EXPECT_LE(2, runs);
	EXPECT_EQ(1, denied);
	EXPECT_NE(NULL, strstr(buf, " sleepable=0 audited=0 mode=enforce log=1 state=enabled\n"));

	/* The static key follows the attachments. */
	ASSERT_LE(0, read_file(STATUS, buf, sizeof(buf)));
	EXPECT_STREQ("file_open progs=1 key=on\n", buf);

	ASSERT_EQ(0, detach("file_open", p.id));
	EXPECT_EQ(0, try_open("/tmp/krsi-secret"));
	ASSERT_EQ(0, listing("file_open", buf, sizeof(buf)));
	EXPECT_FALSE(status_lists("file_open"));
	unlink(PIN_DIR "deny_open");
	unload(&p);
}

/*
 * A program finds current->bpf_ctx set to a run context, on the fast path and
 * (with BPF statistics on) through the trampoline's enter function. krsi once
 * wrote it through the Rust bindings' layout of task_struct, which is off
 * (see dispatch.rs): the program found it NULL, and the store hit the task's
 * LSM blob pointer instead.
 */
TEST_F(krsi, programs_see_a_run_context)
{
	char buf[4096];
	struct prog p;
	unsigned long long runs, denied;
	unsigned int id;
	char name[32];
	int stats;

	ASSERT_EQ(0, load("run_ctx", &p));
	ASSERT_EQ(0, pin_attach("file_open", &p, "run_ctx"));
	EXPECT_EQ(0, try_open("/tmp/krsi-runctx"));
	stats = open("/proc/sys/kernel/bpf_stats_enabled", O_RDWR);
	ASSERT_LE(0, stats);
	ASSERT_EQ(1, write(stats, "1", 1));
	EXPECT_EQ(0, try_open("/tmp/krsi-runctx"));
	ASSERT_EQ(1, pwrite(stats, "0", 1, 0));
	close(stats);
	ASSERT_LT(0, listing("file_open", buf, sizeof(buf)));
	ASSERT_EQ(4, sscanf(buf, "%u name=%31s runs=%llu denied=%llu", &id, name, &runs, &denied));
	EXPECT_LE(2, runs);
	EXPECT_EQ(0, denied) TH_LOG("%s", buf);
	ASSERT_EQ(0, detach("file_open", p.id));
	unlink(PIN_DIR "run_ctx");
	unload(&p);
}

static int exec_noexec(void *arg)
{
	char *argv[] = { "true", NULL };

	(void)arg;
	execv("/tmp/krsi-noexec", argv);
	return errno;
}

TEST_F(krsi, bprm_check_security)
{
	struct prog p;

	ASSERT_EQ(0, system("cp /bin/busybox /tmp/krsi-noexec && chmod 755 /tmp/krsi-noexec"));
	ASSERT_EQ(0, load("deny_exec", &p));
	ASSERT_EQ(0, in_child(exec_noexec, NULL));
	ASSERT_EQ(0, pin_attach("bprm_check_security", &p, "deny_exec"));
	EXPECT_EQ(EPERM, in_child(exec_noexec, NULL));
	/* Other executables still run. */
	EXPECT_EQ(0, system("/bin/true"));
	ASSERT_EQ(0, detach("bprm_check_security", p.id));
	EXPECT_EQ(0, in_child(exec_noexec, NULL));
	unlink(PIN_DIR "deny_exec");
	unload(&p);
}

TEST_F(krsi, file_mprotect)
{
	struct prog p;
	void *mem = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, mem);
	ASSERT_EQ(0, load("deny_wx", &p));
	ASSERT_EQ(0, pin_attach("file_mprotect", &p, "deny_wx"));
	EXPECT_EQ(-1, mprotect(mem, 4096, PROT_READ | PROT_WRITE | PROT_EXEC));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(0, mprotect(mem, 4096, PROT_READ | PROT_EXEC));
	ASSERT_EQ(0, detach("file_mprotect", p.id));
	EXPECT_EQ(0, mprotect(mem, 4096, PROT_READ | PROT_WRITE | PROT_EXEC));
	munmap(mem, 4096);
	unlink(PIN_DIR "deny_wx");
	unload(&p);
}

/*
 * runs= counts every run exactly, whichever CPU it ran on: the counter is
 * per CPU and the listing sums it. Two children, each pinned to its own CPU,
 * send the same number of null signals; nothing else in the guest calls kill.
 */
TEST_F(krsi, runs_counted_on_every_cpu)
{
	const int per_cpu = 1000;
	unsigned long long runs, denied;
	char buf[4096], name[32];
	unsigned int id;
	struct prog p;
	int cpu, status;
	pid_t kids[2];

	ASSERT_LE(2, sysconf(_SC_NPROCESSORS_ONLN));
	ASSERT_EQ(0, load("deny_sigusr2", &p));
	ASSERT_EQ(0, pin_attach("task_kill", &p, "deny_sigusr2"));
	for (cpu = 0; cpu < 2; cpu++) {
		kids[cpu] = fork();
		if (kids[cpu] == 0) {
			cpu_set_t set;
			int i;

			CPU_ZERO(&set);
			CPU_SET(cpu, &set);
			if (sched_setaffinity(0, sizeof(set), &set) || sched_getcpu() != cpu)
				_exit(2);
			for (i = 0; i < per_cpu; i++)
				if (kill(getpid(), 0))
					_exit(3);
			_exit(0);
		}
		ASSERT_LT(0, kids[cpu]);
	}
	for (cpu = 0; cpu < 2; cpu++) {
		ASSERT_EQ(kids[cpu], waitpid(kids[cpu], &status, 0));
		EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	ASSERT_LT(0, listing("task_kill", buf, sizeof(buf)));
	ASSERT_EQ(4, sscanf(buf, "%u name=%31s runs=%llu denied=%llu", &id, name, &runs, &denied));
	EXPECT_EQ(2 * per_cpu, runs);
	EXPECT_EQ(0, denied);
	ASSERT_EQ(0, detach("task_kill", p.id));
	unlink(PIN_DIR "deny_sigusr2");
	unload(&p);
}

/* Sends @n signals @sig (0, or SIGUSR2 ignored) to this process; returns how many were refused. */
static int kills(int n, int sig)
{
	int refused = 0;

	while (n--)
		if (kill(getpid(), sig))
			refused++;
	return refused;
}

/* Whether programs @ids[0..@n) list @runs[i] runs and @denied[i] denials on task_kill. */
static bool counts_are(const __u32 *ids, const long *runs, const long *denied, int n)
{
	bool ok = true;
	int i;

	for (i = 0; i < n; i++) {
		long r = count_of("task_kill", ids[i], "runs");
		long d = count_of("task_kill", ids[i], "denied");

		if (r != runs[i] || d != denied[i]) {
			fprintf(stderr, "# program %u: runs=%ld denied=%ld, want %ld and %ld\n",
				ids[i], r, d, runs[i], denied[i]);
			ok = false;
		}
	}
	return ok;
}

/*
 * A plain chain counts its calls and the stops at each program, not each
 * program's runs; a program's runs= is the calls less the stops before it,
 * summed over every array it was in: the published one, those retired whose
 * grace period has not ended, and those folded into it since. Checked right
 * after each change (the old array is still retiring) and after a detached
 * program is released (every older array folded), through chains of three,
 * two and one programs, a disabled program and the statistics path.
 */
TEST_F(krsi, runs_counted_per_chain_across_changes)
{
	struct prog p[3];
	__u32 ids[3];
	int stats, i;

	ASSERT_TRUE(signal(SIGUSR2, SIG_IGN) != SIG_ERR);
	ASSERT_EQ(0, load("deny_sigusr2", &p[0]));
	for (i = 1; i < 3; i++)
		ASSERT_EQ(0, clone_prog(&p[0], "deny_sigusr2", &p[i]));
	for (i = 0; i < 3; i++)
		ids[i] = p[i].id;
	/* [0, 1]: 10 allowed, 3 denied by 0. */
	ASSERT_LT(0, (int)attach_fd("task_kill", p[0].fd));
	ASSERT_LT(0, (int)attach_fd("task_kill", p[1].fd));
	EXPECT_EQ(0, kills(10, 0));
	EXPECT_EQ(3, kills(3, SIGUSR2));
	EXPECT_TRUE(counts_are(ids, (long[]){ 13, 10 }, (long[]){ 3, 0 }, 2));
	/* [2, 0, 1]: the old array retiring. */
	unlink(PIN_DIR "krsi_runs_2");
	ASSERT_EQ(0, bpf_obj_pin(p[2].fd, PIN_DIR "krsi_runs_2"));
	ASSERT_EQ(0, hook_printf("task_kill", PIN_DIR "krsi_runs_2 first\n"));
	unlink(PIN_DIR "krsi_runs_2");
	EXPECT_TRUE(counts_are(ids, (long[]){ 13, 10, 0 }, (long[]){ 3, 0, 0 }, 3));
	EXPECT_EQ(0, kills(5, 0));
	EXPECT_EQ(2, kills(2, SIGUSR2));
	EXPECT_TRUE(counts_are(ids, (long[]){ 18, 15, 7 }, (long[]){ 3, 0, 2 }, 3));
	/* [0, 1] again; once 2 is released, every older array is folded. */
	ASSERT_EQ(0, detach_ioctl("task_kill", ids[2]));
	EXPECT_TRUE(counts_are(ids, (long[]){ 18, 15 }, (long[]){ 3, 0 }, 2));
	unload(&p[2]);
	ASSERT_TRUE(released(ids[2]));
	EXPECT_TRUE(counts_are(ids, (long[]){ 18, 15 }, (long[]){ 3, 0 }, 2));
	/* 0 disabled: [1] runs alone, 0 keeps its counts; then both again. */
	ASSERT_EQ(0, hook_printf("task_kill", "disable %u\n", ids[0]));
	EXPECT_EQ(0, kills(4, 0));
	EXPECT_EQ(1, kills(1, SIGUSR2));
	EXPECT_TRUE(counts_are(ids, (long[]){ 18, 20 }, (long[]){ 3, 1 }, 2));
	ASSERT_EQ(0, hook_printf("task_kill", "enable %u\n", ids[0]));
	EXPECT_EQ(1, kills(1, SIGUSR2));
	EXPECT_TRUE(counts_are(ids, (long[]){ 19, 20 }, (long[]){ 4, 1 }, 2));
	/* Statistics on: each program counted on its own, after the chain's counts. */
	stats = bpf_enable_stats(BPF_STATS_RUN_TIME);
	ASSERT_LE(0, stats);
	EXPECT_EQ(0, kills(2, 0));
	EXPECT_EQ(1, kills(1, SIGUSR2));
	close(stats);
	EXPECT_TRUE(counts_are(ids, (long[]){ 22, 22 }, (long[]){ 5, 1 }, 2));
	/* [1] alone, its old arrays' counts kept. */
	ASSERT_EQ(0, detach_ioctl("task_kill", ids[0]));
	unload(&p[0]);
	ASSERT_TRUE(released(ids[0]));
	EXPECT_EQ(1, kills(1, SIGUSR2));
	EXPECT_TRUE(counts_are(&ids[1], (long[]){ 23 }, (long[]){ 2 }, 1));
	ASSERT_EQ(0, detach_ioctl("task_kill", ids[1]));
	unload(&p[1]);
	ASSERT_TRUE(signal(SIGUSR2, SIG_DFL) != SIG_ERR);
}

TEST_F(krsi, task_kill)
{
	struct prog p;
	int status;
	pid_t child = fork();

	if (child == 0) {
		for (;;)
			pause();
	}
	ASSERT_LT(0, child);
	ASSERT_EQ(0, load("deny_sigusr2", &p));
	ASSERT_EQ(0, pin_attach("task_kill", &p, "deny_sigusr2"));
	EXPECT_EQ(-1, kill(child, SIGUSR2));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(0, kill(child, 0));
	ASSERT_EQ(0, detach("task_kill", p.id));
	EXPECT_EQ(0, kill(child, SIGUSR2));
	ASSERT_EQ(child, waitpid(child, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGUSR2, WTERMSIG(status));
	unlink(PIN_DIR "deny_sigusr2");
	unload(&p);
}

/* Connects a TCP socket to 127.0.0.1:@port; returns 0 or errno. */
static int try_connect(int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0), err = 0;

	if (fd < 0)
		return errno;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)))
		err = errno;
	close(fd);
	return err;
}

TEST_F(krsi, socket_connect)
{
	struct prog p;

	ASSERT_EQ(0, load("deny_port", &p));
	EXPECT_EQ(ECONNREFUSED, try_connect(4242));
	ASSERT_EQ(0, pin_attach("socket_connect", &p, "deny_port"));
	EXPECT_EQ(EPERM, try_connect(4242));
	EXPECT_EQ(ECONNREFUSED, try_connect(4243));
	ASSERT_EQ(0, detach("socket_connect", p.id));
	EXPECT_EQ(ECONNREFUSED, try_connect(4242));
	unlink(PIN_DIR "deny_port");
	unload(&p);
}

struct order_state {
	__u32 n;
	char seq[8];
	int seen_ret[8];
	__u32 deny_at;
};

static void order_reset(int map_fd, __u32 deny_at)
{
	struct order_state s = { .deny_at = deny_at };
	__u32 key = 0;

	bpf_map_update_elem(map_fd, &key, &s, BPF_ANY);
}

static void order_read(int map_fd, struct order_state *s)
{
	__u32 key = 0;

	memset(s, 0, sizeof(*s));
	bpf_map_lookup_elem(map_fd, &key, s);
}

TEST_F(krsi, order_and_ret_chaining)
{
	static const char *const names[] = { "order_a", "order_b", "order_c" };
	struct bpf_program *it;
	struct prog p[3];
	struct order_state s;
	char buf[4096];
	unsigned int ids[3];
	int i, map_fd;

	/* One object with the three programs sharing the map. */
	p[0].obj = bpf_object__open_file(OBJ, NULL);
	ASSERT_NE(NULL, p[0].obj);
	bpf_object__for_each_program(it, p[0].obj)
		bpf_program__set_autoload(it, !strncmp(bpf_program__name(it), "order_", 6));
	ASSERT_EQ(0, bpf_object__load(p[0].obj));
	map_fd = bpf_map__fd(bpf_object__find_map_by_name(p[0].obj, "order_map"));
	ASSERT_LE(0, map_fd);
	for (i = 0; i < 3; i++) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);

		p[i].fd = bpf_program__fd(bpf_object__find_program_by_name(p[0].obj, names[i]));
		ASSERT_LE(0, p[i].fd);
		ASSERT_EQ(0, bpf_obj_get_info_by_fd(p[i].fd, &info, &len));
		p[i].id = info.id;
		ASSERT_EQ(0, pin_attach("file_open", &p[i], names[i]));
	}

	/* The listing is in attach order. */
	ASSERT_LT(0, listing("file_open", buf, sizeof(buf)));
	TH_LOG("file_open: %s", buf);
	ASSERT_EQ(3, sscanf(buf, "%u %*[^\n]\n%u %*[^\n]\n%u", &ids[0], &ids[1], &ids[2]));
	for (i = 0; i < 3; i++)
		EXPECT_EQ(p[i].id, ids[i]);

	/* All allow: all run in order, each seeing the result so far, 0. */
	order_reset(map_fd, 0);
	EXPECT_EQ(0, try_open("/tmp/krsi-order"));
	order_read(map_fd, &s);
	EXPECT_EQ(3, s.n);
	EXPECT_EQ(0, memcmp(s.seq, "abc", 3));
	for (i = 0; i < 3; i++)
		EXPECT_EQ(0, s.seen_ret[i]);

	/* The second denies: its errno is the syscall's, the third does not run. */
	order_reset(map_fd, 2);
	EXPECT_EQ(EXDEV, try_open("/tmp/krsi-order"));
	order_read(map_fd, &s);
	EXPECT_EQ(2, s.n);
	EXPECT_EQ(0, memcmp(s.seq, "ab", 2));

	/* Detaching the denying program restores access; the others keep their order. */
	ASSERT_EQ(0, detach("file_open", p[1].id));
	order_reset(map_fd, 2);
	EXPECT_EQ(0, try_open("/tmp/krsi-order"));
	order_read(map_fd, &s);
	EXPECT_EQ(2, s.n);
	EXPECT_EQ(0, memcmp(s.seq, "ac", 2));

	ASSERT_EQ(0, detach("file_open", p[0].id));
	ASSERT_EQ(0, detach("file_open", p[2].id));
	order_reset(map_fd, 1);
	EXPECT_EQ(0, try_open("/tmp/krsi-order"));
	order_read(map_fd, &s);
	EXPECT_EQ(0, s.n);
	for (i = 0; i < 3; i++) {
		snprintf(buf, sizeof(buf), PIN_DIR "%s", names[i]);
		unlink(buf);
	}
	bpf_object__close(p[0].obj);
}

/*
 * Plain chains (no program reads the result slot) of two to five programs,
 * odd and even lengths, the denying program at every position and none: the
 * chain runs in order, stops at the first non-zero result, which is the
 * syscall's errno, and the programs after it do not run.
 */
TEST_F(krsi, plain_chains_stop_at_the_denying_program)
{
	static const char *const names[] = { "plain_1", "plain_2", "plain_3", "plain_4", "plain_5" };
	struct bpf_object *obj;
	struct bpf_program *it;
	struct order_state s;
	__u32 ids[5];
	int fds[5], map_fd, n, d, i;

	obj = bpf_object__open_file(OBJ, NULL);
	ASSERT_NE(NULL, obj);
	bpf_object__for_each_program(it, obj)
		bpf_program__set_autoload(it, !strncmp(bpf_program__name(it), "plain_", 6));
	ASSERT_EQ(0, bpf_object__load(obj));
	map_fd = bpf_map__fd(bpf_object__find_map_by_name(obj, "plain_map"));
	ASSERT_LE(0, map_fd);
	for (i = 0; i < 5; i++) {
		fds[i] = bpf_program__fd(bpf_object__find_program_by_name(obj, names[i]));
		ASSERT_LE(0, fds[i]);
	}
	for (n = 2; n <= 5; n++) {
		for (i = 0; i < n; i++) {
			ids[i] = attach_fd("file_open", fds[i]);
			ASSERT_LT(0, (int)ids[i]);
		}
		for (d = 0; d <= n; d++) {
			int ran = d ? d : n;

			order_reset(map_fd, d);
			EXPECT_EQ(d ? EXDEV : 0, try_open("/tmp/krsi-plain"))
				TH_LOG("%d programs, program %d denying", n, d);
			order_read(map_fd, &s);
			EXPECT_EQ(ran, (int)s.n)
				TH_LOG("%d programs, program %d denying", n, d);
			EXPECT_EQ(0, memcmp(s.seq, "12345", ran));
		}
		for (i = 0; i < n; i++)
			ASSERT_EQ(0, detach_ioctl("file_open", ids[i]));
	}
	EXPECT_EQ(0, try_open("/tmp/krsi-plain"));
	bpf_object__close(obj);
}

TEST_F(krsi, sleepable_program)
{
	struct prog p;
	char buf[4096];

	ASSERT_EQ(0, load("deny_open_s", &p));
	ASSERT_EQ(0, pin_attach("file_open", &p, "deny_open_s"));
	ASSERT_LT(0, listing("file_open", buf, sizeof(buf)));
	EXPECT_NE(NULL, strstr(buf, "name=deny_open_s "));
	EXPECT_NE(NULL, strstr(buf, " sleepable=1 audited=0 mode=enforce log=1 state=enabled\n"));
	EXPECT_EQ(EACCES, try_open("/tmp/krsi-sleepy"));
	EXPECT_EQ(0, try_open("/tmp/krsi-other"));
	ASSERT_EQ(0, detach("file_open", p.id));
	EXPECT_EQ(0, try_open("/tmp/krsi-sleepy"));
	unlink(PIN_DIR "deny_open_s");
	unload(&p);
}

/* Run count of a program as BPF statistics see it. */
static __u64 run_cnt(int fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return (__u64)-1;
	return info.run_cnt;
}

/*
 * A chain of non-sleepable programs runs in one section; a chain with a
 * sleepable program, or any chain while BPF statistics are on, goes through
 * the trampoline's enter/exit program by program. All decide alike.
 */
TEST_F(krsi, mixed_chain_and_bpf_stats)
{
	struct prog p, ps;
	int stats;

	ASSERT_EQ(0, load("deny_open", &p));
	ASSERT_EQ(0, load("deny_open_s", &ps));
	ASSERT_EQ(0, pin_attach("file_open", &p, "deny_open"));
	ASSERT_EQ(0, pin_attach("file_open", &ps, "deny_open_s"));
	EXPECT_EQ(EPERM, try_open("/tmp/krsi-secret"));
	EXPECT_EQ(EACCES, try_open("/tmp/krsi-sleepy"));
	EXPECT_EQ(0, try_open("/tmp/krsi-other"));
	ASSERT_EQ(0, detach("file_open", ps.id));

	/* Statistics off: the fast path does not count runs in BPF's statistics. */
	EXPECT_EQ(EPERM, try_open("/tmp/krsi-secret"));
	EXPECT_EQ(0, run_cnt(p.fd));
	/* Statistics on: the enter/exit functions keep them. */
	stats = bpf_enable_stats(BPF_STATS_RUN_TIME);
	ASSERT_LE(0, stats);
	EXPECT_EQ(EPERM, try_open("/tmp/krsi-secret"));
	EXPECT_EQ(0, try_open("/tmp/krsi-other"));
	EXPECT_LE(2, run_cnt(p.fd));
	close(stats);

	ASSERT_EQ(0, detach("file_open", p.id));
	unlink(PIN_DIR "deny_open");
	unlink(PIN_DIR "deny_open_s");
	unload(&p);
	unload(&ps);
}

TEST_F(krsi, attach_by_fd_and_detach_by_id_ioctl)
{
	struct krsi_attach att = { .size = sizeof(att) };
	struct krsi_detach det = { .size = sizeof(det) };
	struct prog p;
	char buf[4096];
	int fd;

	ASSERT_EQ(0, load("deny_open", &p));
	fd = open(HOOK_DIR "file_open", O_RDWR);
	ASSERT_LE(0, fd);
	att.prog_fd = p.fd;
	/* The attach returns the program's id. */
	EXPECT_EQ(p.id, ioctl(fd, KRSI_IOC_ATTACH, &att));
	EXPECT_EQ(EPERM, try_open("/tmp/krsi-secret"));
	ASSERT_LT(0, listing("file_open", buf, sizeof(buf)));
	EXPECT_EQ(p.id, strtoul(buf, NULL, 10));
	det.prog_id = p.id;
	ASSERT_EQ(0, ioctl(fd, KRSI_IOC_DETACH, &det));
	EXPECT_EQ(0, try_open("/tmp/krsi-secret"));
	EXPECT_EQ(0, listing("file_open", buf, sizeof(buf)));
	close(fd);
	unload(&p);
}

/* Capabilities: drop CAP_MAC_ADMIN from the effective set and write. */
static int write_without_cap_mac_admin(void *arg)
{
	if (drop_cap_mac_admin())
		return 255;
	return attach_path("file_open", (const char *)arg);
}

/* A root user in a new user namespace, with a descriptor root opened before. */
static int write_in_user_ns(void *arg)
{
	int fd = open(HOOK_DIR "file_open", O_WRONLY);
	const char *cmd = arg;

	if (fd < 0 || unshare(CLONE_NEWUSER))
		return 255;
	if (write(fd, cmd, strlen(cmd)) >= 0)
		return 0;
	return errno;
}

/*
 * A user namespace root opening the file itself: it keeps kuid 0, so the mode
 * lets it open the file, but it has no capability in the initial namespace.
 */
static int open_in_user_ns(void *arg)
{
	(void)arg;
	if (unshare(CLONE_NEWUSER))
		return 255;
	return attach_path("file_open", PIN_DIR "allow_open");
}

static int ioctl_errno(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? errno : 0;
}

TEST_F(krsi, bad_inputs_change_nothing)
{
	struct prog allow, wx, sock, extra;
	char before[4096], after[4096], big[2 * 4096 + 65];
	int map_fd, fd, rofd, checked = 0;
	struct krsi_attach att, *ro;
	struct krsi_detach det;

	ASSERT_EQ(0, load("allow_open", &allow));
	ASSERT_EQ(0, pin_attach("file_open", &allow, "allow_open"));
	ASSERT_EQ(0, load("deny_wx", &wx));
	unlink(PIN_DIR "deny_wx");
	ASSERT_EQ(0, bpf_obj_pin(wx.fd, PIN_DIR "deny_wx"));
	ASSERT_EQ(0, load("not_lsm", &sock));
	unlink(PIN_DIR "not_lsm");
	ASSERT_EQ(0, bpf_obj_pin(sock.fd, PIN_DIR "not_lsm"));
	map_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "krsi_map", 4, 4, 1, NULL);
	ASSERT_LE(0, map_fd);
	unlink(PIN_DIR "a_map");
	ASSERT_EQ(0, bpf_obj_pin(map_fd, PIN_DIR "a_map"));
	ASSERT_EQ(0, load("deny_open", &extra));
	ASSERT_LT(0, attachments("file_open", before, sizeof(before)));
	TH_LOG("attached: %s", before);

#define CHECK(expected, call) CHECK_UNCHANGED("file_open", expected, call)

	/* Malformed writes. */
	CHECK(EINVAL, hook_write("file_open", "hello\n"));
	CHECK(EINVAL, hook_write("file_open", "\n"));
	CHECK(EINVAL, write_at(HOOK_DIR "file_open", "", 0, 0));
	CHECK(EINVAL, hook_write("file_open", PIN_DIR "allow_open\n" PIN_DIR "deny_wx\n"));
	CHECK(EINVAL, write_at(HOOK_DIR "file_open", PIN_DIR "allow_open\0x",
			       sizeof(PIN_DIR "allow_open\0x"), 0));
	CHECK(EINVAL, write_at(HOOK_DIR "file_open", PIN_DIR "deny_wx", strlen(PIN_DIR "deny_wx"), 1));
	/* One byte over the longest write: two paths of PATH_MAX and 64 for the words. */
	memset(big, 'a', sizeof(big));
	big[0] = '/';
	CHECK(EINVAL, write_at(HOOK_DIR "file_open", big, sizeof(big), 0));
	CHECK(EINVAL, hook_write("file_open", "detach\n"));
	CHECK(EINVAL, hook_write("file_open", "detach \n"));
	CHECK(EINVAL, hook_write("file_open", "detach abc\n"));
	CHECK(EINVAL, hook_write("file_open", "detach -1\n"));
	CHECK(EINVAL, hook_write("file_open", "detach 01\n"));
	CHECK(EINVAL, hook_write("file_open", "detach 4294967296\n"));
	CHECK(EINVAL, hook_write("file_open", "detach  1\n"));
	/* Paths. */
	CHECK(EINVAL, hook_write("file_open", "sys/fs/bpf/allow_open\n"));
	CHECK(ENOENT, hook_write("file_open", PIN_DIR "no_such_pin\n"));
	CHECK(EACCES, hook_write("file_open", "/krsi/hooks.list\n"));
	CHECK(EINVAL, hook_write("file_open", PIN_DIR "a_map\n"));
	CHECK(EINVAL, hook_write("file_open", PIN_DIR "not_lsm\n"));
	CHECK(EINVAL, hook_write("file_open", PIN_DIR "deny_wx\n"));
	CHECK(EEXIST, hook_write("file_open", PIN_DIR "allow_open\n"));
	CHECK(ENOENT, hook_write("file_open", "detach 999999\n"));
	CHECK(ENOENT, detach("file_open", wx.id));
	/* Privilege. */
	CHECK(EPERM, in_child(write_without_cap_mac_admin, PIN_DIR "deny_wx"));
	CHECK(EPERM, in_child(write_in_user_ns, "detach 1\n"));
	CHECK(EPERM, in_child(open_in_user_ns, NULL));
	/* ioctl. */
	fd = open(HOOK_DIR "file_open", O_RDWR);
	ASSERT_LE(0, fd);
	rofd = open(HOOK_DIR "file_open", O_RDONLY);
	ASSERT_LE(0, rofd);
	att = (struct krsi_attach){ .size = sizeof(att) - 1, .prog_fd = extra.fd };
	CHECK(EINVAL, ioctl_errno(fd, KRSI_IOC_ATTACH, &att));
	att = (struct krsi_attach){ .size = sizeof(att), .flags = 0x40, .prog_fd = extra.fd };
	CHECK(EINVAL, ioctl_errno(fd, KRSI_IOC_ATTACH, &att));
	att = (struct krsi_attach){ .size = sizeof(att), .prog_fd = 1000 };
	CHECK(EBADF, ioctl_errno(fd, KRSI_IOC_ATTACH, &att));
	att = (struct krsi_attach){ .size = sizeof(att), .prog_fd = map_fd };
	CHECK(EINVAL, ioctl_errno(fd, KRSI_IOC_ATTACH, &att));
	att = (struct krsi_attach){ .size = sizeof(att), .prog_fd = wx.fd };
	CHECK(EINVAL, ioctl_errno(fd, KRSI_IOC_ATTACH, &att));
	att = (struct krsi_attach){ .size = sizeof(att), .prog_fd = allow.fd };
	CHECK(EEXIST, ioctl_errno(fd, KRSI_IOC_ATTACH, &att));
	att = (struct krsi_attach){ .size = sizeof(att), .prog_fd = extra.fd };
	CHECK(EBADF, ioctl_errno(rofd, KRSI_IOC_ATTACH, &att));
	CHECK(ENOTTY, ioctl_errno(fd, _IOW(KRSI_IOC_MAGIC, 0x7f, struct krsi_attach), &att));
	CHECK(EFAULT, ioctl_errno(fd, KRSI_IOC_ATTACH, NULL));
	att = (struct krsi_attach){ .size = sizeof(att), .prog_fd = extra.fd, .rel_id = 1 };
	CHECK(EINVAL, ioctl_errno(fd, KRSI_IOC_ATTACH, &att));
	/* The old magic (0xb7, nsfs's) is not krsi's. */
	att = (struct krsi_attach){ .size = sizeof(att), .prog_fd = extra.fd };
	CHECK(ENOTTY, ioctl_errno(fd, _IOWR(0xb7, 1, struct krsi_attach), &att));
	/* Read-only memory is enough: nothing is written back. */
	ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	*ro = (struct krsi_attach){ .size = sizeof(att), .prog_fd = extra.fd };
	ASSERT_EQ(0, mprotect(ro, 4096, PROT_READ));
	EXPECT_EQ(extra.id, ioctl(fd, KRSI_IOC_ATTACH, ro));
	EXPECT_EQ(0, detach("file_open", extra.id));
	munmap(ro, 4096);
	det = (struct krsi_detach){ .size = sizeof(det), .prog_id = allow.id, .reserved = 1 };
	CHECK(EINVAL, ioctl_errno(fd, KRSI_IOC_DETACH, &det));
	det = (struct krsi_detach){ .size = sizeof(det), .prog_id = 999999 };
	CHECK(ENOENT, ioctl_errno(fd, KRSI_IOC_DETACH, &det));
	close(fd);
	close(rofd);
#undef CHECK
	TH_LOG("%d bad inputs refused", checked);

	unlink(PIN_DIR "deny_wx");
	unlink(PIN_DIR "not_lsm");
	unlink(PIN_DIR "a_map");
	unlink(PIN_DIR "allow_open");
	close(map_fd);
	unload(&allow);
	unload(&wx);
	unload(&sock);
	unload(&extra);
}

TEST_F(krsi, attachment_outlives_loader_and_is_released_once)
{
	struct prog p;
	__u32 id;

	ASSERT_EQ(0, load("deny_open", &p));
	id = p.id;
	ASSERT_EQ(0, pin_attach("file_open", &p, "deny_open"));
	/* The pin and the loader's descriptors go away: krsi's reference keeps it. */
	unlink(PIN_DIR "deny_open");
	unload(&p);
	EXPECT_TRUE(prog_exists(id));
	EXPECT_EQ(EPERM, try_open("/tmp/krsi-secret"));
	ASSERT_EQ(0, detach("file_open", id));
	/* The last reference goes after the grace period. */
	EXPECT_TRUE(released(id));
	EXPECT_EQ(0, try_open("/tmp/krsi-secret"));
}

#define STRESS_ROUNDS 50

static int stress_writer(void *arg)
{
	struct prog *p = arg;
	int i;

	for (i = 0; i < STRESS_ROUNDS; i++) {
		struct krsi_attach att = { .size = sizeof(att), .prog_fd = p->fd };
		int fd = open(HOOK_DIR "file_open", O_RDWR);

		if (fd < 0 || ioctl(fd, KRSI_IOC_ATTACH, &att) != (int)p->id)
			return 1;
		close(fd);
		if (detach("file_open", p->id))
			return 2;
	}
	return 0;
}

static int stress_opener(void *arg)
{
	volatile int *stop = arg;
	int n = 0;

	while (!*stop && n < 1000000) {
		if (try_open("/tmp/krsi-secret") && errno != EPERM)
			return 1;
		n++;
	}
	return 0;
}

TEST_F(krsi, stress_attach_detach_while_hooks_run)
{
	struct prog p[2];
	pid_t writers[2], openers[2];
	volatile int *stop;
	char buf[65536];
	int i, status;

	stop = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, stop);
	ASSERT_EQ(0, load("deny_open", &p[0]));
	ASSERT_EQ(0, load("allow_open", &p[1]));
	ASSERT_LE(0, klogctl(5 /* SYSLOG_ACTION_CLEAR */, NULL, 0));
	for (i = 0; i < 2; i++) {
		openers[i] = fork();
		if (openers[i] == 0)
			_exit(stress_opener((void *)stop));
	}
	for (i = 0; i < 2; i++) {
		writers[i] = fork();
		if (writers[i] == 0)
			_exit(stress_writer(&p[i]));
	}
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(writers[i], waitpid(writers[i], &status, 0));
		EXPECT_TRUE(WIFEXITED(status));
		EXPECT_EQ(0, WEXITSTATUS(status));
	}
	*stop = 1;
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(openers[i], waitpid(openers[i], &status, 0));
		EXPECT_TRUE(WIFEXITED(status));
		EXPECT_EQ(0, WEXITSTATUS(status));
	}
	/* The final listing is exact: empty, with the static key off again. */
	EXPECT_EQ(0, listing("file_open", buf, sizeof(buf)));
	EXPECT_FALSE(status_lists("file_open"));
	/* No oops, warning or RCU complaint. */
	ASSERT_LE(0, klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, sizeof(buf) - 1));
	EXPECT_EQ(NULL, strstr(buf, "WARNING"));
	EXPECT_EQ(NULL, strstr(buf, "BUG"));
	EXPECT_EQ(NULL, strstr(buf, "Oops"));
	EXPECT_EQ(NULL, strstr(buf, "suspicious RCU usage"));
	EXPECT_EQ(NULL, strstr(buf, "detected stall"));
	/* No program left referenced by krsi. */
	for (i = 0; i < 2; i++) {
		__u32 id = p[i].id;

		unload(&p[i]);
		EXPECT_TRUE(released(id));
	}
}

TEST_HARNESS_MAIN
