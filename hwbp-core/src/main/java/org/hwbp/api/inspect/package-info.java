/**
 * A read-only view of the simulated machine and its breakpoint subsystem, for shell commands, the Web Console
 * and gdb {@code monitor} commands: what Linux shows in {@code /sys/kernel/debug} and what {@code hwbp:cpus},
 * {@code hwbp:regs}, {@code hwbp:list}, {@code hwbp:events}, {@code hwbp:stats} and {@code hwbp:check} print.
 *
 * <p>Built the way Felix SCR serves its {@code ServiceComponentRuntime}: one service, {@link HwbpRuntime}, hands
 * out data transfer objects (public fields, no behaviour, a fresh copy on every call) that the caller may keep
 * and change. Reading never counts as a debug-register access (the counters {@code hwbp:stats} shows move only
 * when kernel code executes MOV from/to DRn). What changes the machine as a whole (the policy, the counters) is
 * in the separate {@link HwbpAdmin}; since 1.1, {@link HwbpAdmin#reset()} and the {@link ResetListener} whiteboard
 * put the runtime back to its boot state.
 */
@Export
@Version("1.1.0")
package org.hwbp.api.inspect;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
