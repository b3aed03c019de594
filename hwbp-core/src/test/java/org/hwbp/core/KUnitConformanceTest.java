package org.hwbp.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hwbp.core.CoreFixture.assertErrno;

import org.hwbp.api.Breakpoint;
import org.hwbp.api.BreakpointSpec;
import org.hwbp.api.Errno;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The nine cases of the KUnit suite "hw_breakpoint" (kernel/events/hw_breakpoint_test.c), step by step, through
 * the public registration API. Set-up as in the kernel: every breakpoint is hw_breakpoint_init() + address
 * &break_vars[idx] (a kernel variable, distinct per idx) + len 1 + type RW, created with
 * perf_event_create_kernel_counter(attr, cpu, tsk); {@code cur} is the test thread (running on CPU 0),
 * {@code oth} a second kthread that never runs; S = hw_breakpoint_slots(TYPE_DATA) = 4; every "✗" is
 * exactly -ENOSPC; test_exit unregisters everything, stops {@code oth} and hw_breakpoint_is_used() must be
 * false.
 */
class KUnitConformanceTest {
    private static final int MAX_TEST_BREAKPOINTS = 512;
    private static final int S = 4;

    private CoreFixture f;
    private final Breakpoint[] testBps = new Breakpoint[MAX_TEST_BREAKPOINTS];
    private int idx;
    private int cur;
    private int oth;

    private void init(int cpus) {
        f = new CoreFixture(cpus);
        // test_init: needs two online CPUs; our own precondition: nothing in use.
        assertThat(cpus).isGreaterThanOrEqualTo(2);
        assertThat(f.bps.isUsed()).isFalse();
        cur = f.machine.createTask("kunit_try_catch");
        f.machine.switchTo(0, cur);
    }

    /** get_other_task(): created on first use, never scheduled. */
    private int oth() {
        if (oth == 0) {
            oth = f.machine.createTask("hw_breakpoint_dummy_task");
        }
        return oth;
    }

    private static int testCpu(int num) {
        return num; // get_test_cpu(): the num-th online CPU; all simulated CPUs are online
    }

    private Breakpoint registerTestBp(int cpu, int task, int i) {
        return f.bps.register(new BreakpointSpec(CoreFixture.BREAK_VARS + i, 1, BreakpointSpec.RW, cpu, task, false,
                false), new CoreFixture.Recorder());
    }

    private void fillOne(int cpu, int task) {
        Breakpoint bp = registerTestBp(cpu, task, idx);
        assertThat(testBps[idx]).isNull();
        testBps[idx++] = bp;
        f.assertConsistent();
    }

    /** fill_bp_slots(): S - skip breakpoints that must all succeed; true if it can be called again. */
    private boolean fill(int cpu, int task, int skip) {
        for (int i = 0; i < S - skip; ++i) {
            fillOne(cpu, task);
        }
        return idx + S <= MAX_TEST_BREAKPOINTS;
    }

    private void expectNospc(int cpu, int task) {
        int before = f.bps.breakpoints().size();
        assertErrno(Errno.ENOSPC, () -> registerTestBp(cpu, task, idx));
        assertThat(f.bps.breakpoints()).hasSize(before);
        f.assertConsistent();
    }

    private void unregisterTestBp(int i) {
        assertThat(testBps[i]).isNotNull();
        testBps[i].unregister();
        testBps[i] = null;
        f.assertConsistent();
    }

    @AfterEach
    void exit() {
        for (int i = 0; i < MAX_TEST_BREAKPOINTS; ++i) {
            if (testBps[i] != null) {
                unregisterTestBp(i);
            }
        }
        if (oth != 0) {
            f.machine.exitTask(oth);
        }
        assertThat(f.bps.isUsed()).as("hw_breakpoint_is_used() at exit").isFalse();
        for (int c = 0; c < f.core.cpus(); c++) {
            assertThat(f.core.slotsInUse(c)).isZero();
            assertThat(f.core.shadow(c).installedCount()).isZero();
        }
        f.assertConsistent();
        f.close();
    }

    @ParameterizedTest(name = "{0} CPUs")
    @ValueSource(ints = {2, 4})
    void test_one_cpu(int cpus) {
        init(cpus);
        fill(testCpu(0), 0, 0);
        expectNospc(-1, cur);
        expectNospc(testCpu(0), 0);
    }

    @ParameterizedTest(name = "{0} CPUs")
    @ValueSource(ints = {2, 4, 64})
    void test_many_cpus(int cpus) {
        init(cpus);
        int filled = 0;
        // Test that CPUs are independent.
        for (int cpu = 0; cpu < cpus; cpu++) {
            boolean doContinue = fill(cpu, 0, 0);
            filled++;
            expectNospc(cpu, 0);
            if (!doContinue) {
                break;
            }
        }
        // 64 CPUs × 4 = 256 ≤ 512: every CPU is filled (the 512 cap only stops at 128 CPUs).
        assertThat(filled).isEqualTo(cpus);
        assertThat(idx).isEqualTo(cpus * S);
        for (int c = 0; c < cpus; c++) {
            assertThat(f.core.shadow(c).installedCount()).isEqualTo(S);
        }
    }

    @ParameterizedTest(name = "{0} CPUs")
    @ValueSource(ints = {2, 4})
    void test_one_task_on_all_cpus(int cpus) {
        init(cpus);
        fill(-1, cur, 0);
        expectNospc(-1, cur);
        expectNospc(testCpu(0), cur);
        expectNospc(testCpu(0), 0);
        // Remove one and adding back CPU-target should work.
        unregisterTestBp(0);
        fillOne(testCpu(0), 0);
    }

    @ParameterizedTest(name = "{0} CPUs")
    @ValueSource(ints = {2, 4})
    void test_two_tasks_on_all_cpus(int cpus) {
        init(cpus);
        // Test that tasks are independent.
        fill(-1, cur, 0);
        fill(-1, oth(), 0);
        expectNospc(-1, cur);
        expectNospc(-1, oth());
        expectNospc(testCpu(0), cur);
        expectNospc(testCpu(0), oth());
        expectNospc(testCpu(0), 0);
        // Remove one from first task and adding back CPU-target should not work.
        unregisterTestBp(0);
        expectNospc(testCpu(0), 0);
    }

    @ParameterizedTest(name = "{0} CPUs")
    @ValueSource(ints = {2, 4})
    void test_one_task_on_one_cpu(int cpus) {
        init(cpus);
        fill(testCpu(0), cur, 0);
        expectNospc(-1, cur);
        expectNospc(testCpu(0), cur);
        expectNospc(testCpu(0), 0);
        // Remove one and adding back CPU-target should work; the task's constraints are CPU-dependent.
        unregisterTestBp(0);
        fillOne(testCpu(0), 0);
    }

    @ParameterizedTest(name = "{0} CPUs")
    @ValueSource(ints = {2, 4})
    void test_one_task_mixed(int cpus) {
        init(cpus);
        // TEST_REQUIRES_BP_SLOTS(test, 3): 4 ≥ 3.
        fillOne(testCpu(0), cur);
        fill(-1, cur, 1);
        expectNospc(-1, cur);
        expectNospc(testCpu(0), cur);
        expectNospc(testCpu(0), 0);
        // Transition from CPU-dependent pinned count to CPU-independent.
        unregisterTestBp(0);
        unregisterTestBp(1);
        fillOne(testCpu(0), 0);
        fillOne(testCpu(0), 0);
        expectNospc(testCpu(0), 0);
    }

    @ParameterizedTest(name = "{0} CPUs")
    @ValueSource(ints = {2, 4})
    void test_two_tasks_on_one_cpu(int cpus) {
        init(cpus);
        fill(testCpu(0), cur, 0);
        fill(testCpu(0), oth(), 0);
        expectNospc(-1, cur);
        expectNospc(-1, oth());
        expectNospc(testCpu(0), cur);
        expectNospc(testCpu(0), oth());
        expectNospc(testCpu(0), 0);
        // Can still create breakpoints on some other CPU.
        fill(testCpu(1), 0, 0);
    }

    @ParameterizedTest(name = "{0} CPUs")
    @ValueSource(ints = {2, 4})
    void test_two_tasks_on_one_all_cpus(int cpus) {
        init(cpus);
        fill(testCpu(0), cur, 0);
        fill(-1, oth(), 0);
        expectNospc(-1, cur);
        expectNospc(-1, oth());
        expectNospc(testCpu(0), cur);
        expectNospc(testCpu(0), oth());
        expectNospc(testCpu(0), 0);
        // Cannot create breakpoints on some other CPU either.
        expectNospc(testCpu(1), 0);
    }

    @ParameterizedTest(name = "{0} CPUs")
    @ValueSource(ints = {2, 4})
    void test_task_on_all_and_one_cpu(int cpus) {
        init(cpus);
        // TEST_REQUIRES_BP_SLOTS(test, 3): 4 ≥ 3.
        fill(-1, cur, 2);
        // Transitioning from only all CPU breakpoints to mixed.
        int tskOnCpuIdx = idx;
        fillOne(testCpu(0), cur);
        fillOne(-1, cur);
        expectNospc(-1, cur);
        expectNospc(testCpu(0), cur);
        expectNospc(testCpu(0), 0);
        // We should still be able to use up another CPU's slots.
        int cpuIdx = idx;
        fillOne(testCpu(1), 0);
        expectNospc(testCpu(1), 0);
        // Transitioning back to task target on all CPUs.
        unregisterTestBp(tskOnCpuIdx);
        // Still have a CPU target breakpoint in get_test_cpu(1).
        expectNospc(-1, cur);
        // Remove it and try again.
        unregisterTestBp(cpuIdx);
        fillOne(-1, cur);
        expectNospc(-1, cur);
        expectNospc(testCpu(0), cur);
        expectNospc(testCpu(0), 0);
        expectNospc(testCpu(1), 0);
    }
}
