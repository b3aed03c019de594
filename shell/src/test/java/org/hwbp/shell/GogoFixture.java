package org.hwbp.shell;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.felix.gogo.runtime.CommandProcessorImpl;
import org.apache.felix.gogo.runtime.threadio.ThreadIOImpl;
import org.hwbp.api.BreakpointService;
import org.hwbp.api.inspect.HwbpRuntime;
import org.hwbp.core.BreakpointServiceImpl;
import org.hwbp.core.HwBreakpointCore;
import org.hwbp.core.MachineImpl;
import org.hwbp.core.Policy;
import org.hwbp.core.inspect.CoreInspector;
import org.hwbp.core.osgi.HwbpAdminComponent;

/**
 * A real Gogo command processor, without a framework, with the hwbp: and sim: commands over a plain core:
 * what the runtime's shell does with them, argument coercion included. The commands get the API services the
 * core's components would give the shell bundle, built here over the same core (the only place the shell's
 * tests reach into hwbp-core: to have the real thing without a framework).
 */
final class GogoFixture implements AutoCloseable {
    static final String OWNER = "org.hwbp.shell";

    private final HwBreakpointCore core;
    final BreakpointServiceImpl breakpoints;
    final MachineImpl machine;
    final HwbpRuntime runtime;
    final HwbpCommands hwbp;
    final SimCommands sim;
    private final ThreadIOImpl threadIO = new ThreadIOImpl();
    private final CommandProcessorImpl processor;
    private final GogoExecutor executor;

    GogoFixture(int cpus) {
        core = new HwBreakpointCore(cpus, Policy.LINUX, 1000);
        breakpoints = new BreakpointServiceImpl(core, OWNER);
        machine = new MachineImpl(core, OWNER);
        runtime = new CoreInspector(core);
        HwbpAdminComponent admin = new HwbpAdminComponent(null, core);
        hwbp = new HwbpCommands(breakpoints, runtime, admin);
        sim = new SimCommands(machine, admin);
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

    /** Registers the shell's {@code help} (scope {@code shell}), as its component does in the runtime. */
    void addHelp() {
        processor.addCommand("shell", new HelpCommand(), "help");
    }

    /** The breakpoint service another bundle, {@code owner}, would get. */
    BreakpointServiceImpl owner(String owner) {
        return new BreakpointServiceImpl(core, owner);
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
        breakpoints.close();
        machine.close();
        processor.stop();
        threadIO.stop();
        core.shutdown();
    }
}
