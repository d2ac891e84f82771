/*
 * SHA-256 through libcrypto's SHA256_* functions rather than EVP: EVP
 * fetches the algorithm from a provider, which initializes the provider,
 * configuration and engine machinery (reading openssl.cnf, and with it
 * dlopen and the resolver) in every husk process that hashes; the static
 * husk would carry all of it. SHA256_* is deprecated in OpenSSL 3 but
 * kept, and uses the same assembly block functions.
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <stdlib.h>
#include <string.h>
#include <openssl/sha.h>

#include "digest.h"

int digest_init(struct digest_ctx *c)
{
	SHA256_CTX *md = malloc(sizeof(*md));

	if (!md || SHA256_Init(md) != 1) {
		free(md);
		c->md = NULL;
		return -1;
	}
	c->md = md;
	return 0;
}

void digest_update(struct digest_ctx *c, const void *p, size_t n)
{
	if (n)
		SHA256_Update(c->md, p, n);
}

static void to_hex(const unsigned char *bin, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hex[bin[i] >> 4];
		out[2 * i + 1] = hex[bin[i] & 15];
	}
	out[2 * n] = '\0';
}

void digest_final(struct digest_ctx *c, struct digest *out)
{
	unsigned char bin[SHA256_DIGEST_LENGTH];

	SHA256_Final(bin, c->md);
	free(c->md);
	c->md = NULL;
	memcpy(out->s, DIGEST_PREFIX, DIGEST_PREFIX_LEN);
	to_hex(bin, sizeof(bin), out->s + DIGEST_PREFIX_LEN);
}

void digest_abandon(struct digest_ctx *c)
{
	free(c->md);
	c->md = NULL;
}

int digest_buf(const void *p, size_t n, struct digest *out)
{
	struct digest_ctx c;

	if (digest_init(&c))
		return -1;
	digest_update(&c, p, n);
	digest_final(&c, out);
	return 0;
}

static int is_lower_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[n] == '\0';
}

int digest_from_hex(const char *hex, struct digest *out)
{
	if (strlen(hex) != DIGEST_HEX_LEN || !is_lower_hex(hex, DIGEST_HEX_LEN))
		return -1;
	memcpy(out->s, DIGEST_PREFIX, DIGEST_PREFIX_LEN);
	memcpy(out->s + DIGEST_PREFIX_LEN, hex, DIGEST_HEX_LEN + 1);
	return 0;
}

int digest_parse(const char *s, struct digest *out)
{
	if (strncmp(s, DIGEST_PREFIX, DIGEST_PREFIX_LEN))
		return -1;
	return digest_from_hex(s + DIGEST_PREFIX_LEN, out);
}

int digest_equal(const struct digest *a, const struct digest *b)
{
	return strcmp(a->s, b->s) == 0;
}
