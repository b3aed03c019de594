package org.hwbp.core.cacheline;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import org.hwbp.core.machine.Cpu;
import org.junit.jupiter.api.Test;
import sun.misc.Unsafe;

/**
 * The JVM lays the padded classes out as they rely on: every field between the paddings is at least a cache line
 * (64 bytes) from the object's start and from its end, so no other object in the heap can share a line with it,
 * whatever the garbage collector puts before and after. A JVM that packed subclass fields into the superclass's
 * gaps, or reordered across the hierarchy, fails here.
 */
class CacheLinePaddingTest {
    private static final int LINE = 64;
    private static final Unsafe UNSAFE = unsafe();

    @Test
    void paddedCounterValueHasLinesOfItsOwn() {
        assertIsolated(PaddedCounter.class, PaddedCounterValue.class);
    }

    @Test
    void paddedReferenceValueHasLinesOfItsOwn() {
        assertIsolated(PaddedReference.class, PaddedReferenceValue.class);
    }

    @Test
    void cpuStateHasLinesOfItsOwn() throws ClassNotFoundException {
        assertIsolated(Cpu.class, Class.forName("org.hwbp.core.machine.CpuState"));
    }

    @Test
    void debuggerSeatStateHasLinesOfItsOwn() throws ClassNotFoundException {
        assertIsolated(Class.forName("org.hwbp.core.DebuggerClaims$Seat"),
                Class.forName("org.hwbp.core.DebuggerClaims$SeatState"));
    }

    /** Each instance field declared by {@code hot} lies at least a line inside an instance of {@code type}. */
    private static void assertIsolated(Class<?> type, Class<?> hot) {
        long size = 0;
        for (Field f : instanceFields(type)) {
            size = Math.max(size, UNSAFE.objectFieldOffset(f) + bytes(f));
        }
        List<Field> fields = new ArrayList<>();
        for (Field f : hot.getDeclaredFields()) {
            if (!Modifier.isStatic(f.getModifiers())) {
                fields.add(f);
            }
        }
        assertTrue(!fields.isEmpty(), hot + " declares no field");
        for (Field f : fields) {
            long offset = UNSAFE.objectFieldOffset(f);
            assertTrue(offset >= LINE, f + " at offset " + offset + ": shares a line with the object before");
            assertTrue(size - (offset + bytes(f)) >= LINE - 1,
                    f + " ends at " + (offset + bytes(f)) + " of " + size + ": shares a line with the object after");
        }
    }

    private static List<Field> instanceFields(Class<?> type) {
        List<Field> all = new ArrayList<>();
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (!Modifier.isStatic(f.getModifiers())) {
                    all.add(f);
                }
            }
        }
        return all;
    }

    private static long bytes(Field f) {
        Class<?> t = f.getType();
        if (t == long.class || t == double.class) {
            return 8;
        }
        if (t == int.class || t == float.class || !t.isPrimitive()) {
            return 4; // compressed references, as on every heap under 32 GB
        }
        return t == short.class || t == char.class ? 2 : 1;
    }

    private static Unsafe unsafe() {
        try {
            Field f = Unsafe.class.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            return (Unsafe) f.get(null);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }
}
