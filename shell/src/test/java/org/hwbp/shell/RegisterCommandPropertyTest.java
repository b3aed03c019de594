package org.hwbp.shell;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.hwbp.api.Breakpoint;
import org.hwbp.api.BreakpointSpec;
import org.hwbp.api.Errno;
import org.junit.jupiter.api.Test;

/**
 * Issue 8: {@code hwbp:register} with arbitrary arguments through the real Gogo parser. Every input either
 * registers ({@code bp N}, N the next id of the shell's scope) or fails with a Linux errno, and a refused input
 * changes nothing: no slot, no id consumed, invariants intact. Also: shell ids resolve only in the shell's scope.
 */
class RegisterCommandPropertyTest {

    /** Tokens a user might type, well-formed or not. */
    @Provide
    Arbitrary<String> commands() {
        Arbitrary<String> number = Arbitraries.oneOf(
                Arbitraries.longs().map(v -> Long.toString(v)),
                Arbitraries.longs().map(v -> "0x" + Long.toHexString(v)),
                Arbitraries.integers().between(-2, 9).map(Object::toString),
                Arbitraries.of("0x601000", "0x601004", "0xffffffff82400000", "0x7ffffffff000", "-1", "0x", "zz",
                        "1e3", "", "\"\"", "99999999999999999999", "0x1ffffffffffffffff", "?", "*", "[1]", "0x60100?"));
        Arbitrary<String> type = Arbitraries.of("x", "w", "rw", "r", "W", "RW", "q", "xw", "1", "");
        Arbitrary<String> option = Arbitraries.oneOf(
                number.map(n -> "--cpu " + n), number.map(n -> "--task " + n),
                Arbitraries.of("--disabled", "--user", "--cpu", "--task", "--bogus", "--", "-x"));
        Arbitrary<List<String>> options = option.list().ofMaxSize(3);
        Arbitrary<List<String>> positional = Arbitraries.oneOf(number, type).list().ofMaxSize(4);
        return Combinators.combine(options, positional, number, type, Arbitraries.integers().between(0, 3))
                .as((opts, pos, addr, t, shape) -> {
                    StringBuilder sb = new StringBuilder("hwbp:register");
                    opts.forEach(o -> sb.append(' ').append(o));
                    if (shape == 0) {
                        pos.forEach(p -> sb.append(' ').append(p));
                    } else {
                        sb.append(' ').append(addr).append(' ').append(shape == 1 ? "4" : shape == 2 ? "8" : "1")
                                .append(' ').append(t);
                    }
                    return sb.toString();
                });
    }

    @Property(tries = 300)
    void everyInputRegistersOrFailsWithAnErrnoAndARefusalChangesNothing(@ForAll("commands") String command) {
        try (GogoFixture f = new GogoFixture(4)) {
            f.machine.createTask("t1");
            f.machine.switchTo(0, 1);
            // One breakpoint already there: the next id tells whether a refusal consumed one.
            assertThat(f.run("hwbp:register --cpu 1 0x601000 4 w").output()).isEqualTo("bp 1");
            int before = f.runtime.getBreakpoints().length;
            Outcome o = f.run(command);
            if (o.isFailure()) {
                assertThat(o.errno()).as("errno of %s: %s", command, o.error()).isNotNull();
                assertThat(Errno.valueOf(o.errno())).isNotNull();
                assertThat(o.error()).startsWith(o.errno() + ": ");
                assertThat(f.runtime.getBreakpoints()).hasSize(before);
                assertThat(f.run("hwbp:register --cpu 1 0x601008 4 w").output()).as("next id").isEqualTo("bp 2");
            } else {
                assertThat(o.output()).as(command).isEqualTo("bp 2");
                assertThat(f.runtime.getBreakpoints()).hasSize(before + 1);
            }
            assertThat(f.runtime.check().problems).isEmpty();
            assertThat(f.runtime.getMachine().used).isTrue();
            assertThat(f.run("hwbp:check").output()).isEqualTo("ok");
        }
    }

    @Test
    void shellIdsResolveOnlyInTheShellsScope() {
        try (GogoFixture f = new GogoFixture(2)) {
            var other = f.owner("org.hwbp.other");
            Breakpoint theirs = other.register(BreakpointSpec.onCpu(0, 0x601000, 4, BreakpointSpec.W), (bp, h) -> { });
            assertThat(theirs.id()).isEqualTo(1);
            Outcome un = f.run("hwbp:unregister 1");
            assertThat(un.errno()).isEqualTo("ENOENT");
            Outcome mod = f.run("hwbp:modify --addr 0x602000 1");
            assertThat(mod.errno()).isEqualTo("ENOENT");
            assertThat(theirs.isRegistered()).isTrue();
            assertThat(theirs.spec().address()).isEqualTo(0x601000);
            other.close();
            assertThat(f.runtime.getMachine().used).isFalse();
        }
    }
}
