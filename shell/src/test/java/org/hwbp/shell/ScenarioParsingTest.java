package org.hwbp.shell;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** ScenarioLine, Expectation and CommandSplitter: the scenario format of product §4. */
class ScenarioParsingTest {

    private static ScenarioLine line(String raw) {
        return ScenarioLine.parse(raw).orElseThrow();
    }

    @Test
    void blankLinesAndCommentsAreSkipped() {
        assertThat(ScenarioLine.parse("")).isEmpty();
        assertThat(ScenarioLine.parse("   \t")).isEmpty();
        assertThat(ScenarioLine.parse("# hwbp:used")).isEmpty();
        assertThat(ScenarioLine.parse("   # indented comment => ok")).isEmpty();
    }

    @Test
    void theExpectationFollowsTheLastArrow() {
        ScenarioLine l = line("hwbp:register --cpu 0 0x10 4 w => /bp 1/  ");
        assertThat(l.text()).isEqualTo("hwbp:register --cpu 0 0x10 4 w => /bp 1/");
        assertThat(l.command()).isEqualTo("hwbp:register --cpu 0 0x10 4 w");
        assertThat(l.expectation()).hasToString("/bp 1/");
        ScenarioLine two = line("echo a => b => ok");
        assertThat(two.command()).isEqualTo("echo a => b");
        assertThat(two.expectation()).hasToString("ok");
        ScenarioLine none = line("  hwbp:used");
        assertThat(none.text()).isEqualTo("  hwbp:used");
        assertThat(none.command()).isEqualTo("hwbp:used");
        assertThat(none.expectation()).isNull();
    }

    @Test
    void okExpectsSuccess() {
        Expectation ok = Expectation.parse("ok");
        assertThat(ok.check(Outcome.ok("bp 1"))).isEmpty();
        assertThat(ok.check(Outcome.failed("", "ENOSPC: full", "ENOSPC"))).contains("FAILED: expected ok, got ENOSPC");
        assertThat(ok.check(Outcome.failed("", "command not found: x", null)))
                .contains("FAILED: expected ok, got error: command not found: x");
    }

    @Test
    void anErrnoExpectsExactlyThatFailure() {
        Expectation enospc = Expectation.parse("ENOSPC");
        assertThat(enospc.check(Outcome.failed("", "ENOSPC: full", "ENOSPC"))).isEmpty();
        assertThat(enospc.check(Outcome.ok("bp 1"))).contains("FAILED: expected ENOSPC, got ok");
        assertThat(enospc.check(Outcome.failed("", "EINVAL: bad", "EINVAL"))).contains("FAILED: expected ENOSPC, got EINVAL");
    }

    @Test
    void aRegexIsFoundInWhatTheLinePrinted() {
        Expectation re = Expectation.parse("/^DR7 0x400 /");
        assertThat(re.check(Outcome.ok("DR6 0xffff0ff0  none\nDR7 0x400  none"))).isEmpty();
        assertThat(re.check(Outcome.ok("DR7 0x401  G0"))).contains("FAILED: expected output matching /^DR7 0x400 /, got 'DR7 0x401  G0'");
        assertThat(Expectation.parse("/no CPU 9/").check(Outcome.failed("", "EINVAL: no CPU 9", "EINVAL"))).isEmpty();
        assertThat(Expectation.parse("/x/").check(Outcome.ok(""))).contains("FAILED: expected output matching /x/, got no output");
    }

    @Test
    void anythingElseIsAMalformedExpectationThatFails() {
        assertThat(Expectation.parse("true").check(Outcome.ok("true")))
                .contains("FAILED: malformed expectation 'true' (ok, ERRNO or /regex/)");
        assertThat(Expectation.parse("/(/").check(Outcome.ok("(")))
                .contains("FAILED: malformed expectation '/(/' (ok, ERRNO or /regex/)");
        ScenarioLine dangling = line("hwbp:used =>");
        assertThat(dangling.command()).isEqualTo("hwbp:used");
        assertThat(dangling.expectation().check(Outcome.ok("false"))).map(s -> s.startsWith("FAILED: malformed"))
                .isEqualTo(Optional.of(true));
    }

    @Test
    void commandsSplitAtSemicolonsOutsideQuotesAndBrackets() {
        assertThat(CommandSplitter.split("sim:task; hwbp:used ;;")).containsExactly("sim:task", "hwbp:used");
        assertThat(CommandSplitter.split("echo 'a;b'; echo \"c;\\\"d\"; each [1 2] { echo $it; echo x }"))
                .containsExactly("echo 'a;b'", "echo \"c;\\\"d\"", "each [1 2] { echo $it; echo x }");
        assertThat(CommandSplitter.split("  ")).isEmpty();
    }
}
