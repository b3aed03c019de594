package org.hwbp.api.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PropertiesFileTest {

    @Test
    void textAndFilesKeepEveryValueInUtf8(@TempDir Path dir) throws Exception {
        Properties p = new Properties();
        p.setProperty("format", "1");
        p.setProperty("last_stop", "SIGTRAP dr6=0xffff0ff1 \u00e9");
        String text = PropertiesFile.write(p, "test state");
        assertThat(text).startsWith("#test state");
        assertThat(PropertiesFile.read(text)).isEqualTo(p);

        Path file = dir.resolve("state.properties");
        assertThat(PropertiesFile.load(file)).isNull();
        PropertiesFile.save(file, p, "test state");
        assertThat(Files.readString(file)).contains("format=1");
        assertThat(PropertiesFile.load(file)).isEqualTo(p);
    }

    @Test
    void aMissingKeyIsNamed() {
        Properties p = new Properties();
        p.setProperty("tasks", "");
        assertThat(PropertiesFile.required(p, "tasks")).isEmpty();
        assertThatThrownBy(() -> PropertiesFile.required(p, "next_vm")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("missing next_vm");
    }
}
