package org.hwbp.core.inspect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.hwbp.api.Breakpoint;
import org.hwbp.api.BreakpointSpec;
import org.hwbp.api.DebuggerClaim;
import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;
import org.hwbp.api.inspect.BreakpointDTO;
import org.hwbp.api.inspect.CountersDTO;
import org.hwbp.api.inspect.CpuDTO;
import org.hwbp.api.inspect.EventDTO;
import org.hwbp.api.inspect.EventPageDTO;
import org.hwbp.api.inspect.ReturningBreakpointDTO;
import org.hwbp.api.x86.Dr7;
import org.hwbp.core.BreakpointServiceImpl;
import org.hwbp.core.CoreSnapshot;
import org.hwbp.core.HwBreakpointCore;
import org.hwbp.core.MachineImpl;
import org.hwbp.core.Policy;
import org.hwbp.core.osgi.HwbpAdminComponent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The inspection DTOs against a real core: what they show, and that showing it is no register access. */
class CoreInspectorTest {
    private static final String OWNER = "org.hwbp.test";
    private static final long USER_VAR = 0x60_1000L;

    private final HwBreakpointCore core = new HwBreakpointCore(4, Policy.LINUX, 1000);
    private final BreakpointServiceImpl bps = new BreakpointServiceImpl(core, OWNER);
    private final MachineImpl machine = new MachineImpl(core, OWNER);
    private final CoreInspector inspector = new CoreInspector(core);

    @AfterEach
    void close() {
        bps.close();
        machine.close();
        core.shutdown();
    }

    private static void assertErrno(Errno errno, String message, Runnable call) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(HwbpException.class, e -> {
            assertThat(e.errno()).isEqualTo(errno);
            assertThat(e.getMessage()).isEqualTo(message);
        });
    }

    @Test
    void aCpuShowsItsRegistersShadowsSlotOwnersAndTask() {
        int task = machine.createTask("t");
        machine.switchTo(0, task);
        Breakpoint bp = bps.register(BreakpointSpec.forTask(task, USER_VAR, 4, BreakpointSpec.W), (b, h) -> { });

        CpuDTO c = inspector.getCpu(0);
        assertThat(c.id).isZero();
        assertThat(c.holder.kind).isEqualTo("HOST");
        assertThat(c.holder.vcpu).isEqualTo(-1);
        assertThat(c.slotsInUse).isEqualTo(1);
        assertThat(c.debugreg).containsExactly(USER_VAR, 0, 0, 0);
        assertThat(c.cpuDebugreg).containsExactly(USER_VAR, 0, 0, 0);
        assertThat(Dr7.enabled(c.dr7, 0)).isTrue();
        assertThat(c.dr7).isEqualTo(c.cpuDr7);
        assertThat(c.dr6).isEqualTo(0xffff0ff0L);
        assertThat(c.bpPerRegOwner).containsExactly(OWNER, null, null, null);
        assertThat(c.bpPerRegId).containsExactly(bp.id(), 0, 0, 0);
        assertThat(c.hwBreakpointActive).isTrue();
        assertThat(c.runningTask).isEqualTo(task);

        // A task breakpoint on every CPU reserves a slot everywhere; it is installed only where the task runs.
        CpuDTO idle = inspector.getCpus()[1];
        assertThat(idle.slotsInUse).isEqualTo(1);
        assertThat(idle.bpPerRegOwner).containsOnlyNulls();
        assertThat(idle.dr7).isEqualTo(Dr7.RESET);
        assertThat(idle.hwBreakpointActive).isFalse();
        assertThat(idle.runningTask).isZero();
        assertThat(inspector.getCpus()).hasSize(4);
        assertErrno(Errno.EINVAL, "EINVAL: no CPU 4 (0..3)", () -> inspector.getCpu(4));
    }

    @Test
    void readingEverythingIsNoDebugRegisterAccess() {
        int task = machine.createTask("t");
        machine.switchTo(2, task);
        bps.register(BreakpointSpec.forTask(task, USER_VAR, 4, BreakpointSpec.W), (b, h) -> { });
        bps.registerWide(BreakpointSpec.onCpu(0, 0xffffffff82000000L, 8, BreakpointSpec.RW), (b, h) -> { });
        CountersDTO before = inspector.getCounters();
        assertThat(before.drWrites).as("the installs wrote registers").isPositive();

        inspector.getMachine();
        inspector.getCpus();
        inspector.getBreakpoints();
        inspector.getTasks();
        inspector.getEvents(0, 100);
        inspector.getLatestEvents(100);
        assertThat(inspector.check().ok).isTrue();

        CountersDTO after = inspector.getCounters();
        assertThat(after.cpuDrReads).containsExactly(before.cpuDrReads);
        assertThat(after.cpuDrWrites).containsExactly(before.cpuDrWrites);
        assertThat(after.drReads).isEqualTo(Arrays.stream(after.cpuDrReads).sum());
        assertThat(after.drWrites).isEqualTo(Arrays.stream(after.cpuDrWrites).sum());
    }

    @Test
    void breakpointsShowTheirStateAndSlotPerCpu() {
        int task = machine.createTask("t");
        machine.switchTo(1, task);
        Breakpoint running = bps.register(BreakpointSpec.forTask(task, USER_VAR, 4, BreakpointSpec.W), (b, h) -> { });
        bps.register(BreakpointSpec.onCpu(3, USER_VAR, 8, BreakpointSpec.RW).withDisabled(true), (b, h) -> { });
        int sleeper = machine.createTask("s");
        bps.register(BreakpointSpec.forTaskOnCpu(sleeper, 2, USER_VAR, 8, BreakpointSpec.X).withExcludeKernel(true),
                (b, h) -> { });

        BreakpointDTO[] all = inspector.getBreakpoints();
        assertThat(all).extracting(b -> b.state).containsExactly(BreakpointDTO.STATE_INSTALLED,
                BreakpointDTO.STATE_DISABLED, BreakpointDTO.STATE_RESERVED);
        assertThat(all).extracting(b -> b.id).containsExactly(1, 2, 3);
        assertThat(all).extracting(b -> b.owner).containsOnly(OWNER);
        assertThat(all).extracting(b -> b.reserved).containsOnly(true);
        assertThat(all[0].installedSlot).containsExactly(-1, running.installedSlot(1), -1, -1);
        assertThat(all[0].installedSlot[1]).isZero();
        assertThat(all[1].installedSlot).containsOnly(-1);
        assertThat(all[1].spec.disabled).isTrue();
        assertThat(all[1].spec.cpu).isEqualTo(3);
        assertThat(all[1].spec.task).isZero();
        assertThat(all[2].spec.excludeKernel).isTrue();
        assertThat(all[2].spec.type).isEqualTo(BreakpointSpec.X);
        assertThat(all[2].spec.task).isEqualTo(sleeper);
        assertThat(all[2].spec.cpu).isEqualTo(2);
        assertThat(all[0].spec.address).isEqualTo(USER_VAR);
        assertThat(all[0].spec.length).isEqualTo(4);
        assertThat(inspector.getMachine().used).isTrue();
        assertThat(inspector.getTasks()).extracting(t -> t.name + "@" + t.cpu + (t.alive ? "" : "x"))
                .containsExactly("t@1", "s@-1");
    }

    @Test
    void theDebuggersClaimShowsInHoldersAndTheMachine() {
        BreakpointServiceImpl kgdb = new BreakpointServiceImpl(core, "org.hwbp.kgdb");
        try {
            DebuggerClaim claim = kgdb.debugger().claimAllCpus();
            assertThat(inspector.getMachine().debuggerActive).isTrue();
            assertThat(inspector.getCpus()).extracting(c -> c.holder.kind).containsOnly("DEBUGGER");
            claim.release();
            assertThat(inspector.getMachine().debuggerActive).isFalse();
            assertThat(inspector.getCpus()).extracting(c -> c.holder.kind).containsOnly("HOST");
            assertThat(inspector.getCounters().debuggerClaims).isEqualTo(1);
        } finally {
            kgdb.close();
        }
    }

    @Test
    void theEventLogIsReadPageByPageWithACursor() {
        BreakpointServiceImpl kgdb = new BreakpointServiceImpl(core, "org.hwbp.kgdb");
        try {
            for (int i = 0; i < 3; i++) {
                kgdb.debugger().claimAllCpus().release();
            }
        } finally {
            kgdb.close();
        }
        EventDTO[] latest = inspector.getLatestEvents(1000);
        assertThat(latest).hasSizeGreaterThanOrEqualTo(6);
        assertThat(latest).extracting(e -> e.sequence).isSorted().doesNotHaveDuplicates();
        assertThat(latest[0].sequence).isEqualTo(1);
        assertThat(latest[0].message).startsWith("claim cpus=0-3 holder=DEBUGGER bundle=org.hwbp.kgdb");

        EventPageDTO first = inspector.getEvents(0, 2);
        assertThat(first.events).extracting(e -> e.sequence).containsExactly(1L, 2L);
        assertThat(first.next).isEqualTo(2);
        assertThat(first.oldest).isEqualTo(1);
        assertThat(first.latest).isEqualTo(latest[latest.length - 1].sequence);
        EventPageDTO rest = inspector.getEvents(first.next, 1000);
        assertThat(rest.events).extracting(e -> e.message)
                .containsExactlyElementsOf(Arrays.stream(latest).skip(2).map(e -> e.message).toList());
        assertThat(rest.next).isEqualTo(rest.latest);
        EventPageDTO none = inspector.getEvents(rest.next, 1000);
        assertThat(none.events).isEmpty();
        assertThat(none.next).isEqualTo(rest.next);

        assertThat(inspector.getLatestEvents(2)).extracting(e -> e.sequence)
                .containsExactly(latest[latest.length - 2].sequence, latest[latest.length - 1].sequence);
        assertErrno(Errno.EINVAL, "EINVAL: bad cursor -1 or count 5", () -> inspector.getEvents(-1, 5));
        assertErrno(Errno.EINVAL, "EINVAL: bad N '-1'", () -> inspector.getLatestEvents(-1));
    }

    @Test
    void countersCountAndTheAdminResetsThem() {
        for (int i = 0; i < 4; i++) {
            bps.register(BreakpointSpec.onCpu(0, USER_VAR + 8 * i, 8, BreakpointSpec.W), (b, h) -> { });
        }
        assertThatThrownBy(() -> bps.register(BreakpointSpec.onCpu(0, USER_VAR + 64, 8, BreakpointSpec.W), (b, h) -> { }))
                .isInstanceOfSatisfying(HwbpException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOSPC));
        CountersDTO c = inspector.getCounters();
        assertThat(c.registrations).isEqualTo(4);
        assertThat(c.refusals).isEqualTo(1);
        assertThat(c.cpuDrWrites[0]).isPositive();
        assertThat(c.cpuDrWrites).hasSize(4);

        HwbpAdminComponent admin = new HwbpAdminComponent(null, core);
        admin.resetCounters();
        CountersDTO z = inspector.getCounters();
        assertThat(z.registrations + z.refusals + z.debuggerClaims + z.guestClaims + z.triggers + z.drReads + z.drWrites)
                .isZero();
        assertErrno(Errno.EINVAL, "EINVAL: a registration in flight needs a CPU (0..3), a task, or both",
                () -> admin.holdRegistrationInFlight(-1, 0));
        assertErrno(Errno.EINVAL, "EINVAL: unknown policy 'fifo' (linux or debugger-priority)",
                () -> admin.setPolicy("fifo"));
        assertErrno(Errno.EOPNOTSUPP, "EOPNOTSUPP: Config Admin is not running",
                () -> admin.setPolicy("debugger-priority"));
    }

    @Test
    void theCheckReportsNoProblemOnAConsistentMachine() {
        bps.registerWide(BreakpointSpec.onCpu(0, USER_VAR, 4, BreakpointSpec.W), (b, h) -> { });
        assertThat(inspector.check().ok).isTrue();
        assertThat(inspector.check().problems).isEmpty();
    }

    @Test
    void afterARestartEachOwnersBreakpointsFromBeforeAreListedUntilItRegistersAgain() {
        int task = machine.createTask("t");
        bps.register(BreakpointSpec.forTask(task, USER_VAR, 4, BreakpointSpec.W), (b, h) -> { });
        bps.registerWide(BreakpointSpec.onCpu(0, 0xffffffff82000000L, 8, BreakpointSpec.RW), (b, h) -> { });
        CoreSnapshot s = core.suspend();

        HwBreakpointCore restarted = new HwBreakpointCore(4, Policy.LINUX, 1000);
        try {
            restarted.restore(s);
            CoreInspector after = new CoreInspector(restarted);
            ReturningBreakpointDTO[] r = after.getReturningBreakpoints(OWNER);
            assertThat(r).extracting(d -> d.id + (d.wide ? " wide cpu " : " task ") + (d.wide ? d.spec.cpu : d.spec.task))
                    .containsExactly("1 task " + task, "2 wide cpu 0", "2 wide cpu 1", "2 wide cpu 2", "2 wide cpu 3");
            assertThat(r).extracting(d -> d.owner).containsOnly(OWNER);
            assertThat(r[0].spec.address).isEqualTo(USER_VAR);
            assertThat(after.getReturningBreakpoints("org.hwbp.other")).isEmpty();
            assertThat(after.getBreakpoints()).isEmpty();

            // The owner's first registration takes the list over (and gets id 1 back): it is no longer offered.
            BreakpointServiceImpl back = new BreakpointServiceImpl(restarted, OWNER);
            back.register(BreakpointSpec.forTask(task, USER_VAR, 4, BreakpointSpec.W), (b, h) -> { });
            assertThat(after.getReturningBreakpoints(OWNER)).isEmpty();
            assertThat(after.getBreakpoints()).extracting(b -> b.id).containsExactly(1);
            back.close();
        } finally {
            restarted.shutdown();
        }
    }
}
