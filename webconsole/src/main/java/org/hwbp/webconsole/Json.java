package org.hwbp.webconsole;

/**
 * A minimal JSON writer (the Web Console bundles no JSON library for plugins): objects and arrays are opened
 * and closed explicitly, commas are placed automatically.
 */
final class Json {
    private final StringBuilder out = new StringBuilder(4096);
    private boolean first = true;

    Json object() {
        comma();
        out.append('{');
        first = true;
        return this;
    }

    Json array() {
        comma();
        out.append('[');
        first = true;
        return this;
    }

    Json end(char closing) {
        out.append(closing);
        first = false;
        return this;
    }

    Json endObject() {
        return end('}');
    }

    Json endArray() {
        return end(']');
    }

    /** A member name; the value follows. */
    Json name(String name) {
        comma();
        string(name);
        out.append(':');
        first = true;
        return this;
    }

    Json value(String s) {
        comma();
        if (s == null) {
            out.append("null");
        } else {
            string(s);
        }
        return this;
    }

    Json value(long v) {
        comma();
        out.append(v);
        return this;
    }

    Json value(boolean v) {
        comma();
        out.append(v);
        return this;
    }

    Json field(String name, String v) {
        return name(name).value(v);
    }

    Json field(String name, long v) {
        return name(name).value(v);
    }

    Json field(String name, boolean v) {
        return name(name).value(v);
    }

    @Override
    public String toString() {
        return out.toString();
    }

    private void comma() {
        if (!first) {
            out.append(',');
        }
        first = false;
    }

    private void string(String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"': out.append("\\\""); break;
                case '\\': out.append("\\\\"); break;
                case '\n': out.append("\\n"); break;
                case '\r': out.append("\\r"); break;
                case '\t': out.append("\\t"); break;
                case '<': out.append("\\u003c"); break; // never "</script>" in a page that inlines it
                default:
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
            }
        }
        out.append('"');
    }
}
