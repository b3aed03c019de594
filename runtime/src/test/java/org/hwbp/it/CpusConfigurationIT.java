package org.hwbp.it;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import javax.inject.Inject;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogLevel;
import org.osgi.service.log.LogListener;
import org.osgi.service.log.LogReaderService;

/**
 * Issue 19 item 5, the Config Admin side: a configuration of the machine (PID {@value #PID}) whose CPU count is
 * outside 1..1024 is refused with one line, on the standard error and in the OSGi log, and the runtime keeps its
 * machine (the same core service, its CPUs, its breakpoints) and every command. A count in range reboots the
 * machine with it, and a refusal after that keeps that count. The launcher's and the system property's
 * refusals are {@link ManyCpusIT}'s.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class CpusConfigurationIT extends SandboxTestSupport {
    private static final String PID = "org.hwbp.core.machine";
    private static final String CORE_SERVICE = "org.hwbp.core.HwBreakpointCore";

    @Inject
    private ConfigurationAdmin configAdmin;

    @Inject
    private LogReaderService logReader;

    @Test
    public void aCountOutOfRangeIsRefusedInOneLineAndTheMachineKeepsItsCpusAndCommands() throws Exception {
        awaitClients();
        int task = newTask("kept");
        String bp = group("^bp (\\d+)$", exec("hwbp:register --cpu 3 0x601000 4 w"));
        long coreId = coreServiceId();
        Configuration config = configAdmin.getConfiguration(PID, "?");
        try {
            // Integers as a management agent sets them, strings as File Install reads them from a .cfg file.
            for (Object bad : List.<Object>of(1025, 0, -1, "2048")) {
                assertEquals("hwbp: EINVAL: configuration " + PID + ": cpus must be 1..1024, not '" + bad
                        + "'; the machine keeps 4 CPUs", refusal(config, bad));
                assertEquals("no reboot: the same core service", coreId, coreServiceId());
                assertEquals("3", lastCpu());
                assertMatches("^" + bp + "\\s+" + SHELL.replace(".", "\\.") + "\\s", exec("hwbp:list"));
                assertEquals("true", exec("hwbp:used"));
                assertMatches("^" + task + " +kept ", exec("sim:tasks"));
            }
            assertEquals("ok", exec("kgdb:break"));
            assertMatches("claim cpus=0-3 holder=DEBUGGER", exec("hwbp:events 5"));
            assertEquals("ok", exec("kgdb:continue"));

            // A count in range is a new machine; a refusal then keeps that count.
            config.update(cpus(8));
            await("8 CPUs", () -> "7".equals(lastCpu(quietly("hwbp:cpus"))));
            assertEquals("hwbp: EINVAL: configuration " + PID + ": cpus must be 1..1024, not '4096'; the machine "
                    + "keeps 8 CPUs", refusal(config, 4096));
            assertEquals("7", lastCpu());
            assertEquals("ok", exec("hwbp:check"));
        } finally {
            config.delete();
        }
        await("the command line's 4 CPUs again", () -> "3".equals(lastCpu(quietly("hwbp:cpus"))));
    }

    /**
     * Updates {@code config} with {@code cpus} and returns the one line the machine printed on the standard error
     * about it, after checking that the OSGi log got the same line once, as an error.
     */
    private String refusal(Configuration config, Object cpus) throws Exception {
        List<LogEntry> log = new CopyOnWriteArrayList<>();
        LogListener listener = e -> {
            if (e.getMessage().contains("cpus must be")) {
                log.add(e);
            }
        };
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream previous = System.err;
        logReader.addLogListener(listener);
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            config.update(cpus(cpus));
            await("the refusal of cpus=" + cpus + " in the log", () -> !log.isEmpty());
            sleep(200);
        } finally {
            System.setErr(previous);
            logReader.removeLogListener(listener);
        }
        List<String> lines = err.toString(StandardCharsets.UTF_8).lines().filter(l -> l.contains("cpus")).toList();
        assertEquals("one line on the standard error: " + lines, 1, lines.size());
        assertEquals("one entry in the log", 1, log.size());
        assertEquals(LogLevel.ERROR, log.get(0).getLogLevel());
        assertEquals("hwbp: " + log.get(0).getMessage(), lines.get(0));
        return lines.get(0);
    }

    private static Hashtable<String, Object> cpus(Object value) {
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put("cpus", value);
        return properties;
    }

    /** The number of the last CPU {@code hwbp:cpus} lists. */
    private String lastCpu() {
        return lastCpu(exec("hwbp:cpus"));
    }

    /** The number of the last CPU in {@code table}, the output of {@code hwbp:cpus} (or a refusal: none). */
    private static String lastCpu(String table) {
        List<String> rows = table.lines().filter(l -> l.matches("^\\d+ .*")).toList();
        return rows.isEmpty() ? "" : rows.get(rows.size() - 1).split(" +")[0];
    }

    private long coreServiceId() {
        ServiceReference<?> ref = context.getServiceReference(CORE_SERVICE);
        assertTrue("the core service is registered", ref != null);
        return (Long) ref.getProperty(Constants.SERVICE_ID);
    }
}
