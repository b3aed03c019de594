package org.hwbp.api.inspect;

import org.osgi.dto.DTO;

/** The result of an invariant check ({@link HwbpRuntime#check()}). */
public class CheckDTO extends DTO {
    /** No invariant is violated ({@link #problems} is empty). */
    public boolean ok;
    /** One sentence per violation, naming the CPU and slot or the accounting entry. */
    public String[] problems;
}
