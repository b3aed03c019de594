package org.hwbp.timeline;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Renders a {@link Timeline} as one SVG document: a lane per CPU along the steps, its background tinted by
 * who held the registers (HOST, GUEST, DEBUGGER) with a strip in the holder's colour on top, one row per
 * debug register coloured by the owner of the breakpoint in it, and the marks (claims, releases,
 * preemptions, restores, triggers on the lanes; refusals and faults on the machine row above them). Every
 * rectangle and mark carries a {@code <title>} (the browser's tooltip) with the exact text.
 *
 * <p>The sizes follow the CPU count so that 4 CPUs are drawn large and 64 still fit on a screen: lanes of
 * 38, 26 or 18 pixels (up to 8, 16, more CPUs) and columns of 24 pixels down to 4 when there are many
 * steps. Runs of equal holders and occupants are drawn as one rectangle, so the size of the document grows
 * with the changes, not with CPUs x steps.
 */
public final class TimelineSvg {
    private static final int LEFT = 96;
    private static final int TOP = 62;
    private static final int MACHINE_Y = 32;
    private static final int MACHINE_H = 20;
    private static final int LABEL_CHARS = 40;
    private static final int LABEL_AREA = 210;
    private static final int RIGHT = 130;
    private static final String FONT = "font-family=\"DejaVu Sans, Arial, sans-serif\"";

    /** Background tint and strip colour of each holder kind. */
    private static final Map<String, String[]> HOLDERS = new LinkedHashMap<>();
    /** Colours given to owners in the order they first occupy a slot. */
    private static final String[] OWNER_COLOURS = {
        "#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f",
        "#d62728"
    };

    static {
        HOLDERS.put("HOST", new String[] {"#ffffff", "#9e9e9e"});
        HOLDERS.put("GUEST", new String[] {"#dcedc8", "#2e7d32"});
        HOLDERS.put("DEBUGGER", new String[] {"#ffcdd2", "#c62828"});
    }

    private TimelineSvg() {
    }

    /** The SVG document (UTF-8 text, no XML declaration needed). */
    public static String render(Timeline t) {
        int cpus = t.cpus();
        int slots = Math.max(1, t.slotsPerCpu());
        int n = t.steps().size();
        int slotH = cpus <= 8 ? 8 : cpus <= 16 ? 5 : 3;
        int laneH = slots * slotH + 6;
        int gap = cpus <= 16 ? 4 : 1;
        int cw = n <= 40 ? 24 : Math.max(4, Math.min(24, 1200 / n));
        int lanesBottom = TOP + cpus * (laneH + gap);
        int labelsBottom = lanesBottom + (n == 0 ? 10 : LABEL_AREA);
        Map<String, String> owners = owners(t);
        int width = Math.max(760, LEFT + n * cw + RIGHT);
        int legendRows = 3 + (owners.size() + 3) / 4;
        int height = labelsBottom + 16 + legendRows * 18;

        StringBuilder svg = new StringBuilder(4096);
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
                + "height=\"%d\" viewBox=\"0 0 %d %d\" %s font-size=\"11\">%n", width, height, width, height,
                FONT));
        svg.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>%n", width,
                height));
        String heading = t.title() + " \u2014 " + n + (n == 1 ? " step, " : " steps, ") + cpus
                + (cpus == 1 ? " CPU" : " CPUs") + (t.dropped() > 0 ? " (" + t.dropped() + " earlier steps "
                + "dropped)" : "");
        svg.append(String.format(Locale.ROOT, "<text x=\"8\" y=\"18\" font-size=\"14\" font-weight=\"bold\">"
                + "%s</text>%n", esc(heading)));

        // Machine row: marks that belong to no CPU (refusals, faults, restores of no slot).
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" fill=\"#444\">"
                + "machine</text>%n", LEFT - 8, MACHINE_Y + 14));
        svg.append(String.format(Locale.ROOT, "<rect class=\"machine\" x=\"%d\" y=\"%d\" width=\"%d\" "
                + "height=\"%d\" fill=\"#f5f5f5\"/>%n", LEFT, MACHINE_Y, n * cw, MACHINE_H));

        for (int c = 0; c < cpus; c++) {
            int y = TOP + c * (laneH + gap);
            lane(svg, t, c, y, laneH, slotH, slots, cw, owners);
        }
        for (int i = 0; i < n; i++) {
            marks(svg, t.steps().get(i), i, cw, laneH, gap);
        }
        labels(svg, t, cw, lanesBottom);
        legend(svg, owners, labelsBottom + 16, width);
        svg.append("</svg>\n");
        return svg.toString();
    }

    private static void lane(StringBuilder svg, Timeline t, int cpu, int y, int laneH, int slotH, int slots,
            int cw, Map<String, String> owners) {
        int n = t.steps().size();
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" font-size=\"%d\">"
                + "CPU %d</text>%n", LEFT - 8, y + laneH / 2 + Math.min(11, laneH - 4) / 3,
                Math.min(11, laneH - 4), cpu));
        svg.append(String.format(Locale.ROOT, "<g class=\"lane\" data-cpu=\"%d\">%n", cpu));
        // Holder runs: tinted background and a strip on top.
        runs(n, i -> holder(t, i, cpu), (from, len, holder) -> {
            if (holder == null) {
                return;
            }
            String kind = holder.split(" ")[0];
            String[] colours = HOLDERS.getOrDefault(kind, new String[] {"#eeeeee", "#616161"});
            svg.append(String.format(Locale.ROOT, "<g class=\"holder\" data-holder=\"%s\"><title>CPU %d: %s "
                    + "(steps %d-%d)</title><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\" "
                    + "stroke=\"#e0e0e0\" stroke-width=\"0.5\"/><rect x=\"%d\" y=\"%d\" width=\"%d\" "
                    + "height=\"3\" fill=\"%s\"/></g>%n", esc(kind), cpu, esc(holder), from + 1, from + len,
                    LEFT + from * cw, y, len * cw, laneH, colours[0], LEFT + from * cw, y, len * cw,
                    colours[1]));
        });
        for (int s = 0; s < slots; s++) {
            int slot = s;
            int sy = y + 4 + s * slotH;
            runs(n, i -> occupant(t, i, cpu, slot), (from, len, occupant) -> {
                if (occupant == null) {
                    return;
                }
                svg.append(String.format(Locale.ROOT, "<rect class=\"slot\" data-slot=\"%d\" x=\"%d\" y=\"%d\" "
                        + "width=\"%d\" height=\"%d\" fill=\"%s\"><title>CPU %d DR%d: %s (steps %d-%d)</title>"
                        + "</rect>%n", slot, LEFT + from * cw + 1, sy, Math.max(1, len * cw - 2),
                        Math.max(1, slotH - 1), owners.get(owner(occupant)), cpu, slot, esc(occupant), from + 1,
                        from + len));
                if (slotH >= 8 && len * cw >= 7 * occupant.length()) {
                    svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"7\" "
                            + "fill=\"#ffffff\" pointer-events=\"none\">%s</text>%n", LEFT + from * cw + 3,
                            sy + slotH - 2, esc(occupant)));
                }
            });
        }
        svg.append("</g>\n");
    }

    private static void marks(StringBuilder svg, Step step, int i, int cw, int laneH, int gap) {
        Map<Integer, List<Mark>> byRow = new LinkedHashMap<>();
        for (Mark m : step.marks()) {
            byRow.computeIfAbsent(m.cpu(), k -> new ArrayList<>()).add(m);
        }
        for (Map.Entry<Integer, List<Mark>> e : byRow.entrySet()) {
            int row = e.getKey();
            int top = row < 0 ? MACHINE_Y : TOP + row * (laneH + gap);
            int h = row < 0 ? MACHINE_H : laneH;
            List<Mark> ms = e.getValue();
            double r = Math.max(2, Math.min(6, Math.min(cw / (ms.size() + 1.0), h / 3.0)));
            for (int j = 0; j < ms.size(); j++) {
                double x = LEFT + i * cw + (j + 1) * (double) cw / (ms.size() + 1);
                double y = top + h / 2.0;
                symbol(svg, ms.get(j).kind(), x, y, r, ms.get(j).text());
            }
        }
    }

    private static void symbol(StringBuilder svg, Mark.Kind kind, double x, double y, double r, String text) {
        String title = "<title>" + esc(kind.name().toLowerCase(Locale.ROOT) + ": " + text) + "</title>";
        String cls = "mark " + kind.name().toLowerCase(Locale.ROOT);
        String shape;
        switch (kind) {
            case CLAIM:
                shape = String.format(Locale.ROOT, "<polygon points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f\" "
                        + "fill=\"#b71c1c\" stroke=\"#ffffff\" stroke-width=\"0.6\"/>", x - r, y - r, x + r, y - r,
                        x, y + r);
                break;
            case RELEASE:
                shape = String.format(Locale.ROOT, "<polygon points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f\" "
                        + "fill=\"#1b5e20\" stroke=\"#ffffff\" stroke-width=\"0.6\"/>", x - r, y + r, x + r, y + r,
                        x, y - r);
                break;
            case PREEMPT:
                shape = String.format(Locale.ROOT, "<path d=\"M%.1f %.1fL%.1f %.1fM%.1f %.1fL%.1f %.1f\" "
                        + "stroke=\"#000000\" stroke-width=\"%.1f\"/>", x - r, y - r, x + r, y + r, x - r, y + r,
                        x + r, y - r, Math.max(1, r / 2.5));
                break;
            case RESTORE:
                shape = String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"#0d47a1\" "
                        + "stroke=\"#ffffff\" stroke-width=\"0.6\"/>", x, y, r);
                break;
            case TRIGGER:
                shape = String.format(Locale.ROOT, "<polygon points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f\" "
                        + "fill=\"#6a1b9a\"/>", x, y - r, x + r, y, x, y + r, x - r, y);
                break;
            case REFUSAL:
                shape = String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"#d50000\"/>"
                        + "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#ffffff\"/>", x, y, r,
                        x - r * 0.6, y - r * 0.18, r * 1.2, Math.max(0.8, r * 0.36));
                break;
            case GUEST_ENTRY:
                shape = String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                        + "rx=\"%.1f\" fill=\"#43a047\"/>", x - r, y - r, 2 * r, 2 * r, r / 2);
                break;
            default:
                shape = String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                        + "fill=\"#212121\"/>", x - r, y - r, 2 * r, 2 * r);
                break;
        }
        svg.append("<g class=\"").append(cls).append("\">").append(title).append(shape).append("</g>\n");
    }

    private static void labels(StringBuilder svg, Timeline t, int cw, int lanesBottom) {
        int every = Math.max(1, (int) Math.ceil(11.0 / cw));
        for (int i = 0; i < t.steps().size(); i++) {
            int x = LEFT + i * cw + cw / 2;
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
                    + "stroke=\"#bdbdbd\" stroke-width=\"0.5\"/>%n", x, lanesBottom, x, lanesBottom + 4));
            if (i % every != 0) {
                continue;
            }
            String label = t.steps().get(i).label();
            String shown = (i + 1) + " " + (label.length() > LABEL_CHARS
                    ? label.substring(0, LABEL_CHARS - 1) + "\u2026" : label);
            svg.append(String.format(Locale.ROOT, "<text class=\"step\" transform=\"translate(%d,%d) "
                    + "rotate(60)\" font-size=\"10\"><title>%s</title>%s</text>%n", x - 3, lanesBottom + 8,
                    esc((i + 1) + " " + label), esc(shown)));
        }
    }

    private static void legend(StringBuilder svg, Map<String, String> owners, int y, int width) {
        int x = 8;
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-weight=\"bold\">holder</text>%n",
                x, y + 10));
        x = LEFT;
        for (Map.Entry<String, String[]> h : HOLDERS.entrySet()) {
            svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"22\" height=\"12\" "
                    + "fill=\"%s\" stroke=\"#9e9e9e\" stroke-width=\"0.5\"/><rect x=\"%d\" y=\"%d\" width=\"22\" "
                    + "height=\"3\" fill=\"%s\"/><text x=\"%d\" y=\"%d\">%s</text>%n", x, y, h.getValue()[0], x,
                    y, h.getValue()[1], x + 28, y + 10, h.getKey()));
            x += 120;
        }
        y += 18;
        svg.append(String.format(Locale.ROOT, "<text x=\"8\" y=\"%d\" font-weight=\"bold\">marks</text>%n",
                y + 10));
        x = LEFT;
        for (Mark.Kind k : Mark.Kind.values()) {
            symbol(svg, k, x + 6, y + 6, 5, "legend");
            String name = k.name().toLowerCase(Locale.ROOT).replace('_', ' ');
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s</text>%n", x + 16, y + 10, name));
            x += 16 + 7 * Math.max(10, name.length());
        }
        y += 18;
        svg.append(String.format(Locale.ROOT, "<text x=\"8\" y=\"%d\" font-weight=\"bold\">slot owner</text>%n",
                y + 10));
        int col = 0;
        for (Map.Entry<String, String> o : owners.entrySet()) {
            int ox = LEFT + col * 170;
            svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"22\" height=\"10\" "
                    + "fill=\"%s\"/><text x=\"%d\" y=\"%d\">%s</text>%n", ox, y + 1, o.getValue(), ox + 28, y + 10,
                    esc(o.getKey())));
            if (++col == 4 || LEFT + (col + 1) * 170 > width) {
                col = 0;
                y += 18;
            }
        }
    }

    /** Owners in the order they first occupy a slot, each with its colour. */
    private static Map<String, String> owners(Timeline t) {
        Map<String, String> owners = new LinkedHashMap<>();
        for (Step s : t.steps()) {
            for (Lane l : s.lanes()) {
                for (String o : l.slots()) {
                    if (o != null) {
                        owners.computeIfAbsent(owner(o), k -> OWNER_COLOURS[owners.size() % OWNER_COLOURS.length]);
                    }
                }
            }
        }
        return owners;
    }

    /** {@code ptrace-client bp 1} -> {@code ptrace-client}. */
    private static String owner(String occupant) {
        int bp = occupant.lastIndexOf(" bp ");
        return bp < 0 ? occupant : occupant.substring(0, bp);
    }

    private static String holder(Timeline t, int step, int cpu) {
        List<Lane> lanes = t.steps().get(step).lanes();
        return cpu < lanes.size() ? lanes.get(cpu).holder() : null;
    }

    private static String occupant(Timeline t, int step, int cpu, int slot) {
        List<Lane> lanes = t.steps().get(step).lanes();
        return cpu < lanes.size() ? lanes.get(cpu).slot(slot) : null;
    }

    private interface Run {
        void draw(int from, int length, String value);
    }

    /** Calls {@code run} once per maximal run of equal values over the steps 0..n-1. */
    private static void runs(int n, Function<Integer, String> value, Run run) {
        int from = 0;
        for (int i = 1; i <= n; i++) {
            if (i == n || !Objects.equals(value.apply(i), value.apply(from))) {
                run.draw(from, i - from, value.apply(from));
                from = i;
            }
        }
    }

    static String esc(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (char ch : s.toCharArray()) {
            switch (ch) {
                case '<': b.append("&lt;"); break;
                case '>': b.append("&gt;"); break;
                case '&': b.append("&amp;"); break;
                case '"': b.append("&quot;"); break;
                default:
                    if (ch < 0x20 && ch != '\t') {
                        b.append(' ');
                    } else {
                        b.append(ch);
                    }
            }
        }
        return b.toString();
    }
}
