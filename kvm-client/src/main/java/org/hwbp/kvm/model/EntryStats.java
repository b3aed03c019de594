package org.hwbp.kvm.model;

/**
 * Entries (each with its exit) and host DR accesses made for them, under one policy. Public because the shell
 * prints them ({@code kvm:stats}); the package is private to the bundle.
 */
public final class EntryStats {
    private long entries;
    private long reads;
    private long writes;

    synchronized void record(long r, long w) {
        entries++;
        reads += r;
        writes += w;
    }

    public synchronized long entries() {
        return entries;
    }

    public synchronized long reads() {
        return reads;
    }

    public synchronized long writes() {
        return writes;
    }

    synchronized void reset() {
        set(0, 0, 0);
    }

    synchronized void set(long e, long r, long w) {
        entries = e;
        reads = r;
        writes = w;
    }
}
