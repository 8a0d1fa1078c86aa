// SPDX-License-Identifier: GPL-2.0
/*
 * A job with state that a checkpoint must not lose, for CRIU scenario 2.
 *
 *   cr-state DIR [MIB]
 *
 * Sets up, in DIR (which must be writable):
 *   - MIB (default 4) MiB of anonymous memory filled with a known pattern;
 *   - a mapping of a file that is deleted after mapping it;
 *   - a memfd mapping;
 *   - an open file at a non-zero offset;
 *   - a pipe holding unread data;
 *   - three processes in a tree (this one, a child, a grandchild);
 *   - two threads.
 * then writes DIR/ready ("pid child grandchild") and waits. Each SIGUSR1
 * makes it check every item from the inside and write DIR/report: one line
 * per item, "ok ITEM" or "not ok ITEM: why", then "done". The checks leave
 * the state as it was, so they can run before the checkpoint and after the
 * restore.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cr-job.h"

#define FILE_SIZE	(64 << 10)
#define OFFSET		1234
#define PIPE_DATA	"unread data in a pipe, 42 bytes of it...!"

/* Shared by the three processes: who they are, and their answers. */
struct shared {
	pid_t pid[3];		/* main, child, grandchild */
	volatile int request;	/* bumped by main for every check */
	volatile int answer[3];	/* request number answered by each process */
	volatile int good[3];	/* their verdicts */
};

static const char *dir;
static struct shared *sh;
static uint8_t *anon, *deleted, *memfd_map;
static uint64_t anon_sum;
static size_t anon_size = 4 << 20;
static int data_fd, memfd, pipe_fd[2];
static pid_t thread_tid;
static volatile int thread_request, thread_answer, thread_good;
static FILE *report;

static uint8_t pattern(size_t i, unsigned int seed)
{
	return (uint8_t)((i * 2654435761u + seed) >> 13);
}

static uint64_t checksum(const uint8_t *p, size_t n)
{
	uint64_t h = 1469598103934665603ull;	/* FNV-1a */
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

static int matches(const uint8_t *p, size_t n, unsigned int seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != pattern(i, seed))
			return 0;
	return 1;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void item(int good, const char *name, const char *fmt, ...)
{
	va_list ap;

	fprintf(report, "%s %s", good ? "ok" : "not ok", name);
	if (!good && fmt) {
		fputs(": ", report);
		va_start(ap, fmt);
		vfprintf(report, fmt, ap);
		va_end(ap);
	}
	fputc('\n', report);
}

/* The second thread checks that it is still itself, and its own stack. */
static void *thread_main(void *arg)
{
	uint8_t local[4096];
	size_t i;

	(void)arg;
	for (i = 0; i < sizeof(local); i++)
		local[i] = pattern(i, 7);
	thread_tid = gettid();
	for (;;) {
		if (thread_answer != thread_request) {
			thread_good = gettid() == thread_tid &&
				      matches(local, sizeof(local), 7);
			__atomic_store_n(&thread_answer, thread_request, __ATOMIC_SEQ_CST);
		}
		usleep(10000);
	}
	return NULL;
}

/* Child and grandchild: answer each request with "same pid, same parent". */
static void __attribute__((noreturn)) relative(int me)
{
	int seen = 0;

	for (;;) {
		if (sh->request != seen) {
			seen = sh->request;
			sh->good[me] = getpid() == sh->pid[me] &&
				       getppid() == sh->pid[me - 1];
			__atomic_store_n(&sh->answer[me], seen, __ATOMIC_SEQ_CST);
		}
		usleep(10000);
	}
}

static int wait_answers(int req)
{
	int t;

	for (t = 0; t < 500; t++) {
		if (sh->answer[1] == req && sh->answer[2] == req &&
		    thread_answer == req)
			return 1;
		usleep(10000);
	}
	return 0;
}

static void check(void)
{
	char buf[sizeof(PIPE_DATA)];
	uint8_t fbuf[16];
	off_t off;
	ssize_t n;
	int req, i;

	report = job_report_open(dir);
	if (!report)
		die("report");

	item(getpid() == sh->pid[0], "main process has its pid",
	     "%d, was %d", getpid(), sh->pid[0]);
	item(checksum(anon, anon_size) == anon_sum && matches(anon, anon_size, 1),
	     "anonymous memory: checksum and pattern", "checksum differs");
	item(matches(deleted, FILE_SIZE, 2),
	     "mapping of a deleted file: content", "content differs");
	item(matches(memfd_map, FILE_SIZE, 3),
	     "memfd mapping: content", "content differs");
	n = pread(memfd, fbuf, sizeof(fbuf), 100);
	item(n == sizeof(fbuf) && fbuf[0] == pattern(100, 3) &&
	     fbuf[15] == pattern(115, 3), "memfd: read through the fd", "read %zd", n);

	off = lseek(data_fd, 0, SEEK_CUR);
	n = read(data_fd, fbuf, sizeof(fbuf));
	item(off == OFFSET && n == sizeof(fbuf) && fbuf[0] == pattern(OFFSET, 4),
	     "open file: offset and next bytes", "offset %lld, read %zd", (long long)off, n);
	lseek(data_fd, OFFSET, SEEK_SET);

	n = read(pipe_fd[0], buf, sizeof(buf));
	item(n == sizeof(PIPE_DATA) - 1 && !memcmp(buf, PIPE_DATA, n),
	     "pipe: unread data", "read %zd bytes", n);
	if (n > 0 && write(pipe_fd[1], buf, n) != n)
		die("pipe refill");

	req = sh->request + 1;
	thread_request = req;
	sh->request = req;
	if (!wait_answers(req)) {
		item(0, "child, grandchild and thread answer", "no answer");
	} else {
		for (i = 1; i < 3; i++)
			item(sh->good[i], i == 1 ? "child: same pid and parent" :
			     "grandchild: same pid and parent", "pid %d", sh->pid[i]);
		item(thread_good, "second thread: same tid and stack", NULL);
	}
	job_report_close(report, dir);
}

static int make_file(const char *name, unsigned int seed, size_t size)
{
	uint8_t *p = malloc(size);
	char path[4096];
	size_t i;
	int fd;

	for (i = 0; i < size; i++)
		p[i] = pattern(i, seed);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, p, size) != (ssize_t)size)
		die(name);
	free(p);
	return fd;
}

int main(int argc, char **argv)
{
	char path[4096];
	pthread_t thread;
	size_t i;
	pid_t pid;
	int fd;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: %s DIR [MIB]\n", argv[0]);
		return 2;
	}
	dir = argv[1];
	if (argc == 3)
		anon_size = (size_t)atoi(argv[2]) << 20;

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	anon = mmap(NULL, anon_size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED || anon == MAP_FAILED)
		die("mmap");
	for (i = 0; i < anon_size; i++)
		anon[i] = pattern(i, 1);
	anon_sum = checksum(anon, anon_size);

	fd = make_file("deleted.bin", 2, FILE_SIZE);
	deleted = mmap(NULL, FILE_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	if (deleted == MAP_FAILED)
		die("mmap deleted");
	close(fd);
	snprintf(path, sizeof(path), "%s/deleted.bin", dir);
	unlink(path);

	memfd = memfd_create("cr-state", 0);
	if (memfd < 0)
		die("memfd_create");
	for (i = 0; i < FILE_SIZE; i++) {
		uint8_t b = pattern(i, 3);

		if (write(memfd, &b, 1) != 1)
			die("memfd write");
	}
	memfd_map = mmap(NULL, FILE_SIZE, PROT_READ, MAP_SHARED, memfd, 0);
	if (memfd_map == MAP_FAILED)
		die("mmap memfd");

	data_fd = make_file("data.bin", 4, FILE_SIZE);
	lseek(data_fd, OFFSET, SEEK_SET);

	if (pipe(pipe_fd) || write(pipe_fd[1], PIPE_DATA, sizeof(PIPE_DATA) - 1) < 0)
		die("pipe");

	sh->pid[0] = getpid();
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		sh->pid[1] = getpid();
		pid = fork();
		if (pid < 0)
			die("fork");
		if (pid == 0) {
			sh->pid[2] = getpid();
			relative(2);
		}
		relative(1);
	}
	while (!sh->pid[2])
		usleep(1000);
	if (pthread_create(&thread, NULL, thread_main, NULL))
		die("pthread_create");
	while (!thread_tid)
		usleep(1000);

	if (job_ready(dir, "%d %d %d\n", sh->pid[0], sh->pid[1], sh->pid[2]))
		die("ready");

	/* A signal between the test and pause() is lost: the caller resends. */
	for (;;) {
		if (report_requested) {
			report_requested = 0;
			check();
		}
		pause();
	}
}
