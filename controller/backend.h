/* SPDX-License-Identifier: MIT */
/*
 * Scheduler backends: who sets a VM's priority. One ops table per backend
 * (local cgroups, XenAPI, xl), listed in backend-table.c.
 *
 * All weights and caps are in Xen credit-scheduler units on every backend:
 * weight 1-65535 (256 = default), cap in percent of one physical CPU
 * (0 = no cap). The local backend maps them onto cgroup knobs.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_writer;

#define XEN_WEIGHT_MIN	   1
#define XEN_WEIGHT_MAX	   65535
#define XEN_WEIGHT_DEFAULT 256
#define XEN_CAP_MAX	   25600 /* 256 CPUs' worth; backends may reject less */

/* A failure as data: a short machine code and a one-line human message. */
struct backend_err {
	char code[64]; /* e.g. "SESSION_INVALID", "ENOENT", "NOT_IMPLEMENTED" */
	char msg[512]; /* one line, no password ever */
	bool usage;    /* the host or the input is wrong, not the run: the command exits 2 */
};

/* Marks err as the host's or the input's fault (msg says what to do): exit status 2. */
static inline void backend_err_usage(struct backend_err *err)
{
	if (err)
		err->usage = true;
}

void backend_errf(struct backend_err *err, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A scheduler setting. A field < 0 means "not given / leave as is". */
struct sched_params {
	int weight;
	int cap;
};

struct vm_info {
	char *name;		   /* name-label / cgroup vm name */
	char *id;		   /* backend's id: domid, OpaqueRef, cgroup path */
	char *power_state;	   /* "Running", "Halted", ... or NULL */
	char *host;		   /* resident host or NULL */
	int vcpus;		   /* -1 unknown */
	struct sched_params sched; /* effective values (defaults filled in) */
};

void vm_info_done(struct vm_info *vm);
void vm_info_array_free(struct vm_info *vms, size_t n);

/* The scheduler as it is around one VM; "" / -1 where unknown. */
struct backend_sched_details {
	char cpupool[64]; /* Xen: the VM's cpupool */
	int tslice_ms;	  /* credit: the pool's time slice */
	int ratelimit_us; /* credit, credit2: the pool's context-switch rate limit */
};

/* What the backend can do here, said plainly for `isolab check` and the manifest. */
struct backend_caps {
	bool weight;
	bool cap;
	bool live;	       /* changes apply to running VMs now */
	const char *scheduler; /* "credit", "credit2", "cgroup-v2", "cgroup-v1", ... */
	char notes[1024];      /* human: what is unavailable and why */
};

/*
 * A backend's option: one row drives the scenario's [global] key, the
 * command-line option and its help line, the journal record (so that a crash
 * can be undone with the same settings) and the manifest.
 */
enum backend_opt_type {
	BOPT_STRING,  /* text without control characters */
	BOPT_URL,     /* http:// or https:// */
	BOPT_SSH,     /* an ssh destination: user@host, not starting with '-' */
	BOPT_BOOL,    /* yes/no in a scenario, a flag on the command line */
	BOPT_INT,     /* a whole number in [min, max] */
	BOPT_REFUSED, /* never accepted: help says why and what to use instead */
};

#define BOPT_NO_SCENARIO (1u << 0) /* command line and environment only */
#define BOPT_OWN	 (1u << 1) /* refused when --backend names a backend without it */
#define BOPT_PREFIX	 (1u << 2) /* make_opts: the key is a prefix ("xl." takes xl.KEY) */

struct backend_opt {
	const char *key; /* [global] key and journal key: "xenapi_url" */
	enum backend_opt_type type;
	const char *cli;      /* long option without "--" ("url"), NULL = none */
	const char *metavar;  /* "URL" */
	const char *help;     /* one line for --help; for BOPT_REFUSED the reason */
	const char *env;      /* environment variable read when not given, or NULL */
	const char *manifest; /* key in manifest.json's "backend" object, NULL = not recorded */
	int64_t min, max;     /* BOPT_INT: its range; strings: their length (0, 0 = 1..1024) */
	unsigned flags;
};

/*
 * Checks value against o's type and range. On failure writes what was
 * expected ("expected user@host") into why and returns -EINVAL.
 */
int backend_opt_check(const struct backend_opt *o, const char *value, char *why, size_t len);

#define BACKEND_MAX_OPTS 24

struct backend_kv {
	const char *key;
	const char *value;
};

/* What a backend is opened with. Strings are the caller's: they must outlive open(). */
struct backend_config {
	const char *name;   /* "local", "xenapi", "xl", ... */
	const char *run_id; /* the run opening it (local: cgroup/netns prefix isolab-<run>) */
	struct backend_kv opts[BACKEND_MAX_OPTS]; /* the options given, by key */
	size_t n_opts;
};

/* The value of option key, NULL when not given. */
const char *backend_cfg_get(const struct backend_config *cfg, const char *key);
/* A BOPT_BOOL option: true when given as yes/true/1/on. */
bool backend_cfg_flag(const struct backend_config *cfg, const char *key);
/* Sets (or replaces) option key; -E2BIG when full. */
int backend_cfg_set(struct backend_config *cfg, const char *key, const char *value);
/* Copies over's name and every option it sets onto dst (the command line over a scenario). */
int backend_cfg_merge(struct backend_config *dst, const struct backend_config *over);

struct backend;

/* What a run asks a backend to prepare: one per VM of the scenario. */
enum backend_role {
	BACKEND_ROLE_VICTIM,
	BACKEND_ROLE_NEIGHBOR,
	BACKEND_ROLE_PROBE,
};

/* 0 = no limit / leave the default. */
struct backend_vm {
	const char *name; /* the backend's identity of the VM */
	enum backend_role role;
	uint64_t memory_max; /* bytes */
	uint64_t pids_max;
	int io_weight;	      /* Xen-like scale: 256 = default, 0 = leave */
	uint64_t cpu_max_pct; /* percent of one CPU, 0 = none (same as Xen cap) */
};

/*
 * One VM a backend makes for a run: a [vm] or [group] member with
 * provisioning keys (template = ..., config = ...). Its identity is
 * "isolab-RUN-NAME": the run id in the name is the tag by which a restore
 * finds it, and nothing without that tag is ever touched.
 */
struct backend_make {
	const char *name;	       /* the scenario's VM name, "noisy-3" */
	const char *ident;	       /* its identity as the scenario gives it (vm = ...) */
	const char *run_id;	       /* the run making it */
	const struct backend_kv *keys; /* its provisioning keys, as given */
	size_t n_keys;
	const char *victim; /* the victim's identity (host = with-victim) */
	/*
	 * Journals one fact of the VM (KEY VALUE, e.g. "name isolab-R-noisy-3",
	 * "ref OpaqueRef:...") before the step that makes it true; the journal is
	 * fsync'd when it returns 0.
	 */
	int (*note)(void *arg, const char *vm, const char *key, const char *value);
	void *note_arg;
};

#define BACKEND_ID_MAX 128 /* a made VM's identity */

/* A host of the backend's pool, for `isolab hosts`. */
struct backend_host {
	char *name;
	char *address;
	char *sched; /* scheduler, "" unknown */
	bool enabled;
	int cpus;	    /* -1 unknown */
	uint64_t mem_total; /* bytes, 0 unknown */
	uint64_t mem_free;  /* what a new VM can get */
	char **resident;    /* names of the guests on it */
	size_t n_resident;
};

void backend_hosts_free(struct backend_host *h, size_t n);
/* The value of a provisioning key of m, NULL when not given. */
const char *backend_make_get(const struct backend_make *m, const char *key);
/* "isolab-RUN-NAME" into buf; -ENAMETOOLONG when it does not fit. */
int backend_made_name(const char *run_id, const char *vm, char *buf, size_t len);

struct backend_ops {
	const char *name;
	const char *summary; /* a few words for --help ("one host's cgroups") */
	/* Options it takes, ending with a row whose key is NULL; NULL = none. */
	const struct backend_opt *opts;
	/* Connects / detects. *out is written only on success. */
	int (*open)(const struct backend_config *cfg, struct backend **out,
		    struct backend_err *err);
	void (*close)(struct backend *b); /* logs out, frees; NULL is a no-op */
	int (*caps)(struct backend *b, struct backend_caps *out, struct backend_err *err);
	/* VMs that are not templates nor control domains; caller frees with vm_info_array_free. */
	int (*list_vms)(struct backend *b, struct vm_info **out, size_t *n,
			struct backend_err *err);
	/* Effective weight/cap (defaults filled in), and whether it is live. */
	int (*sched_get)(struct backend *b, const char *vm, struct sched_params *out, bool *live,
			 struct backend_err *err);
	/* Sets the given fields (< 0 = leave), then reads back to verify. */
	int (*sched_set)(struct backend *b, const char *vm, const struct sched_params *p,
			 struct backend_err *err);
	/* Extra facts for the manifest (pool, host, scheduler), inside an open object. */
	void (*describe)(struct backend *b, struct json_writer *w);
	/*
	 * Optional: the VM's CPU time so far in ns (all its vCPUs/threads), for
	 * its share of a measurement; *source (static) names the counter
	 * ("cgroup cpuacct.usage", "xl list"). -ENOTSUP with err saying why
	 * when this backend cannot tell here.
	 */
	int (*vm_cpu_time)(struct backend *b, const char *vm, uint64_t *ns, const char **source,
			   struct backend_err *err);
	/* Optional: the scheduler's setting around vm (Xen: its cpupool's time slice). */
	int (*sched_details)(struct backend *b, const char *vm, struct backend_sched_details *out,
			     struct backend_err *err);

	/*
	 * The lifecycle of a run, every member optional (NULL: nothing to do).
	 * A backend with prepare() makes its VMs itself, so they need not exist
	 * beforehand; one without works on VMs that exist.
	 */
	/* Makes the run's VMs (cfg.run_id names the run); undoes its own partial work on failure. */
	int (*prepare)(struct backend *b, const struct backend_vm *vms, size_t n,
		       struct backend_err *err);
	/* In a forked child before exec (async-signal-safe): moves it into vm. 0 or -errno. */
	int (*enter)(struct backend *b, const char *vm);
	/* The VM's address as the other VMs reach it, NULL when unknown. */
	const char *(*vm_addr)(struct backend *b, const char *vm);
	/* One sentence for the manifest: how the probe VM is protected. NULL or "" = nothing. */
	const char *(*protection)(struct backend *b);
	/* Removes what prepare() made. Idempotent. */
	int (*teardown)(struct backend *b, struct backend_err *err);
	/*
	 * After a crash, without the dead run's memory: removes every leftover of
	 * run run_id found by name. Returns how many objects went, or -errno.
	 */
	int (*cleanup_run)(const struct backend_config *cfg, const char *run_id,
			   struct backend_err *err);

	/*
	 * Neighbours on demand, every member optional (NULL: the backend makes no
	 * VM from a template). make_opts: the [vm]/[group] keys it takes
	 * (template, config, ...), ending with a row whose key is NULL.
	 */
	const struct backend_opt *make_opts;
	/*
	 * Every VM of a run is made by provision() after prepare() planned them
	 * (the local backend: each VM a cgroup and a namespace), not only those
	 * with provisioning keys; they go with unprovision() before teardown().
	 */
	bool provision_all;
	/*
	 * Makes one VM and starts it. First writes its identity into id (len
	 * bytes) and notes it; then notes each step before taking it. On failure
	 * id is still set, and unprovision(id) removes whatever exists.
	 */
	int (*provision)(struct backend *b, const struct backend_make *m, char *id, size_t len,
			 struct backend_err *err);
	/* Waits until VM id runs and vm_addr() knows its address; deadline in monotonic ns. */
	int (*wait_ready)(struct backend *b, const char *id, uint64_t deadline_ns,
			  struct backend_err *err);
	/* Stops and destroys a VM this run made, with the disks it owns. Gone already = done. */
	int (*unprovision)(struct backend *b, const char *id, struct backend_err *err);
	/*
	 * After a crash, from the journal: destroys what the facts a dead run
	 * noted for one VM describe, if it still carries run_id's tag. 0 when
	 * nothing of it is left, -errno (err says what, with the backend's code)
	 * when something stays: the journal is kept and restore tries again.
	 */
	int (*unprovision_noted)(const struct backend_config *cfg, const char *run_id,
				 const struct backend_kv *facts, size_t n, struct backend_err *err);
	/*
	 * For `isolab check`: whether count VMs like m could be made now (the
	 * template exists, the host has room). One human line into out either way;
	 * -errno when not (err with the backend's code).
	 */
	int (*check_make)(struct backend *b, const struct backend_make *m, unsigned count,
			  char *out, size_t len, struct backend_err *err);
	/* For `isolab hosts`: the hosts of the pool; free with backend_hosts_free(). */
	int (*hosts)(struct backend *b, struct backend_host **out, size_t *n,
		     struct backend_err *err);
};
