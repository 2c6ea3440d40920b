#!/usr/bin/env bash
# Packages the Release build as BUILD/psm_<version>_<arch>.deb with debhelper (debian/).
# Usage: scripts/make-deb.sh [BUILD]   (default build; `make deb` builds it first)
#
# Nothing is compiled here: the program already built is staged under dist/ with what is made
# from it and from the tree (man page, psm.env, web pages, examples, docs), beside a copy of
# debian/, and dpkg-buildpackage -b packages that.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
bin="$build/psm"
[ -x "$bin" ] || { echo "make-deb: $bin not found; run make build" >&2; exit 1; }

version="$("$bin" --version | awk '{print $NF}')"
changelog_version="$(dpkg-parsechangelog -l "$root/debian/changelog" -S Version)"
if [ "$version" != "$changelog_version" ]; then
  echo "make-deb: psm is $version but debian/changelog's top entry is $changelog_version;" \
       "add a changelog entry for $version" >&2
  exit 1
fi
arch="$(dpkg --print-architecture)"

work="$build/deb"
stage="$work/psm-$version"
rm -rf "$work"
mkdir -p "$stage/dist/doc" "$stage/dist/examples"
# The folder's contents (through a symlink too), without what a build in it would have left.
mkdir -p "$stage/debian"
cp -a "$root/debian/." "$stage/debian/"
(cd "$stage/debian" && rm -rf psm .debhelper debhelper-build-stamp files ./*.debhelper \
  ./*.debhelper.log ./*.substvars)
dist="$stage/dist"

install -m 0755 "$bin" "$dist/psm"
SOURCE_DATE_EPOCH="$(dpkg-parsechangelog -l "$root/debian/changelog" -S Timestamp)" \
  python3 "$root/scripts/gen-manpage.py" "$bin" "$dist/psm.1"
python3 "$root/scripts/gen-service-env.py" "$root/debian/psm.service" \
  "$root/deploy/.env.example" "$dist/psm.env"

# The pages as psm serve loads them (src/api/static_files.cpp): the tree's own files, and of the
# npm libraries only the files web/vendor.txt names, at the same relative paths.
web="$root/web"
(cd "$web" && find . -path ./node_modules -prune -o -path ./test -prune -o -type f \
   ! -name 'package*.json' ! -name '.*' -print) |
  while read -r f; do install -D -m 0644 "$web/$f" "$dist/web/$f"; done
grep -v '^\s*#' "$web/vendor.txt" | grep '=' | sed 's/.*=\s*//' |
  while read -r f; do
    [ -f "$web/$f" ] || { echo "make-deb: web/vendor.txt names $f, not installed (make setup)" >&2; exit 1; }
    install -D -m 0644 "$web/$f" "$dist/web/$f"
  done

# Examples: the nginx site for this one node (render.py with the node on loopback), the
# firewall, Prometheus and Grafana files, and Patroni's configuration for a failover pair.
ex="$dist/examples"
mkdir -p "$ex/nginx" "$ex/nftables" "$ex/prometheus" "$ex/grafana" "$ex/patroni"
python3 "$root/deploy/nginx/render.py" --nodes 127.0.0.1:8080 --out "$ex/nginx"
cp "$root/deploy/nginx/psm.conf.in" "$root/deploy/nginx/render.py" "$ex/nginx/"
cp "$root/deploy/nftables/psm.nft" "$ex/nftables/"
cp "$root/deploy/patroni/render.py" "$ex/patroni/"
cp "$root"/deploy/prometheus/*.yml "$ex/prometheus/"
cp "$root/deploy/grafana/psm-dashboard.json" "$ex/grafana/"
cp "$root/deploy/.env.example" "$ex/env.example"
chmod -R u=rwX,go=rX "$ex"
chmod a-x "$ex/nginx/render.py" "$ex/patroni/render.py"

for doc in install.md operations.md monitoring.md security.md deployment.md; do
  cp "$root/docs/$doc" "$dist/doc/"
done

(cd "$stage" && dpkg-buildpackage -b -us -uc --no-sign >"$work/dpkg-buildpackage.log" 2>&1) || {
  tail -40 "$work/dpkg-buildpackage.log" >&2
  echo "make-deb: dpkg-buildpackage failed; the whole log: $work/dpkg-buildpackage.log" >&2
  exit 1
}
deb="psm_${version}_${arch}.deb"
mv "$work/$deb" "$build/$deb"
echo "$build/$deb"
