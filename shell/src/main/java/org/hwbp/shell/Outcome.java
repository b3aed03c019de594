package org.hwbp.shell;

/**
 * What one command did: its output (without a trailing newline; empty when it printed nothing) and, when it
 * failed, the error message as the transcript prints it after {@code error: } and the errno name, if any.
 *
 * @param output the command's output
 * @param error null on success; otherwise e.g. {@code "ENOSPC: no free slot"} or {@code "command not found: x"}
 * @param errno the Linux errno name of the failure, or null (success, or a failure without an errno)
 */
record Outcome(String output, String error, String errno) {

    static Outcome ok(String output) {
        return new Outcome(output, null, null);
    }

    static Outcome failed(String output, String error, String errno) {
        return new Outcome(output, error, errno);
    }

    boolean isFailure() {
        return error != null;
    }

    /** The text the transcript shows for the command: its output, then the {@code error:} line. */
    String printed() {
        if (error == null) {
            return output;
        }
        return output.isEmpty() ? "error: " + error : output + "\nerror: " + error;
    }
}
