/*
 * save: one tar that is at once an OCI image layout and a docker-archive,
 * as Docker 25 and later write it:
 *   blobs/sha256/<hex>   manifests, configs, layers (as stored)
 *   index.json           OCI: one descriptor per name, the full name in
 *                        io.containerd.image.name and the tag in
 *                        org.opencontainers.image.ref.name
 *   manifest.json        docker-archive: Config, RepoTags, Layers paths
 *   oci-layout, repositories
 * Entries are in a fixed order with fixed owners, modes and times, so
 * saving the same images twice gives the same bytes. Every blob is
 * checked against its digest on the way out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <archive.h>
#include <archive_entry.h>

#include "imgarchive.h"
#include "json_util.h"

#define CHUNK (64 * 1024)

struct saver {
	struct store *s;
	struct archive *out;
	struct save_item *items;
	size_t nitems;
	struct digest *blobs;  /* written already */
	size_t nblobs;
};

static int out_error(struct saver *sv, const char *what)
{
	return store_fail(STORE_ERR, "cannot write the archive (%s): %s", what,
			  archive_error_string(sv->out) ?
				  archive_error_string(sv->out) : "write error");
}

static int put_header(struct saver *sv, const char *path, int dir, int64_t size)
{
	struct archive_entry *e = archive_entry_new();
	int rc = 0;

	if (!e)
		return store_fail(STORE_ERR, "out of memory");
	archive_entry_set_pathname(e, path);
	archive_entry_set_filetype(e, dir ? AE_IFDIR : AE_IFREG);
	archive_entry_set_perm(e, dir ? 0755 : 0644);
	archive_entry_set_size(e, dir ? 0 : size);
	archive_entry_set_mtime(e, 0, 0);
	if (archive_write_header(sv->out, e) < ARCHIVE_WARN)
		rc = out_error(sv, path);
	archive_entry_free(e);
	return rc;
}

static int put_json(struct saver *sv, const char *path, json_t *v)
{
	size_t n;
	char *text = v ? json_compact(v, &n) : NULL;
	int rc;

	json_decref(v);
	if (!text)
		return store_fail(STORE_ERR, "out of memory");
	rc = put_header(sv, path, 0, (int64_t)n);
	if (!rc && archive_write_data(sv->out, text, n) < 0)
		rc = out_error(sv, path);
	free(text);
	return rc;
}

static int copy_blob(struct saver *sv, int fd, const struct digest *d,
		     int64_t size)
{
	struct digest_ctx h;
	struct digest got;
	char *buf = malloc(CHUNK);
	int64_t left = size;
	ssize_t k = 1;

	if (!buf || digest_init(&h)) {
		free(buf);
		return store_fail(STORE_ERR, "out of memory");
	}
	while (left > 0 && (k = read(fd, buf, left < CHUNK ? (size_t)left : CHUNK)) > 0) {
		digest_update(&h, buf, (size_t)k);
		if (archive_write_data(sv->out, buf, (size_t)k) < 0)
			break;
		left -= k;
	}
	free(buf);
	digest_final(&h, &got);
	if (left > 0)
		return k <= 0 ? store_fail_errno("blob %s: cannot read", d->s) :
			out_error(sv, d->s);
	if (!digest_equal(&got, d))
		return store_fail(STORE_ERR, "blob %s in the store is corrupt (it "
				  "hashes to %s): remove the image and load it again",
				  d->s, got.s);
	return 0;
}

static int put_blob(struct saver *sv, const struct digest *d)
{
	struct digest *v;
	char path[96];
	int64_t size;
	size_t i;
	int fd, rc;

	for (i = 0; i < sv->nblobs; i++)
		if (digest_equal(&sv->blobs[i], d))
			return 0;
	v = realloc(sv->blobs, (sv->nblobs + 1) * sizeof(*v));
	if (!v)
		return store_fail(STORE_ERR, "out of memory");
	sv->blobs = v;
	v[sv->nblobs++] = *d;
	rc = blob_open(sv->s, d, &fd, &size);
	if (rc)
		return rc;
	snprintf(path, sizeof(path), "blobs/sha256/%s", digest_hex(d));
	rc = put_header(sv, path, 0, size);
	if (!rc)
		rc = copy_blob(sv, fd, d, size);
	close(fd);
	return rc;
}

static int put_image_blobs(struct saver *sv, const struct image *img)
{
	struct digest d;
	int64_t size;
	size_t i;
	int rc;

	rc = put_blob(sv, &img->manifest);
	if (!rc)
		rc = put_blob(sv, &img->id);
	for (i = 0; !rc && i < image_layer_count(img); i++) {
		rc = image_layer(img, i, &d, &size, NULL);
		if (!rc)
			rc = put_blob(sv, &d);
	}
	return rc;
}

static int write_all_entries(struct saver *sv)
{
	size_t i;
	int rc;

	rc = put_header(sv, "blobs/", 1, 0);
	if (!rc)
		rc = put_header(sv, "blobs/sha256/", 1, 0);
	for (i = 0; !rc && i < sv->nitems; i++)
		rc = put_image_blobs(sv, sv->items[i].img);
	if (!rc)
		rc = put_json(sv, "index.json", oci_archive_index(sv->items, sv->nitems));
	if (!rc)
		rc = put_json(sv, "manifest.json",
			      docker_archive_manifest(sv->items, sv->nitems));
	if (!rc)
		rc = put_json(sv, "oci-layout",
			      json_pack("{s:s}", "imageLayoutVersion", "1.0.0"));
	if (!rc)
		rc = put_json(sv, "repositories",
			      docker_archive_repositories(sv->items, sv->nitems));
	return rc;
}

/* Groups what was asked for by image; a name asked for is kept for it. */
static int add_item(struct saver *sv, struct image *img, const char *name)
{
	struct save_item *it = NULL, *v;
	char **names;
	size_t i;

	for (i = 0; i < sv->nitems; i++)
		if (sv->items[i].img == img)
			it = &sv->items[i];
	if (!it) {
		v = realloc(sv->items, (sv->nitems + 1) * sizeof(*v));
		if (!v)
			return store_fail(STORE_ERR, "out of memory");
		sv->items = v;
		it = &v[sv->nitems++];
		memset(it, 0, sizeof(*it));
		it->img = img;
	}
	for (i = 0; name && i < it->nnames; i++)
		if (!strcmp(it->names[i], name))
			return 0;
	if (!name)
		return 0;
	names = realloc(it->names, (it->nnames + 1) * sizeof(*names));
	if (!names)
		return store_fail(STORE_ERR, "out of memory");
	it->names = names;
	names[it->nnames] = strdup(name);
	return names[it->nnames++] ? 0 : store_fail(STORE_ERR, "out of memory");
}

static int select_images(struct saver *sv, struct image_list *l,
			 const char *const *what, size_t n)
{
	char full[600];
	struct image *img;
	struct ref r;
	size_t i;
	int by_name, rc = 0;

	for (i = 0; !rc && i < n; i++) {
		rc = image_find(l, what[i], &img, &by_name);
		if (rc)
			break;
		full[0] = '\0';
		if (by_name && !ref_parse(what[i], &r) && r.tag[0]) {
			r.digest.s[0] = '\0';
			ref_full(&r, full, sizeof(full));
		}
		rc = add_item(sv, img, full[0] ? full : NULL);
	}
	return rc;
}

static int open_out(struct saver *sv, int fd)
{
	sv->out = archive_write_new();
	if (!sv->out)
		return store_fail(STORE_ERR, "out of memory");
	if (archive_write_set_format_pax_restricted(sv->out) ||
	    archive_write_set_bytes_in_last_block(sv->out, 1) ||
	    archive_write_open_fd(sv->out, fd))
		return out_error(sv, "start");
	return 0;
}

int store_save(struct store *s, const char *const *what, size_t n, int fd)
{
	struct saver sv = { .s = s };
	struct image_list l = { 0 };
	size_t i, k;
	int rc;

	rc = store_lock(s, STORE_SHARED);
	if (!rc)
		rc = store_list(s, &l);
	if (!rc)
		rc = select_images(&sv, &l, what, n);
	if (!rc)
		rc = open_out(&sv, fd);
	if (!rc)
		rc = write_all_entries(&sv);
	if (!rc && archive_write_close(sv.out))
		rc = out_error(&sv, "finish");
	store_lock(s, STORE_UNLOCKED);
	if (sv.out)
		archive_write_free(sv.out);
	for (i = 0; i < sv.nitems; i++) {
		for (k = 0; k < sv.items[i].nnames; k++)
			free(sv.items[i].names[k]);
		free(sv.items[i].names);
	}
	free(sv.items);
	free(sv.blobs);
	image_list_free(&l);
	return rc;
}
