package org.hwbp.webconsole;

import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.webconsole.servlet.AbstractServlet;
import org.hwbp.api.inspect.HwbpRuntime;
import org.hwbp.timeline.TimelineRecorder;
import org.hwbp.timeline.TimelineSvg;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * The "Debug Registers" page of the Felix Web Console ({@code /system/console/hwbp}), registered as a Web
 * Console 5 plugin (a Jakarta servlet service with a {@code felix.webconsole.label}). The console
 * authenticates every request before it gets here.
 *
 * <ul>
 * <li>{@code GET hwbp}: the page; its script polls the two documents below every second.
 * <li>{@code GET hwbp.json}: the machine, CPUs, breakpoints, events, counters and client bundles
 *     ({@link InspectionJson}).
 * <li>{@code GET hwbp.svg}: the timeline recorded since the plugin started ({@link TimelineSvg}).
 * <li>{@code POST hwbp} with {@code client=NAME&action=stop|start|update}: runs {@code hwbp:client NAME ACTION}
 *     in a Gogo session, exactly as typed in the shell. The request must carry
 *     {@code X-Requested-With: XMLHttpRequest} and, if it has an {@code Origin}, come from this console's own
 *     origin: a form or a script of another site cannot send that header without a CORS preflight, which
 *     nothing here answers (the Web Console 5 has no CSRF token of its own).
 * </ul>
 *
 * <p>The timeline is sampled every {@value #SAMPLE_MS} ms when something changed (new events, other holders
 * or occupants, a refusal): a polling recorder, since the page has no view of shell commands.
 */
@Component(service = Servlet.class, property = {
    "felix.webconsole.label=" + DebugRegistersPlugin.LABEL,
    "felix.webconsole.title=Debug Registers",
    "felix.webconsole.category=hwbp-sandbox"
})
public final class DebugRegistersPlugin extends AbstractServlet {
    static final String LABEL = "hwbp";
    static final long SAMPLE_MS = 250;
    private static final int TIMELINE_STEPS = 5000;
    private static final long serialVersionUID = 1L;
    private static final List<String> ACTIONS = List.of("stop", "start", "update");

    private final transient BundleContext context;
    private final transient CommandProcessor processor;
    private final transient TimelineRecorder recorder;
    private final transient ScheduledExecutorService sampler;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private transient volatile HwbpRuntime runtime;

    @Activate
    public DebugRegistersPlugin(BundleContext context, @Reference CommandProcessor processor) {
        this.context = context;
        this.processor = processor;
        this.recorder = new TimelineRecorder(() -> runtime, "hwbp-sandbox (Web Console)", TIMELINE_STEPS);
        this.sampler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "hwbp-webconsole-timeline");
            t.setDaemon(true);
            return t;
        });
        sampler.scheduleWithFixedDelay(this::sample, 0, SAMPLE_MS, TimeUnit.MILLISECONDS);
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        sampler.shutdownNow();
        sampler.awaitTermination(5, TimeUnit.SECONDS);
    }

    private void sample() {
        try {
            recorder.sampleIfChanged();
        } catch (RuntimeException e) {
            // hwbp-core went away between the reference and the call: the next sample sees it gone or back.
        }
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException,
            jakarta.servlet.ServletException {
        String uri = req.getRequestURI();
        if (uri.endsWith("/" + LABEL + ".json")) {
            sample();
            send(resp, "application/json", InspectionJson.of(runtime, ClientBundle.list(context),
                    recorder.stepCount()));
        } else if (uri.endsWith("/" + LABEL + ".svg")) {
            sample();
            send(resp, "image/svg+xml", TimelineSvg.render(recorder.timeline()));
        } else {
            super.doGet(req, resp);
        }
    }

    @Override
    public void renderContent(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        try (InputStream in = Objects.requireNonNull(DebugRegistersPlugin.class.getResourceAsStream("hwbp.html"),
                "hwbp.html")) {
            resp.getWriter().write(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String origin = req.getHeader("Origin");
        String self = req.getScheme() + "://" + req.getHeader("Host");
        if (!"XMLHttpRequest".equals(req.getHeader("X-Requested-With"))
                || origin != null && !origin.equals(self)) {
            error(resp, HttpServletResponse.SC_FORBIDDEN, "cross-site request refused: send "
                    + "X-Requested-With: XMLHttpRequest from this console's page");
            return;
        }
        String client = req.getParameter("client");
        String action = req.getParameter("action");
        if (!ACTIONS.contains(action)) {
            error(resp, HttpServletResponse.SC_BAD_REQUEST, "EINVAL: action must be stop, start or update");
            return;
        }
        if (ClientBundle.list(context).stream().noneMatch(b -> b.name().equals(client))) {
            error(resp, HttpServletResponse.SC_BAD_REQUEST, "ENOENT: no client bundle " + client);
            return;
        }
        String command = "hwbp:client " + client + " " + action;
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(sink, true, StandardCharsets.UTF_8);
                CommandSession session = processor.createSession(InputStream.nullInputStream(), out, out)) {
            Object result = session.execute(command);
            send(resp, "application/json", new Json().object().field("ok", true).field("command", command)
                    .field("result", String.valueOf(result)).endObject().toString());
        } catch (Exception e) {
            error(resp, HttpServletResponse.SC_CONFLICT, e.getMessage() == null ? e.toString() : e.getMessage());
        }
    }

    private static void error(HttpServletResponse resp, int status, String message) throws IOException {
        resp.setStatus(status);
        send(resp, "application/json", new Json().object().field("ok", false).field("error", message)
                .endObject().toString());
    }

    private static void send(HttpServletResponse resp, String type, String body) throws IOException {
        AbstractServlet.setNoCache(resp);
        resp.setContentType(type);
        resp.setCharacterEncoding("UTF-8");
        resp.getWriter().write(body);
    }
}
