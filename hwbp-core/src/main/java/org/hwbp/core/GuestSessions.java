package org.hwbp.core;

import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.hwbp.api.AccessKind;
import org.hwbp.api.Errno;
import org.hwbp.api.Holder;
import org.hwbp.api.HwbpException;
import org.hwbp.api.PreemptReason;
import org.hwbp.api.machine.DebugRegisters;
import org.hwbp.api.machine.GuestSession;
import org.hwbp.core.machine.Cpu;
import org.hwbp.core.machine.DebugRegisterFile;
import org.hwbp.core.x86.CpuShadow;

/**
 * A guest's claim of one CPU for one VM entry, as KVM's vcpu_enter_guest() (arch/x86/kvm/x86.c) loads the
 * guest's debug registers and the exit gives the host its own back (hw_breakpoint_restore() when the host has
 * active breakpoints). Refused while the debugger or another guest holds the CPU. Kept cheap when nobody
 * listens: this is the VM-entry path.
 */
final class GuestSessions {
    private final HwBreakpointCore core;
    private final Cpus cpus;

    GuestSessions(HwBreakpointCore core, Cpus cpus) {
        this.core = core;
        this.cpus = cpus;
    }

    /** A guest claim of one CPU for one VM entry; refused while the debugger (or another guest) holds it. */
    GuestSession enterGuest(Owner o, int cpu, int vm, int vcpu) {
        core.owners.checkOpen(o);
        Cpu c = cpus.cpu(cpu);
        Holder g = Holder.guest(vm, vcpu);
        if (!c.transferHolder(Holder.HOST, g)) {
            throw new HwbpException(Errno.EBUSY, "CPU " + cpu + " is held by " + c.holder());
        }
        core.stats.guestClaims.increment();
        Session s = new Session(o, c, g);
        o.holds.add(s);
        core.owners.outlivesOwner(o, s::abandon);
        if (guestInterest(cpu)) {
            Set<Integer> one = Set.of(cpu);
            core.log.add("claim cpus=" + cpu + " holder=" + g + " bundle=" + o.name());
            core.listeners.claimed(one, g, true);
            for (PerfEvent ev : cpus.installedOn(cpu)) {
                if (ev.handler.wantsGuestClaims()) {
                    core.dispatcher.deliver(ev.owner.name(), "preempted",
                            () -> ev.handler.preempted(ev, PreemptReason.GUEST_CLAIM));
                }
            }
        }
        return s;
    }

    /** Whether anybody wants to hear of a guest entry on {@code cpu}: kept cheap, this is the VM-entry path. */
    private boolean guestInterest(int cpu) {
        if (core.listeners.anyGuestListener()) {
            return true;
        }
        CpuShadow<PerfEvent> sh = cpus.shadow(cpu);
        for (int slot = 0; slot < CpuShadow.HBP_NUM; slot++) {
            PerfEvent ev = sh.owner(slot);
            if (ev != null && ev.handler.wantsGuestClaims()) {
                return true;
            }
        }
        return false;
    }

    /** Abandons {@code hold} if it is a guest session (its owner is closing); false if it is something else. */
    static boolean abandon(AutoCloseable hold) {
        if (hold instanceof Session g) {
            g.abandon();
            return true;
        }
        return false;
    }

    private final class Session implements GuestSession {
        private final Owner owner;
        private final Cpu cpu;
        private final Holder holder;
        private final AtomicBoolean open = new AtomicBoolean(true);

        Session(Owner owner, Cpu cpu, Holder holder) {
            this.owner = owner;
            this.cpu = cpu;
            this.holder = holder;
        }

        @Override
        public int cpu() {
            return cpu.index();
        }

        @Override
        public Holder holder() {
            return holder;
        }

        @Override
        public DebugRegisters registers() {
            return new CpuDebugRegisters(cpu, cpus.shadow(cpu.index()));
        }

        @Override
        public void vmEntry(long guestDr7) {
            if (cpu.holder().equals(holder)) {
                cpu.registers().hardwareSet(7, guestDr7);
            }
        }

        @Override
        public long guestAccess(long address, int length, AccessKind kind) {
            return cpu.holder().equals(holder) ? DebugException.match(cpu.registers(), address, length, kind) : 0;
        }

        @Override
        public void vmExit() {
            if (cpu.holder().equals(holder)) {
                cpu.registers().hardwareSet(7, DebugRegisterFile.DR7_RESET);
            }
        }

        @Override
        public void close() {
            end(false);
        }

        /**
         * The owner went away with the vCPU still in the guest (its bundle stopped mid-run): the host gets its
         * registers back from the shadows if it has active breakpoints, as KVM's exit path would have done.
         */
        void abandon() {
            end(true);
        }

        private void end(boolean abandoned) {
            core.restart.captureIfStopping();
            if (!open.compareAndSet(true, false)) {
                return;
            }
            cpu.lock().lock();
            try {
                // Linux runs the guest with IRQs off, so an install aimed at this CPU waits for the exit; here
                // it moved only the shadows, and the hardware catches up now.
                CpuShadow<PerfEvent> sh = cpus.shadow(cpu.index());
                if (cpu.transferHolder(holder, Holder.HOST)
                        && (cpu.takeShadowChanged() || (abandoned && sh.active()))) {
                    sh.restoreLocked();
                }
            } finally {
                cpu.unlockAndApplyPending();
            }
            owner.holds.remove(this);
            if (guestInterest(cpu.index())) {
                for (PerfEvent ev : cpus.installedOn(cpu.index())) {
                    if (ev.handler.wantsGuestClaims()) {
                        core.dispatcher.deliver(ev.owner.name(), "restored", () -> ev.handler.restored(ev));
                    }
                }
                core.log.add("release cpus=" + cpu.index() + " holder=" + holder + " bundle=" + owner.name());
                core.listeners.released(Set.of(cpu.index()), holder, true);
            }
        }
    }
}
