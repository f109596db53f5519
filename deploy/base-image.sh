#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# base-image.sh: makes the Dockerfile's base image (debian:bookworm-slim) from
# Debian's packages when the local Docker engine does not have it, for sites
# with no container registry. A no-op when the image is already there.
#
#   deploy/base-image.sh             # then: docker-compose -f deploy/docker-compose.yml build
#   ND_DEBIAN_MIRROR=http://mirror.example/debian deploy/base-image.sh
#
# It runs `debootstrap --variant=minbase bookworm` into a temporary folder and
# `docker import`s it as debian:bookworm-slim, trimmed the way Debian's own
# slim image is (no documentation, man pages or translations). Needs root,
# debootstrap and Debian's package mirror (ND_DEBIAN_MIRROR, default
# http://deb.debian.org/debian, or a local mirror for an air-gapped site).
set -euo pipefail

image=${ND_BASE_IMAGE:-debian:bookworm-slim}
mirror=${ND_DEBIAN_MIRROR:-http://deb.debian.org/debian}

case ${1:-} in
    -h | --help)
        sed -n '2,13s/^# \{0,1\}//p' "$0"
        exit 0
        ;;
    "") ;;
    *)
        echo "base-image: unknown argument '$1' (try --help)" >&2
        exit 2
        ;;
esac

if ! docker version >/dev/null 2>&1; then
    echo "base-image: no Docker engine answers (is dockerd running? 'systemctl start docker')" >&2
    exit 1
fi
if docker image inspect "$image" >/dev/null 2>&1; then
    echo "base-image: $image is already in the engine" >&2
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "base-image: debootstrap needs root (sudo $0)" >&2
    exit 1
fi
command -v debootstrap >/dev/null || {
    echo "base-image: debootstrap is missing (apt-get install debootstrap)" >&2
    exit 1
}

rootfs=$(mktemp -d /var/tmp/nd-base-image.XXXXXX)
trap 'rm -rf "$rootfs"' EXIT

echo "base-image: $image is not in the engine; making it with debootstrap from $mirror" >&2
# The excludes of Debian's docker images, in place before the first package
# is unpacked so that no documentation is ever written.
mkdir -p "$rootfs/etc/dpkg/dpkg.cfg.d"
cat >"$rootfs/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
EOF
# And its speed-up: a container's file system need not survive a power cut.
echo force-unsafe-io >"$rootfs/etc/dpkg/dpkg.cfg.d/docker-apt-speedup"
debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$rootfs.log" 2>&1 || {
    tail -n 20 "$rootfs.log" >&2
    echo "base-image: debootstrap failed (log: $rootfs.log)" >&2
    exit 1
}
rm -f "$rootfs.log"

# As Debian's image: apt keeps no package lists or archives, and the sources
# name the mirror it was made from (with security updates when it is Debian's).
cat >"$rootfs/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache ""; Dir::Cache::srcpkgcache "";
EOF
echo 'Acquire::GzipIndexes "true"; Acquire::CompressionTypes::Order:: "gz";' \
    >"$rootfs/etc/apt/apt.conf.d/docker-gzip-indexes"
echo 'APT::AutoRemove::SuggestsImportant "false";' >"$rootfs/etc/apt/apt.conf.d/docker-autoremove-suggests"
echo 'Acquire::Languages "none";' >"$rootfs/etc/apt/apt.conf.d/docker-no-languages"
{
    echo "deb $mirror bookworm main"
    echo "deb $mirror bookworm-updates main"
    [ "$mirror" = http://deb.debian.org/debian ] &&
        echo "deb http://deb.debian.org/debian-security bookworm-security main"
} >"$rootfs/etc/apt/sources.list"
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin \
    "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/log/* "$rootfs"/tmp/* \
    "$rootfs"/usr/share/doc/*/changelog* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* \
    "$rootfs"/usr/share/locale/*
: >"$rootfs/etc/hostname"
: >"$rootfs/etc/resolv.conf"

tar --numeric-owner --xattrs -C "$rootfs" -c . |
    docker import --change 'CMD ["bash"]' \
        --message "debootstrap --variant=minbase bookworm ($mirror), by deploy/base-image.sh" \
        - "$image" >/dev/null
echo "base-image: made $image ($(docker image inspect -f '{{.Size}}' "$image" | numfmt --to=iec))" >&2
