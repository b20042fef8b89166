package dev.coldbrew.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The CLI's two error paths, in-process and without a server: a wrong command line exits 2 with
 * {@code Error: } and a pointer to the command's help; any other user error exits 1 with {@code
 * Error: }; neither prints a stack trace or anything on standard output.
 */
class ErrorExitTest {
  private static final String RES = "src/test/resources/autoscaler/";
  private static final String SAMPLES = "../samples/autoscaler/";

  private record Run(int code, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = Main.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  private static void assertUsageError(Run r, String command, String message) {
    assertThat(r.code()).as(r.err()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.err())
        .startsWith("Error: " + message)
        .endsWith("Run '" + command + " --help' for usage.\n")
        .doesNotContain("\tat ")
        .doesNotContain("Usage:");
  }

  private static void assertUserError(Run r, String message) {
    assertThat(r.code()).as(r.err()).isEqualTo(1);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).startsWith("Error: " + message).doesNotContain("\tat ");
  }

  @Test
  void picocliParseErrorsAreUsageErrors() {
    assertUsageError(
        run("service", "list", "--no-such-flag"),
        "coldbrew service list",
        "Unknown option: '--no-such-flag'");
    assertUsageError(
        run("autoscaler", "decide"),
        "coldbrew autoscaler decide",
        "Missing required option: '--filename=FILE'");
    assertUsageError(
        run("logs", "hello", "--tail", "many"),
        "coldbrew logs",
        "Invalid value for option '--tail': 'many' is not an int");
  }

  @Test
  void aMistypedSubcommandGetsSuggestions() {
    Run r = run("servce");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err())
        .startsWith("Error: Unmatched argument at index 0: 'servce'\n")
        .contains("service")
        .endsWith("Run 'coldbrew --help' for usage.\n");
  }

  @Test
  void badFlagAndArgumentValuesFoundByCommandsAreUsageErrors() {
    assertUsageError(
        run("completion", "fish"),
        "coldbrew completion",
        "SHELL: \"fish\" (expected: bash or zsh)\n");
    assertUsageError(
        run("get", "widgets"), "coldbrew get", "KIND: \"widgets\" (expected: services|ksvc");
    assertUsageError(
        run("serve", "--http-port", "70000"),
        "coldbrew serve",
        "--http-port: 70000 (expected: 0..65535)\n");
    assertUsageError(
        run("logs", "hello", "--tail", "-2"), "coldbrew logs", "--tail: -2 (expected: >= 0)\n");
    assertUsageError(
        run("logs", "hello", "--tail", "-5"), "coldbrew logs", "--tail: -5 (expected: >= 0)\n");
    String name =
        "(expected: a lowercase DNS-1123 name: letters, digits, '-' and '.', at most 253)\n";
    assertUsageError(run("logs", "../etc"), "coldbrew logs", "SERVICE: \"../etc\" " + name);
    assertUsageError(run("logs", "Hello"), "coldbrew logs", "SERVICE: \"Hello\" " + name);
    assertUsageError(run("logs", "a\u001b[2Jb"), "coldbrew logs", "SERVICE: \"a?[2Jb\" " + name);
    assertUsageError(
        run("logs", "x".repeat(254)), "coldbrew logs", "SERVICE: \"" + "x".repeat(254) + "\" ");
    assertUsageError(
        run("logs", "hello", "--revision", "../../x"),
        "coldbrew logs",
        "--revision: \"../../x\" " + name);
    assertUsageError(
        run("logs", "hello", "-n", "a/b"), "coldbrew logs", "--namespace: \"a/b\" " + name);
    assertUsageError(
        run("logs", "hello", "--data-dir", "/no/such/dir"),
        "coldbrew logs",
        "--data-dir: \"/no/such/dir\" is not a directory (expected: the --data-dir of `coldbrew"
            + " serve`)\n");
    assertUsageError(
        run("service", "list", "--server", "ftp://x"),
        "coldbrew service list",
        "--server: \"ftp://x\" (expected: a URL such as http://127.0.0.1:8081)\n");
    assertUsageError(
        run("autoscaler", "decide", "-f", RES + "worked-example.yaml", "-o", "xml"),
        "coldbrew autoscaler decide",
        "--output: \"xml\" (expected: table or json)\n");
    Run r =
        run(
            "autoscaler",
            "simulate",
            "-f",
            SAMPLES + "burst.csv",
            "--annotation",
            "window=5s",
            "--container-concurrency",
            "2000");
    assertUsageError(r, "coldbrew autoscaler simulate", "invalid flags:\n");
    assertThat(r.err())
        .contains("--container-concurrency: 2000 (expected: 0..1000)")
        .contains("autoscaling.knative.dev/window: \"5s\" (expected: 6s..1h)");
  }

  @Test
  void errorsInFilesAreUserErrors(@TempDir Path dir) throws Exception {
    Path missing = dir.resolve("no-such.yaml");
    assertUserError(
        run("autoscaler", "decide", "-f", missing.toString()), "-f: no such file: " + missing);
    Run r = run("autoscaler", "decide", "-f", RES + "bad-scenario.yaml");
    assertUserError(r, RES + "bad-scenario.yaml: invalid scenario:\n  ");
    assertThat(r.err()).contains("decider.targetValue: 0 (expected: >= 0.01)");

    Path badConfig = dir.resolve("coldbrew.yaml");
    Files.writeString(badConfig, "autoscaler:\n  colour: blue\n");
    r =
        run(
            "autoscaler",
            "simulate",
            "-f",
            SAMPLES + "burst.csv",
            "--config",
            badConfig.toString());
    assertUserError(r, "invalid input\n  ");
    assertThat(r.err()).contains("autoscaler.colour").contains(badConfig.toString());

    Path badTrace = dir.resolve("trace.csv");
    Files.writeString(badTrace, "second,concurrency\n0,1\nnot,numbers\n");
    r = run("autoscaler", "simulate", "-f", badTrace.toString());
    assertUserError(r, "invalid trace:\n  " + badTrace + ":");
  }
}
