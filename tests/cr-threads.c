// SPDX-License-Identifier: GPL-2.0
/*
 * A two-threaded job, and a watcher of its restore, for the threads case of
 * criu-handout.sh: is a restored process's memory ever open to its user
 * while one of its threads still holds criu's capability?
 *
 *   cr-threads DIR                  the job: starts a second thread, writes
 *                                   "PID TID" (TID: the second thread's) to
 *                                   DIR/ready, and waits. Dump it.
 *   cr-threads DIR --watch FIFO     the user's watcher, started before the
 *                                   restore, criu's log file being FIFO.
 *                                   Prints "watching" when it listens;
 *                                   what criu logs goes to DIR/criu.log.
 *
 * Threads drop criu's capabilities one by one, but share one memory. The
 * caller's image makes thread TID log a warning just before its capset();
 * the watcher fills the log FIFO once criu has forked the job, so TID waits
 * in that write, capability (CapPrm) in hand. Meanwhile the leader drops
 * the capability (it logs nothing). The watcher then keeps trying to open
 * /proc/PID/task/PID/mem, the memory through the leader, as the user may
 * (same uid, and ptrace checks the capabilities of the thread named): if it
 * opens while TID still holds capability 40, the user could rewrite what
 * TID is about to apply. After two seconds of that it drains the FIFO and
 * lets the restore finish.
 *
 * Exit status: 0, the window was there (leader without, TID with the
 * capability) and the memory stayed closed; 1, it opened; 2, the window
 * never came, which proves nothing either way.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define CAP_CR_BIT	(1ULL << 40)

static pid_t pid, tid;

static void *second(void *arg)
{
	const char *dir = arg;
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/ready", dir);
	f = fopen(path, "w");
	if (!f)
		exit(1);
	fprintf(f, "%d %ld\n", getpid(), syscall(SYS_gettid));
	fclose(f);
	for (;;)
		pause();
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* CapPrm of thread T of the job (what it may raise); -1 once it is gone. */
static long long cap_prm(pid_t t)
{
	char path[64], line[256];
	long long caps = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", pid, t);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapPrm: %llx", &caps) == 1)
			break;
	fclose(f);
	return caps;
}

static int rfd, wfd, copy = -1;

/* What criu logged, kept in DIR/criu.log for the reader of a failure. */
static ssize_t pass_on(void)
{
	char buf[4096];
	ssize_t n = read(rfd, buf, sizeof(buf));

	if (n > 0 && write(copy, buf, n) != n)
		return -1;
	return n;
}

static void drain(void)
{
	while (pass_on() > 0)
		;
}

static int watch(const char *dir, const char *fifo)
{
	int window = 0, opened = 0, refusals = 0, last_errno = 0, fd;
	long long leader = 0, second = 0;
	double start, seen = 0;
	char path[4096];
	struct stat st;

	/* Ours is the reader criu's open for writing waits for. */
	rfd = open(fifo, O_RDONLY | O_NONBLOCK);
	wfd = open(fifo, O_WRONLY | O_NONBLOCK);
	if (rfd < 0 || wfd < 0) {
		perror(fifo);
		return 2;
	}
	fcntl(rfd, F_SETPIPE_SZ, 4096);
	snprintf(path, sizeof(path), "%s/criu.log", dir);
	copy = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (copy < 0) {
		perror(path);
		return 2;
	}
	printf("watching\n");
	fflush(stdout);

	/*
	 * Fill the FIFO as soon as criu has forked the job: at its default
	 * log level it writes nothing more until thread TID warns (on one
	 * CPU, waiting for TID itself to show would come too late).
	 */
	snprintf(path, sizeof(path), "/proc/%d", pid);
	start = now();
	while (stat(path, &st)) {
		drain();
		if (now() - start > 60) {
			printf("criu never forked the job (pid %d)\n", pid);
			return 2;
		}
		usleep(100);
	}
	drain();
	while (write(wfd, "#", 1) == 1)
		;
	close(wfd);

	/* Now TID's next log write waits; watch for the window. */
	snprintf(path, sizeof(path), "/proc/%d/task/%d/mem", pid, pid);
	start = now();
	while (now() - start < 20 && (!seen || now() - seen < 2)) {
		leader = cap_prm(pid);
		second = cap_prm(tid);
		if (leader < 0)
			break;
		if (second < 0 || (leader & CAP_CR_BIT) || !(second & CAP_CR_BIT))
			continue;
		if (!window)
			seen = now();
		window = 1;
		fd = open(path, O_RDONLY);
		if (fd < 0) {
			refusals++;
			last_errno = errno;
			continue;
		}
		close(fd);
		/* Capabilities only go: if TID has it now, it had it then. */
		if (cap_prm(tid) & CAP_CR_BIT) {
			opened = 1;
			break;
		}
	}

	printf("window (leader without capability 40, thread %d with it): %s\n",
	       tid, window ? "reached" : "never reached");
	if (!window)
		printf("last seen after %.1f s: leader CapPrm %llx, thread %d CapPrm %llx\n",
		       now() - start, leader, tid, second);
	if (opened)
		printf("the user opened %s while thread %d held capability 40\n", path, tid);
	else if (window)
		printf("%s stayed closed to the user meanwhile: %d refusals, %s\n",
		       path, refusals, strerror(last_errno));

	/* Let criu go on: read its log until it and the restorer close it. */
	start = now();
	while (now() - start < 60) {
		ssize_t n = pass_on();

		if (n == 0)
			break;
		if (n < 0)
			usleep(1000);
	}
	return opened ? 1 : window ? 0 : 2;
}

int main(int argc, char **argv)
{
	pthread_t t;
	char path[4096];
	FILE *f;

	if (argc == 2) {
		if (pthread_create(&t, NULL, second, argv[1]))
			return 1;
		for (;;)
			pause();
	}
	if (argc != 4 || strcmp(argv[2], "--watch")) {
		fprintf(stderr, "usage: %s DIR | DIR --watch FIFO\n", argv[0]);
		return 2;
	}
	snprintf(path, sizeof(path), "%s/ready", argv[1]);
	f = fopen(path, "r");
	if (!f || fscanf(f, "%d %d", &pid, &tid) != 2) {
		fprintf(stderr, "no job in %s\n", path);
		return 2;
	}
	fclose(f);
	return watch(argv[1], argv[3]);
}
