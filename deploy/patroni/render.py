#!/usr/bin/env python3
"""Writes one Patroni 3.0 member's configuration (patroni.yml) for psm's PostgreSQL 15: a
primary and a synchronous standby on etcd's v3 API, with the timings chosen for polling day.

    deploy/patroni/render.py --name pg1 --etcd 10.0.0.21:2379,10.0.0.22:2379,10.0.0.23:2379 \\
        --listen 10.0.0.21:5432 --rest-listen 10.0.0.21:8008 \\
        --data-dir /var/lib/postgresql/15/psm --out /etc/patroni/psm.yml

`make cluster CLUSTER_HA=1` and the failover test (tests/integration/ha_postgres.py) render it
for loopback ports and folders of their own. docs/deployment.md, "PostgreSQL failover with
Patroni", explains every choice. Standard library only (the YAML is written as text).
"""

import argparse
import json
import os
import sys

# Polling day's timings, in seconds. Patroni requires loop_wait + 2 × retry_timeout <= ttl.
#  - loop_wait 5: how often each member's Patroni checks its PostgreSQL and renews (primary) or
#    watches (standby) the leader key. A crashed primary PostgreSQL is noticed within it, and with
#    primary_start_timeout 0 the standby is promoted right after: a failover in about 5-10 s.
#  - ttl 20: how long the leader key lives unrenewed. A primary machine that vanishes whole
#    (power, network) is replaced once its key expires: within ttl + loop_wait, 25 s.
#  - retry_timeout 5: how long a failing etcd or PostgreSQL call is retried before Patroni acts
#    on it; failsafe_mode keeps the primary up when etcd alone is away.
TIMINGS = {"ttl": 20, "loop_wait": 5, "retry_timeout": 5}


def yaml_value(value):
    """A scalar in YAML's flow form: JSON's strings, numbers and booleans are YAML too."""
    return json.dumps(value)


def render(a):
    members = ",".join(a.etcd)
    sync = "true" if a.synchronous else "false"
    strict = "true" if a.strict else "false"
    socket_dir = a.socket_dir or a.data_dir
    return f"""\
# Patroni member {a.name} of the psm store cluster {a.scope}: rendered by deploy/patroni/render.py.
scope: {yaml_value(a.scope)}
namespace: {yaml_value(a.namespace)}
name: {yaml_value(a.name)}

log:
  level: INFO
  format: "%(asctime)s %(levelname)s: %(message)s"

restapi:
  listen: {yaml_value(a.rest_listen)}
  connect_address: {yaml_value(a.rest_listen)}

# etcd's v3 API (etcd 3.4 and later); list every member of the etcd cluster.
etcd3:
  hosts: {yaml_value(members)}

bootstrap:
  # Written to etcd once, by the member that bootstraps the cluster; change them later with
  # `patronictl edit-config`, not here.
  dcs:
    ttl: {a.ttl}
    loop_wait: {a.loop_wait}
    retry_timeout: {a.retry_timeout}
    # A crashed primary PostgreSQL is not restarted in place: the synchronous standby, which has
    # every acknowledged commit, takes over at once (Patroni's default waits 300 s first).
    primary_start_timeout: 0
    # A commit returns only once the synchronous standby has flushed it (psm's
    # synchronous_commit = on), and only that standby may be promoted.
    synchronous_mode: {sync}
    # Not strict: with the standby down the primary goes on alone (writes continue; a 201 is then
    # on one server) instead of refusing every commit until the standby returns.
    synchronous_mode_strict: {strict}
    # etcd unreachable: the primary keeps its role while it still reaches every member's REST
    # API, instead of stepping down.
    failsafe_mode: true
    maximum_lag_on_failover: 1048576
    postgresql:
      # The old primary rejoins as a standby by rewinding the WAL it wrote that never reached
      # the standby (it was never acknowledged), instead of a full copy.
      use_pg_rewind: true
      use_slots: true
      parameters:
        wal_level: replica
        hot_standby: "on"
        wal_log_hints: "on"
        max_wal_senders: 10
        max_replication_slots: 10
        wal_keep_size: 256MB
        # A standby that hangs or drops off the network without closing its connection holds
        # every commit until its walsender gives up on it; Patroni then takes it out of
        # synchronous replication at its next loop. 10 s instead of 60 s: a write pause of
        # about 15 s instead of 25 s (measured, docs/deployment.md).
        wal_sender_timeout: 10s
        # A writer node that vanished frees its advisory lock within about 10 s.
        tcp_keepalives_idle: 5
        tcp_keepalives_interval: 1
        tcp_keepalives_count: 3
  initdb:
    - encoding: UTF8
    - locale: C
    - data-checksums

postgresql:
  listen: {yaml_value(a.listen)}
  connect_address: {yaml_value(a.listen)}
  data_dir: {yaml_value(a.data_dir)}
  bin_dir: {yaml_value(a.bin_dir)}
  pgpass: {yaml_value(a.pgpass or os.path.join(os.path.dirname(a.data_dir.rstrip("/")), "pgpass"))}
  authentication:
    superuser:
      username: postgres
      password: {yaml_value(a.password)}
    replication:
      username: replicator
      password: {yaml_value(a.password)}
    rewind:
      username: postgres
      password: {yaml_value(a.password)}
  parameters:
    unix_socket_directories: {yaml_value(socket_dir)}
  pg_hba:
    - local all all {a.auth}
    - host replication replicator {a.network} {a.auth}
    - host all all {a.network} {a.auth}

tags:
  nofailover: false
  noloadbalance: false
  clonefrom: false
  nosync: false
"""


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--name", required=True, help="this member's name, unique in the cluster")
    p.add_argument("--scope", default="psm", help="the cluster's name (default psm)")
    p.add_argument("--namespace", default="/service/", help="etcd key prefix (default /service/)")
    p.add_argument("--etcd", required=True, type=lambda s: [h for h in s.split(",") if h],
                   help="etcd members HOST:PORT,...")
    p.add_argument("--listen", required=True, help="PostgreSQL's HOST:PORT")
    p.add_argument("--rest-listen", required=True, help="Patroni's REST API HOST:PORT")
    p.add_argument("--data-dir", required=True)
    p.add_argument("--socket-dir", help="PostgreSQL's Unix socket folder (default: data dir)")
    p.add_argument("--bin-dir", default="/usr/lib/postgresql/15/bin")
    p.add_argument("--pgpass", help="the password file Patroni writes (default: beside the data dir)")
    p.add_argument("--network", default="127.0.0.1/32",
                   help="who may connect, for pg_hba (default 127.0.0.1/32)")
    p.add_argument("--auth", default="scram-sha-256",
                   help="pg_hba method (default scram-sha-256; trust only for loopback tests)")
    p.add_argument("--password", required=True,
                   help="the postgres and replicator password (initdb needs one even with trust)")
    p.add_argument("--ttl", type=int, default=TIMINGS["ttl"])
    p.add_argument("--loop-wait", type=int, default=TIMINGS["loop_wait"])
    p.add_argument("--retry-timeout", type=int, default=TIMINGS["retry_timeout"])
    p.add_argument("--no-synchronous", dest="synchronous", action="store_false",
                   help="asynchronous replication (acknowledged commits may be lost on failover)")
    p.add_argument("--strict", action="store_true",
                   help="synchronous_mode_strict: no commit while the standby is away")
    p.add_argument("--out", required=True, help="the file to write")
    a = p.parse_args(argv)
    if a.loop_wait + 2 * a.retry_timeout > a.ttl:
        p.error("Patroni needs loop_wait + 2 x retry_timeout <= ttl")
    text = render(a)
    tmp = a.out + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.chmod(tmp, 0o640)
    os.replace(tmp, a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
