package org.hwbp.core.x86;

import org.hwbp.api.BreakpointSpec;
import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;

/**
 * hw_breakpoint_parse(): hw_breakpoint_arch_parse() (via arch_build_bp_info()) then the generic kernel-space
 * check. The checks run in the kernel's order; the first failure wins.
 */
public final class BreakpointParser {
    private final KernelAddressMap map;
    /** X86_FEATURE_BPEXT: AMD range breakpoints. The simulated CPUs are Intel-like and lack it. */
    private final boolean bpext;

    public BreakpointParser(KernelAddressMap map, boolean bpext) {
        this.map = map;
        this.bpext = bpext;
    }

    /**
     * @param capSysAdmin whether the registering context is capable(CAP_SYS_ADMIN); kernel-space breakpoints
     *        without it get EPERM
     */
    public ArchInfo parse(BreakpointSpec attr, boolean capSysAdmin) {
        ArchInfo hw = archParse(attr);
        if (KernelAddressMap.inKernelSpace(hw.address(), hw.address() + hw.bytes() - 1)) {
            if (attr.excludeKernel()) {
                throw new HwbpException(Errno.EINVAL, String.format(
                        "0x%x is a kernel address and the breakpoint excludes the kernel", attr.address()));
            }
            if (!capSysAdmin) {
                throw new HwbpException(Errno.EPERM, "kernel breakpoints need CAP_SYS_ADMIN");
            }
        }
        return hw;
    }

    /**
     * The arch encoding of already-checked attributes, with no validation (what kgdb writes into its events'
     * arch info). Only the lengths 1, 2, 4, 8 (and 8 for execute) have an encoding: others get EINVAL.
     */
    public static ArchInfo encode(BreakpointSpec attr) {
        if (attr.type() == BreakpointSpec.X) {
            return new ArchInfo(attr.address(), ArchInfo.LEN_X, ArchInfo.EXECUTE, 0);
        }
        int type = attr.type() == BreakpointSpec.W ? ArchInfo.WRITE : attr.type() == BreakpointSpec.RW ? ArchInfo.RW : 0;
        int len;
        switch (attr.length()) {
            case 1: len = ArchInfo.LEN_1; break;
            case 2: len = ArchInfo.LEN_2; break;
            case 4: len = ArchInfo.LEN_4; break;
            case 8: len = ArchInfo.LEN_8; break;
            default: len = 0;
        }
        if (type == 0 || len == 0) {
            throw new HwbpException(Errno.EINVAL, "no x86 encoding for type " + BreakpointSpec.typeName(attr.type())
                    + " length " + attr.length());
        }
        return new ArchInfo(attr.address(), len, type, 0);
    }

    /** hw_breakpoint_arch_parse(). */
    public ArchInfo archParse(BreakpointSpec attr) {
        long addr = attr.address();
        long bpEnd = addr + attr.length() - 1;
        if (attr.length() <= 0 || Long.compareUnsigned(bpEnd, addr) < 0) {
            throw new HwbpException(Errno.EINVAL, String.format("range 0x%x+%d wraps around", addr, attr.length()));
        }
        if (map.withinCpuEntry(addr, bpEnd)) {
            throw new HwbpException(Errno.EINVAL, String.format("0x%x overlaps the CPU entry area", addr));
        }
        int type;
        int len;
        long mask = 0;
        switch (attr.type()) {
            case BreakpointSpec.W:
                type = ArchInfo.WRITE;
                break;
            case BreakpointSpec.RW:
                type = ArchInfo.RW;
                break;
            case BreakpointSpec.X:
                if (Long.compareUnsigned(addr, KernelAddressMap.TASK_SIZE_MAX) >= 0
                        && KernelAddressMap.withinKprobeBlacklist(addr)) {
                    throw new HwbpException(Errno.EINVAL,
                            String.format("0x%x is in text kprobes may not probe", addr));
                }
                if (attr.length() != Long.BYTES) {
                    throw new HwbpException(Errno.EINVAL,
                            "execute breakpoints have length 8 (sizeof(long)), not " + attr.length());
                }
                // Instruction breakpoints: LEN_X and no alignment check.
                return new ArchInfo(addr, ArchInfo.LEN_X, ArchInfo.EXECUTE, 0);
            default:
                throw new HwbpException(Errno.EINVAL, "type " + BreakpointSpec.typeName(attr.type())
                        + " is not supported on x86 (x, w or rw)");
        }
        switch (attr.length()) {
            case 1: len = ArchInfo.LEN_1; break;
            case 2: len = ArchInfo.LEN_2; break;
            case 4: len = ArchInfo.LEN_4; break;
            case 8: len = ArchInfo.LEN_8; break;
            default:
                int l = attr.length();
                if (Integer.bitCount(l) != 1) {
                    throw new HwbpException(Errno.EINVAL, "length " + l + " is not 1, 2, 4 or 8");
                }
                if ((addr & (l - 1)) != 0) {
                    throw new HwbpException(Errno.EINVAL,
                            String.format("0x%x is not aligned to its length %d", addr, l));
                }
                if (!bpext) {
                    throw new HwbpException(Errno.EOPNOTSUPP,
                            "range breakpoints of length " + l + " need AMD's BPEXT");
                }
                mask = l - 1;
                len = ArchInfo.LEN_1;
        }
        long align = mask != 0 ? mask : attr.length() - 1;
        if ((addr & align) != 0) {
            throw new HwbpException(Errno.EINVAL,
                    String.format("0x%x is not aligned to its length %d", addr, attr.length()));
        }
        return new ArchInfo(addr, len, type, mask);
    }
}
