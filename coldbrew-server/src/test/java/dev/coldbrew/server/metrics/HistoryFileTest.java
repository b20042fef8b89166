package dev.coldbrew.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.model.SksMode;
import dev.coldbrew.controller.AutoscalerObserver.Decision;
import dev.coldbrew.server.TestClock;
import dev.coldbrew.server.events.EventLog;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

// the tests open a HistoryFile for its effect on the telemetry (it restores and writes), not to
// call it
@SuppressWarnings("try")
class HistoryFileTest {
  static final NamespacedName A = new NamespacedName("default", "a-00001");
  static final NamespacedName B = new NamespacedName("other", "b-00002");
  static final long T0 = 1_700_000_000_000L;
  static final Duration NEVER = Duration.ofHours(1); // no periodic write during a test

  @TempDir Path dir;
  final TestClock clock = new TestClock(T0);
  final List<Telemetry> telemetries = new ArrayList<>();
  final ListAppender<ILoggingEvent> logged = new ListAppender<>();
  final Logger logger = (Logger) LoggerFactory.getLogger(HistoryFile.class);

  @BeforeEach
  void listen() {
    logged.start();
    logger.addAppender(logged);
  }

  @AfterEach
  void close() {
    logger.detachAppender(logged);
    telemetries.forEach(Telemetry::close);
  }

  Telemetry telemetry() {
    Telemetry t =
        new Telemetry(new EventLog(clock, Duration.ofHours(1), 10), clock, r -> Map.of(), r -> 0);
    telemetries.add(t);
    return t;
  }

  static Decision decision(int desired, int ready, double concurrency) {
    return new Decision(
        desired, ready, desired, false, concurrency, concurrency, 10, 0, SksMode.SERVE);
  }

  List<String> warnings() {
    return logged.list.stream()
        .filter(e -> e.getLevel() == Level.WARN)
        .map(ILoggingEvent::getFormattedMessage)
        .toList();
  }

  HistoryFile open(Telemetry t) {
    return HistoryFile.open(dir, t, clock, NEVER, HistoryFile.MAX_BYTES);
  }

  /** Two revisions sampled 3 times, a minute ago; returns their histories. */
  Map<NamespacedName, List<RevisionMeters.Sample>> sampledBeforeARestart() {
    Telemetry before = telemetry();
    try (HistoryFile f = open(before)) {
      before.decided(A, decision(1, 0, 0.25));
      before.revisionAdded(A).requestDone(200, 1, false);
      before.revisionAdded(B).coldStart(1_000_000);
      before.sample();
      clock.advance(2000);
      before.decided(A, decision(3, 2, 12.5));
      before.sample();
      clock.advance(2000);
      before.sample();
    }
    clock.advance(60_000);
    return before.histories();
  }

  @Test
  void historyComesBackAfterARestartAndGoesInFrontOfTheNewSamples() throws Exception {
    Map<NamespacedName, List<RevisionMeters.Sample>> kept = sampledBeforeARestart();
    assertThat(kept.get(A)).hasSize(3);
    assertThat(kept.get(A).get(1).stableConcurrency()).isEqualTo(12.5);
    assertThat(kept.get(B).get(0).coldStarts()).isEqualTo(1);

    Telemetry after = telemetry();
    try (HistoryFile f = open(after)) {
      // restored before the revisions are seen again: kept for them, written again
      assertThat(after.revisions()).isEmpty();
      assertThat(after.histories()).isEqualTo(kept);
      after.decided(A, decision(1, 1, 0.5)); // A is seen again: its meters start with the past
      assertThat(after.revisions().get(A).history()).isEqualTo(kept.get(A));
      after.sample();
      List<RevisionMeters.Sample> a = after.revisions().get(A).history();
      assertThat(a).hasSize(4);
      assertThat(a.subList(0, 3)).isEqualTo(kept.get(A));
      assertThat(a.get(3).timeMillis()).isEqualTo(clock.millis());
      assertThat(a.get(3).readyInstances()).isEqualTo(1);
    }
    // B was never seen after the restart; its history is still written, until it is too old
    Telemetry third = telemetry();
    try (HistoryFile f = open(third)) {
      assertThat(third.histories().get(B)).isEqualTo(kept.get(B));
      assertThat(third.histories().get(A)).hasSize(4);
    }
    assertThat(warnings()).isEmpty();
  }

  @Test
  void samplesOlderThanTheHistoryAreNotRestoredNorKept() throws Exception {
    sampledBeforeARestart();
    clock.set(
        T0 + 4000 + RevisionMeters.HISTORY.toMillis()); // only the last sample is recent enough
    Telemetry after = telemetry();
    try (HistoryFile f = open(after)) {
      assertThat(after.histories().get(A))
          .extracting(RevisionMeters.Sample::timeMillis)
          .containsExactly(T0 + 4000);
      after.decided(A, decision(1, 1, 0.5)); // A is seen again, B never (deleted while down)
      clock.advance(1);
      after.sample(); // B's history is dropped once it is too old
      assertThat(after.histories()).containsOnlyKeys(A);
    }
    assertThat(Files.readString(dir.resolve(HistoryFile.NAME)))
        .contains("a-00001")
        .doesNotContain("b-00002");
  }

  @Test
  void theFileIsWrittenWhileRunningNotOnlyAtTheStop() throws Exception {
    Telemetry t = telemetry();
    t.decided(A, decision(1, 1, 1));
    t.sample();
    try (HistoryFile f = HistoryFile.open(dir, t, clock, Duration.ofMillis(20), 1 << 20)) {
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> Files.exists(dir.resolve(HistoryFile.NAME)));
      assertThat(HistoryFile.read(dir.resolve(HistoryFile.NAME), clock.millis(), 1 << 20))
          .isEqualTo(t.histories());
    }
  }

  @Test
  void theFileStaysWithinItsSizeCapAndALargerOneIsNotRead() throws Exception {
    Telemetry t = telemetry();
    for (int i = 0; i < 100; i++) {
      t.decided(
          new NamespacedName("default", String.format("svc-%05d-00001", i)), decision(1, 1, 1));
    }
    for (int i = 0; i < 10; i++) {
      t.sample();
      clock.advance(2000);
    }
    ByteArrayOutputStream one = new ByteArrayOutputStream();
    NamespacedName first = new NamespacedName("default", "svc-00000-00001");
    HistoryFile.line(one, first, t.revisions().get(first).history());
    long cap = one.size() * 30L; // room for about 30 of the 100
    Path file = dir.resolve(HistoryFile.NAME);
    try (HistoryFile f = HistoryFile.open(dir, t, clock, NEVER, cap)) {
      // written at the stop
    }
    assertThat(Files.size(file)).isLessThanOrEqualTo(cap).isGreaterThan(cap / 2);
    assertThat(HistoryFile.read(file, clock.millis(), cap)).hasSize(30);
    assertThat(warnings()).singleElement().asString().contains("70 revisions", "at most " + cap);

    logged.list.clear();
    assertThat(HistoryFile.read(file, clock.millis(), cap / 2)).isEmpty();
    assertThat(warnings()).singleElement().asString().contains("more than the " + cap / 2);
  }

  @Test
  void linesThatAreNotAWholeHistoryAreSkippedWithOneWarning() throws Exception {
    long t = T0 - 10_000;
    String good = good("default", "good-00001", t);
    String truncated = good("default", "cut-00001", t);
    Files.write(
        dir.resolve(HistoryFile.NAME),
        String.join(
                "\n",
                "garbage",
                "",
                good,
                "[1,2]",
                "{\"namespace\":\"default\"}",
                truncated.substring(0, truncated.length() / 2))
            .getBytes(StandardCharsets.UTF_8));
    Telemetry after = telemetry();
    try (HistoryFile f = open(after)) {
      assertThat(after.histories()).containsOnlyKeys(new NamespacedName("default", "good-00001"));
      assertThat(after.histories().values().iterator().next())
          .containsExactly(
              new RevisionMeters.Sample(t, 1.5, 2, 1, 0.5, 0),
              new RevisionMeters.Sample(t + 2000, 2.5, 3, 2, 4.0, 1));
    }
    assertThat(warnings()).singleElement().asString().contains("skipped 4 of 5 lines");
    // the rewrite at the stop kept the good line only
    assertThat(Files.readAllLines(dir.resolve(HistoryFile.NAME)))
        .singleElement()
        .asString()
        .contains("good-00001");
  }

  /** A whole line with two samples at {@code t} and 2 s later. */
  static String good(String namespace, String revision, long t) {
    return "{\"namespace\":\""
        + namespace
        + "\",\"revision\":\""
        + revision
        + "\",\"t\":["
        + t
        + ","
        + (t + 2000)
        + "],\"concurrency\":[1.5,2.5],\"desired\":[2,3],\"actual\":[1,2],"
        + "\"rps\":[0.5,4],\"coldStarts\":[0,1]}";
  }

  @Test
  void hostileValuesAreNotRestored() throws Exception {
    long t = T0 - 10_000;
    String ok = good("default", "x-00001", t);
    assertThat(HistoryFile.parse(ok, T0)).isNotNull();
    StringBuilder times = new StringBuilder("[");
    for (int i = 0; i <= HistoryFile.MAX_SAMPLES; i++) {
      times.append(i == 0 ? "" : ",").append(t + i);
    }
    String manyTimes = times.append(']').toString();
    String many = "[" + "0,".repeat(HistoryFile.MAX_SAMPLES) + "0]";
    List<String> hostile =
        List.of(
            ok.replace("\"default\"", "\"\""), // empty namespace
            ok.replace("\"default\"", "\"" + "n".repeat(254) + "\""), // name too long
            ok.replace("\"x-00001\"", "7"), // a number for a name
            ok.replace("\"x-00001\"", "null"),
            ok.replace("[1.5,2.5]", "[1.5]"), // series of different lengths
            ok.replace("[1.5,2.5]", "\"1.5,2.5\""), // not an array
            ok.replace("[1.5,2.5]", "[1.5,NaN]"), // not JSON
            ok.replace("[1.5,2.5]", "[1.5,1e999]"), // infinite
            ok.replace("[1.5,2.5]", "[1.5,-2.5]"), // negative
            ok.replace("[1.5,2.5]", "[1.5,1e10]"), // out of range
            ok.replace("[1.5,2.5]", "[1.5,\"2\"]"), // a string for a number
            ok.replace("[2,3]", "[2,-1]"), // the autoscaler's "no decision" as a count
            ok.replace("[2,3]", "[2,3.5]"), // a fraction of an instance
            ok.replace("[1,2]", "[1,4294967296]"), // beyond an int
            ok.replace("[0,1]", "[0,99999999999999999999999]"),
            ok.replace("[0,1]", "[0,null]"),
            ok.replace("\"t\":[" + t + "," + (t + 2000), "\"t\":[" + t + "," + t), // not increasing
            ok.replace("\"t\":[" + t, "\"t\":[" + (t + 5000)), // going back
            ok.replace("\"t\":[" + t + "," + (t + 2000), "\"t\":[" + t + "," + (T0 + 3_600_000)),
            ok.replace("\"t\":[" + t, "\"t\":[" + t + ".5"), // a fraction of a millisecond
            ok.replace("\"t\":[", "\"t\":\"").replace("],\"conc", "\",\"conc"),
            "{\"namespace\":\"default\",\"revision\":\"x\",\"t\":"
                + manyTimes
                + ",\"concurrency\":"
                + many
                + ",\"desired\":"
                + many
                + ",\"actual\":"
                + many
                + ",\"rps\":"
                + many
                + ",\"coldStarts\":"
                + many
                + "}", // more samples than the platform keeps
            "null",
            "\"text\"",
            "{" + ok);
    for (String line : hostile) {
      assertThat(HistoryFile.parse(line, T0)).as(line).isNull();
    }
    // read from a file, with a duplicate revision and bytes that are not UTF-8
    byte[] notUtf8 = {'{', (byte) 0xC3, (byte) 0x28, (byte) 0xFF, '}', '\n'};
    ByteArrayOutputStream file = new ByteArrayOutputStream();
    file.write(notUtf8);
    for (String line : hostile) {
      file.write((line + "\n").getBytes(StandardCharsets.UTF_8));
    }
    file.write((ok + "\n" + ok + "\n").getBytes(StandardCharsets.UTF_8));
    Files.write(dir.resolve(HistoryFile.NAME), file.toByteArray());
    var read = HistoryFile.read(dir.resolve(HistoryFile.NAME), T0, HistoryFile.MAX_BYTES);
    assertThat(read).containsOnlyKeys(new NamespacedName("default", "x-00001"));
    assertThat(warnings())
        .singleElement()
        .asString()
        .contains("skipped " + (hostile.size() + 2) + " of " + (hostile.size() + 3) + " lines");
  }
}
