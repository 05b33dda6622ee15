// SPDX-License-Identifier: GPL-2.0
/*
 * krsi - selftests of hook control: run order (first, before=, after=),
 * replace, reset, seal and the capacity of a hook
 *
 * The seal test leaves task_setnice sealed, with its programs, until reboot:
 * no other test touches that hook, and a second run needs a fresh boot.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/krsi.h>

#include "kselftest_harness.h"
#include "common.h"

#define STATUS HOOK_DIR "status"
#define TEST_OBJ test_file("krsi_test.bpf.o")
#define CONTROL_OBJ test_file("krsi_control.bpf.o")

/* The order programs of krsi_test.bpf.o, sharing order_map. */
enum { A, B, C, X, NORDER };
static const char *const order_names[NORDER] = { "order_a", "order_b", "order_c", "order_x" };

struct order_state {
	__u32 n;
	char seq[8];
	int seen_ret[8];
	__u32 deny_at;
};

struct order {
	struct bpf_object *obj;
	int map_fd;
	struct prog p[NORDER];
	char pin[NORDER][64];
};

/* Loads the four order programs, pinned at PIN_DIR<name>. */
static int order_load(struct order *o)
{
	struct bpf_program *it;
	int i;

	o->obj = bpf_object__open_file(TEST_OBJ, NULL);
	if (!o->obj)
		return -1;
	bpf_object__for_each_program(it, o->obj)
		bpf_program__set_autoload(it, !strncmp(bpf_program__name(it), "order_", 6));
	if (bpf_object__load(o->obj))
		return -1;
	o->map_fd = bpf_map__fd(bpf_object__find_map_by_name(o->obj, "order_map"));
	for (i = 0; i < NORDER; i++) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);

		o->p[i].obj = NULL;
		o->p[i].fd = bpf_program__fd(bpf_object__find_program_by_name(o->obj,
									       order_names[i]));
		if (o->p[i].fd < 0 || bpf_obj_get_info_by_fd(o->p[i].fd, &info, &len))
			return -1;
		o->p[i].id = info.id;
		snprintf(o->pin[i], sizeof(o->pin[i]), PIN_DIR "krsi_ctl_%s", order_names[i]);
		unlink(o->pin[i]);
		if (bpf_obj_pin(o->p[i].fd, o->pin[i]))
			return -1;
	}
	return 0;
}

static void order_unload(struct order *o)
{
	int i;

	for (i = 0; i < NORDER; i++)
		unlink(o->pin[i]);
	bpf_object__close(o->obj);
}

/* Opens "krsi-order" with program @deny_at (1-based: a, b, c, x) denying; returns the errno. */
static int order_run(struct order *o, __u32 deny_at, char *seq)
{
	struct order_state s = { .deny_at = deny_at };
	__u32 key = 0;
	int err;

	bpf_map_update_elem(o->map_fd, &key, &s, BPF_ANY);
	err = try_open("/tmp/krsi-order");
	memset(&s, 0, sizeof(s));
	bpf_map_lookup_elem(o->map_fd, &key, &s);
	memcpy(seq, s.seq, s.n < 8 ? s.n : 8);
	seq[s.n < 8 ? s.n : 8] = '\0';
	return err;
}

/* The run order the listing of @hook shows, as the programs' letters ('?' for others). */
static void listed_order(struct order *o, const char *hook, char *out)
{
	static char buf[LISTING_MAX];
	char *line, *save;
	int n = 0, i;

	out[0] = '\0';
	if (listing(hook, buf, sizeof(buf)) < 0)
		return;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		__u32 id = strtoul(line, NULL, 10);
		char c = '?';

		for (i = 0; i < NORDER; i++)
			if (o->p[i].id == id)
				c = "abcx"[i];
		out[n++] = c;
	}
	out[n] = '\0';
}

/* KRSI_IOC_ATTACH of @fd at @flags/@rel_id on file_open; returns the id or -errno. */
static int attach_at(int fd, __u32 flags, __u32 rel_id)
{
	struct krsi_attach att = { .size = sizeof(att), .flags = flags, .prog_fd = fd,
				   .rel_id = rel_id };
	int ret = hook_ioctl("file_open", KRSI_IOC_ATTACH, &att);

	return ret < 0 ? -errno : ret;
}

/* KRSI_IOC_REPLACE of program @id by @fd on @hook; returns the new id or -errno. */
static int replace_ioctl(const char *hook, __u32 id, int fd)
{
	struct krsi_replace rep = { .size = sizeof(rep), .prog_id = id, .prog_fd = fd };
	int ret = hook_ioctl(hook, KRSI_IOC_REPLACE, &rep);

	return ret < 0 ? -errno : ret;
}

static int ioctl_errno(const char *hook, unsigned long cmd, void *arg)
{
	return hook_ioctl(hook, cmd, arg) < 0 ? errno : 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

FIXTURE(control) {
	struct order o;
};

FIXTURE_SETUP(control)
{
	ASSERT_EQ(0, detach_all("file_open"));
	ASSERT_EQ(0, order_load(&self->o));
}

FIXTURE_TEARDOWN(control)
{
	detach_all("file_open");
	order_unload(&self->o);
}

TEST_F(control, positions_by_write)
{
	struct order *o = &self->o;
	char seq[16], listed[16];

	ASSERT_EQ(0, attach_path("file_open", o->pin[B]));
	ASSERT_EQ(0, hook_printf("file_open", "%s after=%u\n", o->pin[C], o->p[B].id));
	ASSERT_EQ(0, hook_printf("file_open", "%s first\n", o->pin[A]));
	listed_order(o, "file_open", listed);
	EXPECT_STREQ("abc", listed);
	EXPECT_EQ(0, order_run(o, 0, seq));
	EXPECT_STREQ("abc", seq);
	/* Each program's errno shows that it ran where listed. */
	EXPECT_EQ(EXDEV, order_run(o, 2, seq));
	EXPECT_STREQ("ab", seq);

	/* before= the first program and after= the last. */
	ASSERT_EQ(0, detach("file_open", o->p[A].id));
	ASSERT_EQ(0, hook_printf("file_open", "%s before=%u", o->pin[A], o->p[B].id));
	ASSERT_EQ(0, hook_printf("file_open", "%s after=%u\n", o->pin[X], o->p[C].id));
	listed_order(o, "file_open", listed);
	EXPECT_STREQ("abcx", listed);
	EXPECT_EQ(0, order_run(o, 0, seq));
	EXPECT_STREQ("abcx", seq);

	/* In the middle: b moves between c and x. */
	ASSERT_EQ(0, detach("file_open", o->p[B].id));
	ASSERT_EQ(0, hook_printf("file_open", "%s before=%u\n", o->pin[B], o->p[X].id));
	listed_order(o, "file_open", listed);
	EXPECT_STREQ("acbx", listed);
	EXPECT_EQ(0, order_run(o, 0, seq));
	EXPECT_STREQ("acbx", seq);
	EXPECT_EQ(EXDEV, order_run(o, 2, seq));
	EXPECT_STREQ("acb", seq);
}

TEST_F(control, positions_by_ioctl)
{
	struct order *o = &self->o;
	char seq[16], listed[16];

	ASSERT_EQ((int)o->p[C].id, attach_at(o->p[C].fd, 0, 0));
	ASSERT_EQ((int)o->p[A].id, attach_at(o->p[A].fd, KRSI_ATTACH_BEFORE, o->p[C].id));
	ASSERT_EQ((int)o->p[B].id, attach_at(o->p[B].fd, KRSI_ATTACH_AFTER, o->p[A].id));
	ASSERT_EQ((int)o->p[X].id, attach_at(o->p[X].fd, KRSI_ATTACH_FIRST, 0));
	listed_order(o, "file_open", listed);
	EXPECT_STREQ("xabc", listed);
	EXPECT_EQ(0, order_run(o, 0, seq));
	EXPECT_STREQ("xabc", seq);
	EXPECT_EQ(EXDEV, order_run(o, 3, seq));
	EXPECT_STREQ("xabc", seq);
	EXPECT_EQ(EXDEV, order_run(o, 4, seq));
	EXPECT_STREQ("x", seq);
}

TEST_F(control, replace_in_place)
{
	struct order *o = &self->o;
	char seq[16], listed[16], buf[1024];
	unsigned int runs;
	int i;

	for (i = A; i <= C; i++)
		ASSERT_EQ(0, attach_path("file_open", o->pin[i]));
	EXPECT_EQ(0, order_run(o, 0, seq));
	EXPECT_STREQ("abc", seq);

	/* b's place goes to x, with counters from 0. */
	ASSERT_EQ(0, hook_printf("file_open", "replace %u %s\n", o->p[B].id, o->pin[X]));
	ASSERT_LT(0, listing("file_open", buf, sizeof(buf)));
	ASSERT_NE(NULL, strstr(buf, "name=order_x runs="));
	runs = strtoul(strstr(buf, "name=order_x runs=") + strlen("name=order_x runs="), NULL, 10);
	/* At most the run for the listing's own open. */
	EXPECT_GE(1, runs);
	listed_order(o, "file_open", listed);
	EXPECT_STREQ("axc", listed);
	EXPECT_EQ(0, order_run(o, 0, seq));
	EXPECT_STREQ("axc", seq);
	EXPECT_EQ(EXDEV, order_run(o, 4, seq));
	EXPECT_STREQ("ax", seq);

	/* And back, by ioctl, which returns the new id. */
	EXPECT_EQ((int)o->p[B].id, replace_ioctl("file_open", o->p[X].id, o->p[B].fd));
	listed_order(o, "file_open", listed);
	EXPECT_STREQ("abc", listed);
	EXPECT_EQ(0, order_run(o, 0, seq));
	EXPECT_STREQ("abc", seq);
	/* Replacing the first and the last. */
	EXPECT_EQ((int)o->p[X].id, replace_ioctl("file_open", o->p[A].id, o->p[X].fd));
	EXPECT_EQ((int)o->p[A].id, replace_ioctl("file_open", o->p[C].id, o->p[A].fd));
	listed_order(o, "file_open", listed);
	EXPECT_STREQ("xba", listed);
	EXPECT_EQ(0, order_run(o, 0, seq));
	EXPECT_STREQ("xba", seq);
}

TEST_F(control, reset_detaches_everything)
{
	struct order *o = &self->o;
	char seq[16], buf[4096];
	int i;

	for (i = A; i <= C; i++)
		ASSERT_EQ(0, attach_path("file_open", o->pin[i]));
	ASSERT_EQ(0, hook_write("file_open", "reset\n"));
	EXPECT_EQ(0, listing("file_open", buf, sizeof(buf)));
	EXPECT_EQ(0, order_run(o, 2, seq));
	EXPECT_STREQ("", seq);
	ASSERT_LE(0, read_file(STATUS, buf, sizeof(buf)));
	EXPECT_EQ(NULL, strstr(buf, "file_open "));
	/* The ioctl returns how many it detached; on an empty hook, none. */
	for (i = A; i <= B; i++)
		ASSERT_EQ(0, attach_path("file_open", o->pin[i]));
	EXPECT_EQ(2, hook_ioctl("file_open", KRSI_IOC_RESET, NULL));
	EXPECT_EQ(0, hook_ioctl("file_open", KRSI_IOC_RESET, NULL));
	EXPECT_EQ(0, hook_write("file_open", "reset"));
	EXPECT_EQ(0, listing("file_open", buf, sizeof(buf)));
}

#define RESET_N 64

TEST_F_TIMEOUT(control, reset_64_against_64_detaches, 300)
{
	static struct prog p[RESET_N];
	double t0, t_reset, t_detach;
	char buf[256];
	int i;

	ASSERT_EQ(0, load_prog(TEST_OBJ, "allow_open", &p[0]));
	for (i = 1; i < RESET_N; i++)
		ASSERT_EQ(0, clone_prog(&p[0], "allow_open", &p[i]));
	for (i = 0; i < RESET_N; i++)
		ASSERT_EQ(p[i].id, attach_fd("file_open", p[i].fd));
	t0 = now();
	ASSERT_EQ(RESET_N, hook_ioctl("file_open", KRSI_IOC_RESET, NULL));
	t_reset = now() - t0;
	EXPECT_EQ(0, listing("file_open", buf, sizeof(buf)));
	for (i = 0; i < RESET_N; i++)
		ASSERT_EQ(p[i].id, attach_fd("file_open", p[i].fd));
	t0 = now();
	for (i = 0; i < RESET_N; i++)
		ASSERT_EQ(0, detach_ioctl("file_open", p[i].id));
	t_detach = now() - t0;
	EXPECT_EQ(0, listing("file_open", buf, sizeof(buf)));
	TH_LOG("reset of %d programs: %.3f ms (one grace period); %d detaches: %.3f ms (%d grace periods)",
	       RESET_N, t_reset * 1e3, RESET_N, t_detach * 1e3, RESET_N);
	for (i = RESET_N - 1; i >= 0; i--) {
		__u32 id = p[i].id;

		unload(&p[i]);
		EXPECT_TRUE(released(id));
	}
}

struct load_stats {
	volatile int stop;
	volatile long opens[64], bad[64];
};

static void replace_opener(struct load_stats *st, int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
	while (!st->stop) {
		int err = try_open("/tmp/krsi-replace");

		if (err != EPERM && err != EACCES)
			st->bad[cpu]++;
		st->opens[cpu]++;
	}
	_exit(0);
}

TEST_F_TIMEOUT(control, replace_under_load, 600)
{
	int ncpu = sysconf(_SC_NPROCESSORS_ONLN), i, status;
	struct prog p[2];
	struct load_stats *st;
	long opens = 0, bad = 0;
	/*
	 * 1000 replaces under load; 200 on the debug kernel, where each takes
	 * about 0.2 s beside the openers (KRSI_REPLACE_ROUNDS overrides).
	 */
	int done, n = rounds("KRSI_REPLACE_ROUNDS", 1000, 200);
	pid_t pids[64];
	__u32 id;

	ASSERT_LT(0, ncpu);
	if (ncpu > 64)
		ncpu = 64;
	st = mmap(NULL, sizeof(*st), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, st);
	ASSERT_EQ(0, load_prog(CONTROL_OBJ, "replace_eperm", &p[0]));
	ASSERT_EQ(0, load_prog(CONTROL_OBJ, "replace_eacces", &p[1]));
	ASSERT_EQ(0, try_open("/tmp/krsi-replace"));
	id = attach_fd("file_open", p[0].fd);
	ASSERT_EQ(p[0].id, id);
	ASSERT_EQ(EPERM, try_open("/tmp/krsi-replace"));
	for (i = 0; i < ncpu; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (pids[i] == 0)
			replace_opener(st, i);
	}
	for (done = 0; done < n; done++) {
		struct prog *next = &p[(done + 1) % 2];
		int got = replace_ioctl("file_open", id, next->fd);

		if (got != (int)next->id) {
			TH_LOG("round %d: replace returned %d", done, got);
			break;
		}
		id = got;
	}
	st->stop = 1;
	for (i = 0; i < ncpu; i++) {
		ASSERT_EQ(pids[i], waitpid(pids[i], &status, 0));
		EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		opens += st->opens[i];
		bad += st->bad[i];
	}
	EXPECT_EQ(n, done);
	TH_LOG("%d replaces while %d openers opened %ld times: %ld opens neither EPERM nor EACCES",
	       n, ncpu, opens, bad);
	EXPECT_LT(0, opens);
	EXPECT_EQ(0, bad);
	EXPECT_EQ(0, detach_ioctl("file_open", id));
	EXPECT_EQ(0, try_open("/tmp/krsi-replace"));
	for (i = 0; i < 2; i++) {
		id = p[i].id;
		unload(&p[i]);
		EXPECT_TRUE(released(id));
	}
}

TEST_F_TIMEOUT(control, capacity_is_256, 600)
{
	static struct prog p[KRSI_MAX_PROGS + 1];
	static char buf[LISTING_MAX];
	struct krsi_attach att = { .size = sizeof(att) };
	int i, fd = open(HOOK_DIR "file_open", O_RDWR);

	ASSERT_EQ(256, KRSI_MAX_PROGS);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, load_prog(TEST_OBJ, "allow_open", &p[0]));
	for (i = 1; i <= KRSI_MAX_PROGS; i++)
		ASSERT_EQ(0, clone_prog(&p[0], "allow_open", &p[i]));
	for (i = 0; i < KRSI_MAX_PROGS; i++) {
		att.prog_fd = p[i].fd;
		ASSERT_EQ(p[i].id, ioctl(fd, KRSI_IOC_ATTACH, &att));
	}
	att.prog_fd = p[KRSI_MAX_PROGS].fd;
	EXPECT_EQ(-1, ioctl(fd, KRSI_IOC_ATTACH, &att));
	EXPECT_EQ(E2BIG, errno);
	EXPECT_EQ(E2BIG, hook_printf("file_open", "%s first", self->o.pin[A]));
	EXPECT_EQ(-ENOENT, replace_ioctl("file_open", 999999, p[KRSI_MAX_PROGS].fd));
	ASSERT_LT(0, read_file(HOOK_DIR "file_open", buf, sizeof(buf)));
	EXPECT_EQ(KRSI_MAX_PROGS, count_lines(buf));
	/* All 256 run: each counted one run for this open. */
	EXPECT_EQ(0, try_open("/tmp/krsi-other"));
	ASSERT_LT(0, read_file(HOOK_DIR "file_open", buf, sizeof(buf)));
	EXPECT_EQ(NULL, strstr(buf, "runs=0 "));
	/* Replace still works on a full hook. */
	EXPECT_EQ((int)p[KRSI_MAX_PROGS].id,
		  replace_ioctl("file_open", p[0].id, p[KRSI_MAX_PROGS].fd));
	EXPECT_EQ((int)p[0].id, replace_ioctl("file_open", p[KRSI_MAX_PROGS].id, p[0].fd));
	close(fd);
	EXPECT_EQ(KRSI_MAX_PROGS, detach_all("file_open"));
	for (i = KRSI_MAX_PROGS; i >= 0; i--) {
		__u32 id = p[i].id;

		unload(&p[i]);
		EXPECT_TRUE(released(id));
	}
}

/* Drops CAP_MAC_ADMIN from the effective set and writes @arg[1] to hook @arg[0]. */
static int write_without_cap(void *arg)
{
	const char *const *hook_cmd = arg;

	if (drop_cap_mac_admin())
		return 255;
	return hook_write(hook_cmd[0], hook_cmd[1]);
}

TEST_F(control, bad_inputs_change_nothing)
{
	struct order *o = &self->o;
	char before[4096], after[4096], seq[16];
	struct prog kill, not_lsm;
	struct krsi_attach att;
	struct krsi_replace rep;
	int checked = 0;

	ASSERT_EQ(0, attach_path("file_open", o->pin[A]));
	ASSERT_EQ(0, attach_path("file_open", o->pin[B]));
	ASSERT_EQ(0, load_prog(TEST_OBJ, "deny_sigusr2", &kill));
	unlink(PIN_DIR "krsi_ctl_kill");
	ASSERT_EQ(0, bpf_obj_pin(kill.fd, PIN_DIR "krsi_ctl_kill"));
	ASSERT_EQ(0, detach_all("task_kill"));
	ASSERT_EQ(0, attach_path("task_kill", PIN_DIR "krsi_ctl_kill"));
	ASSERT_EQ(0, load_prog(TEST_OBJ, "not_lsm", &not_lsm));
	unlink(PIN_DIR "krsi_ctl_not_lsm");
	ASSERT_EQ(0, bpf_obj_pin(not_lsm.fd, PIN_DIR "krsi_ctl_not_lsm"));
	ASSERT_LT(0, attachments("file_open", before, sizeof(before)));

#define CHECK(expected, call) CHECK_UNCHANGED("file_open", expected, call)

	/* Positions: unknown id, an id on another hook, malformed, not an LSM program. */
	CHECK(ENOENT, hook_printf("file_open", "%s before=999999\n", o->pin[C]));
	CHECK(ENOENT, hook_printf("file_open", "%s after=%u\n", o->pin[C], kill.id));
	CHECK(EINVAL, hook_printf("file_open", "%s before=\n", o->pin[C]));
	CHECK(EINVAL, hook_printf("file_open", "%s after=x1\n", o->pin[C]));
	CHECK(EINVAL, hook_printf("file_open", "%s first first\n", o->pin[C]));
	CHECK(EINVAL, hook_printf("file_open", "%s first after=%u\n", o->pin[C], o->p[A].id));
	CHECK(EINVAL, hook_printf("file_open", "%s last\n", o->pin[C]));
	CHECK(EINVAL, hook_printf("file_open", "%s  first\n", o->pin[C]));
	CHECK(EINVAL, hook_printf("file_open", "%s first \n", o->pin[C]));
	CHECK(EINVAL, hook_printf("file_open", "first %s\n", o->pin[C]));
	CHECK(EINVAL, hook_printf("file_open", PIN_DIR "krsi_ctl_not_lsm first\n"));
	CHECK(EINVAL, hook_printf("file_open", PIN_DIR "krsi_ctl_kill before=%u\n", o->p[A].id));
	CHECK(EEXIST, hook_printf("file_open", "%s first\n", o->pin[B]));
	/* Replace. */
	CHECK(ENOENT, hook_printf("file_open", "replace 999999 %s\n", o->pin[C]));
	CHECK(ENOENT, hook_printf("file_open", "replace %u %s\n", kill.id, o->pin[C]));
	CHECK(EINVAL, hook_printf("file_open", "replace %u " PIN_DIR "krsi_ctl_not_lsm\n",
				  o->p[A].id));
	CHECK(EINVAL, hook_printf("file_open", "replace %u " PIN_DIR "krsi_ctl_kill\n",
				  o->p[A].id));
	CHECK(EEXIST, hook_printf("file_open", "replace %u %s\n", o->p[A].id, o->pin[B]));
	CHECK(EEXIST, hook_printf("file_open", "replace %u %s\n", o->p[A].id, o->pin[A]));
	CHECK(ENOENT, hook_printf("file_open", "replace %u " PIN_DIR "no_such_pin\n", o->p[A].id));
	CHECK(EINVAL, hook_printf("file_open", "replace %u\n", o->p[A].id));
	CHECK(EINVAL, hook_printf("file_open", "replace %s\n", o->pin[C]));
	CHECK(EINVAL, hook_printf("file_open", "replace %u %s first\n", o->p[A].id, o->pin[C]));
	CHECK(EINVAL, hook_printf("file_open", "replace %u relative\n", o->p[A].id));
	/* Reset, seal and lock: no arguments; lock belongs to the control file. */
	CHECK(EINVAL, hook_write("file_open", "reset 1\n"));
	CHECK(EINVAL, hook_write("file_open", "reset \n"));
	CHECK(EINVAL, hook_write("file_open", " reset\n"));
	CHECK(EINVAL, hook_write("file_open", "seal now\n"));
	CHECK(EINVAL, hook_write("file_open", "lock\n"));
	CHECK(EINVAL, write_at(HOOK_DIR "control", "seal\n", 5, 0));
	CHECK(EINVAL, write_at(HOOK_DIR "control", "reset\n", 6, 0));
	CHECK(EINVAL, write_at(HOOK_DIR "control", "lock please\n", 12, 0));
	CHECK(EINVAL, write_at(HOOK_DIR "control", "/sys/fs/bpf/x\n", 14, 0));
	/* Privilege: EPERM, not the EROFS of a sealed hook. */
	CHECK(EPERM, in_child(write_without_cap, (const char *[]){ "file_open", "reset\n" }));
	CHECK(EPERM, in_child(write_without_cap, (const char *[]){ "file_open", "seal\n" }));
	CHECK(EPERM, in_child(write_without_cap,
			      (const char *[]){ "file_open", "replace 1 /sys/fs/bpf/x\n" }));
	CHECK(EPERM, in_child(write_without_cap, (const char *[]){ "control", "lock\n" }));
	/* ioctl. */
	att = (struct krsi_attach){ .size = sizeof(att), .prog_fd = o->p[C].fd,
				    .flags = KRSI_ATTACH_FIRST | KRSI_ATTACH_AFTER,
				    .rel_id = o->p[A].id };
	CHECK(EINVAL, ioctl_errno("file_open", KRSI_IOC_ATTACH, &att));
	att = (struct krsi_attach){ .size = sizeof(att), .prog_fd = o->p[C].fd,
				    .flags = KRSI_ATTACH_FIRST, .rel_id = o->p[A].id };
	CHECK(EINVAL, ioctl_errno("file_open", KRSI_IOC_ATTACH, &att));
	att = (struct krsi_attach){ .size = sizeof(att), .prog_fd = o->p[C].fd,
				    .flags = KRSI_ATTACH_BEFORE, .rel_id = 999999 };
	CHECK(ENOENT, ioctl_errno("file_open", KRSI_IOC_ATTACH, &att));
	att = (struct krsi_attach){ .size = sizeof(att), .prog_fd = o->p[C].fd,
				    .flags = KRSI_ATTACH_AFTER, .rel_id = kill.id };
	CHECK(ENOENT, ioctl_errno("file_open", KRSI_IOC_ATTACH, &att));
	rep = (struct krsi_replace){ .size = sizeof(rep), .flags = 1, .prog_id = o->p[A].id,
				     .prog_fd = o->p[C].fd };
	CHECK(EINVAL, ioctl_errno("file_open", KRSI_IOC_REPLACE, &rep));
	rep = (struct krsi_replace){ .size = sizeof(rep) + 1, .prog_id = o->p[A].id,
				     .prog_fd = o->p[C].fd };
	CHECK(EINVAL, ioctl_errno("file_open", KRSI_IOC_REPLACE, &rep));
	rep = (struct krsi_replace){ .size = sizeof(rep), .prog_id = o->p[A].id, .prog_fd = 1000 };
	CHECK(EBADF, ioctl_errno("file_open", KRSI_IOC_REPLACE, &rep));
	rep = (struct krsi_replace){ .size = sizeof(rep), .prog_id = o->p[A].id,
				     .prog_fd = kill.fd };
	CHECK(EINVAL, ioctl_errno("file_open", KRSI_IOC_REPLACE, &rep));
	rep = (struct krsi_replace){ .size = sizeof(rep), .prog_id = kill.id,
				     .prog_fd = o->p[C].fd };
	CHECK(ENOENT, ioctl_errno("file_open", KRSI_IOC_REPLACE, &rep));
	CHECK(ENOTTY, ioctl_errno("file_open", KRSI_IOC_LOCK, NULL));
	CHECK(ENOTTY, ioctl_errno("control", KRSI_IOC_RESET, NULL));
	CHECK(ENOTTY, ioctl_errno("control", KRSI_IOC_SEAL, NULL));
#undef CHECK
	TH_LOG("%d refused changes, each with the listing unchanged", checked);
	/* The programs still run as before, and task_kill kept its program. */
	EXPECT_EQ(EXDEV, order_run(o, 2, seq));
	EXPECT_STREQ("ab", seq);
	ASSERT_LT(0, attachments("task_kill", after, sizeof(after)));
	EXPECT_EQ(kill.id, strtoul(after, NULL, 10));
	EXPECT_EQ(0, detach("task_kill", kill.id));
	unlink(PIN_DIR "krsi_ctl_kill");
	unlink(PIN_DIR "krsi_ctl_not_lsm");
	unload(&kill);
	unload(&not_lsm);
}

/* setpriority(2) of this process to @nice; returns 0 or errno. */
static int set_nice(int nice)
{
	return setpriority(PRIO_PROCESS, 0, nice) ? errno : 0;
}

/* task_setnice stays sealed until reboot. */
TEST(seal_refuses_all_but_append)
{
	struct prog n11, n12, n13;
	char before[4096], after[4096], buf[8192], pin12[64] = PIN_DIR "krsi_ctl_nice_12";
	struct krsi_attach att;
	struct krsi_replace rep;
	int checked = 0;

	ASSERT_LE(0, listing("task_setnice", buf, sizeof(buf)));
	if (strstr(buf, "sealed"))
		TH_LOG("task_setnice is sealed already: the seal test needs a fresh boot");
	ASSERT_EQ(NULL, strstr(buf, "sealed"));
	ASSERT_EQ(0, detach_all("task_setnice"));
	ASSERT_EQ(0, load_prog(CONTROL_OBJ, "nice_11", &n11));
	ASSERT_EQ(0, load_prog(CONTROL_OBJ, "nice_12", &n12));
	ASSERT_EQ(0, load_prog(CONTROL_OBJ, "nice_13", &n13));
	ASSERT_EQ(0, pin_attach("task_setnice", &n11, "krsi_ctl_nice_11"));
	unlink(pin12);
	ASSERT_EQ(0, bpf_obj_pin(n12.fd, pin12));
	EXPECT_EQ(EPERM, set_nice(11));
	EXPECT_EQ(0, set_nice(12));

	ASSERT_EQ(0, hook_write("task_setnice", "seal\n"));
	ASSERT_LT(0, listing("task_setnice", buf, sizeof(buf)));
	EXPECT_EQ(0, strncmp(buf, "sealed\n", 7));
	ASSERT_LT(0, read_file(STATUS, buf, sizeof(buf)));
	EXPECT_NE(NULL, strstr(buf, "task_setnice progs=1 key=on sealed\n"));
	/* Sealing again is allowed and changes nothing. */
	EXPECT_EQ(0, hook_ioctl("task_setnice", KRSI_IOC_SEAL, NULL));
	ASSERT_LT(0, attachments("task_setnice", before, sizeof(before)));

#define CHECK(expected, call) do {						\
		CHECK_UNCHANGED("task_setnice", expected, call);		\
		EXPECT_EQ(EPERM, set_nice(11));					\
	} while (0)

	/* Every change that removes, replaces, reorders: EROFS, by write and ioctl. */
	CHECK(EROFS, hook_printf("task_setnice", "detach %u\n", n11.id));
	CHECK(EROFS, hook_printf("task_setnice", "detach 999999\n"));
	CHECK(EROFS, hook_printf("task_setnice", "replace %u %s\n", n11.id, pin12));
	CHECK(EROFS, hook_printf("task_setnice", "replace %u " PIN_DIR "no_such_pin\n", n11.id));
	CHECK(EROFS, hook_write("task_setnice", "reset\n"));
	CHECK(EROFS, hook_printf("task_setnice", "%s first\n", pin12));
	CHECK(EROFS, hook_printf("task_setnice", "%s before=%u\n", pin12, n11.id));
	CHECK(EROFS, hook_printf("task_setnice", "%s after=%u\n", pin12, n11.id));
	CHECK(EROFS, detach_ioctl("task_setnice", n11.id));
	rep = (struct krsi_replace){ .size = sizeof(rep), .prog_id = n11.id, .prog_fd = n12.fd };
	CHECK(EROFS, ioctl_errno("task_setnice", KRSI_IOC_REPLACE, &rep));
	CHECK(EROFS, ioctl_errno("task_setnice", KRSI_IOC_RESET, NULL));
	att = (struct krsi_attach){ .size = sizeof(att), .prog_fd = n12.fd,
				    .flags = KRSI_ATTACH_FIRST };
	CHECK(EROFS, ioctl_errno("task_setnice", KRSI_IOC_ATTACH, &att));
	att = (struct krsi_attach){ .size = sizeof(att), .prog_fd = n12.fd,
				    .flags = KRSI_ATTACH_BEFORE, .rel_id = n11.id };
	CHECK(EROFS, ioctl_errno("task_setnice", KRSI_IOC_ATTACH, &att));
	/* Malformed input is still EINVAL, missing privilege still EPERM. */
	CHECK(EINVAL, hook_write("task_setnice", "detach x\n"));
	CHECK(EPERM, in_child(write_without_cap, (const char *[]){ "task_setnice", "reset\n" }));
	CHECK(EPERM, in_child(write_without_cap,
			      (const char *[]){ "task_setnice", "detach 999999\n" }));
#undef CHECK
	TH_LOG("%d refused changes on the sealed hook", checked);

	/* Appending is allowed: by path and by descriptor; each adds its denial. */
	ASSERT_EQ(0, attach_path("task_setnice", pin12));
	EXPECT_EQ(n13.id, attach_fd("task_setnice", n13.fd));
	EXPECT_EQ(EPERM, set_nice(11));
	EXPECT_EQ(EACCES, set_nice(12));
	EXPECT_EQ(EXDEV, set_nice(13));
	snprintf(before, sizeof(before),
		 "sealed\n%u nice_11 enabled\n%u nice_12 enabled\n%u nice_13 enabled\n",
		 n11.id, n12.id, n13.id);
	ASSERT_LT(0, attachments("task_setnice", after, sizeof(after)));
	EXPECT_STREQ(before, after);
	/* The programs outlive their loader: only a reboot removes them. */
	unlink(PIN_DIR "krsi_ctl_nice_11");
	unlink(pin12);
	unload(&n11);
	unload(&n12);
	unload(&n13);
	EXPECT_EQ(EPERM, set_nice(11));
	EXPECT_EQ(EROFS, hook_write("task_setnice", "reset\n"));
	set_nice(0);
}

TEST_HARNESS_MAIN
