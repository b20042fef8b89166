package dev.coldbrew.server;

import dev.coldbrew.api.validation.ValidationException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the config file while the platform runs, as Knative's components follow their ConfigMaps:
 * the file is looked at every {@link #PERIOD}; when its modification time or size changed it is
 * read and validated as at start-up. A valid config that differs from the last one is handed to the
 * platform, which says what it applied; an invalid or unreadable one is reported (every bad key, as
 * at start-up) and the platform keeps the config it has. Thread-safe.
 */
public final class ConfigReloader implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ConfigReloader.class);

  /** How often the file is looked at: an edit is applied within this. */
  static final Duration PERIOD = Duration.ofSeconds(2);

  /** What one look at the file found. */
  enum Outcome {
    UNCHANGED,
    APPLIED,
    REJECTED
  }

  private final Path file;
  private final Function<PlatformConfig, String> apply;
  private final ScheduledExecutorService timer;
  private PlatformConfig current;
  private Object seen; // the file's (modified, size) when last read; null: not read yet

  /**
   * @param current the config the platform started with, read from {@code file}
   * @param apply applies a changed config and returns what it did, in words
   */
  ConfigReloader(Path file, PlatformConfig current, Function<PlatformConfig, String> apply) {
    this.file = file;
    this.current = current;
    this.apply = apply;
    this.seen = stamp();
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "config-reload");
              t.setDaemon(true);
              return t;
            });
  }

  /** Starts looking at {@code file} every {@link #PERIOD}. */
  static ConfigReloader start(
      Path file, PlatformConfig current, Function<PlatformConfig, String> apply) {
    ConfigReloader r = new ConfigReloader(file, current, apply);
    r.timer.scheduleWithFixedDelay(
        r::checkSafely, PERIOD.toMillis(), PERIOD.toMillis(), TimeUnit.MILLISECONDS);
    return r;
  }

  private void checkSafely() {
    try {
      check();
    } catch (RuntimeException e) { // a failure to apply must not end the schedule
      LOG.error("config {}: applying it failed; the platform keeps the config it had", file, e);
    }
  }

  /** One look at the file. */
  synchronized Outcome check() {
    Object stamp = stamp();
    if (stamp == null || stamp.equals(seen)) {
      return Outcome.UNCHANGED;
    }
    seen = stamp;
    PlatformConfig next;
    try {
      next = PlatformConfig.load(file);
    } catch (ValidationException e) {
      LOG.error(
          "config {} not applied, the platform keeps the config it had: {}", file, e.getMessage());
      return Outcome.REJECTED;
    }
    if (next.equals(current)) {
      return Outcome.UNCHANGED;
    }
    current = next;
    LOG.info("config {} changed: {}", file, apply.apply(next));
    return Outcome.APPLIED;
  }

  /**
   * The file's modification time and size, or null when it cannot be read (said once per change of
   * the reason; the next readable version is read as a change).
   */
  private Object stamp() {
    try {
      BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
      if (!a.isRegularFile()) {
        return unreadable("not a regular file");
      }
      return a.lastModifiedTime().toMillis() + "/" + a.size();
    } catch (IOException e) {
      return unreadable(e instanceof java.nio.file.NoSuchFileException ? "missing" : e.toString());
    }
  }

  private String lastProblem;

  private Object unreadable(String why) {
    if (!why.equals(lastProblem)) {
      LOG.warn("config {} cannot be read ({}); the platform keeps the config it had", file, why);
      lastProblem = why;
    }
    seen = null;
    return null;
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
