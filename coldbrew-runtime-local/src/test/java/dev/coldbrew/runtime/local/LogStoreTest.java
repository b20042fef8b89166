package dev.coldbrew.runtime.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
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

  @Test
  void rejectsNamesThatAreNotResourceNames() {
    LogStore store = new LogStore(data);
    assertThatThrownBy(() -> store.tail("default", null, "../etc", 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("revision: ../etc (expected: a lowercase DNS-1123 name)");
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
