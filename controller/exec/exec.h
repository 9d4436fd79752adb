/* SPDX-License-Identifier: MIT */
/*
 * Executors: where the tools run. One ops table per executor, listed in
 * exec-table.c: local (fork/exec on this host, inside the VM when the backend
 * can enter one) and ssh (OpenSSH client to the guest, the tool under setsid
 * so that its remote process group can be killed). A scenario's VM picks one
 * with `exec = NAME` (default: ssh when it has `ssh = user@host`, else local).
 * Every tool runs in its own process group; its stdout is captured (the JSON
 * result) and its stderr goes to a file while being scanned for
 * "isolab-ready" and "isolab-pgid N" (docs/tools.md).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct backend;
struct backend_ops;
struct journal;
struct proc_spawn;

#define EXEC_MAX_OUT (16u << 20) /* a tool's JSON result, at most */

struct tool_proc {
	char label[96]; /* "probe", "bomb cpu", "victim": for messages */
	pid_t pid;	/* local child: the tool itself, or the ssh client */
	int out_fd;	/* stdout pipe, -1 once at EOF */
	int err_fd;	/* stderr pipe, -1 once at EOF */
	int err_file;	/* stderr copy, -1 when none */
	char *out;	/* captured stdout, NUL-terminated */
	size_t out_len;
	bool out_overflow;
	char line[512]; /* current stderr line being scanned */
	size_t line_len;
	bool ready;	 /* saw "isolab-ready" */
	bool ready_late; /* exec_wait_ready() gave up on it before it said so */
	bool exited;
	int status;		    /* wait status once exited */
	long remote_pgid;	    /* the remote process group ("isolab-pgid N"), 0 until known */
	const char *target;	    /* the executor's target (ssh destination), NULL when none */
	const struct exec_ops *ops; /* the executor that started it */
	struct journal *journal;
	uint64_t started_ns; /* monotonic: when start() spawned it */
	uint64_t remote_ns;  /* when its remote shell said "isolab-pgid": it runs there */
	char why[200];	     /* why it may have lost its result (stop not delivered...), "" */
};

/* What executors get from the run. */
struct exec_ctx {
	const struct backend_ops *bops; /* the run's backend: enter() places a local child */
	struct backend *b;
	struct journal *journal; /* every process started is journalled; may be NULL */
};

struct exec_ops {
	const char *name;	 /* `exec = NAME` in a [vm] section */
	const char *target_key;	 /* the [vm] key naming where it runs ("ssh"), NULL = none */
	const char *target_hint; /* what target_key expects, for messages: "[user@]host" */
	bool remote;		 /* the tool's files live on another machine */
	uint64_t stop_grace_ns;	 /* how long a tool gets between SIGTERM and SIGKILL */
	/*
	 * How long reaching the machine may take before a tool runs there (an ssh
	 * login on a starved guest): tools' ready budgets count from when they run,
	 * this bounds the wait before that. 0 for the local executor.
	 */
	uint64_t connect_ns;
	/* Whether target is acceptable (NULL member: any non-empty value). */
	bool (*target_valid)(const char *target);
	/* The address of target's machine ("user@host" -> "host") into buf, or NULL. */
	const char *(*target_host)(const char *target, char *buf, size_t len);
	/*
	 * Starts argv (argv[0] is the tool's bare name, e.g. "isolab-bomb") in vm
	 * (the backend's identity of the VM) at target. stderr_path may be NULL.
	 */
	int (*start)(const struct exec_ctx *x, const char *vm, const char *target,
		     char *const argv[], const char *stderr_path, struct tool_proc *p);
	/*
	 * Runs one short shell command line (values quoted with shell_quote()) in
	 * vm at target, stdin from stdin_data (NULL = none). 0 when it exited 0,
	 * -EIO when it did not, -ETIMEDOUT, or -errno.
	 */
	int (*oneshot)(const struct exec_ctx *x, const char *vm, const char *target,
		       const char *cmd, const char *stdin_data, uint64_t timeout_ns);
	/* Sends sig to the tool's whole process group (waits until it is sent). */
	int (*signal)(const struct exec_ctx *x, struct tool_proc *p, int sig);
	/*
	 * Starts sending SIGTERM to the tool's group without waiting: *helper gets
	 * the pid of a child (this process's) whose exit status 0 says it was
	 * delivered, 1 that the group was gone already, other: not delivered (try
	 * again). NULL member: signal() is used. Never ends what carries the
	 * tool's output (exec_stop_all() does that, when the tool's time is up).
	 */
	int (*term_start)(const struct exec_ctx *x, struct tool_proc *p, pid_t *helper);
	/*
	 * After a crash, from the journal: SIGKILL to the process group pgid at
	 * target (remote groups only; NULL when the executor has none).
	 */
	int (*kill_remote)(const char *target, long pgid);
	/*
	 * Copies the tools (paths, n of them) to target, for `isolab deploy`. NULL
	 * when the tools are there already. On failure, why gets one line.
	 */
	int (*deploy)(const char *target, const char *const paths[], size_t n, char *why,
		      size_t len);
};

void tool_proc_init(struct tool_proc *p, const char *label);
/* Closes fds and frees the buffer; does not kill. */
void tool_proc_done(struct tool_proc *p);
/* true while the process runs or its pipes are open */
bool tool_proc_active(const struct tool_proc *p);

/*
 * Reads what the tools wrote and reaps those that exited, waiting at most
 * timeout_ns for something to happen. Returns 0 or -errno (-EINTR on a signal).
 */
int exec_pump(struct tool_proc **procs, size_t n, uint64_t timeout_ns);

/*
 * Waits until every proc is ready or inactive, or a stop is requested, giving
 * each budget_ns counted from when it runs on its machine (its remote shell's
 * "isolab-pgid" line; until that came, its executor's connect_ns more). Those
 * that ran out get ready_late.
 */
void exec_wait_ready(struct tool_proc **procs, size_t n, uint64_t budget_ns);

/*
 * Stops the tools: SIGTERM to every group at once (over ssh: one session
 * each, in parallel, retried until it is delivered or the executor's
 * connect_ns and three times the tool's own start latency are spent), reading
 * their output all along; each tool gets grace_ns from when its signal was
 * delivered to exit (they print their JSON). Then SIGKILL to what is left,
 * with the reason in why.
 */
void exec_stop_all(const struct exec_ctx *x, struct tool_proc **procs, size_t n, uint64_t grace_ns);

/*
 * Finds a tool binary: $ISOLAB_TOOL_DIR, the directory of the running isolab,
 * its build-tree siblings (../bombs, ../probes, ../probes/victim), the bindir
 * this build installs to (ISOLAB_BINDIR), then PATH. Writes the path into
 * buf; -ENOENT if none.
 */
int exec_find_tool(const char *name, char *buf, size_t len);

/*
 * For executors' start(): spawns sp (its fds are set here) with stdout and
 * stderr piped into p, stderr also copied to stderr_path when given, and
 * journals the pid. The caller sets p->ops and p->target. 0 or -errno.
 */
int exec_spawn(const struct exec_ctx *x, struct proc_spawn *sp, const char *stderr_path,
	       struct tool_proc *p);
