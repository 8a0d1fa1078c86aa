// SPDX-License-Identifier: GPL-2.0
/*
 * The init of the rootless container (tests/container-rootless.sh): a
 * counter in memory and in a file. At start it draws a random TOKEN, which
 * lives only in its memory, and writes "PID TOKEN" to DIR/born; then every
 * 50 ms it writes "TOKEN COUNT" to DIR/count (by rename, so that a reader
 * never sees half a line). An init started again instead of restored would
 * write another token and count from 1.
 *
 *   cr-ctr [DIR]    (DIR: default /)
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

static int write_file(const char *tmp, const char *path, const char *s)
{
	size_t len = strlen(s);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		return -1;
	if (write(fd, s, len) != (ssize_t)len) {
		close(fd);
		return -1;
	}
	if (close(fd))
		return -1;
	return rename(tmp, path);
}

int main(int argc, char **argv)
{
	const struct timespec tick = { 0, 50 * 1000 * 1000 };
	unsigned long long token, i = 0;
	char line[64];

	if (argc > 1 && chdir(argv[1]))
		return 1;
	if (getrandom(&token, sizeof(token), 0) != sizeof(token))
		return 1;
	snprintf(line, sizeof(line), "%d %016llx\n", getpid(), token);
	if (write_file("born.new", "born", line))
		return 1;
	for (;;) {
		snprintf(line, sizeof(line), "%016llx %llu\n", token, ++i);
		write_file("count.new", "count", line);
		nanosleep(&tick, NULL);
	}
}
