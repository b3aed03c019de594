package org.hwbp.api.gdb;

/**
 * The five breakpoint types of gdb's {@code Z}/{@code z} packets, numbered as on the wire (gdb's
 * {@code Z_PACKET_SOFTWARE_BP} … {@code Z_PACKET_ACCESS_WP}).
 */
public enum BreakpointType {
    /** {@code Z0}: a software breakpoint (int3 patched into memory). */
    SOFTWARE,
    /** {@code Z1}: a hardware execution breakpoint ({@code hbreak}). */
    HARDWARE,
    /** {@code Z2}: a write watchpoint ({@code watch}). */
    WRITE_WATCHPOINT,
    /** {@code Z3}: a read watchpoint ({@code rwatch}). */
    READ_WATCHPOINT,
    /** {@code Z4}: an access watchpoint ({@code awatch}). */
    ACCESS_WATCHPOINT;

    /** The type numbered {@code number} in a {@code Z}/{@code z} packet, or {@code null} if there is none. */
    static BreakpointType ofWire(int number) {
        BreakpointType[] all = values();
        return number >= 0 && number < all.length ? all[number] : null;
    }
}
