package org.hwbp.kvm.model;

import java.util.Locale;
import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;

/** Which vcpu_enter_guest() debug-register sequence the client runs. */
public enum EntryPolicy {
    /**
     * Linux 6.12 / mainline (VMX): nothing when nobody uses breakpoints; DR7 cleared before entry when the host
     * has active breakpoints; guest DR0–3 (and DR6 in the WONT_EXIT window) loaded when the guest needs them;
     * the host restored from the hw_breakpoint shadows only when it has active breakpoints.
     */
    TODAY("today"),
    /**
     * Linux 2.6.29–2.6.32 (Jan Kiszka, "KVM: x86: Virtualize debug registers"): host DR6/DR7 read before every
     * entry and written back after every exit; host DR0–3 read and written back around runs that load guest
     * DR0–3. There was no lazy guest DR access yet (added 2014): every guest MOV-DR exits and is emulated.
     */
    LINUX_2009("2009");

    private final String label;

    EntryPolicy(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** {@code today} or {@code 2009}. */
    public static EntryPolicy parse(String name, String s) {
        String t = s == null ? "" : s.trim().toLowerCase(Locale.ROOT);
        for (EntryPolicy p : values()) {
            if (p.label.equals(t)) {
                return p;
            }
        }
        throw new HwbpException(Errno.EINVAL, "bad " + name + " '" + s + "' (today or 2009)");
    }
}
