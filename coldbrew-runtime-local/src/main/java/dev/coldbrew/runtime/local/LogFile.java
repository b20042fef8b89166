package dev.coldbrew.runtime.local;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * The size-capped log file of one instance, shared by the successive processes of the instance
 * (restarts append). When a write would take the file past the cap, the file is first renamed to
 * {@code <id>.log.1} (replacing the previous one), so at most twice the cap is kept. Every write
 * goes straight to the file, so readers see output at once. Thread-safe.
 */
final class LogFile {
  private final Path path;
  private final Path rotated;
  private final long maxBytes;
  private OutputStream out;
  private long size;
  private boolean closed;

  LogFile(Path path, long maxBytes) {
    this.path = path;
    this.rotated = LogStore.rotatedOf(path);
    this.maxBytes = maxBytes;
  }

  Path path() {
    return path;
  }

  synchronized void write(byte[] b, int off, int len) throws IOException {
    if (closed || len <= 0) {
      return;
    }
    if (out == null) {
      open();
    }
    if (size > 0 && size + len > maxBytes) {
      out.close();
      out = null;
      Files.move(path, rotated, StandardCopyOption.REPLACE_EXISTING);
      open();
    }
    int n = (int) Math.min(len, maxBytes);
    out.write(b, off + len - n, n);
    size += n;
  }

  /** Writes a line of the runtime's own (e.g. why a process could not start). */
  void writeLine(String line) {
    byte[] b = (line + "\n").getBytes(StandardCharsets.UTF_8);
    try {
      write(b, 0, b.length);
    } catch (IOException e) {
      // the log is best effort; the reason also lands in the revision's health
    }
  }

  /** The last {@code n} lines, including the rotated file's if the current one has fewer. */
  List<String> tail(int n) {
    return LogStore.tailLines(path, n);
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

  private void open() throws IOException {
    Files.createDirectories(path.getParent());
    out = new FileOutputStream(path.toFile(), true);
    size = Files.size(path);
  }
}
