package org.hwbp.ptrace.property;

import org.hwbp.api.Errno;

/**
 * A reference for what Linux 6.12 answers to PTRACE_POKEUSER of DR0–DR3 and DR7 (arch/x86/kernel/ptrace.c,
 * linux-reference sections 1.7, 3.3 and 4), written down again from the kernel's code and independent of the
 * ptrace client it checks: per virtual DR the perf event's address, length, type and disabled flag, plus how many
 * slots other owners' CPU breakpoints take on every CPU. It predicts the errno of each write (null: success) and
 * follows the state a write leaves, failed writes included, so a sequence of writes can be predicted.
 */
final class PtraceWriteReference {
    /** TASK_SIZE_MAX on x86-64 with 4-level paging: the first address a user breakpoint may not cover. */
    private static final long TASK_SIZE_MAX = 0x7fff_ffff_f000L;
    private static final int HBP_NUM = 4;
    /** DR_CONTROL_RESERVED on 64-bit: bits 10–15 and 32–63, which ptrace_write_dr7() strips. */
    private static final long DR_CONTROL_RESERVED = 0xFFFF_FFFF_0000_FC00L;

    private enum Type { X, W, RW }

    /** One ptrace perf event: its attr.bp_addr, bp_len, bp_type and disabled. */
    private record Event(long addr, int len, Type type, boolean disabled) {
    }

    /** arch_bp_generic_fields() of one R/W-LEN nibble: the generic length and type, or null (-EINVAL). */
    private record Fields(int len, Type type) {
        static Fields of(int nibble) {
            int rw = nibble & 3;
            int lenBits = nibble >> 2 & 3;
            switch (rw) {
                case 0:
                    // execute: only LEN 00 (X86_BREAKPOINT_LEN_X), and then the length is sizeof(long)
                    return lenBits == 0 ? new Fields(8, Type.X) : null;
                case 1:
                    return new Fields(LENGTHS[lenBits], Type.W);
                case 3:
                    return new Fields(LENGTHS[lenBits], Type.RW);
                default:
                    return null; // R/W 10: I/O breakpoints
            }
        }

        /** LEN 00, 01, 10, 11 → 1, 2, 8, 4 bytes (arch_bp_generic_len() on 64-bit). */
        private static final int[] LENGTHS = {1, 2, 8, 4};
    }

    private final Event[] events = new Event[HBP_NUM];
    private final int foreignSlots;

    /** {@code foreignSlots}: slots other owners' breakpoints hold on every CPU (cpu_pinned). */
    PtraceWriteReference(int foreignSlots) {
        this.foreignSlots = foreignSlots;
    }

    /** What PEEKUSER of DRn (n = 0..3) reads: the event's address, 0 without an event. */
    long address(int n) {
        return events[n] == null ? 0 : events[n].addr();
    }

    /** ptrace_set_breakpoint_addr(): the errno of POKEUSER DRn = addr, null on success. */
    Errno pokeAddress(int n, long addr) {
        Event e = events[n];
        if (e == null) {
            // ptrace_register_breakpoint(LEN_1, WRITE, addr, disabled): reserve first (ENOSPC), then parse
            if (!slotFree()) {
                return Errno.ENOSPC;
            }
            Event created = new Event(addr, 1, Type.W, true);
            Errno parse = parse(created);
            if (parse == null) {
                events[n] = created;
            }
            return parse;
        }
        // modify_user_hw_breakpoint() with the new address: parse only, the type is unchanged
        Event moved = new Event(addr, e.len(), e.type(), e.disabled());
        Errno parse = parse(moved);
        if (parse == null) {
            events[n] = moved;
        }
        return parse;
    }

    /** ptrace_write_dr7(): the errno of POKEUSER DR7 = value, null on success. */
    Errno pokeDr7(long value) {
        long oldDr7 = dr7FromEvents();
        Errno first = pass(value & ~DR_CONTROL_RESERVED);
        if (first != null) {
            // the restore pass with the DR7 rebuilt from the events before the write; it cannot fail
            Errno second = pass(oldDr7);
            if (second != null) {
                throw new IllegalStateException("the restore pass failed: " + second);
            }
        }
        return first;
    }

    /** One loop of ptrace_write_dr7() over the four virtual DRs; the first error stops it. */
    private Errno pass(long data) {
        for (int i = 0; i < HBP_NUM; i++) {
            boolean disabled = (data >>> (2 * i) & 3) == 0;
            int nibble = (int) (data >>> (16 + 4 * i) & 0xf);
            Event e = events[i];
            if (e == null && disabled) {
                continue;
            }
            // ptrace_fill_bp_fields(): arch_bp_generic_fields() comes before any registration or modification
            Fields f = Fields.of(nibble);
            if (f == null) {
                return Errno.EINVAL;
            }
            if (e == null) {
                // register_user_hw_breakpoint() at address 0: reserve, then parse (address 0 always parses)
                if (!slotFree()) {
                    return Errno.ENOSPC;
                }
                Event created = new Event(0, f.len(), f.type(), false);
                Errno parse = parse(created);
                if (parse != null) {
                    return parse;
                }
                events[i] = created;
                continue;
            }
            // modify_user_hw_breakpoint(): parse the new attributes at the event's address; a type change
            // re-reserves in the same (mixed) slot type on x86, which cannot fail once the old slot is released
            Event modified = new Event(e.addr(), f.len(), f.type(), disabled);
            Errno parse = parse(modified);
            if (parse != null) {
                return parse;
            }
            events[i] = modified;
        }
        return null;
    }

    /** ptrace_get_dr7(): the G bit and R/W-LEN nibble of every enabled event (plus GE, which decodes to nothing). */
    private long dr7FromEvents() {
        long dr7 = 0;
        for (int i = 0; i < HBP_NUM; i++) {
            Event e = events[i];
            if (e == null || e.disabled()) {
                continue;
            }
            int nibble = switch (e.type()) {
                case X -> 0;
                case W -> 1 | lenBits(e.len()) << 2;
                case RW -> 3 | lenBits(e.len()) << 2;
            };
            dr7 |= (long) nibble << (16 + 4 * i) | 2L << (2 * i);
        }
        return dr7 | 0x200;
    }

    private static int lenBits(int len) {
        return switch (len) {
            case 1 -> 0;
            case 2 -> 1;
            case 8 -> 2;
            default -> 3;
        };
    }

    /**
     * hw_breakpoint_parse() for a ptrace event (exclude_kernel): the arch checks of linux-reference 3.3 that a user
     * breakpoint can meet (wrap-around, alignment of a data breakpoint), then a range reaching kernel space is
     * EINVAL. An execute breakpoint is checked with its decoded length, 1, and never for alignment.
     */
    private static Errno parse(Event e) {
        long span = e.type() == Type.X ? 1 : e.len();
        long last = e.addr() + span - 1;
        if (Long.compareUnsigned(last, e.addr()) < 0) {
            return Errno.EINVAL;
        }
        if (e.type() != Type.X && (e.addr() & e.len() - 1) != 0) {
            return Errno.EINVAL;
        }
        if (Long.compareUnsigned(last, TASK_SIZE_MAX) >= 0) {
            return Errno.EINVAL;
        }
        return null;
    }

    /** __reserve_bp_slot() for one more event of the task on all CPUs: every event holds a slot, disabled or not. */
    private boolean slotFree() {
        int taskEvents = 0;
        for (Event e : events) {
            if (e != null) {
                taskEvents++;
            }
        }
        return foreignSlots + taskEvents + 1 <= HBP_NUM;
    }
}
