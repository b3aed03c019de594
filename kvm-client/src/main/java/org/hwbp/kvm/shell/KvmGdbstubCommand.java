package org.hwbp.kvm.shell;

import java.util.List;
import java.util.Set;

import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.hwbp.api.HardwareListener;
import org.hwbp.api.Holder;
import org.hwbp.api.inspect.ResetListener;
import org.hwbp.api.support.Args;
import org.hwbp.kvm.gdb.VmGdbStubs;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code kvm:gdbstub PORT VM}: QEMU's gdbstub for a VM ({@link VmGdbStubs}); {@code kvm:gdbstub} alone lists
 * the stubs, {@code --stop VM} closes one. Also a {@link HardwareListener}: while the kernel debugger holds the
 * CPUs, a vCPU runs with its debug registers off and gdb's hardware breakpoints in the guest cannot fire, so
 * every waiting gdb is told of the claim and of the release. And a {@link ResetListener}: after a reset the VMs
 * it serves are gone.
 */
@Component(service = {KvmGdbstubCommand.class, HardwareListener.class, ResetListener.class}, immediate = true,
        property = {
    "osgi.command.scope=kvm",
    "osgi.command.function=gdbstub"
})
public final class KvmGdbstubCommand implements HardwareListener, ResetListener {
    private final KvmCommands commands;
    private final VmGdbStubs stubs = new VmGdbStubs();

    @Activate
    public KvmGdbstubCommand(@Reference KvmCommands commands) {
        this.commands = commands;
    }

    /** The client goes away: every gdb sees its connection close. */
    @Deactivate
    void deactivate() {
        stubs.closeAll();
    }

    /** The runtime is reset: its VMs are gone, and so are their stubs. */
    @Override
    public void reset() {
        stubs.closeAll();
    }

    @Descriptor("serve gdb's remote protocol for a VM (QEMU's gdbstub): one thread per vCPU, hbreak/watch/awatch"
            + " become KVM_SET_GUEST_DEBUG with USE_HW_BP")
    public String gdbstub(
            @Descriptor("close the gdbstub of VM") @Parameter(names = "--stop", absentValue = "false",
                    presentValue = "true") boolean stop,
            @Descriptor("[PORT VM] | --stop VM | (none: list)") String... args) {
        if (stop) {
            Args a = new Args("kvm:gdbstub --stop", args, "VM");
            stubs.close(a.nonNegative(0));
            return "ok";
        }
        if (args.length == 0) {
            List<String> l = stubs.describe();
            return l.isEmpty() ? "no gdbstub" : String.join("\n", l);
        }
        Args a = new Args("kvm:gdbstub", args, "PORT", "VM");
        int port = a.nonNegative(0);
        int vm = a.nonNegative(1);
        var server = stubs.open(port, vm, commands.kvm());
        return "listening on 127.0.0.1:" + server.port() + " for VM " + vm;
    }

    @Override
    public void claimed(Set<Integer> cpus, Holder holder) {
        if (holder.kind() == Holder.Kind.DEBUGGER) {
            stubs.tellAll("hwbp: " + name(cpus) + " claimed by the debugger (kgdb): the guest's hardware"
                    + " breakpoints cannot fire there\n");
        }
    }

    @Override
    public void released(Set<Integer> cpus, Holder holder) {
        if (holder.kind() == Holder.Kind.DEBUGGER) {
            stubs.tellAll("hwbp: " + name(cpus) + " released: the guest's hardware breakpoints fire again\n");
        }
    }

    /** {@code CPU 2}, {@code CPUs 0-3}, {@code CPUs 0,2}. */
    static String name(Set<Integer> cpus) {
        List<Integer> l = cpus.stream().sorted().toList();
        if (l.size() == 1) {
            return "CPU " + l.get(0);
        }
        boolean range = l.size() > 2;
        for (int i = 1; i < l.size(); i++) {
            range &= l.get(i) == l.get(i - 1) + 1;
        }
        if (range) {
            return "CPUs " + l.get(0) + "-" + l.get(l.size() - 1);
        }
        return "CPUs " + String.join(",", l.stream().map(String::valueOf).toList());
    }
}
