#!/bin/sh
# Moves a podman container, with its cgroup sub-tree, to another host (or back
# onto the same one) through podman's checkpoint and restore.
#
# Not needed with CRIU 3.19 or later: there cgbind is CRIU's action-script
# (/etc/criu/runc.conf, see README.md "Saving and restoring with checkpoints"),
# the image travels inside the exported archive (checkpoint/cgbind.json), and
#
#   podman container checkpoint --export ARCHIVE NAME
#   podman container restore --import ARCHIVE [--name NEW-NAME]
#
# bring the sub-tree back by themselves. This script remains for CRIU 3.17
# and 3.18 (Debian 12), which cannot run an action-script under runc: the
# image then travels beside the archive, and the hooks.d hook reads it.
#
#   migrate.sh checkpoint NAME ARCHIVE     on the source host
#   migrate.sh restore ARCHIVE [NEW-NAME]  on the target host
#
# The container must have been created with the annotation that names its
# image, e.g.
#
#   mkdir -p /var/lib/cgbind
#   echo '{"cgbind": 1, "hierarchies": []}' > /var/lib/cgbind/web.json
#   podman run -d --name web --annotation io.cgbind.image=/var/lib/cgbind/web.json IMAGE
#
# (the empty image lets the first start pass: the hook restores nothing).
# podman keeps the annotation in the checkpoint, so the restored container
# runs the hook again from cgbind's hooks.d file, and the hook reads the image
# that "checkpoint" saved and "restore" put back at the same path.
#
# "checkpoint" writes ARCHIVE (podman's export) and ARCHIVE.cgbind.json (the
# image); copy both to the target host.
set -eu

CGBIND=${CGBIND:-cgbind}

die() {
        echo "migrate.sh: $*" >&2
        exit 1
}

image_of() { # NAME: the container's io.cgbind.image annotation
        podman container inspect --format '{{index .Config.Annotations "io.cgbind.image"}}' "$1"
}

case ${1:-} in
checkpoint)
        [ $# -eq 3 ] || die "usage: migrate.sh checkpoint NAME ARCHIVE"
        name=$2 archive=$3
        img=$(image_of "$name")
        if [ -z "$img" ] || [ "$img" = "<no value>" ]; then
                die "$name has no annotation io.cgbind.image; create it with --annotation io.cgbind.image=/var/lib/cgbind/$name.json"
        fi
        pid=$(podman container inspect --format '{{.State.Pid}}' "$name")
        [ "$pid" -gt 0 ] 2>/dev/null || die "$name is not running"
        # save first: the checkpoint stops the container
        "$CGBIND" save --pid "$pid" -o "$img"
        "$CGBIND" show "$img"
        cp "$img" "$archive.cgbind.json"
        podman container checkpoint --export "$archive" "$name"
        echo "copy $archive and $archive.cgbind.json to the target host, then: migrate.sh restore $archive"
        ;;
restore)
        if [ $# -lt 2 ] || [ $# -gt 3 ]; then
                die "usage: migrate.sh restore ARCHIVE [NEW-NAME]"
        fi
        archive=$2
        [ -f "$archive.cgbind.json" ] || die "$archive.cgbind.json is missing (made by migrate.sh checkpoint)"
        # the path the hook will read: the annotation in the checkpoint's OCI spec
        # (tar finds the compression, gzip or zstd, by itself)
        img=$(tar -xOf "$archive" spec.dump | jq -r '.annotations["io.cgbind.image"] // empty')
        [ -n "$img" ] || die "the container in $archive has no annotation io.cgbind.image"
        "$CGBIND" show "$archive.cgbind.json" >/dev/null
        mkdir -p "$(dirname "$img")"
        cp "$archive.cgbind.json" "$img.new"
        mv -f "$img.new" "$img"
        if [ $# -eq 3 ]; then
                podman container restore --import "$archive" --name "$3"
        else
                podman container restore --import "$archive"
        fi
        # podman often drops a hook's stderr: the hooks.d file adds --syslog
        echo "restored; the hook's messages: journalctl -t cgbind"
        ;;
*)
        die "usage: migrate.sh checkpoint NAME ARCHIVE | migrate.sh restore ARCHIVE [NEW-NAME]"
        ;;
esac
