package dev.coldbrew.cli.commands;

import dev.coldbrew.api.validation.Names;
import dev.coldbrew.cli.AdminTokens;
import dev.coldbrew.cli.ApiClient;
import dev.coldbrew.cli.ApiException;
import dev.coldbrew.cli.ClientCommand;
import dev.coldbrew.cli.Main;
import dev.coldbrew.cli.UsageException;
import dev.coldbrew.cli.UserException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code coldbrew logs SERVICE}: the instances' stdout and stderr, like {@code kubectl logs}, from
 * the admin API; when nothing listens there (connection refused) and the platform's data directory
 * is on this machine, from its log files ({@link LocalLogs}, loaded only then). Not thread-safe:
 * one call per command.
 */
@Command(
    name = "logs",
    mixinStandardHelpOptions = true,
    description = {
      "Print the logs of a service's instances. Each run of an instance starts with a line"
          + " `--- instance ID started TIME (restart N) ---`.",
      "When the platform is not running, the log files of its data directory on this machine are"
          + " printed as last written (with a notice on standard error); -f then follows them."
    })
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

  @Option(
      names = "--timestamps",
      description =
          "Show the time the platform received each line, after its [instance] (RFC 3339, UTC,"
              + " milliseconds).")
  boolean timestamps;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description =
          "Where to read the log files when the platform is not running (default, for a"
              + " loopback server: the directory of the admin token the CLI finds, else"
              + " ./.coldbrew).")
  Path dataDir;

  @Override
  public Integer call() throws InterruptedException {
    if (tail < -1) {
      throw new UsageException("--tail: " + tail + " (expected: >= 0)");
    }
    checkName("SERVICE", service);
    checkName("--namespace", namespace);
    if (revision != null) {
      checkName("--revision", revision);
    }
    if (dataDir != null && !Files.isDirectory(dataDir)) {
      throw new UsageException(
          "--data-dir: \""
              + dataDir
              + "\" is not a directory (expected: the --data-dir of `coldbrew serve`)");
    }
    ApiClient client = client();
    String path =
        "/logs/namespaces/"
            + enc(namespace)
            + "/services/"
            + enc(service)
            + "?tail="
            + tail
            + "&follow="
            + follow
            + "&timestamps="
            + timestamps
            + (revision == null ? "" : "&revision=" + enc(revision));
    try {
      if (follow) {
        client.stream(
            path,
            line -> {
              out().println(line);
              out().flush();
            });
      } else {
        out().print(client.getText(path));
        out().flush();
      }
    } catch (ApiException e) {
      if (!ApiClient.CONNECTION_REFUSED.equals(e.reason())) {
        throw e;
      }
      Path dir = localDataDir(client);
      if (dir == null) {
        throw new UserException(
            e.getMessage()
                + "; to read the log files of a platform that is not running, give its data"
                + " directory: coldbrew logs "
                + service
                + " --data-dir DIR");
      }
      LocalLogs.print(
          out(),
          err(),
          dir,
          "the platform at " + client.server() + " is not running (connection refused)",
          new LocalLogs.Request(namespace, service, revision, tail, follow, timestamps));
    }
    return 0;
  }

  /** Where to read the files of the platform that is not running, or null if not known. */
  private Path localDataDir(ApiClient client) {
    if (dataDir != null) {
      return dataDir.toAbsolutePath();
    }
    return AdminTokens.dataDir(client.server(), Main.of(spec).tokenFile()).orElse(null);
  }

  private static void checkName(String what, String name) {
    if (!Names.isDns1123Subdomain(name)) {
      throw new UsageException(
          what
              + ": \""
              + name.replaceAll("\\p{Cntrl}", "?")
              + "\" (expected: "
              + Names.DNS1123_SUBDOMAIN_EXPECTED
              + ")");
    }
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
