/*
 * hwbp-oracle: the Linux side of `./sandbox oracle` (oracle/README.md).
 *
 * Reads scenario files written for the sandbox's shell (one command per line; a
 * trailing "=> expectation" or "|| expectation" is ignored here: the comparison
 * with the sandbox is done by the Java side, org.hwbp.oracle), turns every step
 * into real Linux syscalls and prints, per step, what the kernel answered, in the
 * sandbox's words where the sandbox has words for it.
 *
 * Mapping (T = task number, 1, 2, ... in creation order):
 *   sim:task NAME            fork a child that loops reading commands from a pipe -> "task T"
 *   sim:switch C T|idle      sched_setaffinity(T, {C}); remembered as "T runs on C"
 *   sim:exit T               SIGKILL + waitpid (do_exit flushes its breakpoints)
 *   sim:access C A L r|w|x   the task switched in on C does the load/store/call; SIGTRAP
 *                            stops are caught with waitpid, perf hits via event counts
 *   hwbp:register ...        perf_event_open(PERF_TYPE_BREAKPOINT, pid of T or -1, C or -1),
 *                            pinned=1, sample_period=1, disabled/exclude_kernel from flags
 *   hwbp:wide A L TYPE       one CPU-bound perf_event_open per online CPU, all or nothing
 *   hwbp:modify ID ...       ioctl(PERF_EVENT_IOC_MODIFY_ATTRIBUTES)
 *   hwbp:unregister ID       close()
 *   hwbp:used                probe: does every online CPU still take 4 CPU-bound breakpoints
 *   ptrace:attach/detach T   PTRACE_SEIZE + PTRACE_INTERRUPT / PTRACE_DETACH
 *   ptrace:poke/peek T OFF   PTRACE_POKEUSER / PTRACE_PEEKUSER (drN = u_debugreg[N])
 *   ptrace:wait T            the last SIGTRAP stop since attach or ptrace:cont, or "running"
 *   ptrace:cont T            forgets that stop (the oracle already let the tracee run on)
 *   anything else            "unsupported"
 *
 * Output, per step: STEP FILE:LINE <TAB> OK|ERRNO|UNSUP|ERROR <TAB> TEXT <TAB> [NOTE],
 * TEXT's lines joined by " | ".  An access prints "no trap" or "#DB" and one line
 * per breakpoint that fired, with the range it watched at the time:
 *   perf bp ID +COUNT ADDR/LEN/TYPE
 *   ptrace task T SIGTRAP dr6=V dr7=V dr0=A dr1=A dr2=A dr3=A   (PEEKUSER at the stop)
 *   ptrace task T killed by SIGTRAP                             (an untraced task's hit)
 * so that the Java side can tell a true hit from an emulator's artefact.
 *
 * Two modes:
 *   - PID 1 (booted as /init of an initramfs under QEMU): mounts proc/sys/dev, sets
 *     perf_event_paranoid to -1, runs every scenario listed in /scenarios/ORDER,
 *     writes the results to the console and to /dev/ttyS1, powers off.
 *   - otherwise: hwbp-oracle FILE... (the native oracle, on the host's own kernel).
 * Every file starts with no task and no breakpoint: the previous file's tasks are
 * killed and its perf events closed, and a probe checks that every slot is free.
 *
 * Build: gcc -static -O2 -Wl,-Ttext-segment=0x10000000 -o hwbp-oracle hwbp-oracle.c
 * (the relocated text segment keeps 0x400000-0x700000 free for the fixed
 * test mappings at 0x401000 (code page of 'ret') and 0x600000-0x603fff (data)).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/user.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <termios.h>

#define CODE_PAGE 0x401000UL   /* executable page of 'ret' instructions */
#define DATA_BASE 0x600000UL   /* RW data: 0x600000 .. 0x603fff */
#define DATA_SIZE 0x4000UL

#define MAXTASKS 64
#define MAXBPS 4096
#define MAXCPUS 256
#define NOPID INT_MAX          /* a pid that cannot exist -> ESRCH */

/* ------------------------------------------------------------------ output */

static int res_fd = -1;        /* /dev/ttyS1 in init mode */

static void outv(const char *fmt, va_list ap)
{
	char buf[4096];
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	if (n < 0)
		return;
	if (n >= (int)sizeof buf)
		n = sizeof buf - 1;
	fwrite(buf, 1, n, stdout);
	fflush(stdout);
	if (res_fd >= 0) {
		ssize_t off = 0;
		while (off < n) {
			ssize_t w = write(res_fd, buf + off, n - off);
			if (w <= 0)
				break;
			off += w;
		}
	}
}

static void out(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	outv(fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------------ errno names */

static const char *errname(int e)
{
	switch (e) {
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case ESRCH: return "ESRCH";
	case EINTR: return "EINTR";
	case EIO: return "EIO";
	case E2BIG: return "E2BIG";
	case EBADF: return "EBADF";
	case ECHILD: return "ECHILD";
	case EAGAIN: return "EAGAIN";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case ENODEV: return "ENODEV";
	case EINVAL: return "EINVAL";
	case ENOSPC: return "ENOSPC";
	case ENOSYS: return "ENOSYS";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case ENOTTY: return "ENOTTY";
	case ERANGE: return "ERANGE";
	default: {
		static char b[32];
		snprintf(b, sizeof b, "E%d", e);
		return b;
	}
	}
}

/* ------------------------------------------------------------------ state */

enum st { RS_OK, RS_ERRNO, RS_ERROR, RS_UNSUP };

struct result {
	enum st st;
	int err;        /* errno for RS_ERRNO */
	char text[1024];/* the command's output, in the sandbox's format where it has one */
	char note[256]; /* how the oracle got it; printed in brackets, never compared */
};

struct task {
	int used;
	pid_t pid;
	int cmd_w;      /* parent -> child commands */
	int ack_r;      /* child -> parent acks */
	int traced;
	int stopped;    /* in a ptrace-stop we know of */
	int exited;     /* sim:exit done: the pid is gone, later uses give ESRCH */
	int have_trap;  /* a SIGTRAP stop since attach or ptrace:cont, for ptrace:wait */
	char trap_text[128];
	unsigned long dr[8];  /* DR0-DR3 and DR7 as the last successful POKEUSER left them */
	char name[64];
};

struct bp {
	int used;
	int nfd;
	int fds[MAXCPUS];
	struct perf_event_attr attr;
};

static struct task tasks[MAXTASKS + 1];
static int ntasks;
static struct bp bps[MAXBPS + 1];
static int nbps;
static int cpu_task[MAXCPUS];   /* sim:switch CPU T */
static int online[MAXCPUS];
static int nonline;

/* success: text is what the simulator would print */
static void r_ok(struct result *r, const char *fmt, ...)
{
	va_list ap;
	r->st = RS_OK;
	va_start(ap, fmt);
	vsnprintf(r->text, sizeof r->text, fmt, ap);
	va_end(ap);
}

/* failure with an errno: prints "error: ENAME" like the simulator ("error: ERRNO: message") */
static void r_fail(struct result *r, int e, const char *fmt, ...)
{
	r->st = RS_ERRNO;
	r->err = e;
	snprintf(r->text, sizeof r->text, "error: %s", errname(e));
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(r->note, sizeof r->note, fmt, ap);
		va_end(ap);
	}
}

/* the oracle itself could not do the step (no errno) */
static void r_error(struct result *r, const char *fmt, ...)
{
	va_list ap;
	r->st = RS_ERROR;
	strcpy(r->text, "error: ");
	va_start(ap, fmt);
	vsnprintf(r->text + 7, sizeof r->text - 7, fmt, ap);
	va_end(ap);
}

static void r_unsup(struct result *r, const char *why)
{
	r->st = RS_UNSUP;
	snprintf(r->text, sizeof r->text, "unsupported");
	if (why)
		snprintf(r->note, sizeof r->note, "%s", why);
}

static void r_note(struct result *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->note, sizeof r->note, fmt, ap);
	va_end(ap);
}

static void read_online_cpus(void)
{
	char buf[256] = "";
	int fd = open("/sys/devices/system/cpu/online", O_RDONLY);
	nonline = 0;
	if (fd >= 0) {
		ssize_t n = read(fd, buf, sizeof buf - 1);
		close(fd);
		if (n > 0) {
			buf[n] = 0;
			char *p = buf;
			while (*p && *p != '\n') {
				char *e;
				long a = strtol(p, &e, 10), b = a;
				if (e == p)
					break;
				p = e;
				if (*p == '-') {
					b = strtol(p + 1, &e, 10);
					p = e;
				}
				for (long c = a; c <= b && nonline < MAXCPUS; c++)
					online[nonline++] = (int)c;
				if (*p == ',')
					p++;
			}
		}
	}
	if (nonline == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		for (long c = 0; c < n && c < MAXCPUS; c++)
			online[nonline++] = (int)c;
	}
}

/* ------------------------------------------------------------------ child */

struct cmdmsg {
	char op;                /* 'r', 'w', 'x', 'q' */
	int len;
	unsigned long addr;
};

static void child_loop(int cmd_r, int ack_w)
{
	for (;;) {
		struct cmdmsg m;
		ssize_t n = read(cmd_r, &m, sizeof m);
		if (n == 0)
			_exit(0);
		if (n != sizeof m) {
			if (n < 0 && errno == EINTR)
				continue;
			_exit(1);
		}
		char ack = 'k';
		/* a store into the code page writes 'ret' instructions again, so that a later call there still returns */
		uint64_t v = m.addr >= CODE_PAGE && m.addr < CODE_PAGE + 0x1000 ? 0xc3c3c3c3c3c3c3c3ULL
									   : 0x5a5a5a5a5a5a5a5aULL;
		switch (m.op) {
		case 'w':
			switch (m.len) {
			case 1: *(volatile uint8_t *)m.addr = (uint8_t)v; break;
			case 2: *(volatile uint16_t *)m.addr = (uint16_t)v; break;
			case 4: *(volatile uint32_t *)m.addr = (uint32_t)v; break;
			case 8: *(volatile uint64_t *)m.addr = v; break;
			default: {
				for (int i = 0; i < m.len; i++)
					((volatile uint8_t *)m.addr)[i] = (uint8_t)v;
			}
			}
			break;
		case 'r': {
			volatile uint64_t sink = 0;
			switch (m.len) {
			case 1: sink = *(volatile uint8_t *)m.addr; break;
			case 2: sink = *(volatile uint16_t *)m.addr; break;
			case 4: sink = *(volatile uint32_t *)m.addr; break;
			case 8: sink = *(volatile uint64_t *)m.addr; break;
			default:
				for (int i = 0; i < m.len; i++)
					sink += ((volatile uint8_t *)m.addr)[i];
			}
			(void)sink;
			break;
		}
		case 'x':
			((void (*)(void))m.addr)();
			break;
		case 'q':
			_exit(0);
		default:
			ack = '?';
		}
		if (write(ack_w, &ack, 1) != 1)
			_exit(1);
	}
}

static int setup_fixed_mappings(void)
{
	void *c = mmap((void *)CODE_PAGE, 0x1000, PROT_READ | PROT_WRITE | PROT_EXEC,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (c == MAP_FAILED || c != (void *)CODE_PAGE) {
		out("# FATAL: cannot map code page at 0x%lx: %s\n", CODE_PAGE, strerror(errno));
		return -1;
	}
	memset(c, 0xc3, 0x1000);  /* ret everywhere */
	void *d = mmap((void *)DATA_BASE, DATA_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (d == MAP_FAILED || d != (void *)DATA_BASE) {
		out("# FATAL: cannot map data at 0x%lx: %s\n", DATA_BASE, strerror(errno));
		return -1;
	}
	memset(d, 0, DATA_SIZE);
	return 0;
}

/* ------------------------------------------------------------------ helpers */

static long ms_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int parse_num(const char *s, unsigned long long *v)
{
	if (!s || !*s)
		return -1;
	errno = 0;
	char *e;
	unsigned long long x = strtoull(s, &e, 0);
	if (*e || errno || s[0] == '-')
		return -1;
	*v = x;
	return 0;
}

static int parse_int(const char *s, long *v)
{
	if (!s || !*s)
		return -1;
	errno = 0;
	char *e;
	long x = strtol(s, &e, 0);
	if (*e || errno)
		return -1;
	*v = x;
	return 0;
}

static struct task *get_task(const char *s)
{
	long t;
	if (parse_int(s, &t) || t < 1 || t > ntasks || !tasks[t].used || tasks[t].exited)
		return NULL;
	return &tasks[t];
}

static pid_t task_pid_or_nopid(const char *s)
{
	struct task *t = get_task(s);
	return t ? t->pid : NOPID;
}

static int bp_type_of(const char *s, unsigned *type)
{
	if (!strcasecmp(s, "x")) *type = HW_BREAKPOINT_X;
	else if (!strcasecmp(s, "w")) *type = HW_BREAKPOINT_W;
	else if (!strcasecmp(s, "rw") || !strcasecmp(s, "wr")) *type = HW_BREAKPOINT_RW;
	else if (!strcasecmp(s, "r")) *type = HW_BREAKPOINT_R;
	else return -1;
	return 0;
}

static long perf_open(struct perf_event_attr *a, pid_t pid, int cpu)
{
	return syscall(SYS_perf_event_open, a, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

static void init_attr(struct perf_event_attr *a, unsigned long long addr,
		      unsigned long long len, unsigned type, int disabled, int user)
{
	memset(a, 0, sizeof *a);
	a->type = PERF_TYPE_BREAKPOINT;
	a->size = sizeof *a;
	a->bp_addr = addr;
	a->bp_len = len;
	a->bp_type = type;
	a->disabled = disabled ? 1 : 0;
	a->exclude_kernel = user ? 1 : 0;
	a->pinned = 1;
	a->sample_period = 1;
}

/* wait for the traced task to be in a ptrace-stop we can poke */
static int ensure_stopped(struct task *t)
{
	if (!t->traced || t->stopped)
		return 0;
	if (ptrace(PTRACE_INTERRUPT, t->pid, 0, 0) < 0)
		return -errno;
	for (;;) {
		int st;
		pid_t w = waitpid(t->pid, &st, __WALL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (WIFEXITED(st) || WIFSIGNALED(st)) {
			t->traced = 0;
			return -ESRCH;
		}
		if (WIFSTOPPED(st)) {
			if ((st >> 16) == PTRACE_EVENT_STOP) {
				t->stopped = 1;
				return 0;
			}
			/* some other stop (e.g. a signal): swallow it and keep waiting for the interrupt */
			ptrace(PTRACE_CONT, t->pid, 0, 0);
		}
	}
}

/* ------------------------------------------------------------------ commands */

static void cmd_task(int argc, char **argv, struct result *r)
{
	if (ntasks >= MAXTASKS) {
		r_error(r, "too many tasks");
		return;
	}
	int cp[2], ap[2];
	if (pipe(cp) || pipe(ap)) {
		r_error(r, "pipe: %s", strerror(errno));
		return;
	}
	pid_t pid = fork();
	if (pid < 0) {
		r_error(r, "fork: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		close(cp[1]);
		close(ap[0]);
		/* close every other descriptor (perf fds of the parent, other pipes) */
		for (int fd = 3; fd < 1024; fd++)
			if (fd != cp[0] && fd != ap[1])
				close(fd);
		/* tell the parent: until now this child held every perf event open too, and a breakpoint
		 * unregistered by the parent would keep its slot until the child's copy was closed */
		char ready = 'k';
		if (write(ap[1], &ready, 1) != 1)
			_exit(1);
		child_loop(cp[0], ap[1]);
	}
	close(cp[0]);
	close(ap[1]);
	char ready;
	if (read(ap[0], &ready, 1) != 1) {
		r_error(r, "task did not start");
		return;
	}
	fcntl(cp[1], F_SETFD, FD_CLOEXEC);
	fcntl(ap[0], F_SETFD, FD_CLOEXEC);
	int id = ++ntasks;
	struct task *t = &tasks[id];
	memset(t, 0, sizeof *t);
	t->used = 1;
	t->pid = pid;
	t->cmd_w = cp[1];
	t->ack_r = ap[0];
	snprintf(t->name, sizeof t->name, "%s", argc > 1 ? argv[1] : "");
	r_ok(r, "task %d", id);
	r_note(r, "forked pid %d '%s'", (int)pid, t->name);
}

static void cmd_register(int argc, char **argv, struct result *r)
{
	long cpu = -1;
	const char *task = NULL;
	int disabled = 0, user = 0;
	const char *pos[8];
	int npos = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--cpu") && i + 1 < argc) {
			if (parse_int(argv[++i], &cpu)) {
				r_fail(r, EINVAL, "not a syscall: malformed --cpu");
				return;
			}
		} else if (!strcmp(argv[i], "--task") && i + 1 < argc) {
			task = argv[++i];
		} else if (!strcmp(argv[i], "--disabled")) {
			disabled = 1;
		} else if (!strcmp(argv[i], "--user")) {
			user = 1;
		} else if (npos < 8) {
			pos[npos++] = argv[i];
		}
	}
	unsigned long long addr, len;
	unsigned type;
	if (npos != 3) {
		r_fail(r, EINVAL, "not a syscall: expected ADDR LEN TYPE");
		return;
	}
	if (parse_num(pos[0], &addr) || parse_num(pos[1], &len) || bp_type_of(pos[2], &type)) {
		r_fail(r, EINVAL, "not a syscall: malformed %s", parse_num(pos[0], &addr) ? "ADDR" :
		       parse_num(pos[1], &len) ? "LEN" : "TYPE");
		return;
	}
	pid_t pid = -1;
	if (task)
		pid = task_pid_or_nopid(task);
	struct perf_event_attr a;
	init_attr(&a, addr, len, type, disabled, user);
	long fd = perf_open(&a, pid, (int)cpu);
	if (fd < 0) {
		int e = errno;
		r_fail(r, e, "perf_event_open(pid %d, cpu %ld)%s", (int)pid, cpu,
		       task && pid == NOPID ? "; unknown task -> nonexistent pid" : "");
		return;
	}
	if (nbps >= MAXBPS) {
		close(fd);
		r_error(r, "too many bps");
		return;
	}
	int id = ++nbps;
	bps[id].used = 1;
	bps[id].nfd = 1;
	bps[id].fds[0] = (int)fd;
	bps[id].attr = a;
	r_ok(r, "bp %d", id);
	r_note(r, "perf_event_open(pid %d, cpu %ld) fd %ld", (int)pid, cpu, fd);
}

static void cmd_wide(int argc, char **argv, struct result *r)
{
	int disabled = 0, user = 0;
	const char *pos[8];
	int npos = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--disabled"))
			disabled = 1;
		else if (!strcmp(argv[i], "--user"))
			user = 1;
		else if (npos < 8)
			pos[npos++] = argv[i];
	}
	unsigned long long addr, len;
	unsigned type;
	if (npos != 3) {
		r_fail(r, EINVAL, "not a syscall: expected ADDR LEN TYPE");
		return;
	}
	if (parse_num(pos[0], &addr) || parse_num(pos[1], &len) || bp_type_of(pos[2], &type)) {
		r_fail(r, EINVAL, "not a syscall: malformed ADDR/LEN/TYPE");
		return;
	}
	struct perf_event_attr a;
	init_attr(&a, addr, len, type, disabled, user);
	int fds[MAXCPUS];
	for (int i = 0; i < nonline; i++) {
		long fd = perf_open(&a, -1, online[i]);
		if (fd < 0) {
			int e = errno;
			for (int j = 0; j < i; j++)
				close(fds[j]);
			r_fail(r, e, "perf_event_open(pid -1, cpu %d) failed; %d opened and closed", online[i], i);
			return;
		}
		fds[i] = (int)fd;
	}
	int id = ++nbps;
	bps[id].used = 1;
	bps[id].nfd = nonline;
	memcpy(bps[id].fds, fds, sizeof(int) * nonline);
	bps[id].attr = a;
	r_ok(r, "wide %d", id);
	r_note(r, "one CPU-bound perf_event_open on each of %d online cpus", nonline);
}

static void cmd_unregister(int argc, char **argv, struct result *r)
{
	long id;
	if (argc < 2 || parse_int(argv[1], &id) || id < 1 || id > nbps || !bps[id].used) {
		r_fail(r, ENOENT, "not a syscall: no such breakpoint id");
		return;
	}
	for (int i = 0; i < bps[id].nfd; i++)
		close(bps[id].fds[i]);
	bps[id].used = 0;
	r_ok(r, "ok");
	r_note(r, "close() of %d fd(s)", bps[id].nfd);
}

/* hwbp:modify ID [--addr A] [--len L] [--type T] [--disabled|--enabled]
 * -> ioctl(PERF_EVENT_IOC_MODIFY_ATTRIBUTES) = modify_user_hw_breakpoint_check(check=true) */
static void cmd_modify(int argc, char **argv, struct result *r)
{
	long id;
	if (argc < 2 || parse_int(argv[1], &id) || id < 1 || id > nbps || !bps[id].used) {
		r_fail(r, ENOENT, "not a syscall: no such breakpoint id");
		return;
	}
	struct perf_event_attr a = bps[id].attr;
	for (int i = 2; i < argc; i++) {
		unsigned long long v;
		if (!strcmp(argv[i], "--addr") && i + 1 < argc) {
			if (parse_num(argv[++i], &v)) goto bad;
			a.bp_addr = v;
		} else if (!strcmp(argv[i], "--len") && i + 1 < argc) {
			if (parse_num(argv[++i], &v)) goto bad;
			a.bp_len = v;
		} else if (!strcmp(argv[i], "--type") && i + 1 < argc) {
			unsigned t;
			if (bp_type_of(argv[++i], &t)) goto bad;
			a.bp_type = t;
		} else if (!strcmp(argv[i], "--disable") || !strcmp(argv[i], "--disabled")) {
			a.disabled = 1;
		} else if (!strcmp(argv[i], "--enable") || !strcmp(argv[i], "--enabled")) {
			a.disabled = 0;
		} else {
			goto bad;
		}
	}
	for (int i = 0; i < bps[id].nfd; i++) {
		if (ioctl(bps[id].fds[i], PERF_EVENT_IOC_MODIFY_ATTRIBUTES, &a) < 0) {
			r_fail(r, errno, "ioctl(PERF_EVENT_IOC_MODIFY_ATTRIBUTES)");
			return;
		}
	}
	bps[id].attr = a;
	r_ok(r, "bp %ld", id);
	r_note(r, "ioctl(PERF_EVENT_IOC_MODIFY_ATTRIBUTES)");
	return;
bad:
	r_fail(r, EINVAL, "not a syscall: malformed option");
}

static int parse_user_off(const char *s, unsigned long *off)
{
	if ((s[0] == 'd' || s[0] == 'D') && (s[1] == 'r' || s[1] == 'R') && isdigit((unsigned char)s[2]) && !s[3]) {
		*off = offsetof(struct user, u_debugreg) + sizeof(unsigned long) * (s[2] - '0');
		return 0;
	}
	unsigned long long v;
	if (parse_num(s, &v))
		return -1;
	*off = v;
	return 0;
}

static void cmd_attach(int argc, char **argv, struct result *r)
{
	struct task *t = argc > 1 ? get_task(argv[1]) : NULL;
	if (!t) {
		/* nonexistent task: the real call fails with ESRCH */
		if (ptrace(PTRACE_SEIZE, NOPID, 0, 0) < 0)
			r_fail(r, errno, "PTRACE_SEIZE of a nonexistent pid (unknown task)");
		else
			r_error(r, "attach to NOPID succeeded?");
		return;
	}
	if (ptrace(PTRACE_SEIZE, t->pid, 0, 0) < 0) {
		r_fail(r, errno, "PTRACE_SEIZE");
		return;
	}
	t->traced = 1;
	t->stopped = 0;
	t->have_trap = 0;
	int e = ensure_stopped(t);
	if (e) {
		r_fail(r, -e, "PTRACE_INTERRUPT");
		return;
	}
	r_ok(r, "ok");
	r_note(r, "PTRACE_SEIZE + PTRACE_INTERRUPT of pid %d", (int)t->pid);
}

static void cmd_detach(int argc, char **argv, struct result *r)
{
	struct task *t = argc > 1 ? get_task(argv[1]) : NULL;
	pid_t pid = t ? t->pid : NOPID;
	if (t && t->traced)
		ensure_stopped(t);
	if (ptrace(PTRACE_DETACH, pid, 0, 0) < 0) {
		r_fail(r, errno, "PTRACE_DETACH");
		return;
	}
	if (t) {
		t->traced = 0;
		t->stopped = 0;
		t->have_trap = 0;
	}
	r_ok(r, "ok");
	r_note(r, "PTRACE_DETACH");
}

static void cmd_poke(int argc, char **argv, struct result *r)
{
	unsigned long off;
	unsigned long long val;
	if (argc < 4) {
		r_fail(r, EINVAL, "not a syscall: missing %s", argc < 2 ? "TASK" : argc < 3 ? "OFFSET" : "VALUE");
		return;
	}
	if (parse_user_off(argv[2], &off) || parse_num(argv[3], &val)) {
		r_fail(r, EINVAL, "not a syscall: malformed OFFSET/VALUE");
		return;
	}
	struct task *t = get_task(argv[1]);
	pid_t pid = t ? t->pid : NOPID;
	if (t)
		ensure_stopped(t);
	if (ptrace(PTRACE_POKEUSER, pid, (void *)off, (void *)(unsigned long)val) < 0) {
		r_fail(r, errno, "PTRACE_POKEUSER off %lu%s", off, t ? "" : "; unknown task -> nonexistent pid");
		return;
	}
	size_t dr0 = offsetof(struct user, u_debugreg);
	if (t && off >= dr0 && off < dr0 + 8 * sizeof(long) && (off - dr0) % sizeof(long) == 0)
		t->dr[(off - dr0) / sizeof(long)] = (unsigned long)val;
	r_ok(r, "0");
	r_note(r, "PTRACE_POKEUSER off %lu", off);
}

static void cmd_peek(int argc, char **argv, struct result *r)
{
	unsigned long off;
	if (argc < 3) {
		r_fail(r, EINVAL, "not a syscall: missing %s", argc < 2 ? "TASK" : "OFFSET");
		return;
	}
	if (parse_user_off(argv[2], &off)) {
		r_fail(r, EINVAL, "not a syscall: malformed OFFSET");
		return;
	}
	struct task *t = get_task(argv[1]);
	pid_t pid = t ? t->pid : NOPID;
	if (t)
		ensure_stopped(t);
	errno = 0;
	long v = ptrace(PTRACE_PEEKUSER, pid, (void *)off, 0);
	if (v == -1 && errno) {
		r_fail(r, errno, "PTRACE_PEEKUSER off %lu%s", off, t ? "" : "; unknown task -> nonexistent pid");
		return;
	}
	r_ok(r, "0x%lx", (unsigned long)v);
	r_note(r, "PTRACE_PEEKUSER off %lu", off);
}

static void cmd_switch(int argc, char **argv, struct result *r)
{
	long cpu;
	if (argc < 3 || parse_int(argv[1], &cpu) || cpu < 0) {
		r_fail(r, EINVAL, "not a syscall: %s CPU", argc < 2 ? "missing" : "malformed");
		return;
	}
	if (cpu >= nonline) {
		r_fail(r, EINVAL, "not a syscall: no such cpu");
		return;
	}
	if (!strcmp(argv[2], "idle")) {
		cpu_task[cpu] = 0;
		r_ok(r, "ok");
		r_note(r, "cpu %ld: no task switched in", cpu);
		return;
	}
	struct task *t = get_task(argv[2]);
	if (!t) {
		r_fail(r, ESRCH, "not a syscall: no such task");
		return;
	}
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(t->pid, sizeof set, &set) < 0) {
		r_fail(r, errno, "sched_setaffinity");
		return;
	}
	int tid = (int)(t - tasks);
	for (int c = 0; c < MAXCPUS; c++)
		if (cpu_task[c] == tid)
			cpu_task[c] = 0;   /* a task runs on one CPU at a time */
	cpu_task[cpu] = tid;
	r_ok(r, "ok");
	r_note(r, "task %d (pid %d) pinned to cpu %ld with sched_setaffinity", tid, (int)t->pid, cpu);
}

static void reap(struct task *t)
{
	kill(t->pid, SIGKILL);
	for (;;) {
		int st;
		pid_t w = waitpid(t->pid, &st, __WALL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 || WIFEXITED(st) || WIFSIGNALED(st))
			break;
	}
}

/* sim:exit T: the task exits (do_exit -> flush_ptrace_hw_breakpoint, perf task context freed) */
static void cmd_exit(int argc, char **argv, struct result *r)
{
	struct task *t = argc > 1 ? get_task(argv[1]) : NULL;
	if (!t) {
		r_fail(r, argc > 1 ? ESRCH : EINVAL, "not a syscall: %s", argc > 1 ? "no such task" : "missing TASK");
		return;
	}
	reap(t);
	t->exited = 1;
	t->traced = 0;
	t->stopped = 0;
	int tid = (int)(t - tasks);
	for (int c = 0; c < MAXCPUS; c++)
		if (cpu_task[c] == tid)
			cpu_task[c] = 0;
	r_ok(r, "ok");
	r_note(r, "SIGKILL + waitpid of pid %d", (int)t->pid);
}


static uint64_t bp_count(const struct bp *b)
{
	uint64_t sum = 0;
	for (int i = 0; i < b->nfd; i++) {
		uint64_t v = 0;
		if (read(b->fds[i], &v, sizeof v) == sizeof v)
			sum += v;
	}
	return sum;
}

static const char *type_name(unsigned t)
{
	switch (t) {
	case HW_BREAKPOINT_X: return "x";
	case HW_BREAKPOINT_W: return "w";
	case HW_BREAKPOINT_R: return "r";
	case HW_BREAKPOINT_RW: return "rw";
	default: return "?";
	}
}

static unsigned long peek_dr(pid_t pid, int n)
{
	errno = 0;
	return (unsigned long)ptrace(PTRACE_PEEKUSER, pid,
				     (void *)(offsetof(struct user, u_debugreg) + n * sizeof(long)), 0);
}

/* Send one command to a task's command loop and wait for its acknowledgement,
 * handling ptrace stops on the way: a SIGTRAP signal-delivery-stop is counted,
 * the virtual DR6, DR7 and DR0-DR3 are read with PEEKUSER at the first one (trap
 * holds them), and the signal is suppressed.  Returns 1 when acknowledged, 0 when
 * the task died (*died = its wait status) or did not answer, -1 when it cannot
 * be sent to. */
static int child_exec(struct task *t, const struct cmdmsg *m, int *ntrap, char *trap, size_t tl,
		      int *died, char *other, size_t ol)
{
	if (write(t->cmd_w, m, sizeof *m) != sizeof *m)
		return -1;
	if (t->traced && t->stopped) {
		ptrace(PTRACE_CONT, t->pid, 0, 0);
		t->stopped = 0;
	}
	long deadline = ms_now() + 20000;
	while (ms_now() < deadline) {
		struct pollfd p = { .fd = t->ack_r, .events = POLLIN };
		int pr = poll(&p, 1, t->traced ? 5 : 1000);
		if (pr > 0) {
			char c;
			if (read(t->ack_r, &c, 1) == 1)
				return 1;
			/* end of file: the task is gone (an untraced task's SIGTRAP kills it) */
			int st;
			if (waitpid(t->pid, &st, __WALL) == t->pid)
				*died = st;
			return 0;
		}
		if (!t->traced)
			continue;
		int st;
		pid_t w = waitpid(t->pid, &st, WNOHANG | __WALL);
		if (w != t->pid)
			continue;
		if (WIFSTOPPED(st)) {
			int sig = WSTOPSIG(st);
			if (sig == SIGTRAP && (st >> 16) == 0) {
				if (++*ntrap == 1) {
					unsigned long d[8];
					for (int n = 0; n < 8; n++)
						d[n] = (n == 4 || n == 5) ? 0 : peek_dr(t->pid, n);
					snprintf(trap, tl, "SIGTRAP dr6=0x%lx dr7=0x%lx dr0=0x%lx dr1=0x%lx dr2=0x%lx dr3=0x%lx",
						 d[6], d[7], d[0], d[1], d[2], d[3]);
				}
				ptrace(PTRACE_CONT, t->pid, 0, 0);  /* suppress the signal */
			} else if ((st >> 16) == PTRACE_EVENT_STOP) {
				ptrace(PTRACE_CONT, t->pid, 0, 0);
			} else {
				snprintf(other, ol, " other-stop sig=%d", sig);
				ptrace(PTRACE_CONT, t->pid, 0, (void *)(long)sig);
			}
		} else if (WIFEXITED(st) || WIFSIGNALED(st)) {
			*died = st;
			t->traced = 0;
			return 0;
		}
	}
	return 0;
}

static void cmd_access(int argc, char **argv, struct result *r)
{
	/* sim:access [--kernel] [--value V] CPU ADDR LEN r|w|x: the options may come anywhere */
	char *pos[4];
	int npos = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--kernel")) {
			r_unsup(r, "kernel-mode access not mapped");
			return;
		}
		if (!strcmp(argv[i], "--value")) {
			i++; /* the value written is not compared: only which breakpoints fire */
			continue;
		}
		if (npos == 4) {
			r_fail(r, EINVAL, "not a syscall: expected CPU ADDR LEN r|w|x");
			return;
		}
		pos[npos++] = argv[i];
	}
	long cpu;
	unsigned long long addr, len;
	if (npos < 4 || parse_int(pos[0], &cpu) || cpu < 0 || cpu >= MAXCPUS ||
	    parse_num(pos[1], &addr) || parse_num(pos[2], &len)) {
		r_fail(r, EINVAL, "not a syscall: expected CPU ADDR LEN r|w|x");
		return;
	}
	char op;
	if (!strcasecmp(pos[3], "r")) op = 'r';
	else if (!strcasecmp(pos[3], "w")) op = 'w';
	else if (!strcasecmp(pos[3], "x")) op = 'x';
	else {
		r_fail(r, EINVAL, "not a syscall: malformed access type");
		return;
	}
	int tid = cpu_task[cpu];
	if (!tid || !tasks[tid].used || tasks[tid].exited) {
		r_unsup(r, "no task switched in on that cpu");
		return;
	}
	int inmap = (op == 'x') ? (addr >= CODE_PAGE && addr + 1 <= CODE_PAGE + 0x1000)
				: (addr >= DATA_BASE && addr + len <= DATA_BASE + DATA_SIZE) ||
				  (addr >= CODE_PAGE && addr + len <= CODE_PAGE + 0x1000);
	if (!inmap || len == 0 || len > 64) {
		r_unsup(r, "address outside the oracle's fixed mappings");
		return;
	}
	struct task *t = &tasks[tid];
	struct cmdmsg m = { .op = op, .len = (int)len, .addr = addr };
	int ntrap = 0, died = -1;
	char trap[256] = "", other[128] = "";
	/* perf breakpoints raise no signal: observe their hits through the event counters */
	static uint64_t before[MAXBPS + 1];
	for (int i = 1; i <= nbps; i++)
		before[i] = bps[i].used ? bp_count(&bps[i]) : 0;
	int acked = child_exec(t, &m, &ntrap, trap, sizeof trap, &died, other, sizeof other);
	char hits[2048] = "";
	for (int i = 1; i <= nbps; i++) {
		if (!bps[i].used)
			continue;
		uint64_t d = bp_count(&bps[i]) - before[i];
		if (d) {
			size_t l = strlen(hits);
			snprintf(hits + l, sizeof hits - l, "\nperf bp %d +%llu 0x%llx/%llu/%s", i, (unsigned long long)d,
				 (unsigned long long)bps[i].attr.bp_addr, (unsigned long long)bps[i].attr.bp_len,
				 type_name(bps[i].attr.bp_type));
		}
	}
	if (acked < 0) {
		r_error(r, "cannot send command to task");
		return;
	}
	if (!acked && died >= 0 && WIFSIGNALED(died) && WTERMSIG(died) == SIGTRAP) {
		/* a hit of a ptrace breakpoint left behind after PTRACE_DETACH: the default action of SIGTRAP */
		t->exited = 1;
		for (int c = 0; c < MAXCPUS; c++)
			if (cpu_task[c] == tid)
				cpu_task[c] = 0;
		/* its DR6 died with it: say which DRs were enabled, for the Java side to judge the hit */
		r_ok(r, "#DB\nptrace task %d killed by SIGTRAP dr7=0x%lx dr0=0x%lx dr1=0x%lx dr2=0x%lx dr3=0x%lx%s", tid,
		     t->dr[7], t->dr[0], t->dr[1], t->dr[2], t->dr[3], hits);
		r_note(r, "task %d did the access and was killed by SIGTRAP (nobody traces it)", tid);
		return;
	}
	if (!acked) {
		r_error(r, "access did not complete%s%s", other, died >= 0 ? " (task died)" : "");
		return;
	}
	if (ntrap) {
		unsigned long dr6 = 0;
		sscanf(trap, "SIGTRAP dr6=0x%lx", &dr6);
		snprintf(t->trap_text, sizeof t->trap_text, "SIGTRAP dr6=0x%lx", dr6);
		t->have_trap = 1;
		r_ok(r, "#DB\nptrace task %d %s%s%s%s", tid, trap, ntrap > 1 ? " (repeated)" : "", hits, other);
		r_note(r, "task %d did the access; tracee stopped with SIGTRAP, DR6 = PEEKUSER(u_debugreg[6]) (ptrace's virtual DR6)", tid);
	} else if (hits[0]) {
		r_ok(r, "#DB%s%s", hits, other);
		r_note(r, "task %d did the access; perf breakpoint hits seen as event counts (no signal)", tid);
	} else {
		r_ok(r, "no trap%s", other);
		r_note(r, "task %d did the access; no SIGTRAP and no perf event count changed", tid);
	}
}

static struct task *traced_task(int argc, char **argv, struct result *r)
{
	struct task *t = argc > 1 ? get_task(argv[1]) : NULL;
	if (!t || !t->traced) {
		/* ptrace_check_attach(): a task we do not trace is ESRCH */
		r_fail(r, ESRCH, "not a syscall: %s", t ? "task not traced" : "no such task");
		return NULL;
	}
	return t;
}

static void cmd_wait(int argc, char **argv, struct result *r)
{
	struct task *t = traced_task(argc, argv, r);
	if (!t)
		return;
	if (t->have_trap) {
		r_ok(r, "%s", t->trap_text);
		r_note(r, "the last SIGTRAP stop seen during a sim:access");
	} else {
		r_ok(r, "running");
		r_note(r, "no SIGTRAP stop since attach or ptrace:cont");
	}
}

static void cmd_cont(int argc, char **argv, struct result *r)
{
	struct task *t = traced_task(argc, argv, r);
	if (!t)
		return;
	t->have_trap = 0;
	r_ok(r, "ok");
	r_note(r, "the tracee was let run on after its stop already");
}

/* Probe used for hwbp:used and for the per-file pre-check: does every online
 * CPU still accept 4 CPU-bound breakpoints?  True iff no breakpoint (CPU-bound or
 * task-bound) applies to any online CPU. */
static int probe_all_free(char *detail, size_t dl)
{
	struct perf_event_attr a;
	int free_all = 1;
	detail[0] = 0;
	for (int i = 0; i < nonline; i++) {
		int fds[8], n = 0;
		for (int k = 0; k < 4; k++) {
			init_attr(&a, DATA_BASE + 0x3f00 + 8 * k, 1, HW_BREAKPOINT_W, 1, 1);
			long fd = perf_open(&a, -1, online[i]);
			if (fd < 0)
				break;
			fds[n++] = (int)fd;
		}
		for (int k = 0; k < n; k++)
			close(fds[k]);
		size_t l = strlen(detail);
		snprintf(detail + l, dl - l, "%scpu%d:%d", i ? "," : "", online[i], n);
		if (n < 4)
			free_all = 0;
	}
	return free_all;
}

static void cmd_used(int argc, char **argv, struct result *r)
{
	(void)argc; (void)argv;
	char d[256];
	int f = probe_all_free(d, sizeof d);
	/* hw_breakpoint_is_used() is true iff some CPU-bound or task breakpoint applies to
	 * some CPU; with every possible CPU online that is exactly "some online CPU accepts
	 * fewer than 4 CPU-bound breakpoints".  The probe uses disabled events (never installed). */
	r_ok(r, "%s", f ? "false" : "true");
	r_note(r, "probe: CPU-bound slots still free per cpu %s", d);
}

/* ------------------------------------------------------------------ scenario runner */

static void cleanup(void)
{
	for (int i = 1; i <= nbps; i++)
		if (bps[i].used) {
			for (int k = 0; k < bps[i].nfd; k++)
				close(bps[i].fds[k]);
			bps[i].used = 0;
		}
	nbps = 0;
	for (int i = 1; i <= ntasks; i++) {
		struct task *t = &tasks[i];
		if (!t->used)
			continue;
		if (!t->exited)
			reap(t);
		close(t->cmd_w);
		close(t->ack_r);
		t->used = 0;
	}
	ntasks = 0;
	memset(cpu_task, 0, sizeof cpu_task);
}

static void run_step(int argc, char **argv, struct result *r)
{
	const char *c = argv[0];
	if (!strcmp(c, "sim:task")) cmd_task(argc, argv, r);
	else if (!strcmp(c, "hwbp:register")) cmd_register(argc, argv, r);
	else if (!strcmp(c, "hwbp:unregister")) cmd_unregister(argc, argv, r);
	else if (!strcmp(c, "hwbp:wide")) cmd_wide(argc, argv, r);
	else if (!strcmp(c, "hwbp:modify")) cmd_modify(argc, argv, r);
	else if (!strcmp(c, "hwbp:used")) cmd_used(argc, argv, r);
	else if (!strcmp(c, "ptrace:attach")) cmd_attach(argc, argv, r);
	else if (!strcmp(c, "ptrace:detach")) cmd_detach(argc, argv, r);
	else if (!strcmp(c, "ptrace:poke")) cmd_poke(argc, argv, r);
	else if (!strcmp(c, "ptrace:peek")) cmd_peek(argc, argv, r);
	else if (!strcmp(c, "ptrace:wait")) cmd_wait(argc, argv, r);
	else if (!strcmp(c, "ptrace:cont")) cmd_cont(argc, argv, r);
	else if (!strcmp(c, "sim:switch")) cmd_switch(argc, argv, r);
	else if (!strcmp(c, "sim:access")) cmd_access(argc, argv, r);
	else if (!strcmp(c, "sim:exit")) cmd_exit(argc, argv, r);
	else r_unsup(r, "command not mapped to syscalls");
}

static void run_file(const char *path, const char *name)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		out("=== BEGIN %s\n# cannot open: %s\n=== END %s\n", name, strerror(errno), name);
		return;
	}
	out("=== BEGIN %s\n", name);
	char d[256];
	int freeall = probe_all_free(d, sizeof d);
	out("# precheck: %s (%s)\n", freeall ? "all slots free" : "SLOTS IN USE BEFORE SCENARIO", d);
	static const char *st_name[] = { "OK", "ERRNO", "ERROR", "UNSUP" };
	char line[2048];
	int lineno = 0;
	while (fgets(line, sizeof line, f)) {
		lineno++;
		line[strcspn(line, "\r\n")] = 0;
		char *s = line;
		while (isspace((unsigned char)*s))
			s++;
		if (!*s || *s == '#')
			continue;
		/* the expectation ("=> ..." as the sandbox writes it, or "|| ...") is not the oracle's business */
		char *bar = strstr(s, "=>");
		if (!bar)
			bar = strstr(s, "||");
		if (bar)
			*bar = 0;
		char *argv[32];
		int argc = 0;
		for (char *tok = strtok(s, " \t"); tok && argc < 31; tok = strtok(NULL, " \t"))
			argv[argc++] = tok;
		argv[argc] = NULL;
		if (!argc)
			continue;
		struct result r;
		memset(&r, 0, sizeof r);
		run_step(argc, argv, &r);
		char flat[2200];
		size_t k = 0;
		for (const char *q = r.text; *q && k < sizeof flat - 4; q++) {
			if (*q == '\n') {
				if (q[1]) {
					flat[k++] = ' ';
					flat[k++] = '|';
					flat[k++] = ' ';
				}
			} else if (*q != '\t') {
				flat[k++] = *q;
			}
		}
		flat[k] = 0;
		out("STEP %s:%d\t%s\t%s\t[%s]\n", name, lineno, st_name[r.st], flat, r.note);
	}
	fclose(f);
	cleanup();
	out("=== END %s\n", name);
}

static void print_env(void)
{
	struct utsname u;
	if (!uname(&u))
		out("# kernel: %s %s %s\n", u.sysname, u.release, u.version);
	out("# online cpus: %d\n", nonline);
	FILE *f = fopen("/proc/cpuinfo", "r");
	if (f) {
		char l[4096];
		int gotm = 0, gotf = 0;
		while (fgets(l, sizeof l, f)) {
			if (!gotm && !strncmp(l, "model name", 10)) {
				out("# cpu %s", l);
				gotm = 1;
			}
			if (!gotf && !strncmp(l, "flags", 5)) {
				out("# cpu has bpext: %s\n", strstr(l, " bpext") ? "yes" : "no");
				gotf = 1;
			}
		}
		fclose(f);
	}
	out("# fixed mappings: code page 0x%lx (ret), data 0x%lx-0x%lx\n", CODE_PAGE, DATA_BASE,
	    DATA_BASE + DATA_SIZE - 1);
}

static void run_path(const char *path)
{
	const char *base = strrchr(path, '/');
	run_file(path, base ? base + 1 : path);
}

int main(int argc, char **argv)
{
	int init_mode = getpid() == 1;
	signal(SIGPIPE, SIG_IGN);
	if (init_mode) {
		mkdir("/proc", 0755);
		mkdir("/sys", 0755);
		mkdir("/dev", 0755);
		mount("proc", "/proc", "proc", 0, NULL);
		mount("sysfs", "/sys", "sysfs", 0, NULL);
		mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
		int fd = open("/proc/sys/kernel/perf_event_paranoid", O_WRONLY);
		if (fd >= 0) {
			if (write(fd, "-1\n", 3) < 0) { /* ignore */ }
			close(fd);
		}
		fd = open("/proc/sys/kernel/printk", O_WRONLY);
		if (fd >= 0) {
			if (write(fd, "1\n", 2) < 0) { /* ignore */ }
			close(fd);
		}
		/* no /dev/console node in the initramfs: re-open the console from devtmpfs */
		fd = open("/dev/console", O_RDWR | O_NOCTTY);
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
			if (fd > 2)
				close(fd);
		}
		res_fd = open("/dev/ttyS1", O_WRONLY | O_NOCTTY);
		if (res_fd >= 0) {
			struct termios tio;
			if (!tcgetattr(res_fd, &tio)) {
				cfmakeraw(&tio);
				tcsetattr(res_fd, TCSANOW, &tio);
			}
		}
	}
	read_online_cpus();
	if (setup_fixed_mappings())
		goto done;
	out("### hwbp-oracle start\n");
	print_env();
	if (init_mode) {
		FILE *o = fopen("/scenarios/ORDER", "r");
		char l[512];
		while (o && fgets(l, sizeof l, o)) {
			l[strcspn(l, "\r\n")] = 0;
			if (!*l)
				continue;
			char p[600];
			snprintf(p, sizeof p, "/scenarios/%s", l);
			run_file(p, l);
		}
		if (o)
			fclose(o);
	} else {
		for (int i = 1; i < argc; i++)
			run_path(argv[i]);
	}
done:
	out("### hwbp-oracle done\n");
	if (init_mode) {
		if (res_fd >= 0) {
			tcdrain(res_fd);
			close(res_fd);
		}
		sync();
		reboot(RB_POWER_OFF);
		for (;;)
			pause();
	}
	return 0;
}
