// SPDX-License-Identifier: GPL-2.0
/*
 * krsi - hook overhead benchmark: krsi against mainline BPF LSM links
 *
 * Workloads: open+close of a tmpfs file (file_open), getppid (no hook: the
 * control), execve of a static binary (bench_exec exec'ing itself, a
 * chain) and of a non-binary, which fails with ENOEXEC (both
 * bprm_check_security), UDP socket+bind+connect on loopback
 * (socket_connect), kill(self, 0) (task_kill). Sources of randomness are
 * taken out: no address space randomisation, a fixed port.
 *
 * Run in a guest booted with -icount shift=0,sleep=off: guest nanoseconds
 * then count emulated instructions. A measurement times every operation on
 * its own (one clock read between two operations) and takes the median,
 * less the clock read's own cost: the instruction count of a typical
 * operation. Work an operation defers (RCU callbacks, a kworker, the timer
 * tick) lands in a few operations' windows and stays out of the median, so
 * a workload that does the same work every time gives the same figure to
 * the instruction from run to run and from boot to boot; a mean would carry
 * however many grace periods fell into the run.
 *
 * For each workload, in one boot, after a discarded warm-up pass (see
 * warm_up()), it measures nothing attached, then for each configuration X
 * of 1 program through krsi, 1 through a BPF link, 8 through krsi and 8
 * through links, A/B/A, over the workload's rounds:
 *
 *   A: X attached to an idle hook (sb_pivotroot), the control
 *   B: X attached to the workload's hook
 *   A: X attached to the idle hook again
 *
 * The control holds the same objects as B (attachments, arrays, per-CPU
 * counters, trampolines), so the heap is in the same state and the delta is
 * the hook's own cost: an execve allocates per-CPU counters for its mm, and
 * how long the per-CPU allocator searches for them shifts by tens of
 * instructions with whatever else is allocated, which an empty control
 * would count against the programs. It prints one line per workload:
 *
 *   BENCH <workload> <hook> empty=<ns> krsi1=<ns> link1=<ns> krsi8=<ns> link8=<ns>
 *         c_krsi1=<ns> ... d_krsi1=<ns> ... spread=<ns> rounds=<n> noise=<ns>
 *
 * where empty is nothing attached, X and c_X the means over the rounds of
 * the B run and of the mean of the two control runs, d_X = X - c_X, and
 * spread the largest difference between the two control runs of one round
 * (the measurement's own noise), noise = spread / sqrt(rounds) that of a
 * delta averaged over the rounds. audit1 is krsi1 with the program
 * audit-only (it allows, so it makes no record): the same as krsi1 when a
 * program allows. off1 is one program attached and disabled (the hook runs
 * nothing: 0), k1off7 eight attached with seven disabled (the same as
 * krsi1). in1 is one program scoped to the benchmark's cgroup (it runs),
 * out1 one scoped to a sibling cgroup (it is not called), lcg1 mainline's
 * way to the same: one BPF_LSM_CGROUP program attached to the benchmark's
 * cgroup. Then one line DENY (see run_deny()). With --empty-only it measures just the
 * empty configuration (for boots with other lsm= lists). --smoke runs one
 * workload for a few iterations and prints KTAP, for make check.
 * --profile WORKLOAD CONFIG idle|hook N attaches one configuration and runs
 * N operations between two calls of krsi_snap(), for scripts/profile.
 * --control measures the control plane (see run_control()).
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <math.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/audit.h>
#include <linux/krsi.h>
#include <linux/netlink.h>

#include "../selftests/audit_status.h"

#define OBJ_NAME "bench.bpf.o"
#define EXEC_NAME "bench_exec"
#define NPROGS 8

static char obj_path[256], exec_path[256];

static void die(const char *what)
{
	fprintf(stderr, "krsi_bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void op_open_close(void)
{
	int fd = open("/tmp/krsi-bench", O_RDONLY);

	if (fd < 0)
		die("open");
	close(fd);
}

static void op_getppid(void)
{
	syscall(SYS_getppid);
}

/*
 * execve() of an executable file that no binary format accepts: the exec
 * path runs bprm_creds_for_exec and bprm_check_security (at the top of
 * search_binary_handler()) and fails with ENOEXEC, with no fork and no new
 * image, so the hooks' cost is not lost in the spread of a full exec.
 */
static void op_exec_enoexec(void)
{
	char *argv[] = { "krsi-bench-noexec", NULL }, *envp[] = { NULL };

	if (execve("/tmp/krsi-bench-noexec", argv, envp) != -1 || errno != ENOEXEC)
		die("execve of a non-binary");
}

/*
 * The socket binds a fixed local port before it connects: an unbound UDP
 * socket would autobind to a random port, and the port table lookups that
 * follow cost a different number of instructions for each port.
 */
static void op_connect(void)
{
	struct sockaddr_in local = {
		.sin_family = AF_INET,
		.sin_port = htons(40000),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	}, peer = {
		.sin_family = AF_INET,
		.sin_port = htons(9),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&local, sizeof(local)) ||
	    connect(fd, (struct sockaddr *)&peer, sizeof(peer)))
		die("socket/bind/connect");
	close(fd);
}

static void op_kill(void)
{
	if (kill(getpid(), 0))
		die("kill");
}

/* kill(self, 0) with bench_deny_kill attached: denied. */
static void op_kill_denied(void)
{
	if (kill(getpid(), 0) != -1 || errno != EPERM)
		die("kill(self, 0) not denied");
}

struct workload {
	const char *name;
	const char *hook;	/* where the programs attach */
	const char *prog;	/* the program of bench.bpf.c for that hook */
	void (*op)(void);	/* one operation; NULL: the exec chain */
	long iters;		/* operations per measurement */
	int rounds;		/* A/B/A rounds per configuration */
	int warm;		/* discarded measurements first (see warm_up()) */
};

static const struct workload workloads[] = {
	{ "open_close", "file_open", "bench_file_open", op_open_close, 20000, 1, 1 },
	{ "getppid", "file_open", "bench_file_open", op_getppid, 20000, 1, 1 },
	{ "exec", "bprm_check_security", "bench_bprm_check", NULL, 2000, 5, 2 },
	{ "exec_enoexec", "bprm_check_security", "bench_bprm_check", op_exec_enoexec, 10000, 1, 1 },
	{ "socket_connect", "socket_connect", "bench_connect", op_connect, 10000, 1, 1 },
	{ "kill", "task_kill", "bench_task_kill", op_kill, 20000, 1, 1 },
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* n samples of op, each the time from one clock read to the next. */
static void sample_ops(void (*op)(void), long n, double *s)
{
	uint64_t t0 = now_ns(), t1;
	long i;

	for (i = 0; i < n; i++) {
		op();
		t1 = now_ns();
		s[i] = t1 - t0;
		t0 = t1;
	}
}

/*
 * n samples of the exec workload: bench_exec runs a chain of n + 1 images of
 * itself, each writing the time it started to a pipe, which is read once the
 * chain has ended so that no sample holds a wakeup. A sample is one
 * execve(), the new image's start-up and its clock read and write.
 */
static void sample_execs(long n, double *s)
{
	char left[24], fd[16];
	char *argv[] = { exec_path, left, fd, NULL }, *envp[] = { NULL };
	size_t want = (n + 1) * sizeof(uint64_t), got = 0;
	uint64_t *t = malloc(want);
	int p[2], status;
	pid_t pid;
	long i;

	if (!t || pipe(p) || fcntl(p[1], F_SETPIPE_SZ, (int)want) < (int)want)
		die("pipe for the exec chain");
	snprintf(left, sizeof(left), "%ld", n);
	snprintf(fd, sizeof(fd), "%d", p[1]);
	pid = vfork();
	if (pid == 0) {
		execve(exec_path, argv, envp);
		_exit(127);
	}
	close(p[1]);
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		die("exec chain");
	if (status) {
		fprintf(stderr, "krsi_bench: the exec chain of %s failed (wait status %#x)\n",
			exec_path, status);
		exit(1);
	}
	while (got < want) {
		ssize_t r = read(p[0], (char *)t + got, want - got);

		if (r <= 0)
			die("read the exec chain's times");
		got += r;
	}
	close(p[0]);
	for (i = 0; i < n; i++)
		s[i] = t[i + 1] - t[i];
	free(t);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *s, long n)
{
	qsort(s, n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static void op_none(void)
{
}

/* What one clock read between two operations costs, to take off each figure. */
static double clock_cost;

/* The clock's own cost: the median of back-to-back reads. */
static double measure_clock(void)
{
	long n = 10000;
	double *s = malloc(n * sizeof(*s)), m;

	if (!s)
		die("samples");
	sample_ops(op_none, n, s);
	m = median(s, n);
	free(s);
	return m;
}

#define BALLAST 8192

/*
 * Instructions (nanoseconds, under icount) of a typical operation of w: the
 * median of n per-operation samples, less the clock's own cost.
 *
 * Every execve() allocates per-CPU counters for its mm, and the per-CPU
 * allocator's first-fit search costs more the more holes earlier frees left
 * (detached programs' counters, old trampoline images), by up to a hundred
 * instructions. A ballast of BALLAST small per-CPU allocations (the values
 * of a per-CPU array map) fills those holes for the duration of each run,
 * so that every run allocates past them.
 */
static double measure(const struct workload *w, long n)
{
	double *s = malloc(n * sizeof(*s)), m;
	int ballast;
	long i;

	if (!s)
		die("samples");
	ballast = bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, NULL, 4, 8, BALLAST, NULL);
	if (ballast < 0)
		die("per-CPU ballast map");
	if (w->op) {
		for (i = 0; i < n / 10 + 1; i++)
			w->op();
		sample_ops(w->op, n, s);
	} else {
		sample_execs(n, s);
	}
	close(ballast);
	m = median(s, n) - clock_cost;
	free(s);
	return m;
}

/* NPROGS instances of one program, each loaded from its own object. */
/*
 * NPROGS copies of a hook's program, each in an object of its own, with the
 * BPF_LSM_CGROUP twin of the program (<name>_cg) where bench.bpf.c has one.
 */
struct progs {
	const char *hook;
	struct bpf_object *objs[NPROGS];
	struct bpf_program *progs[NPROGS];
	struct bpf_program *cgprogs[NPROGS];
	struct bpf_link *links[NPROGS];
	int cglinks[NPROGS];
	int fds[NPROGS];
	__u32 ids[NPROGS];
};

/*
 * The benchmark runs in cgroup CG_IN (see enter_cgroup()); scoped
 * configurations are scoped to it (in1, lcg1) or to its sibling CG_OUT (out1).
 */
#define CG_IN "/sys/fs/cgroup/krsi-bench-in"
#define CG_OUT "/sys/fs/cgroup/krsi-bench-out"
static int cg_in_fd = -1, cg_out_fd = -1;

/* The control's hook: nothing the workloads do reaches it. */
#define IDLE_HOOK "sb_pivotroot"
#define IDLE_PROG "bench_idle"

/*
 * Opens an object of its own from bench.bpf.o and loads its program name
 * (and, with twin, keeps the program of that name too, loaded: the
 * BPF_LSM_CGROUP twin); the others are not loaded.
 */
static struct bpf_object *load_one(const char *name, const char *twin, struct bpf_program **prog,
				   struct bpf_program **twin_prog, int *fd, __u32 *id)
{
	struct bpf_object *obj = bpf_object__open_file(obj_path, NULL);
	struct bpf_program *it, *want = NULL;
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (!obj)
		die("open bench object");
	if (twin_prog)
		*twin_prog = NULL;
	bpf_object__for_each_program(it, obj) {
		if (!strcmp(bpf_program__name(it), name))
			want = it;
		else if (twin && !strcmp(bpf_program__name(it), twin))
			*twin_prog = it;
		else
			bpf_program__set_autoload(it, false);
	}
	if (!want || bpf_object__load(obj))
		die("load bench program");
	*prog = want;
	*fd = bpf_program__fd(want);
	if (bpf_obj_get_info_by_fd(*fd, &info, &len))
		die("prog info");
	*id = info.id;
	return obj;
}

static void load_progs(struct progs *p, const char *hook, const char *name)
{
	char twin[64];
	int i;

	snprintf(twin, sizeof(twin), "%s_cg", name);
	p->hook = hook;
	for (i = 0; i < NPROGS; i++) {
		p->objs[i] = load_one(name, twin, &p->progs[i], &p->cgprogs[i], &p->fds[i],
				      &p->ids[i]);
		p->cglinks[i] = -1;
	}
}

static void unload_progs(struct progs *p)
{
	int i;

	for (i = 0; i < NPROGS; i++)
		bpf_object__close(p->objs[i]);
}

static int hook_fd(const char *hook)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "/sys/kernel/security/bpf/%s", hook);
	fd = open(path, O_RDWR);
	if (fd < 0)
		die(path);
	return fd;
}

/*
 * Attaches the first n programs of p, through krsi (with the KRSI_ATTACH_*
 * flags) or links.
 */
/* How a configuration attaches its programs. */
enum via {
	VIA_KRSI,	/* KRSI_IOC_ATTACH */
	VIA_LINK,	/* a BPF_LSM_MAC link (the trampoline) */
	VIA_CGROUP,	/* a BPF_LSM_CGROUP link on CG_IN (mainline's per-cgroup LSM) */
};

/* Which cgroup a krsi attachment is scoped to. */
enum scope { SCOPE_NONE, SCOPE_IN, SCOPE_OUT };

static void attach_n(struct progs *p, int n, enum via via, __u32 flags, enum scope scope)
{
	int i, fd = via == VIA_KRSI ? hook_fd(p->hook) : -1;

	for (i = 0; i < n; i++) {
		struct krsi_attach att = {
			.size = sizeof(att), .flags = flags, .prog_fd = p->fds[i]
		};

		if (scope != SCOPE_NONE) {
			att.flags |= KRSI_ATTACH_CGROUP;
			att.cgroup_fd = scope == SCOPE_IN ? cg_in_fd : cg_out_fd;
		}
		if (via == VIA_LINK) {
			p->links[i] = bpf_program__attach_lsm(p->progs[i]);
			if (!p->links[i])
				die("bpf_program__attach_lsm");
		} else if (via == VIA_CGROUP) {
			if (!p->cgprogs[i])
				die("no BPF_LSM_CGROUP twin of the bench program");
			p->cglinks[i] = bpf_link_create(bpf_program__fd(p->cgprogs[i]), cg_in_fd,
							BPF_LSM_CGROUP, NULL);
			if (p->cglinks[i] < 0)
				die("bpf_link_create(BPF_LSM_CGROUP)");
		} else if (ioctl(fd, KRSI_IOC_ATTACH, &att) < 0) {
			die("KRSI_IOC_ATTACH");
		}
	}
	if (fd >= 0)
		close(fd);
}

static void detach_n(struct progs *p, int n, enum via via)
{
	int i, fd = via == VIA_KRSI ? hook_fd(p->hook) : -1;

	for (i = 0; i < n; i++) {
		struct krsi_detach det = { .size = sizeof(det), .prog_id = p->ids[i] };

		if (via == VIA_LINK)
			bpf_link__destroy(p->links[i]);
		else if (via == VIA_CGROUP)
			close(p->cglinks[i]);
		else if (ioctl(fd, KRSI_IOC_DETACH, &det))
			die("KRSI_IOC_DETACH");
	}
	if (fd >= 0)
		close(fd);
}

/*
 * Disables the first @disabled of the n programs attached through krsi
 * (KRSI_IOC_DISABLE): they stay attached, and out of what the hook runs.
 */
static void disable_n(struct progs *p, int disabled)
{
	int i, fd = hook_fd(p->hook);

	for (i = 0; i < disabled; i++) {
		struct krsi_detach arg = { .size = sizeof(arg), .prog_id = p->ids[i] };

		if (ioctl(fd, KRSI_IOC_DISABLE, &arg))
			die("KRSI_IOC_DISABLE");
	}
	close(fd);
}

/*
 * audit1: one audit-only program through krsi (it allows: no record); off1:
 * one program through krsi, disabled; k1off7: eight through krsi, seven of
 * them disabled; in1: one through krsi scoped to the benchmark's cgroup;
 * out1: one scoped to a sibling cgroup (not called); lcg1: one
 * BPF_LSM_CGROUP program attached to the benchmark's cgroup.
 */
static const struct config {
	const char *name;
	int n;
	enum via via;
	__u32 flags;
	int disabled;
	enum scope scope;
} configs[] = {
	{ "krsi1", 1, VIA_KRSI, 0, 0 }, { "link1", 1, VIA_LINK, 0, 0 },
	{ "krsi8", NPROGS, VIA_KRSI, 0, 0 }, { "link8", NPROGS, VIA_LINK, 0, 0 },
	{ "audit1", 1, VIA_KRSI, KRSI_ATTACH_AUDIT, 0 },
	{ "off1", 1, VIA_KRSI, 0, 1 }, { "k1off7", NPROGS, VIA_KRSI, 0, NPROGS - 1 },
	{ "in1", 1, VIA_KRSI, 0, 0, SCOPE_IN }, { "out1", 1, VIA_KRSI, 0, 0, SCOPE_OUT },
	{ "lcg1", 1, VIA_CGROUP, 0, 0 },
};
#define NCONFIGS (sizeof(configs) / sizeof(configs[0]))

/*
 * Lets the work an attach or a detach leaves behind finish before the next
 * measurement: a BPF link's old trampoline image is freed after an RCU Tasks
 * grace period, by kworkers, with allocations of its own. Under icount with
 * sleep=off an idle guest skips ahead to its next timer, so this is quick.
 */
static void settle(void)
{
	usleep(2000000);
}

/* A run of w with k's programs of p attached, after the attach has settled. */
static double measure_with(const struct workload *w, struct progs *p, const struct config *k)
{
	double m;

	attach_n(p, k->n, k->via, k->flags, k->scope);
	disable_n(p, k->disabled);
	settle();
	m = measure(w, w->iters);
	detach_n(p, k->n, k->via);
	return m;
}

/*
 * Discarded runs before the first figure, with the programs loaded: w->warm
 * runs of the workload, then (if attach) one with each configuration on the
 * idle hook in turn, so that the heap has held every configuration's
 * objects while the workload ran before anything is measured. Without them
 * (and before slab_keep_partials()) exec's first figures came out up to 400
 * instructions apart, all of it in SLUB's slow paths (__slab_free,
 * ___slab_alloc, put_cpu_partial: scripts/profile's comparison of a run
 * before and after).
 */
static void warm_up(const struct workload *w, struct progs *idle, bool attach)
{
	unsigned int i;
	int r;

	for (r = 0; r < w->warm; r++)
		measure(w, w->iters);
	for (i = 0; attach && i < NCONFIGS; i++)
		measure_with(w, idle, &configs[i]);
	if (attach)
		settle();
}

/* Nothing attached: the mean of the workload's rounds. */
static double measure_empty(const struct workload *w)
{
	double sum = 0;
	int r;

	for (r = 0; r < w->rounds; r++)
		sum += measure(w, w->iters);
	return sum / w->rounds;
}

/* The empty figure alone, for boots with other lsm= lists. */
static void run_empty(const struct workload *w)
{
	struct progs hook, idle;

	load_progs(&hook, w->hook, w->prog);
	load_progs(&idle, IDLE_HOOK, IDLE_PROG);
	warm_up(w, &idle, false);
	printf("BENCH %s %s empty=%.1f\n", w->name, w->hook, measure_empty(w));
	fflush(stdout);
	unload_progs(&idle);
	unload_progs(&hook);
}

static void run_full(const struct workload *w)
{
	struct progs hook, idle;
	double empty, x[NCONFIGS] = {}, c[NCONFIGS] = {}, spread = 0;
	unsigned int i;
	int r;

	load_progs(&hook, w->hook, w->prog);
	load_progs(&idle, IDLE_HOOK, IDLE_PROG);
	warm_up(w, &idle, true);
	empty = measure_empty(w);
	for (i = 0; i < NCONFIGS; i++) {
		const struct config *k = &configs[i];

		for (r = 0; r < w->rounds; r++) {
			double a0, a1;

			a0 = measure_with(w, &idle, k);
			x[i] += measure_with(w, &hook, k) / w->rounds;
			a1 = measure_with(w, &idle, k);
			c[i] += (a0 + a1) / 2 / w->rounds;
			if (fabs(a1 - a0) > spread)
				spread = fabs(a1 - a0);
		}
	}
	unload_progs(&idle);
	unload_progs(&hook);

	printf("BENCH %s %s empty=%.1f", w->name, w->hook, empty);
	for (i = 0; i < NCONFIGS; i++)
		printf(" %s=%.1f", configs[i].name, x[i]);
	for (i = 0; i < NCONFIGS; i++)
		printf(" c_%s=%.1f", configs[i].name, c[i]);
	for (i = 0; i < NCONFIGS; i++)
		printf(" d_%s=%.1f", configs[i].name, x[i] - c[i]);
	printf(" spread=%.1f rounds=%d noise=%.1f\n", spread, w->rounds, spread / sqrt(w->rounds));
	fflush(stdout);
}

/*
 * Sets audit's backlog limit (AUDIT_SET, as auditctl -b does; 0 lifts it) and
 * returns the one it replaces.
 */
static __u32 audit_backlog_limit(__u32 limit)
{
	struct audit_status set = { .mask = AUDIT_STATUS_BACKLOG_LIMIT, .backlog_limit = limit };
	struct audit_status s = {};

	if (audit_status(AUDIT_GET, &s))
		die("AUDIT_GET");
	if (audit_status(AUDIT_SET, &set))
		die("AUDIT_SET");
	return s.backlog_limit;
}

/*
 * The cost of a denial and of its audit record: kill(self, 0) denied by
 * bench_deny_kill through krsi, recorded (record) and quiet (log=0, the
 * mean of a run before and one after). Audit's backlog limit is lifted for
 * the runs, so that every denial makes its record rather than finding
 * audit's queue full (kauditd, with no auditd, prints a few records,
 * rate-limited, and drops the rest). Both figures are whole operations (a
 * denied kill does less than an allowed one); their difference is the
 * record's own cost. Reported, not a goal.
 */
static const struct workload *workload(const char *name);

static void run_deny(void)
{
	struct workload w = *workload("kill");
	struct progs deny;
	double q0, q1, rec;
	__u32 limit;

	w.op = op_kill_denied;
	load_progs(&deny, w.hook, "bench_deny_kill");
	limit = audit_backlog_limit(0);
	attach_n(&deny, 1, VIA_KRSI, KRSI_ATTACH_QUIET, SCOPE_NONE);
	settle();
	measure(&w, w.iters);
	q0 = measure(&w, w.iters);
	detach_n(&deny, 1, VIA_KRSI);
	attach_n(&deny, 1, VIA_KRSI, 0, SCOPE_NONE);
	settle();
	rec = measure(&w, w.iters);
	detach_n(&deny, 1, VIA_KRSI);
	attach_n(&deny, 1, VIA_KRSI, KRSI_ATTACH_QUIET, SCOPE_NONE);
	settle();
	q1 = measure(&w, w.iters);
	detach_n(&deny, 1, VIA_KRSI);
	audit_backlog_limit(limit);
	unload_progs(&deny);
	printf("DENY kill %s record=%.1f quiet=%.1f\n", w.hook, rec, (q0 + q1) / 2);
	fflush(stdout);
}

/*
 * Control plane (--control): how long a change to a hook takes while the hook
 * fires continuously. A child calls kill(self, 0) in a loop (task_kill), so
 * the guest's one CPU is never idle and guest nanoseconds count instructions.
 * Each of CONTROL_CYCLES cycles is timed as a whole, one after the other:
 *
 *   krsi:  KRSI_IOC_ATTACH then KRSI_IOC_DETACH of one program
 *   link:  a BPF_LSM_MAC link created then destroyed (trampoline update,
 *          image built and its old one retired, each way)
 *
 * and the median is printed: a cycle's own cost. Work either leaves for
 * later (krsi: the old program array freed after an RCU grace period; the
 * link: the old trampoline image freed after an RCU Tasks one) and the
 * child's time slices land in a few cycles and stay out of the median. Then
 * CONTROL_RESET programs are attached through krsi and removed by one
 * KRSI_IOC_RESET, against the same removed by one KRSI_IOC_DETACH each (the
 * trampoline holds at most 38 programs, so mainline has no such row), each
 * the median of CONTROL_ROUNDS. Prints one line:
 *
 *   CONTROL task_kill krsi=<ns> link=<ns> reset=<ns> detach=<ns> n=<programs>
 */
#define CONTROL_CYCLES 101
#define CONTROL_RESET 64
#define CONTROL_ROUNDS 5

static double control_cycles(struct progs *p, enum via via, double *s)
{
	int i;

	for (i = 0; i < CONTROL_CYCLES; i++) {
		uint64_t t0 = now_ns();

		attach_n(p, 1, via, 0, SCOPE_NONE);
		detach_n(p, 1, via);
		s[i] = now_ns() - t0 - clock_cost;
	}
	return median(s, CONTROL_CYCLES);
}

static int run_control(void)
{
	struct bpf_object *objs[CONTROL_RESET];
	int fds[CONTROL_RESET], hook, i, r;
	double s[CONTROL_CYCLES], reset[CONTROL_ROUNDS], detach[CONTROL_ROUNDS], k, l;
	struct progs p;
	pid_t child;
	__u32 ids[CONTROL_RESET];

	child = fork();
	if (child < 0)
		die("fork");
	if (!child) {
		for (;;)
			op_kill();
	}
	load_progs(&p, "task_kill", "bench_task_kill");
	/* One attach and detach of each kind first: first-use allocations. */
	control_cycles(&p, VIA_KRSI, s);
	control_cycles(&p, VIA_LINK, s);
	k = control_cycles(&p, VIA_KRSI, s);
	l = control_cycles(&p, VIA_LINK, s);
	unload_progs(&p);

	for (i = 0; i < CONTROL_RESET; i++) {
		struct bpf_program *prog;

		objs[i] = load_one("bench_task_kill", NULL, &prog, NULL, &fds[i], &ids[i]);
	}
	hook = hook_fd("task_kill");
	for (r = 0; r < CONTROL_ROUNDS * 2; r++) {
		uint64_t t0;

		for (i = 0; i < CONTROL_RESET; i++) {
			struct krsi_attach att = {
				.size = sizeof(att), .prog_fd = fds[i]
			};

			if (ioctl(hook, KRSI_IOC_ATTACH, &att) < 0)
				die("KRSI_IOC_ATTACH");
		}
		t0 = now_ns();
		if (r % 2 == 0) {
			if (ioctl(hook, KRSI_IOC_RESET) != CONTROL_RESET)
				die("KRSI_IOC_RESET");
			reset[r / 2] = now_ns() - t0 - clock_cost;
		} else {
			for (i = 0; i < CONTROL_RESET; i++) {
				struct krsi_detach det = {
					.size = sizeof(det), .prog_id = ids[i]
				};

				if (ioctl(hook, KRSI_IOC_DETACH, &det))
					die("KRSI_IOC_DETACH");
			}
			detach[r / 2] = now_ns() - t0 - clock_cost;
		}
	}
	close(hook);
	for (i = 0; i < CONTROL_RESET; i++)
		bpf_object__close(objs[i]);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	printf("CONTROL task_kill krsi=%.1f link=%.1f reset=%.1f detach=%.1f n=%d\n", k, l,
	       median(reset, CONTROL_ROUNDS), median(detach, CONTROL_ROUNDS), CONTROL_RESET);
	fflush(stdout);
	return 0;
}

/*
 * Marks a window for scripts/profile: its QEMU plugin snapshots its counts
 * whenever this runs. It sits alone at a fixed address (see the Makefile),
 * which no other program in the guest uses.
 */
__attribute__((noinline, section(".krsi_snap"))) void krsi_snap(void)
{
	__asm__ volatile("" ::: "memory");
}

static const struct workload *workload(const char *name)
{
	unsigned int i;

	for (i = 0; i < sizeof(workloads) / sizeof(workloads[0]); i++)
		if (!strcmp(workloads[i].name, name))
			return &workloads[i];
	fprintf(stderr, "krsi_bench: no workload %s\n", name);
	exit(2);
}

static int profile(char **argv)
{
	const struct workload *w = workload(argv[0]);
	const struct config *k = NULL;
	struct progs hook, idle;
	long i, n = atol(argv[3]);
	unsigned int c;
	double *s;

	for (c = 0; c < NCONFIGS; c++)
		if (!strcmp(configs[c].name, argv[1]))
			k = &configs[c];
	if ((!k && strcmp(argv[1], "empty")) || n <= 0 ||
	    (strcmp(argv[2], "idle") && strcmp(argv[2], "hook"))) {
		fprintf(stderr, "krsi_bench: --profile WORKLOAD empty|krsi1|link1|krsi8|link8|audit1|off1|k1off7|in1|out1|lcg1 idle|hook N\n");
		return 2;
	}
	if (k) {
		load_progs(&hook, w->hook, w->prog);
		load_progs(&idle, IDLE_HOOK, IDLE_PROG);
		attach_n(strcmp(argv[2], "idle") ? &hook : &idle, k->n, k->via, k->flags, k->scope);
		disable_n(strcmp(argv[2], "idle") ? &hook : &idle, k->disabled);
		settle();
	}
	s = malloc((n + 1) * sizeof(*s));
	if (!s)
		die("samples");
	if (w->op) {
		for (i = 0; i < n / 10 + 1; i++)
			w->op();
		krsi_snap();
		for (i = 0; i < n; i++)
			w->op();
		krsi_snap();
	} else {
		sample_execs(n / 10 + 1, s);
		krsi_snap();
		sample_execs(n, s);
		krsi_snap();
	}
	free(s);
	return 0;
}

/*
 * SLUB hands an empty slab back to the page allocator once a cache holds
 * min_partial (5 to 10) partial slabs, and fetches a new one when it runs
 * out. Where an exec loop's allocations fall against that boundary depends
 * on the heap's history: one boot spent 300 instructions more per execve()
 * in __slab_free, ___slab_alloc and the page allocator than another, until,
 * tens of thousands of execs later, it settled. Letting every cache keep 100
 * empty slabs takes that churn out of the figures.
 */
static void slab_keep_partials(void)
{
	glob_t g;
	size_t i;

	if (glob("/sys/kernel/slab/*/min_partial", 0, NULL, &g))
		die("no /sys/kernel/slab/*/min_partial (a SLUB kernel without SLUB_TINY)");
	for (i = 0; i < g.gl_pathc; i++) {
		FILE *f = fopen(g.gl_pathv[i], "w");

		/* Aliases of merged caches appear twice; each write must work. */
		if (!f || fprintf(f, "100\n") < 0 || fclose(f))
			die(g.gl_pathv[i]);
	}
	globfree(&g);
}

/*
 * Moves the benchmark into cgroup CG_IN (made afresh, beside CG_OUT) of the
 * guest's cgroup2 hierarchy, for the scoped configurations; every
 * configuration, unscoped ones included, runs there.
 */
static void enter_cgroup(void)
{
	int fd;

	rmdir(CG_IN);
	rmdir(CG_OUT);
	if (mkdir(CG_IN, 0755) || mkdir(CG_OUT, 0755))
		die("mkdir the benchmark's cgroups (is cgroup2 mounted at /sys/fs/cgroup?)");
	fd = open(CG_IN "/cgroup.procs", O_WRONLY);
	if (fd < 0 || write(fd, "0\n", 2) != 2)
		die("enter " CG_IN);
	close(fd);
	cg_in_fd = open(CG_IN, O_RDONLY | O_DIRECTORY);
	cg_out_fd = open(CG_OUT, O_RDONLY | O_DIRECTORY);
	if (cg_in_fd < 0 || cg_out_fd < 0)
		die("open the benchmark's cgroups");
}

/* A few iterations of each configuration of one workload, as KTAP. */
static int smoke(void)
{
	const struct workload *w = &workloads[0];
	struct progs p;
	double e, k, l;

	printf("TAP version 13\n1..1\n");
	load_progs(&p, w->hook, w->prog);
	e = measure(w, 100);
	attach_n(&p, 1, VIA_KRSI, 0, SCOPE_NONE);
	k = measure(w, 100);
	detach_n(&p, 1, VIA_KRSI);
	attach_n(&p, 1, VIA_LINK, 0, SCOPE_NONE);
	l = measure(w, 100);
	detach_n(&p, 1, VIA_LINK);
	unload_progs(&p);
	printf("# open_close, 100 iterations: empty %.0f krsi1 %.0f link1 %.0f ns/op (not asserted)\n",
	       e, k, l);
	printf("ok 1 bench smoke: every configuration attaches, runs and detaches\n");
	return 0;
}

int main(int argc, char **argv)
{
	char dir[200];
	bool empty_only = argc > 1 && !strcmp(argv[1], "--empty-only");
	unsigned int i;
	int fd;

	/* The BPF object and the exec target sit beside this binary. */
	snprintf(dir, sizeof(dir), "%s", argv[0]);
	*(strrchr(dir, '/') ? strrchr(dir, '/') : dir) = '\0';
	snprintf(obj_path, sizeof(obj_path), "%s/" OBJ_NAME, dir[0] ? dir : ".");
	snprintf(exec_path, sizeof(exec_path), "%s/" EXEC_NAME, dir[0] ? dir : ".");
	fd = open("/tmp/krsi-bench", O_CREAT | O_RDONLY, 0644);
	if (fd < 0)
		die("create /tmp/krsi-bench");
	close(fd);
	fd = open("/tmp/krsi-bench-noexec", O_CREAT | O_WRONLY | O_TRUNC, 0755);
	if (fd < 0 || write(fd, "krsi\n", 5) != 5)
		die("create /tmp/krsi-bench-noexec");
	close(fd);
	libbpf_set_print(NULL);
	/* No address space randomisation in the exec workloads' images. */
	if (personality(ADDR_NO_RANDOMIZE) == -1)
		die("personality");

	clock_cost = measure_clock();
	/* The test kernel the smoke runs on has SLUB_TINY, without the knob. */
	if (argc > 1 && !strcmp(argv[1], "--smoke"))
		return smoke();
	slab_keep_partials();
	enter_cgroup();
	if (argc == 6 && !strcmp(argv[1], "--profile"))
		return profile(argv + 2);
	if (argc > 1 && !strcmp(argv[1], "--control"))
		return run_control();
	{
		struct utsname u;

		if (!uname(&u))
			printf("KERNEL %s\n", u.release);
		printf("CLOCK %.1f\n", clock_cost);
	}
	for (i = 0; i < sizeof(workloads) / sizeof(workloads[0]); i++) {
		if (empty_only)
			run_empty(&workloads[i]);
		else
			run_full(&workloads[i]);
	}
	if (!empty_only)
		run_deny();
	return 0;
}
