/*
 * Name parsing, following the grammar of the distribution reference
 * format that Docker uses:
 *   reference := name [":" tag] ["@" digest]
 *   name      := [domain "/"] component ("/" component)*
 *   component := [a-z0-9]+ (separator [a-z0-9]+)*, separator := [_.] | "__" | "-"+
 *   tag       := [A-Za-z0-9_] [A-Za-z0-9_.-]{0,127}
 * The first part is a domain only when it has a "." or ":" or is
 * "localhost" (or has an upper-case letter, which a path may not have).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "ref.h"
#include "store.h"

#define DEFAULT_DOMAIN "docker.io"
#define OFFICIAL_PREFIX "library/"

static int is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* One path component: alphanumerics joined by ".", "_", "__" or dashes. */
static int valid_component(const char *s, size_t n)
{
	size_t i = 0, j;

	if (!n || !is_lower_alnum(s[0]) || !is_lower_alnum(s[n - 1]))
		return 0;
	while (i < n) {
		if (is_lower_alnum(s[i])) {
			i++;
			continue;
		}
		j = i;
		while (j < n && !is_lower_alnum(s[j]))
			j++;
		if (!((j - i == 1 && (s[i] == '.' || s[i] == '_')) ||
		      (j - i == 2 && s[i] == '_' && s[i + 1] == '_') ||
		      strspn(s + i, "-") >= j - i))
			return 0;
		i = j;
	}
	return 1;
}

static int valid_path(const char *s)
{
	const char *slash;

	for (;;) {
		slash = strchr(s, '/');
		if (!valid_component(s, slash ? (size_t)(slash - s) : strlen(s)))
			return 0;
		if (!slash)
			return 1;
		s = slash + 1;
	}
}

/* host[:port], host made of dot-separated alphanumeric/dash labels. */
static int valid_domain(const char *s)
{
	const char *colon = strchr(s, ':');
	size_t n = colon ? (size_t)(colon - s) : strlen(s), i;

	if (!n || s[0] == '.' || s[0] == '-' || s[n - 1] == '.' || s[n - 1] == '-')
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '.' && s[i] != '-')
			return 0;
	if (colon)
		return colon[1] && strspn(colon + 1, "0123456789") == strlen(colon + 1);
	return 1;
}

static int valid_tag(const char *s)
{
	size_t n = strlen(s), i;

	if (!n || n > REF_TAG_MAX || !(isalnum((unsigned char)s[0]) || s[0] == '_'))
		return 0;
	for (i = 1; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("_.-", s[i]))
			return 0;
	return 1;
}

static int bad(const char *s, const char *why)
{
	return store_fail(STORE_ERR, "invalid reference format: %s: %s", s, why);
}

/* Splits "name[:tag]" (digest already removed) into r's domain/path/tag. */
static int split_name(const char *whole, char *name, struct ref *r)
{
	char *slash = strrchr(name, '/'), *colon, *first;
	const char *prefix;

	colon = strrchr(slash ? slash : name, ':');
	if (colon) {
		*colon = '\0';
		if (!valid_tag(colon + 1))
			return bad(whole, "the tag must be letters, digits, '_', '.' "
				   "or '-' (at most 128, not starting with '.' or '-')");
		strcpy(r->tag, colon + 1);
	}
	first = strchr(name, '/');
	if (first && (memchr(name, '.', (size_t)(first - name)) ||
		      memchr(name, ':', (size_t)(first - name)) ||
		      !strncmp(name, "localhost/", 10) ||
		      strcspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") < (size_t)(first - name))) {
		*first = '\0';
		if (!valid_domain(name))
			return bad(whole, "the registry must be host[:port]");
		if (strlen(name) >= sizeof(r->domain))
			return bad(whole, "the registry name is too long");
		strcpy(r->domain, name);
		name = first + 1;
	} else {
		strcpy(r->domain, DEFAULT_DOMAIN);
	}
	if (!strcmp(r->domain, "index.docker.io"))
		strcpy(r->domain, DEFAULT_DOMAIN);
	if (strcspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") < strlen(name))
		return bad(whole, "the repository name must be lowercase");
	if (!valid_path(name))
		return bad(whole, "the repository name must be lowercase letters, "
			   "digits and separators ('.', '_', '__', '-'), parts joined by '/'");
	prefix = !strcmp(r->domain, DEFAULT_DOMAIN) && !strchr(name, '/') ?
			 OFFICIAL_PREFIX : "";
	if (strlen(prefix) + strlen(name) >= sizeof(r->path))
		return bad(whole, "the repository name is longer than 255 characters");
	strcpy(r->path, prefix);
	strcat(r->path, name);
	return 0;
}

int ref_parse(const char *s, struct ref *r)
{
	char name[2 * REF_NAME_MAX + REF_TAG_MAX + 8], *at;
	int rc;

	memset(r, 0, sizeof(*r));
	if (!*s)
		return bad("\"\"", "the name is empty");
	if (strlen(s) >= sizeof(name))
		return bad(s, "the name is too long");
	strcpy(name, s);
	at = strchr(name, '@');
	if (at) {
		*at = '\0';
		if (digest_parse(at + 1, &r->digest))
			return bad(s, "the digest must be sha256: and 64 lowercase hex digits");
	}
	if (strlen(name) == DIGEST_HEX_LEN &&
	    strspn(name, "0123456789abcdef") == DIGEST_HEX_LEN)
		return bad(s, "a repository name cannot be a 64-digit hex string "
			   "(an image ID)");
	rc = split_name(s, name, r);
	if (rc)
		return rc;
	if (!r->tag[0] && !r->digest.s[0])
		strcpy(r->tag, "latest");
	if (strlen(r->domain) + 1 + strlen(r->path) > REF_NAME_MAX)
		return bad(s, "the repository name is longer than 255 characters");
	return 0;
}

void ref_repo_full(const struct ref *r, char *buf, size_t n)
{
	snprintf(buf, n, "%s/%s", r->domain, r->path);
}

void ref_repo_short(const struct ref *r, char *buf, size_t n)
{
	const char *p = r->path;

	if (strcmp(r->domain, DEFAULT_DOMAIN)) {
		snprintf(buf, n, "%s/%s", r->domain, r->path);
		return;
	}
	if (!strncmp(p, OFFICIAL_PREFIX, strlen(OFFICIAL_PREFIX)) &&
	    !strchr(p + strlen(OFFICIAL_PREFIX), '/'))
		p += strlen(OFFICIAL_PREFIX);
	snprintf(buf, n, "%s", p);
}

static void with_suffix(const struct ref *r, char *buf, size_t n)
{
	size_t len = strlen(buf);

	if (r->tag[0])
		snprintf(buf + len, n - len, ":%s", r->tag);
	len = strlen(buf);
	if (r->digest.s[0])
		snprintf(buf + len, n - len, "@%s", r->digest.s);
}

void ref_full(const struct ref *r, char *buf, size_t n)
{
	ref_repo_full(r, buf, n);
	with_suffix(r, buf, n);
}

void ref_short(const struct ref *r, char *buf, size_t n)
{
	ref_repo_short(r, buf, n);
	with_suffix(r, buf, n);
}

int ref_split_short(const char *full, char *repo, size_t nrepo, char *tag,
		    size_t ntag)
{
	struct ref r;

	if (ref_parse(full, &r))
		return -1;
	ref_repo_short(&r, repo, nrepo);
	snprintf(tag, ntag, "%s", r.tag[0] ? r.tag : "<none>");
	return 0;
}
