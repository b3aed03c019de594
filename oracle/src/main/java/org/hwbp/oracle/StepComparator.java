package org.hwbp.oracle;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Compares Linux's answer with the sandbox's, step by step through one file (it keeps the little state the
 * comparison needs: which steps Linux could not follow, which tracees' DR6 an artefact spoiled).
 *
 * <p>Answers are compared in canonical form: an error by its errno name alone (the sandbox's message is its own), a
 * success by its text; an access by the set of breakpoints that fired: {@code bp N} for the breakpoints of the
 * {@code hwbp:} commands (perf's event counts on Linux, the {@code slot S: bp N (org.hwbp.shell)} lines of the
 * sandbox's {@code #DB}), {@code ptrace} for a tracee's SIGTRAP (its virtual DR6 is compared at
 * {@code ptrace:wait} and {@code ptrace:peek dr6}). The hardware DR6 of a #DB cannot be seen from user space.
 *
 * <p>Under QEMU's software emulation ({@code emulated}), data breakpoints are wrong in three known ways that real x86
 * hardware is not: (a) a misaligned multi-byte access anywhere on a page that holds a data breakpoint is reported
 * as a hit on it, and a true hit of that access can be missed; (b) a breakpoint that was hit keeps a stale hit flag
 * and is reported again beside the next real hit on its page; (c) when several data breakpoints match one access,
 * only one of them is reported (QEMU flags the first matching watchpoint and stops looking). A Linux hit is trusted
 * only where the access touches the breakpoint's range ({@link Access#hits}); an answer that differs from the
 * sandbox's only by such untrusted hits, or by missing hits where the access was misaligned or Linux saw exactly one
 * breakpoint fire, is an {@link Verdict#ARTEFACT}, and so is a later {@code ptrace:wait} or DR6 read of a tracee
 * whose virtual DR6 the artefact set. Natively nothing is excused: the host's CPU is the ground truth.
 */
public final class StepComparator {

    /** Unmapped commands known to change no breakpoint state: Linux can follow the file after them. */
    private static final Set<String> READ_ONLY = Set.of("hwbp:list", "hwbp:cpus", "hwbp:regs", "hwbp:stats",
            "hwbp:events", "hwbp:check", "ptrace:status", "ptrace:tasks", "sim:tasks", "sim:peek", "sim:poke",
            "kgdb:status", "kvm:stats", "kvm:vcpu", "help",
            // an access Linux cannot make (kernel mode, no task on the CPU) fires no user breakpoint
            "sim:access");
    /** The owner of the {@code hwbp:} commands' breakpoints: the shell bundle registers them. */
    static final String SHELL = "org.hwbp.shell";
    private static final Pattern SLOT = Pattern.compile("slot \\d+: bp (\\d+) \\(([^)]+)\\)(?: task (\\d+))?.*");
    private static final Set<String> DR6_NAMES = Set.of("dr6", "896", "0x380");

    private final boolean emulated;
    /** The first step after which Linux's machine may differ from the sandbox's (unmapped, or an artefact), or null. */
    private Step unmapped;
    private String unmappedWhy;
    /** Tracee -> the step whose artefact set its virtual DR6. */
    private final Map<Integer, Step> spoiledDr6 = new HashMap<>();
    /** Tracee -> its last trapping access, where Linux saw exactly one breakpoint fire (artefact (c) may hide more). */
    private final Map<Integer, Step> singleWatch = new HashMap<>();
    /** The tasks Linux's side traces. */
    private final Set<Integer> traced = new java.util.HashSet<>();

    public StepComparator(boolean emulated) {
        this.emulated = emulated;
    }

    public Outcome compare(Step step, LinuxAnswer linux, List<String> sandboxOut) {
        String sandbox = sandboxCanonical(step, sandboxOut);
        if (linux == null) {
            return new Outcome(step, "(no answer)", sandbox, Verdict.UNSUPPORTED, "Linux gave no answer", false);
        }
        switch (linux.status()) {
            case UNSUP:
                // an access Linux could not make but the sandbox trapped on may have stopped a tracee
                if (unmapped == null && (!READ_ONLY.contains(step.verb())
                        || step.verb().equals("sim:access") && !sandboxHits(sandboxOut).isEmpty())) {
                    unmapped = step;
                    unmappedWhy = "after the unmapped step at line ";
                }
                return new Outcome(step, "unsupported", sandbox, Verdict.UNSUPPORTED, linux.note(), false);
            case ERROR:
                return new Outcome(step, linux.text(), sandbox, Verdict.UNSUPPORTED, "oracle error", false);
            default:
                break;
        }
        forgetDr6(step, linux);
        if (step.verb().equals("sim:access") && linux.status() == LinuxAnswer.Status.OK) {
            return compareAccess(step, linux, sandboxOut, sandbox);
        }
        String l = linux.status() == LinuxAnswer.Status.ERRNO ? linux.errno() : linux.text();
        if (l.equals(sandbox)) {
            return new Outcome(step, l, sandbox, Verdict.MATCH, "", false);
        }
        Step spoiler = readsDr6(step) ? spoiledDr6.get(task(step)) : null;
        if (spoiler != null) {
            return new Outcome(step, l, sandbox, Verdict.ARTEFACT,
                    "virtual DR6 set by the emulator artefact at line " + spoiler.line(), false);
        }
        Step single = readsDr6(step) ? singleWatch.get(task(step)) : null;
        if (single != null && moreTrapBits(sandbox, l)) {
            return new Outcome(step, l, sandbox, Verdict.ARTEFACT, "QEMU artefact (c) one breakpoint reported per "
                    + "access: the access at line " + single.line() + " matched more virtual DRs", false);
        }
        return differs(step, l, sandbox);
    }

    private Outcome differs(Step step, String linux, String sandbox) {
        if (unmapped != null) {
            return new Outcome(step, linux, sandbox, Verdict.UNSUPPORTED, unmappedWhy + unmapped.line(), false);
        }
        return new Outcome(step, linux, sandbox, Verdict.DIFF, "", false);
    }

    private Outcome compareAccess(Step step, LinuxAnswer linux, List<String> sandboxOut, String sandbox) {
        Access a = Access.of(step);
        LinuxAccess la = LinuxAccess.parse(linux.text());
        Set<String> all = new TreeSet<>();
        Set<String> trusted = new TreeSet<>();
        List<String> untrusted = new ArrayList<>();
        for (LinuxAccess.PerfHit h : la.perf()) {
            String label = "bp " + h.id();
            all.add(label);
            if (a != null && a.hits(h.range())) {
                trusted.add(label);
            } else {
                untrusted.add(label + " " + h.range());
            }
        }
        boolean ptraceUntrusted = false;
        int trustedSlots = trusted.size();
        LinuxAccess.PtraceTrap trap = la.ptrace();
        if (trap != null) {
            all.add("ptrace");
            List<Integer> fired = trap.fired();
            boolean any = fired.isEmpty();
            trustedSlots += any ? 1 : 0;
            List<String> notTouched = new ArrayList<>();
            for (int n : fired) {
                Range r = Range.ofDr7(trap.dr7(), n, trap.dr()[n]);
                if (a != null && a.hits(r)) {
                    any = true;
                    trustedSlots++;
                } else {
                    notTouched.add("ptrace DR" + n + " " + r);
                }
            }
            // a killed task's DR6 is gone: it is trusted if any enabled DR could have fired
            if (!trap.killed() || !any) {
                untrusted.addAll(notTouched);
                ptraceUntrusted |= !notTouched.isEmpty();
            }
            if (any) {
                trusted.add("ptrace");
            }
        }
        Set<String> sb = sandboxHits(sandboxOut);
        String shownLinux = show(all);
        boolean hit = !sb.isEmpty();
        if (emulated && trap != null) {
            if (trustedSlots == 1) {
                singleWatch.put(trap.task(), step);
            } else {
                singleWatch.remove(trap.task());
            }
        }
        if (all.equals(sb) && untrusted.isEmpty()) {
            if (trap != null) {
                spoiledDr6.remove(trap.task());
            }
            return new Outcome(step, shownLinux, sandbox, Verdict.MATCH, "", hit);
        }
        if (emulated && a != null) {
            String kind = a.misaligned() ? "(a) misaligned access" : "(b) stale hit flag";
            if (trusted.equals(sb) || all.equals(sb)) {
                afterArtefact(step, trap, ptraceUntrusted || sb.contains("ptrace") != all.contains("ptrace"),
                        sb.contains("ptrace") && !trusted.contains("ptrace") ? sandboxPtraceTask(sandboxOut) : null);
                return new Outcome(step, shownLinux, sandbox, Verdict.ARTEFACT,
                        "QEMU artefact " + kind + ": reported " + String.join(", ", untrusted)
                                + ", which the access does not touch", hit);
            }
            boolean oneSeen = trustedSlots == 1 && !a.misaligned();
            if ((a.misaligned() || oneSeen) && sb.containsAll(trusted)) {
                Set<String> missed = new TreeSet<>(sb);
                missed.removeAll(trusted);
                afterArtefact(step, trap, ptraceUntrusted || sb.contains("ptrace") != all.contains("ptrace"),
                        missed.contains("ptrace") ? sandboxPtraceTask(sandboxOut) : null);
                return new Outcome(step, shownLinux, sandbox, Verdict.ARTEFACT, "QEMU artefact "
                        + (oneSeen ? "(c) one breakpoint reported per access" : kind)
                        + ": true hit " + String.join(", ", missed) + " missed"
                        + (untrusted.isEmpty() ? "" : "; reported " + String.join(", ", untrusted)), hit);
            }
        }
        return differs(step, shownLinux, sandbox);
    }

    /**
     * After an artefact: the virtual DR6 of a tracee whose ptrace hit Linux got wrong ({@code linuxWrong}, Linux's
     * trap) or missed ({@code missedBy}, the sandbox's tracee) no longer compares.
     */
    private void afterArtefact(Step step, LinuxAccess.PtraceTrap trap, boolean linuxWrong, Integer missedBy) {
        if (trap != null && linuxWrong) {
            spoiledDr6.put(trap.task(), step);
            diverge(step, trap.task());
        }
        if (missedBy != null) {
            spoiledDr6.put(missedBy, step);
            diverge(step, missedBy);
        }
    }

    /**
     * An artefact about a ptrace hit of a task nobody traces: on one side SIGTRAP killed it, on the other not, so
     * the two machines no longer hold the same tasks.
     */
    private void diverge(Step step, int task) {
        if (!traced.contains(task) && unmapped == null) {
            unmapped = step;
            unmappedWhy = "after the emulator artefact that hit an untraced task at line ";
        }
    }

    /** A tracee's virtual DR6 is what the tracer makes it again after a write, a new attach, or its end. */
    private void forgetDr6(Step step, LinuxAnswer linux) {
        String v = step.verb();
        if (linux.status() == LinuxAnswer.Status.OK && v.equals("ptrace:attach")) {
            traced.add(task(step));
        } else if (linux.status() == LinuxAnswer.Status.OK && (v.equals("ptrace:detach") || v.equals("sim:exit"))) {
            traced.remove(task(step));
        }
        if (linux.status() == LinuxAnswer.Status.OK && (v.equals("ptrace:attach") || v.equals("ptrace:detach")
                || v.equals("sim:exit") || v.equals("ptrace:poke") && DR6_NAMES.contains(arg(step, 1)))) {
            spoiledDr6.remove(task(step));
            singleWatch.remove(task(step));
        }
    }

    /**
     * Whether the sandbox's DR6 (from {@code SIGTRAP dr6=V} or a peeked {@code 0xV}) has every trap bit B0-B3 of
     * Linux's and more, and is otherwise the same: what a hit QEMU did not report leaves behind.
     */
    private static boolean moreTrapBits(String sandbox, String linux) {
        try {
            long s = Numbers.parse(sandbox.replace("SIGTRAP dr6=", ""));
            long l = Numbers.parse(linux.replace("SIGTRAP dr6=", ""));
            return (s & ~0xfL) == (l & ~0xfL) && (s & l & 0xf) == (l & 0xf) && (s & 0xf) != (l & 0xf);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static boolean readsDr6(Step step) {
        return step.verb().equals("ptrace:wait")
                || step.verb().equals("ptrace:peek") && DR6_NAMES.contains(arg(step, 1));
    }

    private static String arg(Step step, int i) {
        String[] a = step.args();
        return i < a.length ? a[i].toLowerCase() : "";
    }

    private static Integer task(Step step) {
        try {
            return Integer.valueOf(arg(step, 0));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The sandbox's answer in canonical form (see the class comment). */
    static String sandboxCanonical(Step step, List<String> out) {
        if (out.isEmpty()) {
            return "(no output)";
        }
        String first = out.get(0).trim();
        if (first.startsWith("error: ")) {
            Matcher m = Pattern.compile("error: (E[A-Z0-9]+)(:.*)?").matcher(first);
            return m.matches() ? m.group(1) : first;
        }
        if (step.verb().equals("sim:access")) {
            return show(sandboxHits(out));
        }
        return first;
    }

    /** The breakpoints the sandbox's #DB dispatched to: {@code bp N} (hwbp: commands), {@code ptrace}, others by owner. */
    static Set<String> sandboxHits(List<String> out) {
        Set<String> hits = new TreeSet<>();
        for (String l : out) {
            Matcher m = SLOT.matcher(l.trim());
            if (m.matches()) {
                String owner = m.group(2);
                hits.add(owner.equals(SHELL) ? "bp " + m.group(1)
                        : owner.equals("org.hwbp.ptrace-client") ? "ptrace" : owner + " bp " + m.group(1));
            }
        }
        return hits;
    }

    private static Integer sandboxPtraceTask(List<String> out) {
        for (String l : out) {
            Matcher m = SLOT.matcher(l.trim());
            if (m.matches() && m.group(2).equals("org.hwbp.ptrace-client") && m.group(3) != null) {
                return Integer.valueOf(m.group(3));
            }
        }
        return null;
    }

    private static String show(Set<String> hits) {
        return hits.isEmpty() ? "no trap" : "#DB " + String.join(", ", hits);
    }
}
