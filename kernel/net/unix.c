/*
 * AF_UNIX inside the library OS: SOCK_STREAM, SOCK_SEQPACKET and
 * SOCK_DGRAM, socketpair, names in the VFS (an S_IFSOCK node made by
 * bind) or abstract (a leading NUL), and SCM_RIGHTS.
 *
 * Every socket has one receive queue of records: what one send put there,
 * with the sender's name and any passed files. A stream read runs across
 * records; a datagram or seqpacket read takes one. Senders wait on the
 * receiver's queue, which wakes them as it drains.
 */
#include "../lib.h"
#include "../mm.h"
#include "../sys/calls.h"
#include "net.h"

#define UNIX_BUF 212992    /* the receive queue's bytes at most */
#define UNIX_PATH_MAX 108
#define SOL_SOCKET 1
#define SCM_RIGHTS 1
#define SCM_MAX_FD 253
#define SHUT_RCV 1
#define SHUT_SEND 2

struct urec {
	struct urec *next;
	size_t len, off;
	struct file **files;
	int nfiles;
	uint32_t fromlen;
	char from[2 + UNIX_PATH_MAX];
	char data[];
};

struct unix_sock {
	struct sock *s;
	struct unix_sock *peer;  /* connected to (and, but for dgram, from) */
	int connected, peer_gone;
	int shut;                /* SHUT_RCV, SHUT_SEND */
	struct urec *head, *tail;
	size_t bytes;
	/* Its name: the sockaddr_un as getsockname gives it. */
	uint32_t namelen;
	char name[2 + UNIX_PATH_MAX];
	struct vnode *vn;        /* the node of a path name */
	/* A listener's connections not yet accepted. */
	struct unix_sock *acc_head, *acc_tail, *acc_next;
	int backlog, pending;
	struct unix_sock *all_next;
};

static struct unix_sock *all; /* every AF_UNIX socket, for names and peers */
static const struct sock_ops unix_ops;
static unsigned autobind_next = 1;

static struct unix_sock *ux(struct sock *s)
{
	return s->priv;
}

static int is_dgram(struct unix_sock *u)
{
	return u->s->type == SOCK_DGRAM;
}

static struct unix_sock *unix_new(int type)
{
	struct unix_sock *u = heap_alloc(sizeof(*u));
	struct sock *s;

	if (!u)
		return 0;
	memset(u, 0, sizeof(*u));
	if (!(s = sock_new(&unix_ops, AF_UNIX, type, 0))) {
		heap_free(u);
		return 0;
	}
	s->priv = u;
	u->s = s;
	u->namelen = sizeof(uint16_t);
	*(uint16_t *)u->name = AF_UNIX;
	u->all_next = all;
	all = u;
	return u;
}

int unix_create(int type, int protocol, struct sock **out)
{
	struct unix_sock *u;

	if (type != SOCK_STREAM && type != SOCK_DGRAM && type != SOCK_SEQPACKET)
		return -ESOCKTNOSUPPORT;
	if (protocol)
		return -EPROTONOSUPPORT;
	if (!(u = unix_new(type)))
		return -ENOMEM;
	*out = u->s;
	return 0;
}

int unix_pair(int type, struct sock **a, struct sock **b)
{
	struct unix_sock *x, *y;
	int r;

	if ((r = unix_create(type, 0, a)))
		return r;
	if ((r = unix_create(type, 0, b))) {
		(*a)->ops->close(*a);
		heap_free(*a);
		return r;
	}
	x = ux(*a);
	y = ux(*b);
	x->peer = y;
	y->peer = x;
	x->connected = y->connected = 1;
	return 0;
}

/* ---- names ---- */

/* A user sockaddr_un as a path (NUL-terminated, in path) or an abstract
 * name (*abstract set; the bytes after the NUL): its length or -errno. */
static int parse_name(const void *addr, uint32_t len, char *path, int *abstract)
{
	const char *sun_path = (const char *)addr + 2;
	uint32_t n;

	if (len < 2 || *(const uint16_t *)addr != AF_UNIX)
		return -EINVAL;
	if (len > 2 + UNIX_PATH_MAX)
		return -EINVAL;
	n = len - 2;
	*abstract = n && !sun_path[0];
	if (*abstract) {
		memcpy(path, sun_path, n);
		return (int)n;
	}
	n = (uint32_t)strnlen(sun_path, n);
	if (!n)
		return -EINVAL;
	memcpy(path, sun_path, n);
	path[n] = 0;
	return (int)n;
}

static struct unix_sock *find_abstract(const char *name, int n)
{
	for (struct unix_sock *u = all; u; u = u->all_next)
		if (!u->vn && u->namelen == (uint32_t)(2 + n) &&
		    !memcmp(u->name + 2, name, (size_t)n))
			return u;
	return 0;
}

static int lookup_vnode(const char *path, struct vnode **vn)
{
	struct vnode *cwd = cwd_get();
	int r = vfs_lookup(cwd, path, 0, vn);

	vfs_put(cwd);
	return r;
}

/* The socket bound to a name, or -errno (as connect reports it). */
static int find_bound(const void *addr, uint32_t len, struct unix_sock **out)
{
	char name[UNIX_PATH_MAX + 1];
	struct vnode *vn;
	int abstract, n = parse_name(addr, len, name, &abstract), r;

	if (n < 0)
		return n;
	if (abstract) {
		*out = find_abstract(name, n);
		return *out ? 0 : -ECONNREFUSED;
	}
	if ((r = lookup_vnode(name, &vn)))
		return r;
	*out = 0;
	for (struct unix_sock *u = all; u; u = u->all_next)
		if (u->vn == vn)
			*out = u;
	r = (vfs_mode(vn) & VFS_IFMT) != VFS_IFSOCK ? -ECONNREFUSED : 0;
	vfs_put(vn);
	if (!r && !*out)
		r = -ECONNREFUSED;
	return r;
}

static void set_name(struct unix_sock *u, const char *name, int n, int abstract)
{
	u->name[2] = 0;
	memcpy(u->name + 2 + abstract, name, (size_t)n);
	u->namelen = (uint32_t)(2 + abstract + n + !abstract);
	if (!abstract)
		u->name[2 + n] = 0;
}

static int bind_path(struct unix_sock *u, const char *path, int n)
{
	struct vnode *cwd = cwd_get(), *vn;
	int r = vfs_mknod(cwd, path, VFS_IFSOCK | (0777 & ~cur_umask), 0);

	if (!r)
		r = vfs_lookup(cwd, path, 0, &vn);
	vfs_put(cwd);
	if (r)
		return r == -EEXIST ? -EADDRINUSE : r;
	u->vn = vn;
	set_name(u, path, n, 0);
	return 0;
}

/* bind with no name (or a send from an unbound socket that needs one):
 * an abstract name of five hex digits, as Linux. */
static int autobind(struct unix_sock *u)
{
	char name[8];

	for (int tries = 0; tries < 0x100000; tries++) {
		name[0] = 0;
		snprintf(name + 1, sizeof(name) - 1, "%05x", autobind_next++ & 0xfffff);
		if (!find_abstract(name, 6)) {
			set_name(u, name + 1, 5, 1);
			return 0;
		}
	}
	return -EADDRINUSE;
}

static int unix_bind(struct sock *s, const void *addr, uint32_t len)
{
	struct unix_sock *u = ux(s);
	char name[UNIX_PATH_MAX + 1];
	int abstract, n;

	if (u->namelen > 2)
		return -EINVAL;
	if (len == 2 && *(const uint16_t *)addr == AF_UNIX)
		return autobind(u);
	if ((n = parse_name(addr, len, name, &abstract)) < 0)
		return n;
	if (!abstract)
		return bind_path(u, name, n);
	if (find_abstract(name, n))
		return -EADDRINUSE;
	set_name(u, name + 1, n - 1, 1);
	return 0;
}

static int unix_name(struct sock *s, int peer, void *buf, uint32_t len)
{
	struct unix_sock *u = ux(s);

	if (peer) {
		if (!u->connected || !u->peer)
			return -ENOTCONN;
		u = u->peer;
	}
	memcpy(buf, u->name, len < u->namelen ? len : u->namelen);
	return (int)u->namelen;
}

/* ---- connecting ---- */

static int unix_listen(struct sock *s, int backlog)
{
	struct unix_sock *u = ux(s);
	int r;

	if (is_dgram(u))
		return -EOPNOTSUPP;
	if (u->connected)
		return -EINVAL;
	if (u->namelen <= 2 && (r = autobind(u)))
		return r;
	u->backlog = backlog;
	s->listening = 1;
	sock_changed(s, 0); /* connects waiting for room may go on */
	return 0;
}

static int unix_has_pending(struct sock *s)
{
	return ux(s)->acc_head != 0;
}

static int unix_accept(struct sock *s, int nonblock, struct sock **out)
{
	struct unix_sock *u = ux(s), *c;
	int r;

	if ((r = sock_accept_wait(s, nonblock, unix_has_pending)))
		return r;
	c = u->acc_head;
	u->acc_head = c->acc_next;
	if (!u->acc_head)
		u->acc_tail = 0;
	c->acc_next = 0;
	u->pending--;
	sock_changed(s, 0); /* room for a waiting connect */
	*out = c->s;
	return 0;
}

/* The server's end of a new connection, queued on listener l. */
static int join(struct unix_sock *u, struct unix_sock *l)
{
	struct unix_sock *c = unix_new(u->s->type);

	if (!c)
		return -ENOMEM;
	memcpy(c->name, l->name, l->namelen);
	c->namelen = l->namelen;
	c->peer = u;
	u->peer = c;
	c->connected = u->connected = 1;
	if (l->acc_tail)
		l->acc_tail->acc_next = c;
	else
		l->acc_head = c;
	l->acc_tail = c;
	l->pending++;
	sock_changed(l->s, POLLIN | POLLRDNORM);
	return 0;
}

static int connect_stream(struct unix_sock *u, const void *addr, uint32_t len, int nonblock)
{
	struct unix_sock *l;
	int r;

	if (u->connected)
		return -EISCONN;
	if (u->s->listening)
		return -EINVAL;
	for (;;) {
		if ((r = find_bound(addr, len, &l)))
			return r;
		if (l->s->type != u->s->type)
			return -EPROTOTYPE;
		if (!l->s->listening)
			return -ECONNREFUSED;
		if (l->pending <= l->backlog) /* Linux: backlog + 1 */
			return join(u, l);
		if (nonblock)
			return -EAGAIN;
		if ((r = sock_wait_on(&l->s->wq)))
			return r;
	}
}

static int unix_connect(struct sock *s, const void *addr, uint32_t len, int nonblock)
{
	struct unix_sock *u = ux(s), *t;
	int r;

	if (!is_dgram(u))
		return connect_stream(u, addr, len, nonblock);
	if (len >= 2 && *(const uint16_t *)addr == 0) { /* AF_UNSPEC */
		u->peer = 0;
		u->connected = u->peer_gone = 0;
		return 0;
	}
	if ((r = find_bound(addr, len, &t)))
		return r;
	if (!is_dgram(t))
		return -EPROTOTYPE;
	u->peer = t;
	u->connected = 1;
	u->peer_gone = 0;
	return 0;
}

/* ---- records ---- */

static void rec_free(struct urec *r)
{
	for (int i = 0; i < r->nfiles; i++)
		if (r->files[i])
			file_put(r->files[i]);
	heap_free(r->files);
	heap_free(r);
}

static void rec_queue(struct unix_sock *to, struct urec *r)
{
	r->next = 0;
	if (to->tail)
		to->tail->next = r;
	else
		to->head = r;
	to->tail = r;
	to->bytes += r->len;
	sock_changed(to->s, POLLIN | POLLRDNORM);
}

static void put_rights(struct file **files, int n)
{
	for (int i = 0; i < n; i++)
		file_put(files[i]);
	heap_free(files);
}

/* The SCM_RIGHTS of a send's control data, referenced: 0 or -errno. */
static int take_rights(struct sock_msg *m, struct file ***files, int *n)
{
	uint64_t p = m->control, end = m->control + m->controllen;

	*files = 0;
	*n = 0;
	while (p + 16 <= end) {
		uint64_t len = *(uint64_t *)p;
		int level = *(int *)(p + 8), type = *(int *)(p + 12);
		int k = (int)((len - 16) / 4);

		if (len < 16 || len > end - p)
			return -EINVAL;
		if (level == SOL_SOCKET && type == SCM_RIGHTS && k) {
			if (*files || k > SCM_MAX_FD)
				return -EINVAL;
			if (!(*files = kcalloc((size_t)k, sizeof(**files))))
				return -ENOMEM;
			for (int i = 0; i < k; i++) {
				struct file *f = fd_file(((int *)(p + 16))[i]);

				if (!f)
					return -EBADF; /* the caller frees */
				(*files)[i] = file_get(f);
				*n = i + 1;
			}
		}
		p += ALIGN_UP(len, 8);
	}
	return 0;
}

static struct urec *rec_new(struct unix_sock *from, struct sock_msg *m, size_t len)
{
	struct urec *r = heap_alloc(sizeof(*r) + len);

	if (!r)
		return 0;
	memset(r, 0, sizeof(*r));
	r->len = len;
	iov_take(&m->io, r->data, len);
	memcpy(r->from, from->name, from->namelen);
	r->fromlen = from->namelen;
	return r;
}

/* ---- sending ---- */

static size_t room_in(struct unix_sock *to)
{
	return to->bytes < UNIX_BUF ? UNIX_BUF - to->bytes : 0;
}

/* Where a send goes: the peer or the named socket, or -errno. */
static int destination(struct unix_sock *u, struct sock_msg *m, struct unix_sock **to)
{
	int r;

	if (m->name && is_dgram(u)) {
		if ((r = find_bound(m->name, m->namelen, to)))
			return r;
		return is_dgram(*to) ? 0 : -EPROTOTYPE;
	}
	if (u->shut & SHUT_SEND)
		return (int)sock_epipe(m->flags);
	if (u->peer_gone)
		return is_dgram(u) ? -ECONNREFUSED : (int)sock_epipe(m->flags);
	if (!u->peer)
		return -ENOTCONN;
	if (u->peer->shut & SHUT_RCV && !is_dgram(u))
		return (int)sock_epipe(m->flags);
	*to = u->peer;
	return 0;
}

static long send_stream(struct unix_sock *u, struct sock_msg *m, int nonblock,
			struct file **files, int nfiles)
{
	long done = 0;
	struct unix_sock *to;
	struct urec *rec;
	int r;

	while (m->io.left) {
		size_t n;

		if ((r = destination(u, m, &to)))
			return done ? done : r;
		if (!(n = room_in(to))) {
			if (nonblock)
				return done ? done : -EAGAIN;
			if ((r = sock_wait_on(&to->s->wq)))
				return done ? done : r;
			continue;
		}
		if (n > m->io.left)
			n = m->io.left;
		if (!(rec = rec_new(u, m, n)))
			return done ? done : -ENOMEM;
		rec->files = done ? 0 : files;
		rec->nfiles = done ? 0 : nfiles;
		rec_queue(to, rec);
		done += (long)n;
	}
	return done;
}

static long send_packet(struct unix_sock *u, struct sock_msg *m, int nonblock,
			struct file **files, int nfiles)
{
	size_t len = m->io.left;
	struct unix_sock *to;
	struct urec *rec;
	int r;

	if (len > UNIX_BUF)
		return -EMSGSIZE;
	for (;;) {
		if ((r = destination(u, m, &to)))
			return r;
		if (room_in(to) >= len || !to->head)
			break;
		if (nonblock)
			return -EAGAIN;
		if ((r = sock_wait_on(&to->s->wq)))
			return r;
	}
	if (!(rec = rec_new(u, m, len)))
		return -ENOMEM;
	rec->files = files;
	rec->nfiles = nfiles;
	rec_queue(to, rec);
	return (long)len;
}

static long unix_send(struct sock *s, struct sock_msg *m, int nonblock)
{
	struct unix_sock *u = ux(s);
	struct file **files;
	int nfiles, r;
	long n;

	if (!is_dgram(u) && !u->connected)
		return s->listening || !u->peer_gone ? -ENOTCONN : sock_epipe(m->flags);
	if ((r = take_rights(m, &files, &nfiles)) < 0)
		n = r;
	else if (s->type == SOCK_STREAM)
		n = send_stream(u, m, nonblock, files, nfiles);
	else
		n = send_packet(u, m, nonblock, files, nfiles);
	if (n <= 0)
		put_rights(files, nfiles);
	return n;
}

/* ---- receiving ---- */

/* Installs a record's files as fds in the caller's control buffer. */
static void give_rights(struct sock_msg *m, struct urec *r)
{
	uint64_t need = 16 + 4 * (uint64_t)r->nfiles, space = ALIGN_UP(need, 8);
	int *fds = (int *)(m->control + 16);

	if (!r->nfiles)
		return;
	if (m->controllen < need) {
		m->rflags |= MSG_CTRUNC;
		return;
	}
	for (int i = 0; i < r->nfiles; i++) {
		fds[i] = fd_install(r->files[i], 0, !!(m->flags & MSG_CMSG_CLOEXEC));
		file_put(r->files[i]);
		r->files[i] = 0;
	}
	*(uint64_t *)m->control = need;
	*(int *)(m->control + 8) = SOL_SOCKET;
	*(int *)(m->control + 12) = SCM_RIGHTS;
	m->controlused = m->controllen < space ? m->controllen : space;
	r->nfiles = 0;
}

static void drained(struct unix_sock *u)
{
	sched_wake(&u->s->wq, -1);
	if (u->peer && u->peer->s->file)
		ready_changed(u->peer->s->file, POLLOUT | POLLWRNORM);
}

static void pop_head(struct unix_sock *u)
{
	struct urec *r = u->head;

	u->head = r->next;
	if (!u->head)
		u->tail = 0;
	rec_free(r);
}

static long recv_stream(struct unix_sock *u, struct sock_msg *m)
{
	int peek = m->flags & MSG_PEEK;
	struct urec *r = u->head;
	size_t off = r ? r->off : 0;
	long done = 0;

	while (r && m->io.left) {
		size_t n = r->len - off;

		if (r->nfiles && done)
			break; /* passed files start a new read */
		if (n > m->io.left)
			n = m->io.left;
		iov_put(&m->io, r->data + off, n);
		if (!peek)
			give_rights(m, r);
		done += (long)n;
		off += n;
		if (off < r->len)
			break;
		r = r->next;
		off = r ? r->off : 0;
		if (!peek) {
			u->bytes -= u->head->len - u->head->off;
			pop_head(u);
		}
	}
	if (!peek && u->head && done) {
		size_t was = u->head->off;
		u->head->off = off;
		u->bytes -= off - was;
	}
	return done;
}

static long recv_packet(struct unix_sock *u, struct sock_msg *m)
{
	struct urec *r = u->head;
	size_t n = r->len < m->io.left ? r->len : m->io.left;

	iov_put(&m->io, r->data, n);
	if (n < r->len)
		m->rflags |= MSG_TRUNC;
	if (m->rname && is_dgram(u)) {
		memcpy(m->rname, r->from, m->rnamelen < r->fromlen ? m->rnamelen : r->fromlen);
		m->rnamelen = r->fromlen;
	} else {
		m->rnamelen = 0;
	}
	if (m->flags & MSG_PEEK)
		return (m->flags & MSG_TRUNC) ? (long)r->len : (long)n;
	give_rights(m, r);
	u->bytes -= r->len;
	n = (m->flags & MSG_TRUNC) ? r->len : n;
	pop_head(u);
	return (long)n;
}

static int read_ended(struct unix_sock *u)
{
	return (u->shut & SHUT_RCV) || u->peer_gone;
}

static long unix_recv(struct sock *s, struct sock_msg *m, int nonblock)
{
	struct unix_sock *u = ux(s);
	long done = 0, n;
	int r;

	if (s->listening)
		return -EINVAL;
	for (;;) {
		if (u->head) {
			if (s->type != SOCK_STREAM) {
				n = recv_packet(u, m);
				drained(u);
				return n;
			}
			n = recv_stream(u, m);
			done += n;
			drained(u);
			if (!m->io.left || !(m->flags & MSG_WAITALL) || (m->flags & MSG_PEEK))
				return done;
			continue;
		}
		if (done || read_ended(u) || !m->io.left)
			return done;
		if (!is_dgram(u) && !u->connected)
			return -EINVAL;
		if (nonblock)
			return -EAGAIN;
		if ((r = sock_wait(s)))
			return r;
	}
}

static long unix_nread(struct sock *s)
{
	struct unix_sock *u = ux(s);

	if (s->type != SOCK_STREAM)
		return u->head ? (long)u->head->len : 0;
	return (long)u->bytes;
}

/* ---- shutdown, poll, close ---- */

static int unix_shutdown(struct sock *s, int how)
{
	struct unix_sock *u = ux(s), *p = u->peer;
	int mode = how + 1; /* SHUT_RD 1, SHUT_WR 2, SHUT_RDWR 3 */

	if (!is_dgram(u) && !u->connected && !s->listening)
		return -ENOTCONN;
	u->shut |= mode;
	sock_changed(s, 0);
	if (p && !is_dgram(u) && p->peer == u) {
		p->shut |= ((mode & SHUT_RCV) ? SHUT_SEND : 0) | ((mode & SHUT_SEND) ? SHUT_RCV : 0);
		sock_changed(p->s, 0);
	}
	return 0;
}

/* Linux's unix_poll and unix_dgram_poll. */
static unsigned unix_poll(struct sock *s)
{
	struct unix_sock *u = ux(s);
	unsigned mask = 0;

	if (s->listening)
		return u->acc_head ? POLLIN | POLLRDNORM : 0;
	if (u->shut == (SHUT_RCV | SHUT_SEND))
		mask |= POLLHUP;
	if (u->shut & SHUT_RCV)
		mask |= POLLRDHUP | POLLIN | POLLRDNORM;
	if (u->head)
		mask |= POLLIN | POLLRDNORM;
	if (!is_dgram(u) && !u->connected)
		mask |= POLLHUP;
	if (!u->peer || u->peer_gone || room_in(u->peer))
		mask |= POLLOUT | POLLWRNORM | POLLWRBAND;
	return mask;
}

static void unlink_all(struct unix_sock *u)
{
	for (struct unix_sock **p = &all; *p; p = &(*p)->all_next)
		if (*p == u) {
			*p = u->all_next;
			return;
		}
}

/* Everyone who sends to u learns that it is gone. */
static void orphan_peers(struct unix_sock *u)
{
	for (struct unix_sock *x = all; x; x = x->all_next) {
		if (x->peer != u)
			continue;
		x->peer = 0;
		x->peer_gone = 1;
		if (!is_dgram(x))
			x->shut = SHUT_RCV | SHUT_SEND;
		sock_changed(x->s, 0);
	}
}

static void unix_close(struct sock *s)
{
	struct unix_sock *u = ux(s);

	while (u->acc_head) {
		struct unix_sock *c = u->acc_head;

		u->acc_head = c->acc_next;
		c->s->ops->close(c->s);
		heap_free(c->s);
	}
	s->listening = 0;
	unlink_all(u);
	orphan_peers(u);
	while (u->head)
		pop_head(u);
	if (u->vn)
		vfs_put(u->vn);
	heap_free(u);
}

static const struct sock_ops unix_ops = {
	.bind = unix_bind, .listen = unix_listen, .accept = unix_accept,
	.connect = unix_connect, .send = unix_send, .recv = unix_recv,
	.shutdown = unix_shutdown, .name = unix_name, .poll = unix_poll,
	.nread = unix_nread, .close = unix_close,
};
