package org.hwbp.core.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.hwbp.api.AccessKind;
import org.hwbp.api.Breakpoint;
import org.hwbp.api.BreakpointSpec;
import org.hwbp.api.Debugger;
import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;
import org.hwbp.api.machine.AccessResult;
import org.hwbp.core.BreakpointServiceImpl;
import org.hwbp.core.HwBreakpointCore;
import org.hwbp.core.MachineImpl;
import org.hwbp.core.Policy;
import org.hwbp.core.x86.KernelAddressMap;
import org.junit.jupiter.api.Test;

/**
 * Security (issue 8): one client cannot reach another's breakpoints, and a user breakpoint (exclude_kernel)
 * never fires on a kernel-mode access, whatever the access.
 */
class SecurityTest {
    /**
     * How long an access waits for its handler (the dispatcher's bounded wait). The handlers here return at once;
     * 200 ms was too short for a callback thread to be scheduled on a loaded 2-CPU machine (a hit then counted 0).
     */
    private static final long CALLBACK_WAIT_MS = 10_000;

    private static void assertErrno(Errno errno, ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOfSatisfying(HwbpException.class,
                e -> assertThat(e.errno()).as(e.getMessage()).isEqualTo(errno));
    }

    @Test
    void aClientCannotUseAnotherClientsHandle() {
        HwBreakpointCore core = new HwBreakpointCore(2, Policy.LINUX, CALLBACK_WAIT_MS);
        try (BreakpointServiceImpl a = new BreakpointServiceImpl(core, "org.hwbp.a");
                BreakpointServiceImpl b = new BreakpointServiceImpl(core, "org.hwbp.b")) {
            Breakpoint theirs = a.register(BreakpointSpec.onCpu(0, 0x601000, 4, BreakpointSpec.W), (bp, hit) -> { });
            Debugger dbg = b.debugger();
            assertErrno(Errno.EPERM, () -> dbg.reserveSlot(theirs));
            assertErrno(Errno.EPERM, () -> dbg.releaseSlot(theirs));
            assertErrno(Errno.EPERM, () -> dbg.install(theirs, 0x602000, 4, BreakpointSpec.W));
            assertErrno(Errno.EPERM, () -> dbg.uninstall(theirs));
            // Ids are per owner: b's id 1 is not a's breakpoint 1, and b's list never shows a's breakpoints.
            assertErrno(Errno.ENOENT, () -> b.byId(theirs.id()));
            assertThat(b.breakpoints()).isEmpty();
            Breakpoint mine = b.register(BreakpointSpec.onCpu(1, 0x601000, 4, BreakpointSpec.W), (bp, hit) -> { });
            assertThat(mine.id()).isEqualTo(theirs.id());
            assertThat(b.byId(mine.id())).containsExactly(mine);
            assertThat(theirs.isRegistered()).isTrue();
            assertThat(theirs.spec().address()).isEqualTo(0x601000);
            assertThat(theirs.installedSlot(0)).isZero();
        } finally {
            assertThat(core.checkQuiescent()).isEmpty();
            assertThat(core.isUsed()).isFalse();
            core.shutdown();
        }
    }

    @Test
    void aUserBreakpointOnAKernelAddressIsEinval() {
        HwBreakpointCore core = new HwBreakpointCore(2, Policy.LINUX, CALLBACK_WAIT_MS);
        try (BreakpointServiceImpl a = new BreakpointServiceImpl(core, "org.hwbp.a")) {
            int task = core.createTask("t");
            assertErrno(Errno.EINVAL, () -> a.register(BreakpointSpec.forTask(task, KernelAddressMap.KERNEL_DATA, 4,
                    BreakpointSpec.W).withExcludeKernel(true), (bp, hit) -> { }));
            assertErrno(Errno.EINVAL, () -> a.register(BreakpointSpec.forTask(task, KernelAddressMap.TASK_SIZE_MAX, 1,
                    BreakpointSpec.W).withExcludeKernel(true), (bp, hit) -> { }));
            assertThat(core.isUsed()).isFalse();
        } finally {
            core.shutdown();
        }
    }

    @Provide
    Arbitrary<AccessKind> kinds() {
        return Arbitraries.of(AccessKind.values());
    }

    /**
     * A user breakpoint of the running task, hit by a kernel-mode access (copy_to_user and the like): the
     * hardware traps, the handler is never called; the same access in user mode does reach it.
     */
    @Property(tries = 200)
    void aUserBreakpointNeverFiresInKernelMode(@ForAll @IntRange(min = 0, max = 511) int slotIndex,
            @ForAll @IntRange(min = 0, max = 3) int lenLog, @ForAll @IntRange(min = 0, max = 2) int typeIndex,
            @ForAll @IntRange(min = 0, max = 1) int cpu, @ForAll @IntRange(min = 0, max = 7) int offset,
            @ForAll("kinds") AccessKind kind) {
        int[] types = {BreakpointSpec.W, BreakpointSpec.RW, BreakpointSpec.X};
        int type = types[typeIndex];
        int len = type == BreakpointSpec.X ? 8 : 1 << lenLog;
        long addr = 0x60_0000L + 8L * slotIndex;
        HwBreakpointCore core = new HwBreakpointCore(2, Policy.LINUX, CALLBACK_WAIT_MS);
        try (BreakpointServiceImpl ptrace = new BreakpointServiceImpl(core, "org.hwbp.ptrace-client");
                MachineImpl machine = new MachineImpl(core, "org.hwbp.ptrace-client")) {
            int task = machine.createTask("tracee");
            machine.switchTo(cpu, task);
            AtomicInteger hits = new AtomicInteger();
            ptrace.register(BreakpointSpec.forTask(task, addr, len, type).withExcludeKernel(true),
                    (bp, hit) -> hits.incrementAndGet());
            long at = kind == AccessKind.X ? addr : addr + (offset % len);
            int accessLen = 1;
            AccessResult kernel = machine.access(cpu, at, accessLen, kind, true);
            assertThat(hits.get()).as("handler calls after a kernel-mode access").isZero();
            if (kernel.trapped()) {
                assertThat(kernel.calls()).allMatch(l -> l.contains("not delivered (exclude_kernel"));
            }
            AccessResult user = machine.access(cpu, at, accessLen, kind, false);
            assertThat(hits.get()).isEqualTo(user.trapped() ? 1 : 0);
            assertThat(kernel.trapped()).isEqualTo(user.trapped());
        } finally {
            assertThat(core.checkQuiescent()).isEmpty();
            core.shutdown();
        }
    }
}
