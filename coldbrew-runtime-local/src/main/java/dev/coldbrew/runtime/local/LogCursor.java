package dev.coldbrew.runtime.local;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Follows instance logs ({@code coldbrew logs -f}): each {@link #poll()} returns the complete lines
 * written since the previous one, from every instance of the revision (or service), including
 * instances that appeared since. A rotation between two polls is noticed (by the file's identity)
 * and the rest of the rotated file is read first. Polling is the caller's: e.g. every 250 ms from a
 * timer, off the event loop (it reads files). Thread-safe.
 */
public final class LogCursor {
  private static final int MAX_BYTES_PER_POLL = 1 << 20;

  private final LogStore store;
  private final String namespace;
  private final String service;
  private final String revision;
  private final int tailLines;
  private final Map<Path, Position> positions = new HashMap<>();
  private boolean started;

  private record Position(Object fileKey, long offset) {}

  LogCursor(LogStore store, String namespace, String service, String revision, int tailLines) {
    this.store = store;
    this.namespace = namespace;
    this.service = service;
    this.revision = revision;
    this.tailLines = tailLines;
  }

  /**
   * The lines written since the last poll; on the first poll, the tail (at most {@link
   * LogStore#MAX_TAIL_BYTES} of it, newest instances first). Never blocks long.
   */
  public synchronized List<LogLine> poll() {
    List<LogStore.InstanceLog> logs = store.instanceLogs(namespace, service, revision);
    List<LogLine> out = new ArrayList<>();
    if (!started) {
      started = true;
      List<List<LogLine>> parts = new ArrayList<>();
      long budget = LogStore.MAX_TAIL_BYTES;
      for (int i = logs.size() - 1; i >= 0; i--) {
        List<LogLine> part = new ArrayList<>();
        try {
          budget -= tail(logs.get(i), budget, part);
        } catch (IOException e) {
          // gone or rotating: read from its start at the next poll
        }
        parts.add(part);
      }
      for (int i = parts.size() - 1; i >= 0; i--) {
        out.addAll(parts.get(i));
      }
      return out;
    }
    for (LogStore.InstanceLog f : logs) {
      try {
        poll(f, out);
      } catch (NoSuchFileException e) {
        positions.remove(f.path());
      } catch (IOException e) {
        // transient (rotation in progress): retried at the next poll
      }
    }
    return out;
  }

  /** The first poll of one log: its tail within {@code budget}; returns the bytes it took. */
  private long tail(LogStore.InstanceLog f, long budget, List<LogLine> out) throws IOException {
    Path path = f.path();
    BasicFileAttributes attrs = Files.readAttributes(path, BasicFileAttributes.class);
    LogStore.Tail t = LogStore.tailLines(path, tailLines, budget);
    for (String text : t.lines()) {
      out.add(LogLine.parse(f.revision(), f.instanceId(), text));
    }
    positions.put(path, new Position(attrs.fileKey(), endOfLastLine(path, attrs.size())));
    return t.bytes();
  }

  private void poll(LogStore.InstanceLog f, List<LogLine> out) throws IOException {
    Path path = f.path();
    BasicFileAttributes attrs = Files.readAttributes(path, BasicFileAttributes.class);
    Object key = attrs.fileKey();
    Position pos = positions.get(path);
    long offset = 0;
    if (pos != null && Objects.equals(pos.fileKey(), key) && attrs.size() >= pos.offset()) {
      offset = pos.offset();
    } else if (pos != null) {
      Path rotated = LogStore.rotatedOf(path);
      try {
        BasicFileAttributes old = Files.readAttributes(rotated, BasicFileAttributes.class);
        if (Objects.equals(old.fileKey(), pos.fileKey())) {
          read(f, rotated, pos.offset(), old.size(), out); // what was written before the rotation
        }
      } catch (NoSuchFileException e) {
        // nothing rotated
      }
    }
    long end = read(f, path, offset, attrs.size(), out);
    positions.put(path, new Position(key, end));
  }

  /** Adds the complete lines of {@code file[from, to)}; returns the offset after the last one. */
  private static long read(LogStore.InstanceLog f, Path file, long from, long to, List<LogLine> out)
      throws IOException {
    long len = Math.min(to - from, MAX_BYTES_PER_POLL);
    if (len <= 0) {
      return from;
    }
    ByteBuffer buf = ByteBuffer.allocate((int) len);
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      while (buf.hasRemaining() && ch.read(buf, from + buf.position()) > 0) {}
    }
    byte[] b = buf.array();
    int n = buf.position();
    int lastBreak = -1;
    for (int i = n - 1; i >= 0; i--) {
      if (b[i] == '\n') {
        lastBreak = i;
        break;
      }
    }
    if (lastBreak < 0) {
      return n == MAX_BYTES_PER_POLL ? from + n : from; // a huge line: pass it in pieces
    }
    for (String text : LogStore.splitLines(b, 0, lastBreak + 1, false)) {
      out.add(LogLine.parse(f.revision(), f.instanceId(), text));
    }
    return from + lastBreak + 1;
  }

  private static long endOfLastLine(Path file, long size) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long pos = size;
      ByteBuffer buf = ByteBuffer.allocate(8192);
      while (pos > 0) {
        int len = (int) Math.min(buf.capacity(), pos);
        buf.clear().limit(len);
        pos -= len;
        while (buf.hasRemaining() && ch.read(buf, pos + buf.position()) > 0) {}
        for (int i = len - 1; i >= 0; i--) {
          if (buf.get(i) == '\n') {
            return pos + i + 1;
          }
        }
      }
      return 0;
    }
  }
}
