#!/bin/bash
# The husk CLI end to end (run by tests/run.sh with BUILD set): every verb,
# round trips through save and load, interoperation with skopeo and podman,
# two loads at once, a load killed halfway, and archives that must be
# refused. Each case prints PASS:, FAIL: or SKIP: with its reason. Works in
# a temporary HUSK_HOME that it removes.
#
# tests/run.sh: alone
# (dockerd, podman and skopeo: no other suite runs beside it)
set -u
cd "$(dirname "$0")/../.."
B=${BUILD:-build}
case $B in /*) BD=$B ;; *) BD=$PWD/$B ;; esac
H=$BD/bin/husk
T=$(mktemp -d /tmp/husk-cli-XXXXXX)
export HUSK_HOME=$T/home
unset SOURCE_DATE_EPOCH
ENG=$T/eng # the private dockerd of the docker save part
trap 'engines_stop; rm -rf "$T"' EXIT

SUITE=cli
# shellcheck source=tests/suites/common.bash
. tests/suites/common.bash
# shellcheck source=tests/suites/engines.bash
. tests/suites/engines.bash

# check NAME COMMAND...: passes when the command succeeds.
check() {
	local name=$1
	shift
	if "$@" >/dev/null 2>&1; then ok "$name"; else bad "$name" "$*"; fi
}

if [ ! -x "$H" ]; then
	bad "husk" "$H was not built"
	exit 0
fi

# A root filesystem: a static busybox, a symlink, a hard link, modes.
make_rootfs() {
	mkdir -p "$1/bin" "$1/etc" "$1/tmp"
	cp /bin/busybox "$1/bin/busybox" 2>/dev/null || printf '#!/bin/sh\n' >"$1/bin/busybox"
	ln -sf busybox "$1/bin/sh"
	echo "$2" >"$1/etc/motd"
	ln -f "$1/etc/motd" "$1/etc/motd.link"
	chmod 1777 "$1/tmp"
}
make_rootfs "$T/root" "hello from husk"
make_rootfs "$T/root2" "second image"

state() { # what a refused command must not change
	echo "$(sha256sum <"$HUSK_HOME/index.json") $(ls "$HUSK_HOME/blobs/sha256" | wc -l)"
}

# ---- help and version ----
expect "husk --help lists the commands" 0 'images +List images' "$H" --help
expect "husk COMMAND --help" 0 '--digests' "$H" images --help
expect "husk version" 0 '^husk version [0-9]' "$H" version
expect "husk info: the store and what it holds" 0 'Images: +0' "$H" info
expect "husk info: HUSK_MONITOR=qemu picks the QEMU fallback" 0 'Monitor: +QEMU microvm' env HUSK_MONITOR=qemu "$H" info
expect "husk info: HUSK_MONITOR=vmm picks husk-vmm" 0 'Monitor: +husk-vmm on KVM' env HUSK_MONITOR=vmm "$H" info
expect "husk info: a bad HUSK_MONITOR is named" 0 'HUSK_MONITOR=bogus: expected auto, vmm or qemu' env HUSK_MONITOR=bogus "$H" info
expect "unknown command is exit 125" 125 "^husk: 'frobnicate' is not a husk command" "$H" frobnicate
expect "unknown flag is exit 125" 125 '^husk: unknown flag: --bogus' "$H" images --bogus
expect "missing argument is exit 125" 125 'requires at least 1 argument' "$H" rmi

# ---- import ----
expect "images on a new store prints the header" 0 \
	'^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE$' "$H" images
check "the store is an OCI layout" test -f "$HUSK_HOME/oci-layout" -a -f "$HUSK_HOME/index.json" -a -d "$HUSK_HOME/blobs/sha256"
expect "import a directory" 0 '^sha256:[0-9a-f]{64}$' "$H" import "$T/root" app:1
id1=$(SOURCE_DATE_EPOCH=1700000000 "$H" import "$T/root" repro:a)
id2=$(SOURCE_DATE_EPOCH=1700000000 "$H" import "$T/root" repro:b)
if [ -n "$id1" ] && [ "$id1" = "$id2" ]; then ok "import with SOURCE_DATE_EPOCH is reproducible"; else bad "import reproducible" "$id1 vs $id2"; fi
tar -C "$T/root" -cf "$T/root.tar" .
id3=$(SOURCE_DATE_EPOCH=1700000000 "$H" import "$T/root.tar" repro:tar)
id4=$(SOURCE_DATE_EPOCH=1700000000 "$H" import "$T/root.tar" repro:tar2)
if [ -n "$id3" ] && [ "$id3" = "$id4" ]; then ok "import of a tar is reproducible"; else bad "import tar" "$id3 vs $id4"; fi
gzip -c "$T/root.tar" >"$T/root.tar.gz"
expect "import a gzip'ed tar from standard input" 0 '^sha256:' sh -c "'$H' import - fromstdin:gz <'$T/root.tar.gz'"
expect "import of a missing source names it" 125 "husk: $T/nowhere: No such file" "$H" import "$T/nowhere" x
expect "import with a bad name is refused" 125 'invalid reference format' "$H" import "$T/root" 'Bad Name'
layer=$("$H" inspect --format '{{join .RootFS.Layers ","}}' repro:a)
blob=$(jq -r '.layers[0].digest' "$HUSK_HOME/blobs/sha256/$(jq -r '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"]=="docker.io/library/repro:a") | .digest' "$HUSK_HOME/index.json" | cut -c8-)" 2>/dev/null)
listing=$(TZ=UTC tar -tvzf "$HUSK_HOME/blobs/sha256/${blob#sha256:}" 2>/dev/null)
if grep -q 'bin/sh -> busybox' <<<"$listing" && grep -q 'etc/motd.link link to etc/motd' <<<"$listing" &&
	grep -q '^drwxrwxrwt .* tmp/$' <<<"$listing" && grep -q '2023-11-14' <<<"$listing"; then
	ok "the layer keeps symlinks, hard links, modes and clamped times"
else
	bad "layer content" "$(head -n 8 <<<"$listing")"
fi
[ "$(gzip -cd "$HUSK_HOME/blobs/sha256/${blob#sha256:}" | sha256sum | cut -d' ' -f1)" = "${layer#sha256:}" ] &&
	ok "the config's diff_id is the uncompressed layer's digest" || bad "diff_id" "$layer"

# ---- images ----
expect "images lists names, short form" 0 '^app +1 +[0-9a-f]{12} +(Less than a second|[0-9]+ seconds?|About a minute|[0-9]+ minutes) ago +[0-9.]+[kM]?B$' "$H" images
expect "images shows SOURCE_DATE_EPOCH ages" 0 '^repro +a +[0-9a-f]{12} +[0-9]+ years ago' "$H" images
expect "images -q" 0 '^[0-9a-f]{12}$' "$H" images -q app
expect "images --no-trunc" 0 '^app +1 +sha256:[0-9a-f]{64} ' "$H" images --no-trunc
expect "images --digests" 0 '^REPOSITORY +TAG +DIGEST +IMAGE ID' "$H" images --digests
expect "images --format" 0 '^app:1$' "$H" images --format '{{.Repository}}:{{.Tag}}' app
expect "images --format table" 0 '^REPOSITORY +IMAGE ID$' "$H" images --format 'table {{.Repository}}\t{{.ID}}'
expect "images REPOSITORY filters" 0 '^repro:a repro:b repro:tar repro:tar2 $' sh -c "'$H' images --format '{{.Repository}}:{{.Tag}}' repro | sort | tr '\n' ' '"
expect "images --format refuses what it cannot do" 125 'template' "$H" images --format '{{range .}}x{{end}}'

# ---- inspect ----
full=$("$H" images -q --no-trunc app:1)
expect "inspect shows Docker's fields" 0 '"RepoTags": \[' "$H" inspect app:1
expect "inspect output is JSON" 0 '^amd64 linux 1$' sh -c "'$H' inspect app:1 | jq -r '.[0].Architecture + \" \" + .[0].Os + \" \" + (.[0].RootFS.Layers | length | tostring)'"
expect "inspect --format {{.Id}}" 0 "^$full\$" "$H" inspect --format '{{.Id}}' app:1
expect "inspect by ID prefix" 0 '^\["app:1"\]$' "$H" inspect --format '{{json .RepoTags}}' "${full:7:12}"
expect "inspect --format {{.Config.Cmd}} (none: [])" 0 '^\[\]$' "$H" inspect --format '{{.Config.Cmd}}' app:1
expect "inspect of a missing image is exit 1" 1 '^husk: No such image: ghost' "$H" inspect ghost

# ---- history ----
expect "history" 0 '^IMAGE +CREATED +CREATED BY +SIZE +COMMENT' "$H" history app:1
expect "history shows the import" 0 "^${full:7:12} .*Imported from root" "$H" history app:1

# ---- tag ----
check "tag" "$H" tag app:1 registry.example:5000/team/app:v2
expect "tag adds a name" 0 '^registry.example:5000/team/app +v2 ' "$H" images
expect "tag of a missing image is exit 1" 1 'No such image: ghost' "$H" tag ghost x
expect "tag to a bad name is exit 125" 125 'invalid reference format' "$H" tag app:1 'UP:per'

# ---- save and load ----
expect "save -o" 0 '^$' "$H" save -o "$T/app.tar" app:1 repro:a
expect "save of a missing image is exit 1" 1 'No such image: ghost' "$H" save -o "$T/x.tar" ghost
check "a failed save leaves no file" test ! -e "$T/x.tar"
if tar -tf "$T/app.tar" | grep -qx manifest.json && tar -tf "$T/app.tar" | grep -qx index.json &&
	tar -tf "$T/app.tar" | grep -qx oci-layout && tar -tf "$T/app.tar" | grep -qx repositories; then
	ok "save writes docker-archive and OCI layout in one tar"
else
	bad "save layout" "$(tar -tf "$T/app.tar" | head)"
fi
before=$("$H" images --format '{{.Repository}}:{{.Tag}} {{.ID}}' | sort)
expect "load into a fresh store" 0 '^Loaded image: app:1$' env HUSK_HOME="$T/other" "$H" load -i "$T/app.tar"
after=$(HUSK_HOME=$T/other "$H" images --format '{{.Repository}}:{{.Tag}} {{.ID}}' | sort)
if [ "$after" = "$(grep -E '^(app:1|repro:a) ' <<<"$before")" ]; then ok "round trip keeps names and IDs"; else bad "round trip" "$after"; fi
expect "save to a pipe, load from standard input, gzip'ed" 0 '^Loaded image: repro:b$' \
	sh -c "'$H' save repro:b | gzip | HUSK_HOME='$T/other' '$H' load"
expect "load -q is quiet" 0 '^$' env HUSK_HOME="$T/other" "$H" load -q -i "$T/app.tar"

# ---- rmi ----
expect "rmi of a name with others only untags" 0 '^Untagged: registry.example:5000/team/app:v2$' "$H" rmi registry.example:5000/team/app:v2
"$H" tag app:1 other/app:1
expect "rmi of an ID with names in two repositories needs -f" 125 'must be forced' "$H" rmi "${full:7:12}"
expect "rmi -f of that ID deletes it" 0 "Deleted: $full" "$H" rmi -f "${full:7:12}"
expect "rmi of a missing image is exit 1" 1 '^husk: No such image: ghost$' "$H" rmi ghost
expect "rmi goes on after a missing image" 1 'Untagged: repro:tar' "$H" rmi ghost repro:tar

# ---- interoperation ----
if ! command -v skopeo >/dev/null; then
	skip "skopeo" "skopeo is not installed (scripts/setup.sh installs it)"
else
	expect "skopeo inspect docker-archive: of husk save" 0 '"Architecture": "amd64"' \
		skopeo inspect "docker-archive:$T/app.tar:app:1"
	expect "skopeo inspect oci-archive: of husk save" 0 '"Digest": "sha256:' \
		skopeo inspect "oci-archive:$T/app.tar:1"
	if skopeo copy -q "docker-archive:$T/app.tar:repro:a" "oci:$T/ocidir:base" >/dev/null 2>&1 &&
		skopeo copy -q "oci:$T/ocidir:base" "oci-archive:$T/sk.tar:skopeo/made:1" >/dev/null 2>&1; then
		expect "husk load of skopeo copy's oci-archive" 0 '^Loaded image: skopeo/made:1$' "$H" load -i "$T/sk.tar"
		expect "the skopeo-made image has its layer" 0 '^1$' "$H" inspect --format '{{len .RootFS.Layers}}' skopeo/made:1
	else
		bad "skopeo copy" "could not build an oci-archive with skopeo"
	fi
fi

podman_env() {
	mkdir -p "$T/podman"
	printf '[engine]\nruntime = "runc"\ncgroup_manager = "cgroupfs"\nevents_logger = "none"\n' >"$T/podman/containers.conf"
	printf '[storage]\ndriver = "vfs"\ngraphroot = "%s/podman/root"\nrunroot = "%s/podman/run"\n' "$T" "$T" >"$T/podman/storage.conf"
	export CONTAINERS_CONF=$T/podman/containers.conf CONTAINERS_STORAGE_CONF=$T/podman/storage.conf
}
if ! command -v podman >/dev/null; then
	skip "podman" "podman is not installed (scripts/setup.sh installs it)"
else
	podman_env
	if ! out=$(timeout 120 podman load -i "$T/app.tar" 2>&1); then
		skip "podman load" "podman cannot run here: $(tail -n 1 <<<"$out")"
	else
		pid=$(timeout 60 podman images --no-trunc --format '{{.ID}}' localhost/app:1 2>/dev/null)
		hid=$("$H" images -q --no-trunc repro:a)
		if grep -q 'Loaded image' <<<"$out" && [ -n "$pid" ]; then ok "podman load of husk save"; else bad "podman load" "$out"; fi
		rid=$(timeout 60 podman images --no-trunc --format '{{.ID}}' localhost/repro:a 2>/dev/null)
		[ "sha256:${rid#sha256:}" = "$hid" ] && ok "podman sees husk's image ID" || bad "podman image ID" "$rid vs $hid"
		timeout 60 podman save -q -o "$T/pd.tar" localhost/repro:a >/dev/null 2>&1
		expect "husk load of podman save (docker-archive with links)" 0 '^Loaded image: localhost/repro:a$' \
			env HUSK_HOME="$T/fromp" "$H" load -i "$T/pd.tar"
		timeout 60 podman save -q --format oci-archive -o "$T/po.tar" localhost/repro:a >/dev/null 2>&1
		expect "husk load of podman save --format oci-archive" 0 '^Loaded image: localhost/repro:a$' \
			env HUSK_HOME="$T/fromp2" "$H" load -i "$T/po.tar"
		[ "$(HUSK_HOME=$T/fromp "$H" images -q --no-trunc localhost/repro:a)" = "$hid" ] &&
			ok "the podman round trip keeps the ID" || bad "podman round trip ID" "differs"
	fi
fi

# ---- concurrency: two loads at once, then more ----
"$H" save -o "$T/r2.tar" repro:b
"$H" import "$T/root2" second:1 >/dev/null && "$H" save -o "$T/second.tar" second:1
export HUSK_HOME=$T/conc
"$H" load -q -i "$T/app.tar" & p1=$!
"$H" load -q -i "$T/second.tar" & p2=$!
"$H" load -q -i "$T/r2.tar" & p3=$!
wait $p1; r1=$?; wait $p2; r2=$?; wait $p3; r3=$?
names=$("$H" images --format '{{.Repository}}:{{.Tag}}' | sort | tr '\n' ' ')
if [ "$r1$r2$r3" = 000 ] && [ "$names" = "app:1 repro:a repro:b second:1 " ]; then
	ok "three loads at once: all images there"
else
	bad "concurrent loads" "status $r1$r2$r3, images: $names"
fi
"$H" rmi -f app:1 >/dev/null & "$H" load -q -i "$T/second.tar" & "$H" tag repro:a tagged:1 & wait
expect "rmi, load and tag at once" 0 '^repro:a repro:b second:1 tagged:1 $' sh -c "'$H' images --format '{{.Repository}}:{{.Tag}}' | sort | tr '\n' ' '"

# ---- a load killed halfway ----
export HUSK_HOME=$T/kill
"$H" load -q -i "$T/second.tar"
mkfifo "$T/fifo"
"$H" load -i "$T/fifo" >/dev/null 2>&1 & lp=$!
exec 7>"$T/fifo"
head -c $(($(stat -c %s "$T/app.tar") / 2)) "$T/app.tar" >&7
for _ in $(seq 50); do
	[ -n "$(ls "$HUSK_HOME/tmp" 2>/dev/null)" ] && break
	sleep 0.2
done
kill -9 $lp 2>/dev/null
wait $lp 2>/dev/null
exec 7>&-
leftover=$(ls "$HUSK_HOME/tmp" | wc -l)
expect "after a SIGKILL mid-load the store still works" 0 '^second:1$' "$H" images --format '{{.Repository}}:{{.Tag}}'
[ "$leftover" -ge 1 ] && ok "the killed load left its staging directory" || bad "killed load" "nothing staged (killed too early?)"
"$H" tag second:1 second:2
[ -z "$(ls "$HUSK_HOME/tmp")" ] && ok "the next changing command removes the leftovers" || bad "leftovers" "$(ls "$HUSK_HOME/tmp")"
expect "the same load then works" 0 'Loaded image: app:1' "$H" load -i "$T/app.tar"

# ---- bad archives: refused, named, store unchanged ----
bad_archive() { # NAME FILE REGEX
	local s0 s1
	s0=$(state)
	expect "$1" 125 "$3" "$H" load -i "$2"
	s1=$(state)
	[ "$s0" = "$s1" ] && ok "$1: store unchanged" || bad "$1: store unchanged" "$s0 -> $s1"
}
head -c 20000 "$T/app.tar" >"$T/truncated.tar"
bad_archive "truncated archive" "$T/truncated.tar" "husk: $T/truncated.tar: .*truncated"
mkdir -p "$T/wrong/blobs/sha256" && tar -C "$T/wrong" -xf "$T/app.tar"
cfg=$(jq -r '.[0].Config' "$T/wrong/manifest.json")
jq -c '.architecture = "arm64"' "$T/wrong/$cfg" >"$T/cfg" && cp "$T/cfg" "$T/wrong/$cfg"
tar -C "$T/wrong" -cf "$T/wrong.tar" .
bad_archive "blob with a wrong digest" "$T/wrong.tar" "entry \"$cfg\": content does not match its digest"
mkdir -p "$T/nomf" && tar -C "$T/nomf" -xf "$T/app.tar" && rm "$T/nomf/manifest.json" &&
	rm "$T/nomf/blobs/sha256/$(jq -r '.manifests[0].digest' "$T/nomf/index.json" | cut -c8-)"
tar -C "$T/nomf" -cf "$T/nomf.tar" .
bad_archive "missing manifest" "$T/nomf.tar" "missing from the archive"
mkdir -p "$T/ev/in" && echo x >"$T/ev/x" && (cd "$T/ev/in" && tar -P -cf "$T/dotdot.tar" ../x 2>/dev/null)
bad_archive "entry ../x" "$T/dotdot.tar" "entry \"\.\./x\": a path that climbs out"
tar -P -cf "$T/abs.tar" "$T/ev/x" 2>/dev/null
bad_archive "absolute entry" "$T/abs.tar" "entry \"$T/ev/x\": an absolute path"
echo "not an archive" >"$T/junk"
bad_archive "not an archive at all" "$T/junk" "husk: $T/junk: not a tar archive"
bad_archive "an archive of something else" "$T/root.tar" "neither a docker-archive"

# ---- system prune ----
export HUSK_HOME=$T/prune
"$H" load -q -i "$T/app.tar"
"$H" tag app:1 keep:1
printf orphan >"$T/orphan"
cp "$T/orphan" "$HUSK_HOME/blobs/sha256/$(sha256sum <"$T/orphan" | cut -d' ' -f1)"
"$H" import "$T/root2" app:1 >/dev/null # app:1 moves: its old image keeps keep:1
"$H" tag repro:a app:1 # and the import is now untagged
echo half >"$HUSK_HOME/tmp/blob-dead" # a writer that died
expect "system prune asks first (no answer: nothing removed)" 0 'Are you sure' sh -c "'$H' system prune </dev/null"
check "nothing was removed without an answer" test -e "$HUSK_HOME/tmp/blob-dead"
expect "system prune -f" 0 'Total reclaimed space: [0-9.]+[kM]?B' "$H" system prune -f
check "prune removed the dead temporary" test ! -e "$HUSK_HOME/tmp/blob-dead"
check "prune removed the orphan blob" test ! -e "$HUSK_HOME/blobs/sha256/$(sha256sum <"$T/orphan" | cut -d' ' -f1)"
expect "prune kept the named images" 0 '^app:1 keep:1 repro:a $' sh -c "'$H' images --format '{{.Repository}}:{{.Tag}}' | sort | tr '\n' ' '"
expect "prune removed the untagged image" 0 '^$' sh -c "'$H' images | grep '<none>'; true"

# ---- a docker save archive made by Debian's docker.io, loaded and run ----
# A private dockerd (tests/suites/engines.bash) builds a FROM scratch image
# of the static hello and a busybox one, docker save writes both in one
# archive, and husk load and husk run --rm take it from there, on husk-vmm
# or, without KVM, on the QEMU fallback: the program really runs.
docker_save_part() {
	local f out rc
	for f in "$BD/husk.elf" "$BD/tests/rootfs/bin/hello-musl"; do
		[ -f "$f" ] || { bad "docker save" "$f was not built"; return; }
	done
	mkdir -p "$ENG"
	engines_images "$BD/tests/rootfs/bin/hello-musl"
	if ! dockerd_start "$BD/bin/husk-runtime"; then
		bad "dockerd" "did not come up: $(tail -n 3 "$ENG/dockerd.log")"
		return
	fi
	docker_cmd import "$ENG/img/busybox.tar" husk-busybox-base >/dev/null &&
		docker_cmd build -q -t husk-hello "$ENG/img/hello" >/dev/null &&
		docker_cmd build -q -t husk-busy "$ENG/img/busy" >/dev/null &&
		docker_cmd save -o "$ENG/saved.tar" husk-hello husk-busy
	rc=$?
	if [ $rc != 0 ] || [ ! -s "$ENG/saved.tar" ]; then
		bad "docker build and docker save" "status $rc: $(tail -n 3 "$ENG/dockerd.log")"
		return
	fi
	export HUSK_HOME=$T/fromdocker
	expect "husk load of docker save (docker.io $("$DOCKER" version -f '{{.Server.Version}}' 2>/dev/null))" 0 \
		'Loaded image: husk-hello:latest' "$H" load -i "$ENG/saved.tar"
	expect "docker save: both images loaded" 0 '^husk-busy:latest husk-hello:latest $' \
		sh -c "'$H' images --format '{{.Repository}}:{{.Tag}}' | sort | tr '\n' ' '"
	[ "$("$H" inspect -f '{{.Id}}' husk-hello)" = "$(docker_cmd inspect -f '{{.Id}}' husk-hello)" ] &&
		ok "docker save: husk keeps docker's image ID" || bad "docker save: image ID" "differs"
	expect "husk run --rm of the docker-built FROM scratch image: output and status" 3 \
		'^hello world from /hello$' timeout 300 "$H" run --rm husk-hello
	expect "husk run --rm of the docker-built busybox image: ENV and CMD" 0 \
		'^hi from busybox$' timeout 300 "$H" run --rm husk-busy
	expect "husk run --rm of the busybox image with a command" 7 '^out$' \
		timeout 300 "$H" run --rm husk-busy sh -c 'echo out; exit 7'
}
if [ "$(id -u)" != 0 ]; then
	skip "docker save" "dockerd needs root"
elif ! command -v "$DOCKER" >/dev/null || ! command -v dockerd >/dev/null; then
	skip "docker save" "docker.io is not installed (scripts/setup.sh installs it)"
else
	docker_save_part
fi
