package org.hwbp.api.machine;

import org.osgi.annotation.versioning.ConsumerType;

/** Whiteboard service told when a simulated task exits (do_exit → flush_ptrace_hw_breakpoint). */
@ConsumerType
public interface TaskListener {

    void taskExited(int task);
}
