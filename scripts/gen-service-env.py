#!/usr/bin/env python3
"""Writes /etc/psm/psm.env for the package from deploy/.env.example and psm.service.

Usage: gen-service-env.py UNIT ENV_EXAMPLE OUT

Every key of deploy/.env.example appears once, commented out, with the default the service
runs with: the built-in one, or the one the unit's Environment= lines give (the store, the
listen address, the trusted proxy). Generated, so the list cannot drift from `psm serve --help`
(tests/integration/test_config.py keeps .env.example equal to it).
"""

import re
import shlex
import sys

HEADER = """\
# Settings of psm.service (and of every psm@PORT.service node), read by systemd after the
# unit's own Environment= lines. Every key is listed, commented out, with the default the
# service runs with; uncomment a line to change it, then `systemctl restart psm`.
# psm@PORT.service listens on 127.0.0.1:PORT: leave PSM_LISTEN commented for those nodes.
# Keep this file private: a PostgreSQL password may go in PSM_STORE.
#
# Flags on the command line override these; see psm(1).
#"""

KEY_LINE = re.compile(r"^([A-Z][A-Z0-9_]*)=(.*)$")


def unit_environment(unit_path):
    env = {}
    with open(unit_path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("Environment="):
                for word in shlex.split(line[len("Environment="):]):
                    key, _, value = word.partition("=")
                    env[key] = value
    return env


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: gen-service-env.py UNIT ENV_EXAMPLE OUT")
    unit_path, example_path, out_path = sys.argv[1:]
    service = unit_environment(unit_path)
    out = [HEADER]
    seen = set()
    with open(example_path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    # The example's own opening paragraph is about a .env in the working folder: replaced.
    start = next(i for i, line in enumerate(lines) if not line.startswith("#"))
    for number, line in enumerate(lines[start:], start=start + 1):
        m = KEY_LINE.match(line)
        if m:
            key = m.group(1)
            if key in seen:
                sys.exit(f"{example_path}:{number}: {key} is listed twice")
            seen.add(key)
            value = service.get(key, m.group(2))
            if key in service:
                # Not after the value: systemd would read a trailing comment as part of it.
                out.append("# (psm.service's own value; uncommented, this line overrides it)")
            out.append(f"#{key}={value}")
        else:
            out.append(line)
    unknown = sorted(set(service) - seen)
    if unknown:
        sys.exit(f"{unit_path}: Environment= sets {', '.join(unknown)}, not in {example_path}")
    with open(out_path, "w", encoding="utf-8") as f:
        f.write("\n".join(out).rstrip("\n") + "\n")


if __name__ == "__main__":
    main()
