package org.hwbp.oracle;

/**
 * One compared step: the step, Linux's and the sandbox's answers as compared (canonical forms), the verdict, a note
 * saying why (how Linux got its answer, or what the artefact was), and whether the step was an access that fired a
 * breakpoint on both sides.
 */
public record Outcome(Step step, String linux, String sandbox, Verdict verdict, String note, boolean hit) {

    /** {@code FILE:LINE  COMMAND  | linux: ... | sandbox: ... | VERDICT  (note)}. */
    public String render() {
        return String.format("%s:%d  %s  | linux: %s | sandbox: %s | %s%s", step.file(), step.line(), step.command(),
                linux, sandbox, verdict.label(), note.isEmpty() ? "" : "  (" + note + ")");
    }
}
