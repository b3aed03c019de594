package org.hwbp.oracle;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Shrinks a file whose step disagrees into a short reproducer: first the shortest prefix (the steps up to the first
 * disagreeing one: what comes after cannot change it), then the fewest steps that still make its last step
 * disagree, by delta debugging (Zeller and Hildebrandt's ddmin: drop one of n chunks, keep any candidate that still
 * disagrees, refine n until single steps). Candidates of one round are judged together, so that one QEMU boot and
 * one batch of sandbox runs serve a whole round.
 */
public final class Shrinker {

    /** Runs the candidates on both sides: for each, whether its last step still disagrees. */
    public interface Judge {
        List<Boolean> disagree(List<List<String>> candidates) throws IOException;
    }

    /** The reproducer, and how many rounds and candidates it took; confirmed false if the prefix did not disagree. */
    public record Result(List<String> steps, boolean confirmed, int rounds, int candidates) {
    }

    /** At most this many candidates a round: each costs a sandbox runtime of its own. */
    static final int MAX_CHUNKS = 8;

    private final Judge judge;
    private final int maxRounds;

    public Shrinker(Judge judge, int maxRounds) {
        this.judge = judge;
        this.maxRounds = maxRounds;
    }

    /** {@code steps} disagree at index {@code first} (the first disagreeing step). */
    public Result shrink(List<String> steps, int first) throws IOException {
        List<String> body = new ArrayList<>(steps.subList(0, first));
        String last = steps.get(first);
        int rounds = 1;
        int tried = 1;
        if (!judge.disagree(List.of(with(body, last))).get(0)) {
            return new Result(with(body, last), false, rounds, tried);
        }
        int n = 2;
        while (!body.isEmpty() && rounds < maxRounds) {
            n = Math.min(Math.min(n, body.size()), MAX_CHUNKS);
            List<List<String>> bodies = new ArrayList<>();
            List<List<String>> candidates = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int from = i * body.size() / n;
                int to = (i + 1) * body.size() / n;
                List<String> c = new ArrayList<>(body.subList(0, from));
                c.addAll(body.subList(to, body.size()));
                bodies.add(c);
                candidates.add(with(c, last));
            }
            List<Boolean> verdicts = judge.disagree(candidates);
            rounds++;
            tried += candidates.size();
            int kept = verdicts.indexOf(Boolean.TRUE);
            if (kept >= 0) {
                body = bodies.get(kept);
                n = Math.max(n - 1, 2);
            } else if (n >= Math.min(body.size(), MAX_CHUNKS)) {
                break;
            } else {
                n = Math.min(2 * n, body.size());
            }
        }
        return new Result(with(body, last), true, rounds, tried);
    }

    private static List<String> with(List<String> body, String last) {
        List<String> c = new ArrayList<>(body);
        c.add(last);
        return c;
    }
}
