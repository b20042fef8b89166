package dev.coldbrew.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class MainTest {
  private static List<String> named(String... args) {
    return Main.named(args).stream().map(s -> s.names().get(0)).toList();
  }

  @Test
  void findsTheCommandAndVerbPastRootOptions() {
    assertThat(named("service", "list")).containsExactly("service", "list");
    assertThat(named("kservice", "ls", "-A")).containsExactly("service", "list");
    assertThat(named("--server", "http://x:1", "ksvc", "create", "a"))
        .containsExactly("service", "create");
    assertThat(named("--token-file", "service", "rev", "list")).containsExactly("revision", "list");
    assertThat(named("get", "ksvc")).containsExactly("get");
    assertThat(named("autoscaler", "simulate")).containsExactly("autoscaler", "simulate");
    assertThat(named("service")).containsExactly("service");
    assertThat(named("service", "nope")).containsExactly("service");
  }

  @Test
  void helpCompletionAndUnknownWordsGetTheWholeTree() {
    assertThat(named()).isEmpty();
    assertThat(named("--help")).isEmpty();
    assertThat(named("help", "service")).isEmpty();
    assertThat(named("completion", "bash")).isEmpty();
    assertThat(named("servce", "list")).isEmpty();
    assertThat(named("--", "service")).isEmpty();
    CommandLine all = Main.commandLine();
    for (Main.Sub sub : Main.SUBCOMMANDS) {
      CommandLine c = all.getSubcommands().get(sub.names().get(0));
      assertThat(c).as(sub.names().get(0)).isNotNull();
      for (String alias : sub.names()) {
        assertThat(all.getSubcommands()).containsKey(alias);
      }
      for (Main.Sub verb : sub.verbs()) {
        assertThat(c.getSubcommands()).containsKey(verb.names().get(0));
      }
    }
  }

  @Test
  void aNamedCommandIsBuiltAlone() {
    CommandLine cl = Main.commandLine(new String[] {"service", "list"});
    assertThat(cl.getSubcommands().keySet())
        .containsExactlyInAnyOrder("service", "ksvc", "services", "kservice", "kservices");
    assertThat(cl.getSubcommands().get("service").getSubcommands().keySet())
        .containsExactlyInAnyOrder("list", "ls");
  }

  @Test
  void usageErrorsSayErrorAndWhereTheUsageIs() {
    String[] args = {"service", "lst"};
    CommandLine cl = Main.commandLine(args);
    StringWriter err = new StringWriter();
    cl.setErr(new PrintWriter(err));
    assertThat(cl.execute(args)).isEqualTo(2);
    assertThat(err.toString())
        .startsWith("Error: Unmatched argument at index 1: 'lst'")
        .contains("Run 'coldbrew service --help' for usage.");
  }
}
