// sse_fanout: holds N Server-Sent Events subscribers open against one server and measures
// how long one published event takes to reach all of them. Built and driven by bench/run.py.
//
//   sse_fanout HOST PORT PATH N [SOURCES]
//
// With SSE_PATH_IDS=FILE (one id a line), PATH is a format with one %s: connection i asks for
// PATH with the (i mod count)-th id, e.g. /api/v1/events?station=%s like voters' pages.
//
// Connections are spread over SOURCES loopback source addresses (127.0.0.2, 127.0.0.3, …) so
// that more than one address's ephemeral ports can be used. The tool prints one JSON line when
// every connection is open and answered 200 ("ready"), then obeys lines on stdin:
//   mark   start a fan-out measurement: report when each subscriber next sees "event: status"
//   stats  print the counters
// and exits on EOF. Times are CLOCK_MONOTONIC nanoseconds (the same clock as Python's
// time.monotonic_ns), so the caller can relate them to the moment it sent a report.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

enum { kConnecting, kHeader, kStreaming, kClosed };

typedef struct {
  int fd;
  int state;
  int header_len;    // bytes of the response header seen so far (kHeader)
  char tail[16];     // last bytes of the previous read, to find a marker split across reads
  int tail_len;
  int64_t reached_ns;  // when "event: status" arrived after the mark (0 = not yet)
  int64_t events;
} Conn;

static const char kMarker[] = "event: status";
static Conn* conns;
static int n_total, n_open, n_streaming, n_closed, n_failed, n_reached;
static int64_t bytes_total, events_total, mark_ns, first_ns, last_ns;
static int marked;

static int64_t NowNs(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void PrintStats(const char* what) {
  printf(
      "{\"what\":\"%s\",\"subscribers\":%d,\"streaming\":%d,\"closed\":%d,\"failed\":%d,"
      "\"reached\":%d,\"bytes\":%lld,\"events\":%lld,\"mark_ns\":%lld,\"first_ns\":%lld,"
      "\"last_ns\":%lld}\n",
      what, n_total, n_streaming, n_closed, n_failed, n_reached, (long long)bytes_total,
      (long long)events_total, (long long)mark_ns, (long long)first_ns, (long long)last_ns);
  fflush(stdout);
}

static void CloseConn(Conn* c, int failed) {
  if (c->state == kClosed) return;
  if (c->state == kStreaming) n_streaming--;
  close(c->fd);
  c->state = kClosed;
  if (failed)
    n_failed++;
  else
    n_closed++;
}

// Counts occurrences of kMarker in tail+data, keeping the last bytes for the next read.
static int CountMarkers(Conn* c, const char* data, int len) {
  char buf[16 + 65536];
  memcpy(buf, c->tail, c->tail_len);
  memcpy(buf + c->tail_len, data, len);
  int total = c->tail_len + len, count = 0;
  const int mlen = (int)sizeof(kMarker) - 1;
  for (const char* p = buf; (p = memmem(p, buf + total - p, kMarker, mlen)) != NULL; p += mlen)
    count++;
  int keep = total < mlen - 1 ? total : mlen - 1;
  memcpy(c->tail, buf + total - keep, keep);
  c->tail_len = keep;
  return count;
}

static void OnReadable(Conn* c) {
  char data[65536];
  for (;;) {
    ssize_t r = read(c->fd, data, sizeof data);
    if (r == 0) return CloseConn(c, 0);
    if (r < 0) {
      if (errno == EAGAIN || errno == EINTR) return;
      return CloseConn(c, 1);
    }
    bytes_total += r;
    const char* body = data;
    int len = (int)r;
    if (c->state == kHeader) {
      // The header is short; accept it once "\r\n\r\n" arrives and the status is 200.
      if (c->header_len == 0 && (len < 12 || memcmp(data + 9, "200", 3) != 0))
        return CloseConn(c, 1);
      const char* end = memmem(data, len, "\r\n\r\n", 4);
      c->header_len += len;
      if (!end) continue;
      body = end + 4;
      len = (int)(data + r - body);
      c->state = kStreaming;
      n_streaming++;
    }
    int found = CountMarkers(c, body, len);
    if (found > 0) {
      c->events += found;
      events_total += found;
      if (marked && c->reached_ns == 0) {
        int64_t now = NowNs();
        c->reached_ns = now;
        if (n_reached++ == 0) first_ns = now;
        last_ns = now;
      }
    }
  }
}

static int ConnectOne(int ep, Conn* c, struct sockaddr_in* dst, int sources, int i) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (fd < 0) return -1;
  int one = 1;
  setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (sources > 0) {
    struct sockaddr_in src = {.sin_family = AF_INET};
    src.sin_addr.s_addr = htonl(0x7f000002u + (uint32_t)(i % sources));
    if (bind(fd, (struct sockaddr*)&src, sizeof src) < 0) {
      close(fd);
      return -1;
    }
  }
  int r = connect(fd, (struct sockaddr*)dst, sizeof *dst);
  if (r < 0 && errno != EINPROGRESS) {
    close(fd);
    return -1;
  }
  c->fd = fd;
  c->state = kConnecting;
  struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP, .data.u32 = (uint32_t)i};
  epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  return 0;
}

static char** path_ids;
static int n_path_ids;
static const char* host;
static const char* path_format;

// Reads SSE_PATH_IDS' file, if any; exits on an unreadable or empty file.
static void LoadPathIds(const char* file) {
  if (!file || !*file) return;
  FILE* f = fopen(file, "r");
  if (!f) {
    fprintf(stderr, "sse_fanout: cannot open %s\n", file);
    exit(2);
  }
  char buf[256];
  int cap = 0;
  while (fgets(buf, sizeof buf, f)) {
    buf[strcspn(buf, "\r\n")] = 0;
    if (!*buf) continue;
    if (n_path_ids == cap) {
      cap = cap ? cap * 2 : 1024;
      path_ids = realloc(path_ids, (size_t)cap * sizeof *path_ids);
    }
    path_ids[n_path_ids++] = strdup(buf);
  }
  fclose(f);
  if (n_path_ids == 0) {
    fprintf(stderr, "sse_fanout: %s has no ids\n", file);
    exit(2);
  }
}

// The request of connection `i`: the path as given, or with its id filled in.
static int FormatRequest(char* out, size_t cap, int i) {
  char path[512];
  if (n_path_ids > 0) {
    snprintf(path, sizeof path, path_format, path_ids[i % n_path_ids]);
  } else {
    snprintf(path, sizeof path, "%s", path_format);
  }
  return snprintf(out, cap, "GET %s HTTP/1.1\r\nHost: %s\r\nAccept: text/event-stream\r\n\r\n",
                  path, host);
}

int main(int argc, char** argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: sse_fanout HOST PORT PATH N [SOURCES]\n");
    return 2;
  }
  struct sockaddr_in dst = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2]))};
  inet_pton(AF_INET, argv[1], &dst.sin_addr);
  const char* path = argv[3];
  n_total = atoi(argv[4]);
  int sources = argc > 5 ? atoi(argv[5]) : 0;
  struct rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);

  LoadPathIds(getenv("SSE_PATH_IDS"));
  host = argv[1];
  path_format = path;
  conns = calloc((size_t)n_total, sizeof(Conn));
  int ep = epoll_create1(0);
  fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
  struct epoll_event stdin_ev = {.events = EPOLLIN, .data.u32 = UINT32_MAX};
  epoll_ctl(ep, EPOLL_CTL_ADD, 0, &stdin_ev);

  // Open connections a few hundred at a time so the server's accept backlog never overflows.
  const int kInFlight = 256;
  int next = 0, pending = 0, ready_printed = 0;
  int64_t connected_ns = 0, last_check_ns = 0;
  const int64_t start = NowNs();
  struct epoll_event events[1024];
  char line[256];
  int line_len = 0;
  for (;;) {
    while (next < n_total && pending < kInFlight) {
      if (ConnectOne(ep, &conns[next], &dst, sources, next) == 0) {
        pending++;
      } else {
        conns[next].state = kClosed;
        n_failed++;
      }
      next++;
    }
    // Ready once every connection streams or has failed (or, at worst, 30 s after the last
    // connect completed, so a server that never answers some of them cannot hang the bench).
    if (!ready_printed && next == n_total && pending == 0) {
      int64_t now = NowNs();
      if (connected_ns == 0) connected_ns = now;
      if (now - last_check_ns < 50000000LL) goto wait;
      last_check_ns = now;
      int waiting = 0;
      for (int i = 0; i < n_total; i++) waiting += conns[i].state == kHeader;
      if (waiting > 0 && now - connected_ns < 30000000000LL) goto wait;
      ready_printed = 1;
      printf("{\"what\":\"ready\",\"subscribers\":%d,\"streaming\":%d,\"failed\":%d,"
             "\"connect_ms\":%.1f}\n",
             n_total, n_streaming, n_failed, (NowNs() - start) / 1e6);
      fflush(stdout);
    }
  wait:;
    int n = epoll_wait(ep, events, 1024, 50);
    for (int k = 0; k < n; k++) {
      uint32_t id = events[k].data.u32;
      if (id == UINT32_MAX) {
        ssize_t r = read(0, line + line_len, sizeof line - 1 - line_len);
        if (r == 0) {
          PrintStats("final");
          return 0;
        }
        if (r < 0) continue;
        line_len += (int)r;
        char* nl;
        while ((nl = memchr(line, '\n', line_len)) != NULL) {
          *nl = 0;
          if (strcmp(line, "mark") == 0) {
            for (int i = 0; i < n_total; i++) conns[i].reached_ns = 0;
            n_reached = 0;
            first_ns = last_ns = 0;
            mark_ns = NowNs();
            marked = 1;
          } else if (strcmp(line, "stats") == 0) {
            PrintStats("stats");
          }
          line_len -= (int)(nl + 1 - line);
          memmove(line, nl + 1, line_len);
        }
        if (line_len >= (int)sizeof line - 1) line_len = 0;
        continue;
      }
      Conn* c = &conns[id];
      if (c->state == kClosed) continue;
      if (c->state == kConnecting) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
        pending--;
        char request[1024];
        int req_len = FormatRequest(request, sizeof request, (int)id);
        if (err != 0 || req_len <= 0 || write(c->fd, request, (size_t)req_len) != req_len) {
          CloseConn(c, 1);
          continue;
        }
        c->state = kHeader;
        n_open++;
        struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.u32 = id};
        epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
        continue;
      }
      OnReadable(c);
    }
  }
}
