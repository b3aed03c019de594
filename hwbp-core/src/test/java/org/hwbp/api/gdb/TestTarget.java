package org.hwbp.api.gdb;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import org.hwbp.api.Errno;
import org.hwbp.api.HwbpException;

/**
 * A small machine for the server's tests: a few CPUs (the threads), x86-64 registers with four debug-register
 * slots per machine encoded into DR7 as x86 does, and a sparse memory map (two mapped ranges; bytes never written
 * read as 0; anything outside is unreadable). CPU accesses the test makes check the slots and report hits
 * through the session, as a real target would from its own thread.
 */
class TestTarget implements GdbTarget {
    static final long LOW = 0x1000, LOW_END = 0x3000;
    static final long KERNEL = 0xffffffff81000000L, KERNEL_END = KERNEL + 0x10000;

    private final TargetDescription description = TargetDescription.x86_64WithDebugRegisters();
    private final int cpus;
    private final Map<Long, Byte> memory = new HashMap<>();
    private final Map<Integer, byte[][]> registers = new HashMap<>();
    /** The four slots: type, address, length (null = free). */
    private final Slot[] slots = new Slot[4];
    private final List<Slot> software = new ArrayList<>();
    final AtomicInteger detaches = new AtomicInteger();
    final AtomicInteger kills = new AtomicInteger();
    final AtomicInteger attaches = new AtomicInteger();
    final AtomicInteger resumes = new AtomicInteger();
    final List<String> monitorCommands = new CopyOnWriteArrayList<>();
    volatile CountDownLatch resumed = new CountDownLatch(1);
    private volatile GdbSession session;
    private volatile boolean running;

    record Slot(BreakpointType type, long address, int length) {
    }

    TestTarget(int cpus) {
        this.cpus = cpus;
        for (int cpu = 1; cpu <= cpus; cpu++) {
            byte[][] regs = new byte[description.registers().size()][];
            for (int r = 0; r < regs.length; r++) {
                regs[r] = new byte[description.registers().get(r).bytes()];
            }
            put(regs[TargetDescription.RIP], KERNEL + 0x100 * cpu);
            put(regs[TargetDescription.RSP], KERNEL + 0x8000 - 0x100 * cpu);
            put(regs[TargetDescription.EFLAGS], 0x2);
            put(regs[TargetDescription.RAX], cpu);
            registers.put(cpu, regs);
        }
    }

    private static void put(byte[] reg, long value) {
        for (int i = 0; i < reg.length && i < 8; i++) {
            reg[i] = (byte) (value >>> (8 * i));
        }
    }

    private static long get(byte[] reg) {
        long v = 0;
        for (int i = Math.min(reg.length, 8) - 1; i >= 0; i--) {
            v = v << 8 | (reg[i] & 0xff);
        }
        return v;
    }

    GdbSession session() {
        return session;
    }

    @Override
    public TargetDescription description() {
        return description;
    }

    @Override
    public synchronized StopEvent attach(GdbSession s) {
        attaches.incrementAndGet();
        session = s;
        running = false;
        return StopEvent.signal(1, StopEvent.SIGTRAP);
    }

    @Override
    public List<Integer> threads() {
        List<Integer> ids = new ArrayList<>();
        for (int cpu = 1; cpu <= cpus; cpu++) {
            ids.add(cpu);
        }
        return ids;
    }

    @Override
    public String threadInfo(int thread) {
        return "CPU " + (thread - 1);
    }

    @Override
    public synchronized byte[] readRegister(int thread, int regno) {
        byte[][] regs = cpu(thread);
        if (regno >= TargetDescription.DR0 && regno < TargetDescription.DR0 + 4) {
            Slot s = slots[regno - TargetDescription.DR0];
            put(regs[regno], s == null ? 0 : s.address());
        } else if (regno == TargetDescription.DR7) {
            put(regs[regno], dr7());
        }
        return regs[regno].clone();
    }

    @Override
    public synchronized void writeRegister(int thread, int regno, byte[] value) {
        cpu(thread)[regno] = value.clone();
    }

    private byte[][] cpu(int thread) {
        byte[][] regs = registers.get(thread);
        if (regs == null) {
            throw new HwbpException(Errno.ESRCH, "no CPU " + thread);
        }
        return regs;
    }

    /** DR7 for the slots: local enable, R/W (01 write, 11 read/write, 00 execute) and LEN (x86 SDM 17.2.4). */
    synchronized long dr7() {
        long dr7 = 0;
        for (int i = 0; i < 4; i++) {
            Slot s = slots[i];
            if (s == null) {
                continue;
            }
            int rw = switch (s.type()) {
                case HARDWARE -> 0;
                case WRITE_WATCHPOINT -> 1;
                default -> 3;
            };
            int len = switch (s.length()) {
                case 2 -> 1;
                case 4 -> 3;
                case 8 -> 2;
                default -> 0;
            };
            dr7 |= 1L << (2 * i) | (long) (rw | len << 2) << (16 + 4 * i);
        }
        return dr7;
    }

    private static boolean mapped(long address, int length) {
        long end = address + length;
        return (Long.compareUnsigned(address, LOW) >= 0 && Long.compareUnsigned(end, LOW_END) <= 0)
                || (Long.compareUnsigned(address, KERNEL) >= 0 && Long.compareUnsigned(end, KERNEL_END) <= 0
                        && Long.compareUnsigned(end, address) >= 0);
    }

    @Override
    public synchronized byte[] readMemory(long address, int length) {
        if (!mapped(address, length)) {
            throw new HwbpException(Errno.EIO, "unmapped: " + Long.toHexString(address));
        }
        byte[] out = new byte[length];
        for (int i = 0; i < length; i++) {
            out[i] = memory.getOrDefault(address + i, (byte) 0);
        }
        return out;
    }

    @Override
    public synchronized void writeMemory(long address, byte[] data) {
        if (!mapped(address, data.length)) {
            throw new HwbpException(Errno.EIO, "unmapped: " + Long.toHexString(address));
        }
        for (int i = 0; i < data.length; i++) {
            memory.put(address + i, data[i]);
        }
    }

    @Override
    public Set<BreakpointType> breakpointTypes() {
        return EnumSet.of(BreakpointType.HARDWARE, BreakpointType.WRITE_WATCHPOINT,
                BreakpointType.READ_WATCHPOINT, BreakpointType.ACCESS_WATCHPOINT);
    }

    @Override
    public synchronized void insertBreakpoint(BreakpointType type, long address, int kind) {
        if (type != BreakpointType.HARDWARE && !(kind == 1 || kind == 2 || kind == 4 || kind == 8)) {
            throw new HwbpException(Errno.EINVAL, "bad length " + kind);
        }
        for (int i = 0; i < 4; i++) {
            if (slots[i] == null) {
                slots[i] = new Slot(type, address, type == BreakpointType.HARDWARE ? 1 : kind);
                return;
            }
        }
        throw new HwbpException(Errno.ENOSPC, "all four debug registers are in use");
    }

    @Override
    public synchronized void removeBreakpoint(BreakpointType type, long address, int kind) {
        for (int i = 0; i < 4; i++) {
            Slot s = slots[i];
            if (s != null && s.type() == type && s.address() == address) {
                slots[i] = null;
                return;
            }
        }
        throw new HwbpException(Errno.ENOENT, "no such breakpoint");
    }

    synchronized List<Slot> slots() {
        List<Slot> used = new ArrayList<>();
        for (Slot s : slots) {
            if (s != null) {
                used.add(s);
            }
        }
        return used;
    }

    @Override
    public void resume() {
        running = true;
        resumes.incrementAndGet();
        resumed.countDown();
    }

    @Override
    public void step(int thread) {
        synchronized (this) {
            byte[] rip = cpu(thread)[TargetDescription.RIP];
            put(rip, get(rip) + 1);
        }
        session.stopped(StopEvent.signal(thread, StopEvent.SIGTRAP));
    }

    @Override
    public void interrupt() {
        running = false;
        session.stopped(StopEvent.signal(1, StopEvent.SIGINT));
    }

    @Override
    public synchronized void detach() {
        detaches.incrementAndGet();
        Arrays.fill(slots, null);
        running = false;
    }

    @Override
    public synchronized void kill() {
        kills.incrementAndGet();
        Arrays.fill(slots, null);
        running = false;
    }

    @Override
    public String monitor(String command) {
        monitorCommands.add(command);
        if (command.startsWith("echo ")) {
            return command.substring(5);
        }
        if (command.equals("cpus")) {
            StringBuilder s = new StringBuilder();
            for (int cpu = 1; cpu <= cpus; cpu++) {
                s.append("CPU ").append(cpu - 1).append(": ").append(slots().size()).append(" slots used\n");
            }
            return s.toString();
        }
        throw new HwbpException(Errno.EINVAL, "unknown command '" + command + "'");
    }

    /**
     * CPU {@code cpu} (a thread id) accesses {@code length} bytes at {@code address}; a write stores {@code value}
     * little-endian. A matching slot stops the machine and reports the hit, as the debug exception would.
     *
     * @return whether a slot fired
     */
    boolean access(int cpu, long address, int length, boolean write, long value) {
        StopEvent hit = null;
        synchronized (this) {
            if (write) {
                byte[] data = new byte[length];
                for (int i = 0; i < length; i++) {
                    data[i] = (byte) (value >>> (8 * i));
                }
                writeMemory(address, data);
            }
            for (Slot s : slots) {
                if (s == null || s.type() == BreakpointType.HARDWARE) {
                    continue;
                }
                boolean overlaps = address < s.address() + s.length() && s.address() < address + length;
                boolean fires = s.type() != BreakpointType.WRITE_WATCHPOINT || write;
                if (overlaps && fires) {
                    hit = StopEvent.watchpoint(cpu, s.type(), s.address());
                    break;
                }
            }
        }
        return hit != null && stop(hit);
    }

    /** CPU {@code cpu} executes at {@code address}: a hardware breakpoint there stops the machine. */
    boolean execute(int cpu, long address) {
        synchronized (this) {
            put(cpu(cpu)[TargetDescription.RIP], address);
            boolean armed = false;
            for (Slot s : slots) {
                armed |= s != null && s.type() == BreakpointType.HARDWARE && s.address() == address;
            }
            if (!armed) {
                return false;
            }
        }
        return stop(StopEvent.hardwareBreakpoint(cpu));
    }

    private boolean stop(StopEvent event) {
        running = false;
        return session.stopped(event);
    }

    boolean running() {
        return running;
    }

    /** Memory contents for assertions. */
    synchronized Map<Long, Byte> memory() {
        return new TreeMap<>(memory);
    }
}
