/*
 * Users and groups for --chown and USER, as Docker resolves them: a
 * number is taken as it is, a name is looked up in the stage's own
 * /etc/passwd or /etc/group (never the host's).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build_int.h"

static bool parse_id(const char *s, uint32_t *out)
{
	char *end;
	unsigned long v;

	if (!*s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > 0xffffffffUL)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* Field 0 is the name; *id gets field 2, *gid field 3 (passwd). */
static int find_entry(const char *root, const char *file, const char *name,
		      uint32_t *id, uint32_t *gid)
{
	char path[BUILD_PATH], line[1024];
	FILE *f;
	int found = 0;

	snprintf(path, sizeof(path), "%s/%s", root, file);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		char *fields[4] = { 0 }, *p = line;
		int i;

		line[strcspn(line, "\n")] = '\0';
		for (i = 0; i < 4 && p; i++) {
			fields[i] = p;
			p = strchr(p, ':');
			if (p)
				*p++ = '\0';
		}
		if (i < 3 || strcmp(fields[0], name) || !parse_id(fields[2], id))
			continue;
		found = 1;
		if (gid && (!fields[3] || !parse_id(fields[3], gid)))
			*gid = 0;
	}
	fclose(f);
	return found;
}

static int resolve_user(const char *root, const char *user, uint32_t *uid,
			uint32_t *gid, char *err, size_t errlen)
{
	if (parse_id(user, uid)) {
		*gid = 0;
		return 0;
	}
	if (find_entry(root, "etc/passwd", user, uid, gid))
		return 0;
	snprintf(err, errlen, "unable to find user %s: no matching entries in "
		 "passwd file", user);
	return -1;
}

static int resolve_group(const char *root, const char *group, uint32_t *gid,
			 char *err, size_t errlen)
{
	if (parse_id(group, gid) || find_entry(root, "etc/group", group, gid, NULL))
		return 0;
	snprintf(err, errlen, "unable to find group %s: no matching entries in "
		 "group file", group);
	return -1;
}

int users_resolve(const char *root, const char *spec, bool gid_from_uid,
		  uint32_t *uid, uint32_t *gid, char *err, size_t errlen)
{
	char user[256];
	const char *colon = strchr(spec, ':');
	size_t n = colon ? (size_t)(colon - spec) : strlen(spec);

	if (!n || n >= sizeof(user) || (colon && !colon[1])) {
		snprintf(err, errlen, "invalid user \"%s\"", spec);
		return -1;
	}
	memcpy(user, spec, n);
	user[n] = '\0';
	if (resolve_user(root, user, uid, gid, err, errlen))
		return -1;
	if (gid_from_uid)
		*gid = *uid;
	return colon ? resolve_group(root, colon + 1, gid, err, errlen) : 0;
}

int users_parse_mode(const char *s, unsigned *mode)
{
	char *end;
	unsigned long v;

	if (!*s)
		return -1;
	errno = 0;
	v = strtoul(s, &end, 8);
	if (errno || *end || v > 07777)
		return -1;
	*mode = (unsigned)v;
	return 0;
}
