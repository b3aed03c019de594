package org.hwbp.oracle;

/**
 * One command of a scenario file, as both sides run it: its file, its line number and the command without the
 * expectation ({@code => ...} or {@code || ...}), which the oracle does not use: it compares Linux with the sandbox.
 */
public record Step(String file, int line, String command) {

    /** The command's first word, e.g. {@code sim:access}. */
    public String verb() {
        int sp = command.indexOf(' ');
        return sp < 0 ? command : command.substring(0, sp);
    }

    /** The command's words after the verb. */
    public String[] args() {
        String[] w = command.trim().split("\\s+");
        String[] a = new String[w.length - 1];
        System.arraycopy(w, 1, a, 0, a.length);
        return a;
    }

    @Override
    public String toString() {
        return file + ":" + line + " " + command;
    }
}
