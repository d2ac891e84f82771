# Boot test cases, one per line, read by tests/run.sh:
#   NAME|IMAGE|MEM|KERNEL-CMDLINE|INITRD|EXPECTED-STATUS|REGEXES|ARGS
# REGEXES: all must match, ;-separated (so a regex holds neither | nor ;).
# IMAGE and INITRD are relative to build/. ARGS (space-separated, shell
# quoting) become the program's argv after "--". Every case runs on each
# backend.
hello|examples/hello.elf|64M|||0|^Hello from husk$|
boottime|examples/hello.elf|64M|husk.boottime||0|^husk: boot: [0-9]+ ns from first instruction to main;^Hello from husk$|
crash|examples/crash.elf|64M|||139|page fault \(#PF\), vector 14, at 0x[0-9a-f]+ <crash_here\+0x[0-9a-f]+>;NULL pointer dereference;^husk: backtrace:;#1 +0x[0-9a-f]+ <main\+;rip [0-9a-f]{16} rflags|
oom|examples/oom.elf|24M|||134|^husk: panic: out of memory: cannot allocate 1048576 bytes;^husk: backtrace:$;^husk:   #0  0x[0-9a-f]{16} <kmalloc[.a-z0-9]*\+0x[0-9a-f]+>$;^husk:   #[1-3]  0x[0-9a-f]{16} <main\+0x[0-9a-f]+>$|
clock|examples/clock.elf|64M|||0|^wall [0-9]+$;^monotonic advanced [0-9]+ ns|
null|examples/faults.elf|64M|||139|write to unmapped address 0x0 \(user\)|faults null
write-text|examples/faults.elf|64M|||139|write to protected address 0x401|faults write-text
write-rodata|examples/faults.elf|64M|||139|write to protected address|faults write-rodata
exec-data|examples/faults.elf|64M|||139|execute at protected address|faults exec-data
exec-stack|examples/faults.elf|64M|||139|execute at protected address|faults exec-stack
stack-guard|examples/faults.elf|64M|||139|stack overflow: the guard page below the stack;<recurse\+|faults overflow
ud2|examples/faults.elf|64M|||132|invalid opcode \(#UD\), vector 6|faults ud2
div0|examples/faults.elf|64M|||136|divide error \(#DE\), vector 0|faults div0
int3|examples/faults.elf|64M|||133|breakpoint \(#BP\), vector 3|faults int3
privileged|examples/faults.elf|64M|||139|general protection \(#GP\), vector 13|faults hlt
syscall|examples/syscall.elf|64M|||42|^via syscall$;^wrote 12 getpid 1 enosys -38 library-os-buffer -14$;^husk: system call unknown \(9999\) is not implemented \(ENOSYS\)$|
supervisor-page|examples/faults.elf|64M|||139|read from protected address|faults supervisor
argv|examples/faults.elf|64M|||1|^faults: unknown fault 'with space'$|faults "with space"
invlpg-service|examples/faults.elf|64M|||0|^faults: invlpg returned, read only$|faults invlpg
vm|examples/vm.elf|64M|||0|^vm: all checks passed$|vm ok
vm-unmap-flush|examples/vm.elf|64M|||139|write to unmapped address 0x200000000 \(user\)|vm unmapped
vm-protect-flush|examples/vm.elf|64M|||139|write to protected address 0x200000000 \(user\)|vm readonly
musl-static|husk.elf|64M||tests/rootfs.cpio|3|^hello x from /bin/hello-musl$|/bin/hello-musl x
glibc-static|husk.elf|64M||tests/rootfs.cpio|3|^hello x from /bin/hello-glibc$|/bin/hello-glibc x
missing-program|husk.elf|64M||tests/rootfs.cpio|127|^husk: /bin/nope: no such file$|/bin/nope
no-initrd|husk.elf|64M|||126|^husk: no root filesystem: give an initrd|/bin/hello-musl
memops-musl|husk.elf|64M||tests/rootfs.cpio|0|^memops: all passed$|/bin/memops-musl
memops-glibc|husk.elf|64M||tests/rootfs.cpio|0|^memops: all passed$|/bin/memops-glibc
syscalls-musl|husk.elf|64M|husk.rewrite-stats|tests/rootfs.cpio|0|^husk: rewrite: 0x[0-9a-f]+\+0x[0-9a-f]+: [2-9][0-9] sites, [2-9][0-9] patched;^syscalls: sites probe=rewritten moved=rewritten declined=syscall jumped=rewritten$;^getpid: [0-9]+ ns$;^syscalls: all passed$|/bin/syscalls-musl
syscalls-glibc|husk.elf|64M|husk.rewrite-stats|tests/rootfs.cpio|0|^husk: rewrite: 0x[0-9a-f]+\+0x[0-9a-f]+: [0-9]+ sites, [1-9][0-9]* patched;^syscalls: sites probe=rewritten moved=rewritten declined=syscall jumped=rewritten$;^getpid: [0-9]+ ns$;^syscalls: all passed$|/bin/syscalls-glibc
syscalls-musl-slow|husk.elf|64M|husk.no-rewrite|tests/rootfs.cpio|0|^syscalls: sites probe=syscall moved=syscall declined=syscall jumped=syscall$;^getpid: [0-9]+ ns$;^syscalls: all passed$|/bin/syscalls-musl
syscalls-glibc-slow|husk.elf|64M|husk.no-rewrite|tests/rootfs.cpio|0|^syscalls: sites probe=syscall moved=syscall declined=syscall jumped=syscall$;^getpid: [0-9]+ ns$;^syscalls: all passed$|/bin/syscalls-glibc
fsops-musl|husk.elf|64M||tests/rootfs.cpio|0|^ok 1 chdir /tmp/fsops$;^ok 137 cleanup$;^fsops: 137 checks, 0 failed$|/bin/fsops-musl
fsops-glibc|husk.elf|64M||tests/rootfs.cpio|0|^ok 1 chdir /tmp/fsops$;^ok 137 cleanup$;^fsops: 137 checks, 0 failed$|/bin/fsops-glibc
cat-dev-zero|husk.elf|64M||tests/rootfs.cpio|0|^cat: 100000 bytes sum 0$|/bin/fsops-musl head /dev/zero 100000
cat-proc-self-exe|husk.elf|64M||tests/rootfs.cpio|0|^cat: [1-9][0-9]+ bytes sum [1-9][0-9]+$|/bin/fsops-musl head /proc/self/exe 100000000
cat-etc-hostname|husk.elf|64M||tests/rootfs.cpio|0|^husk$;^cat: 5 bytes sum 453$|/bin/fsops-glibc cat /etc/hostname
cat-proc-maps|husk.elf|64M||tests/rootfs.cpio|0|^[0-9a-f]+-[0-9a-f]+ r-xp [0-9a-f]+ 00:00 0 +/bin/fsops-musl$;^[0-9a-f]+-[0-9a-f]+ rw-p 00000000 00:00 0 +\[stack\]$|/bin/fsops-musl cat /proc/self/maps
glibc-dynamic|husk.elf|64M|husk.rewrite-stats|tests/rootfs.cpio|3|^hello x from /bin/hello-dyn$;^husk: rewrite: 0x7[0-9a-f]+\+0x[0-9a-f]+: [0-9]+ sites, [1-9][0-9]* patched|/bin/hello-dyn x
musl-dynamic|husk.elf|64M||tests/rootfs.cpio|3|^hello x from /bin/hello-mdyn$|/bin/hello-mdyn x
memops-glibc-dynamic|husk.elf|64M||tests/rootfs.cpio|0|^memops: all passed$|/bin/memops-dyn
fsops-glibc-dynamic|husk.elf|64M||tests/rootfs.cpio|0|^fsops: 137 checks, 0 failed$|/bin/fsops-dyn
syscalls-glibc-dynamic|husk.elf|64M||tests/rootfs.cpio|0|^syscalls: all passed$|/bin/syscalls-dyn
busybox-sh|husk.elf|64M||tests/rootfs.cpio|0|^6$;^done$|/bin/busybox sh -c 'x=3; echo $((x*2)); echo done'
busybox-ls|husk.elf|64M||tests/rootfs.cpio|0|^-rwxr-xr-x +1 [a-z0-9]+ +[a-z0-9]+ +[0-9]+ .* busybox$|/bin/busybox ls -la /bin
busybox-sort|husk.elf|64M||tests/rootfs.cpio|0|^apple$;^banana$;^cherry$|/bin/busybox sort /data/fruits
busybox-sha256sum|husk.elf|64M||tests/rootfs.cpio|0|^64112a2c204881f4aac7da9ffd84a2b0412a193ae9b3773cbab04ff947d2b92c  /data/fruits$|/bin/busybox sha256sum /data/fruits
busybox-awk|husk.elf|64M||tests/rootfs.cpio|0|^17$|/bin/busybox awk '{n += length($0)} END {print n}' /data/fruits
busybox-find|husk.elf|64M||tests/rootfs.cpio|0|^/data/fruits$|/bin/busybox find /data
busybox-wc|husk.elf|64M||tests/rootfs.cpio|0|^3 /data/fruits$|/bin/busybox wc -l /data/fruits
busybox-uname|husk.elf|64M||tests/rootfs.cpio|0|^Linux husk |/bin/busybox uname -a
trace|husk.elf|64M|husk.trace|tests/rootfs.cpio|3|^husk: trace: arch_prctl\(0x1002, 0x[0-9a-f]+, ;^husk: trace: exit_group\(0x3, .*\) = \?$;^hello x from /bin/hello-musl$|/bin/hello-musl x
env-and-cwd|husk.elf|64M|husk.cwd=/tmp/w husk.env=GREETING=hello|tests/rootfs.cpio|0|^/tmp/w$;^hello$|/bin/busybox sh -c 'pwd; echo $GREETING'
sqlite3|husk.elf|64M||tests/rootfs.cpio|0|^6.21\.0.a,b,c,ax,bx,cx$|/bin/sqlite3 /tmp/db.sqlite -cmd '.read /data/sqlite-script.sql' .quit
lua5.4|husk.elf|64M||tests/rootfs.cpio|0|^1,4,9,16,25,36,49,64,81,100[[:space:]]1[[:space:]]2[[:space:]]3[[:space:]]HUSK[[:space:]]10$|/bin/lua5.4 /data/lua-script.lua
bad-elf-truncated|husk.elf|64M||tests/rootfs.cpio|126|^husk: /bad/truncated: program headers lie outside the file \(truncated\?\)$|/bad/truncated
bad-elf-machine|husk.elf|64M||tests/rootfs.cpio|126|^husk: /bad/wrong-machine: not an x86_64 program \(e_machine 183\)$|/bad/wrong-machine
bad-elf-text|husk.elf|64M||tests/rootfs.cpio|126|^husk: /bad/text: not an ELF file$|/bad/text
missing-interpreter|husk.elf|64M||tests/rootfs.cpio|127|^husk: /bad/no-interp: interpreter /lib/ld-missing.so.2: no such file$|/bad/no-interp
busybox-sleep|husk.elf|64M|husk.trace|tests/rootfs.cpio|0|^husk: trace: (clock_)?nanosleep\(.*\) = 0 \(0\)$|/bin/busybox sleep 0.1
procinfo|husk.elf|64M||tests/rootfs.cpio|0|^affinity count 1 getcpu cpu 0 node 0$|/bin/procinfo-glibc cpus
fork-refused|husk.elf|64M||tests/rootfs.cpio|2|^husk: [a-z]+( without CLONE_VM)?: a unikernel runs one process. new processes are not supported \(ENOSYS\)$;^sh: can't fork: Function not implemented$|/bin/busybox sh -c '/bin/busybox true; echo after'
execve-static|husk.elf|64M||tests/rootfs.cpio|3|^hello from-exec from /bin/hello-musl$|/bin/busybox sh -c 'exec /bin/hello-musl from-exec'
execve-dynamic|husk.elf|64M||tests/rootfs.cpio|3|^hello dyn from /bin/hello-dyn$|/bin/busybox sh -c 'exec /bin/hello-dyn dyn'
execve-missing|husk.elf|64M||tests/rootfs.cpio|127|^sh: exec: line 0: /bin/nope: not found$|/bin/busybox sh -c 'exec /bin/nope'
readiness-musl|husk.elf|64M||tests/rootfs.cpio|0|^ok 1 pipe$;^readiness: [0-9]+ checks, 0 failed$|/bin/readiness-musl
readiness-glibc|husk.elf|64M||tests/rootfs.cpio|0|^ok 1 pipe$;^readiness: [0-9]+ checks, 0 failed$|/bin/readiness-glibc
readiness-musl-slow|husk.elf|64M|husk.no-rewrite|tests/rootfs.cpio|0|^readiness: [0-9]+ checks, 0 failed$|/bin/readiness-musl
readiness-glibc-dynamic|husk.elf|64M||tests/rootfs.cpio|0|^readiness: [0-9]+ checks, 0 failed$|/bin/readiness-dyn
threads-musl|husk.elf|64M||tests/rootfs.cpio|0|^ok 7 a spinning thread ran while main was busy \(preemption\)$;^threads: [0-9]+ checks, 0 failed$|/bin/threads-musl
threads-glibc|husk.elf|64M||tests/rootfs.cpio|0|^threads: [0-9]+ checks, 0 failed$|/bin/threads-glibc
threads-glibc-dynamic|husk.elf|64M||tests/rootfs.cpio|0|^threads: [0-9]+ checks, 0 failed$|/bin/threads-dyn
threads-musl-dynamic|husk.elf|64M||tests/rootfs.cpio|0|^threads: [0-9]+ checks, 0 failed$|/bin/threads-mdyn
threads-slow|husk.elf|64M|husk.no-rewrite|tests/rootfs.cpio|0|^threads: [0-9]+ checks, 0 failed$|/bin/threads-glibc
signals-musl|husk.elf|64M||tests/rootfs.cpio|0|^ok 17 SIGSEGV handler: si_addr and SEGV_MAPERR$;^signals: [0-9]+ checks, 0 failed$|/bin/signals-musl
signals-glibc|husk.elf|64M||tests/rootfs.cpio|0|^signals: [0-9]+ checks, 0 failed$|/bin/signals-glibc
signals-glibc-dynamic|husk.elf|64M||tests/rootfs.cpio|0|^signals: [0-9]+ checks, 0 failed$|/bin/signals-dyn
signals-slow|husk.elf|64M|husk.no-rewrite|tests/rootfs.cpio|0|^signals: [0-9]+ checks, 0 failed$|/bin/signals-musl
privileged-musl|husk.elf|64M||tests/rootfs.cpio|0|^cli: SIGSEGV$;^int3: SIGTRAP$;^int \$0x41: SIGSEGV$;^privileged: 277 attempts, 0 unexpected$|/bin/privileged-musl
privileged-glibc|husk.elf|64M||tests/rootfs.cpio|0|^privileged: 277 attempts, 0 unexpected$|/bin/privileged-glibc
oom-program|husk.elf|64M||tests/rootfs.cpio|137|^husk: out of memory: no free page for the program.s access at 0x[0-9a-f]+ \(all [0-9]+ MiB of it in use\); give the guest more memory;^husk: program terminated by SIGKILL \(9\)$|/bin/memops-musl exhaust
signal-abort|husk.elf|64M||tests/rootfs.cpio|134|^husk: program terminated by SIGABRT \(6\)$|/bin/signals-glibc abort
signal-segv-report|husk.elf|64M||tests/rootfs.cpio|139|page fault \(#PF\), vector 14;read from unmapped address 0x8 \(user\)|/bin/signals-musl segv
signal-term-default|husk.elf|64M||tests/rootfs.cpio|143|^husk: program terminated by SIGTERM \(15\)$|/bin/busybox sh -c 'echo before; kill -TERM $$; echo after'
memops-jit-rewrite|husk.elf|64M|husk.rewrite-stats|tests/rootfs.cpio|0|^husk: rewrite: 0x[0-9a-f]+\+0x1000: 3 sites, 3 patched, 0 declined$;^ok [0-9]+ code reads back as written$;^ok [0-9]+ jit: unchanged code still runs$;^memops: all passed$|/bin/memops-musl
memops-musl-dynamic|husk.elf|64M||tests/rootfs.cpio|0|^ok [0-9]+ MAP_SHARED of the program's own file$;^memops: all passed$|/bin/memops-mdyn
memops-slow|husk.elf|64M|husk.no-rewrite|tests/rootfs.cpio|0|^ok [0-9]+ jit: unchanged code still runs$;^memops: all passed$|/bin/memops-glibc
memops-prot-none|husk.elf|64M||tests/rootfs.cpio|139|^memops: reading a PROT_NONE page$;read from protected address 0x[0-9a-f]+ \(user\)|/bin/memops-musl prot-none
signal-int80|husk.elf|64M||tests/rootfs.cpio|139|int \$0x80 \(the 32-bit system call\) is not supported|/bin/signals-musl int80
threads-exec|husk.elf|64M||tests/rootfs.cpio|0|^exec with threads ok$|/bin/threads-glibc exec /bin/busybox
threads-exhaust|husk.elf|32M||tests/rootfs.cpio|0|^threads: pthread_create failed after [0-9]+ threads: Resource temporarily unavailable$|/bin/threads-musl exhaust
program-fault-backtrace-musl|husk.elf|64M||tests/rootfs.cpio|139|^husk: program fault: SIGSEGV, page fault \(#PF\), vector 14, at crash_here\+0x[0-9a-f]+ \(/bin/crash-musl\+0x[0-9a-f]+\)$;^husk:   write to unmapped address 0x10 \(user\)$;^husk:   #0  crash_here\+0x[0-9a-f]+ \(/bin/crash-musl\+0x[0-9a-f]+\)$;^husk:   #1  crash_middle\+0x[0-9a-f]+ \(/bin/crash-musl\+0x[0-9a-f]+\)$;^husk:   #2  crash_outer\+0x[0-9a-f]+ \(/bin/crash-musl\+;^husk:   #3  main\+0x[0-9a-f]+ \(/bin/crash-musl\+|/bin/crash-musl segv
program-fault-backtrace-glibc|husk.elf|64M||tests/rootfs.cpio|139|^husk: program fault: SIGSEGV, page fault \(#PF\), vector 14, at crash_here\+;^husk:   #0  crash_here\+0x[0-9a-f]+ \(/bin/crash-glibc\+;^husk:   #1  crash_middle\+;^husk:   #2  crash_outer\+;^husk:   #3  main\+;^husk:   #4  __libc_start_call_main\+|/bin/crash-glibc segv
program-fault-backtrace-dynamic|husk.elf|64M||tests/rootfs.cpio|139|^husk: program fault: SIGSEGV, page fault \(#PF\), vector 14, at crash_here\+0x[0-9a-f]+ \(/bin/crash-dyn\+0x[0-9a-f]+\)$;^husk:   #1  crash_middle\+0x[0-9a-f]+ \(/bin/crash-dyn\+;^husk:   #2  crash_outer\+;^husk:   #3  main\+0x[0-9a-f]+ \(/bin/crash-dyn\+;^husk:   #4  0x[0-9a-f]{16} \(/lib/x86_64-linux-gnu/libc\.so\.6\+0x[0-9a-f]+\)$|/bin/crash-dyn segv
fault-report-library|husk.elf|64M||tests/rootfs.cpio|139|^husk:   in /bin/signals-dyn\+0x[0-9a-f]+ \(file offset\)$;read from unmapped address 0x8|/bin/signals-dyn segv
env-path-override|husk.elf|64M|husk.env=PATH=/opt/x:/bin|tests/rootfs.cpio|0|^PATH=/opt/x:/bin$;^HOME=/$|/bin/busybox sh -c 'echo PATH=$PATH; echo HOME=$HOME'
sockets-musl|husk.elf|64M||tests/rootfs.cpio|0|^ok [0-9]+ 4 MiB over TCP, checksum$;^sockets: [0-9]+ checks, 0 failed$|/bin/sockets-musl
sockets-glibc|husk.elf|64M||tests/rootfs.cpio|0|^ok [0-9]+ an epoll loop serves three connections$;^sockets: [0-9]+ checks, 0 failed$|/bin/sockets-glibc
sockets-glibc-dynamic|husk.elf|64M||tests/rootfs.cpio|0|^sockets: [0-9]+ checks, 0 failed$|/bin/sockets-dyn
sockets-slow|husk.elf|64M|husk.no-rewrite|tests/rootfs.cpio|0|^sockets: [0-9]+ checks, 0 failed$|/bin/sockets-musl
signal-sigpipe-default|husk.elf|64M||tests/rootfs.cpio|141|^husk: program terminated by SIGPIPE \(13\)$|/bin/signals-musl sigpipe
