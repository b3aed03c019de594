package org.hwbp.timeline;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns lines of the core's event log ({@code EventDTO.message}) into marks. The log is text meant for people
 * ({@code hwbp:events}); these are the shapes hwbp-core writes:
 * <pre>
 * claim cpus=0-3 holder=DEBUGGER bundle=B          release cpus=1 holder=GUEST 1/0 bundle=B
 * preempt bp N (OWNER) reason=R cpu C              preempt bp N (OWNER) reason=DEBUGGER_PRIORITY by B
 * restore bp N (OWNER) reason=R                    trigger bp N (OWNER) cpu C slot S addr A
 * error ... on CPU C: ...                          fault ...
 * </pre>
 * A line of any other shape gives no mark. A preempt or restore that names no CPU is placed on the lanes
 * whose slots hold (preempt: held before, restore: hold after) that breakpoint, or on the machine row.
 */
final class EventMarks {
    private static final Pattern CPUS = Pattern.compile("\\bcpus=([0-9,\\-]+)");
    private static final Pattern CPU = Pattern.compile("\\b(?:cpu|CPU) (\\d+)");
    private static final Pattern BP = Pattern.compile("\\bbp (\\d+) \\(([^)]+)\\)");

    private EventMarks() {
    }

    /**
     * The marks for one event line.
     *
     * @param message the event's text
     * @param before the lanes sampled before the event (where a preempted breakpoint was)
     * @param after the lanes sampled after it (where a restored breakpoint is)
     */
    static List<Mark> of(String message, List<Lane> before, List<Lane> after) {
        String verb = message.indexOf(' ') < 0 ? message : message.substring(0, message.indexOf(' '));
        List<Mark> marks = new ArrayList<>();
        switch (verb) {
            case "claim":
                cpus(message).forEach(c -> marks.add(new Mark(Mark.Kind.CLAIM, c, message)));
                break;
            case "release":
                cpus(message).forEach(c -> marks.add(new Mark(Mark.Kind.RELEASE, c, message)));
                break;
            case "preempt":
                onCpuOrSlot(Mark.Kind.PREEMPT, message, before, marks);
                break;
            case "restore":
                onCpuOrSlot(Mark.Kind.RESTORE, message, after, marks);
                break;
            case "trigger":
                onCpuOrSlot(Mark.Kind.TRIGGER, message, after, marks);
                break;
            case "error":
                Matcher m = CPU.matcher(message);
                marks.add(new Mark(Mark.Kind.FAULT, m.find() ? Integer.parseInt(m.group(1)) : -1, message));
                break;
            case "fault":
                marks.add(new Mark(Mark.Kind.FAULT, -1, message));
                break;
            default:
                break;
        }
        return marks;
    }

    private static void onCpuOrSlot(Mark.Kind kind, String message, List<Lane> lanes, List<Mark> marks) {
        Matcher cpu = CPU.matcher(message);
        if (cpu.find()) {
            marks.add(new Mark(kind, Integer.parseInt(cpu.group(1)), message));
            return;
        }
        Matcher bp = BP.matcher(message);
        if (bp.find()) {
            String occupant = TimelineRecorder.occupant(bp.group(2), Integer.parseInt(bp.group(1)));
            for (Lane l : lanes) {
                if (l.slots().contains(occupant)) {
                    marks.add(new Mark(kind, l.cpu(), message));
                }
            }
        }
        if (marks.isEmpty()) {
            marks.add(new Mark(kind, -1, message));
        }
    }

    /** {@code cpus=0-3}, {@code cpus=1}, {@code cpus=0,2,5}, {@code cpus=0-3,8}. */
    static List<Integer> cpus(String message) {
        List<Integer> cpus = new ArrayList<>();
        Matcher m = CPUS.matcher(message);
        if (!m.find()) {
            return cpus;
        }
        for (String part : m.group(1).split(",")) {
            if (part.isEmpty()) {
                continue;
            }
            int dash = part.indexOf('-');
            if (dash < 0) {
                cpus.add(Integer.parseInt(part));
            } else {
                int from = Integer.parseInt(part.substring(0, dash));
                int to = Integer.parseInt(part.substring(dash + 1));
                for (int c = from; c <= to; c++) {
                    cpus.add(c);
                }
            }
        }
        return cpus;
    }
}
