package dev.coldbrew.runtime.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pid journal: appends, replay, compaction, torn lines. Files only, no process. */
class OrphanRecordTest {
  private static final Instant T1 = Instant.parse("2026-12-06T07:52:16.123456789Z");
  private static final Instant T2 = Instant.parse("2026-12-06T07:52:17.5Z");

  @TempDir Path data;

  @Test
  void eachChangeIsOneAppendedLineAndReadingReplaysThem() throws IOException {
    OrphanRecord rec = new OrphanRecord(data);
    rec.put(new OrphanRecord.Entry(101, T1, "a-00001-1"));
    rec.put(new OrphanRecord.Entry(102, T2, "a-00001-2"));
    rec.remove(101);
    rec.remove(999); // not ours: nothing written
    assertThat(Files.readAllLines(rec.file()))
        .containsExactly("101 " + T1 + " a-00001-1", "102 " + T2 + " a-00001-2", "- 101 a-00001-1");
    assertThat(new OrphanRecord(data).read())
        .containsExactly(new OrphanRecord.Entry(102, T2, "a-00001-2"));
    // a restarted instance: a new process under the same id
    rec.put(new OrphanRecord.Entry(103, T2, "a-00001-2"));
    rec.remove(102);
    assertThat(new OrphanRecord(data).read())
        .containsExactly(new OrphanRecord.Entry(103, T2, "a-00001-2"));
  }

  @Test
  void aFileWrittenWholeIsReadAsItsEntries() throws IOException {
    OrphanRecord rec = new OrphanRecord(data);
    Files.createDirectories(rec.file().getParent());
    Files.writeString(rec.file(), "7 " + T1 + " x-00001-1\n8 " + T2 + " x-00001-2\nnot a line\n");
    assertThat(rec.read())
        .containsExactly(
            new OrphanRecord.Entry(7, T1, "x-00001-1"), new OrphanRecord.Entry(8, T2, "x-00001-2"));
    assertThat(rec.own()).isEmpty();
  }

  @Test
  void aTornLastLineNeverYieldsAWrongPidAndStartPair() throws IOException {
    OrphanRecord rec = new OrphanRecord(data);
    Files.createDirectories(rec.file().getParent());
    OrphanRecord.Entry kept = new OrphanRecord.Entry(5, T2, "k-00001-1");
    OrphanRecord.Entry added = new OrphanRecord.Entry(123456, T1, "a-00001-abcde");
    String keptLine = "5 " + T2 + " k-00001-1\n";
    String add = "123456 " + T1 + " a-00001-abcde\n";
    for (int cut = 0; cut < add.length(); cut++) {
      Files.writeString(rec.file(), keptLine + add.substring(0, cut));
      List<OrphanRecord.Entry> read = rec.read();
      assertThat(read.size()).as("cut at %d", cut).isBetween(1, 2);
      assertThat(read.get(0)).isEqualTo(kept);
      for (OrphanRecord.Entry e : read.subList(1, read.size())) { // at most the id is cut
        assertThat(e.pid()).as("cut at %d", cut).isEqualTo(123456);
        assertThat(e.start()).as("cut at %d", cut).isEqualTo(T1);
      }
    }
    String removal = "- 123456 a-00001-abcde\n";
    for (int cut = 0; cut < removal.length(); cut++) {
      Files.writeString(rec.file(), keptLine + add + removal.substring(0, cut));
      assertThat(rec.read()).as("cut at %d", cut).isIn(List.of(kept, added), List.of(kept));
    }
  }

  @Test
  void compactionKeepsTheFileAsLongAsItsLiveEntries() throws IOException {
    OrphanRecord rec = new OrphanRecord(data);
    rec.put(new OrphanRecord.Entry(1, T1, "long-lived-00001-1"));
    for (int pid = 2; pid < 1000; pid++) {
      rec.put(new OrphanRecord.Entry(pid, T2, "churn-00001-" + pid));
      rec.remove(pid);
    }
    assertThat(Files.readAllLines(rec.file()).size()).isLessThan(2 * 64 + 4);
    assertThat(new OrphanRecord(data).read())
        .containsExactly(new OrphanRecord.Entry(1, T1, "long-lived-00001-1"));
  }

  @Test
  void compactKeepsOnlyTheRecordsOwnEntries() throws IOException {
    OrphanRecord earlier = new OrphanRecord(data);
    earlier.put(new OrphanRecord.Entry(40, T1, "old-00001-1"));
    OrphanRecord rec = new OrphanRecord(data);
    rec.put(new OrphanRecord.Entry(41, T2, "new-00001-1"));
    assertThat(rec.read()).hasSize(2);
    assertThat(rec.own()).containsExactly(new OrphanRecord.Entry(41, T2, "new-00001-1"));
    rec.compact();
    assertThat(Files.readAllLines(rec.file())).containsExactly("41 " + T2 + " new-00001-1");
  }

  @Test
  void anEntryThatCannotBeWrittenIsNotKeptAndTheNextChangeRewritesTheFile() throws IOException {
    OrphanRecord rec = new OrphanRecord(data);
    rec.put(new OrphanRecord.Entry(1, T1, "a-00001-1"));
    Files.delete(rec.file());
    Files.createDirectory(rec.file()); // the file cannot be opened for writing
    assertThatThrownBy(() -> rec.put(new OrphanRecord.Entry(2, T2, "a-00001-2")))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining(rec.file().toString());
    assertThat(rec.own()).containsExactly(new OrphanRecord.Entry(1, T1, "a-00001-1"));
    Files.delete(rec.file());
    rec.put(new OrphanRecord.Entry(3, T2, "a-00001-3"));
    assertThat(Files.readString(rec.file(), StandardCharsets.UTF_8))
        .doesNotContain(" a-00001-2")
        .contains("3 " + T2 + " a-00001-3");
  }
}
