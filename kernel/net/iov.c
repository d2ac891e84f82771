/* Walking a user iovec array, so that sends and receives copy straight
 * between user buffers and the socket's queues. */
#include "../lib.h"
#include "net.h"

void iov_init(struct iov_cursor *c, const struct iovec_ *iov, int cnt, size_t total)
{
	c->iov = iov;
	c->cnt = cnt;
	c->off = 0;
	c->left = total;
	while (c->cnt && !c->iov->len) {
		c->iov++;
		c->cnt--;
	}
}

/* Moves n bytes between the cursor's buffers and buf (to_user: into the
 * buffers). */
static void iov_move(struct iov_cursor *c, char *buf, size_t n, int to_user)
{
	while (n) {
		void *u;
		size_t k = iov_piece(c, &u, n);

		if (!k)
			break;
		if (to_user)
			memcpy(u, buf, k);
		else
			memcpy(buf, u, k);
		iov_skip(c, k);
		buf += k;
		n -= k;
	}
}

void iov_take(struct iov_cursor *c, void *dst, size_t n)
{
	iov_move(c, dst, n, 0);
}

void iov_put(struct iov_cursor *c, const void *src, size_t n)
{
	iov_move(c, (char *)src, n, 1);
}

size_t iov_piece(const struct iov_cursor *c, void **p, size_t max)
{
	size_t n;

	if (!c->cnt || !c->left)
		return 0;
	n = c->iov->len - c->off;
	*p = (void *)(c->iov->base + c->off);
	return n < max ? n : max;
}

void iov_skip(struct iov_cursor *c, size_t n)
{
	while (n && c->cnt) {
		size_t k = c->iov->len - c->off;

		if (k > n)
			k = n;
		n -= k;
		c->left -= k;
		c->off += k;
		if (c->off == c->iov->len) {
			c->iov++;
			c->cnt--;
			c->off = 0;
		}
	}
	while (c->cnt && !c->iov->len) { /* empty buffers hold nothing */
		c->iov++;
		c->cnt--;
	}
}
