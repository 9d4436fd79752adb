// SPDX-License-Identifier: MIT
/*
 * isolab-victim: the reference service. A wiki over HTTP (libmicrohttpd,
 * a pool of polling threads so that a slow client stalls nobody) backed by
 * SQLite: every page request reads the page and its links and renders HTML.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "clock.h"
#include "log.h"
#include "proc.h"
#include "optlist.h"
#include "parse.h"
#include "sig.h"
#include "db.h"

#define MAX_PAGES   1000000
#define MAX_THREADS 256

struct victim_config {
	const char *listen;
	const char *db;
	unsigned pages;
	unsigned threads;
	int ready_fd;
	bool quiet;
};

/* Serving state shared by the MHD threads. */
struct victim {
	const char *db_path;
	char *urls;
	size_t urls_len;
	pthread_mutex_t lock;
	struct vdb_conn **conns; /* every thread's connection, closed at exit */
	size_t nconns;
	size_t cap;
};

static __thread struct vdb_conn *thread_conn;

enum {
	OPT_DB = 0x100,
	OPT_PAGES,
	OPT_THREADS,
	OPT_READY_FD,
	OPT_VERSION
};

static const struct option options[] = {
	{ "listen", required_argument, NULL, 'l' },
	{ "db", required_argument, NULL, OPT_DB },
	{ "pages", required_argument, NULL, OPT_PAGES },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "ready-fd", required_argument, NULL, OPT_READY_FD },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ 0 },
};

static const char usage_text[] =
	"Usage: isolab-victim --listen ADDR:PORT [options]\n"
	"\n"
	"Serves a wiki of generated pages from SQLite, for isolab-probe to measure:\n"
	"  GET /wiki/<title>  a page with its links, rendered from the database\n"
	"  GET /urls          every page path, one per line (for isolab-probe --urls)\n"
	"  GET /health        'ok'\n"
	"\n"
	"  -l, --listen ADDR:PORT  where to listen (PORT 0: any free port, printed)\n"
	"      --db PATH           the database (reused when it matches --pages, built\n"
	"                          otherwise); default: a temp file removed at exit\n"
	"      --pages N           pages in the wiki (default 10000)\n"
	"      --threads N         serving threads (default: CPUs)\n"
	"      --ready-fd FD       write 'isolab-ready' to FD once serving\n"
	"  -q, --quiet             no human text on stderr\n"
	"  -h, --help              this text\n"
	"      --version           print the version\n"
	"Runs until SIGTERM or SIGINT. Exit: 0 stopped, 1 failed, 2 bad usage.\n";

__attribute__((format(printf, 1, 2))) static int bad(const char *fmt, ...)
{
	va_list ap;

	fputs("isolab-victim: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 2;
}

static struct vdb_conn *conn_for_thread(struct victim *v)
{
	struct vdb_conn *c;

	if (thread_conn)
		return thread_conn;
	c = vdb_open(v->db_path);
	if (!c)
		return NULL;
	pthread_mutex_lock(&v->lock);
	if (v->nconns == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 16;
		struct vdb_conn **grown = realloc(v->conns, cap * sizeof(*grown));

		if (!grown) {
			pthread_mutex_unlock(&v->lock);
			vdb_close(c);
			return NULL;
		}
		v->conns = grown;
		v->cap = cap;
	}
	v->conns[v->nconns++] = c;
	pthread_mutex_unlock(&v->lock);
	thread_conn = c;
	return c;
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, const char *type,
			     void *data, size_t len, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, data, mode);
	enum MHD_Result ret;

	if (!r) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(data);
		return MHD_NO;
	}
	(void)MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result text(struct MHD_Connection *conn, unsigned status, const char *msg)
{
	return reply(conn, status, "text/plain; charset=utf-8", (void *)msg, strlen(msg),
		     MHD_RESPMEM_PERSISTENT);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **req)
{
	struct victim *v = cls;
	struct vdb_conn *db;
	char *html = NULL;
	size_t len = 0;
	int ret;

	static int first_call_marker;

	/*
	 * The first call announces the request; answering then makes MHD close the
	 * connection (it has not seen the request's end). Answer on the second.
	 */
	if (!*req) {
		*req = &first_call_marker;
		return MHD_YES;
	}
	if (*upload_size) {
		*upload_size = 0; /* a body: ignored */
		return MHD_YES;
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n");
	if (strcmp(url, "/health") == 0)
		return text(conn, MHD_HTTP_OK, "ok\n");
	if (strcmp(url, "/urls") == 0)
		return reply(conn, MHD_HTTP_OK, "text/plain; charset=utf-8", v->urls, v->urls_len,
			     MHD_RESPMEM_PERSISTENT);
	if (strncmp(url, "/wiki/", 6) != 0)
		return text(conn, MHD_HTTP_NOT_FOUND, "not found\n");
	db = conn_for_thread(v);
	if (!db)
		return text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "database unavailable\n");
	ret = vdb_render(db, url + 6, &html, &len);
	if (ret == -ENOENT)
		return text(conn, MHD_HTTP_NOT_FOUND, "no such page\n");
	if (ret < 0)
		return text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "database error\n");
	return reply(conn, MHD_HTTP_OK, "text/html; charset=utf-8", html, len,
		     MHD_RESPMEM_MUST_FREE);
}

static int parse_args(int argc, char **argv, struct victim_config *cfg)
{
	uint64_t u;
	int c, ret;

	while ((c = getopt_long(argc, argv, "l:qh", options, NULL)) != -1) {
		switch (c) {
		case 'l':
			cfg->listen = optarg;
			break;
		case OPT_DB:
			if (!*optarg)
				return bad("--db: empty path");
			cfg->db = optarg;
			break;
		case OPT_PAGES:
			ret = parse_u64(optarg, 1, MAX_PAGES, &u);
			if (ret < 0)
				return bad("--pages '%s': not a number in 1-%u", optarg, MAX_PAGES);
			cfg->pages = (unsigned)u;
			break;
		case OPT_THREADS:
			ret = parse_u64(optarg, 1, MAX_THREADS, &u);
			if (ret < 0)
				return bad("--threads '%s': not a number in 1-%u", optarg,
					   MAX_THREADS);
			cfg->threads = (unsigned)u;
			break;
		case OPT_READY_FD:
			ret = parse_u64(optarg, 0, 1 << 20, &u);
			if (ret < 0 || fcntl((int)u, F_GETFD) < 0)
				return bad("--ready-fd '%s': not an open descriptor", optarg);
			cfg->ready_fd = (int)u;
			break;
		case 'q':
			cfg->quiet = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 1;
		case OPT_VERSION:
			printf("isolab-victim %s\n", ISOLAB_VERSION);
			return 1;
		default:
			return 2;
		}
	}
	if (optind < argc)
		return bad("unexpected argument '%s'", argv[optind]);
	if (!cfg->listen)
		return bad("--listen ADDR:PORT is required");
	return 0;
}

/* Resolves --listen into addr; 0 or 2 (message printed). */
static int resolve_listen(const char *s, struct sockaddr_storage *addr, socklen_t *len)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC,
				  .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	struct addrinfo *res = NULL;
	char host[256], port[8];
	uint16_t p;
	int ret;

	if (parse_hostport(s, false, true, host, sizeof(host), &p) < 0)
		return bad("--listen '%s': not ADDR:PORT", s);
	snprintf(port, sizeof(port), "%u", p);
	ret = getaddrinfo(host[0] ? host : NULL, port, &hints, &res);
	if (ret != 0 || !res)
		return bad("--listen '%s': %s", s, gai_strerror(ret));
	memcpy(addr, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

static void remove_tempdir(char *dir, const char *db)
{
	if (!dir)
		return;
	if (db)
		(void)unlink(db);
	(void)rmdir(dir);
}

static void signal_ready(int fd)
{
	static const char line[] = "isolab-ready\n";

	if (fd >= 0 && write(fd, line, sizeof(line) - 1) != (ssize_t)(sizeof(line) - 1))
		log_warn("writing to --ready-fd %d failed: %s", fd, strerror(errno));
}

/*
 * Where the database goes: --db, or a fresh temp dir (under $TMPDIR) that
 * *made_dir names and the caller removes. 0, or -1 after logging.
 */
static int db_path(struct victim *v, const struct victim_config *cfg, char **made_dir)
{
	const char *td = getenv("TMPDIR");
	char *tmpl, *path;

	*made_dir = NULL;
	if (cfg->db) {
		v->db_path = cfg->db;
		return 0;
	}
	if (td && *td && strlen(td) < 4000) {
		tmpl = malloc(strlen(td) + 32);
		if (tmpl)
			sprintf(tmpl, "%s/isolab-victim-XXXXXX", td);
	} else {
		tmpl = strdup("/tmp/isolab-victim-XXXXXX");
	}
	if (!tmpl)
		return -1;
	if (!mkdtemp(tmpl)) {
		log_error("cannot create a temp dir '%s': %s", tmpl, strerror(errno));
		free(tmpl);
		return -1;
	}
	*made_dir = tmpl;
	path = malloc(strlen(tmpl) + 16);
	if (!path)
		return -1;
	sprintf(path, "%s/wiki.db", tmpl);
	v->db_path = path;
	return 0;
}

/* Builds or reuses the wiki, then reads its page list. 0, or -1 after logging. */
static int load_wiki(struct victim *v, const struct victim_config *cfg)
{
	char err[512] = "";
	uint64_t t0 = clock_now_ns();
	bool built = false;
	int ret;

	ret = vdb_ensure(v->db_path, cfg->pages, &built, err, sizeof(err));
	if (ret < 0) {
		log_error("database '%s': %s", v->db_path, err);
		return -1;
	}
	log_info("database %s: %u pages, %s in %.2f s", v->db_path, cfg->pages,
		 built ? "built" : "reused", ns_to_s(clock_now_ns() - t0));
	ret = vdb_urls(v->db_path, &v->urls, &v->urls_len);
	if (ret < 0) {
		log_error("database '%s': cannot list pages: %s", v->db_path, strerror(-ret));
		return -1;
	}
	return 0;
}

/* Starts the MHD thread pool on addr, or logs why not and returns NULL. */
static struct MHD_Daemon *serve(struct victim *v, const struct victim_config *cfg,
				const struct sockaddr_storage *addr)
{
	const union MHD_DaemonInfo *info;
	char host[INET6_ADDRSTRLEN] = "?";
	struct MHD_Daemon *d;
	sigset_t block, old;
	bool v6 = addr->ss_family == AF_INET6;
	const void *a = v6 ? (const void *)&((const struct sockaddr_in6 *)addr)->sin6_addr
			   : (const void *)&((const struct sockaddr_in *)addr)->sin_addr;

	/* MHD's threads inherit a mask without the stop signals: main handles them */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	d = MHD_start_daemon(
		MHD_USE_AUTO | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL,
		handle, v, MHD_OPTION_SOCK_ADDR, addr, MHD_OPTION_THREAD_POOL_SIZE, cfg->threads,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60, MHD_OPTION_CONNECTION_LIMIT,
		(unsigned)4096, MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024, MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!d) {
		log_error("cannot listen on %s (address in use or not local?)", cfg->listen);
		return NULL;
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	(void)inet_ntop(addr->ss_family, a, host, sizeof(host));
	log_info("listening on http://%s%s%s:%u/ with %u threads", v6 ? "[" : "", host,
		 v6 ? "]" : "", info ? info->port : 0, cfg->threads);
	return d;
}

int main(int argc, char **argv)
{
	struct victim_config cfg = { .pages = 10000, .ready_fd = -1 };
	struct victim v = { 0 };
	struct sockaddr_storage addr;
	socklen_t addrlen = 0;
	struct MHD_Daemon *d;
	char *made_dir = NULL;
	int ret, status = 1;

	log_init("isolab-victim", LOG_LVL_INFO);
	if (optlist_requested(argc, argv, options))
		return 0;
	ret = parse_args(argc, argv, &cfg);
	if (ret)
		return ret == 1 ? 0 : 2;
	if (cfg.quiet)
		log_set_level(LOG_LVL_ERROR);
	if (resolve_listen(cfg.listen, &addr, &addrlen))
		return 2;
	if (!cfg.threads)
		cfg.threads = proc_cpus_allowed(); /* one per CPU it may use */
	if (sig_install_stop() < 0) {
		log_error("cannot install signal handlers");
		return 1;
	}
	pthread_mutex_init(&v.lock, NULL);
	if (db_path(&v, &cfg, &made_dir) || load_wiki(&v, &cfg))
		goto out_tmp;
	d = serve(&v, &cfg, &addr);
	if (!d)
		goto out_urls;
	signal_ready(cfg.ready_fd);
	while (!sig_stop_requested())
		(void)clock_sleep(200 * NSEC_PER_MSEC);
	log_info("stopping on signal %d", sig_stop_signal());
	MHD_stop_daemon(d);
	status = 0;
out_urls:
	for (size_t i = 0; i < v.nconns; i++)
		vdb_close(v.conns[i]);
	free(v.conns);
out_tmp:
	free(v.urls);
	if (made_dir) {
		remove_tempdir(made_dir, v.db_path);
		free((char *)v.db_path);
		free(made_dir);
	}
	return status;
}
