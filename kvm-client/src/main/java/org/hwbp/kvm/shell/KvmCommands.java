package org.hwbp.kvm.shell;

import static org.hwbp.kvm.model.KvmDebugRegs.GUESTDBG_ENABLE;
import static org.hwbp.kvm.model.KvmDebugRegs.GUESTDBG_SINGLESTEP;
import static org.hwbp.kvm.model.KvmDebugRegs.GUESTDBG_USE_HW_BP;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;
import org.hwbp.api.inspect.ResetListener;
import org.hwbp.api.machine.Machine;
import org.hwbp.api.support.Args;
import org.hwbp.kvm.model.EntryPolicy;
import org.hwbp.kvm.model.EntryStats;
import org.hwbp.kvm.model.GuestAccess;
import org.hwbp.kvm.model.Kvm;
import org.hwbp.kvm.model.KvmDebugRegs;
import org.hwbp.kvm.model.KvmState;
import org.hwbp.kvm.model.Vcpu;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;

/**
 * The {@code kvm:} commands. Gogo maps a function name to a Java method, and a method name cannot contain
 * '-', so {@code guest-dr} and {@code guest-debug} are served by {@link GuestDrFunction} and
 * {@link GuestDebugFunction}, which delegate to {@link #guestdr} and {@link #guestdebug} (not registered as
 * commands of their own: {@code help} lists each command once, by its name).
 *
 * <p>Immediate: the VMs live in this instance, and Gogo ungets a command service after every call, which would
 * otherwise dispose of a delayed component and its VMs. They also outlive the instance: on deactivation (bundle
 * stop or update) the whole hypervisor state ({@link KvmState}) is written to the bundle's data area, and the
 * next activation reads it back; uninstall deletes the data area and so the VMs. The core going away needs
 * nothing: KVM registers no breakpoint, its commands answer EBUSY until a Machine is bound again. A reset of
 * the runtime ({@link ResetListener}) replaces the hypervisor by a new one (no VM, VM ids from 1, zero
 * statistics, the configured policy) and deletes the saved state.
 */
@Component(service = {KvmCommands.class, ResetListener.class}, immediate = true, configurationPid = KvmConfig.PID, property = {
    "osgi.command.scope=kvm",
    "osgi.command.function=create",
    "osgi.command.function=destroy",
    "osgi.command.function=run",
    "osgi.command.function=stats",
    "osgi.command.function=policy",
    "osgi.command.function=vcpu"
})
@Designate(ocd = KvmConfig.class)
public final class KvmCommands implements ResetListener {
    /** The state file in the bundle's data area. */
    static final String STATE_FILE = "kvm-state.properties";

    /** Replaced only by a reset. */
    private volatile Kvm kvm;
    private final Path stateFile;
    /** The configured policy (what {@link KvmState#configPolicy()} records). */
    private volatile EntryPolicy configured;

    /** Bundle-scoped: guest claims are this bundle's, and end with it. */
    @Reference(policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY,
            cardinality = ReferenceCardinality.OPTIONAL)
    private volatile Machine machine;

    @Activate
    public KvmCommands(KvmConfig config, BundleContext context) {
        this(config, dataFile(context));
    }

    /** {@code stateFile} null: nothing is kept across instances. */
    KvmCommands(KvmConfig config, Path stateFile) {
        this.stateFile = stateFile;
        this.configured = EntryPolicy.parse("policy", config.policy());
        KvmState saved = load();
        this.kvm = saved == null ? new Kvm(configured) : new Kvm(saved, configured);
    }

    KvmCommands(KvmConfig config) {
        this(config, (Path) null);
    }

    private static Path dataFile(BundleContext context) {
        File f = context.getDataFile(STATE_FILE);
        return f == null ? null : f.toPath();
    }

    private KvmState load() {
        if (stateFile == null) {
            return null;
        }
        try {
            return KvmState.load(stateFile);
        } catch (IOException | RuntimeException e) {
            System.err.println("kvm: the saved state in " + stateFile + " cannot be read, starting without it: " + e);
            return null;
        }
    }

    @Modified
    void modified(KvmConfig config) {
        configured = EntryPolicy.parse("policy", config.policy());
        kvm.setPolicy(configured);
    }

    /**
     * Waits for a run in flight (its exit path restores the host and hands the CPU back before we go), then
     * saves the VMs for the next activation.
     */
    @Deactivate
    void deactivate() {
        kvm.shutdown();
        if (stateFile == null) {
            return;
        }
        try {
            kvm.snapshot(configured).save(stateFile);
        } catch (IOException e) {
            System.err.println("kvm: saving the state to " + stateFile + " failed, the VMs are lost: " + e);
        }
    }

    /** The hypervisor (for {@code kvm:gdbstub}). */
    Kvm kvm() {
        machine();
        return kvm;
    }

    /** The runtime is reset: a run in flight ends, then a new hypervisor as at boot; the saved state goes. */
    @Override
    public void reset() {
        Kvm old = kvm;
        kvm = new Kvm(configured);
        old.shutdown();
        if (stateFile != null) {
            try {
                Files.deleteIfExists(stateFile);
            } catch (IOException e) {
                System.err.println("kvm: the saved state in " + stateFile + " cannot be deleted: " + e);
            }
        }
    }

    private Machine machine() {
        Machine m = machine;
        if (m == null) {
            throw new HwbpException(Errno.EBUSY, "core unavailable");
        }
        return m;
    }

    @Descriptor("create a VM (KVM_CREATE_VM) with vCPUs in their reset state; VM ids from 1, vCPUs from 0")
    public String create(
            @Descriptor("number of vCPUs (default 1)") @Parameter(names = "--vcpus", absentValue = "1") String vcpus,
            @Descriptor("(no positional arguments)") String... args) {
        machine();
        new Args("kvm:create", args);
        return "vm " + kvm.create(Args.nonNegative("--vcpus", vcpus));
    }

    @Descriptor("destroy a VM")
    public String destroy(@Descriptor("VM") String... args) {
        machine();
        Args a = new Args("kvm:destroy", args, "VM");
        kvm.destroy(a.nonNegative(0));
        return "ok";
    }

    @Descriptor("the guest executes MOV to DRn (with VALUE) or MOV from DRn (without); prints what the guest saw")
    public String guestdr(@Descriptor("VM VCPU N [VALUE]") String... args) {
        machine();
        Args a = new Args("kvm:guest-dr", args, "VM", "VCPU", "N", "[VALUE]");
        int vm = a.nonNegative(0);
        int vcpu = a.nonNegative(1);
        int dr = a.nonNegative(2);
        if (a.has(3)) {
            return kvm.movToDr(vm, vcpu, dr, a.unsigned(3));
        }
        return kvm.movFromDr(vm, vcpu, dr);
    }

    @Descriptor("KVM_SET_GUEST_DEBUG: host-side debugging of a vCPU with hardware breakpoints and/or single-step")
    public String guestdebug(
            @Descriptor("A0,A1,A2,A3,DR7: USE_HW_BP with the debugger's DR0-DR3 and DR7 (five numbers)") @Parameter(names = "--hw", absentValue = "")
            String hw,
            @Descriptor("SINGLESTEP") @Parameter(names = "--step", absentValue = "false", presentValue = "true")
            boolean step,
            @Descriptor("guest debugging off (control 0)")
            @Parameter(names = "--off", absentValue = "false", presentValue = "true") boolean off,
            @Descriptor("VM VCPU") String... args) {
        machine();
        Args a = new Args("kvm:guest-debug", args, "VM", "VCPU");
        int vm = a.nonNegative(0);
        int vcpu = a.nonNegative(1);
        boolean useHw = hw != null && !hw.isEmpty();
        if (off && (useHw || step)) {
            throw new HwbpException(Errno.EINVAL, "kvm:guest-debug: --off excludes --hw and --step");
        }
        long[] debugreg = new long[8];
        if (useHw) {
            String[] f = hw.split(",", -1);
            if (f.length != 5) {
                throw new HwbpException(Errno.EINVAL, "bad --hw '" + hw + "' (A0,A1,A2,A3,DR7)");
            }
            for (int i = 0; i < 4; i++) {
                debugreg[i] = Args.unsigned("--hw A" + i, f[i]);
            }
            debugreg[7] = Args.unsigned("--hw DR7", f[4]);
        }
        int control = off ? 0
                : GUESTDBG_ENABLE | (useHw ? GUESTDBG_USE_HW_BP : 0) | (step ? GUESTDBG_SINGLESTEP : 0);
        kvm.setGuestDebug(vm, vcpu, control, debugreg);
        return "ok";
    }

    @Descriptor("one VM entry + exit of a vCPU on a host CPU; the guest makes the accesses in order until a #DB")
    public String run(@Descriptor("VM VCPU CPU [ADDR:LEN:r|w|x ...]") String... args) {
        Machine m = machine();
        Args a = new Args("kvm:run", args, "VM", "VCPU", "CPU", "ACCESS...");
        int vm = a.nonNegative(0);
        int vcpu = a.nonNegative(1);
        int cpu = a.nonNegative(2);
        List<GuestAccess> accesses = new ArrayList<>();
        for (String s : a.rest(3)) {
            accesses.add(GuestAccess.parse(s));
        }
        return kvm.run(m, vm, vcpu, cpu, accesses).toString();
    }

    @Descriptor("host debug-register accesses per VM entry+exit, for each policy")
    public String stats(
            @Descriptor("zero the counters") @Parameter(names = "--reset", absentValue = "false", presentValue = "true")
            boolean reset,
            @Descriptor("(no positional arguments)") String... args) {
        machine();
        new Args("kvm:stats", args);
        List<String> lines = new ArrayList<>();
        lines.add("policy " + kvm.policy().label());
        for (EntryPolicy p : EntryPolicy.values()) {
            EntryStats s = kvm.stats(p);
            long n = s.entries();
            lines.add(String.format(Locale.ROOT, "%s: entries=%d dr_reads=%d dr_writes=%d per_entry_reads=%.2f"
                    + " per_entry_writes=%.2f", p.label(), n, s.reads(), s.writes(),
                    n == 0 ? 0.0 : (double) s.reads() / n, n == 0 ? 0.0 : (double) s.writes() / n));
        }
        if (reset) {
            kvm.resetStats();
        }
        return String.join("\n", lines);
    }

    @Descriptor("show or switch the entry/exit sequence: today (Linux 6.12) or 2009 (Linux 2.6.29)")
    public String policy(@Descriptor("[today|2009]") String... args) {
        machine();
        Args a = new Args("kvm:policy", args, "[POLICY]");
        if (a.has(0)) {
            kvm.setPolicy(EntryPolicy.parse("POLICY", a.string(0)));
        }
        return "policy " + kvm.policy().label();
    }

    @Descriptor("a vCPU's debug state (struct kvm_vcpu_arch)")
    public String vcpu(@Descriptor("VM VCPU") String... args) {
        machine();
        Args a = new Args("kvm:vcpu", args, "VM", "VCPU");
        Vcpu v = kvm.vcpu(a.nonNegative(0), a.nonNegative(1));
        synchronized (v) {
            List<String> lines = new ArrayList<>();
            lines.add("db " + hex4(v::db));
            lines.add("eff_db " + hex4(v::effDb));
            lines.add("dr6 " + Args.hex(v.dr6()));
            lines.add("dr7 " + Args.hex(v.dr7()));
            lines.add("guest_dr7(vmcs) " + Args.hex(v.vmcsGuestDr7()));
            lines.add("guest_debug " + Args.hex(v.guestDebug()));
            lines.add("guest_debug_dr7 " + Args.hex(v.guestDebugDr7()));
            lines.add("switch_db_regs " + Args.hex(v.switchDbRegs()) + flags(v.switchDbRegs()));
            return String.join("\n", lines);
        }
    }

    private static String hex4(java.util.function.IntToLongFunction f) {
        List<String> l = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            l.add(Args.hex(f.applyAsLong(i)));
        }
        return String.join(" ", l);
    }

    private static String flags(int switchDbRegs) {
        List<String> l = new ArrayList<>();
        if ((switchDbRegs & KvmDebugRegs.DEBUGREG_BP_ENABLED) != 0) {
            l.add("BP_ENABLED");
        }
        if ((switchDbRegs & KvmDebugRegs.DEBUGREG_WONT_EXIT) != 0) {
            l.add("WONT_EXIT");
        }
        return l.isEmpty() ? "" : " (" + String.join("|", l) + ")";
    }
}
