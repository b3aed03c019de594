#!/usr/bin/env bash
# Three gdbs, four registers: the sandbox under --policy debugger-priority with a gdbserver for a task
# (ptrace:gdbserver), QEMU's gdbstub for a VM (kvm:gdbstub) and kgdb's stub (kgdb:listen), each debugged by a
# real gdb at the same time, while the shell drives the machine. Prints the shell's transcript, then each gdb's.
#
#   runtime/demo/three-gdbs.sh            (needs /usr/bin/gdb; builds the sandbox first when needed)
#
# Ports 23451 (task), 23452 (VM), 23453 (kgdb) on 127.0.0.1.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
GDB="${GDB:-/usr/bin/gdb}"
[ -x "$GDB" ] || { echo "three-gdbs: $GDB is missing (apt-get install gdb)" >&2; exit 2; }
work="$(mktemp -d)"
trap 'exec 3>&- 2>/dev/null || true; kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

mkfifo "$work/shell.in"
"$ROOT/sandbox" --policy debugger-priority <"$work/shell.in" >"$work/shell.out" 2>&1 &
exec 3>"$work/shell.in"

# One shell command: echoed as the transcript shows it, its output once it has come.
sh() {
    local before
    before=$(wc -c <"$work/shell.out")
    echo "$1" >&3
    sleep "${2:-1}"
    # (the shell echoes the line after its prompt, "hwbp> LINE", then prints the result)
    tail -c +"$((before + 1))" "$work/shell.out"
}

# A gdb in batch mode in the background: gdb NAME PORT COMMAND...
gdb_start() {
    local name="$1" port="$2"
    shift 2
    local args=(-nx -batch -ex "set pagination off" -ex "set confirm off" -ex "target remote 127.0.0.1:$port")
    for c in "$@"; do args+=(-ex "$c"); done
    "$GDB" "${args[@]}" >"$work/$name.out" 2>&1 &
    sleep 2
}

until grep -q "" "$work/shell.out" 2>/dev/null; do sleep 0.5; done
sleep 3
echo "=== shell"
sh "sim:task editor"
sh "sim:switch 1 1"
sh "sim:access --value 7 1 0x601000 4 w"
sh "ptrace:gdbserver 23451 1"
sh "kvm:create --vcpus 2"
sh "kvm:run 1 0 2 0x2000:4:w=5"
sh "kvm:gdbstub 23452 1"
gdb_start ptrace 23451 "info threads" "watch *(int *)0x601000" "continue" "continue" "p/x \$dr7" "detach"
gdb_start kvm 23452 "info threads" "hbreak *0x401000" "watch *(int *)0x2000" "continue" "p/x \$rip" "continue" \
    "x/4xb 0x2000" "detach"
sh "hwbp:cpus"
sh "sim:access --value 42 1 0x601000 4 w"
sh "kvm:run 1 1 2 0x400ff0:1:x 0x401000:1:x"
sh "kvm:run 1 1 2 0x401000:1:x"
sh "kgdb:listen 23453"
gdb_start kgdb 23453 "info threads" "hbreak *0xffffffff81000040" "hbreak *0xffffffff81000050" \
    "hbreak *0xffffffff81000060" "hbreak *0xffffffff81000070" "continue" "monitor hwbp:cpus" "detach"
sh "hwbp:cpus"
sh "kgdb:break" 2
sh "hwbp:cpus"
sh "kvm:run 1 0 3 0x2000:4:w=9"
sh "sim:access --value 43 1 0x601000 4 w" 2
sh "hwbp:check"
sh "ptrace:gdbserver"
sh "kvm:gdbstub"
exec 3>&-
wait
for g in ptrace kvm kgdb; do
    echo "=== gdb $g"
    cat "$work/$g.out"
done
