package org.hwbp.oracle;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scenario-to-syscall mapping of the guest program, compiled with gcc and run natively on this machine's kernel
 * (root, hardware breakpoints through perf_event_open: these machines have them), no boot: each command's answer is
 * what the real syscalls gave, in the words the comparison expects.
 */
class GuestProgramTest {

    @Test
    void eachMappedCommandAnswersWithWhatItsSyscallsGave(@TempDir Path tmp) throws Exception {
        Path scenario = tmp.resolve("mapping.hwbp");
        Files.write(scenario, List.of(
                "# the guest program's mapping, one command kind after another",
                "sim:task a => /^task 1$/",
                "sim:switch 0 1",
                "hwbp:register --task 1 --user 0x601000 4 w",
                "hwbp:register --cpu 0 0x601000 3 w",
                "sim:access 0 0x601002 2 w",
                "sim:access 0 0x601004 4 w",
                "sim:access --kernel 0 0x601000 1 w",
                "sim:access --value 7 0 0x601002 2 w",
                "hwbp:modify 1 --type rw",
                "sim:access 0 0x601000 1 r",
                "hwbp:unregister 1",
                "hwbp:unregister 1",
                "ptrace:attach 1",
                "ptrace:poke 1 dr0 0x601040",
                "ptrace:poke 1 dr7 0x000d0101",
                "ptrace:peek 1 dr7",
                "sim:access 0 0x601042 2 w",
                "ptrace:wait 1",
                "ptrace:cont 1",
                "ptrace:wait 1",
                "sim:access 0 0x401000 1 x",
                "hwbp:wide 0x602000 8 rw",
                "hwbp:used",
                "hwbp:unregister 2",
                "sim:exit 1",
                "hwbp:used",
                "ptrace:peek 1 dr7",
                "kgdb:break"));
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        LinuxRunner linux = new LinuxRunner(Path.of("..").toAbsolutePath().normalize(), tmp.resolve("cache"), quiet);
        LinuxOutput out = LinuxOutput.parse(linux.runNative(List.of(scenario)));
        assertThat(out.done).isTrue();
        assertThat(out.prechecks.get("mapping.hwbp")).startsWith("all slots free");
        assertThat(out.files.get("mapping.hwbp")).extracting(a -> a.line() + " " + a.status() + " " + a.text())
                .containsExactly(
                        "2 OK task 1",
                        "3 OK ok",
                        "4 OK bp 1",
                        "5 ERRNO error: EINVAL",
                        "6 OK #DB | perf bp 1 +1 0x601000/4/w",
                        "7 OK no trap",
                        "8 UNSUP unsupported",
                        "9 OK #DB | perf bp 1 +1 0x601000/4/w",
                        "10 OK bp 1",
                        "11 OK #DB | perf bp 1 +1 0x601000/4/rw",
                        "12 OK ok",
                        "13 ERRNO error: ENOENT",
                        "14 OK ok",
                        "15 OK 0",
                        "16 OK 0",
                        "17 OK 0xd0101",
                        "18 OK #DB | ptrace task 1 SIGTRAP dr6=0xffff0ff1 dr7=0xd0101 dr0=0x601040 dr1=0x0 dr2=0x0 dr3=0x0",
                        "19 OK SIGTRAP dr6=0xffff0ff1",
                        "20 OK ok",
                        "21 OK running",
                        "22 OK no trap",
                        "23 OK wide 2",
                        "24 OK true",
                        "25 OK ok",
                        "26 OK ok",
                        "27 OK false",
                        "28 ERRNO error: ESRCH",
                        "29 UNSUP unsupported");
    }
}
