package org.hwbp.kvm.model;

import org.hwbp.api.machine.DebugRegisters;

/**
 * vcpu_enter_guest() of Linux 2.6.29 around one entry + exit: the host values the 2009 code saved in
 * vcpu->arch.host_dr6/host_dr7/host_db[] before entry and wrote back after exit.
 */
final class DebugRegSwitch2009 implements DebugRegSwitch {
    private long dr6;
    private long dr7;
    private final long[] db = new long[4];
    private boolean switched;

    private DebugRegSwitch2009() {
    }

    /**
     * 2.6.29 vcpu_enter_guest() before entry: get_debugreg(host_dr6, 6), get_debugreg(host_dr7, 7); if
     * switch_db_regs: host DR0–3 read, DR7 ← 0, DR0–3 ← eff_db.
     */
    static DebugRegSwitch2009 beforeEntry(Vcpu v, DebugRegisters regs) {
        DebugRegSwitch2009 s = new DebugRegSwitch2009();
        s.dr6 = regs.read(6);
        s.dr7 = regs.read(7);
        s.switched = v.switchDbRegs != 0;
        if (s.switched) {
            for (int i = 0; i < 4; i++) {
                s.db[i] = regs.read(i);
            }
            regs.write(7, 0);
            for (int i = 0; i < 4; i++) {
                regs.write(i, v.effDb[i]);
            }
        }
        return s;
    }

    /** 2.6.29 after exit: if switch_db_regs, DR7 ← 0 and host DR0–3 back; always host DR6, DR7 back. */
    @Override
    public void afterExit(DebugRegisters regs) {
        if (switched) {
            regs.write(7, 0);
            for (int i = 0; i < 4; i++) {
                regs.write(i, db[i]);
            }
        }
        regs.write(6, dr6);
        regs.write(7, dr7);
    }
}
