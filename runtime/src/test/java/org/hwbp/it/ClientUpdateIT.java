package org.hwbp.it;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.composite;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;

import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleException;
import org.osgi.framework.Version;

/**
 * Live update of each client to a second version built in the test (its jar with a higher Bundle-Version):
 * the client's own state survives (kept in its bundle data area) and is re-registered with the core.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ClientUpdateIT extends SandboxTestSupport {
    private static final String NEXT_VERSION = "0.1.1.it";

    @Override
    protected Option extraOptions() {
        return composite(nextVersion("ptrace-client"), nextVersion("kgdb-client"), nextVersion("kvm-client"));
    }

    private static Option nextVersion(String key) {
        File jar = TestJars.withVersion(bundleFile(key), new File(workDir(), key + "-" + NEXT_VERSION + ".jar"),
            NEXT_VERSION);
        return systemProperty("hwbp.it.next." + key).value(jar.getAbsolutePath());
    }

    @Before
    public void clientsBound() {
        awaitClients();
    }

    @Test
    public void ptraceUpdateKeepsTheTracedTaskAndItsDebugRegisters() throws Exception {
        int task = newTask("traced");
        try {
            exec("sim:switch 0 " + task);
            exec("ptrace:attach " + task);
            exec("ptrace:poke " + task + " dr0 0x404040");
            exec("ptrace:poke " + task + " dr7 0x000d0101");
            String before = accounting();
            String list = exec("hwbp:list");

            update(PTRACE, "ptrace-client");
            awaitBound("ptrace:status " + task);

            assertEquals("0x404040", exec("ptrace:peek " + task + " dr0"));
            assertEquals("0xd0101", exec("ptrace:peek " + task + " dr7"));
            assertEquals("true", exec("hwbp:used"));
            assertEquals(before, accounting());
            assertEquals(list.replaceAll("(?m)^\\d+", "ID"), exec("hwbp:list").replaceAll("(?m)^\\d+", "ID"));
            assertMatches("^#DB dr6=0xffff0ff1$", exec("sim:access 0 0x404042 2 w"));
            assertEquals("SIGTRAP dr6=0xffff0ff1", exec("ptrace:wait " + task));
            assertEquals("ok", exec("hwbp:check"));
        } finally {
            exec("sim:exit " + task);
        }
        assertEquals("false", exec("hwbp:used"));
    }

    @Test
    public void kgdbUpdateKeepsItsBreakpointEntries() throws Exception {
        assertEquals("OK", exec("kgdb:packet Z2,ffffffff82001000,4"));
        assertEquals("OK", exec("kgdb:packet Z4,ffffffff82001100,8"));
        try {
            String entries = kgdbEntries(exec("kgdb:status"));
            String before = accounting();

            update(KGDB, "kgdb-client");
            awaitExec("kgdb:status");

            assertEquals(entries, kgdbEntries(exec("kgdb:status")));
            assertEquals(before, accounting());
            assertMatches("triggered", exec("sim:access --kernel 1 0xffffffff82001000 4 w"));
            assertMatches("^last stop: hw breakpoint 0 at 0xffffffff82001000 cpu 1 ", exec("kgdb:status"));
        } finally {
            quietly("kgdb:packet D");
        }
        assertEquals("false", exec("hwbp:used"));
        assertEquals("ok", exec("hwbp:check"));
    }

    @Test
    public void kvmUpdateKeepsTheVmAndItsGuestDebugRegisters() throws Exception {
        String vm = group("^vm (\\d+)$", exec("kvm:create --vcpus 2"));
        try {
            exec("kvm:guest-debug " + vm + " 1 --hw 0x401000,0,0,0,0x402");
            exec("kvm:guest-dr " + vm + " 0 1 0x6000");
            String vcpu0 = exec("kvm:vcpu " + vm + " 0");
            String vcpu1 = exec("kvm:vcpu " + vm + " 1");

            update(KVM, "kvm-client");
            awaitExec("kvm:policy");

            assertEquals(vcpu0, exec("kvm:vcpu " + vm + " 0"));
            assertEquals(vcpu1, exec("kvm:vcpu " + vm + " 1"));
            assertMatches("^exit debug #DB dr6=0xffff0ff1 pc=0x401000 ",
                exec("kvm:run " + vm + " 1 2 0x400ffc:1:x 0x401000:1:x"));
        } finally {
            quietly("kvm:destroy " + vm);
        }
        assertEquals("ok", exec("hwbp:check"));
    }

    /** Updates the bundle to its second version, refreshes it and checks the version changed. */
    private void update(String bsn, String key) throws BundleException, IOException {
        Bundle b = requireBundle(bsn);
        Version old = b.getVersion();
        try (InputStream in = new FileInputStream(System.getProperty("hwbp.it.next." + key))) {
            b.update(in);
        }
        refresh(b);
        assertEquals(Version.parseVersion(NEXT_VERSION), b.getVersion());
        assertEquals(Bundle.ACTIVE, b.getState());
        assertTrue(old + " -> " + b.getVersion(), old.compareTo(b.getVersion()) < 0);
    }
}
