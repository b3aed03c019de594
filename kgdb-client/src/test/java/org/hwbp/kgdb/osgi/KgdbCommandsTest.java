package org.hwbp.kgdb.osgi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.hwbp.api.Holder;
import org.hwbp.api.HwbpException;
import org.hwbp.core.BreakpointServiceImpl;
import org.hwbp.kgdb.Fixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The commands with the references bound and unbound as DS does it. */
class KgdbCommandsTest {
    private final Fixture f = new Fixture();
    private final KgdbCommands commands = new KgdbCommands((Path) null);

    @AfterEach
    void close() {
        f.close();
    }

    private void assertCoreUnavailable() {
        assertThatThrownBy(() -> commands.packet("Z2,ffffffff82001000,4")).isInstanceOf(HwbpException.class)
                .hasMessage("EBUSY: core unavailable");
        assertThatThrownBy(commands::_break).hasMessage("EBUSY: core unavailable");
        assertThatThrownBy(commands::_continue).hasMessage("EBUSY: core unavailable");
        assertThatThrownBy(commands::status).hasMessage("EBUSY: core unavailable");
    }

    @Test
    void withoutTheCoreEveryCommandIsBusy() {
        assertCoreUnavailable();
        commands.bindBreakpointService(f.kgdbService);
        // The machine is still missing.
        assertCoreUnavailable();
    }

    @Test
    void aSessionFromBreakToContinue() {
        commands.bindBreakpointService(f.kgdbService);
        commands.bindMachine(f.machine);

        assertThat(f.kgdbService.breakpoints()).hasSize(16);
        assertThat(commands.packet("Z2,ffffffff82001000,4")).isEqualTo("OK");
        assertThat(commands.packet("Z0,ffffffff82001000,1")).isEqualTo("(empty: unsupported)");
        assertThat(commands._break()).isEqualTo("ok");
        assertThat(commands.status()).contains("debugger holds the machine (cpu 0 in kgdb)",
                "last stop: break request (sysrq-g) on cpu 0",
                "bp 0: w 0xffffffff82001000 len 4 reserved cpus 0,1,2,3 installed cpus -", "bp 1: free",
                "holders: 0=DEBUGGER 1=DEBUGGER 2=DEBUGGER 3=DEBUGGER");
        assertThat(commands._continue()).isEqualTo("ok");
        assertThat(commands.status()).contains("debugger not active (machine running)",
                "bp 0: w 0xffffffff82001000 len 4 reserved cpus 0,1,2,3 installed cpus 0,1,2,3",
                "holders: 0=HOST 1=HOST 2=HOST 3=HOST");
    }

    @Test
    void deactivationWhileHoldingTheMachineRestoresEveryCpu() {
        commands.bindBreakpointService(f.kgdbService);
        commands.bindMachine(f.machine);
        commands.packet("Z2,ffffffff82001000,4");
        commands._break();

        commands.deactivate();

        for (int cpu = 0; cpu < 4; cpu++) {
            assertThat(f.machine.holder(cpu)).isEqualTo(Holder.HOST);
            assertThat(f.hwDr7(cpu)).isEqualTo(f.core.shadow(cpu).dr7());
        }
        assertThat(f.kgdbService.breakpoints()).isEmpty();
        assertThat(f.core.isUsed()).isFalse();
        assertThat(f.core.check()).isEmpty();
        assertCoreUnavailable();
    }

    @Test
    void aNewCoreServiceReplacesTheSessionAndTheOldOneIsReleased() {
        commands.bindBreakpointService(f.kgdbService);
        commands.bindMachine(f.machine);
        commands.packet("Z2,ffffffff82001000,4");
        BreakpointServiceImpl next = new BreakpointServiceImpl(f.core, Fixture.KGDB);

        // Greedy: the new service is bound before the old one is unbound.
        commands.bindBreakpointService(next);
        commands.unbindBreakpointService(f.kgdbService);

        assertThat(f.kgdbService.breakpoints()).isEmpty();
        assertThat(next.breakpoints()).hasSize(16);
        // kgdb's entry came along: reserved and installed again on the new service.
        assertThat(commands.status()).contains(
                "bp 0: w 0xffffffff82001000 len 4 reserved cpus 0,1,2,3 installed cpus 0,1,2,3", "bp 1: free");
        commands.unbindBreakpointService(next);
        assertCoreUnavailable();
        assertThat(f.core.isUsed()).isFalse();
    }

    @Test
    void theCoreGoingAwayWhileStoppedLeavesNothingBehind() {
        commands.bindBreakpointService(f.kgdbService);
        commands.bindMachine(f.machine);
        commands._break();

        // The owner released before the unbind arrives (the order DS happens to use must not matter).
        f.kgdbService.close();
        commands.unbindBreakpointService(f.kgdbService);
        commands.unbindMachine(f.machine);

        assertThat(f.core.debuggerActive()).isFalse();
        assertThat(f.machine.holder(2)).isEqualTo(Holder.HOST);
        assertThat(f.core.isUsed()).isFalse();
        assertCoreUnavailable();

        // The core comes back: kgdb still thinks it holds the machine, so it claims it again.
        commands.bindBreakpointService(new BreakpointServiceImpl(f.core, Fixture.KGDB));
        commands.bindMachine(f.machine);
        assertThat(f.machine.holder(2)).isEqualTo(Holder.DEBUGGER);
        assertThat(commands.status()).contains("debugger holds the machine (cpu 0 in kgdb)",
                "last stop: break request (sysrq-g) on cpu 0");
        assertThat(commands._continue()).isEqualTo("ok");
        assertThat(f.machine.holder(2)).isEqualTo(Holder.HOST);
    }

    @Test
    void theStateSurvivesANewInstanceThroughTheDataFileAndGoesWithIt(@TempDir Path dir) throws Exception {
        Path file = dir.resolve(KgdbCommands.STATE_FILE);
        KgdbCommands first = new KgdbCommands(file);
        first.bindBreakpointService(f.kgdbService);
        first.bindMachine(f.machine);
        assertThat(first.packet("Z2,ffffffff82001000,4")).isEqualTo("OK");
        assertThat(first.packet("Z1,ffffffff81234560,1")).isEqualTo("OK");
        first._break();
        String status = first.status();
        // Bundle stop or update: deactivation saves (and releases the claim), then the service goes.
        first.deactivate();
        f.kgdbService.close();
        assertThat(f.core.isUsed()).isFalse();
        assertThat(f.machine.holder(0)).isEqualTo(Holder.HOST);

        KgdbCommands second = new KgdbCommands(file);
        BreakpointServiceImpl next = new BreakpointServiceImpl(f.core, Fixture.KGDB);
        second.bindBreakpointService(next);
        second.bindMachine(f.machine);
        assertThat(second.status()).isEqualTo(status);
        assertThat(second._continue()).isEqualTo("ok");
        assertThat(second.status()).contains(
                "bp 0: w 0xffffffff82001000 len 4 reserved cpus 0,1,2,3 installed cpus 0,1,2,3",
                "bp 1: x 0xffffffff81234560 len 1 reserved cpus 0,1,2,3 installed cpus 0,1,2,3");
        second.deactivate();
        next.close();

        // Uninstall deletes the data area: kgdb starts afresh.
        Files.delete(file);
        KgdbCommands third = new KgdbCommands(file);
        third.bindBreakpointService(new BreakpointServiceImpl(f.core, Fixture.KGDB));
        third.bindMachine(f.machine);
        assertThat(third.status()).contains("debugger not active (machine running)", "bp 0: free", "bp 1: free");
        third.deactivate();
    }
}
