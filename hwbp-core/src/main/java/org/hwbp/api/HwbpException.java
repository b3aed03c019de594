package org.hwbp.api;

/**
 * A refused request. Carries the Linux errno; the message always starts with the errno name,
 * e.g. {@code "ENOSPC: no free debug-register slot on CPU 0"}.
 */
public class HwbpException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final Errno errno;

    public HwbpException(Errno errno, String message) {
        super(errno.name() + ": " + message);
        this.errno = errno;
    }

    public Errno errno() {
        return errno;
    }
}
