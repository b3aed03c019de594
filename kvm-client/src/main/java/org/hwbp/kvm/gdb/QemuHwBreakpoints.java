package org.hwbp.kvm.gdb;

import java.util.ArrayList;
import java.util.List;

import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;
import org.hwbp.api.gdb.BreakpointType;

/**
 * QEMU's x86 KVM hardware-breakpoint table ({@code target/i386/kvm/kvm.c}: {@code hw_breakpoint[4]},
 * {@code nb_hw_breakpoint}, {@code kvm_arch_insert_hw_breakpoint}, {@code kvm_arch_remove_hw_breakpoint},
 * and the {@code debugreg} array {@code kvm_arch_update_guest_debug} builds from it). One table for the whole
 * VM: every vCPU gets the same registers.
 */
final class QemuHwBreakpoints {
    /** One entry: address, length, gdb type. */
    record Entry(long addr, int len, BreakpointType type) {
    }

    private static final int MAX = 4;
    private final List<Entry> entries = new ArrayList<>();

    /**
     * kvm_arch_insert_hw_breakpoint(): an execution breakpoint has length 1; a write or access watchpoint 1, 2,
     * 4 or 8 bytes, aligned (EINVAL); a read watchpoint is not supported (ENOSYS: the stub answers empty and gdb
     * emulates it with an access watchpoint); a fifth entry is ENOBUFS and a duplicate EEXIST, which QEMU's stub
     * both answers {@code E22}.
     */
    synchronized void insert(BreakpointType type, long addr, int len) {
        switch (type) {
            case HARDWARE -> len = 1;
            case WRITE_WATCHPOINT, ACCESS_WATCHPOINT -> {
                if (len != 1 && len != 2 && len != 4 && len != 8) {
                    throw new HwbpException(Errno.EINVAL, "watchpoint length " + len + " (1, 2, 4 or 8)");
                }
                if ((addr & (len - 1)) != 0) {
                    throw new HwbpException(Errno.EINVAL, String.format("0x%x is not aligned to %d", addr, len));
                }
            }
            default -> throw new HwbpException(Errno.EOPNOTSUPP, "no " + type + " in KVM's debug registers");
        }
        if (entries.size() == MAX) {
            throw new HwbpException(Errno.EINVAL, "ENOBUFS: all 4 hardware breakpoints of the VM are in use");
        }
        if (find(addr, len, type) >= 0) {
            throw new HwbpException(Errno.EINVAL, "EEXIST: the VM has that hardware breakpoint already");
        }
        entries.add(new Entry(addr, len, type));
    }

    /** kvm_arch_remove_hw_breakpoint(): the last entry fills the hole (ENOENT if absent). */
    synchronized void remove(BreakpointType type, long addr, int len) {
        int n = find(addr, type == BreakpointType.HARDWARE ? 1 : len, type);
        if (n < 0) {
            throw new HwbpException(Errno.ENOENT, "no such hardware breakpoint");
        }
        Entry last = entries.remove(entries.size() - 1);
        if (n < entries.size()) {
            entries.set(n, last);
        }
    }

    /** kvm_arch_remove_all_hw_breakpoints(). */
    synchronized void clear() {
        entries.clear();
    }

    synchronized int size() {
        return entries.size();
    }

    synchronized Entry get(int n) {
        return n < entries.size() ? entries.get(n) : null;
    }

    private int find(long addr, int len, BreakpointType type) {
        for (int n = 0; n < entries.size(); n++) {
            Entry e = entries.get(n);
            if (e.addr == addr && e.type == type && (type == BreakpointType.HARDWARE || e.len == len)) {
                return n;
            }
        }
        return -1;
    }

    /**
     * kvm_arch_update_guest_debug()'s {@code debugreg}: DR0–3 the addresses, DR7 = 0x600 (GE and bit 10) with,
     * per entry n, G{n} and the RW ({@code type_code}: execute 0, write 1, access 3) and LEN ({@code len_code}:
     * 1→0, 2→1, 4→3, 8→2) fields. Null when the table is empty (no USE_HW_BP).
     */
    synchronized long[] debugreg() {
        if (entries.isEmpty()) {
            return null;
        }
        long[] dr = new long[8];
        dr[7] = 0x0600;
        for (int n = 0; n < entries.size(); n++) {
            Entry e = entries.get(n);
            dr[n] = e.addr;
            int typeCode = switch (e.type) {
                case WRITE_WATCHPOINT -> 1;
                case ACCESS_WATCHPOINT -> 3;
                default -> 0;
            };
            int lenCode = switch (e.len) {
                case 2 -> 1;
                case 4 -> 3;
                case 8 -> 2;
                default -> 0;
            };
            dr[7] |= (2L << (n * 2)) | ((long) typeCode << (16 + n * 4)) | ((long) lenCode << (18 + n * 4));
        }
        return dr;
    }
}
