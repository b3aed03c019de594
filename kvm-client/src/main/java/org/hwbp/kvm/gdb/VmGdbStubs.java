package org.hwbp.kvm.gdb;

import java.util.List;

import org.hwbp.api.HwbpException;
import org.hwbp.api.gdb.GdbServer;
import org.hwbp.api.gdb.GdbServers;
import org.hwbp.kvm.model.Kvm;

/**
 * The gdbstubs of this client, one per VM (as QEMU's {@code -gdb tcp::PORT}), each a {@link GdbServer} serving
 * a {@link VmGdbTarget}. As QEMU's gdbstub lives as long as the QEMU process, a stub is the VM's debugger in
 * user space from {@link #open} on, whether a gdb is connected or not: it closes when its VM is destroyed (a
 * connected gdb got {@code W00}), on {@link #close} and when the client goes ({@link #closeAll}).
 */
public final class VmGdbStubs {
    private final GdbServers<Integer, VmGdbTarget> stubs = new GdbServers<>("gdbstub", "VM", VmGdbTarget::release);

    /**
     * A gdbstub for {@code vm} on 127.0.0.1:{@code port}.
     *
     * @throws HwbpException ENOENT for no such VM, EBUSY for a VM served already or a port in use
     */
    public GdbServer open(int port, int vm, Kvm kvm) {
        kvm.vcpus(vm);
        return stubs.open(vm, port, onEnd -> VmGdbTarget.attachTo(kvm, vm, onEnd));
    }

    /** The target served for {@code vm}, or null. */
    VmGdbTarget target(int vm) {
        return stubs.target(vm);
    }

    /** Closes the stub of {@code vm} (gdb's session ends as by detach). */
    public void close(int vm) {
        stubs.close(vm);
    }

    /** Console text for every gdb that waits (the claim protocol's notifications). */
    public void tellAll(String text) {
        stubs.targets().forEach(t -> t.tell(text));
    }

    /** One line per stub: VM, address, connected gdb and whether the VM runs. */
    public List<String> describe() {
        return stubs.describe(t -> t.running() ? ", VM running" : ", VM stopped");
    }

    /** Every stub closed (the client goes away). */
    public void closeAll() {
        stubs.closeAll();
    }
}
