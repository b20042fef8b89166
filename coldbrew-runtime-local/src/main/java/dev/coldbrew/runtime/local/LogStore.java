package dev.coldbrew.runtime.local;

import dev.coldbrew.api.validation.Names;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.stream.Stream;

/**
 * Reads the instance logs the {@link LocalRuntime} writes: what {@code coldbrew logs SERVICE
 * [--revision R] [-f] [--tail N]} shows. The layout is {@code
 * <dataDir>/logs/<namespace>/<revision>/<instance-id>.log} (plus {@code .log.1} after rotation) and
 * a {@code .service} file per revision directory naming its service, so the logs of a deleted
 * revision stay readable. Instances are listed oldest-written first, each with its own last lines
 * (as {@code kubectl logs --prefix --tail} does per pod), not interleaved by time. Each line
 * carries the time it was received and each run of an instance starts with a marker line ({@link
 * LogFormat}, {@link LogFile#runStarted}). A tail reads at most {@link #MAX_TAIL_BYTES} of log
 * text, however many lines are asked for: the newest instances first, so when the bound cuts, it
 * cuts the oldest. Only reads files, so a client can read the logs of a platform that is not
 * running ({@code coldbrew logs} does when the admin API is down). Thread-safe.
 */
public final class LogStore {
  static final String SERVICE_MARKER = ".service";
  private static final int CHUNK = 8192;

  /** The most bytes of log text one tail reads, every instance together. */
  public static final int MAX_TAIL_BYTES = 4 * 1024 * 1024;

  private final Path logsDir;

  /** The logs under {@code <dataDir>/logs}. */
  public LogStore(Path dataDir) {
    this.logsDir = dataDir.resolve("logs");
  }

  /**
   * The last {@code lines} lines of each instance of a revision, or (with {@code revision} null) of
   * every revision of the service that ever ran here.
   *
   * @param service the service; only used when {@code revision} is null
   * @param revision a revision name, or null for all of the service's revisions
   */
  public List<LogLine> tail(String namespace, String service, String revision, int lines) {
    if (lines < 0) {
      throw new IllegalArgumentException("tail: " + lines + " (expected: >= 0)");
    }
    List<InstanceLog> logs = instanceLogs(namespace, service, revision);
    List<List<String>> parts = new ArrayList<>(logs.size());
    long budget = MAX_TAIL_BYTES;
    for (int i = logs.size() - 1; i >= 0; i--) { // newest first: the bound cuts the oldest
      Tail t = tailLines(logs.get(i).path(), lines, budget);
      budget -= t.bytes();
      parts.add(t.lines());
    }
    List<LogLine> out = new ArrayList<>();
    for (int i = 0; i < logs.size(); i++) {
      InstanceLog f = logs.get(i);
      for (String text : parts.get(logs.size() - 1 - i)) {
        out.add(LogLine.parse(f.revision(), f.instanceId(), text));
      }
    }
    return out;
  }

  /**
   * A cursor for {@code logs -f}: its first {@link LogCursor#poll()} returns what {@link #tail}
   * would, each later one the lines written since, including by instances started since.
   */
  public LogCursor follow(String namespace, String service, String revision, int tailLines) {
    if (tailLines < 0) {
      throw new IllegalArgumentException("tail: " + tailLines + " (expected: >= 0)");
    }
    instanceLogs(namespace, service, revision); // checks the names now
    return new LogCursor(this, namespace, service, revision, tailLines);
  }

  /** One instance's current log file. */
  record InstanceLog(String revision, String instanceId, Path path) {}

  Path revisionDir(String namespace, String revision) {
    return logsDir
        .resolve(checkName("namespace", namespace))
        .resolve(checkName("revision", revision));
  }

  Path instanceLog(String namespace, String revision, String instanceId) {
    return revisionDir(namespace, revision).resolve(instanceId + ".log");
  }

  /** Notes which service a revision belongs to, once. */
  void markService(String namespace, String revision, String service) {
    Path marker = revisionDir(namespace, revision).resolve(SERVICE_MARKER);
    try {
      if (!Files.exists(marker)) {
        Files.createDirectories(marker.getParent());
        Files.writeString(marker, service);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + marker, e);
    }
  }

  List<InstanceLog> instanceLogs(String namespace, String service, String revision) {
    List<Path> revisionDirs = new ArrayList<>();
    if (revision != null) {
      revisionDirs.add(revisionDir(namespace, revision));
    } else {
      Path nsDir = logsDir.resolve(checkName("namespace", namespace));
      checkName("service", service);
      for (Path dir : list(nsDir)) {
        Path marker = dir.resolve(SERVICE_MARKER);
        try {
          if (Files.isRegularFile(marker) && Files.readString(marker).trim().equals(service)) {
            revisionDirs.add(dir);
          }
        } catch (IOException e) {
          // a revision directory being written or removed: skip it
        }
      }
    }
    List<InstanceLog> logs = new ArrayList<>();
    for (Path dir : revisionDirs) {
      for (Path f : list(dir)) {
        String name = f.getFileName().toString();
        if (name.endsWith(".log") && Files.isRegularFile(f)) {
          logs.add(
              new InstanceLog(
                  dir.getFileName().toString(), name.substring(0, name.length() - 4), f));
        }
      }
    }
    logs.sort(
        Comparator.comparing((InstanceLog l) -> modified(l.path()))
            .thenComparing(InstanceLog::instanceId));
    return logs;
  }

  static Path rotatedOf(Path log) {
    return log.resolveSibling(log.getFileName() + ".1");
  }

  /** Lines from the end of a log, and how many bytes of it they took. */
  record Tail(List<String> lines, long bytes) {}

  /** The last {@code n} lines of a log, including the rotated file's if the current has fewer. */
  static List<String> tailLines(Path log, int n) {
    return tailLines(log, n, MAX_TAIL_BYTES).lines();
  }

  /**
   * The last {@code n} lines of a log (the rotated file's too if the current has fewer), reading at
   * most {@code maxBytes}.
   */
  static Tail tailLines(Path log, int n, long maxBytes) {
    Tail current = lastLines(log, n, maxBytes);
    if (current.lines().size() >= n || current.bytes() >= maxBytes) {
      return current;
    }
    Tail older = lastLines(rotatedOf(log), n - current.lines().size(), maxBytes - current.bytes());
    List<String> lines = new ArrayList<>(older.lines());
    lines.addAll(current.lines());
    return new Tail(lines, older.bytes() + current.bytes());
  }

  /**
   * The last {@code n} complete or final lines of a file, reading only its end and at most {@code
   * maxBytes} of it (a line cut by that bound is left out).
   */
  private static Tail lastLines(Path file, int n, long maxBytes) {
    if (n == 0 || maxBytes <= 0) {
      return new Tail(List.of(), 0);
    }
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      long pos = size;
      Deque<byte[]> chunks = new ArrayDeque<>();
      long read = 0;
      int newlines = 0;
      while (pos > 0 && newlines <= n && read < maxBytes) {
        int len = (int) Math.min(Math.min(CHUNK, pos), maxBytes - read);
        pos -= len;
        ByteBuffer buf = ByteBuffer.allocate(len);
        while (buf.hasRemaining() && ch.read(buf, pos + buf.position()) > 0) {}
        byte[] chunk = buf.array();
        for (byte b : chunk) {
          if (b == '\n') {
            newlines++;
          }
        }
        chunks.addFirst(chunk);
        read += len;
      }
      byte[] acc = new byte[(int) read];
      int at = 0;
      for (byte[] c : chunks) {
        System.arraycopy(c, 0, acc, at, c.length);
        at += c.length;
      }
      List<String> lines = splitLines(acc, 0, acc.length, true);
      if (pos > 0 && !lines.isEmpty()) {
        lines.remove(0); // the first one is cut
      }
      return new Tail(
          lines.size() <= n
              ? lines
              : new ArrayList<>(lines.subList(lines.size() - n, lines.size())),
          read);
    } catch (NoSuchFileException e) {
      return new Tail(List.of(), 0);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  /**
   * The lines in {@code b[from, to)}; with {@code keepPartial} a last line without a line break is
   * returned too.
   */
  static List<String> splitLines(byte[] b, int from, int to, boolean keepPartial) {
    List<String> lines = new ArrayList<>();
    int start = from;
    for (int i = from; i < to; i++) {
      if (b[i] == '\n') {
        int end = i > start && b[i - 1] == '\r' ? i - 1 : i;
        lines.add(new String(b, start, end - start, StandardCharsets.UTF_8));
        start = i + 1;
      }
    }
    if (keepPartial && start < to) {
      lines.add(new String(b, start, to - start, StandardCharsets.UTF_8));
    }
    return lines;
  }

  private static List<Path> list(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.sorted().toList();
    } catch (NoSuchFileException e) {
      return List.of();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir, e);
    }
  }

  private static FileTime modified(Path p) {
    try {
      return Files.getLastModifiedTime(p);
    } catch (IOException e) {
      return FileTime.fromMillis(0);
    }
  }

  private static String checkName(String what, String name) {
    if (name == null || !Names.isDns1123Subdomain(name)) {
      throw new IllegalArgumentException(
          what + ": " + name + " (expected: " + Names.DNS1123_SUBDOMAIN_EXPECTED + ")");
    }
    return name;
  }
}
