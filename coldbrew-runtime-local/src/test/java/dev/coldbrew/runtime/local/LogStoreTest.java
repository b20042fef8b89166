package dev.coldbrew.runtime.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogStoreTest {
  @TempDir Path data;

  @Test
  void tailGivesTheLastLinesOfEachInstanceOfEveryRevisionOfTheService() throws IOException {
    LogStore store = new LogStore(data);
    store.markService("default", "svc-00001", "svc");
    store.markService("default", "svc-00002", "svc");
    store.markService("default", "other-00001", "other");
    write("svc-00001", "svc-00001-a.log", "a1\na2\na3\na4\n", 1000);
    write("svc-00001", "svc-00001-b.log", "b1\n", 2000);
    write("svc-00002", "svc-00002-c.log", "c1\nc2\nc3", 3000); // last line not ended yet
    write("other-00001", "other-00001-d.log", "d1\n", 1500);

    assertThat(store.tail("default", "svc", null, 2))
        .extracting(LogLine::prefixed)
        .containsExactly(
            "[svc-00001-a] a3",
            "[svc-00001-a] a4",
            "[svc-00001-b] b1",
            "[svc-00002-c] c2",
            "[svc-00002-c] c3");
    assertThat(store.tail("default", null, "svc-00002", 1))
        .containsExactly(new LogLine("svc-00002", "svc-00002-c", "c3"));
    assertThat(store.tail("default", "svc", null, 0)).isEmpty();
    assertThat(store.tail("default", "nope", null, 5)).isEmpty();
  }

  @Test
  void tailContinuesIntoTheRotatedFile() throws IOException {
    LogStore store = new LogStore(data);
    write("r-00001", "r-00001-a.log.1", "1\n2\n3\n4\n5\n", 1000);
    write("r-00001", "r-00001-a.log", "6\n7\n", 1000);
    assertThat(store.tail("default", null, "r-00001", 4))
        .extracting(LogLine::text)
        .containsExactly("4", "5", "6", "7");
  }

  @Test
  void tailOfALargeFileReadsItsEnd() throws IOException {
    LogStore store = new LogStore(data);
    String big =
        IntStream.range(0, 20_000).mapToObj(i -> "line " + i).collect(Collectors.joining("\r\n"));
    write("r-00001", "r-00001-a.log", big + "\r\n", 1000);
    assertThat(store.tail("default", null, "r-00001", 3))
        .extracting(LogLine::text)
        .containsExactly("line 19997", "line 19998", "line 19999");
  }

  @Test
  void aTailWithoutALineCountReadsAtMostTheBoundNewestInstancesFirst() throws IOException {
    LogStore store = new LogStore(data);
    store.markService("default", "big-00001", "big");
    String line = "x".repeat(99) + "\n"; // 100 bytes
    int perFile = 30_000; // 3 MB per instance, 9 MB in all
    for (String id : new String[] {"a", "b", "c"}) {
      StringBuilder sb = new StringBuilder(perFile * 100);
      for (int i = 0; i < perFile - 1; i++) {
        sb.append(line);
      }
      sb.append("last of ").append(id).append('\n');
      write("big-00001", "big-00001-" + id + ".log", sb.toString(), id.charAt(0) * 1000L);
    }
    for (var lines :
        java.util.List.of(
            store.tail("default", "big", null, Integer.MAX_VALUE),
            store.follow("default", "big", null, Integer.MAX_VALUE).poll())) {
      long bytes = lines.stream().mapToLong(l -> l.text().length() + 1).sum();
      assertThat(bytes).isLessThanOrEqualTo(LogStore.MAX_TAIL_BYTES).isGreaterThan(3_000_000);
      assertThat(lines)
          .extracting(LogLine::text)
          .contains("last of c", "last of b")
          .doesNotContain("last of a");
      assertThat(lines.get(lines.size() - 1).text()).isEqualTo("last of c"); // oldest first
    }
  }

  @Test
  void cursorFollowsNewLinesNewInstancesAndRotation() throws IOException {
    LogStore store = new LogStore(data);
    store.markService("default", "svc-00001", "svc");
    write("svc-00001", "svc-00001-a.log", "old1\nold2\nnew", 1000);
    LogCursor cursor = store.follow("default", "svc", null, 1);

    assertThat(cursor.poll()).extracting(LogLine::text).containsExactly("new");
    assertThat(cursor.poll()).isEmpty();
    append("svc-00001-a.log", "-ish\nx\ny");
    assertThat(cursor.poll()).extracting(LogLine::text).containsExactly("new-ish", "x");
    append("svc-00001-a.log", "z\n");
    assertThat(cursor.poll()).extracting(LogLine::text).containsExactly("yz");

    write("svc-00001", "svc-00001-b.log", "b1\n", 2000);
    assertThat(cursor.poll()).extracting(LogLine::prefixed).containsExactly("[svc-00001-b] b1");

    append("svc-00001-a.log", "before rotation\n");
    Path a = store.instanceLog("default", "svc-00001", "svc-00001-a");
    Files.move(a, LogStore.rotatedOf(a));
    write("svc-00001", "svc-00001-a.log", "after rotation\n", 3000);
    assertThat(cursor.poll())
        .extracting(LogLine::text)
        .containsExactly("before rotation", "after rotation");
  }

  @Test
  void logFileRotatesAtTheCap() throws IOException {
    Path p = data.resolve("logs/default/r-00001/r-00001-a.log");
    LogFile log = new LogFile(p, LocalRuntimeOptions.MIN_LOG_MAX_BYTES);
    byte[] chunk = ("0123456789".repeat(499) + "\n").getBytes();
    for (int i = 0; i < 10; i++) {
      log.write(chunk, 0, chunk.length);
    }
    log.writeLine("last");
    log.close();
    assertThat(Files.size(p)).isLessThanOrEqualTo(LocalRuntimeOptions.MIN_LOG_MAX_BYTES);
    assertThat(Files.size(LogStore.rotatedOf(p)))
        .isLessThanOrEqualTo(LocalRuntimeOptions.MIN_LOG_MAX_BYTES);
    assertThat(log.tail(1)).containsExactly("last");
    assertThat(Files.size(p) + Files.size(LogStore.rotatedOf(p)))
        .isGreaterThan(LocalRuntimeOptions.MIN_LOG_MAX_BYTES);
  }

  private static final long T0 = java.time.Instant.parse("2026-12-06T20:01:02.123Z").toEpochMilli();

  @Test
  void everyLineIsStampedWithTheTimeItArrivedAndAChunkEndingMidLineIsContinued()
      throws IOException {
    AtomicLong clock = new AtomicLong(T0);
    LogStore store = new LogStore(data);
    LogFile log =
        new LogFile(store.instanceLog("default", "r-00001", "r-00001-a"), 1 << 20, clock::get);
    write(log, "one\ntw");
    clock.addAndGet(1000);
    write(log, "o\n\nthree\r\n2026-12-06T20:01:02Z INFO my own time\n");
    log.close();
    assertThat(store.tail("default", null, "r-00001", 10))
        .extracting(LogLine::time, LogLine::runtime, LogLine::text)
        .containsExactly(
            tuple("2026-12-06T20:01:02.123Z", false, "one"),
            tuple("2026-12-06T20:01:02.123Z", false, "two"),
            tuple("2026-12-06T20:01:03.123Z", false, ""),
            tuple("2026-12-06T20:01:03.123Z", false, "three"),
            tuple("2026-12-06T20:01:03.123Z", false, "2026-12-06T20:01:02Z INFO my own time"));
    LogLine first = store.tail("default", null, "r-00001", 10).get(0);
    assertThat(first.prefixed()).isEqualTo("[r-00001-a] one");
    assertThat(first.prefixed(true)).isEqualTo("[r-00001-a] 2026-12-06T20:01:02.123Z one");
    assertThat(Files.readString(log.path()))
        .startsWith("2026-12-06T20:01:02.123Z out one\n2026-12-06T20:01:02.123Z out two\n");
  }

  @Test
  void eachRunStartsWithAMarkerTheAppCannotForge() throws IOException {
    AtomicLong clock = new AtomicLong(T0);
    LogStore store = new LogStore(data);
    LogFile log =
        new LogFile(store.instanceLog("default", "r-00001", "r-00001-a"), 1 << 20, clock::get);
    log.runStarted("r-00001-a", 0);
    write(log, "--- instance r-00001-a started 2000-01-01T00:00:00Z (restart 9) ---\ncrashing");
    clock.addAndGet(61_000);
    log.writeLine("[coldbrew] exited with 1");
    log.runStarted("r-00001-a", 1);
    write(log, "up again\n");
    log.close();
    List<LogLine> lines = store.tail("default", null, "r-00001", 10);
    assertThat(lines)
        .extracting(LogLine::runtime, LogLine::text)
        .containsExactly(
            tuple(true, "--- instance r-00001-a started 2026-12-06T20:01:02Z ---"),
            tuple(false, "--- instance r-00001-a started 2000-01-01T00:00:00Z (restart 9) ---"),
            tuple(false, "crashing"), // its line ended by the runtime's next line
            tuple(true, "[coldbrew] exited with 1"),
            tuple(true, "--- instance r-00001-a started 2026-12-06T20:02:03Z (restart 1) ---"),
            tuple(false, "up again"));
    assertThat(lines.get(4).prefixed(true))
        .isEqualTo(
            "[r-00001-a] 2026-12-06T20:02:03.123Z --- instance r-00001-a started"
                + " 2026-12-06T20:02:03Z (restart 1) ---");
    assertThat(log.tail(10))
        .as("what a failure's message quotes: no run markers, a forged one is the app's line")
        .containsExactly(
            "--- instance r-00001-a started 2000-01-01T00:00:00Z (restart 9) ---",
            "crashing",
            "[coldbrew] exited with 1",
            "up again");
  }

  @Test
  void aRuntimeLineWithLineBreaksIsStampedOnEachLine() throws IOException {
    LogStore store = new LogStore(data);
    LogFile log =
        new LogFile(store.instanceLog("default", "r-00001", "r-00001-a"), 1 << 20, () -> T0);
    log.writeLine("[coldbrew] cannot start:\nsecond line");
    log.close();
    assertThat(store.tail("default", null, "r-00001", 10))
        .extracting(LogLine::runtime, LogLine::text)
        .containsExactly(tuple(true, "[coldbrew] cannot start:"), tuple(true, "second line"));
  }

  @Test
  void linesWithoutAPrefixAreReadAsPlainText() throws IOException {
    LogStore store = new LogStore(data);
    write(
        "r-00001",
        "r-00001-a.log",
        "written before times\n2026-12-06T20:01:02.123Z err not ours\n"
            + "2026-12-06T20:01:02.123Zout squeezed\n2026-12-06T20:01:02.123Z out stamped\n",
        1000);
    assertThat(store.tail("default", null, "r-00001", 10))
        .extracting(LogLine::time, LogLine::text)
        .containsExactly(
            tuple(null, "written before times"),
            tuple(null, "2026-12-06T20:01:02.123Z err not ours"),
            tuple(null, "2026-12-06T20:01:02.123Zout squeezed"),
            tuple("2026-12-06T20:01:02.123Z", "stamped"));
    assertThat(store.tail("default", null, "r-00001", 1).get(0).prefixed(true))
        .isEqualTo("[r-00001-a] 2026-12-06T20:01:02.123Z stamped");
    assertThat(store.tail("default", null, "r-00001", 10).get(0).prefixed(true))
        .isEqualTo("[r-00001-a] written before times");
  }

  @Test
  void aRotationMidLineStartsTheNewFileStamped() throws IOException {
    Path p = data.resolve("logs/default/r-00001/r-00001-a.log");
    LogFile log = new LogFile(p, LocalRuntimeOptions.MIN_LOG_MAX_BYTES, () -> T0);
    String big = "x".repeat((int) LocalRuntimeOptions.MIN_LOG_MAX_BYTES - 100);
    write(log, big);
    write(log, "y".repeat(200) + "\nend\n");
    log.close();
    assertThat(Files.readString(p))
        .startsWith("2026-12-06T20:01:02.123Z out yyy")
        .endsWith("2026-12-06T20:01:02.123Z out end\n");
    assertThat(Files.readString(LogStore.rotatedOf(p)))
        .startsWith("2026-12-06T20:01:02.123Z out xxx");
  }

  @Test
  void followGivesStampedLinesAndMarkersToo() throws IOException {
    AtomicLong clock = new AtomicLong(T0);
    LogStore store = new LogStore(data);
    store.markService("default", "svc-00001", "svc");
    LogFile log =
        new LogFile(store.instanceLog("default", "svc-00001", "svc-00001-a"), 1 << 20, clock::get);
    log.runStarted("svc-00001-a", 0);
    LogCursor cursor = store.follow("default", "svc", null, 10);
    assertThat(cursor.poll()).extracting(LogLine::runtime).containsExactly(true);
    clock.addAndGet(5);
    write(log, "hello\n");
    assertThat(cursor.poll())
        .extracting(LogLine::time, LogLine::text)
        .containsExactly(tuple("2026-12-06T20:01:02.128Z", "hello"));
    log.close();
  }

  private static void write(LogFile log, String s) throws IOException {
    byte[] b = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    log.write(b, 0, b.length);
  }

  @Test
  void rejectsNamesThatAreNotResourceNames() {
    LogStore store = new LogStore(data);
    assertThatThrownBy(() -> store.tail("default", null, "../etc", 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "revision: ../etc (expected: a lowercase DNS-1123 name: letters, digits, '-' and '.',"
                + " at most 253)");
    assertThatThrownBy(() -> store.tail("default", "svc", null, -1))
        .hasMessage("tail: -1 (expected: >= 0)");
  }

  private void write(String revision, String file, String content, long mtimeMillis)
      throws IOException {
    Path p = data.resolve("logs/default").resolve(revision).resolve(file);
    Files.createDirectories(p.getParent());
    Files.writeString(p, content);
    Files.setLastModifiedTime(p, FileTime.fromMillis(mtimeMillis));
  }

  private void append(String file, String content) throws IOException {
    String rev = file.substring(0, file.lastIndexOf('-'));
    Files.writeString(
        data.resolve("logs/default").resolve(rev).resolve(file),
        content,
        StandardOpenOption.APPEND);
  }
}
