// SPDX-License-Identifier: MIT
/* The victim's wiki in SQLite: deterministic generation, per-thread reading, HTML. */
#include <errno.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db.h"

#define VDB_APP_ID   0x69736f6c /* "isol" */
#define VDB_VERSION  1
#define HTML_MAX     (1u << 20)
#define LINKS_MIN    4
#define LINKS_SPREAD 12

static const char *const words[] = {
	"alpha",    "river",   "stone",	  "quantum", "garden",	"harbor",  "engine",   "meadow",
	"signal",   "cobalt",  "lantern", "orbit",   "prairie", "copper",  "falcon",   "glacier",
	"kernel",   "marble",  "nebula",  "oak",     "pepper",	"quartz",  "ridge",    "saffron",
	"timber",   "umbra",   "velvet",  "willow",  "xenon",	"yarrow",  "zephyr",   "anchor",
	"beacon",   "canyon",  "delta",	  "ember",   "fjord",	"granite", "horizon",  "island",
	"jasmine",  "kestrel", "lagoon",  "mosaic",  "nectar",	"opal",	   "pioneer",  "quill",
	"raven",    "summit",  "tundra",  "uplands", "valley",	"walnut",  "yeoman",   "zenith",
	"archive",  "bridge",  "citadel", "dynamo",  "estuary", "forge",   "gazette",  "hamlet",
	"the",	    "of",      "and",	  "in",	     "to",	"is",	   "was",      "for",
	"with",	    "by",      "on",	  "as",	     "at",	"from",	   "which",    "its",
	"history",  "city",    "system",  "theory",  "battle",	"species", "language", "music",
	"railway",  "season",  "century", "climate", "council", "museum",  "protocol", "treaty",
	"mountain", "novel",   "painter", "reactor", "school",	"temple",  "village",  "voyage",
};

#define NWORDS (sizeof(words) / sizeof(words[0]))

struct rng {
	uint64_t s;
};

static uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned rng_below(struct rng *r, unsigned n)
{
	return (unsigned)(rng_next(r) % n);
}

void vdb_title(unsigned id, char *buf, size_t len)
{
	struct rng r = { .s = 0x5eed0000ULL + id };
	const char *a = words[rng_below(&r, 64)], *b = words[80 + rng_below(&r, NWORDS - 80)];

	snprintf(buf, len, "%c%s_%c%s_%u", a[0] - 32, a + 1, b[0] - 32, b + 1, id);
}

/* Appends s to buf (which has room: callers size it). */
static size_t put(char *buf, size_t pos, const char *s)
{
	size_t n = strlen(s);

	memcpy(buf + pos, s, n);
	return pos + n;
}

/* The page text: 3-6 paragraphs of 40-100 words, separated by blank lines. */
static size_t gen_body(struct rng *r, char *buf, size_t cap)
{
	unsigned paras = 3 + rng_below(r, 4);
	size_t pos = 0;

	for (unsigned p = 0; p < paras; p++) {
		unsigned n = 40 + rng_below(r, 61);

		if (p)
			pos = put(buf, pos, "\n\n");
		for (unsigned i = 0; i < n && pos + 32 < cap; i++) {
			const char *w = words[rng_below(r, NWORDS)];

			if (i)
				buf[pos++] = ' ';
			if (i == 0) {
				buf[pos++] = (char)(w[0] - 32);
				pos = put(buf, pos, w + 1);
			} else {
				pos = put(buf, pos, w);
			}
			if (i + 1 == n || rng_below(r, 12) == 0)
				buf[pos++] = '.';
		}
	}
	buf[pos] = '\0';
	return pos;
}

static int exec(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "sqlite: %s", msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return -EIO;
	}
	return 0;
}

static int query_int(sqlite3 *db, const char *sql, long long *out)
{
	sqlite3_stmt *st;
	int ret = -ENOENT;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	if (sqlite3_step(st) == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
		ret = 0;
	}
	sqlite3_finalize(st);
	return ret;
}

/* 1: path is our wiki with npages, 0: ours but different, -EEXIST: not ours. */
static int check_existing(const char *path, unsigned npages)
{
	sqlite3 *db = NULL;
	long long app = 0, version = 0, pages = 0;
	int ret = -EEXIST;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		goto out;
	if (query_int(db, "PRAGMA application_id", &app) < 0 || app != VDB_APP_ID)
		goto out;
	ret = 0;
	if (query_int(db, "SELECT value FROM meta WHERE key = 'version'", &version) == 0 &&
	    query_int(db, "SELECT value FROM meta WHERE key = 'pages'", &pages) == 0 &&
	    query_int(db, "SELECT count(*) FROM pages", &app) == 0 && version == VDB_VERSION &&
	    pages == npages && app == npages)
		ret = 1;
out:
	sqlite3_close(db);
	return ret;
}

static int fill(sqlite3 *db, unsigned npages, char *err, size_t errlen)
{
	sqlite3_stmt *page = NULL, *link = NULL;
	char title[64], *body;
	struct rng r = { .s = 0x1501ab };
	int ret = -EIO;

	body = malloc(16384);
	if (!body)
		return -ENOMEM;
	if (sqlite3_prepare_v2(db, "INSERT INTO pages(id, title, body) VALUES (?, ?, ?)", -1, &page,
			       NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO links(src, dst) VALUES (?, ?)", -1, &link,
			       NULL) != SQLITE_OK)
		goto out_err;
	for (unsigned id = 1; id <= npages; id++) {
		size_t blen = gen_body(&r, body, 16384);
		unsigned nlinks = npages > 1 ? LINKS_MIN + rng_below(&r, LINKS_SPREAD) : 0;

		vdb_title(id, title, sizeof(title));
		sqlite3_bind_int(page, 1, (int)id);
		sqlite3_bind_text(page, 2, title, -1, SQLITE_STATIC);
		sqlite3_bind_text(page, 3, body, (int)blen, SQLITE_STATIC);
		if (sqlite3_step(page) != SQLITE_DONE)
			goto out_err;
		sqlite3_reset(page);
		for (unsigned l = 0; l < nlinks; l++) {
			/* half the links go to the first 1 % of pages: popular pages exist */
			unsigned span = rng_below(&r, 2) ? npages : (npages + 99) / 100;
			unsigned dst = 1 + rng_below(&r, span);

			if (dst == id)
				continue;
			sqlite3_bind_int(link, 1, (int)id);
			sqlite3_bind_int(link, 2, (int)dst);
			if (sqlite3_step(link) != SQLITE_DONE)
				goto out_err;
			sqlite3_reset(link);
		}
	}
	ret = 0;
	goto out;
out_err:
	snprintf(err, errlen, "sqlite: %s", sqlite3_errmsg(db));
out:
	sqlite3_finalize(page);
	sqlite3_finalize(link);
	free(body);
	return ret;
}

static int build(const char *tmp, unsigned npages, char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	char sql[256];
	int ret;

	if (sqlite3_open_v2(tmp, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		snprintf(err, errlen, "sqlite: cannot create '%s': %s", tmp, sqlite3_errmsg(db));
		sqlite3_close(db);
		return -EIO;
	}
	snprintf(sql, sizeof(sql),
		 "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; "
		 "PRAGMA application_id = %d; BEGIN;",
		 VDB_APP_ID);
	ret = exec(db, sql, err, errlen);
	if (!ret)
		ret = exec(db,
			   "CREATE TABLE meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
			   "CREATE TABLE pages(id INTEGER PRIMARY KEY, title TEXT NOT NULL UNIQUE,"
			   " body TEXT NOT NULL);"
			   "CREATE TABLE links(src INTEGER NOT NULL, dst INTEGER NOT NULL,"
			   " PRIMARY KEY (src, dst)) WITHOUT ROWID;",
			   err, errlen);
	if (!ret)
		ret = fill(db, npages, err, errlen);
	if (!ret) {
		snprintf(sql, sizeof(sql),
			 "INSERT INTO meta VALUES ('version', %d), ('pages', %u); COMMIT;",
			 VDB_VERSION, npages);
		ret = exec(db, sql, err, errlen);
	}
	if (sqlite3_close(db) != SQLITE_OK && !ret) {
		snprintf(err, errlen, "sqlite: closing '%s' failed", tmp);
		ret = -EIO;
	}
	return ret;
}

int vdb_ensure(const char *path, unsigned npages, bool *built, char *err, size_t errlen)
{
	char tmp[4096];
	struct stat sb;
	int ret;

	if (stat(path, &sb) == 0 && sb.st_size > 0) {
		ret = check_existing(path, npages);
		if (ret == 1) {
			*built = false;
			return 0;
		}
		if (ret < 0) {
			snprintf(
				err, errlen,
				"'%s' exists and is not an isolab-victim database; not replacing it",
				path);
			return ret;
		}
	}
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >= sizeof(tmp)) {
		snprintf(err, errlen, "--db path too long");
		return -ENAMETOOLONG;
	}
	(void)unlink(tmp);
	ret = build(tmp, npages, err, errlen);
	if (!ret && rename(tmp, path) < 0) {
		ret = -errno;
		snprintf(err, errlen, "rename '%s' to '%s': %s", tmp, path, strerror(errno));
	}
	if (ret)
		(void)unlink(tmp);
	else
		*built = true;
	return ret;
}

struct vdb_conn {
	sqlite3 *db;
	sqlite3_stmt *page;
	sqlite3_stmt *links;
};

struct vdb_conn *vdb_open(const char *path)
{
	struct vdb_conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
		    SQLITE_OK ||
	    sqlite3_prepare_v3(c->db, "SELECT id, title, body FROM pages WHERE title = ?", -1,
			       SQLITE_PREPARE_PERSISTENT, &c->page, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(c->db,
			       "SELECT p.title FROM links l JOIN pages p ON p.id = l.dst"
			       " WHERE l.src = ? ORDER BY l.dst",
			       -1, SQLITE_PREPARE_PERSISTENT, &c->links, NULL) != SQLITE_OK) {
		vdb_close(c);
		return NULL;
	}
	return c;
}

void vdb_close(struct vdb_conn *c)
{
	if (!c)
		return;
	sqlite3_finalize(c->page);
	sqlite3_finalize(c->links);
	sqlite3_close(c->db);
	free(c);
}

struct buf {
	char *p;
	size_t len;
	size_t cap;
	int err;
};

static void buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->err)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 8192;
		char *grown;

		while (cap < b->len + n + 1)
			cap *= 2;
		if (cap > HTML_MAX) {
			b->err = -E2BIG;
			return;
		}
		grown = realloc(b->p, cap);
		if (!grown) {
			b->err = -ENOMEM;
			return;
		}
		b->p = grown;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void buf_str(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

/* HTML-escapes s. */
static void buf_esc(struct buf *b, const char *s, size_t n)
{
	size_t start = 0;

	for (size_t i = 0; i < n; i++) {
		const char *rep = NULL;

		switch (s[i]) {
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '&':
			rep = "&amp;";
			break;
		case '"':
			rep = "&quot;";
			break;
		}
		if (!rep)
			continue;
		buf_add(b, s + start, i - start);
		buf_str(b, rep);
		start = i + 1;
	}
	buf_add(b, s + start, n - start);
}

int vdb_render(struct vdb_conn *c, const char *title, char **html, size_t *len)
{
	struct buf b = { 0 };
	const char *body, *t, *para;
	long long id;
	int rc;

	sqlite3_bind_text(c->page, 1, title, -1, SQLITE_STATIC);
	rc = sqlite3_step(c->page);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(c->page);
		return rc == SQLITE_DONE ? -ENOENT : -EIO;
	}
	id = sqlite3_column_int64(c->page, 0);
	t = (const char *)sqlite3_column_text(c->page, 1);
	body = (const char *)sqlite3_column_text(c->page, 2);
	buf_str(&b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>");
	buf_esc(&b, t, strlen(t));
	buf_str(&b, " - isolab wiki</title></head>\n<body><h1>");
	buf_esc(&b, t, strlen(t));
	buf_str(&b, "</h1>\n");
	for (para = body; para && *para;) {
		const char *end = strstr(para, "\n\n");
		size_t n = end ? (size_t)(end - para) : strlen(para);

		buf_str(&b, "<p>");
		buf_esc(&b, para, n);
		buf_str(&b, "</p>\n");
		para = end ? end + 2 : NULL;
	}
	sqlite3_reset(c->page);
	buf_str(&b, "<h2>See also</h2>\n<ul>\n");
	sqlite3_bind_int64(c->links, 1, id);
	while ((rc = sqlite3_step(c->links)) == SQLITE_ROW) {
		const char *lt = (const char *)sqlite3_column_text(c->links, 0);

		buf_str(&b, "<li><a href=\"/wiki/");
		buf_esc(&b, lt, strlen(lt));
		buf_str(&b, "\">");
		buf_esc(&b, lt, strlen(lt));
		buf_str(&b, "</a></li>\n");
	}
	sqlite3_reset(c->links);
	buf_str(&b, "</ul>\n</body></html>\n");
	if (rc != SQLITE_DONE && !b.err)
		b.err = -EIO;
	if (b.err) {
		free(b.p);
		return b.err;
	}
	*html = b.p;
	*len = b.len;
	return 0;
}

int vdb_urls(const char *path, char **text, size_t *len)
{
	struct buf b = { 0 };
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int rc, ret = -EIO;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT title FROM pages ORDER BY id", -1, &st, NULL) !=
		    SQLITE_OK)
		goto out;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0);

		if (b.len + strlen(t) + 8 > HTML_MAX * 64)
			break;
		/* the list can be larger than a page: grow without the page cap */
		if (b.len + strlen(t) + 8 > b.cap) {
			size_t cap = b.cap ? b.cap * 2 : 65536;
			char *grown = realloc(b.p, cap);

			if (!grown) {
				ret = -ENOMEM;
				goto out;
			}
			b.p = grown;
			b.cap = cap;
		}
		b.len += (size_t)sprintf(b.p + b.len, "/wiki/%s\n", t);
	}
	if (rc != SQLITE_DONE)
		goto out;
	*text = b.p ? b.p : strdup("");
	*len = b.len;
	b.p = NULL;
	ret = *text ? 0 : -ENOMEM;
out:
	free(b.p);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return ret;
}
