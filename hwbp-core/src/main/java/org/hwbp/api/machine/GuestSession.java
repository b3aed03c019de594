package org.hwbp.api.machine;

import org.hwbp.api.AccessKind;
import org.hwbp.api.Holder;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A vCPU running on one host CPU with its guest debug registers live (a guest claim of that CPU). Opened by
 * {@link Machine#enterGuest}; the VM-entry and VM-exit loads of DR7 are hardware actions (from the VMCS), not
 * counted register accesses; everything KVM's software does goes through {@link #registers()}.
 */
@ProviderType
public interface GuestSession extends AutoCloseable {

    int cpu();

    Holder holder();

    /** The CPU's registers, for KVM's own MOV to/from DRn around entry and exit. */
    DebugRegisters registers();

    /** VM entry: the hardware loads DR7 from the VMCS guest field (not a counted access). */
    void vmEntry(long guestDr7);

    /**
     * The guest makes an access; returns the positive-polarity DR6 trap bits of the enabled hardware
     * breakpoints it hits (0 if none). A guest #DB is intercepted by the hypervisor, never by the host handler.
     */
    long guestAccess(long address, int length, AccessKind kind);

    /** VM exit: the hardware leaves DR7 = 0x400 (host debug controls); DR0–3 and DR6 keep guest values. */
    void vmExit();

    /** Hands the CPU back to the host. Idempotent. */
    @Override
    void close();
}
