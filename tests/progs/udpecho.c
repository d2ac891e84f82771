/*
 * A UDP echo server for the network tests (tests/suites/net.sh).
 *   udpecho PORT
 * prints "listening on PORT", then sends every datagram back to where it
 * came from, until killed. Without arguments it prints its usage and
 * exits 2.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

static void die(const char *what)
{
	perror(what);
	exit(1);
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	static char buf[65536];
	int port, s;

	if (argc != 2 || (port = atoi(argv[1])) <= 0 || port > 65535) {
		fprintf(stderr, "usage: udpecho PORT\n");
		return 2;
	}
	if ((s = socket(AF_INET, SOCK_DGRAM, 0)) < 0)
		die("socket");
	a.sin_port = htons(port);
	if (bind(s, (struct sockaddr *)&a, sizeof(a)))
		die("bind");
	printf("listening on %d\n", port);
	fflush(stdout);
	for (;;) {
		struct sockaddr_in from;
		socklen_t flen = sizeof(from);
		ssize_t n = recvfrom(s, buf, sizeof(buf), 0,
				     (struct sockaddr *)&from, &flen);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("recvfrom");
		}
		if (sendto(s, buf, (size_t)n, 0, (struct sockaddr *)&from, flen) != n)
			die("sendto");
	}
}
