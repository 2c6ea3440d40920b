"""Drives bench/tools/sse_fanout.c: builds it, holds N subscribers, measures one fan-out."""

import json
import os
import select
import subprocess
import time

TOOLS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tools")


def build(out_dir):
    src = os.path.join(TOOLS, "sse_fanout.c")
    exe = os.path.join(out_dir, "sse_fanout")
    if not os.path.exists(exe) or os.path.getmtime(exe) < os.path.getmtime(src):
        subprocess.run(["cc", "-O2", "-Wall", "-Wextra", "-Werror", "-o", exe, src], check=True)
    return exe


class Subscribers:
    """N open SSE streams to 127.0.0.1:port, spread over enough loopback source addresses."""

    PER_SOURCE = 20000  # well under one address's ephemeral port range

    def __init__(self, exe, port, n, log_path, path="/api/v1/events", path_ids=None):
        """`path_ids`: a file of ids; `path` then holds one %s, filled per connection in turn."""
        self.n = n
        sources = max(1, -(-n // self.PER_SOURCE))
        env = dict(os.environ, SSE_PATH_IDS=path_ids) if path_ids else None
        self.proc = subprocess.Popen([exe, "127.0.0.1", str(port), path, str(n), str(sources)],
                                     env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=open(log_path, "ab"), text=True, bufsize=1,
                                     start_new_session=True)
        self.pid = self.proc.pid

    def _line(self, timeout):
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not ready:
            raise RuntimeError("sse_fanout: no answer in time")
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("sse_fanout exited")
        return json.loads(line)

    def wait_ready(self, timeout=600):
        return self._line(timeout)

    def stats(self):
        self.proc.stdin.write("stats\n")
        self.proc.stdin.flush()
        return self._line(30)

    def mark(self):
        self.proc.stdin.write("mark\n")
        self.proc.stdin.flush()

    def wait_reached(self, want, timeout=10.0):
        """Polls until `want` subscribers saw a status event after mark(); returns the stats."""
        deadline = time.monotonic() + timeout
        while True:
            s = self.stats()
            if s["reached"] >= want or time.monotonic() > deadline:
                return s
            time.sleep(0.01)

    def close(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
                final = self._line(30)
            except (RuntimeError, BrokenPipeError, ValueError):
                final = None
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            return final
        return None
