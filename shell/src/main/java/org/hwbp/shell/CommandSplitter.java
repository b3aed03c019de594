package org.hwbp.shell;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits the argument of {@code ./sandbox -c} into commands at {@code ;}, except inside quotes or Gogo's
 * brackets ({@code {}}, {@code ()}, {@code []}), so that each command gets its own transcript entry.
 */
final class CommandSplitter {
    private CommandSplitter() {
    }

    static List<String> split(String s) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        char quote = 0;
        int depth = 0;
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (quote != 0) {
                if (ch == '\\' && quote == '"' && i + 1 < s.length()) {
                    cur.append(ch).append(s.charAt(++i));
                    continue;
                }
                if (ch == quote) {
                    quote = 0;
                }
            } else if (ch == '\'' || ch == '"') {
                quote = ch;
            } else if (ch == '{' || ch == '(' || ch == '[') {
                depth++;
            } else if ((ch == '}' || ch == ')' || ch == ']') && depth > 0) {
                depth--;
            } else if (ch == ';' && depth == 0) {
                add(out, cur);
                continue;
            }
            cur.append(ch);
        }
        add(out, cur);
        return out;
    }

    private static void add(List<String> out, StringBuilder cur) {
        String c = cur.toString().strip();
        if (!c.isEmpty()) {
            out.add(c);
        }
        cur.setLength(0);
    }
}
