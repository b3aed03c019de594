package org.hwbp.kvm.shell;

import java.util.Arrays;
import java.util.List;
import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;
import org.hwbp.kvm.model.Numbers;

/**
 * Positional arguments of one command. Commands take them as strings and parse them here, so that a missing or
 * malformed argument is an EINVAL naming it (Gogo's own coercion would only say "Cannot coerce").
 */
final class Args {
    private final String command;
    private final String[] values;
    private final String[] names;

    /**
     * {@code names} are the positional names; a trailing {@code [NAME]} is optional and a trailing
     * {@code NAME...} takes the rest (zero or more).
     */
    Args(String command, String[] values, String... names) {
        this.command = command;
        this.values = values == null ? new String[0] : values;
        this.names = names;
        for (String v : this.values) {
            if (v != null && v.startsWith("--") && v.length() > 2) {
                throw new HwbpException(Errno.EINVAL, command + ": unknown option '" + v + "'");
            }
        }
        int required = 0;
        for (String n : names) {
            if (!n.startsWith("[") && !n.endsWith("...")) {
                required++;
            }
        }
        if (this.values.length < required) {
            throw new HwbpException(Errno.EINVAL, command + ": missing " + names[this.values.length]
                    + " (usage: " + usage() + ")");
        }
        boolean rest = names.length > 0 && names[names.length - 1].endsWith("...");
        if (!rest && this.values.length > names.length) {
            throw new HwbpException(Errno.EINVAL, command + ": unexpected argument '" + this.values[names.length]
                    + "' (usage: " + usage() + ")");
        }
    }

    private String usage() {
        return command + (names.length == 0 ? "" : " " + String.join(" ", names));
    }

    boolean has(int i) {
        return i < values.length;
    }

    long number(int i) {
        return Numbers.parse(bare(names[Math.min(i, names.length - 1)]), values[i]);
    }

    int integer(int i) {
        return Numbers.parseInt(bare(names[Math.min(i, names.length - 1)]), values[i]);
    }

    String string(int i) {
        return values[i];
    }

    /** The values from position {@code i} on. */
    List<String> rest(int i) {
        return i >= values.length ? List.of() : Arrays.asList(values).subList(i, values.length);
    }

    private static String bare(String name) {
        return name.replace("[", "").replace("]", "").replace("...", "");
    }
}
