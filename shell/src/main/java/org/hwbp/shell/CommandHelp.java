package org.hwbp.shell;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.felix.gogo.runtime.CommandProxy;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;

/**
 * What {@code help} prints and what an argument-coercion failure quotes as the usage: read from the
 * {@link Descriptor}/{@link Parameter} annotations of the command methods registered in a Gogo session (the
 * same source Gogo's own help reads), but by the registered function names: a command whose Java method is
 * {@code _break} or {@code wait} shows as {@code kgdb:break} and {@code ptrace:wait}, never with the method's name
 * or with Object's {@code wait} overloads, and a {@code Function} service ({@code kvm:guest-dr}) is described by its
 * method of the same name without the dash.
 *
 * <p>Conventions of the descriptors: a positional parameter's descriptor starts with its usage words
 * ({@code "TASK OFFSET: what they are"}); a value option's descriptor may start with the format of its value
 * ({@code "A0,A1,A2,A3,DR7: ..."}), otherwise the option's name in capitals stands for it.
 */
final class CommandHelp {
    /** The product's scopes, listed first and in this order. */
    static final List<String> PRODUCT_SCOPES = List.of("hwbp", "sim", "ptrace", "kgdb", "kvm");

    /** One command: its name and, per Java method serving it, the description, usage line and parameter lines. */
    record Entry(String name, List<Form> forms) {
        String description() {
            return forms.isEmpty() ? "" : forms.get(0).description();
        }
    }

    /** One way to call a command (a Java overload). */
    record Form(String description, String usage, List<String[]> parameters) {
    }

    private final CommandSession session;

    CommandHelp(CommandSession session) {
        this.session = session;
    }

    /** Every registered command name ({@code scope:function}), product scopes first. */
    List<String> names() {
        @SuppressWarnings("unchecked")
        Set<String> commands = (Set<String>) session.get(".commands");
        List<String> names = new ArrayList<>(commands == null ? Set.of() : commands);
        names.removeIf(n -> n.indexOf(':') <= 0);
        names.sort(Comparator.comparingInt(CommandHelp::scopeRank).thenComparing(n -> n));
        return names;
    }

    private static int scopeRank(String name) {
        int i = PRODUCT_SCOPES.indexOf(name.substring(0, name.indexOf(':')));
        return i < 0 ? PRODUCT_SCOPES.size() : i;
    }

    static boolean isProduct(String name) {
        return scopeRank(name) < PRODUCT_SCOPES.size();
    }

    /** The commands {@code name} means: itself when scoped, every scope's function of that name when bare. */
    List<String> resolve(String name) {
        List<String> out = new ArrayList<>();
        for (String c : names()) {
            // Gogo matches names case-insensitively (cm:getConfiguration is also cm:getconfiguration).
            if (c.equalsIgnoreCase(name)
                    || (name.indexOf(':') < 0 && c.substring(c.indexOf(':') + 1).equalsIgnoreCase(name))) {
                out.add(c);
            }
        }
        return out;
    }

    /** The help of a registered command ({@code scope:function}). */
    Entry entry(String name) {
        Object command = session.get(name);
        String function = name.substring(name.indexOf(':') + 1).toLowerCase(Locale.ROOT);
        List<Form> forms = new ArrayList<>();
        if (command instanceof CommandProxy) {
            CommandProxy proxy = (CommandProxy) command;
            Object target = proxy.getTarget();
            try {
                if (target != null) {
                    for (Method m : methods(target.getClass(), function)) {
                        forms.add(form(name, m));
                    }
                    if (forms.isEmpty()) {
                        Descriptor d = target.getClass().getAnnotation(Descriptor.class);
                        forms.add(new Form(d == null ? "" : d.value(), name + " ...", List.of()));
                    }
                }
            } finally {
                proxy.ungetTarget();
            }
        }
        return new Entry(name, forms);
    }

    /** {@code usage: ...} of a command (each form's line), or null when it has no help. */
    String usage(String name) {
        List<String> r = resolve(name);
        if (r.size() != 1) {
            return null;
        }
        List<String> lines = new ArrayList<>();
        for (Form f : entry(r.get(0)).forms()) {
            lines.add(f.usage());
        }
        return lines.isEmpty() ? null : "usage: " + String.join(" | ", lines);
    }

    /**
     * The public methods that serve {@code function}, as Gogo's reflective dispatch names them (the name, or
     * {@code _name} for a Java keyword; a dash dropped for a Function service's documented method), declared by
     * the command's own classes (not Object's wait or a Function's execute), in a stable order.
     */
    private static List<Method> methods(Class<?> type, String function) {
        Set<String> wanted = new HashSet<>(List.of(function, "_" + function, function.replace("-", "")));
        List<Method> out = new ArrayList<>();
        for (Method m : type.getMethods()) {
            if (m.getDeclaringClass() != Object.class && wanted.contains(m.getName().toLowerCase(Locale.ROOT))
                    && !(m.getName().equals("execute") && m.getParameterCount() == 2)) {
                out.add(m);
            }
        }
        out.sort(Comparator.comparingInt(Method::getParameterCount).thenComparing(Method::toGenericString));
        return out;
    }

    private static Form form(String name, Method m) {
        Descriptor md = m.getAnnotation(Descriptor.class);
        StringBuilder usage = new StringBuilder(name);
        List<String[]> parameters = new ArrayList<>();
        TreeMap<String, String[]> options = new TreeMap<>();
        List<String> positional = new ArrayList<>();
        Annotation[][] annotations = m.getParameterAnnotations();
        Class<?>[] types = m.getParameterTypes();
        for (int i = 0; i < types.length; i++) {
            if (CommandSession.class.isAssignableFrom(types[i])) {
                continue;
            }
            Parameter p = find(annotations[i], Parameter.class);
            Descriptor d = find(annotations[i], Descriptor.class);
            String text = d == null ? "" : d.value();
            if (p != null) {
                String option = p.names()[0];
                if (Parameter.UNSPECIFIED.equals(p.presentValue())) {
                    String[] split = split(text);
                    String meta = split[0] != null ? split[0] : option.replaceFirst("^-+", "").toUpperCase(Locale.ROOT);
                    options.put(option, new String[] {"[" + option + " " + meta + "]", option + " " + meta, split[1]});
                } else {
                    options.put(option, new String[] {"[" + option + "]", option, text});
                }
            } else {
                String[] split = split(text);
                String meta;
                if (split[0] != null) {
                    meta = split[0];
                } else if (text.startsWith("(")) {
                    meta = ""; // "(no arguments)"
                } else {
                    meta = types[i].isArray() ? "[" + types[i].getComponentType().getSimpleName().toUpperCase(Locale.ROOT)
                            + "...]" : types[i].getSimpleName().toUpperCase(Locale.ROOT);
                }
                if (!meta.isEmpty()) {
                    positional.add(meta);
                    if (!split[1].isEmpty()) {
                        parameters.add(new String[] {meta, split[1]});
                    }
                }
            }
        }
        List<String[]> lines = new ArrayList<>();
        for (String[] o : options.values()) {
            usage.append(' ').append(o[0]);
            lines.add(new String[] {o[1], o[2]});
        }
        for (String p : positional) {
            usage.append(' ').append(p);
        }
        lines.addAll(parameters);
        return new Form(md == null ? "" : md.value(), usage.toString(), lines);
    }

    /**
     * A descriptor {@code "WORDS: text"} whose WORDS are usage words (capitals, brackets, {@code |}, {@code ,},
     * {@code :}, dots, lower-case keywords after a {@code |}) as {WORDS, text}; otherwise {null, descriptor}. A
     * descriptor that is usage words alone ({@code "TASK"}, {@code "[today|2009]"}) is {WORDS, ""}.
     */
    static String[] split(String descriptor) {
        int colon = descriptor.indexOf(": ");
        String head = colon < 0 ? descriptor : descriptor.substring(0, colon);
        String rest = colon < 0 ? "" : descriptor.substring(colon + 2);
        if (!head.isEmpty() && isUsageWords(head)) {
            return new String[] {head, rest};
        }
        return new String[] {null, descriptor};
    }

    private static boolean isUsageWords(String s) {
        if (!(Character.isUpperCase(s.charAt(0)) || s.charAt(0) == '[')) {
            return false;
        }
        for (String word : s.split(" ")) {
            String w = word.replaceAll("[\\[\\]|,.:=]", " ").strip();
            for (String part : w.split(" +")) {
                if (part.isEmpty() || part.equals(part.toUpperCase(Locale.ROOT))) {
                    continue;
                }
                // a lower-case keyword is allowed as an alternative or a choice: TASK|idle, [today|2009], r|w|x
                if (!(word.contains("|") || word.contains(":"))) {
                    return false;
                }
            }
        }
        return true;
    }

    private static <A extends Annotation> A find(Annotation[] annotations, Class<A> type) {
        for (Annotation a : annotations) {
            if (type.isInstance(a)) {
                return type.cast(a);
            }
        }
        return null;
    }

    /** The text of {@code help NAME}. */
    String describe(List<String> names) {
        StringBuilder sb = new StringBuilder();
        for (String n : names) {
            Entry e = entry(n);
            for (Form f : e.forms()) {
                if (sb.length() > 0) {
                    sb.append('\n');
                }
                sb.append(n);
                if (!f.description().isEmpty()) {
                    sb.append(" - ").append(f.description());
                }
                sb.append("\nusage: ").append(f.usage());
                int width = 0;
                for (String[] p : f.parameters()) {
                    width = Math.max(width, p[0].length());
                }
                for (String[] p : f.parameters()) {
                    sb.append("\n  ").append(p[0]);
                    if (!p[1].isEmpty()) {
                        sb.append(" ".repeat(width - p[0].length() + 2)).append(p[1]);
                    }
                }
            }
        }
        return sb.toString();
    }

    /**
     * The text of {@code help}: the product's commands with their descriptions, scope by scope in the order of
     * {@link #PRODUCT_SCOPES}, then the other scopes' command names (not those of Gogo's internal helpers).
     */
    String overview() {
        List<String> names = names();
        int width = 0;
        for (String n : names) {
            if (isProduct(n)) {
                width = Math.max(width, n.length());
            }
        }
        StringBuilder sb = new StringBuilder();
        String scope = null;
        TreeMap<String, TreeSet<String>> others = new TreeMap<>();
        for (String n : names) {
            String s = n.substring(0, n.indexOf(':'));
            if (!isProduct(n)) {
                String function = n.substring(n.indexOf(':') + 1);
                // gogo:__files and the like are Gogo's completion helpers, which its completion scripts call.
                if (!function.startsWith("_")) {
                    others.computeIfAbsent(s, k -> new TreeSet<>()).add(function);
                }
                continue;
            }
            if (scope != null && !scope.equals(s)) {
                sb.append('\n');
            }
            scope = s;
            String d = entry(n).description();
            sb.append(n).append(" ".repeat(width - n.length() + 2)).append(d).append('\n');
        }
        sb.append('\n');
        for (var e : others.entrySet()) {
            sb.append(e.getKey()).append(": ").append(String.join(" ", e.getValue())).append('\n');
        }
        sb.append("\n'help NAME' describes a command (usage, options); product commands are typed with their scope"
                + " (kgdb:break). exit, quit or Ctrl-D leave the interactive shell.");
        return sb.toString();
    }
}
