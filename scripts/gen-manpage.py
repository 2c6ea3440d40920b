#!/usr/bin/env python3
"""Writes the psm(1) man page from the program's own --help text, so the page cannot drift.

Usage: gen-manpage.py PSM_BINARY OUT.1

Every subcommand (and the admin subcommands) becomes a section of COMMANDS; every option that
names an environment variable (Env:PSM_*) is listed again under ENVIRONMENT. The date is
SOURCE_DATE_EPOCH's when set (dpkg-buildpackage sets it from debian/changelog), so a package
build is reproducible.
"""

import datetime
import os
import re
import subprocess
import sys

# CLI11 pads an entry's name to this column; a longer name puts its text on the next line.
DESC_COLUMN = 30


def help_text(binary, words):
    out = subprocess.run([binary, *words, "--help"], check=True, capture_output=True, text=True)
    return out.stdout


def parse_help(text, words):
    """CLI11's help: a description line, a Usage line, then blocks of two-space-indented
    entries under "Positionals:", "Options:" and "Subcommands:". An entry's text follows its
    name from DESC_COLUMN on, or starts the next line there when the name is too long."""
    lines = text.rstrip("\n").split("\n")
    parsed = {"description": lines[0].strip(), "usage": "", "blocks": {}}
    block = None
    for i, line in enumerate(lines[1:], start=1):
        following = lines[i + 1] if i + 1 < len(lines) else ""
        if line.startswith("Usage: "):
            # "Usage: ./build/psm admin issue-pins [OPTIONS]": drop the program and the words.
            parsed["usage"] = " ".join(line.split()[2 + len(words):])
        elif line and not line.startswith(" ") and line.endswith(":"):
            block = parsed["blocks"].setdefault(line[:-1], [])
        elif block is None or not line.strip():
            continue
        elif line.startswith(" " * DESC_COLUMN) and block:
            block[-1][1] = (block[-1][1] + " " + line.strip()).strip()
        elif following.startswith(" " * DESC_COLUMN) or len(line) <= DESC_COLUMN:
            block.append([line.strip(), ""])
        else:
            block.append([line[2:DESC_COLUMN].strip(), line[DESC_COLUMN:].strip()])
    return parsed


def option_parts(name):
    """"--store TEXT=sqlite:var/psm.db (Env:PSM_STORE)" -> flags, value, default, env."""
    env = None
    m = re.search(r"\s*\(Env:(\w+)\)$", name)
    if m:
        env, name = m.group(1), name[: m.start()]
    flag, _, value = name.partition(" ")
    default = None
    if "=" in value:
        value, default = value.split("=", 1)
    return flag, value.strip(), default, env


def roff(text):
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return "\\&" + text if text[:1] in (".", "'") else text


def option_entry(name, desc, env_seen, command):
    flag, value, default, env = option_parts(name)
    head = "\\fB" + roff(flag) + "\\fR"
    if value:
        head += " \\fI" + roff(value) + "\\fR"
    notes = []
    if default is not None:
        notes.append("default \\fB" + roff(default) + "\\fR")
    if env:
        notes.append("environment \\fB" + env + "\\fR")
        first = env_seen.setdefault(env, (flag, default, desc, []))
        first[3].append(command)
    if notes:
        head += " (" + "; ".join(notes) + ")"
    return [".TP", head, roff(desc) if desc else "."]


def command_section(binary, words, env_seen):
    parsed = parse_help(help_text(binary, words), words)
    name = " ".join(["psm", *words])
    out = [".SS \"" + roff(name) + "\"", roff(parsed["description"]), ".PP",
           "Usage: \\fB" + roff(name) + "\\fR " + roff(parsed["usage"])]
    for title in ("Positionals", "Options"):
        entries = [e for e in parsed["blocks"].get(title, []) if not e[0].startswith("-h,")]
        if not entries:
            continue
        out.append(".PP")
        out.append(title + ":")
        for entry_name, desc in entries:
            if title == "Positionals":
                out += [".TP", "\\fI" + roff(entry_name.split()[0]) + "\\fR", roff(desc)]
            else:
                out += option_entry(entry_name, desc, env_seen, name)
    sections = [out]
    for sub, _ in parsed["blocks"].get("Subcommands", []):
        sections += command_section(binary, [*words, sub], env_seen)
    return sections


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: gen-manpage.py PSM_BINARY OUT.1")
    binary, out_path = sys.argv[1], sys.argv[2]
    version = subprocess.run([binary, "--version"], check=True, capture_output=True,
                             text=True).stdout.split()[-1]
    top = parse_help(help_text(binary, []), [])
    epoch = int(os.environ.get("SOURCE_DATE_EPOCH", datetime.datetime.now().timestamp()))
    date = datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime("%Y-%m-%d")
    summary = top["description"].split("—", 1)[-1].strip()

    env_seen = {}
    commands = []
    for sub, _ in top["blocks"].get("Subcommands", []):
        if sub == "help":
            continue
        for section in command_section(binary, [sub], env_seen):
            commands += section

    page = [
        '.\\" Generated by scripts/gen-manpage.py from psm --help; do not edit.',
        f'.TH PSM 1 "{date}" "psm {version}" "User Commands"',
        ".nh",
        ".ad l",
        ".SH NAME",
        "psm \\- " + roff(summary),
        ".SH SYNOPSIS",
        ".B psm",
        ".I subcommand",
        "[\\fIoptions\\fR]",
        ".br",
        ".B psm",
        "[\\fB\\-\\-help\\fR | \\fB\\-\\-version\\fR]",
        ".SH DESCRIPTION",
        "\\fBpsm\\fR (Polling Station Monitor) shows voters the queue at their polling station,",
        "takes booth officers' reports of queues, votes polled and poll events, and gives a",
        "district control room every station live. \\fBpsm serve\\fR is the server (HTTP API,",
        "web pages and event stream); the other subcommands prepare and inspect its store.",
        "Every subcommand takes \\fB\\-\\-help\\fR.",
        ".SH COMMANDS",
        *commands,
        ".SH ENVIRONMENT",
        "Each setting below is also read from a \\fI.env\\fR file in the working folder.",
        "Precedence: command-line flags, then the environment, then \\fI.env\\fR, then the",
        "built-in default. The packaged service reads \\fI/etc/psm/psm.env\\fR.",
    ]
    for env in sorted(env_seen):
        flag, default, desc, commands_using = env_seen[env]
        text = roff(desc.rstrip(".")) + ". Same as \\fB" + roff(flag) + "\\fR of " + ", ".join(
            "\\fB" + roff(c) + "\\fR" for c in commands_using) + "."
        if default is not None:
            text += " Default: \\fB" + roff(default) + "\\fR."
        page += [".TP", "\\fB" + env + "\\fR", text]
    page += [
        ".SH FILES",
        ".TP",
        "\\fI/etc/psm/psm.env\\fR",
        "Settings of the packaged service (\\fBpsm.service\\fR), one \\fBPSM_*\\fR key a line.",
        ".TP",
        "\\fI/var/lib/psm/psm.db\\fR",
        "The packaged service's SQLite store: the roll, the reports, the audit log. Back it up.",
        ".TP",
        "\\fI/usr/share/psm/web/\\fR",
        "The web pages, found there when the working folder has no \\fIweb/\\fR.",
        ".TP",
        "\\fI/usr/share/doc/psm/examples/\\fR",
        "nginx site, nftables ruleset, Prometheus scrape configuration and rules, Grafana dashboard.",
        ".SH SIGNALS",
        "\\fBpsm serve\\fR stops on SIGTERM or SIGINT: it stops accepting, lets requests in flight",
        "finish, and commits every accepted report before it exits.",
        ".SH SEE ALSO",
        "\\fBsystemd.exec\\fR(5), \\fBnginx\\fR(8), \\fBsqlite3\\fR(1),",
        "\\fI/usr/share/doc/psm/install.md.gz\\fR",
    ]
    with open(out_path, "w", encoding="utf-8") as f:
        f.write("\n".join(page) + "\n")


if __name__ == "__main__":
    main()
