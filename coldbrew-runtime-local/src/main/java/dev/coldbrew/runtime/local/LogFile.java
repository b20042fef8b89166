package dev.coldbrew.runtime.local;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The size-capped log file of one instance, shared by the successive runs of the instance (restarts
 * append; each run starts with a marker line, {@link #runStarted}). Every line starts with the time
 * it was received and its source ({@link LogFormat}): one clock read per chunk and the prefixes
 * inserted in memory, so a chunk is still one write. When a write would take the file past the cap,
 * the file is first renamed to {@code <id>.log.1} (replacing the previous one), so at most twice
 * the cap is kept. Every write goes straight to the file, so readers see output at once.
 * Thread-safe.
 */
final class LogFile {
  private final Path path;
  private final Path rotated;
  private final long maxBytes;
  private final LongSupplier wallMillis;
  private OutputStream out;
  private long size;
  private boolean closed;
  private boolean atLineStart = true;
  private long prefixMillis = Long.MIN_VALUE;
  private String prefixSource;
  private byte[] prefix;

  LogFile(Path path, long maxBytes) {
    this(path, maxBytes, System::currentTimeMillis);
  }

  /**
   * @param wallMillis the wall clock the lines' times come from, in milliseconds since the epoch
   */
  LogFile(Path path, long maxBytes, LongSupplier wallMillis) {
    this.path = path;
    this.rotated = LogStore.rotatedOf(path);
    this.maxBytes = maxBytes;
    this.wallMillis = wallMillis;
  }

  Path path() {
    return path;
  }

  /** Appends the instance's output {@code b[off, off + len)}, each line stamped. */
  synchronized void write(byte[] b, int off, int len) throws IOException {
    write(b, off, len, LogFormat.OUTPUT);
  }

  /** Writes a line of the runtime's own (e.g. why a process could not start). */
  void writeLine(String line) {
    byte[] b = (line + "\n").getBytes(StandardCharsets.UTF_8);
    try {
      synchronized (this) {
        if (!atLineStart) { // the app's last line has no line break yet: end it first
          write(new byte[] {'\n'}, 0, 1, LogFormat.OUTPUT);
        }
        write(b, 0, b.length, LogFormat.RUNTIME);
      }
    } catch (IOException e) {
      // the log is best effort; the reason also lands in the revision's health
    }
  }

  /**
   * Marks where a run of the instance starts: {@code --- instance ID started TIME ---}, and {@code
   * (restart N)} before the dashes from the second run on.
   *
   * @param restart how many runs of the instance came before this one
   */
  void runStarted(String instanceId, int restart) {
    writeLine(
        MARKER
            + instanceId
            + " started "
            + LogFormat.seconds(wallMillis.getAsLong())
            + (restart > 0 ? " (restart " + restart + ")" : "")
            + " ---");
  }

  /** How a run's marker line starts. */
  private static final String MARKER = "--- instance ";

  /**
   * The texts of the last {@code n} lines, including the rotated file's if the current has fewer,
   * without the run markers (what a failure's message quotes: the app's lines and the runtime's
   * messages).
   */
  List<String> tail(int n) {
    return LogStore.tailLines(path, n).stream()
        .map(s -> LogLine.parse("", "", s))
        .filter(l -> !(l.runtime() && l.text().startsWith(MARKER)))
        .map(LogLine::text)
        .toList();
  }

  synchronized void close() {
    closed = true;
    if (out != null) {
      try {
        out.close();
      } catch (IOException e) {
        // nothing left to do
      }
      out = null;
    }
  }

  private void write(byte[] b, int off, int len, String source) throws IOException {
    if (closed || len <= 0) {
      return;
    }
    if (out == null) {
      open();
    }
    int starts = lineStarts(b, off, len, atLineStart);
    long stamped = len + (long) starts * LogFormat.PREFIX_WIDTH;
    if (size > 0 && size + stamped > maxBytes) {
      out.close();
      out = null;
      Files.move(path, rotated, StandardCopyOption.REPLACE_EXISTING);
      open();
      atLineStart = true; // the new file starts with a prefix, even mid-line
      starts = lineStarts(b, off, len, true);
    }
    byte[] data = stamp(b, off, len, starts, source);
    int n = (int) Math.min(data.length, maxBytes);
    out.write(data, data.length - n, n);
    size += n;
    atLineStart = b[off + len - 1] == '\n';
  }

  /** How many lines start in {@code b[off, off + len)}: after each line break but the last byte. */
  private static int lineStarts(byte[] b, int off, int len, boolean atLineStart) {
    int starts = atLineStart ? 1 : 0;
    for (int i = off; i < off + len - 1; i++) {
      if (b[i] == '\n') {
        starts++;
      }
    }
    return starts;
  }

  /** {@code b[off, off + len)} with the prefix before each of its {@code starts} line starts. */
  private byte[] stamp(byte[] b, int off, int len, int starts, String source) {
    byte[] p = prefix(source);
    byte[] data = new byte[len + starts * p.length];
    int at = 0;
    boolean lineStart = atLineStart;
    int from = off;
    for (int i = off; i < off + len; i++) {
      if (lineStart) {
        System.arraycopy(p, 0, data, at, p.length);
        at += p.length;
        lineStart = false;
      }
      if (b[i] == '\n') {
        lineStart = true;
        int end = i + 1;
        System.arraycopy(b, from, data, at, end - from);
        at += end - from;
        from = end;
      }
    }
    System.arraycopy(b, from, data, at, off + len - from);
    return data;
  }

  /** The prefix for now, formatted at most once per millisecond and source. */
  private byte[] prefix(String source) {
    long now = wallMillis.getAsLong();
    if (now != prefixMillis || !source.equals(prefixSource)) {
      prefix = LogFormat.prefix(now, source);
      prefixMillis = now;
      prefixSource = source;
    }
    return prefix;
  }

  private void open() throws IOException {
    Files.createDirectories(path.getParent());
    out = new FileOutputStream(path.toFile(), true);
    size = Files.size(path);
  }
}
