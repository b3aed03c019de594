package org.hwbp.it;

import static org.junit.Assert.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.hwbp.api.Breakpoint;
import org.hwbp.api.BreakpointService;
import org.hwbp.api.BreakpointSpec;
import org.hwbp.api.HardwareListener;
import org.hwbp.api.Holder;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;

/**
 * The claim protocol seen from the other clients: kgdb entering the debugger tells every listener
 * {@code claimed} and every installed breakpoint's handler {@code preempted}; its continue tells them
 * {@code restored} and {@code released}, in that order. A listener that throws disturbs nobody else.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ClaimNotificationIT extends SandboxTestSupport {
    private static final String ALL_CPUS = "[0, 1, 2, 3]";

    private final List<ServiceRegistration<?>> registrations = new ArrayList<>();
    private ServiceReference<BreakpointService> serviceRef;

    @Before
    public void clientsBound() {
        awaitClients();
    }

    /** Releasing the probe's bundle-scoped service releases its breakpoints (bundle scope). */
    @After
    public void cleanUp() {
        for (ServiceRegistration<?> r : registrations) {
            r.unregister();
        }
        if (serviceRef != null) {
            context.ungetService(serviceRef);
        }
        assertEquals("false", exec("hwbp:used"));
        assertEquals("ok", exec("hwbp:check"));
    }

    @Test
    public void kgdbClaimTellsEveryOtherClientClaimedPreemptedRestoredReleasedInOrder() {
        Recorder recorder = new Recorder();
        listen(recorder);
        Breakpoint probeBp = probeService().register(
            BreakpointSpec.onCpu(1, 0xffffffff82007000L, 8, BreakpointSpec.W), recorder);
        assertEquals(0, probeBp.installedSlot(1));

        // ptrace: a watchpoint of a task running on CPU 3; the shell: a CPU-bound breakpoint on CPU 2
        int task = newTask("traced");
        exec("sim:switch 3 " + task);
        exec("ptrace:attach " + task);
        exec("ptrace:poke " + task + " dr0 0x404040");
        exec("ptrace:poke " + task + " dr7 0x000d0101");
        String shellBp = group("^bp (\\d+)$", exec("hwbp:register --cpu 2 0xffffffff82007100 8 rw"));
        String ptraceBp = group("^(\\d+)\\s+" + PTRACE.replace(".", "\\.") + "\\s", exec("hwbp:list"));
        try {
            assertEquals("ok", exec("kgdb:break"));
            await("claimed and preempted", () -> recorder.events().size() >= 2);
            assertEquals(List.of(
                "claimed " + ALL_CPUS + " DEBUGGER",
                "preempted bp " + probeBp.id() + " DEBUGGER_CLAIM"),
                recorder.events());
            String events = exec("hwbp:events 50");
            assertMatches("claim cpus=0-3 holder=DEBUGGER bundle=" + KGDB, events);
            assertMatches("preempt bp " + ptraceBp + " \\(" + PTRACE + "\\) reason=DEBUGGER_CLAIM cpu 3", events);
            assertMatches("preempt bp " + shellBp + " \\(" + SHELL + "\\) reason=DEBUGGER_CLAIM cpu 2", events);
            assertMatches("preempt bp " + probeBp.id() + " \\(" + probeName() + "\\) reason=DEBUGGER_CLAIM cpu 1",
                events);
            assertMatches("^log: DR0 \\(bp " + ptraceBp + "\\) preempted DEBUGGER_CLAIM$",
                exec("ptrace:status " + task));
            // while claimed, the hardware is the debugger's, and the breakpoints stay registered
            assertMatches("^DR7 0x400\\b", exec("hwbp:regs 3"));
            assertMatches("^\\d+\\s+" + PTRACE.replace(".", "\\.") + ".*held by DEBUGGER", exec("hwbp:list"));

            assertEquals("ok", exec("kgdb:continue"));
            await("restored and released", () -> recorder.events().size() >= 4);
            assertEquals(List.of(
                "claimed " + ALL_CPUS + " DEBUGGER",
                "preempted bp " + probeBp.id() + " DEBUGGER_CLAIM",
                "restored bp " + probeBp.id(),
                "released " + ALL_CPUS + " DEBUGGER"), recorder.events());
            events = exec("hwbp:events 50");
            assertMatches("restore bp " + ptraceBp + " \\(" + PTRACE + "\\) reason=DEBUGGER_CLAIM", events);
            assertMatches("restore bp " + shellBp + " \\(" + SHELL + "\\) reason=DEBUGGER_CLAIM", events);
            assertMatches("release cpus=0-3 holder=DEBUGGER bundle=" + KGDB, events);
            String status = exec("ptrace:status " + task);
            assertMatches("^log: DR0 \\(bp " + ptraceBp + "\\) restored$", status);
            assertMatches("^DR0 0x404040 len 4 w enabled bp " + ptraceBp + " installed cpu 3 slot 0 reserved$", status);
            // the task's watchpoint fires again
            assertMatches("^#DB dr6=0xffff0ff1$", exec("sim:access 3 0x404040 4 w"));
            assertMatches("^SIGTRAP", exec("ptrace:wait " + task));
            assertEquals(0, probeBp.installedSlot(1));
        } finally {
            exec("sim:exit " + task);
            exec("hwbp:unregister " + shellBp);
        }
    }

    @Test
    public void aThrowingListenerDoesNotDisturbTheOthers() {
        listen(new HardwareListener() {
            @Override
            public void claimed(Set<Integer> cpus, Holder holder) {
                throw new IllegalStateException("boom in claimed");
            }

            @Override
            public void released(Set<Integer> cpus, Holder holder) {
                throw new IllegalStateException("boom in released");
            }
        });
        Recorder recorder = new Recorder();
        listen(recorder);

        assertEquals("ok", exec("kgdb:break"));
        assertEquals("ok", exec("kgdb:continue"));
        await("claimed and released", () -> recorder.events().size() >= 2);
        assertEquals(List.of("claimed " + ALL_CPUS + " DEBUGGER", "released " + ALL_CPUS + " DEBUGGER"),
            recorder.events());

        String events = exec("hwbp:events 50");
        assertMatches("fault callback claimed of bundle " + probeName() + " threw .*boom in claimed", events);
        assertMatches("fault callback released of bundle " + probeName() + " threw .*boom in released", events);
        // the claim completed and the machine is the host's again
        assertMatches("^0\\s+HOST(.|\\n)*^1\\s+HOST(.|\\n)*^2\\s+HOST(.|\\n)*^3\\s+HOST", exec("hwbp:cpus"));
        assertMatches("^debugger not active", exec("kgdb:status"));
    }

    private void listen(HardwareListener listener) {
        registrations.add(context.registerService(HardwareListener.class, listener, null));
    }

    private BreakpointService probeService() {
        if (serviceRef == null) {
            serviceRef = context.getServiceReference(BreakpointService.class);
        }
        return context.getService(serviceRef);
    }

    private String probeName() {
        return context.getBundle().getSymbolicName();
    }
}
