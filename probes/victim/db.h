/* SPDX-License-Identifier: MIT */
/*
 * The victim's wiki: an SQLite database of N pages (titles, text, links),
 * generated deterministically from N alone, so two runs with the same N
 * serve the same bytes.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct sqlite3;

/*
 * Makes sure path holds the wiki with npages pages: reuses it when it does
 * (*built = false), builds it otherwise (into a temp file renamed over path;
 * an existing file that is not an isolab-victim database is never
 * replaced: -EEXIST). Returns 0 or -errno, with a message in err.
 */
int vdb_ensure(const char *path, unsigned npages, bool *built, char *err, size_t errlen);

/* The title of page id (1..npages) as generated; buf must hold 64 bytes. */
void vdb_title(unsigned id, char *buf, size_t len);

/* Opens path read-only for one serving thread; NULL on failure. */
struct vdb_conn *vdb_open(const char *path);
void vdb_close(struct vdb_conn *c);

/*
 * Renders page title as HTML into a malloc'd *html. Returns 0, -ENOENT
 * (no such page) or -EIO / -ENOMEM.
 */
int vdb_render(struct vdb_conn *c, const char *title, char **html, size_t *len);

/* "/wiki/<title>\n" for every page, malloc'd. */
int vdb_urls(const char *path, char **text, size_t *len);
