#!/bin/bash
# Boots this machine's own systemd as PID 1 in a throw-away overlay of the machine, installs the
# psm package there and runs SCRIPT inside it, as root, with systemd running: the unit is tried
# as systemd runs it, sandbox and all. Needs root, unshare, nsenter and pivot_root; no network,
# no systemd on the host (PID 1 here need not be systemd), no systemd-container.
#
# Usage: boot-systemd.sh PACKAGE.deb SCRIPT
# SCRIPT is copied to /root/script inside and run with bash; its exit status is this one's.
set -euo pipefail

case "${PSM_BOOT_STAGE:-}" in
"")
  # A private mount namespace: every mount below goes with it, whatever happens.
  deb="$(readlink -f "$1")"
  script="$(readlink -f "$2")"
  base="$(mktemp -d /tmp/psm-boot.XXXXXX)"
  rc=0
  PSM_BOOT_STAGE=overlay PSM_DEB="$deb" PSM_SCRIPT="$script" PSM_BASE="$base" \
    unshare --mount --propagation private "$0" || rc=$?
  rmdir "$base"
  exit "$rc"
  ;;
pid1)
  # PID 1 of new pid, mount, uts, ipc, net and cgroup namespaces: the API file systems, then
  # pivot_root into the overlay and exec systemd. Not chroot: the kernel refuses a user
  # namespace (PrivateUsers=) to a chrooted process.
  r="$PSM_ROOT"
  mount -t proc proc "$r/proc"
  mount -t sysfs -o ro sysfs "$r/sys" # read-only: udevd stays out
  # Device nodes of its own, not the host's bound in: systemd and its tools chown and chmod
  # what they find here (a bound /dev/null would leave the host's unwritable). No console.
  mount -t tmpfs -o mode=755 tmpfs "$r/dev"
  mknod -m 666 "$r/dev/null" c 1 3
  mknod -m 666 "$r/dev/zero" c 1 5
  mknod -m 666 "$r/dev/full" c 1 7
  mknod -m 666 "$r/dev/random" c 1 8
  mknod -m 666 "$r/dev/urandom" c 1 9
  mknod -m 666 "$r/dev/tty" c 5 0
  mkdir -p "$r/dev/pts" "$r/dev/shm"
  mount -t devpts -o newinstance,ptmxmode=0666 devpts "$r/dev/pts"
  ln -s pts/ptmx "$r/dev/ptmx"
  ln -s /proc/self/fd "$r/dev/fd"
  mount -t tmpfs -o mode=1777 tmpfs "$r/dev/shm"
  mount -t tmpfs -o mode=755 tmpfs "$r/run"
  mount -t tmpfs -o mode=1777 tmpfs "$r/tmp"
  hostname psm-boot
  mkdir -p "$r/.oldroot"
  cd "$r"
  pivot_root . .oldroot
  umount -l /.oldroot
  exec env -i container=psm-boot TERM=dumb /lib/systemd/systemd --system --log-target=journal-or-kmsg
  ;;
overlay) ;;
*)
  echo "boot-systemd: unknown stage $PSM_BOOT_STAGE" >&2
  exit 2
  ;;
esac

# The overlay: / below, a tmpfs above (the kernel refuses an upper folder inside the lower).
base="$PSM_BASE"
mount -t tmpfs -o size=4g tmpfs "$base"
mkdir "$base/upper" "$base/work" "$base/root"
mount -t overlay overlay -o "lowerdir=/,upperdir=$base/upper,workdir=$base/work" "$base/root"
root="$base/root"
mount --rbind /dev "$root/dev"
mount -t proc proc "$root/proc"
mount -t tmpfs tmpfs "$root/tmp"
install -d -m 0700 "$root/root/package"
cp "$PSM_DEB" "$root/root/package/"
cp "$PSM_SCRIPT" "$root/root/script"
if ! chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
  "./root/package/$(basename "$PSM_DEB")" >"$base/apt.log" 2>&1; then
  cat "$base/apt.log" >&2
  exit 1
fi
# Only psm: the machine's other services stay down, and the console has no getty.
for unit in nginx postgresql prometheus redis-server console-getty getty@tty1 e2scrub_reap \
  apt-daily.timer apt-daily-upgrade.timer man-db.timer; do
  case "$unit" in *.*) ;; *) unit="$unit.service" ;; esac
  ln -sf /dev/null "$root/etc/systemd/system/$unit"
done
tr -d - </proc/sys/kernel/random/uuid >"$root/etc/machine-id"
# A container image's policy-rc.d (exit 101: start nothing) would stop the package's scripts
# from restarting or stopping psm; a server has none.
rm -f "$root/usr/sbin/policy-rc.d"
umount "$root/tmp"
umount "$root/proc"
umount -R "$root/dev"

# systemd needs a cgroup of its own in each hierarchy it writes to; the host's PID 1 is not
# systemd, so make them here (and remove them at the end).
cgroups=()
while IFS=: read -r _ controller path; do
  case "$controller" in
  "") hierarchy=unified ;;
  name=systemd) hierarchy=systemd ;;
  pids | devices | memory) hierarchy="$controller" ;;
  *) continue ;;
  esac
  [ -d "/sys/fs/cgroup/$hierarchy" ] || continue
  dir="/sys/fs/cgroup/$hierarchy${path%/}/psm-boot.$$"
  mkdir -p "$dir"
  echo $$ >"$dir/cgroup.procs"
  cgroups+=("$dir")
done <<<"$(cat /proc/self/cgroup)" # read once: it changes as this shell moves

cleanup_cgroups() {
  local dir
  for dir in "${cgroups[@]}"; do
    echo $$ >"${dir%/*}/cgroup.procs" 2>/dev/null || true
    find "$dir" -depth -type d -exec rmdir {} \; 2>/dev/null || true
  done
}

PSM_BOOT_STAGE=pid1 PSM_ROOT="$root" setsid unshare --pid --fork --mount --uts --ipc --net \
  --cgroup --propagation private "$0" &
launcher=$!
pid1=""
for _ in $(seq 100); do
  pid1="$(pgrep -P "$launcher" -x systemd || true)"
  [ -n "$pid1" ] && break
  sleep 0.1
done
if [ -z "$pid1" ]; then
  echo "boot-systemd: systemd did not start" >&2
  kill "$launcher" 2>/dev/null || true
  cleanup_cgroups
  exit 1
fi
inside() { nsenter -t "$pid1" -a -r -w env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin TERM=dumb "$@"; }
for _ in $(seq 100); do
  [ -S "/proc/$pid1/root/run/systemd/private" ] && break
  sleep 0.1
done
echo "boot-systemd: systemd is $(inside systemctl is-system-running --wait || true)"

rc=0
inside bash /root/script || rc=$?

inside systemctl poweroff || true
if ! timeout 60 tail --pid="$pid1" -f /dev/null; then
  kill -9 "$pid1" 2>/dev/null || true
fi
wait "$launcher" || true
cleanup_cgroups
exit "$rc"
