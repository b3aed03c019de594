package org.hwbp.kgdb.model;

/**
 * {@code enum kgdb_bptype} of include/linux/kgdb.h. gdb_cmd_break() passes the digit after {@code Z}/{@code z}
 * straight through ({@code *bpt_type - '0'}), so the ordinal is the packet's type digit.
 */
public enum KgdbBpType {
    BP_BREAKPOINT,
    BP_HARDWARE_BREAKPOINT,
    BP_WRITE_WATCHPOINT,
    BP_READ_WATCHPOINT,
    BP_ACCESS_WATCHPOINT;

    /** The type a packet's digit (0..4) names. */
    public static KgdbBpType of(int digit) {
        return values()[digit];
    }
}
