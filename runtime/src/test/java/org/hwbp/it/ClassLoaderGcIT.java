package org.hwbp.it;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;

import java.lang.ref.WeakReference;

import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleException;

/**
 * Product §8.5: no class loader of a departed client is still referenced. Each test uses a client the way the
 * shell does (so the core made callback lanes, claims and listeners for it), uninstalls it, refreshes, and
 * then expects the bundle's class loader, held only through a WeakReference, to be garbage-collected.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ClassLoaderGcIT extends SandboxTestSupport {

    @Before
    public void clientsBound() {
        awaitClients();
    }

    @Test
    public void ptraceClassLoaderIsCollectedAfterUninstallAndRefresh() throws BundleException {
        int task = newTask("traced");
        exec("sim:switch 0 " + task);
        exec("ptrace:attach " + task);
        exec("ptrace:poke " + task + " dr0 0x404040");
        exec("ptrace:poke " + task + " dr7 0x000d0101");
        assertMatches("^#DB", exec("sim:access 0 0x404040 4 w"));
        assertMatches("^SIGTRAP", exec("ptrace:wait " + task));

        WeakReference<ClassLoader> loader = classLoaderOf(PTRACE, "org.hwbp.ptrace.shell.PtraceCommands");
        uninstallAndRefresh(PTRACE);
        assertFalse(hasCommands("ptrace"));
        exec("sim:exit " + task);
        assertEquals("false", exec("hwbp:used"));
        assertCollected(PTRACE, loader);
    }

    @Test
    public void kgdbClassLoaderIsCollectedAfterUninstallAndRefresh() throws BundleException {
        String shellBp = group("^bp (\\d+)$", exec("hwbp:register --cpu 3 0xffffffff8200a000 8 w"));
        exec("kgdb:packet Z2,ffffffff82001000,4");
        assertMatches("triggered", exec("sim:access --kernel 2 0xffffffff82001000 4 w"));
        exec("kgdb:packet D");
        exec("kgdb:break");

        WeakReference<ClassLoader> loader = classLoaderOf(KGDB, "org.hwbp.kgdb.osgi.KgdbCommands");
        // uninstalled while the debugger holds the machine
        uninstallAndRefresh(KGDB);
        assertFalse(hasCommands("kgdb"));
        assertMatches("^0\\s+HOST(.|\\n)*^1\\s+HOST(.|\\n)*^2\\s+HOST(.|\\n)*^3\\s+HOST", exec("hwbp:cpus"));
        exec("hwbp:unregister " + shellBp);
        assertEquals("false", exec("hwbp:used"));
        assertCollected(KGDB, loader);
    }

    @Test
    public void kvmClassLoaderIsCollectedAfterUninstallAndRefresh() throws BundleException {
        String shellBp = group("^bp (\\d+)$", exec("hwbp:register --cpu 1 0xffffffff8200b000 8 w"));
        String vm = group("^vm (\\d+)$", exec("kvm:create"));
        exec("kvm:guest-debug " + vm + " 0 --hw 0x401000,0,0,0,0x402");
        assertMatches("^exit debug", exec("kvm:run " + vm + " 0 1 0x401000:1:x"));
        exec("kvm:guest-debug " + vm + " 0 --off");
        exec("kvm:guest-dr " + vm + " 0 0 0x6000");
        assertMatches("^exit", exec("kvm:run " + vm + " 0 1 0x6000:4:w"));

        WeakReference<ClassLoader> loader = classLoaderOf(KVM, "org.hwbp.kvm.shell.KvmCommands");
        uninstallAndRefresh(KVM);
        assertFalse(hasCommands("kvm"));
        exec("hwbp:unregister " + shellBp);
        assertEquals("false", exec("hwbp:used"));
        assertCollected(KVM, loader);
    }

    /** Uninstalls and refreshes {@code bsn}; the core keeps no callback thread of it either. */
    private void uninstallAndRefresh(String bsn) throws BundleException {
        requireBundle(bsn).uninstall();
        refresh();
        await("no callback thread of " + bsn + " left", () -> callbackThreads(bsn).isEmpty());
    }
}
