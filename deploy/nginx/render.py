#!/usr/bin/env python3
"""Writes nginx's configuration for a psm cluster: psm.conf from psm.conf.in, with
psm-locations.conf beside it (psm.conf includes it by name from its own folder).

With no options it writes the settings deploy/nginx/psm.conf is shipped with; give the district's:

    deploy/nginx/render.py --nodes 10.0.0.11:8080,10.0.0.12:8080,10.0.0.13:8080 \\
        --cert /etc/letsencrypt/live/psm.example.in/fullchain.pem \\
        --key /etc/letsencrypt/live/psm.example.in/privkey.pem --out /etc/nginx
    mv /etc/nginx/psm.conf /etc/nginx/nginx.conf && nginx -t

`make cluster` and the integration test render it for loopback ports and folders of their own.
Standard library only.
"""

import argparse
import os
import re
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TEMPLATE = os.path.join(HERE, "psm.conf.in")
LOCATIONS = "psm-locations.conf"

DEFAULTS = {
    "nodes": "10.0.0.11:8080,10.0.0.12:8080,10.0.0.13:8080",
    "https_listen": ["443", "[::]:443"],
    "http_listen": ["80", "[::]:80"],
    "cert": "/etc/ssl/psm/fullchain.pem",
    "key": "/etc/ssl/psm/privkey.pem",
    "user": "www-data",
    "pid_file": "/run/nginx.pid",
    "log_dir": "/var/log/nginx",
    "temp_dir": "/var/lib/nginx",
    "acme_root": "/var/www/acme",
    "max_conn_per_address": 4096,
}

# What the shipped psm.conf says it was made from, and what a rendered one says.
SHIPPED_NOTE = ("Rendered by render.py from psm.conf.in with its defaults; change the SETTING "
                "lines here,\n# or render again with your values.")
RENDERED_NOTE = "Rendered by deploy/nginx/render.py from psm.conf.in: {args}"


def parse_nodes(text):
    nodes = [n.strip() for n in text.split(",") if n.strip()]
    if not nodes:
        raise argparse.ArgumentTypeError("at least one node HOST:PORT")
    for n in nodes:
        if not re.fullmatch(r"(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}", n):
            raise argparse.ArgumentTypeError(f"{n!r} is not HOST:PORT")
    return nodes


def https_port(listens):
    """The port of the first HTTPS listen address (443 when only an address is given)."""
    m = re.search(r"(?:^|:)(\d+)$", listens[0])
    return int(m.group(1)) if m else 443


def render(opts, note):
    nodes = opts.nodes
    with open(TEMPLATE) as f:
        text = f.read()
    port = https_port(opts.https_listen)
    redirect = "https://$host" + ("" if port == 443 else f":{port}") + "$request_uri"
    if opts.plain_http == "redirect":
        http_rest = ("        location / {\n"
                     f"            return 301 {redirect};\n"
                     "        }")
    else:
        http_rest = ("        # A trial on one machine: plain HTTP serves the site as well.\n"
                     "        include psm-locations.conf;")
    values = {
        "GENERATED": note,
        "USER": opts.user,
        "PID_FILE": opts.pid_file,
        "LOG_DIR": opts.log_dir,
        "TEMP_DIR": opts.temp_dir,
        "CERT": opts.cert,
        "KEY": opts.key,
        "ACME_ROOT": opts.acme_root,
        "MAX_CONN_PER_ADDRESS": str(opts.max_conn_per_address),
        "NODES_READ": "\n".join(f"        server {n} max_fails=3 fail_timeout=10s;" for n in nodes),
        "NODES_STORE": "\n".join(f"        server {n} max_fails=0;" for n in nodes),
        "HTTPS_LISTEN": "\n".join(f"        listen {a} ssl http2;" for a in opts.https_listen),
        "HTTP_LISTEN": "\n".join(f"        listen {a};" for a in opts.http_listen),
        "HTTP_REST": http_rest,
    }

    def fill(m):
        return values[m.group(1)]

    out = re.sub(r"\{\{([A-Z_]+)\}\}", fill, text)
    left = re.findall(r"\{\{[^}]*\}\}", out)
    if left:
        raise SystemExit(f"render.py: unknown placeholders in psm.conf.in: {left}")
    return out


def parser():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    d = DEFAULTS
    p.add_argument("--nodes", type=parse_nodes, default=parse_nodes(d["nodes"]),
                   help=f"the psm nodes, HOST:PORT,… (default {d['nodes']})")
    p.add_argument("--https-listen", action="append",
                   help="an HTTPS listen address, PORT or ADDR:PORT; repeat for more "
                        f"(default {' and '.join(d['https_listen'])})")
    p.add_argument("--http-listen", action="append",
                   help="a plain-HTTP listen address; repeat for more "
                        f"(default {' and '.join(d['http_listen'])})")
    p.add_argument("--plain-http", choices=["redirect", "serve"], default="redirect",
                   help="redirect: plain HTTP answers only the ACME challenge and sends the rest "
                        "to HTTPS (the default); serve: it serves the site too (a trial on one "
                        "machine)")
    p.add_argument("--cert", default=d["cert"],
                   help=f"certificate, full chain (default {d['cert']})")
    p.add_argument("--key", default=d["key"], help=f"its private key (default {d['key']})")
    p.add_argument("--user", default=d["user"], help=f"the workers' user (default {d['user']})")
    p.add_argument("--pid-file", default=d["pid_file"], help=f"default {d['pid_file']}")
    p.add_argument("--log-dir", default=d["log_dir"], help=f"default {d['log_dir']}")
    p.add_argument("--temp-dir", default=d["temp_dir"],
                   help=f"folder of nginx's temporary files (default {d['temp_dir']})")
    p.add_argument("--acme-root", default=d["acme_root"],
                   help=f"the ACME client's web root (default {d['acme_root']})")
    p.add_argument("--max-conn-per-address", type=int, default=d["max_conn_per_address"],
                   help="requests in progress per client address "
                        f"(default {d['max_conn_per_address']}; see psm.conf)")
    p.add_argument("--out", help="folder to write psm.conf and psm-locations.conf to "
                                 "(default: psm.conf to standard output)")
    return p


def main(argv):
    opts = parser().parse_args(argv)
    opts.https_listen = opts.https_listen or DEFAULTS["https_listen"]
    opts.http_listen = opts.http_listen or DEFAULTS["http_listen"]
    settings = [a for i, a in enumerate(argv)
                if not a.startswith("--out") and (i == 0 or argv[i - 1] != "--out")]
    note = RENDERED_NOTE.format(args=" ".join(settings)) if settings else SHIPPED_NOTE
    text = render(opts, note)
    if not opts.out:
        sys.stdout.write(text)
        return 0
    os.makedirs(opts.out, exist_ok=True)
    target = os.path.join(opts.out, "psm.conf")
    with open(target + ".partial", "w") as f:
        f.write(text)
    os.replace(target + ".partial", target)
    if os.path.realpath(opts.out) != os.path.realpath(HERE):
        shutil.copyfile(os.path.join(HERE, LOCATIONS), os.path.join(opts.out, LOCATIONS))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
