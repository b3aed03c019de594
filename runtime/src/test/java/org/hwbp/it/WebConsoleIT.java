package org.hwbp.it;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.File;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.FixMethodOrder;
import org.junit.Test;
import org.junit.runners.MethodSorters;
import org.openqa.selenium.By;
import org.openqa.selenium.HasAuthentication;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.UsernameAndPassword;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The Debug Registers page in a real browser: the runtime jar started as {@code ./sandbox --http PORT} does
 * (its shell on a pipe), Debian's headless Chromium driven through Selenium and chromium-driver. The browser
 * logs in through the Web Console's Basic authentication, the page's tables are compared with what the shell
 * prints, the timeline shows the debugger's lanes without a reload, and a client bundle is stopped and started
 * from the page. Without {@code /usr/bin/chromium} and {@code /usr/bin/chromedriver} (packages chromium and
 * chromium-driver, which {@code .ci/run} installs) the tests fail.
 *
 * <p>Keeps {@code target/webconsole-it/webconsole.png}, a screenshot of the page with the debugger holding
 * every CPU.
 */
@FixMethodOrder(MethodSorters.NAME_ASCENDING)
public class WebConsoleIT {
    private static final File CHROMIUM = new File("/usr/bin/chromium");
    private static final File CHROMEDRIVER = new File("/usr/bin/chromedriver");
    private static final Path ARTIFACTS = Path.of(System.getProperty("user.dir"), "target", "webconsole-it");
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String KVM = "org.hwbp.kvm-client";

    private static int port;
    private static ShellProcess shell;
    private static WebDriver browser;
    private static HttpClient http;

    @BeforeClass
    public static void start() throws Exception {
        assertTrue("Chromium is missing: apt-get install chromium chromium-driver (see .ci/run)",
                CHROMIUM.canExecute());
        assertTrue("chromium-driver is missing: apt-get install chromium-driver (see .ci/run)",
                CHROMEDRIVER.canExecute());
        Files.createDirectories(ARTIFACTS);
        port = ShellProcess.freePort();
        shell = new ShellProcess("hwbp.http.port=" + port);
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        awaitConsole();

        Path profile = ItTemp.dir("hwbp-it-chromium");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-dev-shm-usage", "--user-data-dir=" + profile,
                "--window-size=1500,2400");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER)
                .usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        // The login: the browser answers the console's Basic challenge (DevTools Fetch.authRequired).
        ((HasAuthentication) browser).register(UsernameAndPassword.of("admin", "admin"));
    }

    @AfterClass
    public static void stop() throws Exception {
        if (browser != null) {
            browser.quit();
        }
        if (shell != null) {
            shell.close();
        }
    }

    private static String url(String path) {
        return "http://127.0.0.1:" + port + "/system/console/" + path;
    }

    private static HttpResponse<String> get(String path, String user, String password) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(20));
        if (user != null) {
            b.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                    (user + ":" + password).getBytes(StandardCharsets.UTF_8)));
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The HTTP bundles are installed after the shell's: wait until the console answers. */
    private static void awaitConsole() throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        String last = "nothing";
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> r = get("hwbp.json", "admin", "admin");
                if (r.statusCode() == 200) {
                    return;
                }
                last = r.statusCode() + " " + r.body();
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(200);
        }
        fail("the Web Console did not answer on port " + port + " within 90 s: " + last);
    }

    private static WebDriverWait waiting() {
        WebDriverWait wait = new WebDriverWait(browser, WAIT, Duration.ofMillis(200));
        wait.ignoring(StaleElementReferenceException.class); // the page re-renders its tables as data changes
        return wait;
    }

    private static void openPage() {
        browser.get(url("hwbp"));
        assertEquals("Apache Felix Web Console - Debug Registers", browser.getTitle());
        waiting().until(d -> !d.findElements(By.cssSelector("#hwbp-cpus tbody tr")).isEmpty());
    }

    /** A shell table without its header, each row split into its cells (columns are 2+ spaces apart). */
    private static List<List<String>> rows(String table) {
        List<List<String>> rows = new ArrayList<>();
        String[] lines = table.split("\n");
        for (int i = 1; i < lines.length; i++) {
            rows.add(Arrays.asList(lines[i].trim().split("\\s{2,}")));
        }
        return rows;
    }

    /**
     * The cells of the page's rows, read in one script call: the page re-renders its tables when the data
     * changes, and one call sees one rendering.
     */
    @SuppressWarnings("unchecked")
    private static List<List<String>> cells(String rowsSelector, int columns) {
        return (List<List<String>>) ((JavascriptExecutor) browser).executeScript(
                "var n = arguments[1]; return Array.from(document.querySelectorAll(arguments[0])).map("
                + "function (tr) { return Array.from(tr.cells).slice(0, n).map(function (td) {"
                + " return td.textContent; }); });", rowsSelector, columns);
    }

    private static List<List<String>> pageCpuRows() {
        return cells("#hwbp-cpus tbody tr", 6);
    }

    /** {@code DR0 0x601000  G w/4}: the register lines of hwbp:regs the page shows (DR0-DR3, DR6, DR7). */
    private static List<String> shellRegs(int cpu) throws Exception {
        List<String> out = new ArrayList<>();
        for (String line : shell.run("hwbp:regs " + cpu).split("\n")) {
            if (line.matches("DR[0-7] .*")) {
                out.add(line);
            }
        }
        return out;
    }

    private static List<String> pageRegs(int cpu) {
        List<String> out = new ArrayList<>();
        for (List<String> td : cells("table.hwbp-regs[data-cpu='" + cpu + "'] tbody tr", 3)) {
            out.add(td.get(0) + " " + td.get(1) + "  " + td.get(2));
        }
        return out;
    }

    @Test
    public void a_wrongOrNoCredentialsGet401() throws Exception {
        HttpResponse<String> none = get("hwbp.json", null, null);
        assertEquals(401, none.statusCode());
        assertTrue(none.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Basic"));
        assertEquals(401, get("hwbp.json", "admin", "wrong").statusCode());
        assertEquals(401, get("hwbp", "root", "admin").statusCode());
        HttpResponse<String> ok = get("hwbp.json", "admin", "admin");
        assertEquals(200, ok.statusCode());
        assertTrue(ok.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        assertTrue(ok.body(), ok.body().contains("\"name\":\"" + KVM + "\""));
    }

    @Test
    public void b_actionsNeedTheConsolesOwnScript() throws Exception {
        String auth = "Basic " + Base64.getEncoder().encodeToString("admin:admin".getBytes(StandardCharsets.UTF_8));
        HttpRequest.BodyPublisher form = HttpRequest.BodyPublishers.ofString("client=" + KVM + "&action=stop");
        HttpRequest plainForm = HttpRequest.newBuilder(URI.create(url("hwbp"))).header("Authorization", auth)
                .header("Content-Type", "application/x-www-form-urlencoded").POST(form).build();
        assertEquals(403, http.send(plainForm, HttpResponse.BodyHandlers.ofString()).statusCode());
        HttpRequest otherSite = HttpRequest.newBuilder(URI.create(url("hwbp"))).header("Authorization", auth)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("X-Requested-With", "XMLHttpRequest").header("Origin", "http://evil.example")
                .POST(form).build();
        assertEquals(403, http.send(otherSite, HttpResponse.BodyHandlers.ofString()).statusCode());
        HttpRequest noLogin = HttpRequest.newBuilder(URI.create(url("hwbp")))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("X-Requested-With", "XMLHttpRequest").POST(form).build();
        assertEquals(401, http.send(noLogin, HttpResponse.BodyHandlers.ofString()).statusCode());
        assertTrue(shell.run("hwbp:client " + KVM), shell.run("hwbp:client " + KVM).endsWith("ACTIVE"));
    }

    @Test
    public void c_theListenerIsBoundToLoopbackOnly() throws Exception {
        // The kernel's view of the listening socket: local address 127.0.0.1 (or its IPv4-mapped form).
        String portHex = String.format(Locale.ROOT, "%04X", port);
        List<String> listening = new ArrayList<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            for (String line : Files.readAllLines(Path.of(table))) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 3 && f[1].endsWith(":" + portHex) && f[3].equals("0A")) {
                    listening.add(f[1]);
                }
            }
        }
        assertFalse("a socket listens on port " + port, listening.isEmpty());
        for (String local : listening) {
            String addr = local.substring(0, local.indexOf(':'));
            assertTrue("listens on " + local + ", not 127.0.0.1",
                    addr.equals("0100007F") || addr.equals("0000000000000000FFFF00000100007F"));
        }
        // And from any other address of this machine, nobody answers.
        for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            for (InetAddress a : Collections.list(ni.getInetAddresses())) {
                if (a instanceof Inet4Address && !a.isLoopbackAddress()) {
                    boolean answered;
                    try (Socket s = new Socket()) {
                        s.connect(new InetSocketAddress(a, port), 2000);
                        answered = true;
                    } catch (IOException expected) {
                        answered = false; // refused (or unreachable): nothing listens there
                    }
                    assertFalse("port " + port + " answered on " + a, answered);
                }
            }
        }
    }

    @Test
    public void d_thePageShowsWhatTheShellPrints() throws Exception {
        shell.run("sim:task editor");
        shell.run("sim:switch 0 1");
        assertEquals("bp 1", shell.run("hwbp:register --task 1 --user 0x601000 4 w"));
        assertEquals("bp 2", shell.run("hwbp:register --cpu 1 0xffffffff82a40000 8 rw"));
        assertEquals("#DB dr6=0xffff0ff1\nslot 0: bp 1 (org.hwbp.shell) task 1 triggered",
                shell.run("sim:access 0 0x601002 2 w"));
        openPage();
        List<List<String>> expected = rows(shell.run("hwbp:cpus"));
        waiting().withMessage(() -> "page " + pageCpuRows() + " vs shell " + expected)
                .until(d -> pageCpuRows().equals(expected));
        for (int cpu = 0; cpu < expected.size(); cpu++) {
            List<String> regs = shellRegs(cpu);
            int c = cpu;
            waiting().withMessage(() -> "CPU " + c + ": page " + pageRegs(c) + " vs shell " + regs)
                    .until(d -> pageRegs(c).equals(regs));
        }
        // Breakpoints by owner, with their state.
        String text = cells("table.hwbp-owner[data-owner='org.hwbp.shell'] tbody tr", 7).toString();
        assertTrue(text, text.contains("0x601000") && text.contains("installed") && text.contains("cpu 0 DR0"));
        assertTrue(text, text.contains("0xffffffff82a40000") && text.contains("cpu 1 DR0"));
    }

    @Test
    public void e_kgdbBreakShowsDebuggerLanesWithoutReloading() throws Exception {
        openPage();
        int cpus = pageCpuRows().size();
        ((JavascriptExecutor) browser).executeScript("window.hwbpSamePage = 42;");
        assertEquals("ok", shell.run("kgdb:break"));
        By debuggerLanes = By.cssSelector("#hwbp-timeline svg g.lane > g[data-holder='DEBUGGER']");
        waiting().withMessage(() -> "DEBUGGER lanes: " + browser.findElements(debuggerLanes).size())
                .until(d -> d.findElements(debuggerLanes).size() == cpus);
        waiting().until(d -> pageCpuRows().stream().allMatch(r -> r.get(1).equals("DEBUGGER")));
        assertEquals(42L, ((JavascriptExecutor) browser).executeScript("return window.hwbpSamePage;"));
        assertFalse(browser.findElements(By.cssSelector("#hwbp-timeline svg g.mark.claim")).isEmpty());
        Path shot = ((ChromeDriver) browser).getScreenshotAs(OutputType.FILE).toPath();
        Files.copy(shot, ARTIFACTS.resolve("webconsole.png"), StandardCopyOption.REPLACE_EXISTING);
        assertEquals("ok", shell.run("kgdb:continue"));
        waiting().until(d -> pageCpuRows().stream().allMatch(r -> r.get(1).equals("HOST")));
        List<List<String>> expected = rows(shell.run("hwbp:cpus"));
        waiting().until(d -> pageCpuRows().equals(expected));
    }

    @Test
    public void f_aClientStoppedFromThePageIsStoppedInTheShell() throws Exception {
        openPage();
        By stop = By.cssSelector("button[data-client='" + KVM + "'][data-action='stop']");
        waiting().until(d -> !d.findElements(stop).isEmpty());
        browser.findElement(stop).click();
        By message = By.id("hwbp-message");
        waiting().withMessage(() -> browser.findElement(message).getText())
                .until(d -> d.findElement(message).getText().matches(
                        "hwbp:client " + KVM + " stop \u2192 bundle \\d+ " + KVM + " \\S+ RESOLVED"));
        String lb = shell.run("lb");
        assertTrue(lb, lb.lines().anyMatch(l -> l.contains("|Resolved") && l.contains("kvm-client")));
        waiting().until(d -> d.findElement(By.cssSelector("#hwbp-clients tr[data-client='" + KVM + "']"))
                .getText().contains("RESOLVED"));

        browser.findElement(By.cssSelector("button[data-client='" + KVM + "'][data-action='start']")).click();
        waiting().until(d -> d.findElement(message).getText().endsWith(KVM + " 0.1.0.SNAPSHOT ACTIVE"));
        assertTrue(shell.run("hwbp:client " + KVM).endsWith("ACTIVE"));
    }

    /**
     * A second runtime asked for the same port (this test's console holds it): one line saying so, with the errno,
     * and a shell that works; not Jetty's two stack traces.
     */
    @Test
    public void g_aPortInUseIsOneLineAndTheShellRunsWithoutTheConsole() throws Exception {
        try (ShellProcess second = new ShellProcess("hwbp.http.port=" + port)) {
            List<String> lines = new ArrayList<>(second.run("hwbp:used").lines().toList());
            lines.addAll(second.run("hwbp:check").lines().toList());
            assertEquals(lines.toString(), List.of("hwbp: EADDRINUSE: hwbp.http.port: cannot listen on 127.0.0.1:"
                    + port + " (Address already in use); no Web Console", "false", "ok"), lines);
        }
        // the first runtime's console is untouched
        assertEquals(401, get("", null, null).statusCode());
    }
}
