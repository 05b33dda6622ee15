// SPDX-License-Identifier: GPL-2.0
/*
 * krsi - the exec workload's static binary: a chain of execs of itself
 *
 * bench_exec N FD writes the CLOCK_MONOTONIC nanosecond it started at (a
 * u64) to FD and, while N > 0, execs itself as bench_exec N-1 FD. The gaps
 * between successive start times are one execve() of a static binary each,
 * with no fork, wait or exit between them (see krsi_bench.c).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct timespec ts;
	char left[24];
	char *next[] = { argv[0], left, argv[2], NULL }, *envp[] = { NULL };
	uint64_t ns;
	long n;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (argc != 3)
		return 2;
	ns = ts.tv_sec * 1000000000ull + ts.tv_nsec;
	if (write(atoi(argv[2]), &ns, sizeof(ns)) != sizeof(ns))
		return 1;
	n = atol(argv[1]);
	if (n <= 0)
		return 0;
	snprintf(left, sizeof(left), "%ld", n - 1);
	execve(argv[0], next, envp);
	return 127;
}
