/* SPDX-License-Identifier: MIT */
/*
 * Executors: where the tools run. One ops table per executor: local
 * (fork/exec into the VM's cgroups and network namespace through the local
 * backend) and ssh (OpenSSH client to the guest, the tool under setsid so
 * that its remote process group can be killed). Every tool runs in its own
 * process group; its stdout is captured (the JSON result) and its stderr
 * goes to a file while being scanned for "isolab-ready" (docs/tools.md).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct backend;
struct journal;

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
	bool ready; /* saw "isolab-ready" */
	bool exited;
	int status;		    /* wait status once exited */
	long remote_pgid;	    /* ssh: the remote process group, 0 until known */
	const char *ssh;	    /* ssh target, NULL for local */
	const struct exec_ops *ops; /* the executor that started it */
	struct journal *journal;
};

struct exec_ctx {
	struct backend *local; /* the local backend, for backend_local_enter(); may be NULL */
	struct journal *journal;
	const char *remote_path; /* ssh: dir prepended to PATH remotely, "isolab/bin" */
};

struct exec_ops {
	const char *name;
	/*
	 * Starts argv (argv[0] is the tool's bare name, e.g. "isolab-bomb") in vm
	 * (backend identity) or on host ssh. stderr_path may be NULL.
	 */
	int (*start)(const struct exec_ctx *x, const char *vm, const char *ssh, char *const argv[],
		     const char *stderr_path, struct tool_proc *p);
	/* Sends sig to the tool's whole process group. */
	int (*signal)(const struct exec_ctx *x, struct tool_proc *p, int sig);
};

extern const struct exec_ops exec_local_ops;
extern const struct exec_ops exec_ssh_ops;

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

/* Waits until every proc is ready or inactive, or the deadline passes / a stop is requested. */
void exec_wait_ready(struct tool_proc **procs, size_t n, uint64_t deadline_ns);

/*
 * Stops the tools: SIGTERM to each group, waits up to grace_ns for them to
 * exit (they print their JSON), then SIGKILL.
 */
void exec_stop_all(const struct exec_ctx *x, struct tool_proc **procs, size_t n, uint64_t grace_ns);

/*
 * Finds a tool binary: $ISOLAB_TOOL_DIR, the directory of the running isolab,
 * its build-tree siblings (../bombs, ../probes, ../probes/victim), then PATH.
 * Writes the path into buf; -ENOENT if none.
 */
int exec_find_tool(const char *name, char *buf, size_t len);

/* Appends s single-quoted for a POSIX shell; returns 0 or -E2BIG. */
int exec_shell_quote(const char *s, char *buf, size_t len);
