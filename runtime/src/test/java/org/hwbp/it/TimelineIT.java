package org.hwbp.it;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathFactory;
import org.junit.Test;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;

/**
 * The timeline of real runs, drawn by the shell bundle: {@code ./sandbox --timeline OUT.svg run FILE} (the
 * property the script passes, {@code hwbp.timeline}) and {@code hwbp:timeline OUT.svg} in a shell on 64 CPUs.
 * The pictures are kept in {@code target/timeline-it/}.
 */
public class TimelineIT {
    private static final Path RUNTIME = Path.of(System.getProperty("user.dir"));
    private static final Path OUT = RUNTIME.resolve("target/timeline-it");

    private static Document parse(Path svg) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(Files.readAllBytes(svg)));
    }

    private static List<String> texts(Document d, String xpath) throws Exception {
        NodeList n = (NodeList) XPathFactory.newInstance().newXPath().evaluate(xpath, d, XPathConstants.NODESET);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n.getLength(); i++) {
            out.add(n.item(i).getTextContent());
        }
        return out;
    }

    @Test
    public void theRunnerDrawsAScenarioAndItsTranscriptStaysTheSame() throws Exception {
        Files.createDirectories(OUT);
        Path svg = OUT.resolve("kgdb-session.svg");
        Files.deleteIfExists(svg);
        Path file = RUNTIME.resolve("scenarios/kgdb-session.hwbp");
        ScenarioFilesIT.Run r = ScenarioFilesIT.launch("run", file.toString(), "hwbp.timeline=" + svg);
        assertEquals(r.transcript(), 0, r.status());
        ScenarioFilesIT.assertGolden("kgdb-session", r);

        Document d = parse(svg);
        assertEquals(4, texts(d, "//*[@class='lane']").size());
        // One step per command line of the file (comments and blank lines are not commands).
        long commands = Files.readAllLines(file, StandardCharsets.UTF_8).stream()
                .map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).count();
        assertEquals(commands, texts(d, "//*[@class='step']").size());
        // The debugger held every CPU at some point, and each of its claims marks every lane.
        List<String> held = texts(d, "//*[@class='lane']/*[@data-holder='DEBUGGER']/*[name()='title']");
        assertTrue(held.toString(), held.size() >= 4 && held.stream().allMatch(t -> t.contains(": DEBUGGER (steps ")));
        List<String> claims = texts(d, "//*[@class='mark claim']/*[name()='title']");
        claims.remove("claim: legend");
        assertTrue(claims.toString(), !claims.isEmpty() && claims.size() % 4 == 0
                && claims.stream().allMatch(t -> t.contains("holder=DEBUGGER")));
        // kgdb's refused second break (EBUSY) is a refusal on the machine row.
        assertTrue(texts(d, "//*[@class='mark refusal']/*[name()='title']").stream()
                .anyMatch(t -> t.startsWith("refusal: kgdb:break: EBUSY")));
    }

    @Test
    public void hwbpTimelineOnSixtyFourCpusWithARefusal() throws Exception {
        Files.createDirectories(OUT);
        Path svg = OUT.resolve("sixty-four.svg");
        Files.deleteIfExists(svg);
        try (ShellProcess shell = new ShellProcess("hwbp.cpus=64")) {
            for (int i = 0; i < 4; i++) {
                assertEquals("bp " + (i + 1), shell.run("hwbp:register --cpu 5 0x"
                        + Long.toHexString(0xffffffff82a40000L + 8 * i) + " 8 w"));
            }
            String refused = shell.run("hwbp:register --cpu 5 0xffffffff82a41000 8 w");
            assertTrue(refused, refused.contains("ENOSPC"));
            assertEquals("ok", shell.run("kgdb:break"));
            assertEquals("ok", shell.run("kgdb:continue"));
            assertEquals(svg.toString(), shell.run("hwbp:timeline " + svg));
        }
        Document d = parse(svg);
        assertEquals(64, texts(d, "//*[@class='lane']").size());
        assertEquals(4, texts(d, "//*[@class='lane'][@data-cpu='5']/*[@class='slot']").size());
        assertEquals(64, texts(d, "//*[@class='lane']/*[@data-holder='DEBUGGER']").size());
        assertTrue(texts(d, "//*[@class='mark refusal']/*[name()='title']").stream()
                .anyMatch(t -> t.startsWith("refusal: hwbp:register --cpu 5 0xffffffff82a41000 8 w: ENOSPC")));
        int height = Integer.parseInt(d.getDocumentElement().getAttribute("height"));
        assertTrue("height " + height, height < 1700);
    }
}
