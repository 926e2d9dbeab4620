#!/usr/bin/env bats
# cgbind-layouts: hybrid
# What an administrator installs and reads: the `meson install` layout (binary,
# hooks.d JSON, man pages, bash completion), the Debian package restoring a
# real runc container through its installed hooks.d file, the Kubernetes
# manifest and the RPM spec against the README and the install layout, and
# where the messages of a failing restore end up (--log FILE, --syslog).

load helpers

# Beyond test/run.sh's packages: scdoc for the man pages, debhelper and
# build-essential for dpkg-buildpackage, man-db and groff-base to render the
# pages, python3-yaml to read the Kubernetes manifest, busybox for syslogd.
INSTALL_TEST_PKGS="scdoc debhelper dpkg-dev build-essential fakeroot man-db groff-base python3 python3-yaml busybox-static"

# apt-get that waits for another apt or dpkg run to finish instead of failing
apt_get() {
    DEBIAN_FRONTEND=noninteractive apt-get -y -qq -o DPkg::Lock::Timeout=300 "$@"
}

setup_file() {
    [ "$(id -u)" = 0 ] || return 0 # each test says why it cannot run
    local p missing=
    for p in $INSTALL_TEST_PKGS; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
    done
    if [ -n "$missing" ]; then
        # shellcheck disable=SC2086 # a list of package names
        apt_get install --no-install-recommends $missing >/dev/null ||
            { apt_get update && apt_get install --no-install-recommends $missing >/dev/null; }
    fi
    # one build, installed into a DESTDIR, for the layout tests
    meson setup "$BATS_FILE_TMPDIR/build" "$CGBIND_SRC" --prefix=/usr -Dman=enabled -Dtests=false >"$BATS_FILE_TMPDIR/setup.log" 2>&1 ||
        { cat "$BATS_FILE_TMPDIR/setup.log" >&2; return 1; }
    meson install -C "$BATS_FILE_TMPDIR/build" --destdir "$BATS_FILE_TMPDIR/dest" >"$BATS_FILE_TMPDIR/install.log" 2>&1 ||
        { tail -30 "$BATS_FILE_TMPDIR/install.log" >&2; return 1; }
}

setup() {
    trace_failures_only
    requires root runc hybrid
    D=$BATS_FILE_TMPDIR/dest
    BIN=$D/usr/libexec/cgbind/cgbind
    HOOK_JSON=$D/usr/share/containers/oci/hooks.d/cgbind.json
    VERSION=$(meson introspect --projectinfo "$BATS_FILE_TMPDIR/build" | jq -r .version)
    PKG_INSTALLED_BY_TEST=
    SYSLOGD_PID=
}

teardown() {
    common_teardown
    if [ -n "$SYSLOGD_PID" ]; then
        kill "$SYSLOGD_PID" 2>/dev/null || true
        wait "$SYSLOGD_PID" 2>/dev/null || true
    fi
    if [ -n "$PKG_INSTALLED_BY_TEST" ]; then
        apt_get purge cgbind >/dev/null
        if dpkg-query -W -f='${Status}' cgbind 2>/dev/null | grep -q 'install ok installed'; then
            echo "teardown: the cgbind package is still installed" >&2
            return 1
        fi
    fi
}

# hook_applies JSON CONFIG: the hooks.d "when" gate, as podman and CRI-O
# evaluate it for schema 1.0.0: every annotation pattern pair must match one
# annotation of the container (Go regexps; these simple ones read the same in jq).
hook_applies() {
    jq -e --slurpfile hook "$1" '
        (.annotations // {}) as $ann
        | $hook[0].when.annotations | to_entries
        | all(.key as $k | .value as $v
              | any($ann | to_entries[]; (.key | test($k)) and (.value | test($v))))
    ' "$2" >/dev/null
}

# A container whose workload made the sub-cgroup pids/job with pids.max 7;
# saves it with the binary $1 to $IMG.
save_pids_job() {
    local src
    src=$(new_bundle src "mkdir /sys/fs/cgroup/pids/job && echo 7 > /sys/fs/cgroup/pids/job/pids.max && touch /built && exec sleep 1000")
    run_detached inst-src "$src"
    wait_for "[ -e '$src/rootfs/built' ]"
    IMG=$BATS_TEST_TMPDIR/img.json
    state_of inst-src | "$1" save -o "$IMG"
    cleanup_containers
}

# An image whose only hierarchy is not bound into any runc container: the
# restore fails with status 3 after the sandbox is up, before any change.
unbound_image() {
    BAD_IMG=$BATS_TEST_TMPDIR/unbound.json
    cat >"$BAD_IMG" <<'JSON'
{ "cgbind": 1, "hierarchies": [ { "type": "cgroup", "controllers": ["name=inst-none"],
  "root": { "properties": {}, "children": [ { "name": "x", "properties": {}, "children": [] } ] } } ] }
JSON
}

@test "meson install: the binary in libexecdir, a PATH link to it, and it runs" {
    [ -x "$BIN" ]
    [ ! -L "$BIN" ]
    [ -L "$D/usr/bin/cgbind" ]
    [ "$(readlink "$D/usr/bin/cgbind")" = ../libexec/cgbind/cgbind ]
    run "$D/usr/bin/cgbind" --version
    [ "$status" -eq 0 ]
    [ "$output" = "cgbind $VERSION" ]
}

@test "meson install: the hooks.d JSON is schema 1.0.0, names the installed binary, and is gated on io.cgbind.image" {
    jq -e . "$HOOK_JSON" >/dev/null
    # the 1.0.0 schema's keys, and no others
    [ "$(jq -c 'keys' "$HOOK_JSON")" = '["hook","stages","version","when"]' ]
    [ "$(jq -r .version "$HOOK_JSON")" = 1.0.0 ]
    [ "$(jq -r .hook.path "$HOOK_JSON")" = /usr/libexec/cgbind/cgbind ]
    [ -x "$D$(jq -r .hook.path "$HOOK_JSON")" ]
    [ "$(jq -c '.hook.args[0:2]' "$HOOK_JSON")" = '["cgbind","restore"]' ]
    # the stages where the hook works (one: every run is a whole restore)
    [ "$(jq -c .stages "$HOOK_JSON")" = '["prestart"]' ]
    # the gate: no "always", one annotation pattern, and it means io.cgbind.image with a value
    [ "$(jq -c '.when | keys' "$HOOK_JSON")" = '["annotations"]' ]
    local b=$BATS_TEST_TMPDIR
    echo '{"annotations": {"io.cgbind.image": "/var/lib/cgbind/a.json"}}' >"$b/yes.json"
    echo '{"annotations": {"io.cgbind.mode": "full", "other": "io.cgbind.image"}}' >"$b/no1.json"
    echo '{"annotations": {"io.cgbind.image": ""}}' >"$b/no2.json"
    echo '{"annotations": {"xio.cgbind.image": "a", "io.cgbind.imagex": "a", "io_cgbind_image": "a"}}' >"$b/no3.json"
    echo '{}' >"$b/no4.json"
    hook_applies "$HOOK_JSON" "$b/yes.json"
    for f in no1 no2 no3 no4; do
        run ! hook_applies "$HOOK_JSON" "$b/$f.json"
    done
}

@test "meson options: cgbind_dir, hooks_dir and hook_stage move the binary and the JSON together" {
    local build=$BATS_TEST_TMPDIR/build dest=$BATS_TEST_TMPDIR/dest
    meson setup "$build" "$CGBIND_SRC" --prefix=/usr -Dcgbind_dir=/opt/cgbind/bin \
        -Dhooks_dir=/etc/containers/oci/hooks.d -Dhook_stage=createRuntime -Dbin_link=false \
        -Dman=disabled -Dbash_completion_dir=no -Dtests=false >/dev/null
    meson install -C "$build" --destdir "$dest" >/dev/null
    local json=$dest/etc/containers/oci/hooks.d/cgbind.json
    [ "$(jq -r .hook.path "$json")" = /opt/cgbind/bin/cgbind ]
    [ -x "$dest/opt/cgbind/bin/cgbind" ]
    [ "$(jq -c .stages "$json")" = '["createRuntime"]' ]
    # nothing else: no PATH link, no man pages, no completion
    [ "$(cd "$dest" && find . -type f -o -type l | sort)" = "$(printf '%s\n' ./etc/containers/oci/hooks.d/cgbind.json ./opt/cgbind/bin/cgbind ./opt/cgbind/bin/criu-script ./usr/share/cgbind/criu-runc.conf ./usr/share/cgbind/install-runc-conf.sh)" ]
    # CRIU's action-script: the link beside the binary, and the line naming it
    [ "$(readlink "$dest/opt/cgbind/bin/criu-script")" = cgbind ]
    grep -qx 'action-script /opt/cgbind/bin/criu-script' "$dest/usr/share/cgbind/criu-runc.conf"
}

@test "man pages: cgbind(1) and cgbind-image(5) render with man and groff without a warning" {
    local page
    for page in "$D/usr/share/man/man1/cgbind.1" "$D/usr/share/man/man5/cgbind-image.5"; do
        [ -s "$page" ]
        run bash -c "MANWIDTH=80 man -l --warnings '$page' 2>&1 >/dev/null"
        [ "$status" -eq 0 ]
        [ -z "$output" ]
        run groff -ww -z -man "$page"
        [ "$status" -eq 0 ]
        [ -z "$output" ]
        MANWIDTH=80 man -l "$page" | grep -q '^NAME'
    done
    # every option that `cgbind --help` lists is in cgbind(1)
    local text opt
    text=$(MANWIDTH=400 man -l "$D/usr/share/man/man1/cgbind.1" 2>/dev/null)
    for opt in $("$BIN" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
        grep -q -- "$opt" <<<"$text" || {
            echo "cgbind(1) does not mention $opt" >&2
            return 1
        }
    done
    # and cgbind-image(5) names every key of the image format
    text=$(MANWIDTH=400 man -l "$D/usr/share/man/man5/cgbind-image.5" 2>/dev/null)
    for opt in '"cgbind"' '"created"' '"container"' '"hierarchies"' '"type"' '"controllers"' '"init"' '"root"' '"name"' '"properties"' '"children"'; do
        grep -q -- "$opt" <<<"$text"
    done
}

@test "bash completion: sub-commands, options and modes, and every option of --help" {
    local comp=$D/usr/share/bash-completion/completions/cgbind
    [ -f "$comp" ]
    # complete_words WORD...: what the completion offers for the last word
    cat >"$BATS_TEST_TMPDIR/complete.sh" <<EOF
source '$comp'
COMP_WORDS=("\$@")
COMP_CWORD=\$((\$# - 1))
_cgbind
printf '%s\n' "\${COMPREPLY[@]}"
EOF
    complete_words() { bash "$BATS_TEST_TMPDIR/complete.sh" "$@" | sort | tr '\n' ' '; }
    [ "$(complete_words cgbind re)" = "restore " ]
    [ "$(complete_words cgbind s)" = "save show " ]
    [ "$(complete_words cgbind restore --mode s)" = "soft strict " ]
    [ "$(complete_words cgbind restore --no)" = "--no-move-init --no-sandbox " ]
    [ "$(complete_words cgbind show --)" = "--convert --help --json " ]
    [ "$(complete_words cgbind show --convert v)" = "v1 v2 " ]
    # the file bash-completion loads by command name declares the function
    bash -c "source '$comp' && complete -p cgbind" | grep -q -- '-F _cgbind cgbind'
    local offered opt
    offered="$(complete_words cgbind -) $(complete_words cgbind save -) $(complete_words cgbind restore -) $(complete_words cgbind show -)"
    for opt in $("$BIN" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
        [[ " $offered " == *" $opt "* ]] || {
            echo "the completion does not offer $opt" >&2
            return 1
        }
    done
}

@test "Debian package: dpkg-buildpackage -b builds it from the tree" {
    # a copy: the build writes debian/ files and ../*.deb, and others share the tree
    local work=$BATS_FILE_TMPDIR/deb src=$BATS_FILE_TMPDIR/deb/cgbind-$VERSION
    rm -rf "$work" && mkdir -p "$src"
    tar -C "$CGBIND_SRC" -c --exclude=./.git --exclude='./build*' --exclude='./obj-*' . | tar -C "$src" -x
    # the unit tests have their own suite; a package build must not hang on them
    run bash -c "cd '$src' && DEB_BUILD_OPTIONS=nocheck dpkg-buildpackage -b -uc -us 2>&1"
    if [ "$status" -ne 0 ]; then
        printf '%s\n' "$output" | tail -40 >&2
        return 1
    fi
    local deb
    deb=$work/cgbind_${VERSION}_$(dpkg --print-architecture).deb
    [ -f "$deb" ]
    [ "$(dpkg-deb -f "$deb" Package)" = cgbind ]
    [ "$(dpkg-deb -f "$deb" Version)" = "$VERSION" ]
    # the seccomp filter is compiled at build time and yajl is linked in: libc is the
    # only run-time library (doc/decisions.md)
    dpkg-deb -f "$deb" Depends | grep -q libc6
    run bash -c "dpkg-deb -f '$deb' Depends | grep -E 'libseccomp|libyajl'"
    [ "$status" -eq 1 ]
    # the package holds what meson installs, and the images directory
    local listed f
    listed=$(dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's|^\./|/|')
    for f in $(cd "$D" && find . -type f -o -type l | sed 's|^\.||'); do
        grep -qx -- "$f\(\.gz\)\?" <<<"$listed" || {
            echo "the package lacks $f" >&2
            return 1
        }
    done
    grep -qx /var/lib/cgbind/ <<<"$listed"
}

@test "Debian package: installed, its hooks.d JSON's path and args restore a runc container" {
    local deb
    deb=$BATS_FILE_TMPDIR/deb/cgbind_${VERSION}_$(dpkg --print-architecture).deb
    [ -f "$deb" ] # made by the test before
    if dpkg-query -W -f='${Status}' cgbind 2>/dev/null | grep -q 'install ok installed'; then
        echo "a cgbind package is installed on this machine already; the test does not replace it" >&2
        return 1
    fi
    PKG_INSTALLED_BY_TEST=1
    # dpkg -i, through apt-get so that it waits for the dpkg lock
    apt_get install --no-install-recommends "$deb" >/dev/null
    dpkg-query -W -f='${Status} ${Version}\n' cgbind | grep -qx "install ok installed $VERSION"
    local json
    json=$(dpkg -L cgbind | grep '/hooks.d/cgbind\.json$')
    [ "$json" = /usr/share/containers/oci/hooks.d/cgbind.json ]
    local path args stage
    path=$(jq -r .hook.path "$json")
    args=$(jq -c .hook.args "$json")
    stage=$(jq -r '.stages[0]' "$json")
    [ -x "$path" ]
    [ "$(/usr/bin/cgbind --version)" = "cgbind $VERSION" ]
    man -w cgbind >/dev/null && man -w 5 cgbind-image >/dev/null

    save_pids_job "$path"
    local dst
    dst=$(new_bundle dst "cat /sys/fs/cgroup/pids/job/pids.max")
    # what podman or CRI-O would do with the hooks.d file: the annotation names
    # the image, the gate matches, and the hook goes in verbatim
    bundle_set "$dst" --arg img "$IMG" '.annotations["io.cgbind.image"] = $img'
    hook_applies "$json" "$dst/config.json"
    # (the test's image is not in /var/lib/cgbind: its directory is named)
    bundle_set "$dst" --arg stage "$stage" --arg path "$path" --argjson args "$args" \
        --arg dir "${IMG%/*}" '.hooks[$stage] += [{ path: $path, args: ($args + ["--image-dir", $dir]) }]'
    run_fg inst-deb "$dst"
    [ "$status" -eq 0 ]
    [ "$output" = 7 ]
}

@test "Kubernetes: the DaemonSet manifest parses and names the image and node paths that README.md gives" {
    local manifest=$CGBIND_SRC/contrib/kubernetes/cgbind.yaml readme=$CGBIND_SRC/README.md
    local all
    # Debian's python3, which python3-yaml serves, whatever python3 comes first on PATH
    all=$(/usr/bin/python3 -c 'import json, sys, yaml; print(json.dumps([d for d in yaml.safe_load_all(open(sys.argv[1])) if d]))' "$manifest")
    [ "$(jq -r '[.[].kind] | sort | join(",")' <<<"$all")" = ConfigMap,DaemonSet ]
    local ds cm
    ds=$(jq '.[] | select(.kind == "DaemonSet")' <<<"$all")
    cm=$(jq '.[] | select(.kind == "ConfigMap")' <<<"$all")
    # one image for every container, and README.md names it
    local image
    image=$(jq -r '[.spec.template.spec.initContainers[], .spec.template.spec.containers[] | .image] | unique | .[]' <<<"$ds")
    [ "$(wc -l <<<"$image")" = 1 ]
    grep -qF -- "\`$image\`" "$readme"
    # the ConfigMap is a hooks.d file like the one meson installs, for the node's path
    [ "$(jq -r '.metadata.name' <<<"$cm")" = "$(jq -r '.spec.template.spec.volumes[] | select(.configMap) | .configMap.name' <<<"$ds")" ]
    local hook=$BATS_TEST_TMPDIR/k8s-hook.json
    jq -r '.data["cgbind.json"]' <<<"$cm" >"$hook"
    jq -e . "$hook" >/dev/null
    [ "$(jq -r .version "$hook")" = 1.0.0 ]
    [ "$(jq -c '[.hook.args, .stages]' "$hook")" = "$(jq -c '[.hook.args, .stages]' "$HOOK_JSON")" ]
    [ "$(jq -c '.when.annotations | to_entries | map(select(.key | test("cgbind")))' "$hook")" = \
        "$(jq -c '.when.annotations | to_entries' "$HOOK_JSON")" ]
    # the gate keeps the pod's infra container out
    echo '{"annotations": {"io.cgbind.image": "/var/lib/cgbind/a.json", "io.kubernetes.cri-o.ContainerType": "container"}}' >"$BATS_TEST_TMPDIR/ctr.json"
    echo '{"annotations": {"io.cgbind.image": "/var/lib/cgbind/a.json", "io.kubernetes.cri-o.ContainerType": "sandbox"}}' >"$BATS_TEST_TMPDIR/infra.json"
    hook_applies "$hook" "$BATS_TEST_TMPDIR/ctr.json"
    run ! hook_applies "$hook" "$BATS_TEST_TMPDIR/infra.json"
    # hostPath volumes: the binary's directory and the hooks.d directory, both in README.md
    local bin_path bin_dir hooks_dir
    bin_path=$(jq -r .hook.path "$hook")
    bin_dir=$(dirname "$bin_path")
    jq -e --arg d "$bin_dir" '[.spec.template.spec.volumes[] | .hostPath.path] | index($d)' <<<"$ds" >/dev/null
    hooks_dir=$(jq -r '.spec.template.spec.volumes[] | select(.hostPath.path | test("hooks\\.d$")?) | .hostPath.path' <<<"$ds")
    [ -n "$hooks_dir" ]
    grep -qF -- "\`$bin_path\`" "$readme"
    grep -qF -- "\`$hooks_dir/cgbind.json\`" "$readme"
    # the install script writes the files where those volumes are mounted
    local script mnt_bin mnt_hooks
    script=$(jq -r '.spec.template.spec.initContainers[0].command[-1]' <<<"$ds")
    mnt_bin=$(jq -r --arg d "$bin_dir" '.spec.template.spec.volumes[] | select(.hostPath.path == $d) | .name' <<<"$ds")
    mnt_bin=$(jq -r --arg n "$mnt_bin" '.spec.template.spec.initContainers[0].volumeMounts[] | select(.name == $n) | .mountPath' <<<"$ds")
    mnt_hooks=$(jq -r --arg d "$hooks_dir" '.spec.template.spec.volumes[] | select(.hostPath.path == $d) | .name' <<<"$ds")
    mnt_hooks=$(jq -r --arg n "$mnt_hooks" '.spec.template.spec.initContainers[0].volumeMounts[] | select(.name == $n) | .mountPath' <<<"$ds")
    grep -qF -- "$mnt_bin/$(basename "$bin_path")" <<<"$script"
    grep -qF -- "$mnt_hooks/cgbind.json" <<<"$script"
    # the binary the script copies is the one the Containerfile puts in the image
    local from
    from=$(grep -o '/usr/libexec/cgbind/cgbind' <<<"$script" | head -1)
    grep -q "^COPY --from=build .* $from\$" "$CGBIND_SRC/contrib/kubernetes/Containerfile"
    # and CRI-O's drop-in reads the hooks directory the DaemonSet writes
    /usr/bin/python3 -c 'import sys, tomllib; d = tomllib.load(open(sys.argv[1], "rb")); sys.exit(sys.argv[2] not in d["crio"]["runtime"]["hooks_dir"])' \
        "$CGBIND_SRC/contrib/cri-o/10-cgbind.conf" "$hooks_dir"
}

@test "Kubernetes: the DaemonSet's static binary builds with contrib/kubernetes/build-static.sh and runs" {
    run "$CGBIND_SRC/contrib/kubernetes/build-static.sh" "$CGBIND_SRC" "$BATS_TEST_TMPDIR/static"
    [ "$status" -eq 0 ]
    [ "${lines[-1]}" = "cgbind $VERSION" ]
    # no dynamic section: it runs on a node whatever libraries the node has
    [ -z "$(readelf -d "$BATS_TEST_TMPDIR/static/cgbind" | grep NEEDED)" ]
}

@test "the RPM spec and debian/changelog carry meson's version, and the spec's %files cover the install" {
    local spec=$CGBIND_SRC/contrib/cgbind.spec
    [ "$(awk '$1 == "Version:" { print $2 }' "$spec")" = "$VERSION" ]
    [ "$(cd "$CGBIND_SRC" && dpkg-parsechangelog -S Version)" = "$VERSION" ]
    # %files, with the macros of a /usr prefix
    local files f pat ok
    files=$(sed -n '/^%files/,/^%changelog/p' "$spec" | grep '^[%/]' | grep -v '^%files\|^%changelog\|^%doc\|^%license' |
        sed -e 's/^%dir //' -e 's|%{_libexecdir}|/usr/libexec|' -e 's|%{_bindir}|/usr/bin|' \
            -e 's|%{_mandir}|/usr/share/man|' -e 's|%{_datadir}|/usr/share|' -e 's|%{_sharedstatedir}|/var/lib|')
    [[ $files != *%* ]]
    for f in $(cd "$D" && find . -type f -o -type l | sed 's|^\.||'); do
        ok=
        while read -r pat; do
            # shellcheck disable=SC2053 # the pattern is a glob on purpose
            [[ $f == $pat ]] && ok=1
        done <<<"$files"
        [ -n "$ok" ] || {
            echo "%files does not list $f" >&2
            return 1
        }
    done
}

@test "--log FILE receives a failing restore's error, with the container id; --debug adds each operation's host path" {
    unbound_image
    local log=$BATS_TEST_TMPDIR/cgbind.log dst
    dst=$(new_bundle dst "echo ran")
    bundle_set "$dst" --arg path "$BIN" --arg img "$BAD_IMG" --arg log "$log" \
        '.hooks.prestart += [{ path: $path, args: ["cgbind", "restore", "--image", $img, "--log", $log] }]'
    run_fg inst-log "$dst"
    [ "$status" -ne 0 ]
    [[ "$output" != *ran* ]]
    # runc reports the hook's stderr; the file has the same message, with time, pid, level and id
    [[ "$output" == *"cgbind: restore: hierarchy (name=inst-none)"* ]]
    run cat "$log"
    [ "${#lines[@]}" -eq 1 ]
    [[ "${lines[0]}" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z\ cgbind\[[0-9]+\]\ error\ container=inst-log\ restore:\ hierarchy\ \(name=inst-none\):\ .*not\ bound ]]

    # a successful restore: the summary at info, each operation at debug with its host path
    save_pids_job "$BIN"
    : >"$log"
    dst=$(new_bundle dst2 "cat /sys/fs/cgroup/pids/job/pids.max")
    bundle_set "$dst" --arg path "$BIN" --arg img "$IMG" --arg log "$log" \
        '.hooks.prestart += [{ path: $path, args: ["cgbind", "restore", "--image", $img, "--log", $log, "--debug"] }]'
    run_fg inst-log-ok "$dst"
    [ "$status" -eq 0 ]
    [[ "$output" == *7 ]]
    local top
    top=$(cg_v1_mount pids)
    grep -E " debug container=inst-log-ok restore: mkdir $top/.*/?inst-log-ok/job\$" "$log"
    grep -E " debug container=inst-log-ok restore: write $top/.*/?inst-log-ok/job/pids.max = \"7\"\$" "$log"
    grep -E " info container=inst-log-ok restore: restored with mode soft: 1 cgroups created" "$log"
}

@test "--syslog: a failing restore's error reaches a real syslog daemon, facility daemon, with the container id" {
    unbound_image
    local syslog=$BATS_TEST_TMPDIR/syslog.txt
    # busybox syslogd owns /dev/log (and its pid file in /run) in a mount
    # namespace of its own: the host's /dev/log, if any, is never touched
    unshare --mount --propagation private -- sh -c '
        mount -t tmpfs -o mode=0755,size=1m inst-dev /dev &&
        mount -t tmpfs -o mode=0755,size=1m inst-run /run &&
        exec busybox syslogd -n -O "$1"' sh "$syslog" </dev/null >"$BATS_TEST_TMPDIR/syslogd.out" 2>&1 3>&- &
    SYSLOGD_PID=$!
    wait_for "nsenter -t $SYSLOGD_PID -m -- test -S /dev/log"

    local dst
    dst=$(new_bundle dst "sleep 1000")
    CONTAINERS+=(inst-syslog)
    (cd "$dst" && $RUNTIME create inst-syslog </dev/null >/dev/null 2>&1)
    # the hook as a runtime runs it, state on stdin, in the daemon's mount namespace
    run --separate-stderr bash -c "$RUNTIME state inst-syslog | nsenter -t $SYSLOGD_PID -m -- '$BIN' restore --syslog --image '$BAD_IMG'"
    [ "$status" -eq 3 ]
    assert_one_error_line
    # shellcheck disable=SC2154 # stderr: set by bats' run --separate-stderr
    local message=${stderr#cgbind: restore: }
    wait_for "grep -q 'cgbind\[[0-9]*\]: container=inst-syslog restore: ' '$syslog'"
    run grep 'cgbind\[' "$syslog"
    [ "${#lines[@]}" -eq 1 ]
    [[ "${lines[0]}" == *" daemon.err cgbind["*"]: container=inst-syslog restore: $message" ]]
}

@test "the README's demo (contrib/demo.sh) restores demo-dst's tree, and its side-by-side view lines up by character" {
    local work=$BATS_TEST_TMPDIR/demo
    run env CGBIND_DEMO_DIR="$work" "$CGBIND_SRC/contrib/demo.sh" </dev/null
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"demo-dst started with its sub-tree restored"* ]]
    # what demo-dst saw inside is the tree that was saved: every saved limit
    # line of the inside view is there (pids.max=20 of app/db on every layout)
    grep -q 'pids.max=20' "$work/restored.txt"
    # the view: line i is saved line i, padding, then line i of the right
    # text ("inside demo-dst:" and the inside tree); where a right part is
    # there, it starts at the same character on every line
    local -a left right view
    mapfile -t left <"$work/saved.txt"
    mapfile -t right < <(echo "inside demo-dst:"; cat "$work/restored.txt")
    mapfile -t view < <(sed -n '/^== 4\./,/^$/p' <<<"$output" | sed '1d;$d')
    [ "${#view[@]}" -ge "${#right[@]}" ]
    local i col=-1 l
    export LC_ALL=C.UTF-8
    for ((i = 0; i < ${#right[@]}; i++)); do
        [ -n "${right[i]}" ] || continue
        l=${view[i]%"${right[i]}"}
        [ "$l" != "${view[i]}" ]
        [[ "$l" == "${left[i]:-}"* ]]
        [ "$col" -lt 0 ] && col=${#l}
        [ "${#l}" -eq "$col" ] || { echo "line $i starts its right part at ${#l}, not $col: ${view[i]}"; false; }
    done
    # the saved tree has box-drawing characters (three bytes each): padding
    # by bytes would have failed above
    grep -q '─' "$work/saved.txt"
}
