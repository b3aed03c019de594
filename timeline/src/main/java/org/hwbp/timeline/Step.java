package org.hwbp.timeline;

import java.util.List;

/**
 * One column of the timeline: the machine as sampled after something happened (a shell command, or new events
 * in the core's log), with the marks for what happened since the previous sample.
 *
 * @param label what caused the sample: the command line, or the first new event
 * @param lanes per CPU, its holder and slots; empty when the core was unavailable
 * @param marks what happened since the previous sample
 */
public record Step(String label, List<Lane> lanes, List<Mark> marks) {

    public Step {
        lanes = List.copyOf(lanes);
        marks = List.copyOf(marks);
    }
}
