/**
 * The hardware-breakpoint API of hwbp-core: what clients (ptrace, kgdb, kvm, the shell) use to register
 * breakpoints, to be told when they fire or lose the hardware, and to claim the debug registers.
 *
 * <p>Mirrors the in-kernel API of {@code include/linux/hw_breakpoint.h} (register_user_hw_breakpoint,
 * register_wide_hw_breakpoint, modify_user_hw_breakpoint, unregister_hw_breakpoint,
 * hw_breakpoint_is_used, dbg_reserve_bp_slot) plus the "hardware claimed" notifications Linux lacks.
 */
@Export
@Version("1.0.0")
package org.hwbp.api;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
