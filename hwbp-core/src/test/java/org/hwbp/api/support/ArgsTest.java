package org.hwbp.api.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.hwbp.api.AccessKind;
import org.hwbp.api.BreakpointSpec;
import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;
import org.hwbp.api.machine.Machine;
import org.junit.jupiter.api.Test;

class ArgsTest {

    private static void einval(Runnable r, String message) {
        assertThatThrownBy(r::run).isInstanceOf(HwbpException.class)
                .satisfies(e -> assertThat(((HwbpException) e).errno()).isEqualTo(Errno.EINVAL))
                .hasMessage("EINVAL: " + message);
    }

    @Test
    void numbersAreDecimalOrHexAndUseAll64Bits() {
        assertThat(Args.number("ADDR", "4096")).isEqualTo(4096);
        assertThat(Args.number("ADDR", "0x601000")).isEqualTo(0x601000);
        assertThat(Args.number("ADDR", "0XFF")).isEqualTo(255);
        assertThat(Args.number("ADDR", "0xffffffff82a40000")).isEqualTo(0xffffffff82a40000L);
        assertThat(Args.integer("CPU", "-1")).isEqualTo(-1);
    }

    @Test
    void malformedNumbersNameTheArgument() {
        einval(() -> Args.number("ADDR", "zz"), "bad ADDR 'zz'");
        einval(() -> Args.number("ADDR", "0x"), "bad ADDR '0x'");
        einval(() -> Args.number("ADDR", "0x1_0000_0000_0000_0000"), "bad ADDR '0x1_0000_0000_0000_0000'");
        einval(() -> Args.integer("LEN", "4294967296"), "bad LEN '4294967296'");
        einval(() -> Args.number("ADDR", ""), "missing ADDR");
    }

    @Test
    void typesAreXWRwAndRIsLeftToTheModel() {
        assertThat(Args.type("TYPE", "x")).isEqualTo(BreakpointSpec.X);
        assertThat(Args.type("TYPE", "w")).isEqualTo(BreakpointSpec.W);
        assertThat(Args.type("TYPE", "RW")).isEqualTo(BreakpointSpec.RW);
        assertThat(Args.type("TYPE", "r")).isEqualTo(BreakpointSpec.R);
        einval(() -> Args.type("TYPE", "wx"), "bad TYPE 'wx' (x, w or rw)");
        assertThat(Args.access("KIND", "x")).isEqualTo(AccessKind.X);
        einval(() -> Args.access("KIND", "rw"), "bad KIND 'rw' (r, w or x)");
        assertThat(Args.taskOrIdle("TASK", "idle")).isEqualTo(Machine.IDLE);
        assertThat(Args.taskOrIdle("TASK", "3")).isEqualTo(3);
    }

    @Test
    void optionsAbsentAsTheEmptyString() {
        assertThat(Args.option("--cpu", "", -1)).isEqualTo(-1);
        assertThat(Args.option("--cpu", "2", -1)).isEqualTo(2);
        einval(() -> Args.option("--cpu", "two", -1), "bad --cpu 'two'");
    }

    @Test
    void positionalArgumentsAreCountedAndNamed() {
        Args a = new Args("hwbp:events", new String[0], "[N]");
        assertThat(a.has(0)).isFalse();
        Args b = new Args("hwbp:register", new String[] { "0x10", "4", "w" }, "ADDR", "LEN", "TYPE");
        assertThat(b.number(0)).isEqualTo(16);
        assertThat(b.integer(1)).isEqualTo(4);
        einval(() -> new Args("hwbp:register", new String[] { "0x10" }, "ADDR", "LEN", "TYPE"),
                "hwbp:register: missing LEN (usage: hwbp:register ADDR LEN TYPE)");
        einval(() -> new Args("hwbp:regs", new String[] { "0", "1" }, "CPU"),
                "hwbp:regs: unexpected argument '1' (usage: hwbp:regs CPU)");
        einval(() -> new Args("hwbp:regs", new String[] { "--cpus" }, "CPU"), "hwbp:regs: unknown option '--cpus'");
        einval(() -> new Args("hwbp:regs", null, "CPU"), "hwbp:regs: missing CPU (usage: hwbp:regs CPU)");
    }

    @Test
    void unsignedNumbersRefuseASign() {
        assertThat(Args.unsigned("VALUE", "0xffffffffffffffff")).isEqualTo(-1L);
        assertThat(Args.nonNegative("VM", "0x7fffffff")).isEqualTo(Integer.MAX_VALUE);
        einval(() -> Args.unsigned("VALUE", "-1"), "bad VALUE '-1'");
        einval(() -> Args.nonNegative("VM", "0x80000000"), "bad VM '0x80000000'");
        einval(() -> Args.unsigned("VALUE", " "), "missing VALUE");
    }

    @Test
    void aTrailingRestTakesZeroOrMoreValuesNamedAfterIt() {
        Args a = new Args("kvm:run", new String[] { "1", "0", "2", "0x10:1:w", "7" }, "VM", "VCPU", "CPU",
                "ACCESS...");
        assertThat(a.rest(3)).containsExactly("0x10:1:w", "7");
        assertThat(a.nonNegative(4)).isEqualTo(7);
        assertThat(new Args("kvm:run", new String[] { "1", "0", "2" }, "VM", "VCPU", "CPU", "ACCESS...").rest(3))
                .isEmpty();
        einval(() -> a.unsigned(3), "bad ACCESS '0x10:1:w'");
        einval(() -> new Args("kvm:run", new String[] { "1" }, "VM", "VCPU", "CPU", "ACCESS..."),
                "kvm:run: missing VCPU (usage: kvm:run VM VCPU CPU ACCESS...)");
    }

    @Test
    void wordsAndTasksNameTheCommandInTheirErrors() {
        Args a = new Args("ptrace:poke", new String[] { "3", "dr7", "-1" }, "TASK", "OFFSET", "VALUE");
        assertThat(a.task(0)).isEqualTo(3);
        assertThat(a.word(2)).isEqualTo(-1L);
        einval(a::word, 1, "ptrace:poke: bad OFFSET 'dr7'");
        Args b = new Args("ptrace:attach", new String[] { "-2" }, "TASK");
        einval(b::task, 0, "ptrace:attach: bad TASK '-2'");
        Args c = new Args("ptrace:attach", new String[] { "" }, "TASK");
        einval(c::task, 0, "ptrace:attach: bad TASK ''");
    }

    private static void einval(java.util.function.IntFunction<?> f, int i, String message) {
        einval(() -> f.apply(i), message);
    }
}
