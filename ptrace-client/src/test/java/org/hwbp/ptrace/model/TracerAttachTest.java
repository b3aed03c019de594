package org.hwbp.ptrace.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.hwbp.api.Breakpoint;
import org.hwbp.api.PreemptReason;
import org.hwbp.api.machine.Machine;
import org.hwbp.core.BreakpointServiceImpl;
import org.hwbp.core.HwBreakpointCore;
import org.hwbp.core.MachineImpl;
import org.hwbp.core.Policy;
import org.junit.jupiter.api.Test;

/**
 * PTRACE_ATTACH by a waiting debugger (ptrace:gdbserver) racing the tracee's exit: the exit must reach the debugger
 * that attached, whichever comes first; before, an exit told between the attach and the debugger's observe() went
 * to no one, and the task stayed "traced" though gone.
 */
class TracerAttachTest {
    static final String BUNDLE = "org.hwbp.ptrace-client";

    @Test
    void aTaskExitingWhileADebuggerAttachesIsToldToThatDebugger() throws Exception {
        HwBreakpointCore core = new HwBreakpointCore(4, Policy.LINUX, 1000);
        try {
            MachineImpl machine = new MachineImpl(core, BUNDLE);
            int task = machine.createTask("short-lived");
            CountDownLatch exitTold = new CountDownLatch(1);
            AtomicBoolean looked = new AtomicBoolean();
            // The machine as the tracer sees it: the task exits right after the attach looked at it, and its exit
            // is told to the tracer at once if the tracer lets it (the wait is bounded: the attach may hold it off).
            Machine exitingAfterTheLook = (Machine) Proxy.newProxyInstance(Machine.class.getClassLoader(),
                    new Class<?>[] {Machine.class}, (proxy, method, args) -> {
                        Object result;
                        try {
                            result = method.invoke(machine, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                        if (method.getName().equals("task") && looked.compareAndSet(false, true)) {
                            machine.exitTask(task);
                            exitTold.await(500, TimeUnit.MILLISECONDS);
                        }
                        return result;
                    });
            Tracer tracer = new Tracer(new BreakpointServiceImpl(core, BUNDLE), exitingAfterTheLook);
            core.addTaskListener(BUNDLE, tracer::taskExited);
            core.addTaskListener(BUNDLE, t -> exitTold.countDown());
            CountDownLatch exited = new CountDownLatch(1);
            tracer.attach(task, new TraceeObserver() {
                @Override
                public void stopped(ThreadDebugState.Stop stop) {
                }

                @Override
                public void preempted(int dr, Breakpoint bp, PreemptReason reason) {
                }

                @Override
                public void restored(int dr, Breakpoint bp) {
                }

                @Override
                public void exited() {
                    exited.countDown();
                }

                @Override
                public void lost(String why) {
                }
            });
            assertThat(exited.await(10, TimeUnit.SECONDS)).as("the attaching debugger hears of the exit").isTrue();
            assertThat(tracer.isTraced(task)).as("a task that exited is traced no more").isFalse();
        } finally {
            core.shutdown();
        }
    }
}
