package org.hwbp.bench;

import org.hwbp.core.accounting.SlotAccounting;

/**
 * The reserve_bp_slot()/release_bp_slot() pair every benchmark drives, with the implementations the
 * {@code impl} parameter selects.
 */
interface Accounting {

    /** reserve_bp_slot(): throws HwbpException (ENOSPC...) when refused. */
    void reserve(BenchBp bp);

    /** release_bp_slot(). */
    void release(BenchBp bp);

    /** x86: HBP_NUM = 4 slots, instruction and data breakpoints share them (HAVE_MIXED_BREAKPOINTS_REGS). */
    int SLOTS = 4;

    static Accounting of(String impl, int cpus) {
        switch (impl) {
            case "sandbox": {
                SlotAccounting a = new SlotAccounting(cpus, SLOTS, true);
                return new Accounting() {
                    @Override
                    public void reserve(BenchBp bp) {
                        a.reserve(bp);
                    }

                    @Override
                    public void release(BenchBp bp) {
                        a.release(bp);
                    }
                };
            }
            case "naive":
                return new NaiveAccounting(cpus, SLOTS, true);
            case "off":
                // Constraint accounting disabled: Elver's "theoretical ideal" reference point.
                return new Accounting() {
                    @Override
                    public void reserve(BenchBp bp) {
                    }

                    @Override
                    public void release(BenchBp bp) {
                    }
                };
            default:
                throw new IllegalArgumentException("impl must be sandbox, naive or off: " + impl);
        }
    }
}
