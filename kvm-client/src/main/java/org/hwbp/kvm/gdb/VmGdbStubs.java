package org.hwbp.kvm.gdb;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;
import org.hwbp.api.gdb.GdbServer;
import org.hwbp.kvm.model.Kvm;

/**
 * The gdbstubs of this client, one per VM (as QEMU's {@code -gdb tcp::PORT}), each a {@link GdbServer} serving
 * a {@link VmGdbTarget}. A stub closes when its VM is destroyed (gdb got {@code W00}), on {@link #close} and
 * when the client goes ({@link #closeAll}).
 */
public final class VmGdbStubs {
    private final Map<Integer, GdbServer> servers = new TreeMap<>();
    private final Map<Integer, VmGdbTarget> targets = new TreeMap<>();

    /**
     * A gdbstub for {@code vm} on 127.0.0.1:{@code port}.
     *
     * @throws HwbpException ENOENT for no such VM, EBUSY for a VM served already or a port in use
     */
    public synchronized GdbServer open(int port, int vm, Kvm kvm) {
        kvm.vcpus(vm);
        if (servers.containsKey(vm)) {
            throw new HwbpException(Errno.EBUSY, "VM " + vm + " is served already by " + servers.get(vm));
        }
        GdbServer[] self = new GdbServer[1];
        VmGdbTarget target = new VmGdbTarget(kvm, vm, () -> closed(vm, self[0]));
        GdbServer server = GdbServer.listen(port, target);
        self[0] = server;
        servers.put(vm, server);
        targets.put(vm, target);
        return server;
    }

    private void closed(int vm, GdbServer server) {
        synchronized (this) {
            if (server == null || servers.get(vm) != server) {
                return;
            }
            servers.remove(vm);
            targets.remove(vm);
        }
        server.close();
    }

    /** The target served for {@code vm}, or null. */
    synchronized VmGdbTarget target(int vm) {
        return targets.get(vm);
    }

    /** Closes the stub of {@code vm} (gdb's session ends as by detach). */
    public void close(int vm) {
        GdbServer s;
        synchronized (this) {
            s = servers.remove(vm);
            targets.remove(vm);
        }
        if (s == null) {
            throw new HwbpException(Errno.ENOENT, "no gdbstub for VM " + vm);
        }
        s.close();
    }

    /** Console text for every gdb that waits (the claim protocol's notifications). */
    public void tellAll(String text) {
        List<VmGdbTarget> all;
        synchronized (this) {
            all = new ArrayList<>(targets.values());
        }
        all.forEach(t -> t.tell(text));
    }

    /** One line per stub: VM, address, connected gdb and whether the VM runs. */
    public synchronized List<String> describe() {
        List<String> l = new ArrayList<>();
        servers.forEach((vm, s) -> l.add("VM " + vm + ": listening on " + s.address().getAddress().getHostAddress()
                + ":" + s.port() + s.peer().map(p -> ", gdb connected from " + p.getAddress().getHostAddress()
                + ":" + p.getPort() + (targets.get(vm).running() ? ", VM running" : ", VM stopped")).orElse("")));
        return l;
    }

    /** Every stub closed (the client goes away). */
    public void closeAll() {
        List<GdbServer> all;
        synchronized (this) {
            all = new ArrayList<>(servers.values());
            servers.clear();
            targets.clear();
        }
        all.forEach(GdbServer::close);
    }
}
