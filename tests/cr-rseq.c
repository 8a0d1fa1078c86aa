// SPDX-License-Identifier: GPL-2.0
/*
 * A job whose rseq area the user can write from outside, for the rseq case
 * of criu-handout.sh: does criu's restorer run the user's rseq abort handler
 * while it still holds criu's capability?
 *
 *   cr-rseq DIR           the job: moves its rseq area from glibc's TLS into
 *                         a MAP_SHARED page of DIR/shared, writes its pid to
 *                         DIR/ready, and waits. Dump and restore it.
 *   cr-rseq DIR --race    a second process of the user's, started before the
 *                         restore: maps the same page and keeps writing into
 *                         its rseq_cs a descriptor whose critical section is
 *                         everything below the job's program, where criu
 *                         puts its restorer blob, and whose abort handler is
 *                         ours. Prints "racing PID" when it has begun;
 *                         gives up after 60 s.
 *
 * The kernel reads rseq_cs at every preemption and signal of a task that has
 * the area registered. If the restorer registers it while it runs with
 * criu's credentials, the first time it sleeps after that it comes back in
 * our handler, which copies /proc/self/status to DIR/result (as DIR/result
 * appears, it is complete) and waits forever. The restorer's own credentials
 * show there; the restore never finishes, the caller kills it.
 *
 * The kernel clears rseq_cs when the area is registered, so the descriptor
 * must be written after that and before the restorer drops criu's
 * credentials. The racer marks the area's cpu_id with a value no CPU has;
 * when the kernel writes the real one, the restorer has just registered it.
 * To be sure it sees that in time, even on one CPU, it stops criu (the
 * user's own process, the job's parent) as soon as the job's pid is back:
 * the restored task goes on alone to the restorer, registers the area, and
 * then waits for criu to start the next stage. Once the area is registered
 * and the restorer asleep, the racer lets criu go on. A restorer that needs
 * criu before it registers rseq (one that registers it only after the
 * task's credentials) gets criu back after 2 s.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/rseq.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define CR_RSEQ_SIG	0x53053053	/* as .long below */
#define NO_CPU		0xfffffff0u

extern char __executable_start[];
extern char abort_entry[];

static struct rseq_cs desc __attribute__((aligned(32)));
static char result[512], result_tmp[512], status[8192];
static char stack[65536] __attribute__((used, aligned(16)));

/* The signature, then the handler: on a stack of ours, into hijacked(). */
asm(".text\n"
    ".byte 0x0f, 0xb9, 0x3d\n"
    ".long 0x53053053\n"
    ".globl abort_entry\n"
    "abort_entry:\n"
    "	lea stack+65536(%rip), %rsp\n"
    "	call hijacked\n"
    "	hlt\n");

/*
 * In the restorer nothing of libc works (its TLS is criu's, long unmapped):
 * raw system calls only, and no stack protector (no locals to protect).
 */
static long raw(long nr, long a, long b, long c)
{
	long ret;

	asm volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
	return ret;
}

void hijacked(void);
void hijacked(void)
{
	long fd, n;

	fd = raw(SYS_open, (long)"/proc/self/status", O_RDONLY, 0);
	n = fd >= 0 ? raw(SYS_read, fd, (long)status, sizeof(status)) : 0;
	fd = raw(SYS_open, (long)result_tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0 && n > 0)
		raw(SYS_write, fd, (long)status, n);
	raw(SYS_close, fd, 0, 0);
	raw(SYS_rename, (long)result_tmp, (long)result, 0);
	for (;;)
		raw(SYS_pause, 0, 0, 0);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The pid the job wrote to DIR/ready. */
static pid_t job_pid(const char *dir)
{
	char path[600];
	int pid = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/ready", dir);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%d", &pid) != 1)
		pid = 0;
	fclose(f);
	return pid;
}

/* The parent of PID, once PID exists (again): criu, while it restores it. */
static pid_t parent_of(pid_t pid)
{
	char path[64], buf[512], *p;
	int ppid = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	if (!p || !(p = strrchr(buf, ')')) || sscanf(p, ") %*c %d", &ppid) != 1)
		return 0;
	return ppid;
}

static int race(const char *dir, volatile struct rseq *area)
{
	struct timespec poll = { 0, 100000 }, settle = { 0, 50000000 };
	double start = now(), stopped = 0;
	pid_t job = job_pid(dir), criu = 0;
	int registered = 0;

	area->rseq_cs = 0;
	area->cpu_id = NO_CPU;
	printf("racing %d\n", getpid());
	fflush(stdout);
	while (now() - start < 60) {
		area->rseq_cs = (uint64_t)(uintptr_t)&desc;
		if (!criu && job > 0 && (criu = parent_of(job)) > 1) {
			/* criu has forked the job: hold it there */
			kill(criu, SIGSTOP);
			stopped = now();
		}
		if (!registered && area->cpu_id != NO_CPU) {
			/* registered: let the restorer go to sleep, then wake criu */
			registered = 1;
			nanosleep(&settle, NULL);
			area->rseq_cs = (uint64_t)(uintptr_t)&desc;
			if (stopped > 0)
				kill(criu, SIGCONT);
			stopped = -1;
		}
		/* this restorer needs criu before it registers rseq */
		if (stopped > 0 && now() - stopped > 2) {
			kill(criu, SIGCONT);
			stopped = -1;
		}
		nanosleep(&poll, NULL);
	}
	if (stopped > 0)
		kill(criu, SIGCONT);
	return 0;
}

int main(int argc, char **argv)
{
	char path[600];
	void *map;
	FILE *f;
	int fd;

	if (argc < 2)
		return 2;
	snprintf(path, sizeof(path), "%s/shared", argv[1]);
	fd = open(path, O_RDWR | O_CREAT, 0600);
	if (fd < 0 || ftruncate(fd, 4096))
		return 1;
	map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		return 1;
	close(fd);

	desc.version = 0;
	desc.flags = 0;
	desc.start_ip = 0x10000;	/* mmap_min_addr's usual value */
	desc.post_commit_offset = (uintptr_t)__executable_start - desc.start_ip;
	desc.abort_ip = (uintptr_t)abort_entry;

	if (argc > 2 && !strcmp(argv[2], "--race"))
		return race(argv[1], map);

	snprintf(result, sizeof(result), "%s/result", argv[1]);
	snprintf(result_tmp, sizeof(result_tmp), "%s/result.tmp", argv[1]);

	/* Move our rseq area from glibc's TLS into the shared page. */
	if (__rseq_size > 0 &&
	    syscall(SYS_rseq, (char *)__builtin_thread_pointer() + __rseq_offset, 32, RSEQ_FLAG_UNREGISTER, CR_RSEQ_SIG) &&
	    syscall(SYS_rseq, (char *)__builtin_thread_pointer() + __rseq_offset, __rseq_size, RSEQ_FLAG_UNREGISTER,
		    CR_RSEQ_SIG)) {
		perror("rseq unregister");
		return 1;
	}
	if (syscall(SYS_rseq, map, 32, 0, CR_RSEQ_SIG)) {
		perror("rseq register");
		return 1;
	}

	snprintf(path, sizeof(path), "%s/ready", argv[1]);
	f = fopen(path, "w");
	if (!f)
		return 1;
	fprintf(f, "%d\n", getpid());
	fclose(f);
	for (;;)
		pause();
}
