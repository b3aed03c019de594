package org.hwbp.api.machine;

/**
 * A simulated task.
 *
 * @param id task id (from 1)
 * @param name its name
 * @param alive false once it exited
 * @param cpu the CPU it runs on, or -1
 */
public record TaskInfo(int id, String name, boolean alive, int cpu) {
}
