package org.hwbp.timeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

class TimelineSvgTest {

    /** The story of the demo in miniature, recorded from the scripted service: lanes, claim, refusal. */
    private static Timeline story(int cpus, int idleSteps) {
        ScriptedRuntime rt = new ScriptedRuntime(cpus);
        TimelineRecorder rec = new TimelineRecorder(() -> rt, "story <&>", 10_000);
        rec.sample("start", null);
        rt.slot(1, 0, "org.hwbp.ptrace-client", 1);
        rec.sample("ptrace:poke 1 dr7 0x000d0101", null);
        for (int i = 0; i < idleSteps; i++) {
            rec.sample("hwbp:used", null);
        }
        rt.event("claim cpus=0-" + (cpus - 1) + " holder=DEBUGGER bundle=org.hwbp.kgdb-client");
        rt.event("preempt bp 1 (org.hwbp.ptrace-client) reason=DEBUGGER_CLAIM cpu 1");
        for (int c = 0; c < cpus; c++) {
            rt.holders[c] = "DEBUGGER";
        }
        rt.slot(1, 0, null, 0);
        rec.sample("kgdb:break", null);
        rt.refusals = 1;
        rec.sample("hwbp:register --cpu 0 0x1000 4 w", "ENOSPC: no free slot on CPU 0 (held by \"x\" & y)");
        return rec.timeline();
    }

    private static Document parse(String svg) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    }

    private static NodeList select(Document d, String xpath) throws Exception {
        return (NodeList) XPathFactory.newInstance().newXPath().evaluate(xpath, d, XPathConstants.NODESET);
    }

    @Test
    void fourCpusAWellFormedPictureWithLanesHoldersSlotsAndMarks() throws Exception {
        Document d = parse(TimelineSvg.render(story(4, 0)));
        assertThat(d.getDocumentElement().getTagName()).isEqualTo("svg");
        assertThat(select(d, "//*[@class='lane']").getLength()).isEqualTo(4);
        // Each lane: HOST for the first two steps, DEBUGGER for the last two.
        NodeList debugger = select(d, "//*[@class='lane'][@data-cpu='2']/*[@data-holder='DEBUGGER']/*[name()='title']");
        assertThat(debugger.getLength()).isEqualTo(1);
        assertThat(debugger.item(0).getTextContent()).isEqualTo("CPU 2: DEBUGGER (steps 3-4)");
        NodeList slot = select(d, "//*[@class='lane'][@data-cpu='1']/*[@class='slot']/*[name()='title']");
        assertThat(slot.getLength()).isEqualTo(1);
        assertThat(slot.item(0).getTextContent()).isEqualTo("CPU 1 DR0: ptrace-client bp 1 (steps 2-2)");
        assertThat(select(d, "//*[@class='mark claim']").getLength()).isEqualTo(4 + 1); // + legend
        assertThat(select(d, "//*[@class='mark preempt']").getLength()).isEqualTo(1 + 1);
        NodeList refusal = select(d, "//*[@class='mark refusal']/*[name()='title']");
        assertThat(refusal.item(0).getTextContent())
                .isEqualTo("refusal: hwbp:register --cpu 0 0x1000 4 w: ENOSPC: no free slot on CPU 0 (held by \"x\" & y)");
        assertThat(select(d, "//*[@class='step']").getLength()).isEqualTo(4);
        assertThat(d.getDocumentElement().getTextContent()).contains("story <&> \u2014 4 steps, 4 CPUs");
    }

    @Test
    void sixtyFourCpusStillFitOnAScreenAndRunsAreMerged() throws Exception {
        Timeline t = story(64, 300);
        String svg = TimelineSvg.render(t);
        Document d = parse(svg);
        Element root = d.getDocumentElement();
        int height = Integer.parseInt(root.getAttribute("height"));
        int width = Integer.parseInt(root.getAttribute("width"));
        assertThat(height).isBetween(64 * 18, 1700); // lanes of 18 px + 1 px gap, labels, legend
        assertThat(width).isLessThanOrEqualTo(1500); // columns of 4 px for 304 steps
        assertThat(select(d, "//*[@class='lane']").getLength()).isEqualTo(64);
        // Two holder runs per lane (HOST then DEBUGGER) whatever the number of steps.
        assertThat(select(d, "//*[@class='lane']/*[@data-holder]").getLength()).isEqualTo(64 * 2);
        assertThat(select(d, "//*[@class='slot']").getLength()).isEqualTo(1);
        assertThat(select(d, "//*[@class='mark claim']").getLength()).isEqualTo(64 + 1);
        // Labels thinned out so that they do not overlap: about one per 11 pixels.
        int labels = select(d, "//*[@class='step']").getLength();
        assertThat(labels).isLessThan(t.steps().size()).isGreaterThan(t.steps().size() / 4);
    }

    @Test
    void anEmptyTimelineIsAValidPicture() throws Exception {
        Document d = parse(TimelineSvg.render(new Timeline("empty", List.of(), 0)));
        assertThat(select(d, "//*[@class='lane']").getLength()).isZero();
    }

    @Test
    void aStepWithoutLanesLeavesAGapAndTheCpuCountIsTheLargestSeen() throws Exception {
        List<Step> steps = new ArrayList<>();
        steps.add(new Step("before", List.of(new Lane(0, "HOST", "HOST", List.of())), List.of()));
        steps.add(new Step("core stopped", List.of(), List.of()));
        steps.add(new Step("8 CPUs now", List.of(new Lane(0, "HOST", "HOST", List.of()),
                new Lane(1, "GUEST", "GUEST 1/0", List.of())), List.of()));
        Document d = parse(TimelineSvg.render(new Timeline("gaps", steps, 5)));
        assertThat(select(d, "//*[@class='lane']").getLength()).isEqualTo(2);
        assertThat(select(d, "//*[@class='lane'][@data-cpu='0']/*[@data-holder]").getLength()).isEqualTo(2);
        assertThat(d.getDocumentElement().getTextContent()).contains("(5 earlier steps dropped)");
    }
}
