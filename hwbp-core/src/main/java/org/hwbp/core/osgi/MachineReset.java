package org.hwbp.core.osgi;

/**
 * Inside hwbp-core: the machine component's reset, for {@link HwbpAdminComponent#reset()} (which deletes the
 * configuration first). A service so that the admin component, which follows the machine, can reach the
 * component that owns it.
 */
public interface MachineReset {

    /** Replaces the machine by one booted with the command line's configuration; see MachineComponent. */
    void reset();
}
