package lxc

/*
#cgo pkg-config: lxc
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <lxc/lxccontainer.h>
#include <lxc/attach_options.h>

// The exec server: see execserver.go for why it exists and the protocol.

// xs_max_request bounds one request (argv and environment); the daemon
// sends larger ones through the one-shot helper instead.
#define XS_MAX_REQUEST (128 * 1024)
// xs_tty asks for the command's stdin to become its controlling terminal.
#define XS_TTY 1

extern char **environ;

struct xs_ctx {
	int sock;     // SOCK_SEQPACKET to the daemon
	int pidns;    // the container's PID namespace
	int initfd;   // pidfd of the container's init
};

struct xs_child {
	pid_t pid;
	char id[24];
};

// xs_send sends one reply, with fd attached when fd >= 0.
static int xs_send(int sock, int fd, const char *fmt, ...)
{
	char buf[512];
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov;
	struct msghdr msg = {0};
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	iov.iov_base = buf;
	iov.iov_len = n;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (fd >= 0) {
		struct cmsghdr *c;

		memset(&ctl, 0, sizeof(ctl));
		msg.msg_control = ctl.buf;
		msg.msg_controllen = sizeof(ctl.buf);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	while (sendmsg(sock, &msg, MSG_NOSIGNAL) < 0) {
		if (errno != EINTR)
			return -1;
	}
	return 0;
}

// xs_request is a parsed request: "id\0uid\0gid\0flags\0cwd\0nenv\0env...\0argv...\0".
struct xs_request {
	char *id;
	uid_t uid;
	gid_t gid;
	int flags;
	char *cwd;
	char **env;
	char **argv;
};

// xs_parse splits buf (n bytes, NUL-terminated fields) into r. The arrays
// point into buf. Returns -1 on a malformed request.
static int xs_parse(char *buf, size_t n, struct xs_request *r)
{
	char *fields[6];
	char *p = buf, *end = buf + n;
	long nenv;
	size_t count = 0, i;

	if (n == 0 || buf[n - 1] != '\0')
		return -1;
	for (char *q = buf; q < end; q++)
		if (*q == '\0')
			count++;
	if (count < 7)
		return -1;
	for (i = 0; i < 6; i++) {
		fields[i] = p;
		p += strlen(p) + 1;
	}
	nenv = atol(fields[5]);
	if (nenv < 0 || (size_t)nenv + 7 > count)
		return -1;
	r->id = fields[0];
	r->uid = (uid_t)strtoul(fields[1], NULL, 10);
	r->gid = (gid_t)strtoul(fields[2], NULL, 10);
	r->flags = atoi(fields[3]);
	r->cwd = fields[4];
	r->env = calloc(nenv + 1, sizeof(char *));
	r->argv = calloc(count - 6 - nenv + 1, sizeof(char *));
	if (!r->env || !r->argv)
		return -1;
	for (i = 0; i < (size_t)nenv; i++) {
		r->env[i] = p;
		p += strlen(p) + 1;
	}
	for (i = 0; p < end; i++) {
		r->argv[i] = p;
		p += strlen(p) + 1;
	}
	return 0;
}

// xs_exec runs in the forked child: it becomes the command. A command that
// cannot be run exits with LXD's codes: 127 missing, 126 not executable.
static void xs_exec(struct xs_request *r, int fds[3])
{
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int s = 1; s < NSIG; s++)
		signal(s, SIG_DFL);
	for (int i = 0; i < 3; i++) {
		if (dup2(fds[i], i) < 0)
			_exit(1);
	}
	syscall(SYS_close_range, 3, ~0U, 0);
	setsid();
	if ((r->flags & XS_TTY) && ioctl(0, TIOCSCTTY, 0) < 0)
		dprintf(2, "Failed to set the controlling terminal: %s\n", strerror(errno));
	// Like liblxc's attach: no supplementary groups, then gid and uid.
	if (setgroups(0, NULL) < 0 && errno != EPERM)
		_exit(1);
	if (setgid(r->gid) < 0 || setuid(r->uid) < 0) {
		dprintf(2, "Failed to switch to uid %u gid %u: %s\n", r->uid, r->gid, strerror(errno));
		_exit(1);
	}
	// liblxc starts in / when the working directory is missing.
	if (chdir(r->cwd) < 0 && chdir("/") < 0)
		_exit(1);
	environ = r->env;
	execvp(r->argv[0], r->argv);
	_exit(errno == ENOENT ? 127 : 126);
}

// xs_start handles one request message: fork the command, reply
// "started <id> <pid>" with its pidfd, or "failed <id> <reason>".
static void xs_start(int sock, char *buf, size_t n, int fds[3], struct xs_child **kids, size_t *nkids)
{
	struct xs_request r = {0};
	struct xs_child *grown;
	pid_t pid;
	int pidfd;

	if (xs_parse(buf, n, &r) < 0 || !r.argv[0]) {
		xs_send(sock, -1, "failed %s malformed request", r.id ? r.id : "-");
		goto out;
	}
	grown = realloc(*kids, (*nkids + 1) * sizeof(**kids));
	if (!grown) {
		xs_send(sock, -1, "failed %s out of memory", r.id);
		goto out;
	}
	*kids = grown;
	pid = fork();
	if (pid < 0) {
		xs_send(sock, -1, "failed %s fork: %s", r.id, strerror(errno));
		goto out;
	}
	if (pid == 0)
		xs_exec(&r, fds);
	// The child is not reaped before this returns: pidfd names it.
	pidfd = syscall(SYS_pidfd_open, pid, 0);
	(*kids)[*nkids].pid = pid;
	snprintf((*kids)[*nkids].id, sizeof((*kids)[*nkids].id), "%s", r.id);
	(*nkids)++;
	xs_send(sock, pidfd, "started %s %d", r.id, pid);
	if (pidfd >= 0)
		close(pidfd);
out:
	free(r.env);
	free(r.argv);
}

// xs_reap reports every ended child: "exit <id> <code>" (128+N when killed
// by signal N).
static void xs_reap(int sock, struct xs_child *kids, size_t *nkids)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (size_t i = 0; i < *nkids; i++) {
			if (kids[i].pid != pid)
				continue;
			xs_send(sock, -1, "exit %s %d", kids[i].id,
				WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status));
			kids[i] = kids[--(*nkids)];
			break;
		}
	}
}

// xs_recv reads one request with its three stdio fds. Returns the length,
// 0 at end of stream, -1 on error (errno). A request that came without
// its fds (or with others) has fds[0] == -1.
static ssize_t xs_recv(int sock, char *buf, size_t size, int fds[3])
{
	union {
		char buf[CMSG_SPACE(3 * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { buf, size };
	struct msghdr msg = {0};
	struct cmsghdr *c;
	ssize_t n;

	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = ctl.buf;
	msg.msg_controllen = sizeof(ctl.buf);
	n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	if (n <= 0)
		return n;
	c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len != CMSG_LEN(3 * sizeof(int)) || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
		// Close whatever came, however many.
		for (; c; c = CMSG_NXTHDR(&msg, c)) {
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
				int *got = (int *)CMSG_DATA(c);
				for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++)
					close(got[i]);
			}
		}
		fds[0] = fds[1] = fds[2] = -1;
		return n;
	}
	memcpy(fds, CMSG_DATA(c), 3 * sizeof(int));
	return n;
}

// xs_serve is the server: attached to the container (all but its PID
// namespace, so no process inside sees it), it joins the PID namespace
// for its children only, then forks commands until the daemon hangs up or
// the container's init exits.
static int xs_serve(void *payload)
{
	struct xs_ctx *x = payload;
	struct xs_child *kids = NULL;
	size_t nkids = 0;
	sigset_t chld;
	char *buf;
	int sfd;

	if (setns(x->pidns, CLONE_NEWPID) < 0) {
		xs_send(x->sock, -1, "error Failed to join the PID namespace: %s", strerror(errno));
		return 1;
	}
	close(x->pidns);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
	buf = malloc(XS_MAX_REQUEST);
	if (sfd < 0 || !buf) {
		xs_send(x->sock, -1, "error Failed to set up the exec server");
		return 1;
	}
	xs_send(x->sock, -1, "ready %d", getpid());
	for (;;) {
		struct pollfd p[3] = {
			{ .fd = x->sock, .events = POLLIN },
			{ .fd = sfd, .events = POLLIN },
			{ .fd = x->initfd, .events = POLLIN },
		};
		struct signalfd_siginfo si;
		int fds[3];
		ssize_t n;

		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		if (p[1].revents & POLLIN) {
			while (read(sfd, &si, sizeof(si)) == sizeof(si))
				;
			xs_reap(x->sock, kids, &nkids);
		}
		// init exits only after its namespace is empty, and our children
		// in it must be reaped for that: they were, above.
		if (p[2].revents) {
			xs_reap(x->sock, kids, &nkids);
			return 0;
		}
		if (p[0].revents & POLLIN) {
			n = xs_recv(x->sock, buf, XS_MAX_REQUEST, fds);
			if (n == 0)
				return 0;
			if (n == -1 && errno != EINTR && errno != EAGAIN)
				return 1;
			if (n > 0 && fds[0] < 0) {
				// The id leads the request: the daemon runs it elsewhere.
				buf[n - 1] = '\0';
				xs_send(x->sock, -1, "failed %s request without its stdio", buf);
			} else if (n > 0) {
				xs_start(x->sock, buf, n, fds, &kids, &nkids);
				for (int i = 0; i < 3; i++)
					close(fds[i]);
			}
		} else if (p[0].revents & (POLLHUP | POLLERR)) {
			return 0;
		}
	}
}

// xs_namespaces returns the CLONE_NEW* flags of the namespaces init does
// not share with this process, PID excepted.
static int xs_namespaces(pid_t init)
{
	static const struct { const char *name; int flag; } ns[] = {
		{ "mnt", CLONE_NEWNS }, { "uts", CLONE_NEWUTS }, { "ipc", CLONE_NEWIPC },
		{ "user", CLONE_NEWUSER }, { "net", CLONE_NEWNET }, { "cgroup", CLONE_NEWCGROUP },
	};
	int flags = 0;

	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		char path[64];
		struct stat theirs, ours;

		snprintf(path, sizeof(path), "/proc/%d/ns/%s", init, ns[i].name);
		if (stat(path, &theirs) < 0)
			continue;
		snprintf(path, sizeof(path), "/proc/self/ns/%s", ns[i].name);
		if (stat(path, &ours) < 0 || theirs.st_ino != ours.st_ino || theirs.st_dev != ours.st_dev)
			flags |= ns[i].flag;
	}
	return flags;
}

// lxcdrv_execserver is "forkexecd <name> <lxcpath> <config>" with the
// daemon's socket on fd 3: it attaches the server and waits for it (the
// server is its child), so the daemon reaps this helper and the helper the
// server.
int lxcdrv_execserver(int argc, char **argv)
{
	lxc_attach_options_t opts = LXC_ATTACH_OPTIONS_DEFAULT;
	struct xs_ctx x = { .sock = 3, .pidns = -1, .initfd = -1 };
	struct lxc_container *c;
	char path[64];
	pid_t init, pid;
	int status, ret;

	if (argc != 3) {
		xs_send(3, -1, "error usage: forkexecd <name> <lxcpath> <config>");
		return 1;
	}
	c = lxc_container_new(argv[0], argv[1]);
	if (!c || !c->load_config(c, argv[2])) {
		xs_send(3, -1, "error Failed to load container %s with %s", argv[0], argv[2]);
		return 1;
	}
	init = c->init_pid(c);
	if (init > 0) {
		x.initfd = syscall(SYS_pidfd_open, init, 0);
		snprintf(path, sizeof(path), "/proc/%d/ns/pid", init);
		x.pidns = open(path, O_RDONLY | O_CLOEXEC);
	}
	// The pidfd must name this container's init, not a recycled pid.
	if (init <= 0 || x.initfd < 0 || x.pidns < 0 || c->init_pid(c) != init) {
		xs_send(3, -1, "error The instance is not running");
		return 1;
	}
	opts.namespaces = xs_namespaces(init);
	ret = c->attach(c, xs_serve, &x, &opts, &pid);
	lxc_container_put(c);
	close(x.initfd);
	close(x.pidns);
	if (ret < 0) {
		xs_send(3, -1, "error Failed to attach to the instance");
		return 1;
	}
	close(3);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return 1;
	}
	return 0;
}
*/
import "C"
