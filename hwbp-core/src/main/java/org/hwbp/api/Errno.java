package org.hwbp.api;

/** The Linux error numbers the sandbox reports, by their names as user space sees them. */
public enum Errno {
    EPERM(1), ENOENT(2), ESRCH(3), EIO(5), ENOMEM(12), EBUSY(16), EINVAL(22), ENOSPC(28), EOPNOTSUPP(95);

    private final int number;

    Errno(int number) {
        this.number = number;
    }

    /** The positive errno value ({@code -number} is what a kernel function returns). */
    public int number() {
        return number;
    }
}
