package org.hwbp.api.support;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * The I/O of a client's saved state: a {@link Properties} text in UTF-8, kept as a file in the bundle's data
 * area (which survives update and stop/start, and goes with uninstall). The client owns the keys and the format;
 * this class only writes, reads and checks them.
 */
public final class PropertiesFile {
    private PropertiesFile() {
    }

    /** The properties text of {@code p}, headed by {@code comment}. */
    public static String write(Properties p, String comment) {
        StringWriter w = new StringWriter();
        store(p, comment, w);
        return w.toString();
    }

    /** Parses {@link #write}'s text. */
    public static Properties read(String text) {
        return read(new StringReader(text));
    }

    /** Writes {@code p} to {@code file}, replacing it. */
    public static void save(Path file, Properties p, String comment) throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            store(p, comment, w);
        }
    }

    /** The properties in {@code file}, or null when there is none. */
    public static Properties load(Path file) throws IOException {
        if (!Files.exists(file)) {
            return null;
        }
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return read(r);
        }
    }

    /** The value of {@code key}; IllegalArgumentException {@code missing KEY} when there is none. */
    public static String required(Properties p, String key) {
        String v = p.getProperty(key);
        if (v == null) {
            throw new IllegalArgumentException("missing " + key);
        }
        return v;
    }

    private static void store(Properties p, String comment, Writer w) {
        try {
            p.store(w, comment);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Properties read(Reader r) {
        Properties p = new Properties();
        try {
            p.load(r);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }
}
