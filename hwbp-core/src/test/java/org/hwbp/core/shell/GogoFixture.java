package org.hwbp.core.shell;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.felix.gogo.runtime.CommandProcessorImpl;
import org.apache.felix.gogo.runtime.threadio.ThreadIOImpl;
import org.hwbp.core.HwBreakpointCore;
import org.hwbp.core.Policy;

/**
 * A real Gogo command processor, without a framework, with the hwbp: and sim: commands over a plain core:
 * what the runtime's shell does with them, argument coercion included.
 */
final class GogoFixture implements AutoCloseable {
    static final String OWNER = "org.hwbp.hwbp-core";

    final HwBreakpointCore core;
    final HwbpCommands hwbp;
    final SimCommands sim;
    private final ThreadIOImpl threadIO = new ThreadIOImpl();
    private final CommandProcessorImpl processor;
    private final GogoExecutor executor;

    GogoFixture(int cpus) {
        core = new HwBreakpointCore(cpus, Policy.LINUX, 1000);
        hwbp = new HwbpCommands(core, OWNER);
        sim = new SimCommands(core);
        threadIO.start();
        processor = new CommandProcessorImpl(threadIO);
        addCommands("hwbp", hwbp);
        addCommands("sim", sim);
        executor = new GogoExecutor(processor);
    }

    /** Registers every public method as a command, as the osgi.command.function property lists them. */
    private void addCommands(String scope, Object target) {
        for (Method m : target.getClass().getDeclaredMethods()) {
            if (Modifier.isPublic(m.getModifiers())) {
                String name = m.getName().startsWith("_") ? m.getName().substring(1) : m.getName();
                processor.addCommand(scope, target, name);
            }
        }
    }

    Outcome run(String command) {
        return executor.execute(command);
    }

    /** Runs scenario lines in this fixture's session; returns the transcript and the status. */
    Result script(List<String> lines, boolean commandMode) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        Transcript t = new Transcript(out);
        new ScenarioRunner(executor, t).runScript(lines);
        t.summary();
        return new Result(bytes.toString(StandardCharsets.UTF_8), t.status(commandMode));
    }

    record Result(String transcript, int status) {
    }

    @Override
    public void close() {
        executor.close();
        hwbp.close();
        processor.stop();
        threadIO.stop();
        core.shutdown();
    }
}
