#!/bin/sh
# Puts cgbind's action-script line into runc's CRIU configuration, from
# meson install (criu_runc_conf=auto) and the Debian package's postinst:
#
#   install-runc-conf.sh FRAGMENT [TARGET]      TARGET: /etc/criu/runc.conf
#
# Only when TARGET does not exist (a runc.conf of the user's is never
# touched: the line to add is printed instead) and the installed CRIU is
# 3.19 or later: CRIU 3.17 and 3.18 abort every runc checkpoint and restore
# when an action-script is configured. Nothing is written with DESTDIR (a
# staged install, a package build). Always exits 0.
set -u
frag=$1
target=${2:-/etc/criu/runc.conf}
line=$(grep '^action-script ' "${DESTDIR:-}$frag" 2>/dev/null)
if [ -n "${DESTDIR:-}" ]; then
	echo "cgbind: staged install (DESTDIR): $target not written"
	exit 0
fi
if [ -e "$target" ] || [ -L "$target" ]; then
	if grep -qxF "$line" "$target" 2>/dev/null; then
		echo "cgbind: $target already runs cgbind"
	else
		echo "cgbind: $target exists and is left alone; for checkpoints to carry the cgroup sub-tree (CRIU >= 3.19), add the line: $line"
	fi
	exit 0
fi
v=$(criu --version 2>/dev/null | sed -n 's/^Version: //p')
case "$v" in
3.19* | 3.[2-9][0-9]* | [4-9].* | [1-9][0-9].*) ;;
*)
	echo "cgbind: CRIU ${v:-is not installed, or} cannot run an action-script under runc (3.19 or later can): $target not written; add the line $line once it can"
	exit 0
	;;
esac
mkdir -p "${target%/*}" && cp "$frag" "$target" && echo "cgbind: wrote $target ($line)"
exit 0
