package org.hwbp.api.inspect;

import org.osgi.dto.DTO;

/** One entry of the core's event log: a claim, release, preempt, restore, trigger, fault or error. */
public class EventDTO extends DTO {
    /** Its number: 1 for the first event since the core started, one more for each. */
    public long sequence;
    /** What happened, naming the bundles involved (the shell prints {@code sequence + " " + message}). */
    public String message;
}
