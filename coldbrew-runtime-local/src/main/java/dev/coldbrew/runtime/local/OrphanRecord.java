package dev.coldbrew.runtime.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The file {@code <dataDir>/runtime/instances.pids} listing every instance process this runtime
 * started and has not seen end: one line {@code <pid> <start-instant> <instance-id>} each. A pid
 * alone is not enough to find an orphan after a crash of the platform, since the OS reuses pids;
 * the pair (pid, start instant) names one process for the life of the machine. Rewritten whole on
 * every change (temporary file, then rename), so a crash leaves the old or the new list, never a
 * mix. Not thread-safe: guarded by the runtime's lock.
 */
final class OrphanRecord {
  /** One recorded process. */
  record Entry(long pid, Instant start, String instanceId) {}

  private final Path file;
  private final Map<String, Entry> entries = new LinkedHashMap<>();

  OrphanRecord(Path dataDir) {
    this.file = dataDir.resolve("runtime").resolve("instances.pids");
  }

  Path file() {
    return file;
  }

  /** What the file lists now (written by this or an earlier runtime); malformed lines skipped. */
  List<Entry> read() {
    List<Entry> out = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        String[] f = line.trim().split(" ");
        if (f.length == 3) {
          try {
            out.add(new Entry(Long.parseLong(f[0]), Instant.parse(f[1]), f[2]));
          } catch (RuntimeException e) {
            // a line we did not write: skip
          }
        }
      }
    } catch (NoSuchFileException e) {
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    return out;
  }

  void put(Entry e) {
    entries.put(e.instanceId(), e);
    write();
  }

  void remove(String instanceId) {
    if (entries.remove(instanceId) != null) {
      write();
    }
  }

  /** Replaces the file's content with this runtime's own entries. */
  void write() {
    StringBuilder b = new StringBuilder();
    for (Entry e : entries.values()) {
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
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }
}
