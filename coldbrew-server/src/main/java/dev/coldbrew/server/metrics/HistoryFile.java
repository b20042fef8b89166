package dev.coldbrew.server.metrics;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.model.NamespacedName;
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the dashboard's history ({@link Telemetry}'s samples of every revision) across restarts in
 * {@code <data-dir>/dashboard-history.jsonl}, one revision a line: {@code
 * {"namespace":…,"revision":…,"t":[ms…],"concurrency":[…],"desired":[…],"actual":[…],"rps":[…],
 * "coldStarts":[…]}}. At start the file's samples of the last {@link RevisionMeters#HISTORY} go
 * back into the telemetry; a line that is not a whole, sane history (cut short by a crash, edited,
 * hostile numbers) is skipped, and one warning says how many were. Then the file is rewritten with
 * every revision's history every {@link #PERIOD} and once more on {@link #close}, to a new file
 * moved over the old one, so a reader never sees half a file; it holds at most {@link #MAX_BYTES}
 * (the revisions beyond it are left out, with one warning) and a larger file is not read. The file
 * is read once, by {@link #open}; writes run on a thread of their own, never on an event loop, and
 * one that fails is logged while the history stays in memory. Thread-safe.
 */
public final class HistoryFile implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HistoryFile.class);
  private static final ObjectMapper JSON = ResourceCodec.json();

  /** The file's name in the data directory. */
  public static final String NAME = "dashboard-history.jsonl";

  /** How often the file is rewritten: what a crash (not a stop) loses at most. */
  public static final Duration PERIOD = Duration.ofSeconds(10);

  /**
   * The file's size cap: 16 MiB holds 15 minutes of about a thousand busy revisions (a busy one
   * takes about 14 KB, an idle one about 150 bytes).
   */
  public static final long MAX_BYTES = 16L << 20;

  /** A line with more samples than this is not one the platform wrote (twice the most it keeps). */
  static final int MAX_SAMPLES =
      2 * (int) (RevisionMeters.HISTORY.toMillis() / RevisionMeters.SAMPLE.toMillis()) + 2;

  /** The longest namespace or revision name accepted (a Kubernetes name is at most 253). */
  static final int MAX_NAME = 253;

  /** Samples later than now by more than this are not restored (a clock that went back). */
  static final Duration MAX_SKEW = Duration.ofMinutes(1);

  /** Concurrency and requests per second above this are not numbers the platform measured. */
  static final double MAX_RATE = 1e9;

  private final Path file;
  private final Telemetry telemetry;
  private final long maxBytes;
  private final ScheduledExecutorService writer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "coldbrew-history-file");
            t.setDaemon(true);
            return t;
          });
  private boolean warnedFull; // on the writer thread

  /**
   * Restores the history kept in {@code dataDir} into {@code telemetry}, then rewrites the file
   * every {@link #PERIOD}.
   */
  public static HistoryFile open(Path dataDir, Telemetry telemetry, Clock clock) {
    return open(dataDir, telemetry, clock, PERIOD, MAX_BYTES);
  }

  /** With another period and size cap, for tests. */
  static HistoryFile open(
      Path dataDir, Telemetry telemetry, Clock clock, Duration period, long maxBytes) {
    return new HistoryFile(dataDir.resolve(NAME), telemetry, clock, period, maxBytes);
  }

  private HistoryFile(Path file, Telemetry telemetry, Clock clock, Duration period, long maxBytes) {
    this.file = file;
    this.telemetry = telemetry;
    this.maxBytes = maxBytes;
    telemetry.restore(read(file, clock.millis(), maxBytes));
    long ms = period.toMillis();
    writer.scheduleWithFixedDelay(this::write, ms, ms, TimeUnit.MILLISECONDS);
  }

  /**
   * The histories in {@code file} at {@code nowMillis}: per revision its samples of the last {@link
   * RevisionMeters#HISTORY}, oldest first. Lines that are not a revision's history are skipped,
   * with one warning; a missing file is empty, and one that cannot be read or is larger than {@code
   * maxBytes} is skipped whole, with a warning.
   */
  static Map<NamespacedName, List<RevisionMeters.Sample>> read(
      Path file, long nowMillis, long maxBytes) {
    Map<NamespacedName, List<RevisionMeters.Sample>> out = new HashMap<>();
    if (!Files.exists(file)) {
      return out;
    }
    int lines = 0;
    int skipped = 0;
    try {
      long size = Files.size(file);
      if (size > maxBytes) {
        LOG.warn(
            "the dashboard history in {} is {} bytes, more than the {} it is kept to; starting"
                + " without it",
            file,
            size,
            maxBytes);
        return out;
      }
      // a byte that is not UTF-8 becomes U+FFFD: the line is then judged like any other
      try (BufferedReader in =
          new BufferedReader(
              new InputStreamReader(Files.newInputStream(file), StandardCharsets.UTF_8))) {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          if (line.isBlank()) {
            continue;
          }
          lines++;
          Entry e = parse(line, nowMillis);
          if (e == null || out.containsKey(e.revision())) {
            skipped++;
          } else if (!e.samples().isEmpty()) {
            out.put(e.revision(), e.samples());
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn(
          "cannot read the dashboard history in {}: {}; starting with what was read before",
          file,
          e.toString());
    }
    if (skipped > 0) {
      LOG.warn(
          "skipped {} of {} lines of {} that are not a revision's history (a line cut short by a"
              + " crash, or an edit)",
          skipped,
          lines,
          file);
    }
    return out;
  }

  /** One line of the file: a revision's history. */
  record Entry(NamespacedName revision, List<RevisionMeters.Sample> samples) {}

  /**
   * The history on one line, keeping the samples of the last {@link RevisionMeters#HISTORY} before
   * {@code nowMillis}; null when the line is not one (not JSON, a missing or mistyped field, series
   * of different lengths or more than {@link #MAX_SAMPLES}, times not increasing or in the future,
   * a negative, fractional or out-of-range number).
   */
  static Entry parse(String line, long nowMillis) {
    JsonNode n;
    try {
      n = JSON.readTree(line);
    } catch (IOException | RuntimeException e) {
      return null;
    }
    if (n == null || !n.isObject()) {
      return null;
    }
    String namespace = name(n.get("namespace"));
    String revision = name(n.get("revision"));
    if (namespace == null || revision == null) {
      return null;
    }
    List<String> names = RevisionMeters.Sample.SERIES;
    JsonNode[] series = new JsonNode[names.size()];
    for (int i = 0; i < series.length; i++) {
      series[i] = n.get(names.get(i));
      if (series[i] == null
          || !series[i].isArray()
          || series[i].size() != series[0].size()
          || series[i].size() > MAX_SAMPLES) {
        return null;
      }
    }
    long oldest = nowMillis - RevisionMeters.HISTORY.toMillis();
    long latest = nowMillis + MAX_SKEW.toMillis();
    List<RevisionMeters.Sample> samples = new ArrayList<>(series[0].size());
    long previous = Long.MIN_VALUE;
    for (int i = 0; i < series[0].size(); i++) {
      JsonNode t = series[0].get(i);
      if (!t.isIntegralNumber() || !t.canConvertToLong()) {
        return null;
      }
      long time = t.asLong();
      double concurrency = rate(series[1].get(i));
      int desired = count(series[2].get(i));
      int actual = count(series[3].get(i));
      double rps = rate(series[4].get(i));
      int cold = count(series[5].get(i));
      if (time <= previous
          || time > latest
          || concurrency < 0
          || desired < 0
          || actual < 0
          || rps < 0
          || cold < 0) {
        return null;
      }
      previous = time;
      if (time >= oldest) {
        samples.add(new RevisionMeters.Sample(time, concurrency, desired, actual, rps, cold));
      }
    }
    return new Entry(new NamespacedName(namespace, revision), samples);
  }

  private static String name(JsonNode v) {
    if (v == null || !v.isTextual()) {
      return null;
    }
    String s = v.asText();
    return s.isEmpty() || s.length() > MAX_NAME ? null : s;
  }

  /** A finite number from 0 to {@link #MAX_RATE}, else -1. */
  private static double rate(JsonNode v) {
    if (v == null || !v.isNumber()) {
      return -1;
    }
    double d = v.asDouble();
    return Double.isFinite(d) && d >= 0 && d <= MAX_RATE ? d : -1;
  }

  /** A whole number from 0 to {@link Integer#MAX_VALUE}, else -1. */
  private static int count(JsonNode v) {
    if (v == null || !v.isIntegralNumber() || !v.canConvertToInt()) {
      return -1;
    }
    return Math.max(-1, v.asInt());
  }

  /** Writes every revision's history to a new file and moves it over the old one. */
  private void write() {
    Path tmp = file.resolveSibling(NAME + ".tmp");
    int left = 0;
    try {
      Map<NamespacedName, List<RevisionMeters.Sample>> histories = telemetry.histories();
      ByteArrayOutputStream line = new ByteArrayOutputStream(4096);
      long written = 0;
      try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
        for (var e : histories.entrySet()) {
          if (e.getValue().isEmpty()) {
            continue;
          }
          line.reset();
          line(line, e.getKey(), e.getValue());
          if (written + line.size() > maxBytes) {
            left++;
            continue;
          }
          line.writeTo(out);
          written += line.size();
        }
      }
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException | RuntimeException e) {
      LOG.warn("cannot keep the dashboard history in {}: {}", file, e.toString());
      return;
    }
    if (left > 0 && !warnedFull) {
      LOG.warn(
          "the dashboard history of {} revisions is not kept across a restart: {} holds at most {}"
              + " bytes",
          left,
          file,
          maxBytes);
    }
    warnedFull = left > 0;
  }

  /** One revision's history as a line of JSON, newline included. */
  static void line(OutputStream out, NamespacedName revision, List<RevisionMeters.Sample> samples)
      throws IOException {
    try (JsonGenerator g = JSON.getFactory().createGenerator(out)) {
      g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
      g.writeStartObject();
      g.writeStringField("namespace", revision.namespace());
      g.writeStringField("revision", revision.name());
      RevisionMeters.Sample.writeSeries(g, samples, false);
      g.writeEndObject();
    }
    out.write('\n');
  }

  /** Stops the periodic writes and writes the history once more. */
  @Override
  public void close() {
    try {
      writer.execute(this::write);
    } catch (RejectedExecutionException closed) {
      return;
    }
    writer.shutdown(); // the delayed periodic write is dropped, the one just queued runs
    try {
      if (!writer.awaitTermination(10, TimeUnit.SECONDS)) {
        LOG.warn("the dashboard history was not written within 10 s of the stop");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
