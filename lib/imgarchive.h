/*
 * Archives: image layers (tar, maybe compressed) and the image archives
 * that `save` writes and `load` reads (docker-archive, OCI layout in a
 * tar). Internal to lib/; the public entry points are in store.h.
 */
#ifndef HUSK_IMGARCHIVE_H
#define HUSK_IMGARCHIVE_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "store.h"

/* ---- archive_path.c ---- */

/*
 * Normalizes an entry name ("./a//b/" -> "a/b"; "." -> ""). -1 with *why
 * for absolute names and names with a ".." component.
 */
int tar_path_clean(const char *in, char *out, size_t n, const char **why);

/*
 * Where a relative symbolic link target leads from the directory base
 * ("a/b" + "../c" -> "a/c"). -1 when it climbs above the root.
 */
int tar_path_resolve(const char *base, const char *target, char *out,
			 size_t n);

/* ---- layerarchive.c ---- */

/*
 * Writes a gzip'ed layer tar of source (a directory, a tar file, "-") to
 * w (begun, left finished), and its uncompressed digest to *diff_id.
 * Names are normalized, directories walked in byte order, and when clamp
 * >= 0 every time stamp is at most clamp.
 */
int layer_create(const char *source, int64_t clamp,
		 struct blob_writer *w, struct digest *diff_id);

/*
 * Reads a layer (tar, gzip'ed or zstd'ed tar): checks every entry name
 * and computes the uncompressed digest. label names it in errors.
 */
int layer_check(int fd, const char *label, struct digest *diff_id);

/* The layer media type that fd's first bytes announce. */
const char *layer_media_type(int fd);

/* ---- archive_stage.c: an image archive unpacked into tmp/ ---- */

enum staged_kind { STAGED_FILE, STAGED_DIR, STAGED_LINK };

struct staged {
	char *path;            /* cleaned name in the archive */
	enum staged_kind kind;
	char *link;            /* STAGED_LINK: cleaned target */
	char *file;            /* STAGED_FILE: where the content is */
	struct digest digest;  /* STAGED_FILE: of the content */
	int64_t size;
};

struct stage {
	struct store *s;
	const char *label;     /* the archive, for messages */
	char dir[4096];
	int dir_fd;            /* flock'ed: the staging is alive */
	unsigned next_file;    /* staged files are f0, f1, ... */
	struct staged *v;
	size_t n;
};

int stage_read(struct store *s, int fd, const char *label, struct stage *st);
/* The file at path, following links; NULL when absent. */
const struct staged *stage_find(const struct stage *st, const char *path);
/*
 * The staged file whose content has digest d (and size, when >= 0).
 * STORE_ERR naming the archive when it is missing or does not match.
 */
int stage_blob(const struct stage *st, const struct digest *d, int64_t size,
	       const struct staged **out);
/* A file's content, NUL-terminated; what names it in errors. */
int stage_slurp(const struct stage *st, const struct staged *f,
		const char *what, char **buf, size_t *n);
/* A file's content as a JSON object; errors name the archive and what. */
int stage_json_object(const struct stage *st, const struct staged *f,
		      const char *what, json_t **out);
/* A new file in the staging directory holding buf (a made-up manifest). */
int stage_add(struct stage *st, const char *path, const void *buf, size_t n,
	      const struct staged **out);
void stage_free(struct stage *st);

/* ---- an image found in an archive, ready to be committed ---- */

struct loaded_image {
	struct digest manifest;
	const char *manifest_type;
	int64_t manifest_size;
	char *manifest_file;   /* staged file, or a new one for docker-archive */
	char **names;          /* full names */
	size_t nnames;
};

struct load_set {
	struct loaded_image *v;
	size_t n;
};

int load_set_add(struct load_set *ls, const struct digest *manifest,
		 const char *type, int64_t size, const char *file);
int load_set_name(struct loaded_image *li, const char *full);
void load_set_free(struct load_set *ls);

/* ---- ociarchive.c ---- */

/* Whether the staged archive holds an OCI layout (oci-layout + index.json). */
int oci_archive_present(const struct stage *st);
/* The images of index.json; names from its annotations. */
int oci_archive_read(const struct stage *st, struct load_set *ls);

/* What `save` writes: each image once, with the names asked for. */
struct save_item {
	const struct image *img;
	char **names;          /* full names */
	size_t nnames;
};

/* index.json of a saved archive: one descriptor per name (or per image). */
json_t *oci_archive_index(const struct save_item *items, size_t n);

/* ---- dockerarchive.c ---- */

int docker_archive_present(const struct stage *st);
/*
 * The images of manifest.json. With names_only (an OCI layout was found
 * too), manifest.json only names the images index.json left unnamed;
 * otherwise each entry becomes an image, with an OCI manifest made from
 * its config and layer files.
 */
int docker_archive_read(struct stage *st, struct load_set *ls, int names_only);
/* manifest.json and repositories of a saved archive. */
json_t *docker_archive_manifest(const struct save_item *items, size_t n);
json_t *docker_archive_repositories(const struct save_item *items, size_t n);

#endif
