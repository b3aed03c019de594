package org.hwbp.api.inspect;

import org.osgi.dto.DTO;

/** A simulated task. */
public class TaskDTO extends DTO {
    /** Task id (from 1). */
    public int id;
    public String name;
    /** False once it exited. */
    public boolean alive;
    /** The CPU it runs on, or -1. */
    public int cpu;
}
