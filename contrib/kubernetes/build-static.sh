#!/bin/sh
# Builds a statically linked cgbind for the DaemonSet image: the binary runs
# on the node, outside the image, whatever libraries the node has.
#
#   contrib/kubernetes/build-static.sh SRC BUILD   ->  BUILD/cgbind
#
# Needs gcc, meson, ninja-build, pkg-config, libyajl-dev and libseccomp-dev
# (Debian). A static PIE: the binary is loaded at a random address, as
# the distribution's dynamically linked one is (plain -static would give
# up ASLR for the hook's own code). glibc linked in still looks up the
# rootless user's home directory through the node's NSS modules, which
# must be of the same glibc release. Debian ships yajl's static archive as libyajl_s.a, which its
# yajl.pc does not name: a private yajl.pc points the link at it.
set -eu
src=$(cd "${1:?usage: build-static.sh SRC BUILD}" && pwd)
build=${2:?usage: build-static.sh SRC BUILD}
mkdir -p "$build/pkgconfig"
libdir=$(pkg-config --variable=libdir yajl)
cat >"$build/pkgconfig/yajl.pc" <<PC
Name: yajl
Description: yajl, linked statically
Version: $(pkg-config --modversion yajl)
Cflags: $(pkg-config --cflags yajl)
Libs: $libdir/libyajl_s.a
PC
PKG_CONFIG_PATH=$build/pkgconfig meson setup "$build" "$src" \
    --prefix=/usr --buildtype=release -Dprefer_static=true -Dc_link_args=-static-pie \
    -Dman=disabled -Dbin_link=false -Dbash_completion_dir=no
ninja -C "$build" cgbind
"$build/cgbind" --version
