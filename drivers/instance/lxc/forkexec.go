package lxc

/*
#cgo pkg-config: lxc
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <lxc/lxccontainer.h>
#include <lxc/attach_options.h>

// lxcdrv_execserver is in execserver_c.go.
int lxcdrv_execserver(int argc, char **argv);

// lxcdrv_run_command runs in the attached process, in the container's
// namespaces and cgroups, as the requested user. A failed exec exits with
// LXD's codes: 127 for a missing program, 126 for one that cannot run.
static int lxcdrv_run_command(void *payload)
{
	char **argv = payload;

	// Nothing but stdio goes into the container: liblxc's attach leaves
	// some of its own descriptors open.
	syscall(SYS_close_range, 3, ~0U, 0);
	execvp(argv[0], argv);
	if (errno == ENOENT)
		return 127;
	return 126;
}

// lxcdrv_read_cmdline returns /proc/self/cmdline (NUL-separated) and its
// length, or NULL.
static char *lxcdrv_read_cmdline(size_t *len)
{
	size_t size = 4096, used = 0;
	char *buf = malloc(size);
	int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);

	if (!buf || fd < 0) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	for (;;) {
		ssize_t n = read(fd, buf + used, size - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		used += n;
		if (used == size) {
			char *bigger = realloc(buf, size * 2);
			if (!bigger)
				break;
			buf = bigger;
			size *= 2;
		}
	}
	close(fd);
	*len = used;
	return buf;
}

// lxcdrv_forkexec attaches a command and reports on fd 3: "pid N", then
// "exit N" once it ended (128+N when killed by signal N), or "error ...".
// args: name lxcpath config cwd uid gid <number of env entries> env... cmd...
// The command is a child of this helper (liblxc clones it with
// CLONE_PARENT from its intermediate process), so the helper reaps it. It
// stays in the helper's session, whose controlling terminal is the pty of
// interactive commands.
static int lxcdrv_forkexec(int argc, char **argv)
{
	lxc_attach_options_t opts = LXC_ATTACH_OPTIONS_DEFAULT;
	struct lxc_container *c;
	char **env;
	int nenv, status, ret;
	pid_t pid;

	// The command must not inherit the report channel.
	if (fcntl(3, F_SETFD, FD_CLOEXEC) < 0)
		return 1;
	nenv = argc >= 7 ? atoi(argv[6]) : -1;
	if (nenv < 0 || 7 + nenv >= argc) {
		dprintf(3, "error usage: forkexec <name> <lxcpath> <config> <cwd> <uid> <gid> <nenv> <env>... <command>...\n");
		return 1;
	}
	env = calloc(nenv + 1, sizeof(char *));
	if (!env)
		return 1;
	memcpy(env, &argv[7], nenv * sizeof(char *));

	c = lxc_container_new(argv[0], argv[1]);
	if (!c || !c->load_config(c, argv[2])) {
		dprintf(3, "error Failed to load container %s with %s\n", argv[0], argv[2]);
		return 1;
	}
	opts.env_policy = LXC_ATTACH_CLEAR_ENV;
	opts.extra_env_vars = env;
	opts.initial_cwd = argv[3];
	opts.uid = atoi(argv[4]);
	opts.gid = atoi(argv[5]);
	opts.stdin_fd = STDIN_FILENO;
	opts.stdout_fd = STDOUT_FILENO;
	opts.stderr_fd = STDERR_FILENO;
	ret = c->attach(c, lxcdrv_run_command, &argv[7 + nenv], &opts, &pid);
	lxc_container_put(c);
	if (ret < 0) {
		dprintf(3, "error Failed to attach to the instance\n");
		return 1;
	}
	dprintf(3, "pid %d\n", pid);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return 1;
	}
	dprintf(3, "exit %d\n", WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status));
	return 0;
}

// lxcdrv_forkexec_init runs before the Go runtime starts, in every program
// linking this package. For "<exe> forkexec ..." (and "forkexecd ...",
// the exec server of execserver.go) it does the whole job and
// exits: the exec helper costs no Go runtime start and stays small, so
// liblxc's forks copy few page tables (a fork of the daemon itself costs
// milliseconds per hundred MiB of resident memory).
__attribute__((constructor)) static void lxcdrv_forkexec_init(void)
{
	size_t len = 0;
	char *buf = lxcdrv_read_cmdline(&len);
	char **argv, *second;
	int argc = 0;

	if (!buf)
		return;
	second = len > 0 && buf[len - 1] == '\0' ? buf + strlen(buf) + 1 : NULL;
	if (!second || second >= buf + len || (strcmp(second, "forkexec") != 0 && strcmp(second, "forkexecd") != 0)) {
		free(buf);
		return;
	}
	for (size_t i = 0; i < len; i++)
		if (buf[i] == '\0')
			argc++;
	argv = calloc(argc + 1, sizeof(char *));
	if (!argv)
		_exit(1);
	argc = 0;
	for (char *p = buf; p < buf + len; p += strlen(p) + 1)
		argv[argc++] = p;
	if (strcmp(second, "forkexecd") == 0)
		_exit(lxcdrv_execserver(argc - 2, argv + 2));
	_exit(lxcdrv_forkexec(argc - 2, argv + 2));
}
*/
import "C"
