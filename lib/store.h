/*
 * The image store: an OCI image layout under $HUSK_HOME (default
 * ~/.local/share/husk), shared by the husk CLI and the OCI runtime.
 *
 *   oci-layout          {"imageLayoutVersion": "1.0.0"}
 *   index.json          one descriptor per name (annotation
 *                       org.opencontainers.image.ref.name, full form
 *                       "docker.io/library/alpine:latest"); an image
 *                       without a name has one descriptor without it
 *   blobs/sha256/<hex>  manifests, configs and layers, by content
 *   lock                flock(2): shared to read, exclusive to change
 *   tmp/                files being written; each is flock'ed by its
 *                       writer, so a writer that died leaves one unlocked,
 *                       which the next changing command removes
 *
 * An image's ID is its config's digest, as with Docker's classic store.
 *
 * Every change writes new blobs first (temporary name, fsync, rename,
 * fsync of the directory), then replaces index.json the same way, then
 * removes blobs nothing refers to any more. A command killed at any point
 * leaves the previous or the next index.json, never a broken one, and
 * never an index.json naming a missing blob.
 *
 * Errors: every function that can fail returns 0 or a status (STORE_ERR,
 * or STORE_NOT_FOUND for "No such image") and records a one-line message
 * for store_error(). Nothing here prints or exits.
 */
#ifndef HUSK_STORE_H
#define HUSK_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "digest.h"
#include "ref.h"

/* Statuses, chosen to be the CLI's exit statuses, as Docker's are. */
#define STORE_NOT_FOUND 1
#define STORE_ERR 125

#define MEDIA_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MEDIA_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MEDIA_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define MEDIA_OCI_LAYER "application/vnd.oci.image.layer.v1.tar"
#define MEDIA_OCI_LAYER_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"
#define MEDIA_OCI_LAYER_ZSTD "application/vnd.oci.image.layer.v1.tar+zstd"
#define MEDIA_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MEDIA_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MEDIA_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define MEDIA_DOCKER_LAYER_GZIP "application/vnd.docker.image.rootfs.diff.tar.gzip"

#define ANNOT_REF_NAME "org.opencontainers.image.ref.name"
#define ANNOT_CONTAINERD_NAME "io.containerd.image.name"

/* ---- store_error.c ---- */

int store_fail(int status, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Like store_fail, adding ": strerror(errno)". */
int store_fail_errno(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Puts "<context>: " before the recorded message; returns STORE_ERR. */
int store_fail_context(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *store_error(void);

/* ---- store.c: opening ---- */

enum store_lock_mode { STORE_UNLOCKED, STORE_SHARED, STORE_EXCLUSIVE };

struct store {
	char *root;     /* $HUSK_HOME */
	int lock_fd;
	enum store_lock_mode lock_mode;
};

/*
 * Opens (creating on first use) the store at root, or at $HUSK_HOME, or
 * at ~/.local/share/husk when root is NULL.
 */
int store_open(struct store *s, const char *root);
void store_close(struct store *s);

/* The default location, for messages and `husk version`. */
int store_default_root(char *buf, size_t n);

/* ---- lock.c ---- */

/* Takes, changes or (STORE_UNLOCKED) drops the store lock; waits. */
int store_lock(struct store *s, enum store_lock_mode mode);

/* ---- store_file.c: durable files ---- */

/* A path under the store: store_path(s, buf, n, "blobs/sha256/%s", hex). */
int store_path(const struct store *s, char *buf, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/*
 * A new file (or directory) in tmp/, flock'ed for as long as *fd stays
 * open. path receives its name.
 */
int store_tmp_file(struct store *s, const char *prefix, char *path, size_t n,
		   int *fd);
int store_tmp_dir(struct store *s, const char *prefix, char *path, size_t n,
		  int *fd);

/* Removes what died writers left in tmp/; needs the exclusive lock. */
int store_sweep_tmp(struct store *s, int64_t *bytes);

/* Writes buf to dest durably: temp file, fsync, rename, fsync dir. */
int store_write_file(struct store *s, const char *dest, const void *buf,
		     size_t n);

int fsync_dir_of(const char *path);
int fsync_fd_named(int fd, const char *path);
int remove_tree(const char *path);
/* Whole-buffer write, retrying short writes and EINTR. 0 or -1 (errno). */
int write_full(int fd, const void *buf, size_t n);

/* ---- blob.c ---- */

/*
 * Writing a blob: begin, write, finish (hash checked, data durable, still
 * in tmp/ and still locked), then adopt into blobs/ with the store locked
 * exclusively, together with the index.json change that refers to it, so
 * that a concurrent prune never sees it unreferenced.
 */
struct blob_writer {
	struct store *s;
	int fd;
	char tmp[4096];
	struct digest_ctx hash;
	struct digest digest;
	int64_t size;
};

int blob_begin(struct store *s, struct blob_writer *w);
int blob_write(struct blob_writer *w, const void *p, size_t n);
/* Checks the content against want (when not NULL) and syncs it. */
int blob_finish(struct blob_writer *w, const struct digest *want);
/* Moves a finished blob into blobs/ (needs the exclusive lock). */
int blob_adopt_writer(struct blob_writer *w);
void blob_abort(struct blob_writer *w);

/* A whole buffer as a blob (needs the exclusive lock). */
int blob_put(struct store *s, const void *buf, size_t n, struct digest *got);

/*
 * Moves a durable, verified file in tmp/ into blobs/ (needs the exclusive
 * lock); when the blob exists the file is just removed.
 */
int blob_adopt(struct store *s, const char *file, const struct digest *d);

void blob_path(const struct store *s, const struct digest *d, char *buf,
	       size_t n);
int blob_exists(const struct store *s, const struct digest *d);
/* The whole blob, checked against its digest; *buf is NUL-terminated. */
int blob_read(const struct store *s, const struct digest *d, char **buf,
	      size_t *n);
/* Opens a blob for streaming; the reader checks the digest itself. */
int blob_open(const struct store *s, const struct digest *d, int *fd,
	      int64_t *size);

/* ---- store_index.c: index.json ---- */

struct index_entry {
	char *name;             /* full name, or NULL for an untagged image */
	struct digest manifest;
	char *media_type;
	int64_t size;
};

struct store_index {
	struct index_entry *v;
	size_t n;
};

int index_read(struct store *s, struct store_index *ix);
int index_write(struct store *s, const struct store_index *ix);
void index_free(struct store_index *ix);

/*
 * Points the full name at the manifest (name NULL: records the manifest
 * as an untagged image unless it already has a name). An image that loses
 * its last name stays, untagged, as Docker's "<none>" images do.
 */
int index_set(struct store_index *ix, const char *name,
	      const struct digest *manifest, const char *media_type,
	      int64_t size);
/* Removes a name; its image stays untagged when nothing else names it. */
void index_unname(struct store_index *ix, const char *name, int keep_untagged);
/* Removes every descriptor of the manifest. */
void index_drop(struct store_index *ix, const struct digest *manifest);
int index_has_manifest(const struct store_index *ix, const struct digest *m);

/* ---- store_image.c: images ---- */

struct image {
	struct digest manifest;
	struct digest id;        /* the config's digest */
	char *manifest_type;
	int64_t manifest_size;
	json_t *manifest_json;
	json_t *config_json;
	int64_t size;            /* manifest + config + layers, as stored */
	int64_t created;         /* seconds since 1970, or INT64_MIN */
	char **names;            /* full names, sorted */
	size_t nnames;
};

struct image_list {
	struct image *v;
	size_t n;
};

/* Reads index.json and every image it names (takes the shared lock). */
int store_list(struct store *s, struct image_list *l);
/* The same with the lock already held and index.json already read. */
int image_list_load(struct store *s, const struct store_index *ix,
		    struct image_list *l);
void image_list_free(struct image_list *l);

/* Parses and checks one manifest and its config. */
int image_load(struct store *s, const struct digest *manifest,
	       const char *media_type, struct image *img);
void image_free(struct image *img);

/*
 * Finds an image by name ("alpine", "alpine:3", "name@sha256:...") or by
 * ID or a prefix of it ("sha256:ab12...", "ab12"). *by_name tells which
 * matched (names win, as in Docker). STORE_NOT_FOUND: "No such image: X".
 */
int image_find(struct image_list *l, const char *what, struct image **img,
	       int *by_name);

/* The digests of the layers, in order (borrowed from the manifest). */
size_t image_layer_count(const struct image *img);
int image_layer(const struct image *img, size_t i, struct digest *d,
		int64_t *size, const char **media_type);

/* ---- store_time.c ---- */

/* RFC 3339 ("2024-05-01T12:00:00.5+02:00") to seconds; -1 if bad. */
int time_parse_rfc3339(const char *s, int64_t *out);
/* Seconds to "2024-05-01T10:00:00Z". */
void time_format_rfc3339(int64_t t, char *buf, size_t n);
/* $SOURCE_DATE_EPOCH if set (*set = 1), else the current time. */
int time_source_date(int64_t *t, int *set);

/* ---- store_edit.c: tag and rmi ---- */

typedef void (*store_report_fn)(void *arg, const char *verb, const char *what);

int store_tag(struct store *s, const char *source, const char *target);

/*
 * Docker's rmi: a name is untagged, and the image deleted when no name is
 * left; an ID deletes the image, untagging its names first, but only with
 * force when names from several repositories share it. Reports
 * ("Untagged", name) and ("Deleted", digest) as it goes.
 */
int store_remove(struct store *s, const char *what, int force,
		 store_report_fn report, void *arg);

/* ---- store_prune.c ---- */

/*
 * Deletes untagged images, blobs no image uses, and what dead writers
 * left in tmp/. Reports each deletion; *reclaimed gets the bytes freed.
 */
int store_prune(struct store *s, store_report_fn report, void *arg,
		int64_t *reclaimed);
/* Deletes the blobs that no image of l uses; needs the exclusive lock. */
int store_collect_blobs(struct store *s, const struct image_list *l,
			store_report_fn report, void *arg, int64_t *reclaimed);
/* Whether an image of l other than except uses the blob d. */
int blob_in_use(const struct image_list *l, const struct image *except,
		const struct digest *d);

/* ---- store_commit.c: adding an image ---- */

struct layer_desc {
	struct digest digest;   /* of the blob */
	struct digest diff_id;  /* of the uncompressed tar */
	int64_t size;
	const char *media_type;
	struct blob_writer *pending; /* finished, not yet adopted, or NULL */
};

/*
 * Stores config (its rootfs is filled in from layers) and a manifest for
 * the layers, adopting the pending ones, and names the result (name may
 * be NULL). The image's ID goes to *id.
 */
int store_commit_image(struct store *s, json_t *config,
		       const struct layer_desc *layers, size_t nlayers,
		       const char *name, struct digest *id);

/* ---- store_import.c ---- */

/*
 * A one-layer image from a root filesystem: a directory, a tar file (any
 * compression libarchive reads) or "-" for a tar on standard input.
 * Timestamps are clamped to $SOURCE_DATE_EPOCH when it is set, which
 * also becomes the image's creation time.
 */
int store_import(struct store *s, const char *source, const char *name,
		 struct digest *id);

/* ---- archive_load.c / archive_save.c ---- */

/*
 * Loads a docker-archive or an OCI archive (either gzip'ed or plain)
 * from fd; label names it in messages. Reports ("Loaded image", name) or
 * ("Loaded image ID", id) per image.
 */
int store_load(struct store *s, int fd, const char *label,
	       store_report_fn report, void *arg);

/*
 * Writes the images (names or IDs) to fd as one tar that is both a
 * docker-archive (manifest.json, repositories) and an OCI image layout
 * (oci-layout, index.json, blobs/), as Docker 25 and later write it.
 */
int store_save(struct store *s, const char *const *what, size_t n, int fd);

#endif
