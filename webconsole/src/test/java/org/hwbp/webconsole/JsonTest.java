package org.hwbp.webconsole;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class JsonTest {

    @Test
    void commasNestingAndNull() {
        String s = new Json().object().field("a", 1).name("b").array().value("x").value(true).object()
                .field("n", (String) null).endObject().endArray().field("c", false).endObject().toString();
        assertThat(s).isEqualTo("{\"a\":1,\"b\":[\"x\",true,{\"n\":null}],\"c\":false}");
    }

    @Test
    void stringsAreEscapedAndNeverCloseAScriptTag() {
        String s = new Json().object().field("m", "say \"hi\"\\\n\t</script>\u0001").endObject().toString();
        assertThat(s).isEqualTo("{\"m\":\"say \\\"hi\\\"\\\\\\n\\t\\u003c/script>\\u0001\"}");
    }
}
