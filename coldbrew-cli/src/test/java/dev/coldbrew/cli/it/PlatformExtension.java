package dev.coldbrew.cli.it;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * A {@link Platform} that JUnit starts once before a test class's tests and stops after them,
 * registered on a static field: {@code @RegisterExtension static final PlatformExtension platform =
 * PlatformExtension.withConfig(Platform.FAST_SCALE_TO_ZERO);}. It runs in a directory of its own
 * ({@link #dir}, deleted after the class), starts before the class's {@code @BeforeAll} methods
 * (which may apply what every test needs) and, when a test fails, prints what {@code serve} logged
 * during that test, so the report shows the platform's side. Not thread-safe: JUnit calls it from
 * the thread that runs the class (tests in a class run one at a time).
 */
final class PlatformExtension extends Platform
    implements BeforeAllCallback, BeforeEachCallback, TestWatcher, AfterAllCallback {
  /** The most of the log printed for one failure: its end is what explains it. */
  private static final int MAX_LOG_DUMP = 256 * 1024;

  private long logOffsetAtTestStart;

  private PlatformExtension(Path dir, List<String> args) throws IOException {
    super(dir, args.toArray(String[]::new));
  }

  /**
   * A platform with the built-in defaults and {@code extraArgs} on {@code serve}'s command line.
   */
  static PlatformExtension withDefaults(String... extraArgs) {
    try {
      return new PlatformExtension(newDir(), List.of(extraArgs));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A platform whose {@code --config} file ({@code DIR/coldbrew.yaml}) holds {@code yaml}. */
  static PlatformExtension withConfig(String yaml, String... extraArgs) {
    try {
      Path dir = newDir();
      Path cfg = dir.resolve("coldbrew.yaml");
      Files.writeString(cfg, yaml);
      List<String> args = new ArrayList<>(List.of("--config", cfg.toString()));
      args.addAll(List.of(extraArgs));
      return new PlatformExtension(dir, args);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path newDir() throws IOException {
    return Files.createTempDirectory("coldbrew-it-");
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    try {
      start();
    } catch (Exception | AssertionError e) {
      dumpLog(context.getDisplayName() + ": start failed", 0);
      throw e;
    }
  }

  @Override
  public void beforeEach(ExtensionContext context) throws IOException {
    logOffsetAtTestStart = Files.exists(log) ? Files.size(log) : 0;
  }

  @Override
  public void testFailed(ExtensionContext context, Throwable cause) {
    dumpLog(context.getDisplayName() + " failed", logOffsetAtTestStart);
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    try {
      stop();
    } finally {
      deleteDir();
    }
  }

  /** Prints the log from {@code from} on (at most its last {@link #MAX_LOG_DUMP} bytes). */
  private void dumpLog(String why, long from) {
    try {
      long size = Files.exists(log) ? Files.size(log) : 0;
      long start = Math.max(from, size - MAX_LOG_DUMP);
      byte[] bytes = new byte[(int) Math.max(0, size - start)];
      try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
        f.seek(start);
        f.readFully(bytes);
      }
      System.err.println(
          "----- "
              + why
              + ": serve log "
              + log
              + (start > from ? " (its last " + bytes.length + " bytes)" : "")
              + "\n"
              + new String(bytes, StandardCharsets.UTF_8)
              + "----- end of serve log");
    } catch (IOException e) {
      System.err.println("----- " + why + ": cannot read the serve log " + log + ": " + e);
    }
  }

  /** Deletes the directory; what cannot be deleted is named, since it hints at a leftover. */
  private void deleteDir() throws IOException {
    List<String> left = new ArrayList<>();
    try (Stream<Path> files = Files.walk(dir)) {
      files
          .sorted(Comparator.reverseOrder())
          .forEach(
              p -> {
                try {
                  Files.deleteIfExists(p);
                } catch (IOException e) {
                  left.add(p + " (" + e + ")");
                }
              });
    }
    if (!left.isEmpty()) {
      System.err.println("PlatformExtension: could not delete " + left);
    }
  }
}
