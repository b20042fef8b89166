package dev.coldbrew.runtime.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The file {@code <dataDir>/runtime/instances.pids}: every instance process a runtime started and
 * has not seen end, so that the next runtime on the data directory can end them after a crash. A
 * pid alone is not enough, since the OS reuses pids; the pair (pid, start instant) names one
 * process for the life of the machine, and only a live process with the recorded start instant is
 * ever ended.
 *
 * <p>The file is a journal: {@code <pid> <start-instant> <instance-id>} when a process starts,
 * {@code - <pid> <instance-id>} when it ends; a later line about a pid replaces an earlier one.
 * Each change is one append of one short line (a single write to the file opened for appending), so
 * recording a start does not rewrite the other entries. A crash leaves whole lines and at most one
 * torn last line; a torn line never yields a wrong (pid, start) pair (the pid comes first and the
 * instant must end in {@code Z}), and a torn removal drops at most the entry it was about. The file
 * is compacted — rewritten with the live entries to a temporary file that is then renamed — when
 * the runtime starts and closes, when removals outnumber the live entries, and after a failed
 * append. Nothing is fsynced: the file has to survive the platform's crash, not the machine's
 * (whose processes die with it).
 *
 * <p>Thread-safe: its own monitor serializes appends and compactions (short writes of a few hundred
 * bytes at most); callers need not, and should not, hold another lock around them.
 */
final class OrphanRecord {
  /** One recorded process. */
  record Entry(long pid, Instant start, String instanceId) {}

  private static final int COMPACT_MIN_REMOVALS = 64;

  private final Path file;
  private final Map<Long, Entry> own = new LinkedHashMap<>(); // guarded by this
  private int removals; // removal lines since the last compaction; guarded by this
  private boolean torn; // an append failed: the file may end in a partial line; guarded by this

  OrphanRecord(Path dataDir) {
    this.file = dataDir.resolve("runtime").resolve("instances.pids");
  }

  Path file() {
    return file;
  }

  /**
   * The processes the file lists as running now (recorded by this or an earlier runtime), in the
   * order they were first recorded; lines this class did not write are skipped.
   */
  List<Entry> read() {
    Map<Long, Entry> live = new LinkedHashMap<>();
    try {
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        String[] f = line.trim().split(" ");
        if (f.length != 3) {
          continue;
        }
        try {
          if (f[0].equals("-")) {
            live.remove(Long.parseLong(f[1]));
          } else {
            long pid = Long.parseLong(f[0]);
            live.put(pid, new Entry(pid, Instant.parse(f[1]), f[2]));
          }
        } catch (RuntimeException e) {
          // a line we did not write, or a torn one: skip
        }
      }
    } catch (NoSuchFileException e) {
      return List.of();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    return new ArrayList<>(live.values());
  }

  /** The entries this record added and has not removed. */
  synchronized List<Entry> own() {
    return new ArrayList<>(own.values());
  }

  /**
   * Records a started process.
   *
   * @throws UncheckedIOException if the file cannot be written; the process is then not recorded
   */
  synchronized void put(Entry e) {
    String line = e.pid() + " " + e.start() + " " + e.instanceId() + "\n";
    own.put(e.pid(), e);
    try {
      append(line);
    } catch (UncheckedIOException x) {
      own.remove(e.pid());
      throw x;
    }
  }

  /** Records that a process ended; nothing if this record did not add it. */
  synchronized void remove(long pid) {
    Entry e = own.remove(pid);
    if (e == null) {
      return;
    }
    if (++removals > Math.max(COMPACT_MIN_REMOVALS, own.size())) {
      compact();
    } else {
      append("- " + pid + " " + e.instanceId() + "\n");
    }
  }

  /** Replaces the file's content with this record's own entries (temporary file, then rename). */
  synchronized void compact() {
    StringBuilder b = new StringBuilder();
    for (Entry e : own.values()) {
      b.append(e.pid()).append(' ').append(e.start()).append(' ').append(e.instanceId());
      b.append('\n');
    }
    try {
      Files.createDirectories(file.getParent());
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      Files.writeString(tmp, b, StandardCharsets.UTF_8);
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      torn = true;
      throw new UncheckedIOException("cannot write " + file, e);
    }
    removals = 0;
    torn = false;
  }

  private void append(String line) {
    if (torn) { // the file may end in half a line: start over from what is known
      compact();
      return;
    }
    ByteBuffer b = ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8));
    try (FileChannel ch =
        FileChannel.open(
            file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
      while (b.hasRemaining()) {
        ch.write(b);
      }
    } catch (NoSuchFileException e) { // the directory is missing: compaction creates it
      compact();
    } catch (IOException e) {
      torn = b.position() > 0;
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }
}
