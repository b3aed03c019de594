package org.hwbp.ptrace.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.hwbp.api.AccessKind;
import org.hwbp.api.Breakpoint;
import org.hwbp.api.BreakpointSpec;
import org.hwbp.api.machine.AccessResult;
import org.hwbp.api.x86.Dr6;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

/**
 * tools/testing/selftests/breakpoints/breakpoint_test.c, its three breakpoint groups (108 cases on x86-64), in
 * the selftest's order on one tracee: the tracer writes DRn with POKEUSER, read-modify-writes DR7 (local: Ln and
 * LE, global: Gn and GE), lets the tracee make its access, expects a SIGTRAP stop whose DR6 carries bit n, and
 * clears the same DR7 bits again. Only one DR is enabled at a time, so DR1-DR3 land in physical slot 0: the
 * DR6 the tracer reads names the virtual register, not the slot.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BreakpointSelftestTest {
    /** Where the child's dummy_func{,1,2,3} would be (instruction breakpoints need no alignment). */
    static final long[] DUMMY_FUNCS = {0x401126, 0x401131, 0x40113c, 0x401147};
    /** static unsigned long long dummy_var[4]: 8-byte aligned. */
    static final long DUMMY_VAR = 0x404040;

    private PtraceFixture f;
    private int tests;

    @BeforeAll
    void start() {
        f = new PtraceFixture();
    }

    @AfterAll
    void stop() {
        assertThat(tests).isEqualTo(108);
        f.close();
    }

    enum Mode { X, W, RW }

    record Case(Mode mode, int n, int len, boolean local, boolean global) {
        @Override
        public String toString() {
            return mode == Mode.X
                    ? String.format("breakpoint %d with local: %d global: %d", n, local ? 1 : 0, global ? 1 : 0)
                    : String.format("%s watchpoint %d with len: %d local: %d global: %d",
                            mode == Mode.W ? "write" : "read", n, len, local ? 1 : 0, global ? 1 : 0);
        }
    }

    /** launch_tests()'s loops, in its order. */
    static List<Case> cases() {
        List<Case> l = new ArrayList<>();
        for (int local = 0; local < 2; local++) {
            for (int global = 0; global < 2; global++) {
                if (local == 0 && global == 0) {
                    continue;
                }
                for (int n = 0; n < 4; n++) {
                    l.add(new Case(Mode.X, n, 1, local == 1, global == 1));
                }
            }
        }
        for (Mode m : new Mode[] {Mode.W, Mode.RW}) {
            for (int len = 1; len <= 8; len <<= 1) {
                for (int local = 0; local < 2; local++) {
                    for (int global = 0; global < 2; global++) {
                        if (local == 0 && global == 0) {
                            continue;
                        }
                        for (int n = 0; n < 4; n++) {
                            l.add(new Case(m, n, len, local == 1, global == 1));
                        }
                    }
                }
            }
        }
        return l;
    }

    @TestFactory
    Stream<DynamicTest> selftest() {
        return cases().stream().map(c -> DynamicTest.dynamicTest(c.toString(), () -> run(c)));
    }

    private void run(Case c) {
        long addr = c.mode == Mode.X ? DUMMY_FUNCS[c.n] : DUMMY_VAR + 8L * c.n;
        // set_breakpoint_addr(), toggle_breakpoint(..., 1): every POKEUSER returns 0 (throws nothing).
        f.poke("dr" + c.n, addr);
        toggle(c, true);

        Breakpoint bp = f.state().breakpoint(c.n);
        assertThat(bp.spec().disabled()).isFalse();
        assertThat(bp.spec().type()).isEqualTo(
                c.mode == Mode.X ? BreakpointSpec.X : c.mode == Mode.W ? BreakpointSpec.W : BreakpointSpec.RW);
        assertThat(bp.spec().length()).isEqualTo(c.mode == Mode.X ? 8 : c.len);
        // The only enabled ptrace breakpoint takes the lowest free physical slot.
        assertThat(bp.installedSlot(PtraceFixture.CPU)).isZero();
        assertThat(f.tracer.waitFor(f.task)).isNull();

        // PTRACE_CONT: the child calls dummy_funcs[n] / stores to / loads from dummy_var[n].
        AccessKind kind = c.mode == Mode.X ? AccessKind.X : c.mode == Mode.W ? AccessKind.W : AccessKind.R;
        AccessResult r = f.access(addr, c.mode == Mode.X ? 1 : c.len, kind);
        assertThat(r.trapped()).isTrue();
        assertThat(r.dr6() & 0xF).as("hardware B0: physical slot 0").isEqualTo(1);

        // check_success(): the child stopped with SIGTRAP; DR6 as the tracer reads it has bit n.
        ThreadDebugState.Stop stop = f.tracer.waitFor(f.task);
        assertThat(stop).isNotNull();
        assertThat(stop.signal()).isEqualTo("SIGTRAP");
        long dr6 = Dr6.RESET | (1L << c.n);
        assertThat(stop.dr6()).isEqualTo(dr6);
        assertThat(f.peek("dr6")).isEqualTo(dr6);
        assertThat(f.state().virtualDr6()).isEqualTo(1L << c.n);
        f.tracer.cont(f.task);

        // Exactly the expected access traps: the other dummies are not watched now.
        for (int m = 0; m < 4; m++) {
            if (m != c.n) {
                long other = c.mode == Mode.X ? DUMMY_FUNCS[m] : DUMMY_VAR + 8L * m;
                assertThat(f.access(other, c.mode == Mode.X ? 1 : c.len, kind).trapped()).isFalse();
            }
        }
        assertThat(f.tracer.waitFor(f.task)).isNull();

        // toggle_breakpoint(..., 0): the same bits cleared; the breakpoint stays, disabled, with its slot.
        toggle(c, false);
        assertThat(f.peek("dr7")).isZero();
        assertThat(bp.isRegistered()).isTrue();
        assertThat(bp.isReserved()).isTrue();
        assertThat(bp.spec().disabled()).isTrue();
        assertThat(bp.installedSlot(PtraceFixture.CPU)).isEqualTo(-1);
        assertThat(f.core.check()).isEmpty();
        tests++;
    }

    /** toggle_breakpoint(): PEEKUSER DR7, set or clear (xlen | xtype) << 16 << 4n and the enable bits, POKEUSER. */
    private void toggle(Case c, boolean set) {
        int xtype = c.mode == Mode.X ? 0 : c.mode == Mode.W ? 1 : 3;
        int xlen = switch (c.len) {
            case 2 -> 4;
            case 4 -> 0xc;
            case 8 -> 8;
            default -> 0;
        };
        long dr7 = f.peek("dr7");
        long vdr7 = (long) (xlen | xtype) << 16;
        vdr7 <<= 4 * c.n;
        if (c.local) {
            vdr7 |= 1L << (2 * c.n);
            vdr7 |= 1L << 8;
        }
        if (c.global) {
            vdr7 |= 2L << (2 * c.n);
            vdr7 |= 1L << 9;
        }
        dr7 = set ? dr7 | vdr7 : dr7 & ~vdr7;
        f.poke("dr7", dr7);
        assertThat(f.peek("dr7")).isEqualTo(dr7);
    }
}
