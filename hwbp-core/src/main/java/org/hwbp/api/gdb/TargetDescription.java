package org.hwbp.api.gdb;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A gdb target description: the architecture, the register features and their registers, numbered in order
 * from 0 as gdb numbers them on the wire ({@code p}/{@code P} and the layout of {@code g}/{@code G}). The XML
 * is what {@code qXfer:features:read:target.xml} serves (gdb's "Target Description Format").
 */
@ProviderType
public final class TargetDescription {

    /** The debug-register feature: dr0–dr3, dr6 and dr7, which neither Linux's kgdb nor QEMU offers. */
    public static final String DEBUG_REGISTERS_FEATURE = "org.hwbp.debugregs";

    /** Register numbers of {@link #x86_64WithDebugRegisters()}. */
    public static final int RAX = 0, RSP = 7, RIP = 16, EFLAGS = 17, DR0 = 57, DR6 = 61, DR7 = 62;

    /** One register: its name, size in bits, gdb type and the feature it belongs to. */
    public record Register(String name, int bits, String type, String feature) {
        public Register {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(feature, "feature");
            if (bits <= 0 || bits % 8 != 0) {
                throw new IllegalArgumentException("register " + name + ": bits must be a positive multiple of 8");
            }
        }

        /** The size in bytes, as in {@code g} and {@code p} replies (target byte order). */
        public int bytes() {
            return bits / 8;
        }
    }

    private final String architecture;
    private final List<Register> registers;
    private final byte[] xml;

    private TargetDescription(String architecture, List<Register> registers) {
        this.architecture = architecture;
        this.registers = List.copyOf(registers);
        this.xml = toXml().getBytes(StandardCharsets.UTF_8);
    }

    /** A description built feature by feature. */
    public static Builder builder(String architecture) {
        return new Builder(architecture);
    }

    /**
     * x86-64 as gdb's amd64 code requires it (the {@code org.gnu.gdb.i386.core} and {@code org.gnu.gdb.i386.sse}
     * features with their register names, as in gdb's {@code features/i386/64bit-core.xml} and
     * {@code 64bit-sse.xml}), plus {@link #DEBUG_REGISTERS_FEATURE} with dr0–dr3 (57–60), dr6 (61), dr7 (62).
     */
    public static TargetDescription x86_64WithDebugRegisters() {
        Builder b = builder("i386:x86-64").feature("org.gnu.gdb.i386.core");
        for (String name : List.of("rax", "rbx", "rcx", "rdx", "rsi", "rdi")) {
            b.register(name, 64, "int64");
        }
        b.register("rbp", 64, "data_ptr").register("rsp", 64, "data_ptr");
        for (int r = 8; r <= 15; r++) {
            b.register("r" + r, 64, "int64");
        }
        b.register("rip", 64, "code_ptr").register("eflags", 32, "int32");
        for (String seg : List.of("cs", "ss", "ds", "es", "fs", "gs")) {
            b.register(seg, 32, "int32");
        }
        for (int st = 0; st < 8; st++) {
            b.register("st" + st, 80, "i387_ext");
        }
        for (String fp : List.of("fctrl", "fstat", "ftag", "fiseg", "fioff", "foseg", "fooff", "fop")) {
            b.register(fp, 32, "int");
        }
        b.feature("org.gnu.gdb.i386.sse");
        for (int x = 0; x < 16; x++) {
            b.register("xmm" + x, 128, "uint128");
        }
        b.register("mxcsr", 32, "int");
        b.feature(DEBUG_REGISTERS_FEATURE);
        for (int dr = 0; dr < 4; dr++) {
            b.register("dr" + dr, 64, "data_ptr");
        }
        return b.register("dr6", 64, "uint64").register("dr7", 64, "uint64").build();
    }

    public String architecture() {
        return architecture;
    }

    /** All registers, index = wire number. */
    public List<Register> registers() {
        return registers;
    }

    /** The wire number of the register called {@code name}. */
    public OptionalInt number(String name) {
        for (int i = 0; i < registers.size(); i++) {
            if (registers.get(i).name().equals(name)) {
                return OptionalInt.of(i);
            }
        }
        return OptionalInt.empty();
    }

    /** The bytes of {@code target.xml}. */
    public byte[] xml() {
        return xml.clone();
    }

    int xmlLength() {
        return xml.length;
    }

    byte[] xmlSlice(int offset, int length) {
        int from = Math.min(offset, xml.length);
        int to = (int) Math.min((long) from + length, xml.length);
        byte[] part = new byte[to - from];
        System.arraycopy(xml, from, part, 0, part.length);
        return part;
    }

    private String toXml() {
        StringBuilder s = new StringBuilder("<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n")
                .append("<target version=\"1.0\">\n<architecture>").append(architecture).append("</architecture>\n");
        String open = null;
        for (int regnum = 0; regnum < registers.size(); regnum++) {
            Register r = registers.get(regnum);
            if (!r.feature().equals(open)) {
                if (open != null) {
                    s.append("</feature>\n");
                }
                open = r.feature();
                s.append("<feature name=\"").append(open).append("\">\n");
            }
            s.append("  <reg name=\"").append(r.name()).append("\" bitsize=\"").append(r.bits())
                    .append("\" type=\"").append(r.type()).append("\" regnum=\"").append(regnum).append("\"/>\n");
        }
        s.append("</feature>\n");
        return s.append("</target>\n").toString();
    }

    /** Builds a {@link TargetDescription}: registers go to the feature last named. */
    public static final class Builder {
        private final String architecture;
        private final List<Register> registers = new ArrayList<>();
        private String feature;

        private Builder(String architecture) {
            this.architecture = Objects.requireNonNull(architecture, "architecture");
        }

        public Builder feature(String name) {
            this.feature = Objects.requireNonNull(name, "feature");
            return this;
        }

        public Builder register(String name, int bits, String type) {
            if (feature == null) {
                throw new IllegalStateException("register " + name + " before any feature");
            }
            registers.add(new Register(name, bits, type, feature));
            return this;
        }

        public TargetDescription build() {
            if (registers.isEmpty()) {
                throw new IllegalStateException("a target description needs registers");
            }
            return new TargetDescription(architecture, Collections.unmodifiableList(registers));
        }
    }
}
