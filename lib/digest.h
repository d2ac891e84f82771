/*
 * Content digests: SHA-256 only, written "sha256:<64 lowercase hex>" as the
 * OCI image specification and Docker spell them.
 */
#ifndef HUSK_DIGEST_H
#define HUSK_DIGEST_H

#include <stddef.h>

#define DIGEST_PREFIX "sha256:"
#define DIGEST_PREFIX_LEN 7
#define DIGEST_HEX_LEN 64
#define DIGEST_LEN (DIGEST_PREFIX_LEN + DIGEST_HEX_LEN)

struct digest {
	char s[DIGEST_LEN + 1]; /* "sha256:<hex>", or "" when unset */
};

/* An incremental hash; opaque so that callers need no OpenSSL headers. */
struct digest_ctx {
	void *md;
};

int digest_init(struct digest_ctx *c);
void digest_update(struct digest_ctx *c, const void *p, size_t n);
/* Writes the result and frees the context. */
void digest_final(struct digest_ctx *c, struct digest *out);
/* Frees a context without a result (error paths). */
void digest_abandon(struct digest_ctx *c);

int digest_buf(const void *p, size_t n, struct digest *out);

/* 0 when s is exactly "sha256:" followed by 64 lowercase hex digits. */
int digest_parse(const char *s, struct digest *out);
/* 0 when s is 64 lowercase hex digits (a blob's file name). */
int digest_from_hex(const char *hex, struct digest *out);

static inline const char *digest_hex(const struct digest *d)
{
	return d->s + DIGEST_PREFIX_LEN;
}

int digest_equal(const struct digest *a, const struct digest *b);

#endif
