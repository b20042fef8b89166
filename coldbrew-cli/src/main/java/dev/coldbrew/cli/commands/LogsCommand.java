package dev.coldbrew.cli.commands;

import dev.coldbrew.cli.ClientCommand;
import dev.coldbrew.cli.UsageException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code coldbrew logs SERVICE}: the instances' stdout and stderr, like {@code kubectl logs}. */
@Command(
    name = "logs",
    mixinStandardHelpOptions = true,
    description = "Print the logs of a service's instances.")
public class LogsCommand extends ClientCommand {
  @Parameters(index = "0", paramLabel = "SERVICE")
  String service;

  @Option(
      names = "--revision",
      paramLabel = "REVISION",
      description = "Only this revision (default: every revision of the service).")
  String revision;

  @Option(
      names = {"-f", "--follow"},
      description = "Keep printing new lines as they are written.")
  boolean follow;

  @Option(
      names = "--tail",
      paramLabel = "N",
      defaultValue = "-1",
      description =
          "Only the last N lines of each instance (default: all, up to the newest 4 MiB of text).")
  int tail;

  @Override
  public Integer call() {
    if (tail < -1) {
      throw new UsageException("--tail: " + tail + " (expected: >= 0)");
    }
    String path =
        "/logs/namespaces/"
            + enc(namespace)
            + "/services/"
            + enc(service)
            + "?tail="
            + tail
            + "&follow="
            + follow
            + (revision == null ? "" : "&revision=" + enc(revision));
    if (follow) {
      client().stream(
          path,
          line -> {
            out().println(line);
            out().flush();
          });
    } else {
      out().print(client().getText(path));
      out().flush();
    }
    return 0;
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
