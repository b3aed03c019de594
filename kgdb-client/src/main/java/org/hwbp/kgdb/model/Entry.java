package org.hwbp.kgdb.model;

import java.util.List;

/**
 * What {@code kgdb:status} shows of one breakinfo entry.
 *
 * @param index the entry (0..3), which is also the virtual DR6 bit its overflow handler sets
 * @param enabled whether gdb set it
 * @param addr the address
 * @param len the arch length in bytes (1 for an execute breakpoint)
 * @param type {@code BreakpointSpec.X}, {@code W} or {@code RW}
 * @param reservedCpus the CPUs whose event holds a slot
 * @param installedCpus the CPUs whose event is installed in a debug register
 */
public record Entry(int index, boolean enabled, long addr, int len, int type, List<Integer> reservedCpus,
        List<Integer> installedCpus) {
}
