/* A fault-injecting HTTP proxy on 127.0.0.1 for the S3 tests: it forwards
 * each request to an upstream server (radosgw) on a connection of its own
 * and, on request, answers the next requests with a fault instead: 503
 * SlowDown, a connection reset before or in the middle of the body, a
 * stall, a lost or a cut response. One request per connection (it asks the
 * upstream for Connection: close). */
#ifndef FAULT_PROXY_H
#define FAULT_PROXY_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum fp_fault {
	FP_NONE,
	FP_SLOWDOWN,       /* 503 SlowDown, request not forwarded */
	FP_RESET,          /* reset once the request is read, not forwarded */
	FP_STALL,          /* silence for stall_ms, then close */
	FP_RESET_BODY,     /* forward the head and half the body, then reset both sides */
	FP_DROP_RESPONSE,  /* forward the request, read the whole answer, reset the client */
	FP_CUT_RESPONSE,   /* forward, relay half of the answer, reset the client */
	FP_RECORD_503,     /* keep the request head, answer 503 */
	FP_DELAY,          /* forward after stall_ms (to see requests in flight together) */
	FP_CANNED          /* answer canned_status with canned_body, not forwarded */
};

typedef struct fault_proxy {
	int lfd;
	int port;
	struct sockaddr_in upstream;
	pthread_t thread;
	pthread_mutex_t mu;
	/* the schedule: the next `count` requests whose method is `method`
	 * (NULL: any) get `fault` */
	enum fp_fault fault;
	int count;
	const char *method;
	int stall_ms;
	int active;        /* connections being served */
	atomic_bool stop;
	/* counters */
	int requests, faults;
	int canned_status;
	const char *canned_body;
	int delaying;      /* requests being held by FP_DELAY */
	int max_delaying;  /* the most held at once since fp_inject */
	char last_head[8192];
	int skip;          /* matching requests let through before the faults begin */
} fault_proxy;

static void fp_sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static bool fp_send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

static void fp_reset(int fd)
{
	struct linger l = {1, 0};
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
	close(fd);
}

/* Reads a request: head (up to the blank line) and Content-Length bytes
 * of body, into a malloc'd buffer. */
static char *fp_read_request(int fd, size_t *head_len, size_t *total, char *method, size_t mcap)
{
	size_t cap = 65536, len = 0;
	char *b = malloc(cap);
	char *end = NULL;
	while (b && !end) {
		if (len == cap)
			break;
		ssize_t r = recv(fd, b + len, cap - len, 0);
		if (r <= 0)
			break;
		len += (size_t)r;
		end = memmem(b, len, "\r\n\r\n", 4);
	}
	if (!end) {
		free(b);
		return NULL;
	}
	*head_len = (size_t)(end - b) + 4;
	size_t clen = 0;
	bool expect = false;
	for (char *p = b; p < b + *head_len;) {
		char *nl = memmem(p, (size_t)(b + *head_len - p), "\r\n", 2);
		if (!nl)
			break;
		if (nl - p > 15 && !strncasecmp(p, "Content-Length:", 15))
			clen = strtoull(p + 15, NULL, 10);
		if (nl - p >= 20 && !strncasecmp(p, "Expect: 100-continue", 20))
			expect = true;
		p = nl + 2;
	}
	/* the client waits for this before it sends the body */
	if (expect && clen && len == *head_len && !fp_send_all(fd, "HTTP/1.1 100 Continue\r\n\r\n", 25)) {
		free(b);
		return NULL;
	}
	size_t m = strcspn(b, " ");
	if (m >= mcap)
		m = mcap - 1;
	memcpy(method, b, m);
	method[m] = 0;
	*total = *head_len + clen;
	if (*total > cap) {
		char *nb = realloc(b, *total);
		if (!nb) {
			free(b);
			return NULL;
		}
		b = nb;
	}
	while (len < *total) {
		ssize_t r = recv(fd, b + len, *total - len, 0);
		if (r <= 0) {
			free(b);
			return NULL;
		}
		len += (size_t)r;
	}
	return b;
}

/* The head with "Connection: close" put before its blank line. */
static char *fp_close_head(const char *req, size_t head_len, size_t *out_len)
{
	static const char add[] = "Connection: close\r\n";
	char *h = malloc(head_len + sizeof add);
	if (!h)
		return NULL;
	memcpy(h, req, head_len - 2);
	memcpy(h + head_len - 2, add, sizeof add - 1);
	memcpy(h + head_len - 2 + sizeof add - 1, "\r\n", 2);
	*out_len = head_len + sizeof add - 1;
	return h;
}

typedef struct fp_conn {
	fault_proxy *p;
	int fd;
} fp_conn;

static void *fp_serve(void *arg)
{
	fp_conn *c = arg;
	fault_proxy *p = c->p;
	int fd = c->fd, up = -1;
	free(c);
	size_t head_len = 0, total = 0;
	char method[16];
	char *req = fp_read_request(fd, &head_len, &total, method, sizeof method);
	if (!req) {
		close(fd);
		goto done;
	}
	enum fp_fault f = FP_NONE;
	pthread_mutex_lock(&p->mu);
	p->requests++;
	if (p->count > 0 && (!p->method || !strcmp(p->method, method)) && p->skip > 0) {
		p->skip--;
	} else if (p->count > 0 && (!p->method || !strcmp(p->method, method))) {
		f = p->fault;
		p->count--;
		p->faults++;
	}
	if (f == FP_RECORD_503) {
		size_t n = head_len < sizeof p->last_head - 1 ? head_len : sizeof p->last_head - 1;
		memcpy(p->last_head, req, n);
		p->last_head[n] = 0;
	}
	int stall_ms = p->stall_ms;
	pthread_mutex_unlock(&p->mu);

	if (f == FP_SLOWDOWN || f == FP_RECORD_503) {
		static const char body[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SlowDown</Code>"
		                           "<Message>Please reduce your request rate.</Message></Error>";
		char resp[512];
		int n = snprintf(resp, sizeof resp,
		                 "HTTP/1.1 503 Slow Down\r\nContent-Type: application/xml\r\nContent-Length: %zu\r\n"
		                 "Connection: close\r\n\r\n%s",
		                 sizeof body - 1, body);
		fp_send_all(fd, resp, (size_t)n);
		close(fd);
		goto done;
	}
	if (f == FP_RESET) {
		fp_reset(fd);
		goto done;
	}
	if (f == FP_CANNED) {
		char head[256];
		const char *body = p->canned_body ? p->canned_body : "";
		int n = snprintf(head, sizeof head,
		                 "HTTP/1.1 %d Canned\r\nContent-Type: application/xml\r\nContent-Length: %zu\r\n"
		                 "Connection: close\r\n\r\n",
		                 p->canned_status, strlen(body));
		if (fp_send_all(fd, head, (size_t)n))
			fp_send_all(fd, body, strlen(body));
		close(fd);
		goto done;
	}
	if (f == FP_DELAY) {
		pthread_mutex_lock(&p->mu);
		if (++p->delaying > p->max_delaying)
			p->max_delaying = p->delaying;
		pthread_mutex_unlock(&p->mu);
		fp_sleep_ms(stall_ms);
		pthread_mutex_lock(&p->mu);
		p->delaying--;
		pthread_mutex_unlock(&p->mu);
	}
	if (f == FP_STALL) {
		for (int t = 0; t < stall_ms && !p->stop; t += 50)
			fp_sleep_ms(50);
		close(fd);
		goto done;
	}
	up = socket(AF_INET, SOCK_STREAM, 0);
	if (up < 0 || connect(up, (struct sockaddr *)&p->upstream, sizeof p->upstream)) {
		close(fd);
		goto done;
	}
	size_t hl;
	char *head = fp_close_head(req, head_len, &hl);
	if (!head) {
		close(fd);
		goto done;
	}
	bool ok = fp_send_all(up, head, hl);
	free(head);
	size_t body = total - head_len;
	if (f == FP_RESET_BODY) {
		if (ok)
			fp_send_all(up, req + head_len, body / 2);
		fp_sleep_ms(100);
		fp_reset(up);
		up = -1;
		fp_reset(fd);
		goto done;
	}
	if (ok && body)
		ok = fp_send_all(up, req + head_len, body);
	/* the answer, to the upstream's end */
	size_t rcap = 1 << 16, rlen = 0;
	char *resp = malloc(rcap);
	while (ok && resp) {
		if (rlen == rcap) {
			char *nr = realloc(resp, rcap * 2);
			if (!nr)
				break;
			resp = nr;
			rcap *= 2;
		}
		ssize_t r = recv(up, resp + rlen, rcap - rlen, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		rlen += (size_t)r;
	}
	if (f == FP_DROP_RESPONSE) {
		fp_reset(fd);
	} else if (f == FP_CUT_RESPONSE) {
		if (resp)
			fp_send_all(fd, resp, rlen / 2);
		fp_sleep_ms(50);
		fp_reset(fd);
	} else {
		if (resp)
			fp_send_all(fd, resp, rlen);
		shutdown(fd, SHUT_WR);
		close(fd);
	}
	free(resp);
done:
	if (up >= 0)
		close(up);
	free(req);
	pthread_mutex_lock(&p->mu);
	p->active--;
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

static void *fp_accept_loop(void *arg)
{
	fault_proxy *p = arg;
	for (;;) {
		struct pollfd pf = {p->lfd, POLLIN, 0};
		int n = poll(&pf, 1, 100);
		if (p->stop)
			break;
		if (n <= 0)
			continue;
		int fd = accept(p->lfd, NULL, NULL);
		if (fd < 0)
			continue;
		fp_conn *c = malloc(sizeof *c);
		pthread_t t;
		if (!c) {
			close(fd);
			continue;
		}
		c->p = p;
		c->fd = fd;
		pthread_mutex_lock(&p->mu);
		p->active++;
		pthread_mutex_unlock(&p->mu);
		if (pthread_create(&t, NULL, fp_serve, c)) {
			close(fd);
			free(c);
			pthread_mutex_lock(&p->mu);
			p->active--;
			pthread_mutex_unlock(&p->mu);
			continue;
		}
		pthread_detach(t);
	}
	return NULL;
}

/* Starts a proxy to upstream_port on 127.0.0.1; 0 or -1. */
static int fp_start(fault_proxy *p, int upstream_port)
{
	memset(p, 0, sizeof *p);
	pthread_mutex_init(&p->mu, NULL);
	p->stall_ms = 3000;
	p->upstream.sin_family = AF_INET;
	p->upstream.sin_port = htons((uint16_t)upstream_port);
	p->upstream.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	p->lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (p->lfd < 0)
		return -1;
	struct sockaddr_in a = {0};
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t al = sizeof a;
	if (bind(p->lfd, (struct sockaddr *)&a, sizeof a) || listen(p->lfd, 64) ||
	    getsockname(p->lfd, (struct sockaddr *)&a, &al))
		return -1;
	p->port = ntohs(a.sin_port);
	return pthread_create(&p->thread, NULL, fp_accept_loop, p) ? -1 : 0;
}

/* The next count requests with this method (NULL: any) get fault f. */
static void fp_inject(fault_proxy *p, enum fp_fault f, int count, const char *method)
{
	pthread_mutex_lock(&p->mu);
	p->fault = f;
	p->count = count;
	p->method = method;
	p->faults = 0;
	p->max_delaying = 0;
	p->skip = 0;
	pthread_mutex_unlock(&p->mu);
}

/* The same, once skip requests with this method have gone through. */
static inline void fp_inject_after(fault_proxy *p, enum fp_fault f, int count, const char *method, int skip)
{
	fp_inject(p, f, count, method);
	pthread_mutex_lock(&p->mu);
	p->skip = skip;
	pthread_mutex_unlock(&p->mu);
}

static int fp_faults(fault_proxy *p)
{
	pthread_mutex_lock(&p->mu);
	int n = p->faults;
	pthread_mutex_unlock(&p->mu);
	return n;
}

static void fp_stop(fault_proxy *p)
{
	p->stop = true;
	pthread_join(p->thread, NULL);
	close(p->lfd);
	for (;;) {
		pthread_mutex_lock(&p->mu);
		int a = p->active;
		pthread_mutex_unlock(&p->mu);
		if (!a)
			break;
		fp_sleep_ms(20);
	}
	pthread_mutex_destroy(&p->mu);
}

#endif
