// SPDX-License-Identifier: GPL-2.0
/*
 * A sandboxed job for the CRIU seccomp scenario.
 *
 *   cr-seccomp DIR [--no-opt-in]
 *
 * Installs a seccomp filter that makes getpriority() fail with ENOTBLK
 * (and allows everything else), then counts in memory. The filter opts in
 * to checkpoint/restore by CAP_CHECKPOINT_RESTORE
 * (SECCOMP_FILTER_FLAG_CHECKPOINT_RESTORE), unless --no-opt-in: then only
 * CAP_SYS_ADMIN may suspend or read it. On a kernel that does not know the
 * flag (the baseline), the filter is installed without it. Writes DIR/ready
 * with its pid. Each SIGUSR1 makes it write DIR/report: "ok ITEM" or
 * "not ok ITEM: why" per item, then "done":
 *   - the filter is in force (getpriority() fails with ENOTBLK);
 *   - the process is still the one it was (pid) and its memory is intact;
 *   - the counter has moved on since the previous report.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cr-job.h"

#ifndef SECCOMP_FILTER_FLAG_CHECKPOINT_RESTORE
#define SECCOMP_FILTER_FLAG_CHECKPOINT_RESTORE	(1UL << 6)
#endif

#define CHOSEN_ERRNO	ENOTBLK
#define PATTERN_SIZE	(1 << 20)

static volatile uint64_t counter;

static int install_filter(int opt_in)
{
	struct sock_filter insns[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_getpriority, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | CHOSEN_ERRNO),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {
		.len = sizeof(insns) / sizeof(insns[0]),
		.filter = insns,
	};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	if (opt_in) {
		if (!syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER,
			     SECCOMP_FILTER_FLAG_CHECKPOINT_RESTORE, &prog))
			return 0;
		if (errno != EINVAL)
			return -1;
		fprintf(stderr, "cr-seccomp: the kernel does not know "
			"SECCOMP_FILTER_FLAG_CHECKPOINT_RESTORE: filter installed without it\n");
	}
	return syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
}

static void report(const char *dir, pid_t pid, const uint8_t *pattern,
		   uint64_t *last)
{
	uint64_t now = counter;
	int ret, err, i, intact = 1;
	FILE *f;

	f = job_report_open(dir);
	if (!f)
		return;
	errno = 0;
	ret = getpriority(PRIO_PROCESS, 0);
	err = errno;
	fprintf(f, "%s seccomp filter in force: getpriority() fails with ENOTBLK",
		ret == -1 && err == CHOSEN_ERRNO ? "ok" : "not ok");
	if (!(ret == -1 && err == CHOSEN_ERRNO))
		fprintf(f, ": returned %d, errno %d", ret, err);
	fputc('\n', f);
	fprintf(f, "%s seccomp mode is filter\n",
		prctl(PR_GET_SECCOMP, 0, 0, 0, 0) == 2 ? "ok" : "not ok");
	for (i = 0; i < PATTERN_SIZE; i++)
		if (pattern[i] != (uint8_t)(i * 7 + 3))
			intact = 0;
	fprintf(f, "%s same pid and memory intact\n",
		getpid() == pid && intact ? "ok" : "not ok");
	fprintf(f, "%s the job counts on\n", now > *last ? "ok" : "not ok");
	job_report_close(f, dir);
	*last = now;
}

int main(int argc, char **argv)
{
	uint64_t last = 0;
	uint8_t *pattern;
	pid_t pid = getpid();
	int i, opt_in = 1;

	if (argc == 3 && !strcmp(argv[2], "--no-opt-in"))
		opt_in = 0;
	else if (argc != 2) {
		fprintf(stderr, "usage: %s DIR [--no-opt-in]\n", argv[0]);
		return 2;
	}
	pattern = malloc(PATTERN_SIZE);
	if (!pattern)
		return 1;
	for (i = 0; i < PATTERN_SIZE; i++)
		pattern[i] = (uint8_t)(i * 7 + 3);
	if (install_filter(opt_in)) {
		perror("seccomp");
		return 1;
	}
	if (job_ready(argv[1], "%d\n", pid))
		return 1;

	for (;;) {
		counter++;
		if (report_requested) {
			report_requested = 0;
			report(argv[1], pid, pattern, &last);
		}
		usleep(1000);
	}
}
