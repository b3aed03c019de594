/**
 * A gdb remote serial protocol server: one packet codec, one generic packet dispatcher, and the
 * {@link org.hwbp.api.gdb.GdbTarget} each kind of debugged thing implements (kgdb's machine, a ptrace'd task,
 * a KVM guest) — the split QEMU's gdbstub and gdbserver both use.
 *
 * <p>{@link org.hwbp.api.gdb.GdbServer} listens (on 127.0.0.1 unless a bind address is given) on its own
 * accept thread, serves one gdb at a time on a session thread, and leaves no thread or socket behind once
 * closed. The target pushes asynchronous stops and console output through the
 * {@link org.hwbp.api.gdb.GdbSession} it is handed when gdb connects. A client serving many things (tasks,
 * VMs) keeps their servers in a {@link org.hwbp.api.gdb.GdbServers}.
 */
@Export
@Version("1.2.0")
package org.hwbp.api.gdb;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
