/*
 * notify_listen SOCKET OUTFILE: plays systemd's side of sd_notify for the
 * service tests.  Binds an AF_UNIX datagram socket at SOCKET (a path, or
 * "@name" for the abstract namespace) and appends each datagram to OUTFILE
 * as one line, with the message's newlines turned into spaces, flushing
 * after each so a test can poll the file.  A message with MONOTONIC_USEC=
 * gets " RECEIVED_MONOTONIC_USEC=N" appended, this process's
 * CLOCK_MONOTONIC on arrival, so a test can check the sender's clock.
 * Runs until SIGTERM/SIGINT.
 */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: notify_listen SOCKET OUTFILE\n");
		return 2;
	}
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t len = strlen(argv[1]);
	if (len == 0 || len >= sizeof(sa.sun_path)) {
		fprintf(stderr, "notify_listen: %s: socket path too long\n", argv[1]);
		return 2;
	}
	memcpy(sa.sun_path, argv[1], len);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';
	else
		unlink(argv[1]);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa,
			   (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)) != 0) {
		fprintf(stderr, "notify_listen: %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	FILE *out = fopen(argv[2], "a");
	if (!out) {
		fprintf(stderr, "notify_listen: %s: %s\n", argv[2], strerror(errno));
		return 2;
	}
	/* No SA_RESTART: a signal must interrupt recv so the loop can end. */
	struct sigaction act = {.sa_handler = on_signal};
	sigaction(SIGTERM, &act, NULL);
	sigaction(SIGINT, &act, NULL);
	char buf[4096];
	while (!stop) {
		ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "notify_listen: recv: %s\n", strerror(errno));
			return 2;
		}
		while (n > 0 && buf[n - 1] == '\n')
			n--;
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] == '\n' || buf[i] == '\0')
				buf[i] = ' ';
		buf[n] = '\0';
		if (strstr(buf, "MONOTONIC_USEC=")) {
			struct timespec ts;
			clock_gettime(CLOCK_MONOTONIC, &ts);
			fprintf(out, "%s RECEIVED_MONOTONIC_USEC=%lld\n", buf,
				(long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000);
		} else {
			fprintf(out, "%s\n", buf);
		}
		fflush(out);
	}
	fclose(out);
	if (argv[1][0] != '@')
		unlink(argv[1]);
	return 0;
}
