/**
 * What clients need of the simulated machine: CPUs, tasks, scheduling, memory accesses, and the narrow
 * debug-register access KVM and kgdb use in Linux (set_debugreg/get_debugreg on a CPU,
 * hw_breakpoint_active(), hw_breakpoint_restore()), every register access counted. 1.1: the simulated memory
 * (readMemory/writeMemory, accesses that store a value and return what they read). 1.2: the
 * {@link org.hwbp.api.machine.DebugExceptionListener} whiteboard (every user-mode #DB of a task, exc_debug_user()).
 */
@Export
@Version("1.2.0")
package org.hwbp.api.machine;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
