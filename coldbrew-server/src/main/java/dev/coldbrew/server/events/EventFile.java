package dev.coldbrew.server.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.coldbrew.api.codec.ResourceCodec;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps an {@link EventLog}'s events across restarts in {@code <data-dir>/events.jsonl}, one JSON
 * object a line. At start the file's events go back into the log (those the log's age and count
 * bounds still keep; a line that is not a whole event, e.g. the last one of a crash, is skipped)
 * and the file is rewritten with them; then each new event is appended, and when the file holds
 * twice the log's count it is rewritten with what the log keeps, so it stays bounded. Writes run on
 * one thread of its own: recording an event (on an event loop, say) never waits for the disk. A
 * write that fails is logged and the events stay in memory. Thread-safe.
 */
public final class EventFile implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EventFile.class);
  private static final ObjectMapper JSON = ResourceCodec.json();

  /** The file's name in the data directory. */
  public static final String NAME = "events.jsonl";

  private final Path file;
  private final EventLog log;
  private final int compactAt;
  private final ExecutorService writer =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "coldbrew-event-file");
            t.setDaemon(true);
            return t;
          });
  private final AutoCloseable watch;
  private int lines; // on the writer thread

  /** Restores the events kept in {@code dataDir} into {@code log}, then keeps it up to date. */
  public static EventFile open(Path dataDir, EventLog log, int maxCount) {
    return new EventFile(dataDir.resolve(NAME), log, maxCount);
  }

  private EventFile(Path file, EventLog log, int maxCount) {
    this.file = file;
    this.log = log;
    this.compactAt = 2 * maxCount;
    log.restore(read(file));
    rewrite();
    this.watch =
        log.watch(
            e -> {
              try {
                writer.execute(() -> append(e));
              } catch (java.util.concurrent.RejectedExecutionException closed) {
                // recorded while the platform stops: kept in memory only
              }
            });
  }

  static List<EventLog.Event> read(Path file) {
    List<EventLog.Event> out = new ArrayList<>();
    if (!Files.exists(file)) {
      return out;
    }
    try {
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        EventLog.Event e = parse(line);
        if (e != null) {
          out.add(e);
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("cannot read the events kept in {}: {}; starting without them", file, e.toString());
    }
    return out;
  }

  /** The event on one line, or null when the line is not one. */
  static EventLog.Event parse(String line) {
    try {
      JsonNode n = JSON.readTree(line);
      if (n == null || !n.isObject()) {
        return null;
      }
      String[] f = new String[6];
      String[] names = {"time", "namespace", "type", "reason", "object", "message"};
      for (int i = 0; i < names.length; i++) {
        JsonNode v = n.get(names[i]);
        if (v == null || !v.isTextual()) {
          return null;
        }
        f[i] = v.asText();
      }
      return new EventLog.Event(Instant.parse(f[0]), f[1], f[2], f[3], f[4], f[5]);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  static String line(EventLog.Event e) {
    ObjectNode n = JSON.createObjectNode();
    n.put("time", e.time().toString());
    n.put("namespace", e.namespace());
    n.put("type", e.type());
    n.put("reason", e.reason());
    n.put("object", e.object());
    n.put("message", e.message());
    return n.toString();
  }

  private void append(EventLog.Event e) {
    if (lines + 1 >= compactAt) {
      rewrite();
      return; // the log already holds e, so the rewrite wrote it
    }
    try (BufferedWriter w =
        Files.newBufferedWriter(
            file,
            StandardCharsets.UTF_8,
            StandardOpenOption.CREATE,
            StandardOpenOption.APPEND,
            StandardOpenOption.WRITE)) {
      w.write(line(e));
      w.write('\n');
      lines++;
    } catch (IOException ex) {
      LOG.warn("cannot keep an event in {}: {}", file, ex.toString());
    }
  }

  /** Writes what the log keeps to a new file and moves it over the old one. */
  private void rewrite() {
    List<EventLog.Event> kept = log.list(null);
    Path tmp = file.resolveSibling(NAME + ".tmp");
    try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
      for (EventLog.Event e : kept) {
        w.write(line(e));
        w.write('\n');
      }
    } catch (IOException ex) {
      LOG.warn("cannot rewrite {}: {}", file, ex.toString());
      return;
    }
    try {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      lines = kept.size();
    } catch (IOException ex) {
      LOG.warn("cannot rewrite {}: {}", file, ex.toString());
    }
  }

  /** Stops keeping events; those recorded before are written first. */
  @Override
  public void close() {
    try {
      watch.close();
    } catch (Exception e) {
      throw new IllegalStateException("stopping the event log's watch", e);
    }
    writer.shutdown();
    try {
      writer.awaitTermination(5, TimeUnit.SECONDS); // the events queued before the stop are written
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
