/**
 * The architectural x86 debug-register layout ({@code arch/x86/include/uapi/asm/debugreg.h}): the DR7 enable,
 * control and R/W/LEN fields with the encode_dr7()/decode_dr7() bit helpers, and the DR6 status bits and reset
 * value. Shared by the core and every client that reads or writes DR6/DR7 values (ptrace's user area, kgdb's
 * virtual DR6, KVM's guest registers), so that the layout is written down once.
 */
@Export
@Version("1.1.0")
package org.hwbp.api.x86;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
