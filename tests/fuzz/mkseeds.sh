#!/bin/bash
# Regenerates the seed corpora in tests/fuzz/corpus/ (they are committed;
# run this only to change them). Each seed is a small real input: programs
# built here, an initrd as `cpio -o -H newc` writes it, the Dockerfiles of
# tests/dockerfiles, the unit tests' config.json and runc's, archives that
# `husk save` wrote (and their halves), and scripts of a well-behaved
# virtio-net driver and console (the formats are described at the top of
# fuzz_virtio.c and fuzz_console.c).
#
# usage: tests/fuzz/mkseeds.sh BUILD   (BUILD holds bin/husk)
set -eu
cd "$(dirname "$0")/../.."
build=${1:?usage: tests/fuzz/mkseeds.sh BUILD}
out=tests/fuzz/corpus
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rm -rf "$out"
mkdir -p "$out"/{elf,cpio,dockerfile,dockerignore,oci_spec,archive,virtio,console}

# elf: static and dynamic, glibc and musl, PIE and not; stripped (small).
printf 'int main(void){return 0;}\n' >"$tmp/t.c"
gcc -O2 -s -o "$out/elf/pie-glibc" "$tmp/t.c"
gcc -O2 -s -no-pie -o "$out/elf/exec-glibc" "$tmp/t.c"
musl-gcc -O2 -s -static -o "$out/elf/static-musl" "$tmp/t.c"
musl-gcc -O2 -s -static-pie -o "$out/elf/static-pie-musl" "$tmp/t.c"
head -c 100 "$out/elf/static-musl" >"$out/elf/truncated"
chmod 644 "$out"/elf/*

# cpio: a tree with every kind of entry, newc and crc.
mkdir -p "$tmp/root/a/b" && cd "$tmp/root"
printf 'hello\n' >a/b/file && ln a/b/file hard && ln -s a/b/file rel &&
	ln -s /a/b/file abs && mkfifo fifo && chmod 4755 a/b/file &&
	touch -d @1500000000 . a a/b
find . | LC_ALL=C sort | cpio -o -H newc --quiet >"$OLDPWD/$out/cpio/tree-newc"
find . | LC_ALL=C sort | cpio -o -H crc --quiet >"$OLDPWD/$out/cpio/tree-crc"
cd "$OLDPWD"

# dockerfile: the tests' own.
for f in tests/dockerfiles/*.Dockerfile tests/dockerfiles/*/Dockerfile \
	tests/dockerfiles/build-bad/*.Dockerfile; do
	n=${f#tests/dockerfiles/}
	cp "$f" "$out/dockerfile/${n//\//-}"
done

# dockerignore: the tests' ignore files and a few of every pattern kind,
# each followed by a NUL and context paths (fuzz_dockerignore.c).
paths='src/a.go\nnode_modules/x/y.js\n.git/HEAD\ndocs/README.md\nbuild/out.o\na/b/c/d'
for f in tests/dockerfiles/.dockerignore \
	tests/dockerfiles/node-web.Dockerfile.dockerignore \
	tests/dockerfiles/build-instructions/.dockerignore; do
	n=${f#tests/}	# no leading dot: the replay skips hidden files
	n=${n//\//-}
	{ cat "$f"; printf '\0'"$paths"; } >"$out/dockerignore/${n//-./-}"
done
printf '*.o\n**/*.md\n!docs/README.md\nbuild**\n[a-c]/?/c\n\0'"$paths" \
	>"$out/dockerignore/kinds"
printf '# comment\n  /a/../b/  \n!b/keep\n\\#lit\n\0b/keep\nb/other\n#lit' \
	>"$out/dockerignore/clean-exception"

# oci_spec: the unit test's base config and runc's default one.
cat >"$out/oci_spec/unit-test.json" <<'JSON'
{"ociVersion": "1.0.2-dev", "hostname": "box",
 "root": {"path": "rootfs", "readonly": false},
 "process": {"terminal": false, "args": ["/bin/hello", "a b"],
  "env": ["PATH=/bin", "X=1"], "cwd": "/tmp", "user": {"uid": 0, "gid": 0}},
 "mounts": [{"destination": "/proc", "type": "proc"},
  {"destination": "/etc/hosts", "type": "bind", "source": "/x/hosts",
   "options": ["rbind"]}],
 "annotations": {"org.opencontainers.image.stopSignal": "SIGINT"},
 "hooks": {"prestart": [{"path": "/bin/true", "args": ["true"], "timeout": 5}]},
 "linux": {"resources": {"memory": {"limit": 67108864}},
  "namespaces": [{"type": "pid"}, {"type": "network", "path": "/proc/1/ns/net"}]}}
JSON
if command -v runc >/dev/null; then
	(cd "$tmp" && runc spec && mv config.json runc.json)
	cp "$tmp/runc.json" "$out/oci_spec/runc.json"
fi

# archive: what `husk save` writes (docker-archive and OCI layout in one
# tar), each half alone, and gzip'ed.
export HUSK_HOME=$tmp/home SOURCE_DATE_EPOCH=1650000000
mkdir -p "$tmp/tree/etc"
printf 'hello\n' >"$tmp/tree/etc/motd"
ln -s motd "$tmp/tree/etc/link"
"$build/bin/husk" import "$tmp/tree" app:1 >/dev/null
"$build/bin/husk" save -o "$out/archive/both.tar" app:1
printf 'tool\n' >"$tmp/tree/etc/motd"
"$build/bin/husk" import "$tmp/tree" quay.io/me/tool:2 >/dev/null
"$build/bin/husk" tag app:1 app:latest
"$build/bin/husk" save -o "$out/archive/two-images.tar" app:1 app:latest \
	quay.io/me/tool:2
python3 - "$out/archive" <<'PY'
import sys, tarfile
d = sys.argv[1]
src = tarfile.open(d + "/both.tar")
members = src.getmembers()
def subset(name, keep):
    with tarfile.open(d + "/" + name, "w", format=tarfile.USTAR_FORMAT) as t:
        for m in members:
            if keep(m.name):
                t.addfile(m, src.extractfile(m) if m.isfile() else None)
subset("docker.tar", lambda n: n not in ("index.json", "oci-layout"))
subset("oci.tar", lambda n: n not in ("manifest.json", "repositories"))
# As docker save wrote before Docker 25: <config hex>.json, <id>/layer.tar
# uncompressed, and a layer reached through a symbolic link.
import gzip, io, json
man = json.load(src.extractfile("manifest.json"))[0]
config = src.extractfile(man["Config"]).read()
layer = gzip.decompress(src.extractfile(man["Layers"][0]).read())
hexid = man["Config"].rsplit("/", 1)[1]
with tarfile.open(d + "/docker-legacy.tar", "w", format=tarfile.USTAR_FORMAT) as t:
    def add(name, data=None, link=None):
        m = tarfile.TarInfo(name)
        if link:
            m.type, m.linkname = tarfile.SYMTYPE, link
        elif data is None:
            m.type, m.mode = tarfile.DIRTYPE, 0o755
        else:
            m.size = len(data)
        t.addfile(m, io.BytesIO(data) if data is not None else None)
    add("aaaa")
    add("aaaa/VERSION", b"1.0")
    add("aaaa/layer.tar", layer)
    add("bbbb")
    add("bbbb/layer.tar", link="../aaaa/layer.tar")
    add(hexid + ".json", config)
    add("manifest.json", json.dumps([{"Config": hexid + ".json",
        "RepoTags": ["old:1", "docker.io/library/old:2"],
        "Layers": ["bbbb/layer.tar"]}]).encode())
    add("repositories", json.dumps({"old": {"1": "aaaa"}}).encode())
PY
gzip -9n <"$out/archive/both.tar" >"$out/archive/both.tar.gz"

# virtio and console: driver scripts.
python3 - "$out" <<'PY'
import struct, sys
out = sys.argv[1]
def w(off, v, n=4): return struct.pack("<BHBQ", 0, off, n, v)
def r(off, n=4): return struct.pack("<BHB", 1, off, n)
def poke(addr, data): return struct.pack("<BHB", 2, addr, len(data)) + data
def desc(addr, ln, flags, nxt): return struct.pack("<QIHH", addr, ln, flags, nxt)
PROCESS, WANTS = b"\x03", b"\x05"
def frame(n): return struct.pack("<BH", 4, n)
SEL, NUM, READY, NOTIFY = 0x30, 0x38, 0x44, 0x50
ISR, ACK, STATUS = 0x60, 0x64, 0x70
def queue(q, base):
    return (w(SEL, q) + w(NUM, 8) + w(0x80, base) + w(0x84, 0) +
            w(0x90, base + 0x100) + w(0x94, 0) + w(0xa0, base + 0x200) +
            w(0xa4, 0) + w(READY, 1))
def init(features_lo, features_hi=1):
    s = w(STATUS, 0) + w(STATUS, 1) + w(STATUS, 3)
    s += w(0x14, 0) + r(0x10) + w(0x14, 1) + r(0x10)
    s += w(0x24, 0) + w(0x20, features_lo) + w(0x24, 1) + w(0x20, features_hi)
    s += w(STATUS, 0xb) + r(STATUS)
    return s + queue(0, 0x1000) + queue(1, 0x2000) + w(STATUS, 0xf)
def avail(base, idx, heads):
    return poke(base + 0x100, struct.pack("<HH", 0, idx) +
                b"".join(struct.pack("<H", h) for h in heads))
feat = 1 << 29 | 1 << 5 | 1 << 16
tx = (poke(0x2000, desc(0x8000, 12, 1, 1) + desc(0x8040, 60, 0, 0)) +
      poke(0x8040, bytes(range(60))) + avail(0x2000, 1, [0]) + w(NOTIFY, 1))
rx = (poke(0x1000, desc(0x4000, 1526, 2, 0) + desc(0x4800, 1526, 2, 0)) +
      avail(0x1000, 2, [0, 1]) + w(NOTIFY, 0))
cfg = b"".join(r(0x100 + i, 1) for i in range(6)) + r(0x106, 2)
seeds = {
    "driver": init(feat) + tx + PROCESS + rx + frame(60) + frame(1514) +
              WANTS + PROCESS + r(ISR) + w(ACK, 1) + cfg,
    "no-event-idx": init(1 << 5) + tx + PROCESS + rx + frame(100) + PROCESS,
    "loop": init(feat) + poke(0x2000, desc(0x8000, 12, 1, 0)) +
            avail(0x2000, 1, [0]) + PROCESS + w(STATUS, 0) + r(STATUS),
    "outside": init(feat) + poke(0x2000, desc(0xfff0, 0xffffffff, 0, 0)) +
               avail(0x2000, 1, [0]) + PROCESS,
    "index-jump": init(feat) + avail(0x1000, 500, [0]) + frame(60) + PROCESS,
    "bad-ring": w(STATUS, 3) + w(SEL, 0) + w(NUM, 3) + w(READY, 1) + r(STATUS),
}
for name, data in seeds.items():
    open(f"{out}/virtio/{name}", "wb").write(data)
def put(off, data): return struct.pack("<BHB", 1, off, len(data)) + data
def length(n): return struct.pack("<BI", 0, n)
FLUSH = b"\x02"
size = struct.pack("<H", 16368)
con = {
    "hello": size + put(0, b"hello, world\n") + length(13) + FLUSH,
    "two-flushes": size + put(0, b"a" * 200) + length(200) + FLUSH +
                   put(0, b"b\n") + length(2) + FLUSH + FLUSH,
    "too-long": size + length(16369) + FLUSH + length(16368) + FLUSH,
    "tiny": struct.pack("<H", 4) + put(0, b"abcd") + length(4) + FLUSH +
            length(5) + FLUSH,
}
for name, data in con.items():
    open(f"{out}/console/{name}", "wb").write(data)
PY
du -sh "$out"/* | sed 's/^/mkseeds: /'
