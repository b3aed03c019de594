package org.hwbp.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hwbp.api.BreakpointSpec.EMPTY;
import static org.hwbp.api.BreakpointSpec.INVALID;
import static org.hwbp.api.BreakpointSpec.R;
import static org.hwbp.api.BreakpointSpec.RW;
import static org.hwbp.api.BreakpointSpec.W;
import static org.hwbp.api.BreakpointSpec.X;
import static org.hwbp.core.CoreFixture.assertErrno;
import static org.hwbp.core.x86.KernelAddressMap.CPU_ENTRY_AREA_BASE;
import static org.hwbp.core.x86.KernelAddressMap.CPU_ENTRY_AREA_MAP_SIZE;
import static org.hwbp.core.x86.KernelAddressMap.TASK_SIZE_MAX;

import org.hwbp.api.BreakpointSpec;
import org.hwbp.api.Errno;
import org.hwbp.core.x86.ArchInfo;
import org.hwbp.core.x86.BreakpointParser;
import org.hwbp.core.x86.KernelAddressMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * linux-reference.md §3.3: hw_breakpoint_arch_parse() → arch_build_bp_info() in the kernel's order (first
 * failure wins), then hw_breakpoint_parse()'s kernel-space check. Unit tests of BreakpointParser on the
 * modelled address map of 4 possible CPUs, plus the same refusals through the registration API.
 */
class ValidationTest {
    private static final int CPUS = 4;
    private final BreakpointParser parser = new BreakpointParser(new KernelAddressMap(CPUS), false);
    private static final long KDATA = CoreFixture.BREAK_VARS;
    private static final long KTEXT = KernelAddressMap.KERNEL_TEXT + 0x1234;
    private static final long PER_CPU_BASE = KernelAddressMap.PER_CPU_BASE;

    private static BreakpointSpec spec(long addr, int len, int type) {
        return BreakpointSpec.onCpu(0, addr, len, type);
    }

    private ArchInfo ok(long addr, int len, int type) {
        return parser.parse(spec(addr, len, type), true);
    }

    private void refused(Errno errno, long addr, int len, int type) {
        assertErrno(errno, () -> parser.parse(spec(addr, len, type), true));
    }

    // Row 1: wrap-around

    @Test
    void row1RangeThatWrapsAroundIsEinval() {
        refused(Errno.EINVAL, 0xFFFF_FFFF_FFFF_FFFFL, 2, W);
        refused(Errno.EINVAL, 0xFFFF_FFFF_FFFF_FFFCL, 8, RW);
        // first failure wins: wrapping beats the EOPNOTSUPP a 16-byte length would give
        refused(Errno.EINVAL, 0xFFFF_FFFF_FFFF_FFF0L + 8, 16, W);
        // the very last byte does not wrap
        assertThat(ok(0xFFFF_FFFF_FFFF_FFFFL, 1, W).address()).isEqualTo(0xFFFF_FFFF_FFFF_FFFFL);
    }

    // Row 2: CPU entry area and CPU-entry data, any type

    @ParameterizedTest
    @ValueSource(ints = {W, RW, X, R, EMPTY})
    void row2CpuEntryAreaIsEinvalForAnyType(int type) {
        refused(Errno.EINVAL, CPU_ENTRY_AREA_BASE, 8, type);
        refused(Errno.EINVAL, CPU_ENTRY_AREA_BASE + CPU_ENTRY_AREA_MAP_SIZE - 8, 8, type);
        refused(Errno.EINVAL, KernelAddressMap.cpuDr7Address(3), 8, type);
    }

    @Test
    void row2EveryPieceOfCpuEntryDataOfEveryPossibleCpu() {
        for (int cpu = 0; cpu < CPUS; cpu++) {
            long base = PER_CPU_BASE + cpu * KernelAddressMap.PER_CPU_STRIDE;
            refused(Errno.EINVAL, base + KernelAddressMap.GDT_PAGE, 8, W);
            refused(Errno.EINVAL, base + KernelAddressMap.GDT_PAGE + KernelAddressMap.PAGE_SIZE - 1, 1, W);
            refused(Errno.EINVAL, base + KernelAddressMap.CPU_TSS_RW, 4, RW);
            refused(Errno.EINVAL, base + KernelAddressMap.CPU_TSS_RW + KernelAddressMap.CPU_TSS_RW_SIZE - 2, 2, W);
            refused(Errno.EINVAL, base + KernelAddressMap.CPU_TLBSTATE, 8, W);
            refused(Errno.EINVAL, KernelAddressMap.cpuDr7Address(cpu), 8, RW);
            refused(Errno.EINVAL, KernelAddressMap.cpuDr7Address(cpu) + 7, 1, W);
            // the bytes next to cpu_dr7 are ordinary per-CPU data
            ok(KernelAddressMap.cpuDr7Address(cpu) - 8, 8, RW);
            ok(KernelAddressMap.cpuDr7Address(cpu) + 8, 8, RW);
        }
        refused(Errno.EINVAL, KernelAddressMap.PER_CPU_OFFSET_ARRAY, 8, RW);
        refused(Errno.EINVAL, KernelAddressMap.PER_CPU_OFFSET_ARRAY + 8 * (KernelAddressMap.NR_CPUS - 1), 8, RW);
        ok(KernelAddressMap.PER_CPU_OFFSET_ARRAY + 8 * KernelAddressMap.NR_CPUS, 8, RW);
        // the range [addr, addr+bp_len-1] is checked, not just the start (execute: no alignment to hide it)
        ok(CPU_ENTRY_AREA_BASE - 8, 8, X);
        refused(Errno.EINVAL, CPU_ENTRY_AREA_BASE - 4, 8, X);
        ok(CPU_ENTRY_AREA_BASE - 8, 8, W);
        ok(CPU_ENTRY_AREA_BASE + CPU_ENTRY_AREA_MAP_SIZE, 8, W);
        // a CPU that is not possible has no entry data
        ok(KernelAddressMap.cpuDr7Address(CPUS), 8, RW);
        // first failure wins: the entry area beats the EOPNOTSUPP of a range length
        refused(Errno.EINVAL, CPU_ENTRY_AREA_BASE, 16, W);
    }

    // Row 3: type

    @Test
    void row3TypeMapping() {
        assertThat(ok(KDATA, 4, W).type()).isEqualTo(ArchInfo.WRITE);
        assertThat(ok(KDATA, 4, RW).type()).isEqualTo(ArchInfo.RW);
        assertThat(ok(KTEXT, 8, X).type()).isEqualTo(ArchInfo.EXECUTE);
        for (int type : new int[] {R, EMPTY, INVALID, X | R, X | W}) {
            refused(Errno.EINVAL, KDATA, 4, type);
        }
        // R alone is refused before any length check
        refused(Errno.EINVAL, KDATA, 16, R);
    }

    // Row 4: kprobe blacklist for execute breakpoints on kernel addresses

    @Test
    void row4ExecuteInTheKprobeBlacklistIsEinval() {
        refused(Errno.EINVAL, KernelAddressMap.ENTRY_TEXT, 8, X);
        refused(Errno.EINVAL, KernelAddressMap.ENTRY_TEXT_END - 1, 8, X);
        refused(Errno.EINVAL, KernelAddressMap.NOINSTR_TEXT + 0x10, 8, X);
        ok(KernelAddressMap.ENTRY_TEXT_END, 8, X);
        ok(KernelAddressMap.NOINSTR_TEXT - 1, 8, X);
        // data breakpoints on blacklisted text are fine
        ok(KernelAddressMap.ENTRY_TEXT, 8, W);
        // checked before the length: blacklisted with a wrong length is still EINVAL
        refused(Errno.EINVAL, KernelAddressMap.ENTRY_TEXT, 1, X);
    }

    // Row 5: execute length sizeof(long), no alignment check

    @Test
    void row5ExecuteNeedsLength8AndNoAlignment() {
        ArchInfo x = ok(0x40_1003L, 8, X);
        assertThat(x.len()).isEqualTo(ArchInfo.LEN_X);
        assertThat(x.type()).isEqualTo(ArchInfo.EXECUTE);
        assertThat(x.mask()).isZero();
        for (int len : new int[] {1, 2, 4, 16, 3}) {
            refused(Errno.EINVAL, 0x40_1000L, len, X);
        }
    }

    // Row 6: data lengths

    @Test
    void row6DataLengths() {
        assertThat(ok(KDATA, 1, W).len()).isEqualTo(ArchInfo.LEN_1);
        assertThat(ok(KDATA, 2, W).len()).isEqualTo(ArchInfo.LEN_2);
        assertThat(ok(KDATA, 4, W).len()).isEqualTo(ArchInfo.LEN_4);
        assertThat(ok(KDATA, 8, RW).len()).isEqualTo(ArchInfo.LEN_8);
        // a power of two beyond 8, aligned: needs AMD BPEXT
        refused(Errno.EOPNOTSUPP, KDATA, 16, W);
        refused(Errno.EOPNOTSUPP, KDATA, 64, RW);
        // not a power of two
        refused(Errno.EINVAL, KDATA, 3, W);
        refused(Errno.EINVAL, KDATA, 6, RW);
        refused(Errno.EINVAL, KDATA, 0, W);
        // a range length misaligned: EINVAL comes before EOPNOTSUPP
        refused(Errno.EINVAL, KDATA + 8, 16, W);
    }

    @Test
    void row6RangeBreakpointsWithBpext() {
        BreakpointParser amd = new BreakpointParser(new KernelAddressMap(CPUS), true);
        ArchInfo r = amd.parse(spec(KDATA, 16, W), true);
        assertThat(r.mask()).isEqualTo(15);
        assertThat(r.len()).isEqualTo(ArchInfo.LEN_1);
        assertErrno(Errno.EINVAL, () -> amd.parse(spec(KDATA + 8, 16, W), true));
    }

    // Row 7: alignment

    @Test
    void row7Alignment() {
        refused(Errno.EINVAL, KDATA + 1, 2, W);
        refused(Errno.EINVAL, KDATA + 2, 4, W);
        refused(Errno.EINVAL, KDATA + 4, 8, RW);
        refused(Errno.EINVAL, 0x60_1001L, 8, W);
        ok(KDATA + 3, 1, W);
        ok(KDATA + 6, 2, RW);
        ok(KDATA + 12, 4, W);
        ok(KDATA + 24, 8, W);
    }

    // hw_breakpoint_parse(): kernel space

    @Test
    void kernelSpaceWithExcludeKernelIsEinvalAndWithoutCapSysAdminEperm() {
        BreakpointSpec k = spec(TASK_SIZE_MAX, 1, W);
        assertErrno(Errno.EINVAL, () -> parser.parse(k.withExcludeKernel(true), true));
        assertErrno(Errno.EINVAL, () -> parser.parse(k.withExcludeKernel(true), false));
        assertErrno(Errno.EPERM, () -> parser.parse(k, false));
        parser.parse(k, true);
        BreakpointSpec u = spec(TASK_SIZE_MAX - 8, 8, W).withExcludeKernel(true);
        parser.parse(u, false);
        parser.parse(spec(TASK_SIZE_MAX - 1, 1, RW).withExcludeKernel(true), false);
        // execute uses the decoded length 1: the last user byte is user space even with bp_len 8
        parser.parse(spec(TASK_SIZE_MAX - 1, 8, X).withExcludeKernel(true), false);
        assertErrno(Errno.EINVAL, () -> parser.parse(spec(TASK_SIZE_MAX, 8, X).withExcludeKernel(true), false));
        assertErrno(Errno.EINVAL, () -> parser.parse(spec(KTEXT, 8, X).withExcludeKernel(true), true));
        // the arch checks come first: a misaligned kernel address is EINVAL from alignment, not EPERM
        assertErrno(Errno.EINVAL, () -> parser.parse(spec(KDATA + 1, 2, W), false));
    }

    @Test
    void theRegistrationApiReportsTheSameErrnos() {
        try (CoreFixture f = new CoreFixture(CPUS)) {
            int t = f.machine.createTask("t");
            BreakpointSpec user = BreakpointSpec.forTask(t, CoreFixture.USER_VAR, 4, W).withExcludeKernel(true);
            f.bps.register(user, new CoreFixture.Recorder());
            assertErrno(Errno.EINVAL, () -> f.bps.register(user.withAddress(KDATA), new CoreFixture.Recorder()));
            assertErrno(Errno.EINVAL, () -> f.bps.register(user.withAddress(KernelAddressMap.cpuDr7Address(0)),
                    new CoreFixture.Recorder()));
            assertErrno(Errno.EINVAL, () -> f.bps.register(user.withType(R), new CoreFixture.Recorder()));
            assertErrno(Errno.EINVAL, () -> f.bps.register(user.withLength(3), new CoreFixture.Recorder()));
            assertErrno(Errno.EOPNOTSUPP, () -> f.bps.register(user.withLength(16).withAddress(0x60_1000L),
                    new CoreFixture.Recorder()));
            assertErrno(Errno.EINVAL, () -> f.bps.register(user.withAddress(0x60_1002L), new CoreFixture.Recorder()));
            assertErrno(Errno.EINVAL, () -> f.bps.register(
                    BreakpointSpec.onCpu(0, KernelAddressMap.ENTRY_TEXT, 8, X), new CoreFixture.Recorder()));
            f.bps.register(BreakpointSpec.onCpu(0, 0x40_1001L, 8, X), new CoreFixture.Recorder());
            assertThat(f.bps.breakpoints()).hasSize(2);
            assertThat(f.core.slotsInUse(0)).isEqualTo(2);
            f.assertConsistent();
        }
    }
}
