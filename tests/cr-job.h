/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the self-checking jobs (cr-state, cr-seccomp, cr-ipc) share with
 * the scripts that drive them (tests/tap.sh: start_job, ask_report):
 * DIR/ready once the job is set up, and DIR/report, ending in "done",
 * after each SIGUSR1.
 */
#ifndef CR_JOB_H
#define CR_JOB_H

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>

static volatile sig_atomic_t report_requested;

static void on_usr1(int sig)
{
	(void)sig;
	report_requested = 1;
}

/* Arm SIGUSR1, then write DIR/ready: the line the caller reads back. */
static inline int job_ready(const char *dir, const char *fmt, ...)
{
	char path[4096];
	va_list ap;
	FILE *f;

	signal(SIGUSR1, on_usr1);
	snprintf(path, sizeof(path), "%s/ready", dir);
	f = fopen(path, "w");
	if (!f)
		return -1;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	return fclose(f);
}

/* The report is written aside and renamed: the caller never reads half of one. */
static inline FILE *job_report_open(const char *dir)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/report.new", dir);
	return fopen(path, "w");
}

static inline void job_report_close(FILE *f, const char *dir)
{
	char path[4096], final[4096];

	fputs("done\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/report.new", dir);
	snprintf(final, sizeof(final), "%s/report", dir);
	rename(path, final);
}

#endif
