package org.hwbp.it;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.Test;

/**
 * The interactive shell as a user meets it: the executable runtime jar started like {@code java -jar} (no
 * {@code gosh.home}, no script mode), fed through piped stdin and through a pseudo-terminal ({@code script} from
 * util-linux). Every refusal is one line {@code error: ERRNO: message} (Gogo's own failures included: unknown
 * command, argument coercion, globbing, loop keywords), every kgdb packet gets a visible reply, the prompt is
 * {@code hwbp> }, and {@code exit}, {@code quit} and Ctrl-D end the shell with status 0; no Java exception name or
 * stack trace is ever printed.
 */
public class InteractiveShellIT {
    private static final Path RUNTIME = Path.of(System.getProperty("user.dir"));
    private static final Path JAR = RUNTIME.resolve("target/hwbp-sandbox.jar");
    private static final String PROMPT = "hwbp> ";

    /** An input line and the one line it prints: the findings of issue 17, each as it is now. */
    private static final String[][] LINES = {
        {"hwbp:stats extra", "error: EINVAL: usage: hwbp:stats [--reset]"},
        {"kgdb:packet", "error: EINVAL: usage: kgdb:packet PACKET"},
        {"hwbp:register --cpu",
            "error: EINVAL: usage: hwbp:register [--cpu CPU] [--disabled] [--task TASK] [--user] ADDR LEN TYPE"},
        {"kvm:create --vcpus", "error: EINVAL: usage: kvm:create [--vcpus VCPUS]"},
        {"hwbp:register --cpu 9 0x601000 4 w", "error: EINVAL: no CPU 9 (0..3)"},
        {"hwbp:regs [1]", "error: EINVAL: bad CPU '[1]'"},
        {"x", "error: ENOENT: no command 'x' (try 'help')"},
        {"break", "error: EINVAL: 'break' leaves a Gogo loop, and there is none (did you mean kgdb:break?)"},
        {"continue", "error: EINVAL: 'continue' leaves a Gogo loop, and there is none (did you mean kgdb:continue?)"},
        {"wait", "error: ENOENT: no command 'wait' (did you mean ptrace:wait? try 'help')"},
        {"switch", "error: ENOENT: no command 'switch' (did you mean sim:switch? try 'help')"},
        {"help nosuch", "error: ENOENT: no command 'nosuch' (try 'help')"},
        {"kgdb:packet ?", "S05"},
        {"kgdb:packet Z2,1ffffffff82001000,4",
            "error: EINVAL: kgdb:packet Z2,1ffffffff82001000,4: ADDR '1ffffffff82001000' does not fit in 64 bits"},
        {"kgdb:packet Z2,-8,4", "error: EINVAL: kgdb:packet Z2,-8,4: ADDR '-8' is negative"},
        {"kgdb:packet Z2,ffffffff82001000,100000004",
            "error: EINVAL: kgdb:packet Z2,ffffffff82001000,100000004: LEN '100000004' does not fit in an int"},
        {"kgdb:packet Z2,xyz,4", "E22"},
        {"kgdb:packet Z0", "(empty: unsupported)"},
        {"kgdb:packet z0", "(empty: unsupported)"},
        {"kgdb:packet Zq", "(empty: unsupported)"},
        {"kgdb:packet hello", "(empty: unsupported)"},
        {"kgdb:packet ''", "(empty: unsupported)"},
        {"kgdb:packet c", "(no reply: resumed; the reply is the next stop)"},
        {"kgdb:packet k", "(no reply: killed; kgdb's breakpoints removed and the machine resumed)"},
        {"sim:inflight --task 99", "error: ESRCH: no such task 99"},
        {"ptrace:peek 1 -8", "error: EINVAL: ptrace:peek: bad OFFSET '-8' (a user-area offset, DR0 at 848 ... DR7 at"
            + " 904, or dr0..dr7; not negative)"},
        {"hwbp:register --cpu 0 --cpu 1 0x601000 4 w",
            "error: EINVAL: hwbp:register: option --cpu given more than once"},
        {"kvm:run 9 0 0", "error: ENOENT: no VM 9"},
        {"kvm:guest-dr 3 0 7 0", "error: ENOENT: no VM 3"},
        {"hwbp:unregister 99", "error: ENOENT: no breakpoint 99 registered by org.hwbp.shell"},
        {"ptrace:attach 99", "error: ESRCH: no such task 99"},
        {"sim:exit 99", "error: ESRCH: no such task 99"},
        {"sim:task", "task 1"},
    };

    private static List<String> command(Path storage, Path bundles) {
        return new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dfelix.fileinstall.dir=" + bundles,
                "-Dorg.osgi.framework.storage=" + storage,
                "-Dorg.jline.terminal.dumb=true",
                "-jar", JAR.toString()));
    }

    private record Run(int status, String output) {
    }

    /** Runs {@code cmd} with {@code input} on stdin; its output (stdout and stderr). */
    private static Run run(List<String> cmd, String input) throws IOException, InterruptedException {
        Path in = ItTemp.file("hwbp-it-in", ".txt");
        Files.writeString(in, input, StandardCharsets.UTF_8);
        Path out = ItTemp.file("hwbp-it-out", ".txt");
        Process p = new ProcessBuilder(cmd)
                .redirectInput(in.toFile())
                .redirectErrorStream(true)
                .redirectOutput(out.toFile())
                .start();
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(cmd + " did not end within 180 s:\n" + Files.readString(out));
        }
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
    }

    private static void assertNoJava(String output) {
        assertFalse("a stack trace:\n" + output, output.contains("\tat "));
        assertFalse("a Java exception name:\n" + output, output.matches("(?s).*\\b\\w+(Exception|Error)\\b.*"));
        assertFalse("Gogo's prompt:\n" + output, output.contains("g! "));
    }

    @Test
    public void pipedStdinAnswersEveryLineWithOneErrnoLineAndStopsAtExit() throws Exception {
        StringBuilder input = new StringBuilder();
        for (String[] l : LINES) {
            input.append(l[0]).append('\n');
        }
        input.append("exit\nsim:task after-exit\n");
        Run r = run(command(ItTemp.dir("hwbp-it-felix"), ItTemp.dir("hwbp-it-b")),
                input.toString());
        String out = r.output();
        assertTrue("the banner says how to leave:\n" + out,
                out.startsWith("hwbp-sandbox shell: 'help' lists the commands, 'help NAME' shows one; exit, quit or"
                        + " Ctrl-D leaves.\n"));
        for (String[] l : LINES) {
            assertTrue(l[0] + " prints exactly " + l[1] + ":\n" + out,
                    out.contains("\n" + PROMPT + l[0] + "\n" + l[1] + "\n" + PROMPT));
        }
        assertTrue("exit is echoed last:\n" + out, out.endsWith(PROMPT + "exit\n"));
        assertFalse("nothing runs after exit:\n" + out, out.contains("after-exit"));
        assertNoJava(out);
        assertEquals(out, 0, r.status());
    }

    /**
     * The README's pause: an update of hwbp-core with the same API, typed in the shell, is not followed by a
     * refresh that would restart the shell under its own console; the session goes on with the state kept.
     */
    @Test
    public void theShellSurvivesAnUpdateOfTheCoreItTypedAndTheStateIsKept() throws Exception {
        Run r = run(command(ItTemp.dir("hwbp-it-felix"), ItTemp.dir("hwbp-it-b")), String.join("\n",
                "sim:task a", "hwbp:register --task 1 0x601000 4 w", "kvm:create",
                "hwbp:client org.hwbp.hwbp-core update", "hwbp:list", "kvm:run 1 0 0", "hwbp:regs 9",
                "hwbp:check", "exit", ""));
        String out = r.output();
        assertTrue(out, out.contains(PROMPT + "hwbp:client org.hwbp.hwbp-core update\nbundle "));
        assertTrue("the breakpoint is back:\n" + out, out.matches(
                "(?s).*" + PROMPT + "hwbp:list\nID .*\n1 +org\\.hwbp\\.shell +task 1 +0x601000 .*"));
        assertTrue("the VM is back:\n" + out, out.contains(PROMPT + "kvm:run 1 0 0\nexit hlt"));
        assertTrue("a refusal is still one line:\n" + out,
                out.contains(PROMPT + "hwbp:regs 9\nerror: EINVAL: no CPU 9 (0..3)\n"));
        assertTrue(out, out.endsWith(PROMPT + "hwbp:check\nok\n" + PROMPT + "exit\n"));
        assertNoJava(out);
        assertEquals(out, 0, r.status());
    }

    @Test
    public void endOfPipedInputEndsTheShell() throws Exception {
        Run r = run(command(ItTemp.dir("hwbp-it-felix"), ItTemp.dir("hwbp-it-b")),
                "sim:task\nquit\n");
        assertTrue(r.output(), r.output().endsWith(PROMPT + "sim:task\ntask 1\n" + PROMPT + "quit\n"));
        Run eof = run(command(ItTemp.dir("hwbp-it-felix"), ItTemp.dir("hwbp-it-b")),
                "sim:task\n");
        assertTrue(eof.output(), eof.output().endsWith(PROMPT + "sim:task\ntask 1\n"));
        assertEquals(eof.output(), 0, eof.status());
    }

    /**
     * Through a pseudo-terminal (util-linux {@code script}): JLine's console shows the prompt {@code hwbp> }, a
     * refusal is the errno line, Gogo's welcome banner and its {@code g! } prompt never appear, and {@code exit}
     * ends the JVM with status 0. (Ctrl-D is not typed here: the input is written before the console starts, and
     * a Ctrl-D in the terminal's cooked mode then is consumed before JLine reads; the end of input is tested
     * with piped stdin.)
     */
    @Test
    public void terminalShowsThePromptAndLeavesOnExit() throws Exception {
        for (String leave : new String[] {"exit\r"}) {
            List<String> java = command(ItTemp.dir("hwbp-it-felix"),
                    ItTemp.dir("hwbp-it-b"));
            java.removeIf(a -> a.startsWith("-Dorg.jline.terminal.dumb"));
            String shellCommand = "stty cols 120 rows 40; exec " + String.join(" ", java);
            List<String> cmd = List.of("script", "-qec", shellCommand, "/dev/null");
            Run r = run(cmd, "hwbp:register --cpu 9 0x601000 4 w\rsim:task\r" + leave);
            String out = r.output().replaceAll("\u001B\\[[0-9;?]*[a-zA-Z]|\u001B[=>]|\r", "");
            assertTrue("the prompt:\n" + out, out.contains(PROMPT));
            // Lines typed before the console started are echoed by the terminal, not again after the prompt;
            // typed after it, JLine shows them after the prompt. Either way the answer follows the prompt's line.
            assertTrue("the errno line:\n" + out, Pattern.compile(Pattern.quote(PROMPT)
                    + "(hwbp:register --cpu 9 0x601000 4 w\n)?error: EINVAL: no CPU 9 \\(0\\.\\.3\\)\n").matcher(out).find());
            assertTrue("the command ran:\n" + out, Pattern.compile(Pattern.quote(PROMPT) + "(sim:task\n)?task 1\n")
                    .matcher(out).find());
            assertFalse("Gogo's banner:\n" + out, out.contains("Welcome to Apache Felix Gogo"));
            assertNoJava(out);
            assertEquals(leave + " ends the shell with status 0:\n" + out, 0, r.status());
        }
    }
}
