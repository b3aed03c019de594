package org.hwbp.core.x86;

/**
 * The simulated x86-64 address map (4-level paging) that validation consults. Addresses below
 * {@link #TASK_SIZE_MAX} are user space; everything from there up is kernel space. Inside the kernel:
 *
 * <pre>
 *  0xffff_8880_7fa0_0000 + cpu * 0x10_0000   per-CPU area of each CPU, holding
 *        +0x0_6000 .. +0x0_8fff                cpu_tss_rw
 *        +0x0_9000 .. +0x0_9fff                the RW GDT page (gdt_page)
 *        +0x1_c6c8 .. +0x1_c6cf                cpu_dr7
 *        +0x2_c000 .. +0x2_c1ff                cpu_tlbstate
 *  0xffff_fe00_0000_0000 .. +512 GiB           CPU entry area (CPU_ENTRY_AREA_BASE, CPU_ENTRY_AREA_MAP_SIZE)
 *  0xffff_ffff_8100_0000 .. 0xffff_ffff_81ff_ffff  kernel text, of which
 *        0xffff_ffff_81b8_0000 .. 0xffff_ffff_81b8_ffff  noinstr text      (kprobe blacklist)
 *        0xffff_ffff_81c0_0000 .. 0xffff_ffff_81c0_2fff  entry text         (kprobe blacklist)
 *  0xffff_ffff_8200_0000 .. 0xffff_ffff_82ff_ffff  kernel data, of which
 *        0xffff_ffff_82a1_0000 .. +8 * 1024        __per_cpu_offset[] (NR_CPUS = 1024)
 * </pre>
 *
 * The refusals that depend on it are within_cpu_entry() (any type) and within_kprobe_blacklist()
 * (execute breakpoints on kernel addresses), both in arch/x86/kernel/hw_breakpoint.c.
 */
public final class KernelAddressMap {
    /** TASK_SIZE_MAX with 4-level paging: 2^47 - 4096. */
    public static final long TASK_SIZE_MAX = 0x7FFF_FFFF_F000L;
    public static final long CPU_ENTRY_AREA_BASE = 0xFFFF_FE00_0000_0000L;
    public static final long CPU_ENTRY_AREA_MAP_SIZE = 1L << 39;
    public static final long PER_CPU_BASE = 0xFFFF_8880_7FA0_0000L;
    public static final long PER_CPU_STRIDE = 0x10_0000L;
    public static final long CPU_TSS_RW = 0x6000;
    public static final long CPU_TSS_RW_SIZE = 0x3000;
    public static final long GDT_PAGE = 0x9000;
    public static final long PAGE_SIZE = 0x1000;
    public static final long CPU_DR7 = 0x1C6C8;
    public static final long CPU_TLBSTATE = 0x2C000;
    public static final long CPU_TLBSTATE_SIZE = 0x200;
    public static final long KERNEL_TEXT = 0xFFFF_FFFF_8100_0000L;
    public static final long KERNEL_TEXT_END = 0xFFFF_FFFF_8200_0000L;
    public static final long NOINSTR_TEXT = 0xFFFF_FFFF_81B8_0000L;
    public static final long NOINSTR_TEXT_END = 0xFFFF_FFFF_81B9_0000L;
    public static final long ENTRY_TEXT = 0xFFFF_FFFF_81C0_0000L;
    public static final long ENTRY_TEXT_END = 0xFFFF_FFFF_81C0_3000L;
    public static final long KERNEL_DATA = 0xFFFF_FFFF_8200_0000L;
    public static final long KERNEL_DATA_END = 0xFFFF_FFFF_8300_0000L;
    public static final long PER_CPU_OFFSET_ARRAY = 0xFFFF_FFFF_82A1_0000L;
    /** CONFIG_NR_CPUS of the simulated kernel: the most CPUs a machine can have (a large-server build). */
    public static final int NR_CPUS = 1024;

    private final int possibleCpus;

    public KernelAddressMap(int possibleCpus) {
        this.possibleCpus = possibleCpus;
    }

    /** Whether any byte of [start, end] is at or above TASK_SIZE_MAX (arch_check_bp_in_kernelspace). */
    public static boolean inKernelSpace(long start, long end) {
        return Long.compareUnsigned(start, TASK_SIZE_MAX) >= 0 || Long.compareUnsigned(end, TASK_SIZE_MAX) >= 0;
    }

    /** The address of a CPU's cpu_dr7 per-CPU variable. */
    public static long cpuDr7Address(int cpu) {
        return perCpu(cpu) + CPU_DR7;
    }

    private static long perCpu(int cpu) {
        return PER_CPU_BASE + cpu * PER_CPU_STRIDE;
    }

    /** within_cpu_entry(): the range overlaps the CPU entry area or a CPU's entry data. */
    public boolean withinCpuEntry(long start, long end) {
        if (overlaps(start, end, CPU_ENTRY_AREA_BASE, CPU_ENTRY_AREA_MAP_SIZE)
                || overlaps(start, end, PER_CPU_OFFSET_ARRAY, 8L * NR_CPUS)) {
            return true;
        }
        for (int cpu = 0; cpu < possibleCpus; cpu++) {
            long base = perCpu(cpu);
            if (overlaps(start, end, base + GDT_PAGE, PAGE_SIZE)
                    || overlaps(start, end, base + CPU_TSS_RW, CPU_TSS_RW_SIZE)
                    || overlaps(start, end, base + CPU_TLBSTATE, CPU_TLBSTATE_SIZE)
                    || overlaps(start, end, base + CPU_DR7, 8)) {
                return true;
            }
        }
        return false;
    }

    /** within_kprobe_blacklist() for the text the model has: entry text and noinstr text. */
    public static boolean withinKprobeBlacklist(long addr) {
        return between(addr, ENTRY_TEXT, ENTRY_TEXT_END) || between(addr, NOINSTR_TEXT, NOINSTR_TEXT_END);
    }

    private static boolean between(long addr, long from, long to) {
        return Long.compareUnsigned(addr, from) >= 0 && Long.compareUnsigned(addr, to) < 0;
    }

    private static boolean overlaps(long start, long end, long base, long size) {
        long last = base + size - 1;
        return Long.compareUnsigned(start, last) <= 0 && Long.compareUnsigned(end, base) >= 0;
    }
}
