package org.hwbp.api.inspect;

import org.osgi.dto.DTO;

/**
 * A page of the event log: the answer to "events after sequence N". The log keeps the last thousand events;
 * a reader that fell behind sees {@link #oldest} beyond its cursor + 1. A new core (a new CPU count, or a fresh
 * start) numbers from 1 again: a cursor greater than {@link #latest} means the log was restarted.
 */
public class EventPageDTO extends DTO {
    /** The events after the cursor asked for, oldest first. */
    public EventDTO[] events;
    /** The cursor for the next call: the sequence of the last event returned, or the cursor asked for. */
    public long next;
    /** The sequence of the oldest event the log still keeps, 0 if it is empty. */
    public long oldest;
    /** The sequence of the newest event in the log, 0 if it is empty. */
    public long latest;
}
