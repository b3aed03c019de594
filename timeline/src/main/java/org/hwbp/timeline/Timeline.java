package org.hwbp.timeline;

import java.util.List;

/**
 * What a {@link TimelineRecorder} saw, oldest step first: the input of {@link TimelineSvg}.
 *
 * @param title the picture's heading
 * @param steps the samples in order
 * @param dropped how many older steps the recorder no longer keeps
 */
public record Timeline(String title, List<Step> steps, long dropped) {

    public Timeline {
        steps = List.copyOf(steps);
    }

    /** The most CPUs any step has (a reset with another CPU count changes it). */
    public int cpus() {
        int n = 0;
        for (Step s : steps) {
            n = Math.max(n, s.lanes().size());
        }
        return n;
    }

    /** The most slots any lane has (HBP_NUM, 4 on x86). */
    public int slotsPerCpu() {
        int n = 0;
        for (Step s : steps) {
            for (Lane l : s.lanes()) {
                n = Math.max(n, l.slots().size());
            }
        }
        return n;
    }
}
