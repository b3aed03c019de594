package org.hwbp.core;

import java.util.Locale;
import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;

/** What happens when the debugger's breakpoint does not fit (product §3). */
public enum Policy {
    /** Exactly Linux: the debugger gets a slot only where the accounting admits it. */
    LINUX("linux"),
    /** The debugger preempts the most recently registered non-debugger reservation. */
    DEBUGGER_PRIORITY("debugger-priority");

    private final String label;

    Policy(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    public static Policy parse(String s) {
        for (Policy p : values()) {
            if (p.label.equals(s.trim().toLowerCase(Locale.ROOT))) {
                return p;
            }
        }
        throw new HwbpException(Errno.EINVAL, "unknown policy '" + s + "' (linux or debugger-priority)");
    }

    @Override
    public String toString() {
        return label;
    }
}
