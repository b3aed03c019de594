package org.hwbp.kvm.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.annotation.Annotation;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.hwbp.api.Holder;
import org.hwbp.core.HwBreakpointCore;
import org.hwbp.core.MachineImpl;
import org.hwbp.core.Policy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The kvm: commands as the shell calls them, including the hyphenated Function adapters. */
class KvmCommandsTest {
    private HwBreakpointCore core;
    private MachineImpl machine;
    private KvmCommands commands;

    private static KvmConfig config(String policy) {
        return new KvmConfig() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return KvmConfig.class;
            }

            @Override
            public String policy() {
                return policy;
            }
        };
    }

    /** DS injects the field; a test has to set it the same way. */
    private void bind(Object m) throws ReflectiveOperationException {
        Field f = KvmCommands.class.getDeclaredField("machine");
        f.setAccessible(true);
        f.set(commands, m);
    }

    @BeforeEach
    void setUp() throws ReflectiveOperationException {
        core = new HwBreakpointCore(4, Policy.LINUX, 1000);
        machine = new MachineImpl(core, "org.hwbp.kvm-client");
        commands = new KvmCommands(config("today"));
        bind(machine);
    }

    @AfterEach
    void tearDown() {
        commands.deactivate();
        machine.close();
    }

    private static List<Object> args(String... a) {
        return new ArrayList<>(Arrays.asList((Object[]) a));
    }

    @Test
    void createRunGuestDebugThroughTheShellForms() {
        assertThat(commands.create("2")).isEqualTo("vm 1");
        assertThat(new GuestDebugFunction(commands).execute(null, args("1", "1", "--hw", "0x401000,0,0,0,0x402")))
                .isEqualTo("ok");
        assertThat(commands.run("1", "1", "3", "0x401000:1:x"))
                .isEqualTo("exit debug #DB dr6=0xffff0ff1 pc=0x401000 dr_reads=0 dr_writes=5");
        assertThat(new GuestDebugFunction(commands).execute(null, args("--step", "1", "1"))).isEqualTo("ok");
        assertThat(commands.run("1", "1", "3")).isEqualTo("exit debug #DB dr6=0xffff4ff0 dr_reads=0 dr_writes=0");
        assertThat(new GuestDrFunction(commands).execute(null, args("1", "0", "3", "0x10")))
                .isEqualTo("exit dr_access: WONT_EXIT set, re-executed natively");
        assertThat(commands.vcpu("1", "0")).contains("db 0x0 0x0 0x0 0x10", "switch_db_regs 0x2 (WONT_EXIT)");
        assertThat(machine.holder(3)).isEqualTo(Holder.HOST);
    }

    @Test
    void policyCommandAndConfigurationAndStats() {
        assertThat(commands.policy()).isEqualTo("policy today");
        assertThat(commands.policy("2009")).isEqualTo("policy 2009");
        commands.create("1");
        commands.run("1", "0", "0");
        commands.modified(config("today"));
        commands.run("1", "0", "0");
        assertThat(commands.stats(true)).isEqualTo("policy today\n"
                + "today: entries=1 dr_reads=0 dr_writes=0 per_entry_reads=0.00 per_entry_writes=0.00\n"
                + "2009: entries=1 dr_reads=2 dr_writes=2 per_entry_reads=2.00 per_entry_writes=2.00");
        assertThat(commands.stats(false)).contains("2009: entries=0 ");
        assertThatThrownBy(() -> commands.policy("2010")).hasMessage("EINVAL: bad POLICY '2010' (today or 2009)");
    }

    @Test
    void malformedArgumentsNameTheArgument() {
        commands.create("1");
        assertThatThrownBy(() -> commands.create("many")).hasMessage("EINVAL: bad --vcpus 'many'");
        assertThatThrownBy(() -> commands.run("1", "0")).hasMessageStartingWith("EINVAL: kvm:run: missing CPU");
        assertThatThrownBy(() -> commands.run("1", "zero", "0")).hasMessage("EINVAL: bad VCPU 'zero'");
        assertThatThrownBy(() -> new GuestDrFunction(commands).execute(null, args("1", "0", "7", "0xg")))
                .hasMessage("EINVAL: bad VALUE '0xg'");
        assertThatThrownBy(() -> new GuestDebugFunction(commands).execute(null, args("1", "0", "--hw")))
                .hasMessageStartingWith("EINVAL: kvm:guest-debug: missing value of --hw");
        assertThatThrownBy(() -> new GuestDebugFunction(commands).execute(null, args("1", "0", "--hw", "1,2,3,4,x")))
                .hasMessage("EINVAL: bad --hw DR7 'x'");
        assertThatThrownBy(() -> commands.run("9", "0", "0")).hasMessage("ENOENT: no VM 9");
    }

    @Test
    void coreAwayMeansEbusy() throws ReflectiveOperationException {
        commands.create("1");
        bind(null);
        assertThatThrownBy(() -> commands.run("1", "0", "0")).hasMessage("EBUSY: core unavailable");
        assertThatThrownBy(() -> commands.create("1")).hasMessage("EBUSY: core unavailable");
        bind(machine);
        assertThat(commands.run("1", "0", "0")).isEqualTo("exit hlt dr_reads=0 dr_writes=0");
    }

    @Test
    void theVmsSurviveANewInstanceThroughTheDataFileAndGoWithIt(@TempDir Path dir) throws Exception {
        Path file = dir.resolve(KvmCommands.STATE_FILE);
        KvmCommands first = new KvmCommands(config("today"), file);
        commands = first;
        bind(machine);
        first.create("2");
        first.create("1");
        first.destroy("1");
        new GuestDebugFunction(first).execute(null, args("2", "0", "--hw", "0x401000,0,0,0,0x402"));
        first.run("2", "0", "1", "0x401000:1:x");
        first.policy("2009");
        String vcpu = first.vcpu("2", "0");
        String stats = first.stats(false);
        first.deactivate();

        KvmCommands second = new KvmCommands(config("today"), file);
        commands = second;
        bind(machine);
        assertThat(second.vcpu("2", "0")).isEqualTo(vcpu);
        assertThat(second.stats(false)).isEqualTo(stats);
        assertThat(second.policy()).isEqualTo("policy 2009");
        assertThatThrownBy(() -> second.vcpu("1", "0")).hasMessage("ENOENT: no VM 1");
        assertThat(second.create("1")).isEqualTo("vm 3");
        second.deactivate();

        // Uninstall deletes the data area: VM ids start at 1 again.
        Files.delete(file);
        commands = new KvmCommands(config("today"), file);
        bind(machine);
        assertThat(commands.create("1")).isEqualTo("vm 1");
    }
}
