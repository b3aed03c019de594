package org.hwbp.shell;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.hwbp.api.Errno;
import org.junit.jupiter.api.Test;

/**
 * Issue 17: every input to the shell, the product's commands and Gogo's own failures, answers with one line
 * {@code ERRNO: message} when refused: unknown and bare product names, arguments Gogo cannot coerce (with the
 * usage), glob characters (no file-name expansion), repeated options, unknown task ids; and the help of a command
 * is by its registered name, never a Java method's.
 */
class ShellInputTest {

    @Provide
    Arbitrary<String> lines() {
        Arbitrary<String> name = Arbitraries.of("hwbp:register", "hwbp:wide", "hwbp:modify", "hwbp:unregister",
                "hwbp:regs", "hwbp:stats", "hwbp:events", "hwbp:list", "sim:task", "sim:switch", "sim:exit",
                "sim:access", "exit", "break", "switch", "wait", "nosuch", "hwbp:nosuch", "help");
        Arbitrary<String> word = Arbitraries.of("0", "1", "99", "-1", "-8", "0x601000", "0xffffffff82400000",
                "1ffffffff82001000", "4", "w", "rw", "x", "?", "*", "[1]", "[", "]", "--cpu", "--task", "--cpu 0",
                "--task 99", "--reset", "--end", "--kernel", "--bogus", "idle", "''", "\"\"");
        return Combinators.combine(name, word.list().ofMaxSize(5)).as((n, ws) -> n + " " + String.join(" ", ws));
    }

    @Property(tries = 400)
    void everyRefusalIsOneErrnoLineAndChangesNothing(@ForAll("lines") String line) {
        try (GogoFixture f = new GogoFixture(4)) {
            f.machine.createTask("t1");
            Outcome o = f.run(line);
            if (o.isFailure()) {
                assertThat(o.errno()).as("errno of %s: %s", line, o.error()).isNotNull();
                assertThat(Errno.valueOf(o.errno())).isNotNull();
                assertThat(o.error()).as(line).startsWith(o.errno() + ": ").doesNotContain("\n")
                        .doesNotContain("Exception").doesNotContain("no matches found");
            }
            assertThat(f.runtime.check().problems).isEmpty();
        }
    }

    @Test
    void gogosOwnFailuresGetAnErrnoAndTheUsage() {
        try (GogoFixture f = new GogoFixture(4)) {
            assertThat(f.run("x").error()).isEqualTo("ENOENT: no command 'x' (try 'help')");
            assertThat(f.run("exit").error()).isEqualTo("ENOENT: no command 'exit' (did you mean sim:exit? try 'help')");
            assertThat(f.run("switch 0 1").error())
                    .isEqualTo("ENOENT: no command 'switch' (did you mean sim:switch? try 'help')");
            assertThat(f.run("hwbp:stats extra").error()).isEqualTo("EINVAL: usage: hwbp:stats [--reset]");
            assertThat(f.run("hwbp:register --cpu").error()).isEqualTo(
                    "EINVAL: usage: hwbp:register [--cpu CPU] [--disabled] [--task TASK] [--user] ADDR LEN TYPE");
            assertThat(f.run("hwbp:regs [1]").error()).isEqualTo("EINVAL: bad CPU '[1]'");
            assertThat(f.run("hwbp:regs ?").error()).isEqualTo("EINVAL: bad CPU '?'");
            assertThat(f.run("hwbp:register --cpu 0 --cpu 1 0x601000 4 w").error())
                    .isEqualTo("EINVAL: hwbp:register: option --cpu given more than once");
            assertThat(f.run("sim:inflight --task 99").error()).isEqualTo("ESRCH: no such task 99");
            assertThat(f.runtime.check().problems).isEmpty();
        }
    }

    @Test
    void globsAreQuotedOnlyInPlainWords() {
        assertThat(GogoExecutor.withoutGlobs("kgdb:packet ?")).isEqualTo("kgdb:packet '?'");
        assertThat(GogoExecutor.withoutGlobs("hwbp:regs [1]  x")).isEqualTo("hwbp:regs '[1]'  x");
        assertThat(GogoExecutor.withoutGlobs("kgdb:packet '$Z2,1,4#cs' $x *")).isEqualTo("kgdb:packet '$Z2,1,4#cs' $x '*'");
        assertThat(GogoExecutor.repeatedOption("a --cpu 1 --task 2 --cpu 3")).isEqualTo("--cpu");
        assertThat(GogoExecutor.repeatedOption("a --cpu 1 '--cpu'")).isNull();
    }

    /** Gogo's file commands print their failure (as in {@code hwbp:cpus | head -2}) instead of throwing it. */
    @Test
    void gogosFileCommandsFailuresAreErrorLines() {
        Outcome head = GogoExecutor.posixFailure("head: java.nio.file.NoSuchFileException: /home/u/-2");
        assertThat(head.printed()).isEqualTo("error: ENOENT: head: no such file /home/u/-2");
        Outcome cat = GogoExecutor.posixFailure(
                "line 1\ncat: java.io.FileNotFoundException: /nonexistent (No such file or directory)");
        assertThat(cat.printed()).isEqualTo("line 1\nerror: ENOENT: cat: no such file /nonexistent");
        assertThat(GogoExecutor.posixFailure("grep: java.util.regex.PatternSyntaxException: Unclosed group").error())
                .isEqualTo("EIO: grep: Unclosed group");
        assertThat(GogoExecutor.posixFailure("sort: java.io.IOException").error()).isEqualTo("EIO: sort: IOException");
        assertThat(GogoExecutor.posixFailure("bp 1 (org.hwbp.shell, cpu 1)\nkgdb: Could not allocate hw breakpoints"))
                .isNull();
    }

    @Test
    void helpNamesTheRegisteredFunctionsWithTheirOptions() {
        try (GogoFixture f = new GogoFixture(4)) {
            f.addHelp();
            String help = f.run("shell:help sim:switch").output();
            assertThat(help).startsWith("sim:switch - schedule a task on a CPU").contains("usage: sim:switch CPU TASK|idle")
                    .doesNotContain("_switch");
            assertThat(f.run("shell:help hwbp:register").output())
                    .contains("\n  --cpu CPU ").contains("\n  --disabled ").contains("\n  ADDR LEN TYPE ");
            String overview = f.run("shell:help").output();
            assertThat(overview).startsWith("hwbp:");
            assertThat(overview.indexOf("\nsim:")).isGreaterThan(overview.lastIndexOf("\nhwbp:"));
            assertThat(f.run("shell:help nosuch").error()).isEqualTo("ENOENT: no command 'nosuch' (try 'help')");
            assertThat(List.of(f.run("shell:help exit").output().split("\n"))).contains("usage: sim:exit TASK");
        }
    }
}
