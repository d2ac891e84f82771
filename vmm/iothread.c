/*
 * The network device's I/O thread. It sleeps in poll() on: a stop
 * eventfd, the two queue eventfds that KVM signals when the guest writes
 * QueueNotify (ioeventfd, no exit to us), and whatever the backend waits
 * for; each wakeup does all the work there is (net_process) and raises
 * at most one interrupt.
 *
 * It is created before the vCPU thread installs its seccomp filter, so it
 * inherits none, and installs its own allowlist (seccomp_io.c) before it
 * touches anything the guest controls. Every signal is blocked in it: the
 * host signals husk-vmm passes on to the guest must interrupt KVM_RUN on
 * the vCPU thread (signals.c), not this one.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "vmm.h"

static void drain(const struct pollfd *p)
{
	uint64_t v;

	if (p->revents & POLLIN)
		if (read(p->fd, &v, sizeof(v)) < 0)
			return; /* EAGAIN: another read got it first */
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Everything the device owns, once the thread is gone or never ran. */
static void close_all(struct net_dev *n)
{
	if (n->be) {
		n->be->ops->close(n->be);
		n->be = NULL;
	}
	close_fd(&n->kick_fd[0]);
	close_fd(&n->kick_fd[1]);
	close_fd(&n->stop_fd);
	close_fd(&n->vdev.irq_fd);
}

static void serve(struct net_dev *n)
{
	static struct pollfd fds[3 + NET_POLL_MAX]; /* one I/O thread */
	int more = 0;

	for (;;) {
		int timeout = more ? 0 : -1;
		unsigned nb;

		fds[0] = (struct pollfd){ .fd = n->stop_fd, .events = POLLIN };
		fds[1] = (struct pollfd){ .fd = n->kick_fd[0], .events = POLLIN };
		fds[2] = (struct pollfd){ .fd = n->kick_fd[1], .events = POLLIN };
		nb = n->be->ops->poll_fill(n->be, fds + 3, NET_POLL_MAX,
					   &timeout, net_wants_rx(n));
		if (poll(fds, 3 + nb, timeout) < 0 && errno != EINTR) {
			vmm_msg("virtio-net: poll: %s; the network stops",
				strerror(errno));
			return;
		}
		if (fds[0].revents)
			return;
		drain(&fds[1]);
		drain(&fds[2]);
		n->be->ops->poll_done(n->be, fds + 3, nb);
		more = net_process(n);
	}
}

static void report_started(struct net_dev *n, int rc)
{
	pthread_mutex_lock(&n->start_lock);
	n->thread_rc = rc;
	n->start_done = 1;
	pthread_cond_signal(&n->start_cond);
	pthread_mutex_unlock(&n->start_lock);
}

static void *io_main(void *arg)
{
	struct net_dev *n = arg;
	int rc = n->filter ? seccomp_install(n->filter) : 0;

	report_started(n, rc);
	if (!rc)
		serve(n);
	close_all(n);
	return NULL;
}

int net_start(struct net_dev *n, struct seccomp_prog *filter)
{
	sigset_t all, old;
	int rc;

	n->filter = filter;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&n->thread, NULL, io_main, n);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc)
		return vmm_fail(HUSK_VMM_EXIT_KVM, "virtio-net: cannot start "
				"its I/O thread: %s", strerror(rc));
	n->thread_started = 1;
	pthread_mutex_lock(&n->start_lock);
	while (!n->start_done)
		pthread_cond_wait(&n->start_cond, &n->start_lock);
	pthread_mutex_unlock(&n->start_lock);
	if (n->thread_rc) { /* it has closed everything and ended */
		pthread_join(n->thread, NULL);
		n->thread_started = 0;
	}
	return n->thread_rc;
}

void net_stop(struct net_dev *n)
{
	uint64_t one = 1;

	if (!n->thread_started) {
		close_all(n);
		return;
	}
	if (write(n->stop_fd, &one, sizeof(one)) < 0)
		vmm_msg("virtio-net: cannot stop the I/O thread: %s",
			strerror(errno));
	pthread_join(n->thread, NULL);
	n->thread_started = 0;
}
