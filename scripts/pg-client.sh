#!/usr/bin/env bash
# Builds pg_dump and pg_restore for PostgreSQL MAJOR (default: the embedded server's, 18) into .tools/pg<MAJOR>/bin,
# for `bun run backup` and `bun run restore`. pg_dump refuses a server newer than itself, and Debian 12 ships client
# 15, so where no postgresql-client-<MAJOR> package is installable we build the two programs from Debian's own source
# package (the newest suite that has postgresql-<MAJOR>). Every download is verified: the suite's InRelease against
# Debian's archive keyring (gpgv), Sources.xz against InRelease, the source tarball against Sources.
# Needs: curl, gpgv, xz, gcc, make, bison, flex, zlib headers (Debian: bison flex zlib1g-dev). ~40 s on 2 cores.
# Prints the bin folder on stdout when done; does nothing when it is already built.
set -euo pipefail

MAJOR="${1:-18}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/.tools/pg$MAJOR"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
KEYRING="${DEBIAN_KEYRING:-/usr/share/keyrings/debian-archive-keyring.gpg}"
log() { echo "pg-client: $*" >&2; }

if [[ -x "$DEST/bin/pg_dump" && -x "$DEST/bin/pg_restore" ]]; then echo "$DEST/bin"; exit 0; fi

for tool in curl gpgv xz gcc make bison flex; do
  command -v "$tool" >/dev/null || { log "needs $tool (Debian: apt-get install bison flex zlib1g-dev gcc make curl gpgv xz-utils)"; exit 2; }
done
[[ -f /usr/include/zlib.h ]] || { log "needs the zlib headers (Debian: apt-get install zlib1g-dev)"; exit 2; }
[[ -f "$KEYRING" ]] || { log "needs Debian's archive keyring at $KEYRING (package debian-archive-keyring)"; exit 2; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"

# The sha256 that a verified index gives for a path, or nothing.
sha_in() { awk -v path="$2" '/^SHA256:/{s=1; next} /^[A-Za-z]/{s=0} s && $3 == path {print $1}' "$1"; }

found=""
for suite in sid forky trixie-backports; do
  curl -fsS -m 60 -o InRelease "$MIRROR/dists/$suite/InRelease" 2>/dev/null || continue
  gpgv --quiet --keyring "$KEYRING" --output Release InRelease 2>/dev/null || { log "$suite: InRelease signature does not verify; skipped"; continue; }
  want="$(sha_in Release main/source/Sources.xz)"
  [[ -n "$want" ]] || continue
  curl -fsS -m 300 -o Sources.xz "$MIRROR/dists/$suite/main/source/Sources.xz"
  [[ "$(sha256sum Sources.xz | cut -d' ' -f1)" == "$want" ]] || { log "$suite: Sources.xz checksum mismatch"; exit 1; }
  # The postgresql-MAJOR stanza: its pool directory and the sha256 and name of its .orig tarball. awk reads to the
  # end (no early exit) so xz never dies of SIGPIPE under pipefail.
  xz -dc Sources.xz | awk -v pkg="postgresql-$MAJOR" '
    /^Package: / {inpkg = ($2 == pkg)}
    inpkg && /^Directory: / {dir = $2}
    inpkg && /^Checksums-Sha256:/ {cs = 1; next}
    inpkg && cs && /^ / && $3 ~ /\.orig\.tar\.(bz2|gz|xz)$/ {sha = $1; file = $3}
    /^[A-Za-z]/ && !/^Checksums-Sha256:/ {cs = 0}
    /^$/ {if (inpkg && file && !done) {print dir, sha, file; done = 1} inpkg = 0}' > stanza
  if [[ -s stanza ]]; then read -r dir sha file < stanza; found="$suite"; break; fi
done
[[ -n "$found" ]] || { log "no Debian suite reachable at $MIRROR has postgresql-$MAJOR"; exit 1; }

log "building pg_dump and pg_restore $MAJOR from Debian $found: $file"
curl -fsS -m 600 -o "$file" "$MIRROR/$dir/$file"
[[ "$(sha256sum "$file" | cut -d' ' -f1)" == "$sha" ]] || { log "$file: checksum mismatch"; exit 1; }
tar xf "$file"
cd postgresql-*/
# Only what the two client programs need; no readline, ICU or OpenSSL (local and loopback connections).
./configure --quiet --prefix="$DEST" --without-readline --without-icu --without-openssl --with-zlib >/dev/null
jobs="$(nproc 2>/dev/null || echo 2)"
make -s -j"$jobs" -C src/backend generated-headers >/dev/null
for d in src/common src/port src/interfaces/libpq src/fe_utils src/bin/pg_dump; do make -s -j"$jobs" -C "$d" >/dev/null; done
make -s -C src/interfaces/libpq install >/dev/null
make -s -C src/bin/pg_dump install >/dev/null
"$DEST/bin/pg_dump" --version >&2
echo "$DEST/bin"
