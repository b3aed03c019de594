package org.hwbp.timeline;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import org.hwbp.api.inspect.CountersDTO;
import org.hwbp.api.inspect.CpuDTO;
import org.hwbp.api.inspect.EventDTO;
import org.hwbp.api.inspect.EventPageDTO;
import org.hwbp.api.inspect.HwbpRuntime;

/**
 * Records a timeline by sampling the inspection service: after each shell command (or, for the Web Console,
 * whenever the core's event log moved), every CPU's holder and {@code bp_per_reg[]}, the events logged since
 * the previous sample (read with a cursor, {@link HwbpRuntime#getEvents}) and the refusal counter.
 *
 * <p>The event log holds only text, and only the last thousand lines; the samples are what makes the lanes
 * exact at each step, the events what marks the claims, preemptions, restores and triggers in between. A
 * refusal is a command that failed with ENOSPC or EBUSY, or, for a command that did not fail (kgdb answers
 * {@code E01}) or a sample with no command, a rise of the core's refusal counter.
 *
 * <p>Thread-safe; keeps the last {@code capacity} steps.
 */
public final class TimelineRecorder {
    private static final int EVENTS_PER_READ = 1000;
    private static final String OWNER_PREFIX = "org.hwbp.";

    private final Supplier<HwbpRuntime> runtime;
    private final String title;
    private final int capacity;
    private final ArrayDeque<Step> steps = new ArrayDeque<>();
    private long dropped;
    private long cursor;
    private long refusals = -1;
    private long guestClaims = -1;
    private List<Lane> lastLanes = List.of();

    /**
     * @param runtime the inspection service, or null while hwbp-core is unavailable (then nothing is sampled)
     * @param title the picture's heading
     * @param capacity the number of steps kept (older ones are dropped and counted)
     */
    public TimelineRecorder(Supplier<HwbpRuntime> runtime, String title, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity " + capacity);
        }
        this.runtime = runtime;
        this.title = title;
        this.capacity = capacity;
    }

    /**
     * Samples the machine after a command.
     *
     * @param label the command line
     * @param failure the command's error message ({@code ENOSPC: ...}), or null if it did not fail
     * @return the step recorded, or null when the core is unavailable
     */
    public synchronized Step sample(String label, String failure) {
        HwbpRuntime rt = runtime.get();
        if (rt == null) {
            return null;
        }
        List<Lane> lanes = lanes(rt.getCpus());
        List<EventDTO> events = newEvents(rt);
        CountersDTO counters = rt.getCounters();
        long nowRefused = counters.refusals;
        boolean counterRose = refusals >= 0 && nowRefused > refusals;
        refusals = nowRefused;
        List<Mark> marks = marks(events, lanes);
        guestEntries(counters.guestClaims, events, marks);
        if (failure != null ? failure.startsWith("ENOSPC") || failure.startsWith("EBUSY") : counterRose) {
            marks.add(new Mark(Mark.Kind.REFUSAL, -1, failure != null ? label + ": " + failure
                    : label + ": refused (the core's refusal counter rose)"));
        }
        return add(new Step(label, lanes, marks));
    }

    /**
     * Samples the machine if it changed since the previous sample (new events, other holders or slots, a
     * refusal); the step is labelled with the first new event. For a recorder that polls.
     *
     * @return the step recorded, or null if nothing changed or the core is unavailable
     */
    public synchronized Step sampleIfChanged() {
        HwbpRuntime rt = runtime.get();
        if (rt == null) {
            return null;
        }
        List<Lane> lanes = lanes(rt.getCpus());
        List<EventDTO> events = newEvents(rt);
        CountersDTO counters = rt.getCounters();
        long nowRefused = counters.refusals;
        boolean counterRose = refusals >= 0 && nowRefused > refusals;
        refusals = nowRefused;
        List<Mark> marks = marks(events, lanes);
        guestEntries(counters.guestClaims, events, marks);
        if (events.isEmpty() && !counterRose && lanes.equals(lastLanes) && marks.isEmpty()) {
            return null;
        }
        if (counterRose) {
            marks.add(new Mark(Mark.Kind.REFUSAL, -1, "a registration was refused"));
        }
        String label = events.isEmpty()
                ? (steps.isEmpty() && dropped == 0 ? "start" : counterRose ? "refusal" : "change")
                : events.get(0).message + (events.size() > 1 ? " (+" + (events.size() - 1) + " more)" : "");
        return add(new Step(label, lanes, marks));
    }

    /** The steps recorded so far. */
    public synchronized Timeline timeline() {
        return new Timeline(title, new ArrayList<>(steps), dropped);
    }

    /** How many steps were recorded since the start (the kept ones and the dropped ones). */
    public synchronized long stepCount() {
        return dropped + steps.size();
    }

    /** What a slot of {@code bp_per_reg[]} shows: {@code ptrace-client bp 1}. */
    static String occupant(String owner, int id) {
        String name = owner.startsWith(OWNER_PREFIX) ? owner.substring(OWNER_PREFIX.length()) : owner;
        return name + " bp " + id;
    }

    private Step add(Step step) {
        if (steps.size() == capacity) {
            steps.removeFirst();
            dropped++;
        }
        steps.addLast(step);
        lastLanes = step.lanes();
        return step;
    }

    /** A mark for the guest claims the counter saw and the log did not (see {@link Mark.Kind#GUEST_ENTRY}). */
    private void guestEntries(long now, List<EventDTO> events, List<Mark> marks) {
        long rose = guestClaims >= 0 ? now - guestClaims : 0;
        guestClaims = now;
        long logged = events.stream().filter(e -> e.message.startsWith("claim ")
                && e.message.contains("holder=GUEST")).count();
        if (rose > logged) {
            long n = rose - logged;
            marks.add(new Mark(Mark.Kind.GUEST_ENTRY, -1, n + (n == 1 ? " guest entry" : " guest entries")
                    + " (VM entries that held a CPU's registers; not logged: nobody listened)"));
        }
    }

    private List<Mark> marks(List<EventDTO> events, List<Lane> after) {
        List<Mark> marks = new ArrayList<>();
        for (EventDTO e : events) {
            marks.addAll(EventMarks.of(e.message, lastLanes, after));
        }
        return marks;
    }

    /**
     * The events after the cursor. A cursor beyond the log's newest event means a new core numbers from 1
     * again (product: a fresh start or a new CPU count); a log that dropped events past the cursor gives what
     * it still has.
     */
    private List<EventDTO> newEvents(HwbpRuntime rt) {
        List<EventDTO> all = new ArrayList<>();
        EventPageDTO page = rt.getEvents(cursor, EVENTS_PER_READ);
        if (cursor > page.latest) {
            cursor = 0;
            page = rt.getEvents(0, EVENTS_PER_READ);
        }
        while (true) {
            all.addAll(Arrays.asList(page.events));
            cursor = page.next;
            if (page.events.length < EVENTS_PER_READ) {
                return all;
            }
            page = rt.getEvents(cursor, EVENTS_PER_READ);
        }
    }

    private static List<Lane> lanes(CpuDTO[] cpus) {
        List<Lane> lanes = new ArrayList<>(cpus.length);
        for (CpuDTO c : cpus) {
            List<String> slots = new ArrayList<>(c.bpPerRegOwner.length);
            for (int i = 0; i < c.bpPerRegOwner.length; i++) {
                slots.add(c.bpPerRegOwner[i] == null ? null : occupant(c.bpPerRegOwner[i], c.bpPerRegId[i]));
            }
            String holder = "GUEST".equals(c.holder.kind) ? "GUEST " + c.holder.vm + "/" + c.holder.vcpu
                    : c.holder.kind;
            lanes.add(new Lane(c.id, c.holder.kind, holder, slots));
        }
        return lanes;
    }
}
