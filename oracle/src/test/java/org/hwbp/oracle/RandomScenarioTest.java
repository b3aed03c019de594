package org.hwbp.oracle;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RandomScenarioTest {

    private static final Set<String> VERBS = Set.of("sim:task", "sim:switch", "sim:exit", "sim:access",
            "hwbp:register", "hwbp:wide", "hwbp:modify", "hwbp:unregister", "hwbp:used", "ptrace:attach",
            "ptrace:detach", "ptrace:poke", "ptrace:peek", "ptrace:wait", "ptrace:cont");

    @Test
    void theSameSeedGivesTheSameSteps() {
        assertThat(new RandomScenario(7, 4).generate(600)).isEqualTo(new RandomScenario(7, 4).generate(600));
        assertThat(new RandomScenario(7, 4).generate(600)).isNotEqualTo(new RandomScenario(8, 4).generate(600));
        assertThat(new RandomScenario(7, 4).generate(600)).isNotEqualTo(new RandomScenario(7, 2).generate(600));
    }

    @Test
    void nStepsInFilesOfAtMostTheLimitEachStartingWithATask() {
        List<List<String>> files = new RandomScenario(3, 4).generate(1001);
        assertThat(files.stream().mapToInt(List::size).sum()).isEqualTo(1001);
        assertThat(files).allSatisfy(f -> {
            assertThat(f.size()).isLessThanOrEqualTo(RandomScenario.STEPS_PER_FILE);
            assertThat(f.get(0)).isEqualTo("sim:task t1");
        });
    }

    @Test
    void everyKindOfStepIsGeneratedAndAccessesStayInTheGuestsMappings() {
        List<String> all = new RandomScenario(11, 4).generate(5000).stream().flatMap(List::stream).toList();
        assertThat(all).allSatisfy(l -> assertThat(VERBS).contains(l.split(" ")[0]));
        for (String v : VERBS) {
            assertThat(all).as(v).anyMatch(l -> l.startsWith(v + " ") || l.equals(v));
        }
        for (String kind : List.of("--cpu", "--task", "--disabled", "--user", "0xffffffff82a4", " x", " rw", " w")) {
            assertThat(all).as(kind).anyMatch(l -> l.startsWith("hwbp:register") && l.contains(kind));
        }
        for (String reg : List.of("dr0", "dr1", "dr2", "dr3", "dr6", "dr7")) {
            assertThat(all).as(reg).anyMatch(l -> l.startsWith("ptrace:poke") && l.contains(" " + reg + " "));
            assertThat(all).as(reg).anyMatch(l -> l.startsWith("ptrace:peek") && l.endsWith(" " + reg));
        }
        List<Access> accesses = all.stream().filter(l -> l.startsWith("sim:access"))
                .map(l -> Access.of(new Step("r", 1, l))).toList();
        assertThat(accesses).allSatisfy(a -> assertThat(a.op() == 'x'
                ? a.addr() >= RandomScenario.CODE && a.addr() < RandomScenario.CODE + 0x1000
                : a.addr() >= RandomScenario.DATA && a.addr() + a.len() <= RandomScenario.DATA
                        + RandomScenario.DATA_SIZE).isTrue());
        assertThat(accesses).anyMatch(Access::misaligned).anyMatch(a -> a.op() == 'r').anyMatch(a -> a.op() == 'w');
    }

    @Test
    void theSlotGuessFollowsLinuxsRuleCpuPinnedPlusTheBusiestTask() {
        SlotGuess g = new SlotGuess(2);
        assertThat(g.take(1, 0, 0)).isTrue();
        assertThat(g.take(2, 0, 0)).isTrue();
        assertThat(g.take(3, 1, -1)).isTrue();
        assertThat(g.take(4, 1, -1)).isTrue();
        // CPU 0: 2 pinned + task 1's 2 = 4: neither a third task bp of task 1 nor another pinned one on CPU 0 fits
        assertThat(g.take(5, 1, -1)).isFalse();
        assertThat(g.take(5, 0, 0)).isFalse();
        // CPU 1 has room; another task up to task 1's count fits everywhere
        assertThat(g.take(5, 1, 1)).isTrue();
        assertThat(g.take(6, 2, -1)).isTrue();
        g.release(1);
        assertThat(g.take(7, 0, 0)).isTrue();
    }
}
