package dev.coldbrew.cli.commands;

import dev.coldbrew.cli.UserException;
import dev.coldbrew.runtime.local.LogCursor;
import dev.coldbrew.runtime.local.LogLine;
import dev.coldbrew.runtime.local.LogStore;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code coldbrew logs} while the platform is not running: the instance log files of its data
 * directory, read with the runtime's own reader ({@link LogStore}: the same revisions of the
 * service, found by the {@code .service} file of each revision's log directory, the same tail
 * bound) and printed as the admin API prints them, after one notice on standard error. With {@code
 * -f} it then polls the files until interrupted: nothing writes them until {@code coldbrew serve}
 * runs again on the same data directory, whose new instances' lines then appear. {@link
 * LogsCommand} loads this class only when the admin API refuses the connection, so a call that
 * reaches the API loads no runtime class. Not thread-safe: one call per command.
 */
final class LocalLogs {
  /** How often {@code -f} reads the files again. */
  static final long FOLLOW_POLL_MILLIS = 250;

  /** What to print: the flags of {@code coldbrew logs}. */
  record Request(
      String namespace,
      String service,
      String revision,
      int tail,
      boolean follow,
      boolean timestamps) {}

  private LocalLogs() {}

  /**
   * Prints the logs of {@code r} from the files under {@code dataDir}; with {@code r.follow()},
   * keeps printing new lines until the thread is interrupted.
   *
   * @param why why the files are read rather than the admin API, for the notice
   * @throws UserException when the data directory holds no logs of the service
   */
  static void print(PrintWriter out, PrintWriter err, Path dataDir, String why, Request r)
      throws InterruptedException {
    LogStore store = new LogStore(dataDir);
    int lines = r.tail() < 0 ? Integer.MAX_VALUE : r.tail();
    LogCursor cursor = store.follow(r.namespace(), r.service(), r.revision(), lines);
    List<LogLine> first = cursor.poll();
    if (first.isEmpty() && store.tail(r.namespace(), r.service(), r.revision(), 1).isEmpty()) {
      throw new UserException(
          why
              + ", and its data directory "
              + dataDir
              + " holds no logs of "
              + (r.revision() == null
                  ? "service \"" + r.service() + "\""
                  : "revision \"" + r.revision() + "\"")
              + " in namespace \""
              + r.namespace()
              + "\"");
    }
    err.println(
        "coldbrew: "
            + why
            + "; these are the log files in "
            + dataDir
            + " as last written"
            + (r.follow()
                ? ", followed: new lines appear when `coldbrew serve` runs again on this data"
                    + " directory."
                : "."));
    err.flush();
    print(out, first, r.timestamps());
    while (r.follow()) {
      Thread.sleep(FOLLOW_POLL_MILLIS); // Ctrl-C ends the JVM; a test interrupts the thread
      print(out, cursor.poll(), r.timestamps());
    }
  }

  private static void print(PrintWriter out, List<LogLine> lines, boolean timestamps) {
    for (LogLine l : lines) {
      out.println(l.prefixed(timestamps));
    }
    out.flush();
  }
}
