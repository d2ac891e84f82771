/*
 * Initial stack layout (see stack.h). Strings first, from the top down;
 * then the pointer block below them, sized first so that rsp comes out
 * 16-byte aligned as the x86_64 ABI requires at the entry point.
 */
#include "../lib.h"
#include "stack.h"

struct cursor {
	uint8_t *buf;
	uint64_t base, at; /* virtual addresses: buf is at base */
};

/* Copies n bytes below the cursor; returns their address, 0 if no room. */
static uint64_t push_bytes(struct cursor *c, const void *p, size_t n)
{
	if (c->at - c->base < n)
		return 0;
	c->at -= n;
	memcpy(c->buf + (c->at - c->base), p, n);
	return c->at;
}

static uint64_t push_str(struct cursor *c, const char *s)
{
	return push_bytes(c, s, strlen(s) + 1);
}

static size_t count(char *const *v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

static size_t count_aux(const uint64_t *a)
{
	size_t n = 0;

	while (a[2 * n] != AT_NULL)
		n++;
	return n;
}

/* Strings of v, highest first; their addresses into out[]. */
static int push_strings(struct cursor *c, char *const *v, size_t n, uint64_t *out)
{
	for (size_t i = n; i-- > 0;)
		if (!(out[i] = push_str(c, v[i])))
			return -1;
	return 0;
}

static void put(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

uint64_t stack_build(uint8_t *buf, size_t size, uint64_t top,
		     const struct stack_spec *s)
{
	struct cursor c = { buf, top - size, top };
	size_t argc = count(s->argv), envc = count(s->envp);
	size_t naux = count_aux(s->auxv) + 3, words, i, w = 0;
	uint64_t execfn, platform, random, sp;
	uint64_t ptrs[512];

	if (argc + envc > sizeof(ptrs) / sizeof(ptrs[0]))
		return 0;
	if (!(execfn = push_str(&c, s->execfn)) ||
	    !(platform = push_str(&c, "x86_64")) ||
	    !(random = push_bytes(&c, s->random, 16)) ||
	    push_strings(&c, s->argv, argc, ptrs) ||
	    push_strings(&c, s->envp, envc, ptrs + argc))
		return 0;
	words = 1 + argc + 1 + envc + 1 + 2 * (naux + 1);
	sp = (c.at - words * 8) & ~15ULL;
	if (sp < c.base)
		return 0;
	uint8_t *p = buf + (sp - c.base);
	put(p + 8 * w++, argc);
	for (i = 0; i < argc; i++)
		put(p + 8 * w++, ptrs[i]);
	put(p + 8 * w++, 0);
	for (i = 0; i < envc; i++)
		put(p + 8 * w++, ptrs[argc + i]);
	put(p + 8 * w++, 0);
	for (i = 0; s->auxv[2 * i] != AT_NULL; i++) {
		put(p + 8 * w++, s->auxv[2 * i]);
		put(p + 8 * w++, s->auxv[2 * i + 1]);
	}
	const uint64_t ours[6] = { AT_RANDOM, random, AT_EXECFN, execfn,
				   AT_PLATFORM, platform };
	for (i = 0; i < 6; i++)
		put(p + 8 * w++, ours[i]);
	put(p + 8 * w++, AT_NULL);
	put(p + 8 * w++, 0);
	return sp;
}
