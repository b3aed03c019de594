package org.hwbp.core;

import org.hwbp.api.machine.DebugRegisters;
import org.hwbp.core.machine.Cpu;
import org.hwbp.core.x86.CpuShadow;

/**
 * One CPU's debug registers as KVM and kgdb reach them: get_debugreg/set_debugreg (every MOV counted),
 * hw_breakpoint_active() and hw_breakpoint_restore(), and the shadows cpu_dr7/cpu_debugreg they read
 * (arch/x86/include/asm/debugreg.h, arch/x86/kernel/hw_breakpoint.c).
 */
final class CpuDebugRegisters implements DebugRegisters {
    private final Cpu c;
    private final CpuShadow<PerfEvent> sh;

    CpuDebugRegisters(Cpu c, CpuShadow<PerfEvent> sh) {
        this.c = c;
        this.sh = sh;
    }

    @Override
    public int cpu() {
        return c.index();
    }

    @Override
    public long read(int dr) {
        return c.registers().read(dr);
    }

    @Override
    public void write(int dr, long value) {
        c.registers().write(dr, value);
    }

    @Override
    public boolean hwBreakpointActive() {
        return sh.active();
    }

    @Override
    public void hwBreakpointRestore() {
        sh.restore();
    }

    @Override
    public long shadowDr7() {
        return sh.dr7();
    }

    @Override
    public long shadowAddress(int i) {
        return sh.address(i);
    }

    @Override
    public long reads() {
        return c.registers().reads();
    }

    @Override
    public long writes() {
        return c.registers().writes();
    }
}
