package dev.coldbrew.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.coldbrew.cli.UserException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code coldbrew logs} from the files of a data directory, as when the platform is not running:
 * the same lines the admin API prints, the notice once on standard error, {@code --timestamps},
 * {@code -f} following the files, and a service with no logs there named in the error.
 */
class LocalLogsTest {
  private static final String WHY = "the platform at http://127.0.0.1:1 is not running";

  @TempDir Path data;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  @BeforeEach
  void files() throws IOException {
    Path rev = Files.createDirectories(data.resolve("logs/default/hello-00001"));
    Files.writeString(rev.resolve(".service"), "hello");
    Files.writeString(
        rev.resolve("hello-00001-1a2b3.log"),
        "2026-12-06T20:01:02.123Z sys --- instance hello-00001-1a2b3 started"
            + " 2026-12-06T20:01:02Z ---\n"
            + "2026-12-06T20:01:02.456Z out echo app listening on 40001\n"
            + "2026-12-06T20:01:09.000Z sys --- instance hello-00001-1a2b3 started"
            + " 2026-12-06T20:01:09Z (restart 1) ---\n"
            + "2026-12-06T20:01:09.500Z out echo app listening on 40002\n");
    Path other = Files.createDirectories(data.resolve("logs/default/hello-world-00001"));
    Files.writeString(other.resolve(".service"), "hello-world");
    Files.writeString(
        other.resolve("hello-world-00001-ffff1.log"), "2026-12-06T20:01:02.123Z out not hello\n");
  }

  @Test
  void printsTheServicesFilesWithTheMarkersAndSaysOnceWhy() throws Exception {
    LocalLogs.print(pw(out), pw(err), data, WHY, request(-1, false, false));
    assertThat(out.toString())
        .isEqualTo(
            "[hello-00001-1a2b3] --- instance hello-00001-1a2b3 started 2026-12-06T20:01:02Z ---\n"
                + "[hello-00001-1a2b3] echo app listening on 40001\n"
                + "[hello-00001-1a2b3] --- instance hello-00001-1a2b3 started"
                + " 2026-12-06T20:01:09Z (restart 1) ---\n"
                + "[hello-00001-1a2b3] echo app listening on 40002\n");
    assertThat(err.toString())
        .isEqualTo(
            "coldbrew: " + WHY + "; these are the log files in " + data + " as last written.\n");
  }

  @Test
  void tailAndTimestamps() throws Exception {
    LocalLogs.print(pw(out), pw(err), data, WHY, request(1, false, true));
    assertThat(out.toString())
        .isEqualTo("[hello-00001-1a2b3] 2026-12-06T20:01:09.500Z echo app listening on 40002\n");
  }

  @Test
  void followPrintsLinesWrittenLaterUntilInterrupted() throws Exception {
    StringWriter followed = new StringWriter();
    PrintWriter w = pw(followed);
    AtomicReference<Throwable> failed = new AtomicReference<>();
    Thread t =
        new Thread(
            () -> {
              try {
                LocalLogs.print(w, pw(err), data, WHY, request(1, true, false));
              } catch (InterruptedException e) {
                // how a follow ends here
              } catch (Throwable e) {
                failed.set(e);
              }
            });
    t.start();
    try {
      await().atMost(Duration.ofSeconds(30)).until(() -> followed.toString().contains("40002"));
      Files.writeString(
          data.resolve("logs/default/hello-00001/hello-00001-1a2b3.log"),
          "2026-12-06T20:05:00.000Z out written later\n",
          StandardOpenOption.APPEND);
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> followed.toString().contains("[hello-00001-1a2b3] written later\n"));
    } finally {
      t.interrupt();
      t.join(30_000);
    }
    assertThat(t.isAlive()).isFalse();
    assertThat(failed.get()).isNull();
    assertThat(err.toString()).contains("followed: new lines appear when `coldbrew serve` runs");
  }

  @Test
  void aServiceOrRevisionWithNoFilesIsAnErrorNamingItAndTheDirectory() {
    assertThatThrownBy(() -> LocalLogs.print(pw(out), pw(err), data, WHY, request("nope", null)))
        .isInstanceOf(UserException.class)
        .hasMessage(
            WHY
                + ", and its data directory "
                + data
                + " holds no logs of service \"nope\" in namespace \"default\"");
    assertThatThrownBy(
            () -> LocalLogs.print(pw(out), pw(err), data, WHY, request("hello", "hello-00002")))
        .hasMessageEndingWith("holds no logs of revision \"hello-00002\" in namespace \"default\"");
    assertThat(out.toString()).isEmpty();
    assertThat(err.toString()).isEmpty();
  }

  @Test
  void tailZeroOfAServiceWithLogsPrintsNothingAndIsNoError() throws Exception {
    LocalLogs.print(pw(out), pw(err), data, WHY, request(0, false, false));
    assertThat(out.toString()).isEmpty();
    assertThat(err.toString()).contains("as last written");
  }

  private static LocalLogs.Request request(int tail, boolean follow, boolean timestamps) {
    return new LocalLogs.Request("default", "hello", null, tail, follow, timestamps);
  }

  private static LocalLogs.Request request(String service, String revision) {
    return new LocalLogs.Request("default", service, revision, -1, false, false);
  }

  private static PrintWriter pw(StringWriter w) {
    return new PrintWriter(w, true);
  }
}
