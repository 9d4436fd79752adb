// SPDX-License-Identifier: MIT
/*
 * The local backend: each "VM" is a cgroup group (cgroup.h) plus a network
 * namespace (netns.h), all of run R under isolab-R. Weights and caps arrive
 * in Xen units and are mapped onto cpu.weight / cpu.shares and cpu.max /
 * cfs quota. Leftovers are found by name, so a crashed run can be removed by
 * a process that never saw it.
 */
#include "local-priv.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup-knob.h"
#include "journal.h"
#include "json.h"
#include "local.h"
#include "clock.h"
#include "fileio.h"
#include "netns.h"
#include "parse.h"

static void build_notes(struct backend *b)
{
	const struct cg_sys *s = &b->sys;
	int cv = cg_ctrl_version(s, CG_CPU);

	local_notes_add(b, "cgroup %s at %s", cg_mode_name(s->mode), s->root);
	if (s->place == CG_PLACE_SYSTEMD)
		local_notes_add(
			b, "under systemd: each run's cgroups go into a transient scope "
			   "isolab-<run>.scope with Delegate=yes that isolab asks systemd for, "
			   "and the controllers are enabled inside it");
	else if (s->mode == CG_MODE_V2)
		local_notes_add(b, "no systemd: each run's cgroups are made in %s directly",
				s->hier[0].base);
	for (size_t h = 0; h < s->n_hier; h++)
		if (s->hier[h].version == 2 && !s->hier[h].ctrls && s->n_hier > 1)
			local_notes_add(b,
					"the v2 mount %s has no controllers: used only to track "
					"processes",
					s->hier[h].mount);
	if (cv == 2)
		local_notes_add(b,
				"weight w -> cpu.weight round(w*100/256) in 1..10000 (256 -> 100; "
				"every weight above 25600 gives 10000)");
	else if (cv == 1)
		local_notes_add(b, "weight w -> cpu.shares w*4 in 2..262144 (256 -> 1024)");
	if (cv && s->has_cfs)
		local_notes_add(b, "cap c -> CPU quota c*1000 us per %d us period", CG_CFS_PERIOD);
	if (cg_has(s, CG_IO) && s->io_knob[0] && cg_ctrl_version(s, CG_IO) == 2)
		local_notes_add(
			b,
			"weight w also sets %s round(w*100/256) in 1..%d on %s (%s%s), which "
			"holds %s where disk bombs write",
			s->io_knob, strcmp(s->io_knob, "io.weight") == 0 ? 10000 : 1000, s->io.name,
			s->io.sched, s->io.io_cost ? ", io.cost on" : "", s->io.path);
	else if (cg_has(s, CG_IO) && s->io_knob[0])
		local_notes_add(b, "weight w also sets %s", s->io_knob);
	else if (cg_ctrl_version(s, CG_IO) == 2)
		local_notes_add(b, "%s", s->io_note); /* v1 says why in the detection notes */
	if (s->notes[0])
		local_notes_add(b, "%s", s->notes);
}

static int local_open(const struct backend_config *cfg, struct backend **out,
		      struct backend_err *err)
{
	const char *root = cfg ? backend_cfg_get(cfg, LOCAL_OPT_CGROUP_ROOT) : NULL;
	const char *run = cfg ? cfg->run_id : NULL;
	struct backend *b;
	int r;

	if (!root && geteuid() != 0) {
		backend_errf(err, "EPERM",
			     "local backend: needs root (it creates cgroups and "
			     "network namespaces): run isolab as root");
		backend_err_usage(err);
		return -EPERM;
	}
	if (run && !cg_name_valid(run)) {
		backend_errf(err, "EINVAL",
			     "local backend: run id '%s' is not a name of 1-%d "
			     "characters [A-Za-z0-9_.-]",
			     run, CG_NAME_MAX);
		backend_err_usage(err);
		return -EINVAL;
	}
	b = calloc(1, sizeof(*b));
	if (!b) {
		backend_errf(err, "ENOMEM", "local backend: out of memory");
		return -ENOMEM;
	}
	r = cg_detect(root, &b->sys);
	if (r == -ENOENT) {
		backend_errf(err, "ENOENT",
			     "local backend: no cgroup filesystem mounted at %s: mount one (mount "
			     "-t cgroup2 none /sys/fs/cgroup) or use backend = xl or xenapi",
			     root ? root : "/sys/fs/cgroup");
		goto out_free;
	} else if (r < 0) {
		backend_errf(err, cg_errno_name(r), "local backend: cannot read %s: %s",
			     root ? root : "/sys/fs/cgroup", strerror(-r));
		goto out_free;
	}
	for (size_t h = 0; h < b->sys.n_hier; h++) {
		if (access(b->sys.hier[h].base, W_OK) == 0)
			continue;
		r = -errno;
		if (r == -EROFS)
			backend_errf(
				err, "EROFS",
				"local backend: %s is mounted read-only (a container?): give "
				"isolab a writable cgroup2 mount (docker run --privileged "
				"--cgroupns=private, or a systemd-nspawn/podman container with "
				"cgroup delegation) or run it on the host",
				b->sys.hier[h].mount);
		else
			backend_errf(err, cg_errno_name(r),
				     "local backend: cannot create cgroups in %s: %s",
				     b->sys.hier[h].base, strerror(-r));
		goto out_free;
	}
	b->fake_root = root != NULL;
	b->share_cpu = cfg && backend_cfg_flag(cfg, LOCAL_OPT_SHARE_CPU);
	/* local disk bombs write into the state directory: its device decides the io knob */
	cg_choose_io(&b->sys, journal_state_dir(), !b->fake_root);
	if (run)
		snprintf(b->run, sizeof(b->run), "%s", run);
	build_notes(b);
	local_build_protection(b, NULL);
	*out = b;
	return 0;

out_free:
	free(b);
	backend_err_usage(err); /* not root, no or a read-only cgroup mount: the host */
	return r;
}

static void local_close(struct backend *b)
{
	if (!b)
		return;
	/* a forked child closing its copy must not take the run down under its parent */
	if (b->prepared && b->owner == getpid())
		(void)local_teardown_run(b, NULL); /* also closes the VMs' fds */
	else
		local_close_fds(b);
	free(b->vms);
	free(b);
}

static int local_caps(struct backend *b, struct backend_caps *out, struct backend_err *err)
{
	int cv = cg_ctrl_version(&b->sys, CG_CPU);

	memset(out, 0, sizeof(*out));
	out->weight = cv != 0;
	out->cap = cv != 0 && b->sys.has_cfs;
	out->live = true;
	out->scheduler = cv == 2 ? "cgroup-v2" : cv == 1 ? "cgroup-v1" : "cgroup-none";
	snprintf(out->notes, sizeof(out->notes), "%s", b->notes);
	return 0;
}

/* The cgroup of vm in the cpu hierarchy (or all of its hierarchies for our own run). */
struct find_ctx {
	const char *vm;
	char path[CG_PATH_MAX];
};

static int find_vm_in_run(const char *dir, const char *run_name, void *arg)
{
	struct find_ctx *c = arg;
	size_t rl = strlen(run_name);
	struct stat st;

	if (strncmp(c->vm, "isolab-", 7) != 0 || strncmp(c->vm + 7, run_name, rl) != 0 ||
	    c->vm[7 + rl] != '-')
		return 0;
	if (snprintf(c->path, sizeof(c->path), "%s/%s", dir, c->vm) >= (int)sizeof(c->path))
		return 0;
	return stat(c->path, &st) == 0 && S_ISDIR(st.st_mode) ? 1 : 0;
}

static int primary_hier(const struct backend *b)
{
	return cg_has(&b->sys, CG_CPU) ? b->sys.ctrl_hier[CG_CPU] : 0;
}

static int resolve(struct backend *b, const char *vm, struct cg_group *g, struct backend_err *err)
{
	int h = primary_hier(b);
	struct find_ctx *c;
	struct stat st;
	int r;

	if (!vm || !*vm) {
		backend_errf(err, "EINVAL", "local backend: no VM name given");
		return -EINVAL;
	}
	for (size_t i = 0; i < b->n_vms; i++) {
		if (strcmp(b->vms[i].name, vm) == 0 || strcmp(b->vms[i].ns_name, vm) == 0) {
			*g = b->vms[i].g;
			return 0;
		}
	}
	if (strncmp(vm, "isolab-", 7) != 0) {
		if (!b->run[0]) {
			backend_errf(err, "EINVAL",
				     "local backend: VM '%s': no run is open, give the "
				     "full cgroup name isolab-<run>-<vm> (see isolab vms)",
				     vm);
			return -EINVAL;
		}
		if (!cg_name_valid(vm) || cg_vm_group(&b->sys, b->run, vm, g) < 0) {
			backend_errf(err, "EINVAL", "local backend: '%s' is not a VM name", vm);
			return -EINVAL;
		}
		if (stat(g->dir[h], &st) < 0 || !S_ISDIR(st.st_mode)) {
			backend_errf(err, "ENOENT", "local backend: no VM '%s' in run %s", vm,
				     b->run);
			return -ENOENT;
		}
		return 0;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		backend_errf(err, "ENOMEM", "local backend: out of memory");
		return -ENOMEM;
	}
	c->vm = vm;
	r = cg_scan_runs(&b->sys, (size_t)h, NULL, find_vm_in_run, c);
	if (r > 0) {
		memset(g, 0, sizeof(*g));
		memcpy(g->dir[h], c->path, sizeof(c->path));
		r = 0;
	} else {
		backend_errf(err, "ENOENT",
			     "local backend: no VM cgroup named '%s' (see isolab vms)", vm);
		r = -ENOENT;
	}
	free(c);
	return r;
}

static int sched_get_exact(struct backend *b, const char *vm, struct sched_params *out, bool *exact,
			   struct backend_err *err)
{
	struct cg_group *g = calloc(1, sizeof(*g));
	int w, cap, r;

	if (!g) {
		backend_errf(err, "ENOMEM", "local backend: out of memory");
		return -ENOMEM;
	}
	r = resolve(b, vm, g, err);
	if (r == 0)
		r = cg_get_sched(&b->sys, g, &w, &cap, exact, err);
	if (r == 0) {
		out->weight = w;
		out->cap = cap;
	}
	free(g);
	return r;
}

int backend_local_sched_get_exact(struct backend *b, const char *vm, struct sched_params *out,
				  bool *exact, struct backend_err *err)
{
	bool ex = false;
	int r;

	if (!b || !out) {
		backend_errf(err, "EINVAL", "local backend: no backend");
		return -EINVAL;
	}
	r = sched_get_exact(b, vm, out, &ex, err);
	if (r == 0 && exact)
		*exact = ex;
	return r;
}

static int local_sched_get(struct backend *b, const char *vm, struct sched_params *out, bool *live,
			   struct backend_err *err)
{
	int r = sched_get_exact(b, vm, out, NULL, err);

	if (r == 0 && live)
		*live = true;
	return r;
}

/*
 * A VM's weight is its share of the CPU and of the disk alike (docs/local-backend.md): it
 * sets the io weight too where one works. Not where none does (the notes and the report
 * say "CPU weight only"), nor for a VM named from outside whose io group is unknown (v1).
 */
static int set_io_weight(struct backend *b, const struct cg_group *g, int weight,
			 struct backend_err *err)
{
	const struct cg_sys *s = &b->sys;

	if (!cg_has(s, CG_IO) || !s->io_knob[0] || !g->dir[s->ctrl_hier[CG_IO]][0])
		return 0;
	return cg_set_io_weight(s, g, weight, err);
}

static int local_sched_set(struct backend *b, const char *vm, const struct sched_params *p,
			   struct backend_err *err)
{
	struct cg_group *g;
	int r;

	if (p->weight >= 0 && (p->weight < XEN_WEIGHT_MIN || p->weight > XEN_WEIGHT_MAX)) {
		backend_errf(err, "EINVAL", "local backend: weight %d out of range %d-%d",
			     p->weight, XEN_WEIGHT_MIN, XEN_WEIGHT_MAX);
		return -EINVAL;
	}
	if (p->cap > XEN_CAP_MAX) {
		backend_errf(err, "EINVAL", "local backend: cap %d out of range 0-%d", p->cap,
			     XEN_CAP_MAX);
		return -EINVAL;
	}
	g = calloc(1, sizeof(*g));
	if (!g) {
		backend_errf(err, "ENOMEM", "local backend: out of memory");
		return -ENOMEM;
	}
	r = resolve(b, vm, g, err);
	if (r == 0 && p->weight >= 0)
		r = cg_set_cpu_weight(&b->sys, g, p->weight, err);
	if (r == 0 && p->weight >= 0)
		r = set_io_weight(b, g, p->weight, err);
	if (r == 0 && p->cap >= 0)
		r = cg_set_cap(&b->sys, g, p->cap, err);
	free(g);
	return r;
}

/* "usage_usec 123\n..." (cgroup v2 cpu.stat): the usage in ns. */
static int parse_cpu_stat(const char *text, uint64_t *ns)
{
	const char *p = strstr(text, "usage_usec ");
	char num[32];
	size_t n;

	if (!p || (p != text && p[-1] != '\n'))
		return -EINVAL;
	p += strlen("usage_usec ");
	n = strspn(p, "0123456789");
	if (n == 0 || n >= sizeof(num))
		return -EINVAL;
	memcpy(num, p, n);
	num[n] = '\0';
	if (parse_u64(num, 0, UINT64_MAX / 1000, ns) < 0)
		return -EINVAL;
	*ns *= 1000;
	return 0;
}

/* utime + stime + cutime + cstime of one process from /proc/PID/stat, in clock ticks. */
static int proc_ticks(const char *pid, uint64_t *ticks)
{
	char path[64], *text = NULL, *p;
	uint64_t v, sum = 0;
	size_t len;
	int r;

	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	r = file_read_all(path, 4096, &text, &len);
	if (r < 0)
		return r;
	p = strrchr(text, ')'); /* the command may hold spaces and parentheses */
	r = -EINVAL;
	for (int field = 2; p && *p; field++) {
		char *end;

		p = strchr(p, ' ');
		if (!p)
			break;
		p++;
		if (field + 1 < 14)
			continue;
		v = strtoull(p, &end, 10);
		if (end == p)
			break;
		sum += v;
		if (field + 1 == 17) {
			*ticks = sum;
			r = 0;
			break;
		}
	}
	free(text);
	return r;
}

/* The CPU time of every process in dir's cgroup.procs, from /proc (cgroup v1 without cpuacct). */
static int procs_cpu_ns(const char *dir, uint64_t *ns)
{
	char *list = cg_knob_read(dir, "cgroup.procs"), *save = NULL, *pid;
	long hz = sysconf(_SC_CLK_TCK);
	uint64_t total = 0, t;
	size_t n = 0;

	if (!list)
		return -EIO;
	for (pid = strtok_r(list, "\n", &save); pid; pid = strtok_r(NULL, "\n", &save))
		if (proc_ticks(pid, &t) == 0) {
			total += t; /* a process that just exited: its time is gone with it */
			n++;
		}
	free(list);
	if (n == 0)
		return -ENOENT; /* its tools run elsewhere (over ssh): nothing to count here */
	*ns = total * (NSEC_PER_SEC / (uint64_t)(hz > 0 ? hz : 100));
	return 0;
}

static int local_vm_cpu_time(struct backend *b, const char *vm, uint64_t *ns, const char **source,
			     struct backend_err *err)
{
	struct cg_group *g = calloc(1, sizeof(*g));
	const char *dir;
	char *text = NULL;
	int r;

	if (!g) {
		backend_errf(err, "ENOMEM", "local backend: out of memory");
		return -ENOMEM;
	}
	r = resolve(b, vm, g, err);
	if (r < 0)
		goto out;
	dir = g->dir[primary_hier(b)];
	if ((text = cg_knob_read(dir, "cpuacct.usage"))) {
		*source = "cgroup cpuacct.usage";
		text[strcspn(text, "\n")] = '\0';
		r = parse_u64(text, 0, UINT64_MAX, ns) < 0 ? -EINVAL : 0;
	} else if ((text = cg_knob_read(dir, "cpu.stat")) && strstr(text, "usage_usec")) {
		*source = "cgroup cpu.stat";
		r = parse_cpu_stat(text, ns);
	} else {
		/* cgroup v1 with cpuacct mounted apart from cpu: the VM's processes' own times */
		*source = "the VM's processes (/proc/PID/stat)";
		r = procs_cpu_ns(dir, ns);
		if (r == -ENOENT) {
			backend_errf(err, "ENOENT",
				     "no process in the VM's cgroup (are its tools run over ssh?)");
			goto out;
		}
	}
	if (r < 0)
		backend_errf(err, "EINVAL", "local backend: unreadable CPU usage of VM '%s'", vm);
out:
	free(text);
	free(g);
	return r;
}

struct list_ctx {
	struct backend *b;
	struct vm_info *vms;
	size_t n, cap;
	int err;
};

static int list_add(struct list_ctx *c, const char *name, const char *path)
{
	struct backend *b = c->b;
	struct vm_info *v;
	struct cg_group *g;

	if (c->n >= LOCAL_MAX_LIST)
		return -E2BIG;
	if (c->n == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 8;
		struct vm_info *nv = realloc(c->vms, ncap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		c->vms = nv;
		c->cap = ncap;
	}
	v = &c->vms[c->n];
	memset(v, 0, sizeof(*v));
	v->name = strdup(name);
	v->id = strdup(path);
	v->power_state = strdup(cg_populated(path) ? "Running" : "Halted");
	v->vcpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
	v->sched.weight = XEN_WEIGHT_DEFAULT;
	v->sched.cap = 0;
	if (!v->name || !v->id || !v->power_state) {
		vm_info_done(v);
		return -ENOMEM;
	}
	c->n++;
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	if (cg_has(&b->sys, CG_CPU)) {
		int w, cap;

		memcpy(g->dir[b->sys.ctrl_hier[CG_CPU]], path, strlen(path) + 1);
		if (cg_get_sched(&b->sys, g, &w, &cap, NULL, NULL) == 0) {
			v->sched.weight = w;
			v->sched.cap = cap;
		} else {
			v->sched.weight = -1;
			v->sched.cap = -1;
		}
	}
	free(g);
	return 0;
}

static int list_run(const char *dir, const char *run_name, void *arg)
{
	struct list_ctx *c = arg;
	char prefix[CG_NAME_MAX + 16];
	DIR *d = opendir(dir);
	struct dirent *de;
	int r = 0;

	if (!d)
		return 0;
	snprintf(prefix, sizeof(prefix), "isolab-%s-", run_name);
	while (r == 0 && (de = readdir(d))) {
		char p[CG_PATH_MAX];
		struct stat st;

		if (strncmp(de->d_name, prefix, strlen(prefix)) != 0 ||
		    snprintf(p, sizeof(p), "%s/%s", dir, de->d_name) >= (int)sizeof(p) ||
		    stat(p, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		r = list_add(c, de->d_name, p);
	}
	closedir(d);
	if (r < 0)
		c->err = r;
	return r;
}

static int local_list_vms(struct backend *b, struct vm_info **out, size_t *n,
			  struct backend_err *err)
{
	struct list_ctx c = { .b = b };

	(void)cg_scan_runs(&b->sys, (size_t)primary_hier(b), NULL, list_run, &c);
	if (c.err < 0) {
		vm_info_array_free(c.vms, c.n);
		backend_errf(err, cg_errno_name(c.err),
			     "local backend: listing VM cgroups failed: %s", strerror(-c.err));
		return c.err;
	}
	*out = c.vms;
	*n = c.n;
	return 0;
}

/* Whether a weight reaches the disk, and why not: the report shows it beside disk phases. */
static void describe_io(const struct cg_sys *s, struct json_writer *w)
{
	bool v2 = cg_ctrl_version(s, CG_IO) == 2;

	json_key(w, "io_weight");
	json_obj_begin(w);
	json_kv_bool(w, "effective", cg_has(s, CG_IO) && s->io_knob[0]);
	json_kv_str(w, "knob", cg_has(s, CG_IO) && s->io_knob[0] ? s->io_knob : NULL);
	json_kv_str(w, "path", v2 && s->io.path[0] ? s->io.path : NULL);
	json_kv_str(w, "device", v2 && s->io.name[0] ? s->io.name : NULL);
	json_kv_str(w, "scheduler", v2 && s->io.sched[0] ? s->io.sched : NULL);
	json_kv_bool(w, "io_cost", v2 && s->io.io_cost);
	json_kv_str(w, "note",
		    s->io_note[0] ? s->io_note
		    : cg_has(s, CG_IO)
			    ? NULL
			    : "CPU weight only: no I/O weight on this host: no io controller");
	json_obj_end(w);
}

static void local_describe(struct backend *b, struct json_writer *w)
{
	const struct cg_sys *s = &b->sys;

	json_kv_str(w, "cgroup_mode", cg_mode_name(s->mode));
	json_kv_str(w, "cgroup_root", s->root);
	/* where the run's groups live: a systemd scope with Delegate=yes, or made directly */
	json_kv_str(w, "cgroup_placement",
		    s->place == CG_PLACE_SYSTEMD ? "systemd-scope" : "direct");
	json_kv_str(w, "systemd_scope", b->scope_used.unit[0] ? b->scope_used.unit : NULL);
	json_kv_str(w, "scope_cgroup", b->scope_used.dir[0] ? b->scope_used.dir : NULL);
	json_key(w, "hierarchies");
	json_arr_begin(w);
	for (size_t h = 0; h < s->n_hier; h++) {
		json_obj_begin(w);
		json_kv_int(w, "version", s->hier[h].version);
		json_kv_str(w, "mount", s->hier[h].mount);
		json_kv_str(w, "base", s->hier[h].base);
		json_key(w, "controllers");
		json_arr_begin(w);
		for (int c = 0; c < CG_NR_CTRL; c++)
			if (s->hier[h].ctrls & (1u << c))
				json_str(w, cg_ctrl_name(s, c));
		json_arr_end(w);
		json_obj_end(w);
	}
	json_arr_end(w);
	json_key(w, "controllers");
	json_obj_begin(w);
	for (int c = 0; c < CG_NR_CTRL; c++) {
		static const char *const keys[CG_NR_CTRL] = { "cpu", "memory", "io", "pids" };
		int v = cg_ctrl_version(s, c);

		if (v)
			json_kv_str(w, keys[c], v == 2 ? "v2" : "v1");
		else
			json_kv_null(w, keys[c]);
	}
	json_obj_end(w);
	json_kv_str(w, "cpu_weight_knob", cg_has(s, CG_CPU) ? local_cpu_knob(b) : NULL);
	json_kv_bool(w, "cap_available", cg_has(s, CG_CPU) && s->has_cfs);
	json_kv_str(w, "io_weight_knob", cg_has(s, CG_IO) && s->io_knob[0] ? s->io_knob : NULL);
	describe_io(s, w);
	json_kv_bool(w, "memory_limit_covers_swap",
		     cg_ctrl_version(s, CG_MEMORY) == 2 || (cg_has(s, CG_MEMORY) && s->has_memsw));
	if (b->run[0]) {
		json_kv_str(w, "run_id", b->run);
		if (!b->fake_root) {
			json_key(w, "network");
			json_obj_begin(w);
			json_kv_str(w, "switch_netns", b->sw_name[0] ? b->sw_name : NULL);
			json_kv_str(w, "bridge", NETNS_BRIDGE);
			json_kv_str(w, "subnet", LOCAL_SUBNET ".0/24");
			json_obj_end(w);
		}
	}
	json_kv_str(w, "probe_protection", b->protection);
	json_kv_str(w, "notes", b->notes);
}

const char *backend_local_probe_protection(struct backend *b)
{
	return b ? b->protection : "";
}

static const struct backend_opt local_opts[] = {
	{
		.key = LOCAL_OPT_CGROUP_ROOT,
		.type = BOPT_STRING,
		.cli = "cgroup-root",
		.metavar = "DIR",
		.help = "local: cgroup mount to use (tests)",
		.env = "ISOLAB_CGROUP_ROOT",
		.flags = BOPT_NO_SCENARIO,
	},
	{
		.key = LOCAL_OPT_SHARE_CPU,
		.type = BOPT_BOOL,
		.cli = "share-probe-cpu",
		.help = "local: let the probe VM share the CPUs of the VMs it measures (default: "
			"with 2+ CPUs it gets the last CPU to itself)",
		.manifest = "share_probe_cpu",
	},
	{ .key = NULL },
};

const struct backend_ops backend_local_ops = {
	.name = "local",
	.summary = "cgroups and network namespaces on this host",
	.opts = local_opts,
	.open = local_open,
	.close = local_close,
	.caps = local_caps,
	.list_vms = local_list_vms,
	.sched_get = local_sched_get,
	.sched_set = local_sched_set,
	.describe = local_describe,
	.vm_cpu_time = local_vm_cpu_time,
	.prepare = backend_local_plan,
	.enter = backend_local_enter,
	.vm_addr = backend_local_vm_addr,
	.protection = backend_local_probe_protection,
	.teardown = backend_local_teardown,
	.cleanup_run = backend_local_cleanup_cfg,
	.provision_all = true,
	.provision = backend_local_provision,
	.wait_ready = backend_local_wait_ready,
	.unprovision = backend_local_unprovision,
	.unprovision_noted = backend_local_unprovision_noted,
};
