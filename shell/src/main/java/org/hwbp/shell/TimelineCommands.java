package org.hwbp.shell;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.CommandSessionListener;
import org.apache.felix.service.command.Descriptor;
import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;
import org.hwbp.api.inspect.HwbpRuntime;
import org.hwbp.api.support.Args;
import org.hwbp.timeline.Timeline;
import org.hwbp.timeline.TimelineRecorder;
import org.hwbp.timeline.TimelineSvg;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * Records the session's timeline and draws it: a Gogo {@link CommandSessionListener}, so after every command
 * of every session (the interactive shell, the scenario runner, the Web Console's buttons) the machine is
 * sampled through the inspection service with the command line as the step's label and its error, if any (an
 * ENOSPC or EBUSY is a refusal mark); {@code hwbp:timeline OUT.svg} writes what was recorded so far, and the
 * runner of {@code ./sandbox --timeline OUT.svg demo|run|-c} writes it at the end ({@link #write}).
 */
@Component(service = {CommandSessionListener.class, TimelineCommands.class}, immediate = true, property = {
    "osgi.command.scope=hwbp",
    "osgi.command.function=timeline"
})
public final class TimelineCommands implements CommandSessionListener {
    /** The file {@code ./sandbox --timeline OUT.svg} asks the runner to write (an absolute path). */
    static final String OUTPUT = "hwbp.timeline";
    private static final int STEPS = 20_000;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile HwbpRuntime runtime;

    private final TimelineRecorder recorder;

    @Activate
    public TimelineCommands() {
        this.recorder = new TimelineRecorder(() -> runtime, "hwbp-sandbox", STEPS);
    }

    @Override
    public void beforeExecute(CommandSession session, CharSequence command) {
        // Sampled after the command: the step shows what it did.
    }

    @Override
    public void afterExecute(CommandSession session, CharSequence command, Object result) {
        if (isCommandLine(command)) {
            recorder.sample(label(command), null);
        }
    }

    @Override
    public void afterExecute(CommandSession session, CharSequence command, Exception exception) {
        if (isCommandLine(command)) {
            recorder.sample(label(command), failure(exception));
        }
    }

    /** One line typed or read from a scenario, not a script Gogo runs for itself (its profile). */
    private static boolean isCommandLine(CharSequence command) {
        String s = command.toString().strip();
        return !s.isEmpty() && s.indexOf('\n') < 0;
    }

    @Descriptor("write the per-CPU timeline of what happened so far (holders, slots, claims, preemptions, "
            + "restores, refusals) as SVG")
    public String timeline(@Descriptor("OUT.svg") String... args) {
        Path out = Path.of(new Args("hwbp:timeline", args, "OUT.svg").string(0));
        return write(out);
    }

    /** Writes the timeline recorded so far to {@code out}; returns the absolute path written. */
    String write(Path out) {
        Timeline t = recorder.timeline();
        try {
            Files.writeString(out, TimelineSvg.render(t), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new HwbpException(Errno.EIO, "hwbp:timeline: cannot write " + out + ": " + e.getMessage());
        }
        return out.toAbsolutePath().toString();
    }

    private static String label(CharSequence command) {
        return command.toString().strip();
    }

    /** The "ERRNO: message" of what a command threw (a client's exception may be wrapped by Gogo). */
    private static String failure(Throwable thrown) {
        for (Throwable t = thrown; t != null; t = t.getCause()) {
            if (t instanceof HwbpException || t.getMessage() != null && t.getMessage().matches("E[A-Z]+: .*")) {
                return t.getMessage();
            }
        }
        return thrown.getMessage() == null ? thrown.getClass().getSimpleName() : thrown.getMessage();
    }
}
