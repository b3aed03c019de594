package org.hwbp.oracle;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ShrinkerTest {

    /** Disagrees iff the candidate still holds both causes before its last step "diff". */
    private final List<Integer> batches = new ArrayList<>();
    private final Shrinker.Judge needsBoth = candidates -> {
        batches.add(candidates.size());
        return candidates.stream().map(c -> c.get(c.size() - 1).equals("diff") && c.contains("cause a")
                && c.contains("cause b") && c.indexOf("cause a") < c.indexOf("cause b")).toList();
    };

    private static List<String> steps(int n, int a, int b, int diff) {
        return IntStream.range(0, n).mapToObj(i -> i == a ? "cause a" : i == b ? "cause b" : i == diff ? "diff"
                : "noise " + i).toList();
    }

    @Test
    void theShortestPrefixThenTheFewestStepsThatStillDisagree() throws Exception {
        List<String> s = steps(200, 17, 121, 150);
        Shrinker.Result r = new Shrinker(needsBoth, 50).shrink(s, 150);
        assertThat(r.confirmed()).isTrue();
        assertThat(r.steps()).containsExactly("cause a", "cause b", "diff");
        assertThat(batches).allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(Shrinker.MAX_CHUNKS));
        assertThat(r.candidates()).isEqualTo(batches.stream().mapToInt(Integer::intValue).sum());
    }

    @Test
    void aDisagreementThatNeedsNoEarlierStepShrinksToThatStep() throws Exception {
        Shrinker.Result r = new Shrinker(c -> c.stream().map(x -> x.get(x.size() - 1).equals("diff")).toList(), 50)
                .shrink(steps(40, -1, -1, 30), 30);
        assertThat(r.steps()).containsExactly("diff");
    }

    @Test
    void aPrefixThatDoesNotDisagreeOnItsOwnIsReportedUnconfirmed() throws Exception {
        Shrinker.Result r = new Shrinker(c -> c.stream().map(x -> false).toList(), 50).shrink(steps(10, 1, 2, 5), 5);
        assertThat(r.confirmed()).isFalse();
        assertThat(r.steps()).hasSize(6);
        assertThat(r.rounds()).isEqualTo(1);
    }

    @Test
    void theRoundLimitBoundsTheWork() throws Exception {
        Shrinker.Result r = new Shrinker(needsBoth, 3).shrink(steps(200, 17, 121, 150), 150);
        assertThat(r.rounds()).isEqualTo(3);
        assertThat(r.steps()).contains("cause a", "cause b", "diff").hasSizeGreaterThan(3);
    }
}
