/*
 * An HTTP client for the network tests (tests/suites/net.sh), guest to
 * host: resolves HOST with getaddrinfo (so /etc/hosts is read, by musl or
 * glibc), fetches http://HOST:PORT/PATH with a plain socket and prints
 * the body.
 *   netclient HOST PORT PATH
 * Exits 0 when the answer was "200", 1 otherwise (with a line saying
 * why), 2 on bad usage.
 */
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define RESPONSE_MAX (1 << 20)

static char response[RESPONSE_MAX + 1];

static int connect_to(const char *host, const char *port)
{
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res;
	int rc = getaddrinfo(host, port, &hints, &res), s;

	if (rc) {
		fprintf(stderr, "netclient: %s: %s\n", host, gai_strerror(rc));
		return -1;
	}
	s = socket(res->ai_family, res->ai_socktype, res->ai_protocol);
	if (s < 0 || connect(s, res->ai_addr, res->ai_addrlen)) {
		perror("netclient: connect");
		freeaddrinfo(res);
		return -1;
	}
	freeaddrinfo(res);
	return s;
}

static int send_all(int s, const char *p, size_t n)
{
	while (n) {
		ssize_t k = write(s, p, n);

		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

int main(int argc, char **argv)
{
	char req[1024];
	size_t got = 0;
	ssize_t n;
	char *body;
	int s;

	if (argc != 4) {
		fprintf(stderr, "usage: netclient HOST PORT PATH\n");
		return 2;
	}
	if ((s = connect_to(argv[1], argv[2])) < 0)
		return 1;
	snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n",
		 argv[3], argv[1]);
	if (send_all(s, req, strlen(req))) {
		perror("netclient: write");
		return 1;
	}
	while (got < RESPONSE_MAX && (n = read(s, response + got, RESPONSE_MAX - got)) > 0)
		got += (size_t)n;
	close(s);
	response[got] = 0;
	body = strstr(response, "\r\n\r\n");
	if (strncmp(response, "HTTP/1.", 7) || !body) {
		fprintf(stderr, "netclient: not an HTTP response (%zu bytes)\n", got);
		return 1;
	}
	fwrite(body + 4, 1, got - (size_t)(body + 4 - response), stdout);
	if (strncmp(response + 8, " 200", 4)) {
		fprintf(stderr, "netclient: %.*s\n", (int)strcspn(response, "\r"), response);
		return 1;
	}
	return 0;
}
