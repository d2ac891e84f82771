# Boot test cases, one per line, read by tests/run.sh:
#   NAME|IMAGE|MEM|KERNEL-CMDLINE|EXPECTED-STATUS|REGEX-ALL-MUST-MATCH (;-separated)|ARGS
# (so a regex can hold neither | nor ;)
# IMAGE is relative to build/examples. ARGS (space-separated) become the
# program's argv after "--". Every case runs on each backend.
hello|hello.elf|64M||0|^Hello from husk$|
boottime|hello.elf|64M|husk.boottime|0|^husk: boot: [0-9]+ ns from first instruction to main;^Hello from husk$|
crash|crash.elf|64M||139|page fault \(#PF\), vector 14, at 0x[0-9a-f]+ <crash_here\+0x[0-9a-f]+>;NULL pointer dereference;^husk: backtrace:;#1 +0x[0-9a-f]+ <main\+;rip [0-9a-f]{16} rflags|
oom|oom.elf|24M||134|^husk: panic: out of memory: cannot allocate 1048576 bytes|
clock|clock.elf|64M||0|^wall [0-9]+$;^monotonic advanced [0-9]+ ns|
null|faults.elf|64M||139|write to unmapped address 0x0 \(user\)|faults null
write-text|faults.elf|64M||139|write to protected address 0x401|faults write-text
write-rodata|faults.elf|64M||139|write to protected address|faults write-rodata
exec-data|faults.elf|64M||139|execute at protected address|faults exec-data
exec-stack|faults.elf|64M||139|execute at protected address|faults exec-stack
stack-guard|faults.elf|64M||139|stack overflow: the guard page below the stack;<recurse\+|faults overflow
ud2|faults.elf|64M||132|invalid opcode \(#UD\), vector 6|faults ud2
div0|faults.elf|64M||136|divide error \(#DE\), vector 0|faults div0
int3|faults.elf|64M||133|breakpoint \(#BP\), vector 3|faults int3
privileged|faults.elf|64M||139|general protection \(#GP\), vector 13|faults hlt
syscall|syscall.elf|64M||42|^via syscall$;^wrote 12 getpid 1 enosys -38$;^husk: system call 9999 is not implemented \(ENOSYS\)$|
supervisor-page|faults.elf|64M||139|read from protected address|faults supervisor
argv|faults.elf|64M||1|^faults: unknown fault 'with space'$|faults "with space"
invlpg-service|faults.elf|64M||0|^faults: invlpg returned, read only$|faults invlpg
vm|vm.elf|64M||0|^vm: all checks passed$|vm ok
vm-unmap-flush|vm.elf|64M||139|write to unmapped address 0x200000000 \(user\)|vm unmapped
vm-protect-flush|vm.elf|64M||139|write to protected address 0x200000000 \(user\)|vm readonly
