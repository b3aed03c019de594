package org.hwbp.ptrace.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.hwbp.api.AccessKind;
import org.hwbp.api.Breakpoint;
import org.hwbp.api.BreakpointService;
import org.hwbp.api.BreakpointSpec;
import org.hwbp.api.DebuggerClaim;
import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;
import org.hwbp.api.PreemptReason;
import org.hwbp.api.WideBreakpoint;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every row of linux-reference §4 (arch/x86/kernel/ptrace.c) and its key consequences. */
class PtraceUserAreaTest {
    static final long VAR = 0x404040;
    static final long KERNEL = 0xffffffff81000000L;
    static final long DR7_W1_L0 = 0x10001;

    PtraceFixture f;

    @BeforeEach
    void setUp() {
        f = new PtraceFixture();
    }

    @AfterEach
    void tearDown() {
        assertThat(f.core.check()).isEmpty();
        f.close();
    }

    static void assertErrno(Runnable r, Errno errno) {
        assertThatThrownBy(r::run).isInstanceOf(HwbpException.class)
                .satisfies(e -> assertThat(((HwbpException) e).errno()).isEqualTo(errno))
                .hasMessageStartingWith(errno.name() + ": ");
    }

    /** A wide kernel breakpoint of another bundle: one slot on every CPU. */
    WideBreakpoint wide(BreakpointService other, long addr) {
        return other.registerWide(BreakpointSpec.onCpu(0, addr, 8, BreakpointSpec.W), (bp, hit) -> { });
    }

    @Nested
    class Offsets {
        @ParameterizedTest
        @ValueSource(longs = {849, 852, 1, 903, 905})
        void unalignedOffsetsGiveEio(long offset) {
            assertErrno(() -> f.tracer.peekUser(f.task, offset), Errno.EIO);
            assertErrno(() -> f.tracer.pokeUser(f.task, offset, 0), Errno.EIO);
        }

        @ParameterizedTest
        @ValueSource(longs = {928, 936, 4096, -8, Long.MIN_VALUE})
        void offsetsAtOrBeyondSizeofStructUserGiveEio(long offset) {
            assertErrno(() -> f.tracer.peekUser(f.task, offset), Errno.EIO);
            assertErrno(() -> f.tracer.pokeUser(f.task, offset, 0), Errno.EIO);
        }

        @Test
        void otherFieldsOfStructUserReadZeroAndRefuseWrites() {
            for (long off : new long[] {216, 840, 912, 920}) {
                assertThat(f.tracer.peekUser(f.task, off)).isZero();
                assertErrno(() -> f.tracer.pokeUser(f.task, off, 1), Errno.EIO);
            }
        }

        @Test
        void generalRegistersAreNotModelled() {
            assertThatThrownBy(() -> f.tracer.peekUser(f.task, 0)).hasMessageContaining("only the debug registers");
            assertErrno(() -> f.tracer.pokeUser(f.task, 128, 0), Errno.EIO);
        }

        @Test
        void debugRegisterOffsetsAndNames() {
            assertThat(UserArea.offsetOfName("dr0")).isEqualTo(848);
            assertThat(UserArea.offsetOfName("DR7")).isEqualTo(904);
            assertThat(UserArea.offsetOfName("dr8")).isEqualTo(-1);
            f.tracer.pokeUser(f.task, 856, VAR);
            assertThat(f.peek("dr1")).isEqualTo(VAR);
        }
    }

    @Nested
    class Peek {
        @Test
        void drnWithoutEventIsZero() {
            for (int n = 0; n < 4; n++) {
                assertThat(f.peek("dr" + n)).isZero();
            }
        }

        @Test
        void dr4AndDr5ReadZero() {
            assertThat(f.peek("dr4")).isZero();
            assertThat(f.peek("dr5")).isZero();
        }

        @Test
        void dr6IsVirtualDr6InArchitecturalPolarity() {
            assertThat(f.peek("dr6")).isEqualTo(0xFFFF0FF0L);
        }

        @Test
        void dr7IsPtraceDr7AsWrittenWhileHardwareGetsGlobalBits() {
            f.poke("dr0", VAR);
            // L0 and LE: Linux keeps them only in ptrace_dr7; cpu_dr7 gets G0 and GE.
            f.poke("dr7", 0x00010101);
            assertThat(f.peek("dr7")).isEqualTo(0x00010101);
            assertThat(f.machine.registers(PtraceFixture.CPU).shadowDr7()).isEqualTo(0x00010202);
        }
    }

    @Nested
    class PokeAddress {
        @Test
        void firstWriteRegistersADisabledWriteBreakpointThatHoldsASlot() {
            f.poke("dr2", VAR + 1);
            Breakpoint bp = f.state().breakpoint(2);
            assertThat(bp.spec()).isEqualTo(BreakpointSpec.forTask(f.task, VAR + 1, 1, BreakpointSpec.W)
                    .withDisabled(true).withExcludeKernel(true));
            assertThat(bp.isReserved()).isTrue();
            assertThat(bp.installedSlot(PtraceFixture.CPU)).isEqualTo(-1);
            assertThat(f.bps.isUsed()).isTrue();
            assertThat(f.peek("dr2")).isEqualTo(VAR + 1);
        }

        @Test
        void enospcIsCheckedBeforeEinval() {
            BreakpointService other = f.other("org.hwbp.shell");
            for (int i = 0; i < 4; i++) {
                wide(other, 0x500000 + 8 * i);
            }
            assertErrno(() -> f.poke("dr0", KERNEL), Errno.ENOSPC);
            assertThat(f.state().breakpoint(0)).isNull();
        }

        @Test
        void kernelAddressIsEinval() {
            assertErrno(() -> f.poke("dr0", KERNEL), Errno.EINVAL);
            assertThat(f.state().breakpoint(0)).isNull();
            assertThat(f.bps.isUsed()).isFalse();
        }

        @Test
        void laterWritesModifyTheAddressOnlyWithoutSlotRecheck() {
            f.poke("dr0", VAR);
            BreakpointService other = f.other("org.hwbp.shell");
            for (int i = 0; i < 3; i++) {
                wide(other, 0x500000 + 8 * i);
            }
            assertErrno(() -> wide(other, 0x500018), Errno.ENOSPC);
            f.poke("dr0", VAR + 8);
            assertThat(f.peek("dr0")).isEqualTo(VAR + 8);
            assertErrno(() -> f.poke("dr0", KERNEL), Errno.EINVAL);
            assertThat(f.peek("dr0")).isEqualTo(VAR + 8);
        }

        @Test
        void addressWriteIsRevalidatedAgainstTheEnabledLength() {
            f.poke("dr0", VAR);
            f.poke("dr7", 0xd0001); // W, LEN 11 (4 bytes), L0
            assertErrno(() -> f.poke("dr0", VAR + 2), Errno.EINVAL);
            assertThat(f.peek("dr0")).isEqualTo(VAR);
            assertThat(f.state().breakpoint(0).installedSlot(PtraceFixture.CPU)).isZero();
        }

        @Test
        void dr4AndDr5WritesGiveEio() {
            assertErrno(() -> f.poke("dr4", 1), Errno.EIO);
            assertErrno(() -> f.poke("dr5", 1), Errno.EIO);
        }
    }

    @Nested
    class PokeDr6 {
        @Test
        void storesTheFlippedValueAndNothingConsumesIt() {
            f.poke("dr6", 0xFFFF4FF2L);
            assertThat(f.state().virtualDr6()).isEqualTo(0x4002);
            assertThat(f.peek("dr6")).isEqualTo(0xFFFF4FF2L);
            assertThat(f.tracer.waitFor(f.task)).isNull();
            f.poke("dr6", 0);
            assertThat(f.state().virtualDr6()).isEqualTo(0xFFFF0FF0L);
            assertThat(f.peek("dr6")).isZero();
        }
    }

    @Nested
    class PokeDr7 {
        @Test
        void enabledSlotWithoutEventGetsABreakpointAtAddressZero() {
            f.poke("dr7", 0x00d0002); // G0, W, 4 bytes
            Breakpoint bp = f.state().breakpoint(0);
            assertThat(bp.spec()).isEqualTo(BreakpointSpec.forTask(f.task, 0, 4, BreakpointSpec.W)
                    .withExcludeKernel(true));
            assertThat(bp.installedSlot(PtraceFixture.CPU)).isZero();
            assertThat(f.state().breakpoint(1)).isNull();
        }

        @Test
        void localOrGlobalEnables() {
            f.poke("dr1", VAR);
            f.poke("dr7", 0x100004); // L1 only, W 1 byte
            assertThat(f.state().breakpoint(1).spec().disabled()).isFalse();
            f.poke("dr7", 0x100008); // G1 only
            assertThat(f.state().breakpoint(1).spec().disabled()).isFalse();
        }

        @Test
        void reservedBitsAreStrippedButPtraceDr7KeepsThem() {
            f.poke("dr0", VAR);
            long value = 0xABCD0000_0001FC01L;
            f.poke("dr7", value);
            assertThat(f.peek("dr7")).isEqualTo(value);
            Breakpoint bp = f.state().breakpoint(0);
            assertThat(bp.spec().disabled()).isFalse();
            assertThat(bp.spec().type()).isEqualTo(BreakpointSpec.W);
            assertThat(bp.spec().length()).isEqualTo(1);
        }

        @Test
        void ioRwIsEinvalAndTheOldDr7IsReplayed() {
            f.poke("dr0", VAR);
            f.poke("dr7", 0xd0101); // L0 LE, W 4 bytes
            long before = f.peek("dr7");
            Breakpoint bp0 = f.state().breakpoint(0);
            // Slot 0 becomes RW/8 (valid), slot 1 asks for R/W = 10 (I/O): the first pass fails at slot 1.
            assertErrno(() -> f.poke("dr7", 0x2B0005L), Errno.EINVAL);
            assertThat(f.peek("dr7")).isEqualTo(before);
            assertThat(bp0.spec()).isEqualTo(BreakpointSpec.forTask(f.task, VAR, 4, BreakpointSpec.W)
                    .withExcludeKernel(true));
            assertThat(bp0.installedSlot(PtraceFixture.CPU)).isZero();
            assertThat(f.state().breakpoint(1)).isNull();
            assertThat(f.access(VAR, 1, AccessKind.R).trapped()).isFalse();
            assertThat(f.access(VAR, 1, AccessKind.W).trapped()).isTrue();
        }

        @Test
        void executeNeedsLen00() {
            f.poke("dr0", 0x401126);
            assertErrno(() -> f.poke("dr7", 0x40001), Errno.EINVAL); // R/W 00, LEN 01
            assertThat(f.peek("dr7")).isZero();
            f.poke("dr7", 0x1);
            assertThat(f.state().breakpoint(0).spec().type()).isEqualTo(BreakpointSpec.X);
            assertThat(f.state().breakpoint(0).spec().length()).isEqualTo(8);
        }

        @Test
        void misalignmentIsEinvalAndTheReplayRewritesDisabledSlotsAsExecute() {
            f.poke("dr0", VAR + 2);
            assertErrno(() -> f.poke("dr7", 0xd0001), Errno.EINVAL); // W 4 bytes at VAR+2
            // old DR7 was 0: the replay decodes a zero nibble for the disabled slot, as Linux does.
            Breakpoint bp = f.state().breakpoint(0);
            assertThat(bp.spec()).isEqualTo(BreakpointSpec.forTask(f.task, VAR + 2, 8, BreakpointSpec.X)
                    .withDisabled(true).withExcludeKernel(true));
            assertThat(bp.isReserved()).isTrue();
            assertThat(f.peek("dr7")).isZero();
        }

        @Test
        void enospcDuringTheFirstPassLeavesTheNewEventRegisteredButDisabled() {
            BreakpointService other = f.other("org.hwbp.shell");
            for (int i = 0; i < 3; i++) {
                wide(other, 0x500000 + 8 * i);
            }
            // Slot 0 registers (the fourth slot), slot 1 finds none.
            assertErrno(() -> f.poke("dr7", 0x110005), Errno.ENOSPC);
            assertThat(f.peek("dr7")).isZero();
            Breakpoint bp0 = f.state().breakpoint(0);
            assertThat(bp0.spec()).isEqualTo(BreakpointSpec.forTask(f.task, 0, 8, BreakpointSpec.X)
                    .withDisabled(true).withExcludeKernel(true));
            assertThat(bp0.isReserved()).isTrue();
            assertThat(f.state().breakpoint(1)).isNull();
            assertErrno(() -> wide(other, 0x500018), Errno.ENOSPC);
        }

        @Test
        void writingZeroKeepsEverySlotAsADisabledExecuteBreakpoint() {
            for (int n = 0; n < 4; n++) {
                f.poke("dr" + n, VAR + 8 * n);
            }
            f.poke("dr7", 0xdddd00ff);
            f.poke("dr7", 0);
            for (int n = 0; n < 4; n++) {
                Breakpoint bp = f.state().breakpoint(n);
                assertThat(bp.spec()).isEqualTo(BreakpointSpec.forTask(f.task, VAR + 8 * n, 8, BreakpointSpec.X)
                        .withDisabled(true).withExcludeKernel(true));
                assertThat(bp.isReserved()).isTrue();
                assertThat(f.peek("dr" + n)).isEqualTo(VAR + 8 * n);
            }
            assertThat(f.peek("dr7")).isZero();
            assertThat(f.machine.registers(PtraceFixture.CPU).shadowDr7() & 0xff).isZero();
        }
    }

    @Nested
    class Consequences {
        @Test
        void fourDisabledPtraceBreakpointsLeaveNoSlotForAWideBreakpoint() {
            for (int n = 0; n < 4; n++) {
                f.poke("dr" + n, VAR + 8 * n);
            }
            BreakpointService other = f.other("org.hwbp.shell");
            assertErrno(() -> wide(other, 0x500000), Errno.ENOSPC);
            f.machine.exitTask(f.task);
            assertThat(f.bps.isUsed()).isFalse();
            wide(other, 0x500000);
        }

        @Test
        void drNumbersAreVirtual() {
            f.poke("dr3", VAR);
            f.poke("dr7", 0x50000080); // G3, W 2 bytes
            Breakpoint bp = f.state().breakpoint(3);
            assertThat(bp.installedSlot(PtraceFixture.CPU)).isZero();
            assertThat(f.access(VAR, 2, AccessKind.W).dr6() & 0xF).isEqualTo(1);
            assertThat(f.tracer.waitFor(f.task).dr6()).isEqualTo(0xFFFF0FF8L);
            assertThat(f.peek("dr6")).isEqualTo(0xFFFF0FF8L);
        }

        @Test
        void oneExceptionSetsSeveralBitsAndTheNextOneStartsAfresh() {
            f.poke("dr0", VAR);
            f.poke("dr1", VAR + 4);
            f.poke("dr7", 0x19000a); // G0 W 8 bytes, G1 W 1 byte
            f.access(VAR, 8, AccessKind.W);
            assertThat(f.peek("dr6")).isEqualTo(0xFFFF0FF3L);
            f.tracer.cont(f.task);
            f.access(VAR, 1, AccessKind.W);
            assertThat(f.peek("dr6")).isEqualTo(0xFFFF0FF1L);
            assertThat(f.tracer.waitFor(f.task).dr6()).isEqualTo(0xFFFF0FF1L);
        }

        @Test
        void kernelModeAccessesDoNotStopTheTracee() {
            f.poke("dr0", VAR);
            f.poke("dr7", 0x30002); // G0 RW 1 byte
            assertThat(f.machine.access(PtraceFixture.CPU, VAR, 1, AccessKind.R, true).trapped()).isTrue();
            assertThat(f.tracer.waitFor(f.task)).isNull();
            assertThat(f.peek("dr6")).isEqualTo(0xFFFF0FF0L);
        }

        @Test
        void detachKeepsTheBreakpointsAndReattachSeesThem() {
            f.poke("dr0", VAR);
            f.poke("dr7", 0x10001);
            Breakpoint bp = f.state().breakpoint(0);
            f.tracer.detach(f.task);
            assertThat(bp.isRegistered()).isTrue();
            assertThat(bp.installedSlot(PtraceFixture.CPU)).isZero();
            assertErrno(() -> f.peek("dr0"), Errno.ESRCH);
            f.tracer.attach(f.task);
            assertThat(f.peek("dr0")).isEqualTo(VAR);
            assertThat(f.peek("dr7")).isEqualTo(0x10001);
        }

        @Test
        void aHitAfterDetachKillsTheUntracedTaskWithSigtrap() {
            f.poke("dr0", VAR);
            f.poke("dr7", 0x10001);
            Breakpoint bp = f.state().breakpoint(0);
            f.tracer.detach(f.task);
            f.access(VAR, 1, AccessKind.W);
            assertThat(f.machine.task(f.task).alive()).isFalse();
            assertThat(bp.isRegistered()).isFalse();
            assertThat(f.bps.isUsed()).isFalse();
        }

        @Test
        void aHitOfATracedTaskStopsItAndLeavesItAlive() {
            f.poke("dr0", VAR);
            f.poke("dr7", 0x10001);
            f.access(VAR, 1, AccessKind.W);
            assertThat(f.machine.task(f.task).alive()).isTrue();
        }

        @Test
        void exitFlushesEverything() {
            f.poke("dr0", VAR);
            f.poke("dr7", 0x10001);
            f.poke("dr1", VAR + 8);
            Breakpoint bp0 = f.state().breakpoint(0);
            f.access(VAR, 1, AccessKind.W);
            f.machine.exitTask(f.task);
            assertThat(bp0.isRegistered()).isFalse();
            assertThat(f.bps.breakpoints()).isEmpty();
            assertThat(f.bps.isUsed()).isFalse();
            assertErrno(() -> f.peek("dr0"), Errno.ESRCH);
            assertErrno(() -> f.tracer.attach(f.task), Errno.ESRCH);
        }
    }

    /**
     * exc_debug_user() (arch/x86/kernel/traps.c): {@code current->thread.virtual_dr6 = (dr6 & DR_STEP)} at every
     * user-mode #DB of the task, whoever owns the breakpoint, before hw_breakpoint_handler() runs any handler;
     * exc_debug_kernel() leaves it alone. Found by the Linux oracle (oracle/scenarios/virtual-dr6-reset.hwbp).
     */
    @Nested
    class VirtualDr6AtEveryUserDebugException {
        @Test
        void anotherOwnersTaskBreakpointHitResetsItWithoutAStop() {
            f.poke("dr6", 0xFFFF0FF1L);
            f.other("org.hwbp.hwbp-core").register(BreakpointSpec.forTask(f.task, VAR, 4, BreakpointSpec.W),
                    (bp, hit) -> { });
            assertThat(f.access(VAR, 4, AccessKind.W).trapped()).isTrue();
            assertThat(f.peek("dr6")).isEqualTo(0xFFFF0FF0L);
            // the perf breakpoint's hit sends no SIGTRAP (hw_breakpoint_handler() returns NOTIFY_STOP)
            assertThat(f.tracer.waitFor(f.task)).isNull();
        }

        @Test
        void aWideBreakpointHitAfterAPtraceStopResetsIt() {
            f.poke("dr0", VAR);
            f.poke("dr7", DR7_W1_L0);
            f.access(VAR, 1, AccessKind.W);
            assertThat(f.peek("dr6")).isEqualTo(0xFFFF0FF1L);
            f.tracer.cont(f.task);
            wide(f.other("org.hwbp.shell"), VAR + 16);
            assertThat(f.access(VAR + 16, 8, AccessKind.W).trapped()).isTrue();
            assertThat(f.peek("dr6")).isEqualTo(0xFFFF0FF0L);
            assertThat(f.tracer.waitFor(f.task)).isNull();
        }

        @Test
        void aPtraceHitTogetherWithAnotherOwnersStartsFromTheReset() {
            f.poke("dr1", VAR);
            f.poke("dr7", 0x100004); // L1 W 1 byte
            f.poke("dr6", 0xFFFF0FF8L);
            f.other("org.hwbp.hwbp-core").register(BreakpointSpec.forTask(f.task, VAR, 1, BreakpointSpec.W),
                    (bp, hit) -> { });
            assertThat(f.access(VAR, 1, AccessKind.W).dr6() & 0xF).isEqualTo(0x3);
            assertThat(f.peek("dr6")).isEqualTo(0xFFFF0FF2L);
            assertThat(f.tracer.waitFor(f.task).dr6()).isEqualTo(0xFFFF0FF2L);
        }

        @Test
        void theSingleStepBitOfTheRealDr6IsKept() {
            f.poke("dr6", 0xFFFF0FF4L);
            f.other("org.hwbp.hwbp-core").register(BreakpointSpec.forTask(f.task, VAR, 4, BreakpointSpec.W),
                    (bp, hit) -> { });
            // a single-step trap pending in the real DR6 (BS) when the access hits
            f.machine.registers(PtraceFixture.CPU).write(6, 0xFFFF4FF0L);
            f.access(VAR, 4, AccessKind.W);
            assertThat(f.peek("dr6")).isEqualTo(0xFFFF4FF0L);
        }

        @Test
        void aKernelModeDebugExceptionLeavesIt() {
            f.poke("dr6", 0xFFFF0FF1L);
            // copy_from_user() on the tracee's behalf hits a perf breakpoint that does not exclude the kernel
            f.other("org.hwbp.hwbp-core").register(BreakpointSpec.forTask(f.task, VAR, 4, BreakpointSpec.RW),
                    (bp, hit) -> { });
            assertThat(f.machine.access(PtraceFixture.CPU, VAR, 4, AccessKind.R, true).trapped()).isTrue();
            assertThat(f.peek("dr6")).isEqualTo(0xFFFF0FF1L);
        }

        @Test
        void anotherTasksDebugExceptionLeavesIt() {
            f.poke("dr6", 0xFFFF0FF1L);
            int t2 = f.machine.createTask("other");
            f.machine.switchTo(PtraceFixture.CPU, t2);
            wide(f.other("org.hwbp.shell"), VAR);
            assertThat(f.access(VAR, 8, AccessKind.W).trapped()).isTrue();
            assertThat(f.peek("dr6")).isEqualTo(0xFFFF0FF1L);
        }

        @Test
        void aDetachedTasksVirtualDr6IsResetToo() {
            f.poke("dr6", 0xFFFF0FF1L);
            f.tracer.detach(f.task);
            wide(f.other("org.hwbp.shell"), VAR);
            assertThat(f.access(VAR, 8, AccessKind.W).trapped()).isTrue();
            assertThat(f.machine.task(f.task).alive()).as("no SIGTRAP: the hit is not ptrace's").isTrue();
            f.tracer.attach(f.task);
            assertThat(f.peek("dr6")).isEqualTo(0xFFFF0FF0L);
        }
    }

    @Nested
    class TracerRules {
        @Test
        void attachRefusesMissingExitedAndAlreadyTracedTasks() {
            assertErrno(() -> f.tracer.attach(99), Errno.ESRCH);
            assertErrno(() -> f.tracer.attach(f.task), Errno.EPERM);
            int t2 = f.machine.createTask("other");
            f.machine.exitTask(t2);
            assertErrno(() -> f.tracer.attach(t2), Errno.ESRCH);
        }

        @Test
        void requestsOnUntracedTasksGiveEsrch() {
            int t2 = f.machine.createTask("other");
            assertErrno(() -> f.tracer.peekUser(t2, 848), Errno.ESRCH);
            assertErrno(() -> f.tracer.pokeUser(t2, 848, VAR), Errno.ESRCH);
            assertErrno(() -> f.tracer.waitFor(t2), Errno.ESRCH);
            assertErrno(() -> f.tracer.detach(t2), Errno.ESRCH);
            assertErrno(() -> f.tracer.status(t2), Errno.ESRCH);
        }
    }

    @Nested
    class Claims {
        @Test
        void preemptedAndRestoredAreLoggedAndShown() {
            f.poke("dr2", VAR);
            f.poke("dr7", 0x1000020); // G2 W 1 byte
            DebuggerClaim claim = f.other("org.hwbp.kgdb-client").debugger().claimAllCpus();
            assertThat(f.state().preemptedReason(2)).isEqualTo(PreemptReason.DEBUGGER_CLAIM);
            assertThat(f.tracer.status(f.task)).contains("preempted DEBUGGER_CLAIM");
            claim.release();
            assertThat(f.state().preemptedReason(2)).isNull();
            List<String> log = f.state().log();
            assertThat(log).containsExactly("DR2 (bp 1) preempted DEBUGGER_CLAIM", "DR2 (bp 1) restored");
            assertThat(f.tracer.status(f.task)).contains("log: DR2 (bp 1) restored")
                    .contains("DR2 0x404040 len 1 w enabled bp 1 installed cpu 1 slot 0 reserved");
        }
    }
}
